"""Forum content as HTML text in the reader's language: vocabulary labels, local times, safe links in comments.

User text is never trusted as HTML: :func:`linkify` escapes everything and only then turns web addresses into
links (``rel="nofollow ugc noopener"``), so ``<script>`` in a comment is shown as text.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import Request
from markupsafe import Markup, escape
from starlette.responses import HTMLResponse

from kikz.web.templating import format_date, language, render, translate

BERLIN = ZoneInfo("Europe/Berlin")
_URL = re.compile(r"\b(?:https?://|www\.)[^\s<>\"']+", re.IGNORECASE)
_TRAILING = ".,;:!?)]}'\""
WEEKDAYS = {
    "de": ("Mo.", "Di.", "Mi.", "Do.", "Fr.", "Sa.", "So."),
    "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
}


def linkify(text: str) -> Markup:
    """Escaped text with web addresses as links."""
    out: list[str] = []
    last = 0
    for match in _URL.finditer(text):
        url = match.group(0)
        trail = ""
        while url and url[-1] in _TRAILING:
            trail = url[-1] + trail
            url = url[:-1]
        out.append(str(escape(text[last : match.start()])))
        href = url if url.lower().startswith("http") else f"https://{url}"
        out.append(f'<a href="{escape(href)}" rel="nofollow ugc noopener">{escape(url)}</a>{escape(trail)}')
        last = match.end()
    out.append(str(escape(text[last:])))
    return Markup("".join(out))  # noqa: S704 - every piece above is escaped


def paragraphs(text: str) -> list[str]:
    return [p.strip() for p in re.split(r"\n\s*\n", text or "") if p.strip()]


def local_time(moment: dt.datetime, lang: str) -> str:
    value = moment.astimezone(BERLIN)
    return value.strftime("%d.%m.%Y, %H:%M Uhr" if lang == "de" else "%Y-%m-%d %H:%M")


def event_when(starts: dt.datetime, ends: dt.datetime, lang: str) -> str:
    """'Do., 12.06.2025, 10:00–16:00 Uhr' (local time; both days when it spans several)."""
    first, last = starts.astimezone(BERLIN), ends.astimezone(BERLIN)
    day = "%d.%m.%Y" if lang == "de" else "%Y-%m-%d"
    suffix = " Uhr" if lang == "de" else ""
    weekday = WEEKDAYS.get(lang, WEEKDAYS["de"])[first.weekday()]
    if first.date() == last.date():
        return f"{weekday}, {first.strftime(day)}, {first:%H:%M}–{last:%H:%M}{suffix}"
    return f"{weekday}, {first.strftime(day)}, {first:%H:%M}{suffix} – {last.strftime(day)}, {last:%H:%M}{suffix}"


def percent(share: float | None, lang: str) -> str:
    if share is None:
        return "–"
    text = f"{share * 100:.0f} %"
    return text if lang == "de" else text.replace(" %", "%")


def number(value: float | None, lang: str, digits: int = 0) -> str:
    if value is None:
        return "–"
    text = f"{value:,.{digits}f}"
    if lang == "de":
        text = text.replace(",", "\u202f").replace(".", ",")
    return text


def render_forum(request: Request, name: str, context: dict[str, Any], status_code: int = 200) -> HTMLResponse:
    """Render a forum template with the forum's helpers (labels, times, links) in the reader's language."""
    lang = language(request)
    helpers: dict[str, Any] = {
        "active": "forum",
        "label": lambda vocab, value: translate(lang, f"forum.{vocab}.{getattr(value, 'value', value)}"),
        "linkify": linkify,
        "paragraphs": paragraphs,
        "local_time": lambda moment: local_time(moment, lang),
        "day": lambda moment: format_date(moment.astimezone(BERLIN).date(), lang),
        "event_when": lambda s, e: event_when(s, e, lang),
        "percent": lambda share: percent(share, lang),
        "number": lambda value, digits=0: number(value, lang, digits),
    }
    notice = forum_notice(request)
    if notice:
        helpers["notice"] = notice
    return render(request, name, {**helpers, **context}, status_code=status_code)


NOTICES = frozenset(
    {
        "angelegt",
        "gespeichert",
        "geloescht",
        "kommentiert",
        "entfernt",
        "nachnutzung",
        "erfahrung",
        "teilnahme",
        "eingeladen",
        "widerrufen",
    }
)
"""Confirmations after a redirect (``?hinweis=…``); only these keys, so a link cannot inject text."""


def forum_notice(request: Request) -> str | None:
    key = request.query_params.get("hinweis", "")
    return translate(language(request), f"forum.notice.{key}") if key in NOTICES else None
