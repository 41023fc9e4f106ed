"""CSRF protection by signed double submit: a random cookie plus an HMAC of it in every form or header."""

from __future__ import annotations

import hashlib
import hmac
import secrets

CSRF_COOKIE = "kikz_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"


def new_cookie_value() -> str:
    return secrets.token_urlsafe(24)


def token_for(cookie_value: str, secret_key: str) -> str:
    return hmac.new(secret_key.encode(), cookie_value.encode(), hashlib.sha256).hexdigest()


def valid(cookie_value: str | None, submitted: str | None, secret_key: str) -> bool:
    if not cookie_value or not submitted:
        return False
    return hmac.compare_digest(token_for(cookie_value, secret_key), submitted)
