"""Interactive API documentation (Swagger UI) served from the installed package, never from a CDN."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

router = APIRouter(include_in_schema=False)

PAGE = """<!doctype html>
<html lang="de">
<head>
  <meta charset="utf-8">
  <title>kikz – API-Dokumentation</title>
  <link rel="stylesheet" href="/api/docs/assets/swagger-ui.css">
</head>
<body>
  <div id="swagger-ui" data-openapi-url="/api/openapi.json"></div>
  <script src="/api/docs/assets/swagger-ui-bundle.js"></script>
  <script src="/static/swagger-init.js"></script>
</body>
</html>
"""


@router.get("/api/docs")
def api_docs() -> HTMLResponse:
    return HTMLResponse(PAGE)


def mount_assets(app: FastAPI) -> None:
    import swagger_ui_bundle

    app.mount("/api/docs/assets", StaticFiles(directory=swagger_ui_bundle.swagger_ui_path), name="swagger-ui")
