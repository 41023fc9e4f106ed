"""Lesson progress without an account: a signed cookie listing finished steps, no profile on the server.

The cookie holds nothing but step keys such as ``schaetzen`` or ``personenbezug/radzaehlung``; it is signed with
the platform's secret (itsdangerous), so an altered or foreign cookie is ignored and progress starts empty.
Unknown keys are dropped, so the cookie never grows beyond the lab's own steps.
"""

from __future__ import annotations

from collections.abc import Iterable

from fastapi import Request
from itsdangerous import BadSignature, URLSafeSerializer
from starlette.responses import Response

from kikz.settings import Settings

PROGRESS_COOKIE = "kikz_lab"
MAX_AGE = 365 * 24 * 3600
SALT = "kikz.lab.progress"


def _serializer(settings: Settings) -> URLSafeSerializer:
    return URLSafeSerializer(settings.secret_key, salt=SALT)


def read(request: Request, settings: Settings, known: Iterable[str]) -> frozenset[str]:
    """The finished steps in the request's cookie; empty when missing, tampered with or malformed."""
    raw = request.cookies.get(PROGRESS_COOKIE)
    if not raw:
        return frozenset()
    try:
        value = _serializer(settings).loads(raw)
    except BadSignature:
        return frozenset()
    if not isinstance(value, list):
        return frozenset()
    allowed = set(known)
    return frozenset(v for v in value if isinstance(v, str) and v in allowed)


def dump(steps: Iterable[str], settings: Settings) -> str:
    return str(_serializer(settings).dumps(sorted(set(steps))))


def store(response: Response, steps: Iterable[str], settings: Settings) -> None:
    response.set_cookie(
        PROGRESS_COOKIE,
        dump(steps, settings),
        max_age=MAX_AGE,
        httponly=True,
        samesite="lax",
        secure=settings.session_cookie_secure,
    )


def forget(response: Response) -> None:
    response.delete_cookie(PROGRESS_COOKIE)
