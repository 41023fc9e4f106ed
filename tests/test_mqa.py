"""Metadata quality (MQA, data.europa.eu method): indicators, bands, catalogue formula, link checks, API."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator
from typing import Any

import pytest
import rdflib
from fastapi import FastAPI, Request, Response
from fastapi.testclient import TestClient
from rdflib.namespace import DCTERMS
from sqlalchemy import select
from sqlalchemy.orm import Session

from kikz.catalog import service as catalog
from kikz.catalog.models import Dataset
from kikz.governance.quality import api as quality_api
from kikz.governance.quality import history, links, mqa, service
from kikz.governance.quality import pages as quality_pages
from kikz.governance.quality.graph import dataset_graph
from kikz.governance.quality.jobs import check_links_handler
from kikz.governance.quality.models import CatalogueMqaRecord, DatasetMqaRecord, LinkCheck
from kikz.governance.quality.schemas import Indicator, MqaResult
from kikz.settings import Settings
from kikz.storage import FileStore
from kikz.tenancy import service as tenancy
from kikz.tenancy.permissions import ANONYMOUS
from kikz.types import DatasetStatus, ProtectionClass, Role
from tests import factories
from tests.servers import free_port, live_server
from tests.webutil import parse

CSV = b"id;Datum;Wert\n1;01.03.2025;1,5\n2;02.03.2025;2,5\n"
FULL: dict[str, Any] = {
    "keywords": ["Radverkehr", "Zählung"],
    "themes": ["TRAN"],
    "license_id": "dl-by-de/2.0",
    "temporal_start": dt.date(2025, 1, 1),
    "temporal_end": dt.date(2025, 12, 31),
    "accrual_periodicity": "MONTHLY",
    "contact_email": "verkehr@offenbach.de",
}
LINK_KEYS = {"access_url", "download_url", "download_url_ok"}


@pytest.fixture
def store(settings: Settings) -> FileStore:
    return FileStore(settings.files_dir)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    """The app with the quality routers, also before the app factory mounts them."""
    mounted = {getattr(r, "path", "") for r in app.routes}
    for module in (quality_api, quality_pages):
        if not {getattr(r, "path", "") for r in module.router.routes} <= mounted:
            app.include_router(module.router)
    with TestClient(app) as client:
        yield client


def add_csv(session: Session, store: FileStore, ds: Dataset, data: bytes = CSV, name: str = "werte.csv") -> None:
    catalog.add_file_distribution(
        session,
        principal=factories.admin_principal(session),
        dataset=ds,
        store=store,
        filename=name,
        stream=io.BytesIO(data),
        max_bytes=10_000_000,
    )


def add_link(session: Session, ds: Dataset, access: str, download: str = "") -> None:
    catalog.add_link_distribution(
        session,
        principal=factories.admin_principal(session),
        dataset=ds,
        access_url=access,
        download_url=download,
        fmt="CSV",
    )


def by_key(result: MqaResult) -> dict[str, Indicator]:
    return {i.key: i for i in result.indicators}


# --- the method --------------------------------------------------------------------------------------------


def test_weights_are_those_of_the_method() -> None:
    per_dimension: dict[str, int] = {}
    for spec in mqa.INDICATORS:
        per_dimension[spec.dimension] = per_dimension.get(spec.dimension, 0) + spec.weight
    assert per_dimension == {
        "findability": 100,
        "accessibility": 100,
        "interoperability": 110,
        "reusability": 75,
        "contextuality": 20,
    }
    assert mqa.MAX_SCORE == 405


@pytest.mark.parametrize(
    ("score", "band"),
    [
        (0, "bad"),
        (120, "bad"),
        (121, "sufficient"),
        (220, "sufficient"),
        (221, "good"),
        (350, "good"),
        (350.9, "good"),
        (351, "excellent"),
        (405, "excellent"),
    ],
)
def test_bands_at_their_boundaries(score: float, band: str) -> None:
    assert mqa.band_for(score) == band


# --- one dataset ------------------------------------------------------------------------------------------


def test_fully_described_dataset_with_stored_file_scores_405(session: Session, store: FileStore) -> None:
    ds = factories.dataset(session, **FULL)
    add_csv(session, store, ds)
    result = service.mqa_for_dataset(session, dataset=ds, store=store)
    assert [(i.key, i.reason_de) for i in result.indicators if not i.passed] == []
    assert result.score == 405
    assert (result.band, result.band_label_de) == ("excellent", "Exzellent")
    assert {d.key: d.points for d in result.dimensions}["interoperability"] == 110
    assert "Dateispeicher" in by_key(result)["access_url"].reason_de


def test_unchecked_external_link_earns_no_link_points_yet(session: Session, store: FileStore) -> None:
    ds = factories.dataset(session, **FULL)
    add_link(session, ds, "https://daten.example.org/werte", "https://daten.example.org/werte.csv")
    result = service.mqa_for_dataset(session, dataset=ds, store=store)
    lost = {i.key: i for i in result.indicators if not i.passed}
    assert set(lost) == {"access_url", "download_url_ok", "byte_size"}
    assert result.score == 405 - 50 - 30 - 5
    assert mqa.NOT_CHECKED in lost["access_url"].reason_de
    assert "https://daten.example.org/werte.csv" in lost["download_url_ok"].reason_de


def test_empty_metadata_scores_low_with_the_reasons(session: Session, store: FileStore) -> None:
    ds = factories.dataset(session, title="Nur ein Titel", description="Ohne weitere Angaben.")
    result = service.mqa_for_dataset(session, dataset=ds, store=store)
    indicators = by_key(result)
    assert result.band == "bad"
    assert result.score == sum(i.points for i in result.indicators) <= 120
    assert indicators["keyword"].reason_de == "Keine Schlagwörter (dcat:keyword) angegeben."
    assert "dcat:theme" in indicators["theme"].reason_de
    assert "dct:temporal" in indicators["temporal"].reason_de
    for spec in mqa.INDICATORS:
        if spec.on_distribution:
            assert indicators[spec.key].reason_de == "Keine Distribution vorhanden."
            assert indicators[spec.key].points == 0
    # what the export states for every dataset of a city with a regional key and an e-mail address
    assert {k for k, i in indicators.items() if i.passed} >= {
        "spatial",
        "publisher",
        "contact_point",
        "access_rights",
    }


def test_missing_stored_file_is_not_reachable(session: Session, store: FileStore) -> None:
    ds = factories.dataset(session, **FULL)
    add_csv(session, store, ds)
    store.path_for(ds.distributions[0].checksum_sha256 or "").unlink()
    indicators = by_key(service.mqa_for_dataset(session, dataset=ds, store=store))
    assert not indicators["access_url"].passed
    assert "fehlt" in indicators["access_url"].reason_de


def test_best_distribution_counts_per_indicator(session: Session, store: FileStore) -> None:
    ds = factories.dataset(session, **FULL)
    catalog.add_file_distribution(
        session,
        principal=factories.admin_principal(session),
        dataset=ds,
        store=store,
        filename="plan.pdf",
        stream=io.BytesIO(b"%PDF-1.4 kein echtes PDF"),
        max_bytes=1000,
    )
    before = by_key(service.mqa_for_dataset(session, dataset=ds, store=store, record=False))
    assert not before["machine_readable"].passed
    add_link(session, ds, "https://daten.example.org/plan.csv")
    after = by_key(service.mqa_for_dataset(session, dataset=ds, store=store, record=False))
    assert after["machine_readable"].passed and after["access_url"].passed  # CSV link, PDF file


def test_shacl_findings_go_to_the_dataset_they_concern(session: Session) -> None:
    good = factories.dataset(session, title="Gute Beschreibung", **FULL)
    bad = factories.dataset(session, title="Schlechte Beschreibung", **FULL)
    graphs = [dataset_graph(session, good), dataset_graph(session, bad)]
    broken = graphs[1]
    broken.graph.remove((broken.subject, DCTERMS.title, None))  # dct:title is mandatory in DCAT-AP
    reports = service.validate_each(graphs)
    assert reports[good.id].conforms
    assert not reports[bad.id].conforms
    outcome = mqa.evaluate(
        broken.graph,
        broken.subject,
        reach=lambda u, s: mqa.Reachability(None, ""),
        shacl_report=reports[bad.id],
    )
    dcat_ap = next(i for i in outcome if i.key == "dcat_ap")
    assert (dcat_ap.points, dcat_ap.passed) == (0, False)
    assert "title" in dcat_ap.reason_de


def test_graph_is_the_dcat_export_of_the_dataset(session: Session) -> None:
    ds = factories.dataset(session, **FULL)
    g = dataset_graph(session, ds)
    keywords = {str(k) for k in g.graph.objects(g.subject, rdflib.URIRef("http://www.w3.org/ns/dcat#keyword"))}
    assert keywords == {"Radverkehr", "Zählung"}


# --- catalogue level ----------------------------------------------------------------------------------------


def test_catalogue_score_is_weight_times_share_passing(session: Session, store: FileStore) -> None:
    scored = [
        factories.dataset(session, title="Eins mit allem", **FULL),
        factories.dataset(session, title="Zwei mit allem", **FULL),
        factories.dataset(session, title="Drei ohne Schlagwörter", themes=["TRAN"]),
        factories.dataset(session, title="Vier ohne alles"),
    ]
    for ds in scored[:3]:
        add_csv(session, store, ds)
    # not in the scored set: draft, internal, another city
    factories.dataset(session, title="Entwurf", status=DatasetStatus.DRAFT, **FULL)
    factories.dataset(session, title="Intern", protection_class=ProtectionClass.INTERN, **FULL)
    factories.dataset(session, municipality="giessen", title="Anderswo", **FULL)
    city = factories.city(session, "offenbach")
    result = service.mqa_for_city(session, municipality="offenbach", store=store)
    assert result.dataset_count == 4
    singles = [service.mqa_for_dataset(session, dataset=ds, store=store, record=False) for ds in scored]
    for ind in result.indicators:
        passing = sum(by_key(r)[ind.key].passed for r in singles)
        assert ind.passing == passing
        assert ind.points == pytest.approx(ind.max_points * passing / 4, abs=0.01)
    assert next(i for i in result.indicators if i.key == "keyword").points == 15.0
    assert next(i for i in result.indicators if i.key == "theme").points == 22.5
    assert result.score == pytest.approx(sum(r.score for r in singles) / 4, abs=0.1)
    assert result.band == mqa.band_for(result.score)
    assert sum(result.bands.values()) == 4
    assert result.bands == {b: sum(r.band == b for r in singles) for b in ("excellent", "good", "sufficient", "bad")}
    assert singles[3].band == "bad" and result.bands["bad"] == 1
    assert "öffentlich" in result.scope_de
    stored = session.scalars(select(CatalogueMqaRecord).where(CatalogueMqaRecord.municipality_id == city.id)).one()
    assert (stored.score, stored.dataset_count) == (result.score, 4)


def test_city_without_open_datasets_scores_zero(session: Session) -> None:
    factories.city(session, "marburg")
    result = service.mqa_for_city(session, municipality="marburg")
    assert (result.dataset_count, result.score, result.band) == (0, 0.0, "bad")


# --- link checks ------------------------------------------------------------------------------------------


def _link_target() -> FastAPI:
    app = FastAPI()

    @app.api_route("/ok", methods=["GET", "HEAD"])
    def ok() -> Response:
        return Response("ja", media_type="text/csv")

    @app.get("/nur-get")
    def only_get(request: Request) -> Response:
        return Response("ja")

    @app.api_route("/weiter", methods=["GET", "HEAD"])
    def moved() -> Response:
        return Response(status_code=302, headers={"location": "/ok"})

    return app


@pytest.fixture
def link_server() -> Iterator[str]:
    with live_server(_link_target()) as url:
        yield url


def test_check_url_answers(link_server: str) -> None:
    ok = links.check_url(f"{link_server}/ok", allow_private=True)
    assert (ok.ok, ok.status_code) == (True, 200)
    missing = links.check_url(f"{link_server}/gibt-es-nicht", allow_private=True)
    assert (missing.ok, missing.status_code) == (False, 404)
    assert links.check_url(f"{link_server}/nur-get", allow_private=True).status_code == 200  # HEAD refused
    assert links.check_url(f"{link_server}/weiter", allow_private=True).status_code == 200
    closed = links.check_url(f"http://127.0.0.1:{free_port()}/", allow_private=True, timeout=2)
    assert not closed.ok and closed.status_code is None and "Verbindung" in closed.error
    refused = links.check_url(f"{link_server}/ok")  # loopback is internal: not probed by default
    assert not refused.ok and "Interne Netzadresse" in refused.error


def test_link_check_job_records_results_and_rescoring_uses_them(
    session: Session, store: FileStore, link_server: str
) -> None:
    good = factories.dataset(session, title="Mit gutem Link", **FULL)
    add_link(session, good, f"{link_server}/ok", f"{link_server}/weiter")
    broken = factories.dataset(session, title="Mit kaputtem Link", **FULL)
    add_link(session, broken, f"{link_server}/weg", f"{link_server}/auch-weg")
    handler = check_links_handler(store, base_url="http://testserver", allow_private=True)
    handler(session, {"dataset_id": good.id})
    handler(session, {"dataset_id": broken.id})
    checks = {c.url: c for c in session.scalars(select(LinkCheck))}
    assert checks[f"{link_server}/ok"].ok and checks[f"{link_server}/weg"].status_code == 404
    assert all(c.checked_at is not None for c in checks.values())
    good_result = by_key(service.mqa_for_dataset(session, dataset=good, store=store, record=False))
    assert good_result["access_url"].passed and good_result["download_url_ok"].passed
    assert "HTTP 200" in good_result["access_url"].reason_de
    bad_result = by_key(service.mqa_for_dataset(session, dataset=broken, store=store, record=False))
    assert not bad_result["access_url"].passed
    assert "HTTP 404" in bad_result["access_url"].reason_de
    # the job re-scored the named dataset with what it found
    latest = session.scalars(
        select(DatasetMqaRecord).where(DatasetMqaRecord.dataset_id == good.id).order_by(DatasetMqaRecord.id.desc())
    ).first()
    assert latest is not None and latest.score == 405 - 5  # a link has no byte size


def test_recent_checks_are_not_repeated(session: Session, link_server: str) -> None:
    url = f"{link_server}/ok"
    now = dt.datetime.now(dt.UTC)
    first = links.check_links(session, urls=[url], allow_private=True, now=now)
    again = links.check_links(session, urls=[url], allow_private=True, now=now + dt.timedelta(days=1))
    later = links.check_links(session, urls=[url], allow_private=True, now=now + dt.timedelta(days=8))
    assert (first.checked, again.checked, later.checked) == (1, 0, 1)


def test_external_urls_skip_stored_files_and_own_addresses(session: Session, store: FileStore) -> None:
    ds = factories.dataset(session, **FULL)
    add_csv(session, store, ds)
    add_link(session, ds, "https://daten.example.org/a", "https://daten.example.org/a.csv")
    add_link(session, ds, "http://testserver/datensaetze/x")
    assert links.external_urls(session, base_url="http://testserver", dataset_ids=[ds.id]) == [
        "https://daten.example.org/a",
        "https://daten.example.org/a.csv",
    ]


# --- history and visibility -------------------------------------------------------------------------------


def test_history_shows_the_trend(session: Session, store: FileStore) -> None:
    ds = factories.dataset(session, title="Wird besser")
    t0 = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    service.mqa_for_dataset(session, dataset=ds, store=store, now=t0)
    service.mqa_for_city(session, municipality="offenbach", store=store, now=t0)
    ds.keywords = ["Verbesserung"]
    ds.themes = ["GOVE"]
    session.flush()
    service.mqa_for_dataset(session, dataset=ds, store=store, now=t0 + dt.timedelta(days=30))
    service.mqa_for_city(session, municipality="offenbach", store=store, now=t0 + dt.timedelta(days=30))
    points = history.dataset_mqa_history(session, principal=ANONYMOUS, dataset_id=ds.id)
    later = t0 + dt.timedelta(days=30)
    assert [p.evaluated_at for p in points] == [t0, t0, later, later]  # dataset and city runs both record
    assert points[-1].score - points[0].score == 60  # keyword 30 + theme 30
    city_points = history.city_mqa_history(session, municipality=factories.city(session))
    assert len(city_points) == 2 and city_points[-1].score - city_points[0].score == 60


def test_evaluations_of_confidential_datasets_stay_hidden(session: Session, store: FileStore) -> None:
    secret = factories.dataset(session, title="Geheim", protection_class=ProtectionClass.VERTRAULICH)
    service.mqa_for_dataset(session, dataset=secret, store=store)
    assert history.dataset_mqa_history(session, principal=ANONYMOUS, dataset_id=secret.id) == []
    admin = factories.admin_principal(session)
    assert len(history.dataset_mqa_history(session, principal=admin, dataset_id=secret.id)) == 1


# --- API and pages ----------------------------------------------------------------------------------------


def assert_accessible(html: str) -> None:
    """The structural checks every page of the portal meets (as in test_pages)."""
    page = parse(html)
    assert len(page.h1) == 1
    assert {"header", "main", "footer", "nav"} <= page.landmarks
    assert len(page.ids) == len(set(page.ids))
    assert page.tables == page.captions > 0
    assert all(scope in ("col", "row") for scope in page.th_scopes)
    assert page.inline_scripts == 0 and page.inline_styles == 0


def test_dataset_quality_api_and_page(session: Session, store: FileStore, client: TestClient) -> None:
    public = factories.dataset(session, title="Offene Zählung", **FULL)
    add_csv(session, store, public)
    secret = factories.dataset(session, title="Vertrauliche Liste", protection_class=ProtectionClass.VERTRAULICH)
    session.commit()
    answer = client.get(f"/api/v1/datasets/{public.name}/quality")
    assert answer.status_code == 200
    body = answer.json()
    assert body["mqa"]["score"] == 405 and len(body["mqa"]["indicators"]) == 23
    assert body["data_quality"][0]["status"] == "ok"
    assert len(body["mqa_history"]) == 1
    assert len(client.get(f"/api/v1/datasets/{public.name}/quality").json()["mqa_history"]) == 1  # unchanged
    assert client.get(f"/api/v1/datasets/{secret.name}/quality").status_code == 404
    assert client.get(f"/datensaetze/{secret.name}/qualitaet").status_code == 404
    page = client.get(f"/datensaetze/{public.name}/qualitaet")
    assert page.status_code == 200 and "405 von 405 Punkten" in page.text and "Vollständigkeit" in page.text
    assert_accessible(page.text)


def test_city_mqa_api_and_page(session: Session, store: FileStore, client: TestClient) -> None:
    ds = factories.dataset(session, title="Offene Zählung", **FULL)
    add_csv(session, store, ds)
    factories.dataset(session, title="Kaum beschrieben")
    session.commit()
    answer = client.get("/api/v1/municipalities/offenbach/mqa")
    assert answer.status_code == 200
    body = answer.json()
    assert body["mqa"]["dataset_count"] == 2 and body["mqa"]["band"] == mqa.band_for(body["mqa"]["score"])
    assert len(body["history"]) == 1
    page = client.get("/qualitaet/offenbach")
    assert page.status_code == 200 and "Metadatenqualität: Offenbach am Main" in page.text
    assert_accessible(page.text)
    assert client.get("/api/v1/municipalities/nirgendwo/mqa").status_code == 404
    english = client.get("/qualitaet/offenbach?lang=en")
    assert "Metadata quality: Offenbach am Main" in english.text


def test_table_schema_api(session: Session, store: FileStore, client: TestClient) -> None:
    ds = factories.dataset(session, **FULL)
    add_csv(session, store, ds)
    steward = factories.user(session, "steward@offenbach.de", roles={"offenbach": [Role.DATA_STEWARD]})
    outsider = factories.user(session, "staff@giessen.de", roles={"giessen": [Role.STAFF]})
    steward_token, _ = tenancy.create_api_token(session, user=steward, name="test")
    outsider_token, _ = tenancy.create_api_token(session, user=outsider, name="test")
    session.commit()
    url = f"/api/v1/distributions/{ds.distributions[0].identifier}/table-schema"
    inferred = client.get(url).json()
    assert [f["type"] for f in inferred["fields"]] == ["integer", "date", "number"]
    assert inferred["x-kikz-detectedKey"] == ["id"]
    schema = {
        "fields": [
            {"name": "id", "type": "integer"},
            {"name": "Wert", "type": "number", "constraints": {"minimum": 0}},
        ],
        "primaryKey": "id",
    }
    assert client.put(url, json=schema).status_code == 401
    denied = client.put(url, json=schema, headers={"Authorization": f"Bearer {outsider_token}"})
    assert denied.status_code in (403, 404)
    steward_auth = {"Authorization": f"Bearer {steward_token}"}
    wrong = client.put(url, json={"fields": [{"name": "Betrag", "type": "number"}]}, headers=steward_auth)
    assert wrong.status_code == 422
    assert "Betrag" in wrong.json()["error"]["message"]
    saved = client.put(url, json=schema, headers=steward_auth)
    assert saved.status_code == 200 and saved.json()["primaryKey"] == ["id"]
    assert client.get(url).json() == saved.json()
