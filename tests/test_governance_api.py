"""JSON API for scan results and category suggestions."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from kikz import jobs
from kikz.settings import Settings
from kikz.tenancy import service as tenancy
from kikz.types import ProtectionClass, Role
from kikz.worker import job_handlers
from tests import factories as f
from tests.test_upload_pipeline import PERSONAL_CSV


def _steward(session: Session) -> tuple[dict[str, str], object]:
    steward = f.user(session, "st@offenbach.de", roles={"offenbach": [Role.DATA_STEWARD]})
    token, _ = tenancy.create_api_token(session, user=steward, name="t")
    return {"Authorization": f"Bearer {token}"}, steward


def test_scan_results_and_rescan(
    client: TestClient, session: Session, session_factory: sessionmaker[Session], settings: Settings
) -> None:
    headers, _ = _steward(session)
    ds = f.dataset(session, title="Ferienspiele Anmeldungen", protection_class=ProtectionClass.INTERN)
    session.commit()
    upload = client.post(
        f"/api/v1/datasets/{ds.name}/distributions",
        files={"file": ("a.csv", PERSONAL_CSV, "text/csv")},
        headers=headers,
    ).json()
    ident = upload["distributions"][0]["identifier"] if "distributions" in upload else upload["identifier"]
    assert client.get(f"/api/v1/distributions/{ident}/scan", headers=headers).status_code == 404  # not yet scanned
    jobs.run_until_empty(session_factory, job_handlers(settings))
    result = client.get(f"/api/v1/distributions/{ident}/scan", headers=headers).json()
    assert result["status"] == "done"
    assert result["proposal"]["contains_personal_data"] is True
    columns = {x["column"] for x in result["findings"] if x["category"] == "personal"}
    assert {"Vorname", "E-Mail"} <= columns
    assert all("@" not in x["example_masked"] or "***" in x["example_masked"] for x in result["findings"])
    assert client.post(f"/api/v1/distributions/{ident}/scan", headers=headers).status_code == 202
    assert client.get(f"/api/v1/distributions/{ident}/scan").status_code == 401  # anonymous


def test_category_suggestion_and_decision(client: TestClient, session: Session) -> None:
    headers, _ = _steward(session)
    ds = f.dataset(
        session, title="Radverkehrszählung Kaiserstraße", description="Stündliche Zählungen des Radverkehrs."
    )
    session.commit()
    answer = client.get(f"/api/v1/datasets/{ds.name}/categories").json()
    assert answer["suggestion"]["eu_themes"][0][0] == "TRAN"
    decided = client.post(
        f"/api/v1/datasets/{ds.name}/categories", json={"field": "eu_themes", "value": ["TRAN"]}, headers=headers
    )
    assert decided.status_code == 200, decided.text
    assert decided.json()["eu_themes"] == ["TRAN"]
    bad = client.post(
        f"/api/v1/datasets/{ds.name}/categories", json={"field": "eu_themes", "value": ["XXX"]}, headers=headers
    )
    assert bad.status_code == 422
