"""The CKAN-compatible Action API: envelope, shapes, search syntax, permissions, and a real CKAN client."""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from typing import Any

import ckanapi
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from kikz.catalog import service as catalog
from kikz.catalog.ckan_query import parse_query
from kikz.catalog.models import Dataset
from kikz.settings import Settings
from kikz.storage import FileStore
from kikz.tenancy import service as tenancy
from kikz.tenancy.permissions import principal_for
from kikz.types import DatasetStatus, ProtectionClass, Role
from tests import factories as f
from tests.servers import live_server

API = "/api/3/action"


@dataclass
class Catalogue:
    bikes: Dataset
    trees: Dataset
    intern: Dataset
    staff_token: str


@pytest.fixture
def catalogue(session: Session, settings: Settings) -> Catalogue:
    bikes = f.dataset(
        session,
        name="radverkehr-offenbach",
        title="Radverkehrszählung Innenstadt",
        keywords=["Radverkehr", "Öffentlicher Verkehr"],
        themes=["TRAN"],
        license_id="dl-by-de/2.0",
        contact_email="verkehr@offenbach.de",
        accrual_periodicity="DAILY",
    )
    steward = principal_for(session, f.user(session, "st@offenbach.de", roles={"offenbach": [Role.DATA_STEWARD]}))
    catalog.add_file_distribution(
        session,
        principal=steward,
        dataset=bikes,
        store=FileStore(settings.files_dir),
        filename="zaehlung.csv",
        stream=io.BytesIO(b"Zeit;Anzahl\n2024-01-01T00:00;12\n"),
        max_bytes=10_000,
    )
    catalog.add_link_distribution(
        session, principal=steward, dataset=bikes, access_url="https://geo.offenbach.de/wms", fmt="WMS_SRVC"
    )
    trees = f.dataset(
        session,
        municipality="giessen",
        name="baumkataster-giessen",
        title="Baumkataster",
        description="Standorte und Arten der Stadtbäume.",
        keywords=["Bäume"],
        themes=["ENVI"],
        license_id="cc-by/4.0",
    )
    intern = f.dataset(
        session,
        name="interne-liste",
        title="Interne Liste der Dienstfahrräder",
        protection_class=ProtectionClass.INTERN,
        themes=["TRAN"],
    )
    f.dataset(session, name="entwurf", title="Entwurf", status=DatasetStatus.DRAFT)
    staff = f.user(session, "staff@offenbach.de", roles={"offenbach": [Role.STAFF]})
    token, _ = tenancy.create_api_token(session, user=staff, name="CKAN-Harvester")
    session.commit()
    return Catalogue(bikes=bikes, trees=trees, intern=intern, staff_token=token)


def call(client: TestClient, action: str, headers: dict[str, str] | None = None, **params: Any) -> Any:
    response = client.get(f"{API}/{action}", params=params, headers=headers or {})
    body = response.json()
    assert body["help"] == f"http://testserver/api/3/action/help_show?name={action}"
    assert body["success"] is True, body
    return body["result"]


def error(client: TestClient, action: str, status: int, **params: Any) -> dict[str, Any]:
    response = client.get(f"{API}/{action}", params=params)
    assert response.status_code == status, response.text
    assert response.json()["success"] is False
    result: dict[str, Any] = response.json()["error"]
    return result


# --- shapes --------------------------------------------------------------------------------------------


def test_status_show(client: TestClient) -> None:
    status = call(client, "status_show")
    assert status["ckan_version"].startswith("2.10.")
    assert status["extensions"] == []
    assert status["site_url"] == "http://testserver"
    assert status["site_title"]


def test_package_show_has_the_ckan_shape(client: TestClient, catalogue: Catalogue) -> None:
    pkg = call(client, "package_show", id="radverkehr-offenbach")
    assert call(client, "package_show", id=catalogue.bikes.identifier) == pkg
    assert (pkg["id"], pkg["name"], pkg["type"], pkg["state"], pkg["private"]) == (
        catalogue.bikes.identifier,
        "radverkehr-offenbach",
        "dataset",
        "active",
        False,
    )
    assert pkg["notes"] == "Stündliche Zählwerte der Radverkehrszählstellen."
    assert pkg["organization"] == {
        "id": "offenbach",
        "name": "offenbach",
        "title": "Offenbach am Main",
        "display_name": "Offenbach am Main",
        "description": "",
        "image_url": "",
        "image_display_url": "",
        "created": pkg["organization"]["created"],
        "is_organization": True,
        "approval_status": "approved",
        "state": "active",
        "type": "organization",
    }
    assert pkg["owner_org"] == "offenbach"
    assert [(g["name"], g["title"], g["display_name"]) for g in pkg["groups"]] == [("tran", "Verkehr", "Verkehr")]
    assert [t["name"] for t in pkg["tags"]] == ["Radverkehr", "Öffentlicher Verkehr"]
    assert pkg["num_tags"] == 2
    assert (pkg["license_id"], pkg["isopen"]) == ("dl-by-de/2.0", True)
    assert pkg["license_title"].startswith("Datenlizenz Deutschland")
    assert pkg["maintainer_email"] == "verkehr@offenbach.de"
    assert pkg["metadata_modified"] >= pkg["metadata_created"]
    assert "+" not in pkg["metadata_modified"]

    assert pkg["num_resources"] == 2
    upload, link = pkg["resources"]
    assert upload["url"] == f"http://testserver/dateien/{upload['id']}/zaehlung.csv"
    assert (upload["package_id"], upload["format"], upload["mimetype"], upload["position"]) == (
        catalogue.bikes.identifier,
        "CSV",
        "text/csv",
        0,
    )
    assert upload["size"] == len(b"Zeit;Anzahl\n2024-01-01T00:00;12\n")
    assert len(upload["hash"]) == 64
    assert (link["url"], link["format"], link["position"], link["size"]) == (
        "https://geo.offenbach.de/wms",
        "WMS_SRVC",
        1,
        None,
    )

    extras = {e["key"]: e["value"] for e in pkg["extras"]}
    assert extras["protection_class"] == "oeffentlich"
    assert json.loads(extras["theme"]) == ["http://publications.europa.eu/resource/authority/data-theme/TRAN"]
    assert json.loads(extras["contributorID"]) == ["http://dcat-ap.de/def/contributors/hessen"]
    assert json.loads(extras["politicalGeocodingURI"]) == [
        "http://dcat-ap.de/def/politicalGeocoding/regionalKey/064130000000"
    ]
    assert extras["frequency"] == "http://publications.europa.eu/resource/authority/frequency/DAILY"
    assert extras["access_rights"].endswith("/PUBLIC")
    assert extras["issued"].startswith("20")


def test_package_extras_carry_temporal_and_spatial(client: TestClient, session: Session) -> None:
    ds = f.dataset(session, name="zeitraum", temporal_start="2020-01-01", temporal_end="2020-12-31")
    ds.spatial_geojson = {"type": "Point", "coordinates": [8.76, 50.1]}
    session.commit()
    extras = {e["key"]: e["value"] for e in call(client, "package_show", id="zeitraum")["extras"]}
    assert (extras["temporal_start"], extras["temporal_end"]) == ("2020-01-01", "2020-12-31")
    assert json.loads(extras["spatial"]) == {"type": "Point", "coordinates": [8.76, 50.1]}


# --- permissions ---------------------------------------------------------------------------------------


def test_invisible_package_is_not_found(client: TestClient, catalogue: Catalogue) -> None:
    err = error(client, "package_show", 404, id="interne-liste")
    assert err["__type"] == "Not Found Error"
    assert err == error(client, "package_show", 404, id="gibt-es-nicht")


def test_token_gives_the_callers_rights(client: TestClient, catalogue: Catalogue) -> None:
    # CKAN clients send the bare token; Bearer and X-CKAN-API-Key work as well.
    for headers in (
        {"Authorization": catalogue.staff_token},
        {"Authorization": f"Bearer {catalogue.staff_token}"},
        {"X-CKAN-API-Key": catalogue.staff_token},
    ):
        pkg = call(client, "package_show", headers=headers, id="interne-liste")
        assert pkg["private"] is True
        assert {"key": "protection_class", "value": "intern"} in pkg["extras"]


def test_private_datasets_only_when_asked(client: TestClient, catalogue: Catalogue) -> None:
    auth = {"Authorization": catalogue.staff_token}
    assert "interne-liste" not in call(client, "package_list", headers=auth)
    assert "interne-liste" in call(client, "package_list", headers=auth, include_private="true")
    assert "interne-liste" not in call(client, "package_list", include_private="true")
    public = call(client, "package_search", headers=auth, q="Dienstfahrräder")
    private = call(client, "package_search", headers=auth, q="Dienstfahrräder", include_private="true")
    assert (public["count"], private["count"]) == (0, 1)
    assert call(client, "package_search", q="Dienstfahrräder", include_private="true")["count"] == 0


def test_invalid_token_is_an_authorization_error(client: TestClient, catalogue: Catalogue) -> None:
    response = client.get(f"{API}/package_list", headers={"Authorization": "kikz_ungueltig"})
    assert response.status_code == 403
    assert response.json()["error"]["__type"] == "Authorization Error"


# --- lists ---------------------------------------------------------------------------------------------


def test_package_list_with_paging(client: TestClient, catalogue: Catalogue) -> None:
    assert call(client, "package_list") == ["baumkataster-giessen", "radverkehr-offenbach"]
    assert call(client, "package_list", limit=1, offset=1) == ["radverkehr-offenbach"]
    assert error(client, "package_list", 409, limit="viele")["limit"] == ["keine ganze Zahl / Invalid integer"]


def test_organization_list_and_show(client: TestClient, catalogue: Catalogue) -> None:
    assert call(client, "organization_list") == [
        "giessen",
        "offenbach",
    ]  # by title: Gießen, Offenbach am Main
    assert call(client, "organization_list", sort="name desc") == ["offenbach", "giessen"]
    full = call(client, "organization_list", all_fields="true")
    assert [(o["name"], o["title"], o["package_count"]) for o in full] == [
        ("giessen", "Gießen", 1),
        ("offenbach", "Offenbach am Main", 1),
    ]
    staff = call(
        client,
        "organization_list",
        headers={"Authorization": catalogue.staff_token},
        all_fields=True,
        sort="package_count desc",
    )
    assert [(o["name"], o["package_count"]) for o in staff] == [("offenbach", 3), ("giessen", 1)]
    org = call(client, "organization_show", id="offenbach", include_datasets="true")
    assert (org["title"], org["package_count"]) == ("Offenbach am Main", 1)
    assert [p["name"] for p in org["packages"]] == ["radverkehr-offenbach"]
    assert {"key": "ars", "value": "064130000000"} in org["extras"]
    assert "packages" not in call(client, "organization_show", id="giessen")
    assert error(client, "organization_show", 404, id="atlantis")["__type"] == "Not Found Error"
    assert error(client, "organization_show", 409)["id"] == ["Pflichtangabe fehlt / Missing value"]
    assert error(client, "organization_list", 409, sort="beliebt")["__type"] == "Validation Error"


def test_group_and_license_lists(client: TestClient, catalogue: Catalogue) -> None:
    groups = call(client, "group_list", all_fields=True)
    assert len(groups) == 14
    counts = {g["name"]: g["package_count"] for g in groups}
    assert (counts["tran"], counts["envi"], counts["heal"]) == (1, 1, 0)
    assert "tran" in call(client, "group_list")
    assert call(client, "group_show", id="TRAN")["title"] == "Verkehr"
    licenses = {lic["id"]: lic for lic in call(client, "license_list")}
    assert licenses["cc-by/4.0"]["url"]
    assert licenses["dl-zero-de/2.0"]["od_conformance"] == "approved"


# --- search --------------------------------------------------------------------------------------------


def test_package_search_text_and_facets(client: TestClient, catalogue: Catalogue) -> None:
    facet_fields: dict[str, Any] = {
        "facet.field": json.dumps(["organization", "groups", "tags", "res_format", "license_id"])
    }
    result = call(client, "package_search", q="Radverkehr", **facet_fields)
    assert result["count"] == 1
    assert result["results"][0]["name"] == "radverkehr-offenbach"
    assert result["facets"]["organization"] == {"offenbach": 1}
    assert result["facets"]["res_format"] == {"CSV": 1, "WMS_SRVC": 1}
    assert result["facets"]["tags"] == {"Radverkehr": 1, "Öffentlicher Verkehr": 1}
    assert result["search_facets"]["groups"] == {
        "title": "groups",
        "items": [{"name": "tran", "display_name": "Verkehr", "count": 1}],
    }
    assert result["search_facets"]["organization"]["items"] == [
        {"name": "offenbach", "display_name": "Offenbach am Main", "count": 1}
    ]
    assert call(client, "package_search")["facets"] == {}


@pytest.mark.parametrize(
    ("fq", "expected"),
    [
        ("organization:giessen", {"baumkataster-giessen"}),
        ("+owner_org:offenbach", {"radverkehr-offenbach"}),
        ("groups:envi", {"baumkataster-giessen"}),
        ("groups:(envi OR tran)", {"baumkataster-giessen", "radverkehr-offenbach"}),
        ('tags:"Öffentlicher Verkehr"', {"radverkehr-offenbach"}),
        ("res_format:csv", {"radverkehr-offenbach"}),
        ('license_id:"cc-by/4.0" +dataset_type:dataset', {"baumkataster-giessen"}),
        ("organization:offenbach AND groups:envi", set()),
    ],
)
def test_package_search_fq(client: TestClient, catalogue: Catalogue, fq: str, expected: set[str]) -> None:
    result = call(client, "package_search", fq=fq)
    assert {p["name"] for p in result["results"]} == expected
    assert result["count"] == len(expected)


def test_package_search_rows_start_and_sort(client: TestClient, catalogue: Catalogue) -> None:
    by_title = call(client, "package_search", sort="title_string asc", rows=1)
    assert (by_title["count"], [p["name"] for p in by_title["results"]]) == (2, ["baumkataster-giessen"])
    second = call(client, "package_search", sort="title_string asc", rows=1, start=1)
    assert [p["name"] for p in second["results"]] == ["radverkehr-offenbach"]
    newest = call(client, "package_search", sort="metadata_modified desc")["results"]
    assert [p["metadata_modified"] for p in newest] == sorted((p["metadata_modified"] for p in newest), reverse=True)
    counted = call(client, "package_search", rows=0, q="*:*")
    assert (counted["count"], counted["results"]) == (2, [])
    assert call(client, "package_search", rows=5000)["count"] == 2  # capped at 1000 like CKAN, not refused


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"rows": "-1"}, "rows"),
        ({"start": "x"}, "start"),
        ({"sort": "views_recent desc"}, "sort"),
        ({"fq": "-tags:Bäume"}, "fq"),
        ({"fq": "author:jemand"}, "fq"),
        ({"fq": "tags:a tags:b"}, "fq"),
        ({"start": "20000"}, "start"),
        ({"facet.field": "[organization"}, "facet.field"),
    ],
)
def test_package_search_validation_errors(
    client: TestClient, catalogue: Catalogue, params: dict[str, str], field: str
) -> None:
    err = error(client, "package_search", 409, **params)
    assert err["__type"] == "Validation Error"
    assert field in err


def test_parse_query_keeps_text_and_reads_fields() -> None:
    parsed = parse_query('Radwege tags:"Rad Verkehr" *:*', "organization:Offenbach +groups:(TRAN OR envi)")
    assert parsed.text == "Radwege"
    assert parsed.filters == {"city": ["offenbach"], "theme": ["TRAN", "ENVI"], "tag": ["Rad Verkehr"]}


# --- HTTP details --------------------------------------------------------------------------------------


def test_post_json_and_legacy_prefix(client: TestClient, catalogue: Catalogue) -> None:
    response = client.post("/api/action/package_search", json={"fq": "organization:giessen", "rows": 5})
    assert response.status_code == 200
    assert response.json()["result"]["results"][0]["name"] == "baumkataster-giessen"
    shown = client.post(f"{API}/package_show", json={"id": "baumkataster-giessen"}).json()
    assert shown["result"]["title"] == "Baumkataster"


def test_bad_requests(client: TestClient) -> None:
    broken = client.post(f"{API}/package_show", content=b"{kaputt", headers={"content-type": "application/json"})
    assert broken.status_code == 400
    assert broken.json()["error"]["message"].startswith("Bad request - JSON Error")
    unknown = client.get(f"{API}/package_create")
    assert unknown.status_code == 400
    assert unknown.json()["error"]["message"] == "Bad request - Action name not known: package_create"
    assert client.post(f"{API}/package_show", json=["id"]).status_code == 400


def test_help_show(client: TestClient) -> None:
    assert "fq" in call(client, "help_show", name="package_search")


def test_openapi_lists_ckan_actions(client: TestClient) -> None:
    paths = client.get("/api/openapi.json").json()["paths"]
    assert {"get", "post"} <= set(paths[f"{API}/package_search"])
    assert "/api/action/package_search" not in paths


# --- a real CKAN client against a running server -------------------------------------------------------


def test_ckanapi_client_lists_and_reads(app: FastAPI, catalogue: Catalogue) -> None:
    with live_server(app) as url, ckanapi.RemoteCKAN(url, user_agent="kikz-test") as ckan:
        assert ckan.action.status_show()["ckan_version"].startswith("2.10")
        names = ckan.action.package_list()
        assert names == ["baumkataster-giessen", "radverkehr-offenbach"]
        pkg = ckan.action.package_show(id=names[1])
        assert pkg["organization"]["name"] == "offenbach"
        assert [r["format"] for r in pkg["resources"]] == ["CSV", "WMS_SRVC"]
        found = ckan.action.package_search(q="Bäume", fq="organization:giessen", rows=10)
        assert [p["name"] for p in found["results"]] == ["baumkataster-giessen"]
        assert ckan.action.organization_list() == ["giessen", "offenbach"]
        with pytest.raises(ckanapi.NotFound):
            ckan.action.package_show(id="interne-liste")
        with pytest.raises(ckanapi.ValidationError):
            ckan.action.package_search(rows="viele")
    with (
        live_server(app) as url,
        ckanapi.RemoteCKAN(url, apikey=catalogue.staff_token, get_only=True) as ckan,
    ):
        assert ckan.action.package_show(id="interne-liste")["private"] is True
