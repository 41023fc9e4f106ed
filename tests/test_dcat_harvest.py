"""DCAT-AP.de harvesting: parsing 1.x–3.0, idempotent upserts, deletions, bad input, an HTTP round trip."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import rdflib
from rdflib.namespace import DCAT, RDF
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kikz.audit import AuditEntry
from kikz.catalog import search
from kikz.catalog.dcat import shacl
from kikz.catalog.dcat.export import export_catalog
from kikz.catalog.dcat.harvest import fetch_and_harvest, run_harvest
from kikz.catalog.dcat.parse import license_from, parse_catalog
from kikz.catalog.models import Dataset, DatasetFacet, HarvestSource
from kikz.catalog.vocabularies import ensure_reference_data
from kikz.db import make_engine, make_sessionmaker
from kikz.errors import InvalidInput
from kikz.models import Base
from kikz.settings import Settings
from kikz.tenancy.permissions import ANONYMOUS, PermissionDenied, principal_for
from kikz.types import DatasetStatus, ProtectionClass, Role
from tests import factories
from tests.servers import free_port, live_server

DATA = Path(__file__).parent / "data" / "dcat"
OLD = (DATA / "dcat-ap-de-1x.rdf").read_bytes()
NEW = (DATA / "dcat-ap-de-3.ttl").read_bytes()
BAEUME = "https://daten.example.de/datensaetze/baeume"
KITAS = "https://daten.example.de/datensaetze/kitas"
LAERM = "https://daten.example.de/datensaetze/laerm"


def make_source(session: Session, slug: str = "offenbach", **kw: Any) -> HarvestSource:
    city = factories.city(session, slug)
    source = HarvestSource(
        municipality_id=city.id,
        name=kw.get("name", "Beispielkreis"),
        url=kw.get("url", "https://daten.example.de/catalog"),
        protection_class=kw.get("protection_class", ProtectionClass.OEFFENTLICH),
    )
    session.add(source)
    session.flush()
    return source


def harvested(session: Session, source: HarvestSource) -> dict[str, Dataset]:
    rows = session.scalars(select(Dataset).where(Dataset.harvest_source_id == source.id))
    return {d.harvest_iri or "": d for d in rows}


def count(session: Session, model: Any, *where: Any) -> int:
    return session.scalar(select(func.count()).select_from(model).where(*where)) or 0


# --- parsing ------------------------------------------------------------------------------------------


def test_parse_dcat_ap_de_1x_rdf_xml() -> None:
    datasets = {d.identifier: d for d in parse_catalog(OLD, "xml")}
    budget = datasets["haushalt-2019"]
    assert budget.title == "Haushaltsplan 2019"  # German title chosen over the English one
    assert budget.keywords == ["Finanzen", "Haushalt"]  # German keywords only, when there are any
    assert budget.themes == ["ECON", "GOVE"]
    assert budget.license_id == "dl-by-de/2.0"  # licence on the dataset, 1.0 IRI spelling ...
    assert [d.license_id for d in budget.distributions] == ["dl-by-de/2.0"]  # ... carried to its distribution
    assert budget.license_attribution == "Stadt Beispielstadt (2019)"
    assert budget.contributor_id == "http://dcat-ap.de/def/contributors/hessen"
    assert (budget.publisher_name, budget.publisher_uri) == (
        "Stadt Beispielstadt",
        "https://www.beispielstadt.de",
    )
    assert (budget.contact_name, budget.contact_email) == ("Kämmerei", "kaemmerei@beispielstadt.de")
    assert (budget.temporal_start, budget.temporal_end) == (dt.date(2019, 1, 1), dt.date(2019, 12, 31))
    assert budget.accrual_periodicity == "ANNUAL"  # old purl.org/cld/freq IRI
    assert budget.issued == dt.datetime(2019, 3, 1, tzinfo=dt.UTC)
    assert budget.modified == dt.datetime(2019, 3, 5, 10, 30, tzinfo=dt.UTC)
    (csv,) = budget.distributions
    assert (csv.format, csv.media_type, csv.byte_size) == ("CSV", "text/csv", 12345)
    votes = datasets["wahlen-2021"]
    assert (votes.contact_name, votes.contact_email) == (
        "Wahlamt",
        "wahlamt@beispielstadt.de",
    )  # dcatde:maintainer
    assert votes.license_id == "dl-zero-de/2.0"  # GovData licence URL
    assert votes.distributions[0].format == "XLSX"


def test_parse_dcat_ap_de_3_turtle() -> None:
    datasets = {d.iri: d for d in parse_catalog(NEW)}
    assert set(datasets) == {BAEUME, KITAS, LAERM}  # KITAS is only linked from the catalogue, not typed
    trees = datasets[BAEUME]
    assert trees.contact_email == "gruen@example.de"  # vcard:Email node with vcard:hasValue
    assert trees.contact_url == "https://www.example.de/gruen"
    assert trees.temporal_start == dt.date(2020, 4, 1)
    assert trees.modified == dt.datetime(2024, 2, 1, 8, 15, tzinfo=dt.UTC)
    assert (trees.access_rights, trees.language, trees.accrual_periodicity) == ("PUBLIC", "de", "MONTHLY")
    assert [(d.format, d.media_type, d.license_id) for d in trees.distributions] == [
        ("CSV", "text/csv", "cc-by/4.0"),
        ("GEOJSON", "application/geo+json", "cc-by/4.0"),
    ]
    assert trees.license_attribution == "Beispielkreis, Grünflächenamt"
    kitas = datasets[KITAS]
    assert kitas.license_id is None
    assert kitas.warnings == [
        "Unbekannte Lizenz https://example.org/eine-eigene-lizenz: Distribution ohne Lizenz übernommen"
    ]
    assert datasets[LAERM].temporal_end == dt.date(2022, 6, 30)


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("http://dcat-ap.de/def/licenses/dl-by-de/2.0", "dl-by-de/2.0"),
        ("http://dcat-ap.de/def/licenses/dl-by-de/2_0", "dl-by-de/2.0"),
        ("http://dcat-ap.de/def/licenses/cc-by/4_0", "cc-by/4.0"),
        ("https://www.govdata.de/dl-de/by-2-0", "dl-by-de/2.0"),
        ("http://dcat-ap.de/def/licenses/cc-by/4.0/", "cc-by/4.0"),
        ("https://creativecommons.org/licenses/by/4.0/", "cc-by/4.0"),
        ("http://creativecommons.org/publicdomain/zero/1.0/", "cc-zero"),
        ("http://publications.europa.eu/resource/authority/licence/CC_BY_4_0", "cc-by/4.0"),
        ("http://opendatacommons.org/licenses/odbl/1.0/", "odbl"),
        ("dl-de-zero-2.0", "dl-zero-de/2.0"),
        ("https://example.org/meine-lizenz", None),
        ("http://dcat-ap.de/def/licenses/gibt-es-nicht", None),
    ],
)
def test_licence_iris_old_and_new(given: str, expected: str | None) -> None:
    assert license_from(given) == expected


def test_invalid_rdf_is_refused_with_the_reason() -> None:
    with pytest.raises(InvalidInput, match="Ungültiges Turtle"):
        parse_catalog((DATA / "broken.ttl").read_bytes())
    with pytest.raises(InvalidInput, match="DOCTYPE"):
        parse_catalog((DATA / "xxe.rdf").read_bytes())
    with pytest.raises(InvalidInput, match="Ungültiges RDF/XML"):
        parse_catalog(b"<rdf:RDF xmlns:rdf='http://www.w3.org/1999/02/22-rdf-syntax-ns#'><oops></rdf:RDF>")


# --- running a harvest --------------------------------------------------------------------------------


def test_harvest_creates_published_datasets_with_the_source_class(session: Session) -> None:
    source = make_source(session, protection_class=ProtectionClass.INTERN)
    report = run_harvest(session, source=source, data=NEW)
    assert (report.created, report.updated, report.deleted, report.skipped) == (3, 0, 0, [])
    found = harvested(session, source)
    trees = found[BAEUME]
    assert (trees.status, trees.protection_class) == (DatasetStatus.PUBLISHED, ProtectionClass.INTERN)
    assert trees.municipality_id == source.municipality_id
    assert trees.identifier == "baumkataster" and trees.name.startswith("offenbach-baumkataster")
    assert trees.license_id == "cc-by/4.0"
    assert [d.format for d in trees.distributions] == ["CSV", "GEOJSON"]
    assert count(session, DatasetFacet, DatasetFacet.dataset_id == trees.id) > 0  # in the search index
    assert count(session, AuditEntry, AuditEntry.action == "dataset.harvest_create") == 3
    assert source.last_run_at is not None and source.last_result == report.as_dict()


def test_second_run_over_the_same_input_changes_nothing(session: Session) -> None:
    source = make_source(session)
    run_harvest(session, source=source, data=NEW)
    session.commit()
    audits = count(session, AuditEntry)
    report = run_harvest(session, source=source, data=NEW)
    assert (report.created, report.updated, report.deleted, report.unchanged) == (0, 0, 0, 3)
    assert count(session, AuditEntry) == audits
    assert {d.version for d in harvested(session, source).values()} == {1}
    old = make_source(session, name="Altportal", url="https://portal.example.org/catalog")
    first = run_harvest(session, source=old, data=OLD)
    again = run_harvest(session, source=old, data=OLD)
    assert (first.created, again.created, again.updated) == (2, 0, 0)


def test_changed_datasets_are_updated_and_vanished_ones_deleted(session: Session) -> None:
    source = make_source(session)
    run_harvest(session, source=source, data=NEW)
    laerm_id = harvested(session, source)[LAERM].id
    without_laerm = NEW.split(b"<https://daten.example.de/datensaetze/laerm> a dcat:Dataset")[0]
    without_laerm = without_laerm.replace(b",\n        <https://daten.example.de/datensaetze/laerm>", b"")
    assert b"laerm" not in without_laerm
    changed = without_laerm.replace(b'"Baumkataster"@de', b'"Baumkataster 2025"@de')
    changed = changed.replace(b"kitas.json>", b"kitas-v2.json>")
    report = run_harvest(session, source=source, data=changed)
    assert (report.created, report.updated, report.deleted, report.unchanged) == (0, 2, 1, 0)
    found = harvested(session, source)
    assert set(found) == {BAEUME, KITAS}
    assert found[BAEUME].title == "Baumkataster 2025" and found[BAEUME].version == 2
    assert found[KITAS].distributions[0].access_url == "https://daten.example.de/kitas-v2.json"
    assert session.get(Dataset, laerm_id) is None
    assert count(session, AuditEntry, AuditEntry.action == "dataset.harvest_delete") == 1


def test_unknown_licence_keeps_the_dataset_without_licence(session: Session) -> None:
    source = make_source(session)
    report = run_harvest(session, source=source, data=NEW)
    kitas = harvested(session, source)[KITAS]
    assert kitas.license_id is None and kitas.distributions[0].license_id is None
    assert (
        KITAS,
        "Unbekannte Lizenz https://example.org/eine-eigene-lizenz: Distribution ohne Lizenz übernommen",
    ) in (report.warnings)


def test_identifier_of_a_local_dataset_is_not_taken_over(session: Session) -> None:
    local = factories.dataset(session, title="Eigenes Baumkataster", identifier="baumkataster")
    source = make_source(session)
    report = run_harvest(session, source=source, data=NEW)
    assert report.created == 2
    assert report.skipped == [(BAEUME, "Kennung 'baumkataster' gehört bereits zu einem lokalen Datensatz")]
    assert set(harvested(session, source)) == {KITAS, LAERM}
    session.refresh(local)
    assert local.title == "Eigenes Baumkataster" and local.harvest_source_id is None


def test_duplicate_identifiers_in_the_input_write_nothing(session: Session) -> None:
    source = make_source(session)
    with pytest.raises(InvalidInput, match=r"doppelte Kennung.*doppelt"):
        run_harvest(session, source=source, data=(DATA / "duplicate-identifiers.ttl").read_bytes())
    assert count(session, Dataset) == 0
    assert source.last_run_at is None


def test_invalid_input_writes_nothing(session: Session) -> None:
    source = make_source(session)
    run_harvest(session, source=source, data=NEW)
    session.commit()
    for bad in ((DATA / "broken.ttl").read_bytes(), (DATA / "xxe.rdf").read_bytes()):
        with pytest.raises(InvalidInput):
            run_harvest(session, source=source, data=bad)
    assert set(harvested(session, source)) == {BAEUME, KITAS, LAERM}  # nothing deleted either


def test_a_failure_midway_leaves_nothing_half_written(session: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    source = make_source(session)
    session.commit()
    calls = {"n": 0}
    real_index = search.index_dataset

    def failing_index(session: Session, dataset: Dataset) -> None:
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("Suchindex nicht erreichbar")
        real_index(session, dataset)

    monkeypatch.setattr(search, "index_dataset", failing_index)
    with pytest.raises(RuntimeError):
        run_harvest(session, source=source, data=NEW)
    session.rollback()  # what the request or CLI transaction does on an error
    assert count(session, Dataset) == 0
    assert count(session, AuditEntry) == 0


def test_harvesting_needs_the_right_role(session: Session) -> None:
    source = make_source(session)
    staff = principal_for(session, factories.user(session, "s@offenbach.de", roles={"offenbach": [Role.STAFF]}))
    with pytest.raises(PermissionDenied):
        run_harvest(session, source=source, data=NEW, actor=staff)
    steward = principal_for(
        session, factories.user(session, "d@offenbach.de", roles={"offenbach": [Role.DATA_STEWARD]})
    )
    report = run_harvest(session, source=source, data=NEW, actor=steward)
    assert report.created == 3
    entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "dataset.harvest_create")).first()
    assert entry is not None and entry.actor_label == "d@offenbach.de"


# --- over HTTP, from another kikz instance -------------------------------------------------------------


@pytest.fixture
def remote(tmp_path: Path) -> Iterator[tuple[str, Settings]]:
    """A second kikz instance (own SQLite database) serving its catalogue on a loopback port."""
    from kikz.app import create_app

    settings = Settings(
        environment="test",
        data_dir=tmp_path / "remote",
        demo_data=False,
        catalog_page_size=2,
        _env_file=None,
    )
    settings.data_dir.mkdir(parents=True)
    engine = make_engine(settings.sqlalchemy_url)
    Base.metadata.create_all(engine)
    with make_sessionmaker(engine).begin() as s:
        ensure_reference_data(s)
        first = factories.dataset(
            s,
            municipality="giessen",
            title="Baumkataster Gießen",
            keywords=["Bäume"],
            themes=["ENVI"],
            license_id="dl-by-de/2.0",
            temporal_start=dt.date(2021, 1, 1),
            accrual_periodicity="MONTHLY",
        )
        from kikz.catalog import service

        service.add_link_distribution(
            s,
            principal=factories.admin_principal(s),
            dataset=first,
            access_url="https://giessen.de/b.csv",
            fmt="CSV",
        )
        factories.dataset(s, municipality="giessen", title="Kitas Gießen", license_id="cc-zero")
        factories.dataset(s, municipality="giessen", title="Haushalt Gießen")
        factories.dataset(s, municipality="giessen", title="Intern", protection_class=ProtectionClass.INTERN)
    app = create_app(settings)
    with live_server(app) as url:
        settings.base_url = url
        yield url, settings
    engine.dispose()


def test_round_trip_from_another_instance_over_http(session: Session, remote: tuple[str, Settings]) -> None:
    url, _ = remote
    source = make_source(session, url=f"{url}/kommunen/giessen/catalog.rdf")
    report = fetch_and_harvest(session, source=source)  # two pages of two (hydra:next followed)
    assert (report.created, report.skipped) == (3, [])
    titles = {d.title for d in harvested(session, source).values()}
    assert titles == {"Baumkataster Gießen", "Kitas Gießen", "Haushalt Gießen"}
    trees = next(d for d in harvested(session, source).values() if d.title == "Baumkataster Gießen")
    assert (trees.keywords, trees.themes, trees.license_id) == (["Bäume"], ["ENVI"], "dl-by-de/2.0")
    assert (trees.temporal_start, trees.accrual_periodicity) == (dt.date(2021, 1, 1), "MONTHLY")
    assert trees.contact_email == "opendata@giessen.de"
    assert [(d.access_url, d.format) for d in trees.distributions] == [("https://giessen.de/b.csv", "CSV")]
    again = fetch_and_harvest(session, source=source)
    assert (again.created, again.updated, again.deleted) == (0, 0, 0)
    session.commit()
    out = io.BytesIO()
    export_catalog(
        session, principal=ANONYMOUS, fmt="turtle", base_url="http://hier", out=out, municipality="offenbach"
    )
    graph = rdflib.Graph().parse(data=out.getvalue(), format="turtle")
    assert len(set(graph.subjects(RDF.type, DCAT.Dataset))) == 3
    assert shacl.validate(graph).conforms, shacl.validate(graph).summary()


def test_turtle_source_over_http(session: Session, remote: tuple[str, Settings]) -> None:
    url, _ = remote
    source = make_source(session, url=f"{url}/catalog.ttl")
    assert fetch_and_harvest(session, source=source).created == 3


def test_unreachable_or_failing_source_is_a_clear_error(session: Session, remote: tuple[str, Settings]) -> None:
    url, _ = remote
    source = make_source(session, url=f"{url}/kommunen/atlantis/catalog.rdf")
    with pytest.raises(InvalidInput, match="HTTP 404"):
        fetch_and_harvest(session, source=source)
    source.url = f"http://127.0.0.1:{free_port()}/catalog"
    with pytest.raises(InvalidInput, match="nicht erreichbar"):
        fetch_and_harvest(session, source=source, client=httpx.Client(timeout=2))
    assert count(session, Dataset) == 0
