"""Jinja2 templates with German-first i18n (message catalogues in kikz/web/messages/)."""

from __future__ import annotations

import datetime as dt
import json
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.templating import Jinja2Templates
from starlette.responses import HTMLResponse

from kikz.web import csrf

TEMPLATE_DIR = Path(str(resources.files("kikz.web") / "templates"))
MESSAGES_DIR = Path(str(resources.files("kikz.web") / "messages"))
LANGUAGES = ("de", "en")
LANG_COOKIE = "kikz_lang"
LANG_COOKIE_MAX_AGE = 365 * 24 * 3600
# confirmations shown after a redirect (?hinweis=…); only these keys, so a link cannot inject text
NOTICES = frozenset({"angelegt", "gespeichert", "datei", "link", "token_widerrufen", "abgemeldet"})


@lru_cache
def catalogue(lang: str) -> dict[str, str]:
    path = MESSAGES_DIR / f"{lang}.json"
    merged: dict[str, str] = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    # a domain may keep its keys in a catalogue of its own (messages/<domain>/<lang>.json), merged in here
    for part in sorted(MESSAGES_DIR.glob(f"*/{lang}.json")):
        merged.update(json.loads(part.read_text(encoding="utf-8")))
    return merged


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


def _lookup(lang: str, key: str) -> str | None:
    return catalogue(lang).get(key) or catalogue("de").get(key)


def translate(lang: str, key: str, **values: Any) -> str:
    """Look ``key`` up in the language's catalogue, falling back to German, then to the key itself.

    ``count=1`` picks the singular form ``<key>.one`` where the catalogue has one.
    """
    text = (_lookup(lang, f"{key}.one") if values.get("count") == 1 else None) or _lookup(lang, key) or key
    return text.format(**values) if values else text


def format_bytes(size: int | None, lang: str = "de") -> str:
    if size is None:
        return "–"
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            text = f"{value:.0f}" if unit == "B" else f"{value:.1f}"
            return f"{text.replace('.', ',') if lang == 'de' else text} {unit}"
        value /= 1024
    return f"{size} B"  # pragma: no cover - the loop always returns


def format_number(value: int | None, lang: str = "de") -> str:
    if value is None:
        return "–"
    text = f"{value:,}"
    return text.replace(",", ".") if lang == "de" else text


def format_date(value: dt.date | dt.datetime | None, lang: str = "de") -> str:
    if value is None:
        return "–"
    if isinstance(value, dt.datetime):
        value = value.astimezone(dt.UTC)
        return value.strftime("%d.%m.%Y, %H:%M UTC" if lang == "de" else "%Y-%m-%d %H:%M UTC")
    return value.strftime("%d.%m.%Y" if lang == "de" else "%Y-%m-%d")


def url_with(request: Request, **changes: Any) -> str:
    """The current path with some query parameters replaced (``None`` removes one); keeps repeated keys."""
    items = [(k, v) for k, v in request.query_params.multi_items() if k not in changes]
    for key, value in changes.items():
        if value is None:
            continue
        if isinstance(value, list | tuple):
            items.extend((key, str(v)) for v in value)
        else:
            items.append((key, str(value)))
    query = urlencode(items)
    return request.url.path + (f"?{query}" if query else "")


templates = Jinja2Templates(directory=str(TEMPLATE_DIR))
templates.env.trim_blocks = True
templates.env.lstrip_blocks = True


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
        "url_with": lambda **kw: url_with(request, **kw),
        "fmt_bytes": lambda size: format_bytes(size, lang),
        "fmt_number": lambda value: format_number(value, lang),
        "fmt_date": lambda value: format_date(value, lang),
    }
    hinweis = request.query_params.get("hinweis", "")
    if hinweis in NOTICES:
        ctx["notice"] = translate(lang, f"notice.{hinweis}")
    ctx.update(context or {})
    response = templates.TemplateResponse(request, name, ctx, status_code=status_code)
    asked = request.query_params.get("lang")
    if asked in LANGUAGES and request.cookies.get(LANG_COOKIE) != asked:
        response.set_cookie(
            LANG_COOKIE,
            asked,
            max_age=LANG_COOKIE_MAX_AGE,
            samesite="lax",
            secure=settings.session_cookie_secure,
        )
    principal = ctx["principal"]
    # pages of logged-in users may show one-time secrets or internal data that no cache may keep
    logged_in = principal is not None and not principal.is_anonymous
    response.headers.setdefault("cache-control", "private, no-store" if logged_in else "no-cache")
    return response
