"""Query-option errors: invalid → 400, valid but not supported here → 501 (answered by the app's handler)."""

from __future__ import annotations

from kikz.errors import KikzError


class QueryError(KikzError):
    status_code = 400
    code = "invalid_query"


class NotImplementedOption(QueryError):
    status_code = 501
    code = "not_implemented"
