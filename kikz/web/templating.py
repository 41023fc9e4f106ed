"""Jinja2 templates with German-first i18n (message catalogues in kikz/web/messages/)."""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates
from starlette.responses import HTMLResponse

from kikz.web import csrf

TEMPLATE_DIR = Path(str(resources.files("kikz.web") / "templates"))
MESSAGES_DIR = Path(str(resources.files("kikz.web") / "messages"))
LANGUAGES = ("de", "en")
LANG_COOKIE = "kikz_lang"


@lru_cache
def catalogue(lang: str) -> dict[str, str]:
    path = MESSAGES_DIR / f"{lang}.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def language(request: Request) -> str:
    """?lang=… beats the cookie, which beats Accept-Language; German is the default."""
    asked = request.query_params.get("lang") or request.cookies.get(LANG_COOKIE)
    if asked in LANGUAGES:
        return asked
    accept = request.headers.get("accept-language", "")
    for part in accept.split(","):
        code = part.split(";")[0].strip().lower()[:2]
        if code in LANGUAGES:
            return code
    return "de"


def translate(lang: str, key: str, **values: Any) -> str:
    """Look ``key`` up in the language's catalogue, falling back to German, then to the key itself."""
    text = catalogue(lang).get(key) or catalogue("de").get(key) or key
    return text.format(**values) if values else text


templates = Jinja2Templates(directory=str(TEMPLATE_DIR))


def render(request: Request, name: str, context: dict[str, Any] | None = None, status_code: int = 200) -> HTMLResponse:
    lang = language(request)
    settings = request.app.state.settings
    csrf_cookie = request.cookies.get(csrf.CSRF_COOKIE) or getattr(request.state, "csrf_cookie", None)
    if csrf_cookie is None:
        csrf_cookie = csrf.new_cookie_value()
        request.state.csrf_cookie = csrf_cookie
    ctx: dict[str, Any] = {
        "lang": lang,
        "_": lambda key, **kw: translate(lang, key, **kw),
        "csrf_token": csrf.token_for(csrf_cookie, settings.secret_key),
        "principal": getattr(request.state, "principal", None),
        "settings": settings,
    }
    ctx.update(context or {})
    response = templates.TemplateResponse(request, name, ctx, status_code=status_code)
    return response
