"""DCAT-AP.de export: conforms to the official shapes, the formats say the same, only visible datasets."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
import rdflib
from fastapi.testclient import TestClient
from rdflib.compare import isomorphic
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF, XSD
from sqlalchemy.orm import Session

from kikz.catalog import service
from kikz.catalog.dcat import shacl
from kikz.catalog.dcat.export import export_catalog
from kikz.catalog.dcat.rdfwriter import Format
from kikz.catalog.models import Dataset
from kikz.errors import NotFound
from kikz.settings import Settings
from kikz.storage import FileStore
from kikz.tenancy.permissions import ANONYMOUS, Principal, principal_for
from kikz.types import DatasetStatus, ProtectionClass, Role
from tests import factories

BASE = "http://testserver"
FORMATS: tuple[Format, ...] = ("turtle", "xml", "json-ld")
DCATDE = rdflib.Namespace("http://dcat-ap.de/def/dcatde/")
DCATAP = rdflib.Namespace("http://data.europa.eu/r5r/")
SPDX = rdflib.Namespace("http://spdx.org/rdf/terms#")
VCARD = rdflib.Namespace("http://www.w3.org/2006/vcard/ns#")
HYDRA = rdflib.Namespace("http://www.w3.org/ns/hydra/core#")
AWKWARD = 'Sonderzeichen: "Zitat" \\ Backslash <tag> & Ampersand\nZeile 2\tTab – Umlaute äöüß 🚲'


def export(session: Session, fmt: Format = "turtle", principal: Principal = ANONYMOUS, **kw: object) -> bytes:
    out = io.BytesIO()
    export_catalog(session, principal=principal, fmt=fmt, base_url=BASE, out=out, **kw)  # type: ignore[arg-type]
    return out.getvalue()


def graph_of(data: bytes, fmt: Format = "turtle") -> rdflib.Graph:
    return rdflib.Graph().parse(data=data, format=fmt)


def ds_iri(dataset: Dataset) -> rdflib.URIRef:
    return rdflib.URIRef(f"{BASE}/datensaetze/{dataset.name}")


@pytest.fixture
def catalogue(session: Session, tmp_path: Path) -> dict[str, Dataset]:
    """Several cities, every field variant, stored files and links, and datasets without optional fields."""
    admin = factories.admin_principal(session)
    full = factories.dataset(
        session,
        title="Radverkehrszählung Innenstadt",
        keywords=["Radverkehr", "Zählstelle"],
        themes=["TRAN", "ENVI"],
        contact_name="Open-Data-Team",
        contact_email="opendata@offenbach.de",
        contact_url="https://www.offenbach.de/opendata",
        license_id="dl-by-de/2.0",
        temporal_start=dt.date(2020, 1, 1),
        temporal_end=dt.date(2024, 12, 31),
        accrual_periodicity="HOURLY",
        landing_page="https://www.offenbach.de/rad",
        conforms_to="https://www.govdata.de/standards/radzaehlung",
        legal_basis="http://data.europa.eu/eli/reg_impl/2023/138/oj",
    )
    store = FileStore(tmp_path / "files")
    csv = "datum;zaehlstelle;anzahl\n2024-01-01;Kaiserstraße;125\n2024-01-02;Kaiserstraße;98\n".encode()
    service.add_file_distribution(
        session,
        principal=admin,
        dataset=full,
        store=store,
        filename="zählung 2024.csv",
        stream=io.BytesIO(csv),
        max_bytes=10_000,
        title="Zählwerte 2024",
    )
    service.add_link_distribution(
        session,
        principal=admin,
        dataset=full,
        access_url="https://api.offenbach.de/rad?von=2024&bis=2025",
        title="Live-Schnittstelle",
        fmt="JSON",
        download_url="https://api.offenbach.de/rad.json",
    )
    service.add_link_distribution(
        session,
        principal=admin,
        dataset=full,
        access_url="https://www.offenbach.de/rad.pdf",
        license_id="cc-zero",
    )
    minimal = factories.dataset(session, municipality="giessen", title="Mindestangaben", description="Nur Pflicht.")
    service.add_link_distribution(session, principal=admin, dataset=minimal, access_url="https://www.giessen.de/daten")
    partner = factories.dataset(
        session,
        municipality="marburg",
        title="Haushalt Marburg",
        description=AWKWARD,
        keywords=['Haus"halt'],
        license_id="cc-by/4.0",
        temporal_end=dt.date(2023, 12, 31),
        accrual_periodicity="ANNUAL",
        landing_page="kein-link",
    )
    intern = factories.dataset(session, title="Interne Planung", protection_class=ProtectionClass.INTERN)
    draft = factories.dataset(session, title="Entwurf", status=DatasetStatus.DRAFT)
    closed = factories.dataset(session, title="Vertraulich", protection_class=ProtectionClass.VERTRAULICH)
    session.commit()
    return {
        "full": full,
        "minimal": minimal,
        "partner": partner,
        "intern": intern,
        "draft": draft,
        "closed": closed,
    }


def test_export_of_a_realistic_catalogue_conforms_to_dcat_ap_de(session: Session, catalogue: dict) -> None:
    graph = graph_of(export(session))
    report = shacl.validate(graph)
    assert report.conforms, report.summary()
    assert report.violations == [], report.summary()
    assert report.warnings == [], report.summary()
    datasets = set(graph.subjects(RDF.type, DCAT.Dataset))
    assert datasets == {ds_iri(catalogue[k]) for k in ("full", "minimal", "partner")}


def test_export_for_staff_with_intern_datasets_conforms(session: Session, catalogue: dict) -> None:
    staff = principal_for(session, factories.user(session, "team@offenbach.de", roles={"offenbach": [Role.STAFF]}))
    graph = graph_of(export(session, principal=staff))
    report = shacl.validate(graph)
    assert report.conforms, report.summary()
    intern = ds_iri(catalogue["intern"])
    assert (intern, RDF.type, DCAT.Dataset) in graph
    restricted = rdflib.URIRef("http://publications.europa.eu/resource/authority/access-right/RESTRICTED")
    assert graph.value(intern, DCTERMS.accessRights) == restricted
    assert (ds_iri(catalogue["closed"]), None, None) not in graph
    assert (ds_iri(catalogue["draft"]), RDF.type, DCAT.Dataset) in graph  # öffentlich drafts: own city staff


@pytest.mark.parametrize("fmt", ["xml", "json-ld"])
def test_all_formats_describe_the_same_graph(session: Session, catalogue: dict, fmt: Format) -> None:
    turtle = graph_of(export(session, "turtle"), "turtle")
    other = graph_of(export(session, fmt), fmt)
    assert len(other) == len(turtle) > 100
    assert isomorphic(turtle, other)


def test_every_field_is_mapped(session: Session, catalogue: dict) -> None:
    g = graph_of(export(session))
    ds = ds_iri(catalogue["full"])
    one = g.value
    assert str(one(ds, DCTERMS.title)) == "Radverkehrszählung Innenstadt"
    assert one(ds, DCTERMS.title) == rdflib.Literal("Radverkehrszählung Innenstadt", lang="de")
    assert str(one(ds, DCTERMS.identifier)) == catalogue["full"].identifier
    assert {str(k) for k in g.objects(ds, DCAT.keyword)} == {"Radverkehr", "Zählstelle"}
    assert {str(t).rsplit("/", 1)[1] for t in g.objects(ds, DCAT.theme)} == {"TRAN", "ENVI"}
    publisher = one(ds, DCTERMS.publisher)
    assert (publisher, RDF.type, FOAF.Organization) in g
    assert str(one(publisher, FOAF.name)) == "Offenbach am Main"
    contact = one(ds, DCAT.contactPoint)
    assert (contact, RDF.type, VCARD.Organization) in g
    assert one(contact, VCARD.hasEmail) == rdflib.URIRef("mailto:opendata@offenbach.de")
    assert one(contact, VCARD.hasURL) == rdflib.URIRef("https://www.offenbach.de/opendata")
    key = "http://dcat-ap.de/def/politicalGeocoding/regionalKey/064130000000"
    assert one(ds, DCTERMS.spatial) == rdflib.URIRef(key)
    level = "http://dcat-ap.de/def/politicalGeocoding/Level/municipality"
    assert one(ds, DCATDE.politicalGeocodingLevelURI) == rdflib.URIRef(level)
    assert one(ds, DCATDE.contributorID) == rdflib.URIRef("http://dcat-ap.de/def/contributors/hessen")
    period = one(ds, DCTERMS.temporal)
    assert one(period, DCAT.startDate) == rdflib.Literal("2020-01-01", datatype=XSD.date)
    assert one(period, DCAT.endDate) == rdflib.Literal("2024-12-31", datatype=XSD.date)
    assert str(one(ds, DCTERMS.accrualPeriodicity)).endswith("/frequency/HOURLY")
    assert getattr(one(ds, DCTERMS.issued), "datatype", None) == XSD.dateTime
    assert one(ds, DCAT.landingPage) == rdflib.URIRef("https://www.offenbach.de/rad")
    assert str(one(ds, DCTERMS.accessRights)).endswith("/access-right/PUBLIC")
    assert str(one(ds, DCATAP.availability)).endswith("/planned-availability/AVAILABLE")
    assert str(one(ds, DCATAP.applicableLegislation)) == "http://data.europa.eu/eli/reg_impl/2023/138/oj"
    assert len(list(g.objects(ds, DCAT.distribution))) == 3


def test_distributions_stored_files_and_links(session: Session, catalogue: dict) -> None:
    g = graph_of(export(session))
    dists = {str(g.value(d, DCTERMS.title)): d for d in g.objects(ds_iri(catalogue["full"]), DCAT.distribution)}
    stored_row = next(d for d in catalogue["full"].distributions if d.checksum_sha256)
    stored = dists["Zählwerte 2024"]
    url = rdflib.URIRef(f"{BASE}/dateien/{stored_row.identifier}/z%C3%A4hlung%202024.csv")
    assert g.value(stored, DCAT.downloadURL) == url
    assert g.value(stored, DCAT.accessURL) == url
    assert str(g.value(stored, DCTERMS.format)).endswith("/file-type/CSV")
    assert g.value(stored, DCAT.mediaType) == rdflib.URIRef("https://www.iana.org/assignments/media-types/text/csv")
    assert int(str(g.value(stored, DCAT.byteSize))) == stored_row.byte_size
    checksum = g.value(stored, SPDX.checksum)
    assert str(g.value(checksum, SPDX.checksumValue)) == stored_row.checksum_sha256
    assert g.value(checksum, SPDX.algorithm) == SPDX.checksumAlgorithm_sha256
    assert g.value(stored, DCTERMS.license) == rdflib.URIRef("http://dcat-ap.de/def/licenses/dl-by-de/2.0")
    assert str(g.value(stored, DCATDE.licenseAttributionByText)).startswith("Offenbach am Main")
    assert g.value(stored, DCTERMS.rights) is not None
    link = dists["Live-Schnittstelle"]
    assert g.value(link, DCAT.accessURL) == rdflib.URIRef("https://api.offenbach.de/rad?von=2024&bis=2025")
    assert g.value(link, DCAT.downloadURL) == rdflib.URIRef("https://api.offenbach.de/rad.json")
    zero = dists["https://www.offenbach.de/rad.pdf"]
    assert g.value(zero, DCTERMS.license) == rdflib.URIRef("http://dcat-ap.de/def/licenses/cc-zero")
    assert g.value(zero, DCATDE.licenseAttributionByText) is None
    # no licence at all: DCAT-AP.de requires one, so the export states that none was granted
    (minimal,) = g.objects(ds_iri(catalogue["minimal"]), DCAT.distribution)
    assert g.value(minimal, DCTERMS.license) == rdflib.URIRef("http://dcat-ap.de/def/licenses/other-closed")


@pytest.mark.parametrize("fmt", FORMATS)
def test_awkward_text_survives_every_format(session: Session, catalogue: dict, fmt: Format) -> None:
    g = graph_of(export(session, fmt), fmt)
    ds = ds_iri(catalogue["partner"])
    assert str(g.value(ds, DCTERMS.description)) == AWKWARD
    assert {str(k) for k in g.objects(ds, DCAT.keyword)} == {'Haus"halt'}
    assert g.value(ds, DCAT.landingPage) is None  # "kein-link" is no IRI and is left out


def test_control_characters_are_dropped_not_written(session: Session, catalogue: dict) -> None:
    catalogue["minimal"].description = "Vorher\x07\x1bNachher"
    session.commit()
    for fmt in FORMATS:
        g = graph_of(export(session, fmt), fmt)
        assert str(g.value(ds_iri(catalogue["minimal"]), DCTERMS.description)) == "VorherNachher"


def test_city_catalogue_holds_only_that_city(session: Session, catalogue: dict) -> None:
    g = graph_of(export(session, municipality="marburg"))
    assert set(g.subjects(RDF.type, DCAT.Dataset)) == {ds_iri(catalogue["partner"])}
    city_catalog = rdflib.URIRef(f"{BASE}/kommunen/marburg/catalog")
    assert (city_catalog, RDF.type, DCAT.Catalog) in g
    assert (city_catalog, DCAT.dataset, ds_iri(catalogue["partner"])) in g
    assert shacl.validate(g).conforms
    with pytest.raises(NotFound):
        export(session, municipality="atlantis")


def test_limit_exports_the_first_visible_datasets(session: Session, catalogue: dict) -> None:
    out = io.BytesIO()
    count = export_catalog(session, principal=ANONYMOUS, fmt="turtle", base_url=BASE, out=out, limit=2)
    assert count == 2
    assert len(set(graph_of(out.getvalue()).subjects(RDF.type, DCAT.Dataset))) == 2


def test_empty_catalogue_is_valid(session: Session) -> None:
    factories.city(session, "fulda")
    session.commit()
    g = graph_of(export(session, municipality="fulda"))
    assert set(g.subjects(RDF.type, DCAT.Dataset)) == set()
    assert shacl.validate(g).conforms


def test_a_broken_graph_does_not_conform(session: Session, catalogue: dict) -> None:
    g = graph_of(export(session))
    ds = ds_iri(catalogue["full"])
    g.remove((ds, DCTERMS.title, None))
    g.add((ds, DCAT.theme, rdflib.URIRef("http://publications.europa.eu/resource/authority/data-theme/XYZ")))
    for dist in g.objects(ds, DCAT.distribution):
        g.remove((dist, DCAT.accessURL, None))
    report = shacl.validate(g)
    assert not report.conforms
    found = {(f.focus, f.path) for f in report.violations}
    assert (str(ds), str(DCTERMS.title)) in found
    assert (
        "http://publications.europa.eu/resource/authority/data-theme/XYZ",
        str(rdflib.SKOS.inScheme),
    ) in found
    assert sum(1 for f in report.violations if f.path == str(DCAT.accessURL)) == 3


# --- HTTP endpoint ------------------------------------------------------------------------------------


def test_catalog_endpoint_negotiates_the_format(client: TestClient, catalogue: dict) -> None:
    cases = [
        ("/catalog", {"accept": "text/turtle"}, "text/turtle", "turtle"),
        ("/catalog", {"accept": "application/rdf+xml"}, "application/rdf+xml", "xml"),
        ("/catalog", {"accept": "application/ld+json"}, "application/ld+json", "json-ld"),
        (
            "/catalog",
            {"accept": "text/html,application/rdf+xml;q=0.9,*/*;q=0.8"},
            "application/rdf+xml",
            "xml",
        ),
        ("/catalog", {"accept": "text/turtle;q=0.5, application/ld+json"}, "application/ld+json", "json-ld"),
        ("/catalog", {}, "text/turtle", "turtle"),
        ("/catalog?format=jsonld", {"accept": "text/turtle"}, "application/ld+json", "json-ld"),
        ("/catalog.ttl", {}, "text/turtle", "turtle"),
        ("/catalog.rdf", {"accept": "text/turtle"}, "application/rdf+xml", "xml"),
        ("/catalog.jsonld", {}, "application/ld+json", "json-ld"),
        ("/kommunen/marburg/catalog.rdf", {}, "application/rdf+xml", "xml"),
        ("/kommunen/marburg/catalog", {"accept": "application/ld+json"}, "application/ld+json", "json-ld"),
    ]
    for path, headers, media, fmt in cases:
        response = client.get(path, headers=headers)
        assert response.status_code == 200, (path, response.text)
        assert response.headers["content-type"].startswith(media), path
        g = graph_of(response.content, fmt)  # type: ignore[arg-type]
        assert set(g.subjects(RDF.type, DCAT.Dataset)), path


def test_catalog_endpoint_pages_with_hydra(client: TestClient, settings: Settings, catalogue: dict) -> None:
    settings.catalog_page_size = 2
    first = graph_of(client.get("/catalog.ttl").content)
    view = rdflib.URIRef(f"{BASE}/catalog.ttl?page=1")
    assert (view, RDF.type, HYDRA.PartialCollectionView) in first
    assert int(str(first.value(view, HYDRA.totalItems))) == 3
    assert first.value(view, HYDRA.next) == rdflib.URIRef(f"{BASE}/catalog.ttl?page=2")
    assert first.value(view, HYDRA.last) == rdflib.URIRef(f"{BASE}/catalog.ttl?page=2")
    assert first.value(view, HYDRA.previous) is None
    second = graph_of(client.get("/catalog.ttl?page=2").content)
    view2 = rdflib.URIRef(f"{BASE}/catalog.ttl?page=2")
    assert second.value(view2, HYDRA.previous) == view
    assert second.value(view2, HYDRA.next) is None
    seen = set(first.subjects(RDF.type, DCAT.Dataset)) | set(second.subjects(RDF.type, DCAT.Dataset))
    assert seen == {ds_iri(catalogue[k]) for k in ("full", "minimal", "partner")}
    assert shacl.validate(first).conforms and shacl.validate(second).conforms


def test_catalog_endpoint_refuses_bad_requests(client: TestClient, catalogue: dict) -> None:
    for path in (
        "/catalog?page=0",
        "/catalog?page=-1",
        "/catalog?page=abc",
        "/catalog?page=99",
        "/catalog?format=csv",
    ):
        response = client.get(path)
        assert response.status_code == 400, path
        assert response.json()["error"]["message"], path
    response = client.get("/kommunen/atlantis/catalog.ttl", headers={"accept": "application/json"})
    assert response.status_code == 404
    assert "atlantis" in response.json()["error"]["message"]


def test_catalog_endpoint_shows_only_what_the_caller_may_see(client: TestClient, catalogue: dict) -> None:
    g = graph_of(client.get("/catalog.ttl").content)
    titles = {str(t) for t in g.objects(None, DCTERMS.title)}
    assert "Interne Planung" not in titles and "Vertraulich" not in titles and "Entwurf" not in titles
    assert "Mindestangaben" in titles
