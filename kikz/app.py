"""The app factory: one FastAPI app mounting every domain's JSON API and HTML pages."""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from kikz.db import make_engine, make_sessionmaker
from kikz.errors import KikzError
from kikz.settings import Settings, get_settings
from kikz.storage import FileStore
from kikz.tenancy.permissions import PermissionDenied
from kikz.web import csrf

log = logging.getLogger("kikz")

API_PREFIXES = ("/api/", "/sta/", "/catalog", "/dcat")

SECURITY_HEADERS = {
    "content-security-policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
        "frame-ancestors 'none'"
    ),
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "same-origin",
    "permissions-policy": "geolocation=(), camera=(), microphone=()",
    "cross-origin-opener-policy": "same-origin",
}


def content_security_policy(settings: Settings) -> str:
    """The strict default policy; a configured map tile server (``KIKZ_MAP_TILE_URL``) is added to ``img-src``."""
    policy = SECURITY_HEADERS["content-security-policy"]
    if settings.map_tile_origin:
        policy = policy.replace("img-src 'self' data:", f"img-src 'self' data: {settings.map_tile_origin}", 1)
    return policy


def _wants_json(request: Request) -> bool:
    path = request.url.path
    machine_path = path.startswith(API_PREFIXES) or (path.startswith("/kommunen/") and "/catalog" in path)
    return machine_path or "application/json" in request.headers.get("accept", "")


def _error_response(request: Request, status: int, message: str, code: str) -> Response:
    if _wants_json(request):
        return JSONResponse({"error": {"code": code, "message": message}}, status_code=status)
    from kikz.web.templating import render

    return render(request, "error.html", {"status": status, "message": message}, status_code=status)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    engine = make_engine(settings.sqlalchemy_url)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        worker = None
        if settings.environment != "test":
            from kikz.catalog import search_runtime

            search_runtime.rebuild_in_background(engine)  # the first search need not wait for the index
            from kikz.governance.categorisation.service import get_model

            threading.Thread(target=get_model, args=(settings.data_dir,), name="kikz-model", daemon=True).start()
        if settings.embedded_worker:
            from kikz.jobs import WorkerThread
            from kikz.worker import PERIODIC_JOBS, job_handlers

            worker = WorkerThread(app.state.sessionmaker, job_handlers(settings), periodic=PERIODIC_JOBS)
            worker.start()
        bridge = None
        if settings.mqtt_url:
            from kikz.sensors.api import PREFIX
            from kikz.sensors.mqtt import start_bridge

            base = settings.base_url.rstrip("/") + PREFIX
            bridge = start_bridge(settings.mqtt_url, app.state.sessionmaker, base=base, ca_file=settings.mqtt_ca_file)
        yield
        if bridge:
            bridge.stop()
        if worker:
            worker.stop()
        engine.dispose()

    app = FastAPI(
        title="kikz – Daten- und KI-Plattform der Smart-KIKZ-Städte",
        version="0.1.0",
        openapi_url="/api/openapi.json",
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessionmaker = make_sessionmaker(engine)
    app.state.store = FileStore(settings.files_dir)

    headers = {**SECURITY_HEADERS, "content-security-policy": content_security_policy(settings)}

    @app.middleware("http")
    async def guard(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        length = request.headers.get("content-length")
        if length and length.isdigit() and int(length) > settings.max_upload_bytes + 1024 * 1024:
            return _error_response(request, 413, "Die Anfrage ist zu groß.", "too_large")
        response: Response = await call_next(request)
        for name, value in headers.items():
            response.headers.setdefault(name, value)
        new_csrf = getattr(request.state, "csrf_cookie", None)
        if new_csrf and not request.cookies.get(csrf.CSRF_COOKIE):
            response.set_cookie(
                csrf.CSRF_COOKIE,
                new_csrf,
                httponly=True,
                samesite="lax",
                secure=settings.session_cookie_secure,
            )
        return response

    @app.exception_handler(KikzError)
    async def _domain_error(request: Request, exc: KikzError) -> Response:
        return _error_response(request, exc.status_code, exc.message, exc.code)

    @app.exception_handler(PermissionDenied)
    async def _denied(request: Request, exc: PermissionDenied) -> Response:
        return _error_response(request, 403, exc.message, "forbidden")

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        details = [
            {
                "field": ".".join(str(p) for p in err.get("loc", ()) if p != "body"),
                "message": err.get("msg", ""),
            }
            for err in exc.errors()
        ]
        if _wants_json(request):
            return JSONResponse(
                {"error": {"code": "invalid_input", "message": "Ungültige Eingabe.", "details": details}},
                status_code=422,
            )
        text = "; ".join(f"{d['field']}: {d['message']}" for d in details)
        return _error_response(request, 422, f"Ungültige Eingabe – {text}", "invalid_input")

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        messages = {404: "Diese Seite gibt es nicht.", 405: "Diese Methode ist hier nicht erlaubt."}
        message = (
            exc.detail
            if isinstance(exc.detail, str) and exc.detail not in ("Not Found", "Method Not Allowed")
            else messages.get(exc.status_code, str(exc.detail))
        )
        response = _error_response(request, exc.status_code, message, f"http_{exc.status_code}")
        for key, value in (exc.headers or {}).items():
            response.headers[key] = value
        return response

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unexpected error on %s %s", request.method, request.url.path)
        return _error_response(request, 500, "Interner Fehler. Der Vorfall wurde protokolliert.", "internal")

    static_dir = Path(str(resources.files("kikz.web") / "static"))
    app.mount("/static", StaticFiles(directory=static_dir), name="static")
    from kikz.web import apidocs

    apidocs.mount_assets(app)
    _include_routers(app)
    return app


def _include_routers(app: FastAPI) -> None:
    """Every domain contributes an ``api`` (JSON) and/or ``pages`` (HTML) router."""
    from kikz.catalog import api as catalog_api
    from kikz.catalog import ckan
    from kikz.catalog import pages as catalog_pages
    from kikz.catalog.dcat import routes as dcat_routes
    from kikz.governance import api as governance_api
    from kikz.governance.quality import api as quality_api
    from kikz.governance.quality import pages as quality_pages
    from kikz.governance.workflow import api as workflow_api
    from kikz.governance.workflow import pages as workflow_pages
    from kikz.sensors import analysis_api as sensors_analysis_api
    from kikz.sensors import api as sensors_api
    from kikz.sensors import import_api as sensors_import_api
    from kikz.sensors import pages as sensors_pages
    from kikz.sensors import reports_api as sensors_reports_api
    from kikz.tenancy import api as tenancy_api
    from kikz.tenancy import oidc
    from kikz.tenancy import pages as tenancy_pages
    from kikz.transfer import api as transfer_api
    from kikz.transfer import pages as transfer_pages
    from kikz.transfer import pages_events as transfer_event_pages
    from kikz.transparency import citizen_pages, feedback_pages, lab_api, lab_pages, lab_workshop_pages, register_pages
    from kikz.web import apidocs, health
    from kikz.web import pages as web_pages

    modules = (
        apidocs,
        health,
        tenancy_api,
        catalog_api,
        ckan,
        dcat_routes,
        governance_api,
        quality_api,
        workflow_api,
        sensors_api,
        sensors_import_api,
        sensors_reports_api,
        sensors_analysis_api,
        oidc,
        tenancy_pages,
        catalog_pages,
        quality_pages,
        workflow_pages,
        sensors_pages,
        transfer_api,
        transfer_pages,
        transfer_event_pages,
        lab_api,
        lab_pages,
        lab_workshop_pages,
        register_pages,
        citizen_pages,
        feedback_pages,
        web_pages,
    )
    for module in modules:
        app.include_router(module.router)
