"""The JSON REST API and file downloads through the app's own HTTP client, on a real database."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kikz.app import create_app
from kikz.catalog.models import Dataset, DatasetVersion, Distribution
from kikz.settings import Settings
from kikz.tenancy import service as tenancy
from kikz.types import DatasetStatus, ProtectionClass, Role
from kikz.web import csrf
from tests import factories as f

Headers = dict[str, str]


def token_headers(session: Session, email: str, roles: dict[str, list[Role]] | None = None) -> Headers:
    user = f.user(session, email, roles=roles or {})
    secret, _ = tenancy.create_api_token(session, user=user, name="Test")
    return {"Authorization": f"Bearer {secret}"}


@dataclass
class World:
    public: Dataset
    intern: Dataset
    secret: Dataset
    giessen_public: Dataset
    giessen_draft: Dataset
    staff: Headers
    steward: Headers
    owner: Headers
    foreign_steward: Headers


@pytest.fixture
def world(session: Session) -> World:
    public = f.dataset(
        session,
        name="radverkehr-offenbach",
        title="Radverkehrszählung Innenstadt",
        keywords=["Radverkehr"],
        themes=["TRAN"],
        license_id="dl-by-de/2.0",
    )
    intern = f.dataset(
        session,
        name="gehaltsstatistik",
        title="Interne Personalstatistik",
        protection_class=ProtectionClass.INTERN,
        themes=["GOVE"],
    )
    secret = f.dataset(
        session,
        name="gutachten",
        title="Vertrauliches Gutachten",
        protection_class=ProtectionClass.VERTRAULICH,
    )
    giessen_public = f.dataset(
        session,
        municipality="giessen",
        name="baumkataster-giessen",
        title="Baumkataster",
        description="Standorte und Arten der Stadtbäume.",
        themes=["ENVI"],
        license_id="cc-by/4.0",
    )
    giessen_draft = f.dataset(
        session,
        municipality="giessen",
        name="giessen-entwurf",
        title="Entwurf Parkplätze",
        status=DatasetStatus.DRAFT,
    )
    world = World(
        public=public,
        intern=intern,
        secret=secret,
        giessen_public=giessen_public,
        giessen_draft=giessen_draft,
        staff=token_headers(session, "staff@offenbach.de", {"offenbach": [Role.STAFF]}),
        steward=token_headers(session, "steward@offenbach.de", {"offenbach": [Role.DATA_STEWARD]}),
        owner=token_headers(session, "owner@offenbach.de", {"offenbach": [Role.DATA_OWNER]}),
        foreign_steward=token_headers(session, "steward@giessen.de", {"giessen": [Role.DATA_STEWARD]}),
    )
    session.commit()
    return world


def names(page: dict[str, Any]) -> set[str]:
    return {item["name"] for item in page["items"]}


# --- search and read -----------------------------------------------------------------------------------


def test_anonymous_search_lists_only_published_public_datasets(client: TestClient, world: World) -> None:
    page = client.get("/api/v1/datasets").json()
    assert names(page) == {"radverkehr-offenbach", "baumkataster-giessen"}
    assert page["total"] == 2
    assert {(c["value"], c["label"], c["count"]) for c in page["facets"]["city"]} == {
        ("offenbach", "Offenbach am Main", 1),
        ("giessen", "Gießen", 1),
    }
    assert {"value": "TRAN", "label": "Verkehr", "count": 1} in page["facets"]["theme"]
    assert page["facets"]["class"] == [{"value": "oeffentlich", "label": "öffentlich", "count": 2}]
    assert page["facets"]["tag"] == [{"value": "Radverkehr", "label": "Radverkehr", "count": 1}]
    limited = client.get("/api/v1/datasets", params={"facet_limit": 1}).json()["facets"]
    assert [len(limited[name]) for name in ("city", "theme", "license")] == [1, 1, 1]


def test_search_filters_text_sort_and_paging(client: TestClient, world: World) -> None:
    assert names(client.get("/api/v1/datasets", params={"city": "giessen"}).json()) == {"baumkataster-giessen"}
    assert names(client.get("/api/v1/datasets", params={"theme": "TRAN"}).json()) == {"radverkehr-offenbach"}
    assert names(client.get("/api/v1/datasets", params={"license": "cc-by/4.0"}).json()) == {"baumkataster-giessen"}
    assert names(client.get("/api/v1/datasets", params={"q": "Radverkehr"}).json()) == {"radverkehr-offenbach"}
    assert names(client.get("/api/v1/datasets", params={"tag": "Radverkehr"}).json()) == {"radverkehr-offenbach"}
    first = client.get("/api/v1/datasets", params={"sort": "title", "per_page": 1}).json()
    second = client.get("/api/v1/datasets", params={"sort": "title", "per_page": 1, "page": 2}).json()
    assert [first["items"][0]["title"], second["items"][0]["title"]] == [
        "Baumkataster",
        "Radverkehrszählung Innenstadt",
    ]
    assert (first["total"], first["page"], first["per_page"], second["page"]) == (2, 1, 1, 2)


@pytest.mark.parametrize(
    "params", [{"per_page": "101"}, {"per_page": "0"}, {"page": "0"}, {"sort": "zufall"}, {"q": "x" * 501}]
)
def test_search_refuses_bad_paging_and_sort(client: TestClient, world: World, params: dict[str, str]) -> None:
    response = client.get("/api/v1/datasets", params=params)
    assert response.status_code == 422
    assert response.json()["error"]["details"][0]["field"].endswith(next(iter(params)))


def test_staff_and_stewards_see_more_of_their_own_city(client: TestClient, world: World) -> None:
    staff = names(client.get("/api/v1/datasets", headers=world.staff).json())
    steward = names(client.get("/api/v1/datasets", headers=world.steward).json())
    foreign = names(client.get("/api/v1/datasets", headers=world.foreign_steward).json())
    assert staff == {"radverkehr-offenbach", "baumkataster-giessen", "gehaltsstatistik"}
    assert steward == staff | {"gutachten"}
    assert foreign == {"radverkehr-offenbach", "baumkataster-giessen", "giessen-entwurf"}


def test_read_by_name_identifier_and_id(client: TestClient, world: World) -> None:
    for key in (world.public.name, world.public.identifier, str(world.public.id)):
        body = client.get(f"/api/v1/datasets/{key}").json()
        assert body["identifier"] == world.public.identifier
        assert body["municipality"] == "offenbach"
        assert body["license_title"]
        assert body["url"] == "http://testserver/datensaetze/radverkehr-offenbach"


def test_invisible_dataset_is_missing_not_forbidden(client: TestClient, world: World) -> None:
    missing = client.get("/api/v1/datasets/gibt-es-nicht")
    assert missing.status_code == 404
    for headers in ({}, world.staff, world.foreign_steward):
        response = client.get("/api/v1/datasets/gutachten", headers=headers)
        assert response.status_code == 404
        assert response.json() == missing.json()
    assert client.get("/api/v1/datasets/gutachten/history").status_code == 404
    assert client.get("/api/v1/datasets/gutachten", headers=world.steward).status_code == 200


def test_invalid_token_is_refused(client: TestClient, world: World) -> None:
    response = client.get("/api/v1/datasets", headers={"Authorization": "Bearer kikz_falsch"})
    assert response.status_code == 401


# --- create, change, delete ----------------------------------------------------------------------------


NEW = {
    "municipality": "offenbach",
    "title": "Parkhausbelegung",
    "description": "Freie Plätze je Parkhaus.",
    "keywords": ["Parken"],
    "themes": ["TRAN"],
    "license_id": "dl-zero-de/2.0",
}


def test_create_dataset(client: TestClient, world: World, session: Session) -> None:
    response = client.post("/api/v1/datasets", json=NEW | {"name": "parkhaeuser"}, headers=world.staff)
    assert response.status_code == 201, response.text
    body = response.json()
    assert response.headers["location"] == "/api/v1/datasets/parkhaeuser"
    assert (body["status"], body["version"], body["municipality"]) == ("draft", 1, "offenbach")
    assert client.get("/api/v1/datasets/parkhaeuser", headers=world.staff).status_code == 200
    assert client.get("/api/v1/datasets/parkhaeuser").status_code == 404  # a draft is not public yet
    generated = client.post("/api/v1/datasets", json=NEW, headers=world.staff).json()
    assert generated["name"] == "offenbach-parkhausbelegung"


def test_create_needs_membership_of_the_city(client: TestClient, world: World) -> None:
    response = client.post("/api/v1/datasets", json=NEW, headers=world.foreign_steward)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"


def test_anonymous_cannot_write(client: TestClient, world: World) -> None:
    # A cookie-less JSON call has no ambient authority: plain 401. With cookies, CSRF is checked first.
    assert client.post("/api/v1/datasets", json=NEW).status_code == 401
    client.cookies.set(csrf.CSRF_COOKIE, "abc")
    assert (
        client.post("/api/v1/datasets", json=NEW, data=None, headers={"content-type": "text/plain"}).status_code == 403
    )
    client.cookies.set(csrf.CSRF_COOKIE, "abc")
    headers = {csrf.CSRF_HEADER: csrf.token_for("abc", "dev-secret-not-for-production")}
    response = client.post("/api/v1/datasets", json=NEW, headers=headers)
    assert response.status_code == 401
    assert client.delete("/api/v1/datasets/radverkehr-offenbach", headers=headers).status_code == 401


def test_browser_session_needs_csrf_header(client: TestClient, world: World, session: Session) -> None:
    user = tenancy.get_user_by_email(session, "staff@offenbach.de")
    cookie, _ = tenancy.start_session(session, user=user, max_age_seconds=600)
    session.commit()
    client.cookies.set("kikz_session", cookie)
    client.cookies.set(csrf.CSRF_COOKIE, "xyz")
    assert client.post("/api/v1/datasets", json=NEW).status_code == 403
    good = {csrf.CSRF_HEADER: csrf.token_for("xyz", "dev-secret-not-for-production")}
    assert client.post("/api/v1/datasets", json=NEW, headers=good).status_code == 201


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"farbe": "blau"}, "farbe"),
        ({"themes": ["XYZ"]}, "themes"),
        ({"title": "ab"}, "title"),
        ({"contact_email": "keine-adresse"}, "contact_email"),
        ({"name": "Mit Leerzeichen"}, "name"),
        ({"municipality": None}, "municipality"),
    ],
)
def test_create_refuses_invalid_fields_with_details(
    client: TestClient, world: World, change: dict[str, Any], field: str
) -> None:
    response = client.post("/api/v1/datasets", json=NEW | change, headers=world.staff)
    assert response.status_code == 422
    assert field in {d["field"] for d in response.json()["error"]["details"]}


def test_create_refuses_invalid_json(client: TestClient, world: World) -> None:
    headers = world.staff | {"content-type": "application/json"}
    response = client.post("/api/v1/datasets", content=b'{"title": ', headers=headers)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "invalid_input"


def test_create_refuses_unknown_license_city_and_duplicates(client: TestClient, world: World) -> None:
    unknown_license = client.post("/api/v1/datasets", json=NEW | {"license_id": "frei"}, headers=world.staff)
    assert unknown_license.status_code == 422
    assert "Unbekannte Lizenz 'frei'" in unknown_license.json()["error"]["message"]
    assert (
        client.post("/api/v1/datasets", json=NEW | {"municipality": "atlantis"}, headers=world.staff).status_code == 422
    )
    duplicate_name = client.post("/api/v1/datasets", json=NEW | {"name": "gutachten"}, headers=world.staff)
    assert duplicate_name.status_code == 409
    same_id = NEW | {"identifier": world.public.identifier}
    assert client.post("/api/v1/datasets", json=same_id, headers=world.staff).status_code == 409


def test_update_creates_a_version_and_history(client: TestClient, world: World) -> None:
    response = client.patch(
        "/api/v1/datasets/radverkehr-offenbach",
        json={"title": "Radverkehr Innenstadt", "change_note": "kürzer"},
        headers=world.steward,
    )
    assert response.status_code == 200, response.text
    assert (response.json()["title"], response.json()["version"]) == ("Radverkehr Innenstadt", 2)
    history = client.get("/api/v1/datasets/radverkehr-offenbach/history").json()
    assert [(v["version"], v["change_note"]) for v in history] == [(1, "angelegt"), (2, "kürzer")]
    assert history[1]["snapshot"]["title"] == "Radverkehr Innenstadt"


def test_update_permissions(client: TestClient, world: World) -> None:
    body = {"title": "Neuer Titel"}
    assert client.patch("/api/v1/datasets/radverkehr-offenbach", json=body, headers=world.staff).status_code == 403
    foreign = client.patch("/api/v1/datasets/radverkehr-offenbach", json=body, headers=world.foreign_steward)
    assert foreign.status_code == 403
    assert client.patch("/api/v1/datasets/gutachten", json=body, headers=world.foreign_steward).status_code == 404
    assert client.patch("/api/v1/datasets/gutachten", json=body, headers=world.steward).status_code == 200


def test_update_refuses_bad_input(client: TestClient, world: World) -> None:
    url = "/api/v1/datasets/radverkehr-offenbach"
    unknown = client.patch(url, json={"titel": "x"}, headers=world.steward)
    assert unknown.status_code == 422
    assert unknown.json()["error"]["details"][0]["field"] == "titel"
    assert client.patch(url, json={"license_id": "frei"}, headers=world.steward).status_code == 422
    assert client.patch(url, json={"status": "veroeffentlicht"}, headers=world.steward).status_code == 422
    assert client.get(url).json()["version"] == 1


def test_delete(client: TestClient, world: World, session: Session) -> None:
    url = "/api/v1/datasets/radverkehr-offenbach"
    assert client.delete(url, headers=world.steward).status_code == 403
    assert client.delete("/api/v1/datasets/gutachten", headers=world.staff).status_code == 404
    assert client.delete(url, headers=world.owner).status_code == 204
    assert client.get(url).status_code == 404
    assert session.scalar(select(func.count()).where(Dataset.name == "radverkehr-offenbach")) == 0


# --- distributions and downloads -----------------------------------------------------------------------


CP1252_CSV = "Zählstelle;Datum;Betrag\nKaiserstraße;01.02.2024;1.234,56\nMarktplatz;02.02.2024;17,5\n".encode("cp1252")


def _counts(session: Session, dataset: Dataset) -> tuple[int, int, int]:
    session.expire_all()
    distributions = session.scalar(select(func.count()).where(Distribution.dataset_id == dataset.id)) or 0
    versions = session.scalar(select(func.count()).where(DatasetVersion.dataset_id == dataset.id)) or 0
    version = session.scalar(select(Dataset.version).where(Dataset.id == dataset.id)) or 0
    return distributions, versions, version


def test_upload_cp1252_semicolon_csv_and_download_it(client: TestClient, world: World) -> None:
    response = client.post(
        "/api/v1/datasets/radverkehr-offenbach/distributions",
        files={"file": ("zählung.csv", CP1252_CSV, "text/csv")},
        data={"title": "Zählung Februar"},
        headers=world.steward,
    )
    assert response.status_code == 201, response.text
    dist = response.json()
    assert (dist["format"], dist["title"], dist["byte_size"], dist["row_count"]) == (
        "CSV",
        "Zählung Februar",
        len(CP1252_CSV),
        2,
    )
    assert [c["name"] for c in dist["columns"]] == ["Zählstelle", "Datum", "Betrag"]
    assert dist["license_id"] == "dl-by-de/2.0"  # inherited from the dataset
    url = dist["download_url"]
    assert url.startswith("http://testserver/dateien/")
    download = client.get(url.removeprefix("http://testserver"))
    assert download.status_code == 200
    assert download.content == CP1252_CSV
    assert download.headers["content-type"].startswith("text/csv")
    assert download.headers["etag"] == f'"{dist["checksum_sha256"]}"'
    assert download.headers["content-disposition"] == "attachment; filename*=utf-8''z%C3%A4hlung.csv"
    again = client.get(url.removeprefix("http://testserver"), headers={"if-none-match": download.headers["etag"]})
    assert again.status_code == 304
    head = client.head(url.removeprefix("http://testserver"))
    assert (head.status_code, head.headers["content-length"], head.content) == (
        200,
        str(len(CP1252_CSV)),
        b"",
    )
    dataset = client.get("/api/v1/datasets/radverkehr-offenbach").json()
    assert dataset["version"] == 2
    assert [d["identifier"] for d in dataset["distributions"]] == [dist["identifier"]]


def test_upload_too_large_is_refused_and_leaves_nothing(settings: Settings, world: World, session: Session) -> None:
    small = settings.model_copy(update={"max_upload_bytes": 100})
    with TestClient(create_app(small)) as client:
        before = _counts(session, world.public)
        response = client.post(
            "/api/v1/datasets/radverkehr-offenbach/distributions",
            files={"file": ("gross.csv", b"a;b\n" + b"1;2\n" * 100, "text/csv")},
            headers=world.steward,
        )
        assert response.status_code == 413
        assert "100 Bytes" in response.json()["error"]["message"]
        assert _counts(session, world.public) == before
        huge = client.post(
            "/api/v1/datasets/radverkehr-offenbach/distributions",
            files={"file": ("riesig.csv", b"0" * (1024 * 1024 + 500), "text/csv")},
            headers=world.steward,
        )
        assert huge.status_code == 413
        assert _counts(session, world.public) == before
    assert not list((settings.files_dir).rglob("*")) or all(p.is_dir() for p in settings.files_dir.rglob("*"))


@pytest.mark.parametrize(
    ("file_name", "content", "reason"),
    [
        ("tabelle.xlsx", b"PK\x03\x04 das ist kein Excel", "xlsx"),
        ("daten.json", b'{"a": [1, 2', "JSON"),
        ("programm.exe", b"MZ\x90\x00", "Dateityp"),
    ],
)
def test_unreadable_upload_is_refused_with_reason(
    client: TestClient, world: World, session: Session, file_name: str, content: bytes, reason: str
) -> None:
    before = _counts(session, world.public)
    response = client.post(
        "/api/v1/datasets/radverkehr-offenbach/distributions",
        files={"file": (file_name, content, "application/octet-stream")},
        headers=world.steward,
    )
    assert response.status_code == 422, response.text
    assert reason.lower() in response.json()["error"]["message"].lower()
    assert _counts(session, world.public) == before


def test_upload_permissions_and_licence(client: TestClient, world: World) -> None:
    files = {"file": ("werte.csv", b"a;b\n1;2\n", "text/csv")}
    url = "/api/v1/datasets/radverkehr-offenbach/distributions"
    assert client.post(url, files=files, headers=world.staff).status_code == 403
    assert client.post(url, files=files, headers=world.foreign_steward).status_code == 403
    hidden = "/api/v1/datasets/gutachten/distributions"
    assert client.post(hidden, files=files, headers=world.foreign_steward).status_code == 404
    bad_license = client.post(url, files=files, data={"license_id": "frei"}, headers=world.steward)
    assert bad_license.status_code == 422
    assert client.post(url, data={"title": "ohne Datei"}, headers=world.steward).status_code == 422


def test_download_is_visibility_checked_and_cannot_escape(client: TestClient, world: World) -> None:
    response = client.post(
        "/api/v1/datasets/gehaltsstatistik/distributions",
        files={"file": ("intern.csv", b"a;b\n1;2\n", "text/csv")},
        headers=world.steward,
    )
    assert response.status_code == 201, response.text
    path = response.json()["download_url"].removeprefix("http://testserver")
    assert client.get(path).status_code == 404
    assert client.get(path, headers=world.foreign_steward).status_code == 404
    allowed = client.get(path, headers=world.staff)
    assert allowed.status_code == 200
    assert allowed.headers["cache-control"] == "private, no-cache"
    identifier = path.split("/")[2]
    assert client.get(f"/dateien/{identifier}/anderer-name.csv", headers=world.staff).status_code == 404
    assert client.get(f"/dateien/{identifier}/..%2F..%2Fkikz.db", headers=world.staff).status_code == 404
    assert client.get("/dateien/../../kikz.db", headers=world.staff).status_code == 404


def test_link_distribution(client: TestClient, world: World) -> None:
    url = "/api/v1/datasets/radverkehr-offenbach/links"
    body = {"access_url": "https://geo.offenbach.de/wms", "format": "wms_srvc", "title": "Kartendienst"}
    response = client.post(url, json=body, headers=world.steward)
    assert response.status_code == 201, response.text
    assert (response.json()["format"], response.json()["access_url"]) == (
        "WMS_SRVC",
        "https://geo.offenbach.de/wms",
    )
    assert client.post(url, json=body | {"access_url": "ftp://x"}, headers=world.steward).status_code == 422
    assert client.post(url, json=body | {"format": "EXOTISCH"}, headers=world.steward).status_code == 422
    assert client.post(url, json=body | {"farbe": "rot"}, headers=world.steward).status_code == 422
    assert client.post(url, json=body, headers=world.staff).status_code == 403


# --- reference data and documentation ------------------------------------------------------------------


def test_municipalities_count_what_the_caller_sees(client: TestClient, world: World) -> None:
    anonymous = {m["slug"]: m["dataset_count"] for m in client.get("/api/v1/municipalities").json()}
    steward = {
        m["slug"]: m["dataset_count"] for m in client.get("/api/v1/municipalities", headers=world.steward).json()
    }
    assert anonymous == {"offenbach": 1, "giessen": 1}
    assert steward == {"offenbach": 3, "giessen": 1}
    first = client.get("/api/v1/municipalities").json()[0]
    assert (first["name"], first["ags"], first["kind"]) == ("Gießen", "06531005", "member")


def test_licenses(client: TestClient, world: World) -> None:
    licenses = {lic["id"]: lic for lic in client.get("/api/v1/licenses").json()}
    assert licenses["dl-by-de/2.0"]["iri"] == "http://dcat-ap.de/def/licenses/dl-by-de/2.0"
    assert licenses["dl-by-de/2.0"]["attribution_required"] is True
    assert licenses["dl-zero-de/2.0"]["attribution_required"] is False


def test_openapi_documents_every_route(client: TestClient) -> None:
    spec = client.get("/api/openapi.json").json()
    for path, method in [
        ("/api/v1/datasets", "get"),
        ("/api/v1/datasets", "post"),
        ("/api/v1/datasets/{name_or_id}", "patch"),
        ("/api/v1/datasets/{name_or_id}", "delete"),
        ("/api/v1/datasets/{name_or_id}/history", "get"),
        ("/api/v1/datasets/{name_or_id}/distributions", "post"),
        ("/api/v1/datasets/{name_or_id}/links", "post"),
        ("/api/v1/municipalities", "get"),
        ("/api/v1/licenses", "get"),
        ("/dateien/{distribution_identifier}/{file_name}", "get"),
    ]:
        operation = spec["paths"][path][method]
        assert " / " in operation["summary"], (path, method)
    assert spec["components"]["schemas"]["DatasetCreateRequest"]["additionalProperties"] is False
