"""Sensor networks as catalogue datasets: the SensorThings API in the DCAT export, and open-data aggregates with
small-count suppression, published through the catalogue's versioned distributions."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections import defaultdict
from pathlib import Path

import pytest
import rdflib
from click.testing import CliRunner
from rdflib.namespace import DCAT, DCTERMS, RDF
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from kikz import cli, jobs
from kikz.audit import AuditEntry
from kikz.catalog import service as catalog
from kikz.catalog.dcat import shacl
from kikz.catalog.dcat.export import export_catalog
from kikz.catalog.dcat.rdfwriter import Format
from kikz.catalog.models import Dataset, DatasetVersion, Distribution
from kikz.errors import InvalidInput, NotFound
from kikz.governance.workflow.models import GovernanceProposal
from kikz.sensors import network as networks
from kikz.sensors import publish
from kikz.sensors.kpi import BERLIN
from kikz.sensors.models import Datastream, Location, ObservedProperty, Sensor, Thing, thing_location
from kikz.sensors.store import NewObservation, store_observations
from kikz.sensors.traffic import Mode, Site
from kikz.settings import Settings
from kikz.storage import FileStore
from kikz.tenancy.permissions import ANONYMOUS, PermissionDenied, Principal, principal_for
from kikz.types import DatasetStatus, ProtectionClass, Role
from kikz.worker import job_handlers
from tests import factories

BASE = "http://testserver"
COUNT = "http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_CountObservation"
UTC = dt.UTC
MONDAY = dt.date(2025, 6, 2)
SYSTEM = Principal(email="test@localhost", display_name="Test", is_superuser=True)

# Hourly bicycle counts (local hours 0..23) of three days, built to exercise the suppression rules with k = 5.
RAD = {
    # one small hour (4 → 2): the nearest non-zero hour (5 → 7) is suppressed with it; 2 + 7 = 9 = (k − 1) + k
    MONDAY: [0, 0, 0, 0, 2, 7, 30, 55, 61, 40, 33, 35, 38, 36, 34, 39, 52, 64, 48, 31, 20, 12, 9, 8],
    # a single non-zero hour: nothing is left to suppress with it, so the day total goes too
    MONDAY + dt.timedelta(days=1): [0] * 12 + [3] + [0] * 11,
    # two ones: the nearest non-zero hours are added, 5 (1 + 1 + 5 < 4 + 1 + 5) and then 40
    MONDAY + dt.timedelta(days=2): [0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 5, 40, 60, 70, 80, 90, 0, 0, 0, 0, 0, 0, 0, 0],
}
KFZ = [3, 2, 1, 2, 8, 40, 150, 420, 510, 380, 300, 310, 330, 320, 340, 390, 480, 520, 410, 260, 160, 90, 50, 20]
QUIET = [1, 0, 0, 0, 0, 3, 12, 20, 18, 11, 9, 10, 12, 9, 10, 14, 21, 25, 19, 12, 8, 6, 4, 2]


def local_hour(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(), BERLIN).astimezone(UTC) + dt.timedelta(hours=hour)


def make_network(
    session: Session,
    name: str = "verkehrszaehlung-offenbach",
    *,
    municipality: str = "offenbach",
    protection_class: ProtectionClass | None = ProtectionClass.OEFFENTLICH,
    status: DatasetStatus = DatasetStatus.PUBLISHED,
    personal: bool | None = False,
) -> Dataset:
    return factories.dataset(
        session,
        municipality=municipality,
        name=name,
        title="Verkehrszählung Offenbach",
        description="Dauerzählstellen für Kfz-, Rad- und Fußverkehr.",
        protection_class=protection_class,
        status=status,
        contains_personal_data=personal,
        license_id="dl-by-de/2.0",
        themes=["TRAN"],
        keywords=["Verkehrszählung"],
    )


def add_site(session: Session, network: Dataset, name: str, lon: float, lat: float) -> Thing:
    thing = Thing(dataset_id=network.id, name=name, description="Dauerzählstelle")
    location = Location(
        dataset_id=network.id,
        name=name,
        location={"type": "Point", "coordinates": [lon, lat]},
        lon=lon,
        lat=lat,
    )
    session.add_all([thing, location])
    session.flush()
    session.execute(thing_location.insert().values(thing_id=thing.id, location_id=location.id))
    return thing


def add_stream(session: Session, thing: Thing, name: str, traffic: dict[str, object]) -> Datastream:
    sensor = Sensor(dataset_id=thing.dataset_id, name=f"Sensor {name}")
    prop = ObservedProperty(dataset_id=thing.dataset_id, name=name)
    session.add_all([sensor, prop])
    session.flush()
    stream = Datastream(
        dataset_id=thing.dataset_id,
        name=name,
        observation_type=COUNT,
        unit_of_measurement={"name": "Anzahl", "symbol": "1"},
        thing_id=thing.id,
        sensor_id=sensor.id,
        observed_property_id=prop.id,
        properties={"traffic": traffic},
    )
    session.add(stream)
    session.flush()
    return stream


def hourly(stream: Datastream, day: dt.date, values: list[float]) -> list[NewObservation]:
    return [
        NewObservation(
            datastream_id=stream.id,
            dataset_id=stream.dataset_id,
            phenomenon_time=local_hour(day, h),
            phenomenon_time_end=local_hour(day, h + 1),
            result=value,
        )
        for h, value in enumerate(values)
    ]


def quarters(stream: Datastream, day: dt.date, per_hour: list[float]) -> list[NewObservation]:
    """Each hour's count spread over four quarter-hours (the first takes the remainder)."""
    out = []
    for h, value in enumerate(per_hour):
        parts = [value // 4] * 4
        parts[0] += value - sum(parts)
        for q, part in enumerate(parts):
            start = local_hour(day, h) + dt.timedelta(minutes=15 * q)
            out.append(
                NewObservation(
                    datastream_id=stream.id,
                    dataset_id=stream.dataset_id,
                    phenomenon_time=start,
                    phenomenon_time_end=start + dt.timedelta(minutes=15),
                    result=part,
                )
            )
    return out


@pytest.fixture
def world(session: Session) -> dict[str, object]:
    """A published network with a main-road site (Kfz in quarter-hours, bicycles and a speed stream) and a quiet
    residential site (Kfz marked for suppression, pedestrians); a plain dataset and a vertraulich network."""
    network = make_network(session)
    main = add_site(session, network, "Kaiserstraße", 8.7617, 50.1039)
    kfz = add_stream(session, main, "Kfz Nord", {"mode": "kfz", "direction": "Nord"})
    rad = add_stream(session, main, "Rad Nord", {"mode": "rad", "direction": "Nord"})
    speed = add_stream(session, main, "Geschwindigkeit", {"mode": "kfz", "direction": "Nord", "quantity": "speed"})
    quiet = add_site(session, network, "Am Wiesengrund", 8.7301, 50.0902)
    marked = add_stream(session, quiet, "Kfz gesamt", {"mode": "kfz", "suppress": True})
    walk = add_stream(session, quiet, "Fußverkehr", {"mode": "fuss"})
    items = quarters(kfz, MONDAY, KFZ)
    for day, values in RAD.items():
        items += hourly(rad, day, values)
    items += hourly(marked, MONDAY, QUIET)
    items += hourly(walk, MONDAY, [v * 2 for v in QUIET])
    items.append(
        NewObservation(datastream_id=speed.id, dataset_id=network.id, phenomenon_time=local_hour(MONDAY, 3), result=71)
    )
    store_observations(session, items)
    plain = factories.dataset(session, name="haushalt-offenbach", title="Haushalt", license_id="dl-by-de/2.0")
    closed = make_network(session, "zaehlung-intern", protection_class=ProtectionClass.VERTRAULICH)
    add_stream(session, add_site(session, closed, "Innenhof", 8.75, 50.1), "Rad", {"mode": "rad"})
    session.commit()
    return {
        "network": network,
        "kfz": kfz,
        "rad": rad,
        "marked": marked,
        "walk": walk,
        "plain": plain,
        "closed": closed,
    }


def run_publish(session: Session, settings: Settings, network: Dataset, *, threshold: int = 5) -> publish.PublishReport:
    return publish.publish_network(
        session,
        principal=SYSTEM,
        network=network,
        store=FileStore(settings.files_dir),
        threshold=threshold,
        max_bytes=settings.max_upload_bytes,
    )


def read_csv(settings: Settings, network: Dataset, file_name: str) -> list[dict[str, str]]:
    dist = next(d for d in network.distributions if d.file_name == file_name)
    assert dist.checksum_sha256 is not None
    raw = FileStore(settings.files_dir).path_for(dist.checksum_sha256).read_bytes()
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8"), newline="")))


def rows_of(rows: list[dict[str, str]], stream: Datastream) -> list[dict[str, str]]:
    return [r for r in rows if r["datenstrom_id"] == str(stream.id)]


def number(text: str) -> float:
    return float(text)


# --- the network in the catalogue -----------------------------------------------------------------------------


def export(session: Session, fmt: Format = "turtle", principal: Principal = ANONYMOUS) -> rdflib.Graph:
    out = io.BytesIO()
    export_catalog(session, principal=principal, fmt=fmt, base_url=BASE, out=out)
    return rdflib.Graph().parse(data=out.getvalue(), format=fmt)


@pytest.mark.parametrize("fmt", ["turtle", "json-ld"])
def test_network_is_exported_with_its_sensorthings_data_service(session: Session, world: dict, fmt: Format) -> None:
    graph = export(session, fmt)
    report = shacl.validate(graph)
    assert report.violations == [], report.summary()
    assert report.warnings == [], report.summary()
    network = rdflib.URIRef(f"{BASE}/datensaetze/{world['network'].name}")
    services = set(graph.subjects(RDF.type, DCAT.DataService))
    assert len(services) == 1
    service = services.pop()
    assert graph.value(service, DCAT.endpointURL) == rdflib.URIRef(f"{BASE}/sta/v1.1")
    assert graph.value(service, DCAT.endpointDescription) == rdflib.URIRef(f"{BASE}/api/openapi.json")
    assert graph.value(service, DCTERMS.conformsTo) == rdflib.URIRef(networks.STA_STANDARD)
    assert (rdflib.URIRef(networks.STA_STANDARD), RDF.type, DCTERMS.Standard) in graph
    assert list(graph.objects(service, DCAT.servesDataset)) == [network]
    assert graph.value(service, DCTERMS.publisher) is not None
    access = [d for d in graph.objects(network, DCAT.distribution) if graph.value(d, DCAT.accessService) == service]
    assert len(access) == 1
    assert graph.value(access[0], DCAT.accessURL) == rdflib.URIRef(f"{BASE}/sta/v1.1")
    catalogue = rdflib.URIRef(f"{BASE}/catalog")
    assert list(graph.objects(catalogue, DCAT.service)) == [service]
    plain = rdflib.URIRef(f"{BASE}/datensaetze/{world['plain'].name}")
    assert (plain, RDF.type, DCAT.Dataset) in graph
    assert not [d for d in graph.objects(plain, DCAT.distribution) if graph.value(d, DCAT.accessService)]


def test_a_network_only_the_city_may_see_is_exported_only_to_them(session: Session, world: dict) -> None:
    closed = rdflib.URIRef(f"{BASE}/datensaetze/{world['closed'].name}")
    assert (closed, None, None) not in export(session)
    steward = factories.user(session, "steward@offenbach.de", roles={"offenbach": [Role.DATA_STEWARD]})
    graph = export(session, principal=principal_for(session, steward))
    assert shacl.validate(graph).violations == []
    served = {graph.value(s, DCAT.servesDataset) for s in graph.subjects(RDF.type, DCAT.DataService)}
    assert closed in served
    non_public = rdflib.URIRef("http://publications.europa.eu/resource/authority/access-right/NON_PUBLIC")
    service = next(s for s in graph.subjects(DCAT.servesDataset, closed))
    assert graph.value(service, DCTERMS.accessRights) == non_public


def test_networks_are_the_datasets_that_own_things(session: Session, world: dict) -> None:
    ids = [world["network"].id, world["plain"].id, world["closed"].id]
    assert networks.network_ids(session, ids) == {world["network"].id, world["closed"].id}
    assert [n.name for n in networks.visible_networks(session, principal=ANONYMOUS)] == [world["network"].name]
    with pytest.raises(NotFound, match="kein Sensornetz"):
        networks.get_network(session, principal=SYSTEM, key=world["plain"].name)


# --- the aggregate files --------------------------------------------------------------------------------------


def test_hourly_and_daily_files_hold_the_rollup_sums(session: Session, settings: Settings, world: dict) -> None:
    network = world["network"]
    report = run_publish(session, settings, network)
    assert [(f.file_name, f.outcome) for f in report.files] == [
        (publish.HOURLY_FILE, "neu"),
        (publish.DAILY_FILE, "neu"),
        (publish.SCHEMA_FILE, "neu"),
    ]
    assert (report.sites, report.streams) == (2, 4)  # the speed stream is no count and is left out
    hours = read_csv(settings, network, publish.HOURLY_FILE)
    days = read_csv(settings, network, publish.DAILY_FILE)
    assert list(hours[0]) == publish.HEADER
    kfz_hours = rows_of(hours, world["kfz"])
    assert [number(r["anzahl"]) for r in kfz_hours] == KFZ  # small Kfz counts are published as they are
    assert {r["unterdrueckt"] for r in kfz_hours} == {"nein"}
    first = kfz_hours[0]
    assert (first["zaehlstelle"], first["lon"], first["lat"]) == ("Kaiserstraße", "8.7617", "50.1039")
    assert (first["verkehrsart"], first["richtung"], first["vollstaendigkeit"]) == ("kfz", "Nord", "1")
    assert (first["beginn"], first["ende"]) == ("2025-06-02T00:00:00+02:00", "2025-06-02T01:00:00+02:00")
    assert (first["zaehlstelle_id"], first["datenstrom_id"]) == (str(world["kfz"].thing_id), str(world["kfz"].id))
    (kfz_day,) = rows_of(days, world["kfz"])
    assert number(kfz_day["anzahl"]) == sum(KFZ)
    assert (kfz_day["beginn"], kfz_day["ende"]) == ("2025-06-02T00:00:00+02:00", "2025-06-03T00:00:00+02:00")
    rad_days = rows_of(days, world["rad"])
    assert [r["beginn"][:10] for r in rad_days] == ["2025-06-02", "2025-06-03", "2025-06-04"]
    assert number(rad_days[0]["anzahl"]) == sum(RAD[MONDAY])
    assert number(rad_days[2]["anzahl"]) == sum(RAD[MONDAY + dt.timedelta(days=2)])
    assert not any(r["datenstrom_id"] == str(world["kfz"].id + 2) for r in hours)  # the speed stream


def test_files_are_utf8_comma_separated_and_described(session: Session, settings: Settings, world: dict) -> None:
    network = world["network"]
    run_publish(session, settings, network)
    dists = {d.file_name: d for d in network.distributions}
    hourly_dist = dists[publish.HOURLY_FILE]
    assert (hourly_dist.format, hourly_dist.encoding, hourly_dist.delimiter) == ("CSV", "utf-8", ",")
    assert [c["name"] for c in hourly_dist.columns] == publish.HEADER
    assert hourly_dist.license_id == "dl-by-de/2.0"
    assert "unterdrückt" in hourly_dist.description.lower() or "nicht veröffentlicht" in hourly_dist.description
    schema_dist = dists[publish.SCHEMA_FILE]
    assert (schema_dist.format, schema_dist.media_type) == ("JSON", "application/json")
    schema = json.loads(FileStore(settings.files_dir).path_for(schema_dist.checksum_sha256 or "").read_text("utf-8"))
    assert [f["name"] for f in schema["fields"]] == publish.HEADER
    assert schema["primaryKey"] == ["datenstrom_id", "beginn"] and schema["missingValues"] == [""]
    types = {f["name"]: f["type"] for f in schema["fields"]}
    assert (types["beginn"], types["anzahl"], types["unterdrueckt"]) == ("datetime", "number", "boolean")
    flag = next(f for f in schema["fields"] if f["name"] == "unterdrueckt")
    assert (flag["trueValues"], flag["falseValues"]) == (["ja"], ["nein"])
    assert "unter 5" in schema["description"]
    # the export describes the files like any upload, next to the API, and still conforms
    graph = export(session)
    assert shacl.validate(graph).violations == []
    download = rdflib.URIRef(catalog.download_url(BASE, hourly_dist))
    assert (None, DCAT.downloadURL, download) in graph


def test_small_counts_of_people_are_suppressed_with_a_second_cell(
    session: Session, settings: Settings, world: dict
) -> None:
    network = world["network"]
    report = run_publish(session, settings, network)
    hours = rows_of(read_csv(settings, network, publish.HOURLY_FILE), world["rad"])
    days = rows_of(read_csv(settings, network, publish.DAILY_FILE), world["rad"])

    def hidden(day: dt.date) -> list[int]:
        return [int(r["beginn"][11:13]) for r in hours if r["beginn"][:10] == day.isoformat() and not r["anzahl"]]

    assert hidden(MONDAY) == [4, 5]  # 2 (primary) and 7, the nearest hour that is not zero
    assert hidden(MONDAY + dt.timedelta(days=1)) == [12]
    assert hidden(MONDAY + dt.timedelta(days=2)) == [3, 4, 10, 11]
    assert all(r["unterdrueckt"] == ("nein" if r["anzahl"] else "ja") for r in hours)
    zeros = [r for r in hours if r["beginn"].startswith("2025-06-02T00")]
    assert zeros[0]["anzahl"] == "0"  # "nobody passed" is published
    # Tuesday has no second non-zero hour: its day total is suppressed instead
    assert [(r["anzahl"], r["unterdrueckt"]) for r in days] == [
        (str(sum(RAD[MONDAY])), "nein"),
        ("", "ja"),
        (str(sum(RAD[MONDAY + dt.timedelta(days=2)])), "nein"),
    ]
    assert (report.primary_suppressed, report.suppressed_days) >= (4, 1)


@pytest.mark.parametrize(
    ("primary", "values", "safe"),
    [
        (1, [2, 7], True),  # a small hour may be 1 … 4 and the other 5 … 8
        (1, [4, 5], True),
        (1, [1, 5], False),  # T = 6: the small hour is at most 6 − 5 = 1
        (1, [3], False),  # alone: the day total gives it away
        (2, [4, 4], False),  # two small hours only: 4 + 4 = 8 pins both to 4
        (2, [1, 1, 5], False),
        (2, [1, 1, 5, 40], True),
        (3, [1, 2, 1, 9], True),  # 13 ≥ 4 + 2 + 5
    ],
)
def test_protection_condition(primary: int, values: list[float], safe: bool) -> None:
    assert publish.protected(primary, values, 5) is safe


def test_secondary_hours_are_the_nearest_in_time_not_the_smallest() -> None:
    site = Site(1, "Radweg", 1, 1, 8.7, 50.1, ())
    stream = publish.CountStream(7, site, Mode.BICYCLE, "Ost", suppress=True)
    counts = [0, 0, 3, 50, 0, 0, 0, 0, 0, 0, 6, 0]  # the small hour at 2, a big one next to it, a small one later
    hours = [publish.Bucket(local_hour(MONDAY, h), 3600, 3600, float(v)) for h, v in enumerate(counts)]
    day = publish.Bucket(local_hour(MONDAY, 0), 86400, 43200, float(sum(counts)))
    table = publish.StreamTable(stream, hours, [day])
    publish.suppress(table, 5)
    assert (sorted(table.suppressed_hours), table.primary_hours, table.suppressed_days) == ([2, 3], 1, set())
    unmarked = publish.StreamTable(publish.CountStream(8, site, Mode.MOTOR_VEHICLE, "Ost", False), hours, [day])
    publish.suppress(unmarked, 5)
    assert unmarked.suppressed_hours == set()


def test_no_suppressed_hour_can_be_recomputed_from_the_published_day_total(
    session: Session, settings: Settings, world: dict
) -> None:
    network = world["network"]
    k = 5
    run_publish(session, settings, network, threshold=k)
    hours = read_csv(settings, network, publish.HOURLY_FILE)
    days = {(r["datenstrom_id"], r["beginn"][:10]): r for r in read_csv(settings, network, publish.DAILY_FILE)}
    person_streams = {str(world[key].id) for key in ("rad", "walk", "marked")}
    groups: dict[tuple[str, str], list[dict[str, str]]] = defaultdict(list)
    for row in hours:
        groups[(row["datenstrom_id"], row["beginn"][:10])].append(row)
    checked = 0
    for key, rows in groups.items():
        published = [number(r["anzahl"]) for r in rows if r["anzahl"]]
        if key[0] not in person_streams:
            assert len(published) == len(rows)
            continue
        assert all(v == 0 or v >= k for v in published)  # no small count is left in the open
        suppressed = len(rows) - len(published)
        day = days[key]
        if suppressed and day["anzahl"]:
            rest = number(day["anzahl"]) - sum(published)  # what a reader learns about the suppressed hours
            # at least one small and one large hour hide in ``rest``; none can be pinned down inside 1 … k − 1
            assert suppressed >= 2 and rest >= 2 * k - 1 and rest - (suppressed - 1) >= k - 1
            checked += 1
    assert checked >= 4  # Monday and Wednesday of the bicycles, the marked Kfz stream and the pedestrians


def test_a_kfz_stream_marked_for_suppression_follows_the_rule(
    session: Session, settings: Settings, world: dict
) -> None:
    network = world["network"]
    run_publish(session, settings, network)
    marked = rows_of(read_csv(settings, network, publish.HOURLY_FILE), world["marked"])
    assert marked[0]["anzahl"] == "" and marked[0]["unterdrueckt"] == "ja"  # 1 vehicle at midnight
    assert marked[1]["anzahl"] == "0"


def test_the_threshold_is_a_setting(session: Session, settings: Settings, world: dict) -> None:
    assert Settings(_env_file=None).sensor_suppression_threshold == 5  # type: ignore[call-arg]
    network = world["network"]
    report = run_publish(session, settings, network, threshold=0)
    assert (report.primary_suppressed, report.secondary_suppressed, report.suppressed_days) == (0, 0, 0)
    rad = rows_of(read_csv(settings, network, publish.HOURLY_FILE), world["rad"])
    assert [number(r["anzahl"]) for r in rad[:24]] == RAD[MONDAY]
    stricter = run_publish(session, settings, network, threshold=10)
    assert stricter.primary_suppressed > 4
    rad = rows_of(read_csv(settings, network, publish.HOURLY_FILE), world["rad"])
    assert rad[5]["anzahl"] == "" and rad[22]["anzahl"] == ""  # 7 and 9 are below 10 now


# --- versions, refusals and rights ----------------------------------------------------------------------------


def test_running_again_replaces_the_files_as_a_new_version(session: Session, settings: Settings, world: dict) -> None:
    network = world["network"]
    run_publish(session, settings, network)
    session.commit()
    first = {d.file_name: (d.identifier, d.checksum_sha256) for d in network.distributions}
    version = network.version
    # a later day arrives
    store_observations(session, quarters(world["kfz"], MONDAY + dt.timedelta(days=1), KFZ))
    report = run_publish(session, settings, network)
    session.commit()
    assert [f.outcome for f in report.files] == ["ersetzt", "ersetzt", "unverändert"]
    second = {d.file_name: (d.identifier, d.checksum_sha256) for d in network.distributions}
    assert len(network.distributions) == 3
    assert {name: ident for name, (ident, _) in second.items()} == {name: ident for name, (ident, _) in first.items()}
    assert [name for name in first if second[name][1] != first[name][1]] == [publish.HOURLY_FILE, publish.DAILY_FILE]
    assert network.version == version + 1
    latest = session.scalars(
        select(DatasetVersion).where(DatasetVersion.dataset_id == network.id).order_by(DatasetVersion.version.desc())
    ).first()
    assert latest is not None and latest.version == network.version and "ersetzt" in latest.change_note
    audit = session.scalars(
        select(AuditEntry).where(AuditEntry.entity_id == network.identifier).order_by(AuditEntry.id.desc())
    ).first()
    assert audit is not None and audit.action == "dataset.distribution"
    old = {d["checksum_sha256"] for d in (audit.before or {})["distributions"]}
    assert {checksum for _, checksum in first.values()} == old
    store = FileStore(settings.files_dir)
    assert all(store.exists(checksum or "") for _, checksum in first.values())  # history keeps the old files
    kfz_days = rows_of(read_csv(settings, network, publish.DAILY_FILE), world["kfz"])
    assert [number(r["anzahl"]) for r in kfz_days] == [sum(KFZ), sum(KFZ)]
    reviews = session.scalar(
        select(func.count()).where(
            jobs.Job.kind == catalog.DISTRIBUTION_ADDED, jobs.Job.status == jobs.JobStatus.QUEUED
        )
    )
    assert reviews == 5  # three new files, then the two replaced ones: governance looks at each
    # nothing new: nothing changes
    again = run_publish(session, settings, network)
    assert [f.outcome for f in again.files] == ["unverändert"] * 3
    assert network.version == version + 1


@pytest.mark.parametrize(
    ("protection_class", "personal", "reason"),
    [
        (ProtectionClass.VERTRAULICH, False, "Schutzklasse „öffentlich“"),
        (None, False, "Schutzklasse „öffentlich“"),
        (ProtectionClass.OEFFENTLICH, True, "keine personenbezogenen Daten"),
        (ProtectionClass.OEFFENTLICH, None, "keine personenbezogenen Daten"),
    ],
)
def test_networks_that_may_not_be_published_are_refused(
    session: Session,
    settings: Settings,
    world: dict,
    protection_class: ProtectionClass | None,
    personal: bool | None,
    reason: str,
) -> None:
    network = world["network"]
    network.protection_class, network.contains_personal_data = protection_class, personal
    session.flush()
    with pytest.raises(InvalidInput, match="nicht als Open Data veröffentlicht") as refused:
        run_publish(session, settings, network)
    assert reason in refused.value.message
    assert not [d for d in network.distributions if d.file_name.startswith("zaehlwerte")]


def test_the_vertraulich_network_is_refused_by_name(session: Session, settings: Settings, world: dict) -> None:
    with pytest.raises(InvalidInput, match=r"Verkehrszählung Offenbach.*nicht als Open Data"):
        publish.publish_aggregates(session, principal=SYSTEM, network=world["closed"].name, settings=settings)


def test_rights_and_visibility_are_respected(session: Session, settings: Settings, world: dict) -> None:
    network, closed = world["network"], world["closed"]
    elsewhere = principal_for(session, factories.user(session, "rad@giessen.de", roles={"giessen": [Role.DATA_OWNER]}))
    with pytest.raises(NotFound):  # another city's staff do not even see the vertraulich network
        publish.publish_aggregates(session, principal=elsewhere, network=closed.name, settings=settings)
    with pytest.raises(PermissionDenied):  # they see the public one, but may not change it
        publish.publish_aggregates(session, principal=elsewhere, network=network.name, settings=settings)
    staff = principal_for(session, factories.user(session, "team@offenbach.de", roles={"offenbach": [Role.STAFF]}))
    with pytest.raises(PermissionDenied):
        publish.publish_aggregates(session, principal=staff, network=network.name, settings=settings)
    steward = principal_for(
        session, factories.user(session, "daten@offenbach.de", roles={"offenbach": [Role.DATA_STEWARD]})
    )
    report = publish.publish_aggregates(session, principal=steward, network=network.name, settings=settings)
    assert report.published and len(report.files) == 3
    hourly_file = next(d for d in network.distributions if d.file_name == publish.HOURLY_FILE)
    assert catalog.get_distribution(session, principal=ANONYMOUS, identifier=hourly_file.identifier)


def test_files_of_a_draft_network_stay_hidden_until_it_is_published(
    session: Session, settings: Settings, world: dict
) -> None:
    network = world["network"]
    network.status = DatasetStatus.DRAFT
    session.flush()
    report = run_publish(session, settings, network)
    assert not report.published
    identifier = next(f.identifier for f in report.files if f.file_name == publish.HOURLY_FILE)
    with pytest.raises(NotFound):
        catalog.get_distribution(session, principal=ANONYMOUS, identifier=identifier)
    graph = export(session)
    assert not list(graph.subjects(RDF.type, DCAT.DataService))


# --- job and command line ---------------------------------------------------------------------------------------


def test_the_job_publishes_a_network_and_the_daily_run_refreshes_it(
    session: Session, session_factory: sessionmaker[Session], settings: Settings, world: dict
) -> None:
    handlers = job_handlers(settings)
    assert publish.JOB_KIND in handlers
    first = publish.enqueue(session, world["network"])
    session.commit()
    jobs.run_until_empty(session_factory, handlers)  # with the governance review and scan of the new files
    session.expire_all()
    assert session.get_one(jobs.Job, first.id).status == jobs.JobStatus.DONE
    names = {d.file_name for d in session.get_one(Dataset, world["network"].id).distributions}
    assert {publish.HOURLY_FILE, publish.DAILY_FILE, publish.SCHEMA_FILE} <= names
    assert session.scalar(select(func.count()).where(jobs.Job.status == jobs.JobStatus.FAILED)) == 0
    # the scan finds no personal data in the aggregates: no proposal to classify the network more strictly
    assert session.scalar(select(func.count()).select_from(GovernanceProposal)) == 0
    # the periodic run touches only networks that publish already, and skips those that may no longer
    store_observations(session, quarters(world["kfz"], MONDAY + dt.timedelta(days=3), KFZ))
    session.commit()
    jobs.enqueue(session, publish.JOB_KIND, {"periodic": True})
    session.commit()
    jobs.run_until_empty(session_factory, handlers)
    session.expire_all()
    days = rows_of(read_csv(settings, session.get_one(Dataset, world["network"].id), publish.DAILY_FILE), world["kfz"])
    assert len(days) == 2
    assert not session.get_one(Dataset, world["closed"].id).distributions
    failed = jobs.enqueue(session, publish.JOB_KIND, {"network": world["closed"].id}, max_attempts=1)
    session.commit()
    jobs.run_until_empty(session_factory, handlers)
    session.expire_all()
    job = session.get_one(jobs.Job, failed.id)
    assert job.status == jobs.JobStatus.FAILED and "nicht als Open Data veröffentlicht" in (job.error or "")


def test_command_line_publishes_and_refuses_in_german(
    session: Session, settings: Settings, world: dict, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(cli, "get_settings", lambda: settings)
    runner = CliRunner()
    done = runner.invoke(cli.main, ["sensors", "publish-aggregates", "--network", world["network"].name])
    assert done.exit_code == 0, done.output
    assert "2 Zählstellen, 4 Datenströme" in done.output and "zaehlwerte-stunden.csv (neu)" in done.output
    refused = runner.invoke(cli.main, ["sensors", "publish-aggregates", "--network", world["closed"].name])
    assert refused.exit_code == 2
    assert "Fehler: Die Zählwerte des Sensornetzes" in refused.output
    everything = runner.invoke(cli.main, ["sensors", "publish-aggregates", "--json"])
    assert everything.exit_code == 0, everything.output
    assert "Übersprungen: zaehlung-intern" in everything.output
    session.expire_all()
    count = session.scalar(
        select(func.count()).select_from(Distribution).where(Distribution.dataset_id == world["network"].id)
    )
    assert count == 3
