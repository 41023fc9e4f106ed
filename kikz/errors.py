"""Domain errors with a clear German message; the web layer maps them to 4xx answers."""

from __future__ import annotations


class KikzError(Exception):
    status_code = 400
    code = "invalid"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidInput(KikzError):
    status_code = 422
    code = "invalid_input"


class NotFound(KikzError):
    status_code = 404
    code = "not_found"


class Conflict(KikzError):
    status_code = 409
    code = "conflict"


class TooLarge(KikzError):
    status_code = 413
    code = "too_large"


class UnsupportedMedia(KikzError):
    status_code = 415
    code = "unsupported_media_type"
