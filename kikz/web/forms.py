"""Helpers for HTML forms: German messages for validation errors, safe redirect targets, login redirects."""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import quote

from fastapi import Request
from pydantic import ValidationError
from starlette.datastructures import FormData
from starlette.responses import RedirectResponse

# pydantic error type -> German message; {ctx keys} are filled from the error's context
_GERMAN: dict[str, str] = {
    "missing": "Bitte ausfüllen.",
    "string_too_short": "Bitte mindestens {min_length} Zeichen eingeben.",
    "string_too_long": "Bitte höchstens {max_length} Zeichen eingeben.",
    "too_long": "Bitte höchstens {max_length} Einträge angeben.",
    "date_from_datetime_parsing": "Bitte ein Datum im Format JJJJ-MM-TT angeben.",
    "date_parsing": "Bitte ein Datum im Format JJJJ-MM-TT angeben.",
    "date_type": "Bitte ein Datum im Format JJJJ-MM-TT angeben.",
    "enum": "Bitte einen der angebotenen Werte wählen.",
    "int_parsing": "Bitte eine ganze Zahl angeben.",
    "bool_parsing": "Bitte ja oder nein wählen.",
}


@dataclass
class FormErrors:
    """Errors of one submitted form: (field id or None, message); the template shows a summary with links."""

    items: list[tuple[str | None, str]] = field(default_factory=list)

    def add(self, field_name: str | None, message: str) -> None:
        self.items.append((field_name, message))

    def for_field(self, field_name: str) -> list[str]:
        return [message for name, message in self.items if name == field_name]

    def sort(self, order: tuple[str, ...]) -> None:
        """Put messages in the order of the fields on the page, messages without a field first."""
        rank = {name: i for i, name in enumerate(order)}
        self.items.sort(key=lambda item: -1 if item[0] is None else rank.get(item[0], len(order)))

    def __bool__(self) -> bool:
        return bool(self.items)


def german_message(error: dict[str, object]) -> str:
    kind = str(error.get("type", ""))
    ctx = error.get("ctx") or {}
    if kind == "value_error":
        message = str(error.get("msg", ""))
        if "email" in message.lower():
            return "Bitte eine gültige E-Mail-Adresse angeben."
        return message.removeprefix("Value error, ")
    if kind == "string_too_short" and isinstance(ctx, dict) and ctx.get("min_length") == 1:
        return _GERMAN["missing"]
    template = _GERMAN.get(kind)
    if template is None:
        return str(error.get("msg", "Ungültige Eingabe."))
    try:
        return template.format(**ctx) if isinstance(ctx, dict) else template
    except (KeyError, IndexError):
        return template


def errors_from_validation(exc: ValidationError, aliases: dict[str, str] | None = None) -> FormErrors:
    """Map a pydantic error to form fields (``aliases`` maps model fields to form field names)."""
    errors = FormErrors()
    for err in exc.errors():
        loc = [str(p) for p in err.get("loc", ())]
        name = loc[0] if loc else None
        if name and aliases:
            name = aliases.get(name, name)
        errors.add(name, german_message(dict(err)))
    return errors


def text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def texts(form: FormData, name: str) -> list[str]:
    return [v.strip() for v in form.getlist(name) if isinstance(v, str) and v.strip()]


def safe_next(value: str | None, default: str = "/") -> str:
    """Only same-site paths: never let a crafted link send a user elsewhere after login."""
    if not value or not value.startswith("/") or value.startswith(("//", "/\\")) or "\n" in value or "\r" in value:
        return default
    return value


def login_redirect(request: Request) -> RedirectResponse:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/anmelden?weiter={quote(target, safe='/')}", status_code=303)
