"""Health and readiness endpoints."""

from __future__ import annotations

from fastapi.testclient import TestClient

from kikz import migrate


def test_health(client: TestClient) -> None:
    assert client.get("/health").json() == {"status": "ok"}


def test_ready_reports_pending_migration_then_ok(client: TestClient, app) -> None:  # type: ignore[no-untyped-def]
    answer = client.get("/ready")
    assert answer.status_code == 503 and answer.json()["status"] == "migration_pending"
    migrate.stamp(app.state.engine)  # the test schema was built from the models
    answer = client.get("/ready")
    assert answer.status_code == 200, answer.json()
    assert answer.json()["schema"] == migrate.head_revision()


def test_api_docs_are_served_locally(client: TestClient) -> None:
    page = client.get("/api/docs")
    assert page.status_code == 200
    assert "http" not in page.text.replace("http-equiv", "")
    assert client.get("/api/docs/assets/swagger-ui-bundle.js").status_code == 200
    assert client.get("/static/swagger-init.js").status_code == 200
    assert client.get("/api/openapi.json").json()["info"]["title"].startswith("kikz")
