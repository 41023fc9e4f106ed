"""Liveness and readiness for load balancers and orchestrators."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text

router = APIRouter(tags=["Betrieb / Operations"])


@router.get("/health", summary="Lebenszeichen (der Prozess antwortet)")
def health() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/ready", summary="Bereitschaft (Datenbank erreichbar, Schema aktuell)")
def ready(request: Request) -> JSONResponse:
    from kikz import migrate

    engine = request.app.state.engine
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        revision = migrate.current_revision(engine)
    except Exception as exc:
        return JSONResponse({"status": "unavailable", "database": type(exc).__name__}, status_code=503)
    expected = migrate.head_revision()
    status = "ok" if revision == expected else "migration_pending"
    return JSONResponse(
        {"status": status, "schema": revision, "expected_schema": expected},
        status_code=200 if status == "ok" else 503,
    )
