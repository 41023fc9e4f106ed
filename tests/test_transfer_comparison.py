"""The city comparison: catalogue, open data, MQA bands, HVD coverage and traffic counters, each through the
caller's rights (anonymous visitors count open data only, staff also their city's internal datasets).
"""

from __future__ import annotations

import datetime as dt

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from kikz.governance.quality.models import DatasetMqaRecord
from kikz.sensors.models import Datastream, ObservedProperty, Sensor, Thing
from kikz.sensors.store import NewObservation, store_observations
from kikz.tenancy.permissions import ANONYMOUS, principal_for
from kikz.transfer.comparison import CityComparison, CityFigures, compare_cities
from kikz.types import DatasetStatus, ProtectionClass, Role
from tests import factories
from tests.webutil import login, parse

COUNT = "http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_CountObservation"
LOCAL_MIDNIGHT = dt.datetime(2025, 6, 1, 22, tzinfo=dt.UTC)  # 2025-06-02 00:00 CEST
DAYS = 2


def counting_site(session: Session, city: str, name: str, streams: dict[str, tuple[str, str, int]]) -> None:
    """A site with constant quarter-hour counts over two full local days; ``streams``: key → (mode, dir, count)."""
    network = factories.dataset(
        session, municipality=city, title=f"Zählstellen {name}", name=f"netz-{city}", license_id="dl-by-de/2.0"
    )
    thing = Thing(dataset_id=network.id, name=name)
    sensor = Sensor(dataset_id=network.id, name="Zählgerät")
    prop = ObservedProperty(dataset_id=network.id, name="Anzahl")
    session.add_all([thing, sensor, prop])
    session.flush()
    items = []
    for key, (mode, direction, count) in streams.items():
        stream = Datastream(
            dataset_id=network.id,
            name=f"{name} {key}",
            observation_type=COUNT,
            unit_of_measurement={"name": "Anzahl", "symbol": "1"},
            thing_id=thing.id,
            sensor_id=sensor.id,
            observed_property_id=prop.id,
            properties={"traffic": {"mode": mode, "direction": direction, "quantity": "count"}},
        )
        session.add(stream)
        session.flush()
        for q in range(DAYS * 96):
            start = LOCAL_MIDNIGHT + dt.timedelta(minutes=15 * q)
            items.append(
                NewObservation(
                    stream.id, network.id, start, count, phenomenon_time_end=start + dt.timedelta(minutes=15)
                )
            )
    store_observations(session, items)


def mqa(session: Session, dataset_id: int, band: str, score: int) -> None:
    session.add(DatasetMqaRecord(dataset_id=dataset_id, score=score, band=band, indicators=[]))
    session.flush()


@pytest.fixture
def cities(session: Session) -> Session:
    for slug in ("offenbach", "giessen", "marburg", "gastdorf"):
        factories.city(session, slug)
    rad = factories.dataset(session, name="of-rad", title="Radverkehr")
    trees = factories.dataset(session, name="of-baeume", title="Baumkataster")
    factories.dataset(session, name="of-intern", title="Baustellen intern", protection_class=ProtectionClass.INTERN)
    geo = factories.dataset(session, name="gi-geo", municipality="giessen", title="Stadtteile")
    # HVD categories are decided through the categorisation workflow; here they are set directly
    rad.hvd_category, trees.hvd_category, geo.hvd_category = "c_b79e35eb", "c_ac64a52d", "c_ac64a52d"
    factories.dataset(
        session,
        name="gi-geheim",
        municipality="giessen",
        title="Meldedaten",
        protection_class=ProtectionClass.VERTRAULICH,
    )
    factories.dataset(session, name="gi-entwurf", municipality="giessen", title="Entwurf", status=DatasetStatus.DRAFT)
    mqa(session, rad.id, "bad", 90)
    mqa(session, rad.id, "good", 260)  # the latest evaluation counts
    mqa(session, trees.id, "excellent", 380)
    mqa(session, geo.id, "sufficient", 150)
    counting_site(session, "offenbach", "Berliner Straße", {"nord": ("kfz", "Nord", 10), "sued": ("kfz", "Süd", 5)})
    counting_site(session, "giessen", "Lahnbrücke", {"rad": ("rad", "gesamt", 2)})
    factories.user(session, "of-staff@kikz.test", roles={"offenbach": [Role.STAFF]})
    session.commit()
    return session


def by_slug(result: CityComparison) -> dict[str, CityFigures]:
    return {c.slug: c for c in result.cities}


def test_figures_for_an_anonymous_visitor(cities: Session) -> None:
    result = compare_cities(cities, principal=ANONYMOUS)
    figures = by_slug(result)
    assert list(figures) == ["giessen", "marburg", "offenbach"]  # the network, guests are not compared
    of, gi = figures["offenbach"], figures["giessen"]
    assert (of.datasets, of.open_data, of.open_data_share) == (3, 3, 1.0)  # Radverkehr, Bäume, Zählnetz
    assert of.quality_bands == {"excellent": 1, "good": 1, "sufficient": 0, "bad": 0, "unrated": 1}
    assert (of.hvd_datasets, of.hvd_open, of.hvd_categories) == (2, 2, ["c_ac64a52d", "c_b79e35eb"])
    assert (gi.datasets, gi.quality_bands["sufficient"], gi.hvd_categories) == (2, 1, ["c_ac64a52d"])
    assert figures["marburg"].datasets == 0 and figures["marburg"].open_data_share is None
    assert (result.period_first, result.period_last) == (dt.date(2025, 6, 2), dt.date(2025, 6, 3))
    assert of.counting_sites == 1 and of.counting_sites_by_mode == {"kfz": 1}
    assert of.dtv["kfz"].mean == 1440.0 and of.dtv["kfz"].sites == 1  # (10 + 5) × 96 per day
    assert gi.dtv["rad"].mean == 192.0 and "kfz" not in gi.dtv
    assert result.hvd_category_count == 6


def test_staff_count_their_own_internal_datasets_too(cities: Session) -> None:
    staff = principal_for(cities, factories.user(cities, "of-x@kikz.test", roles={"offenbach": [Role.STAFF]}))
    figures = by_slug(compare_cities(cities, principal=staff))
    assert (figures["offenbach"].datasets, figures["offenbach"].open_data) == (4, 3)
    assert figures["offenbach"].open_data_share == 0.75
    assert figures["giessen"].datasets == 2  # not the confidential register or the draft of another city
    board = principal_for(
        cities, factories.user(cities, "gi-board@kikz.test", roles={"giessen": [Role.GOVERNANCE_BOARD]})
    )
    assert by_slug(compare_cities(cities, principal=board))["giessen"].datasets == 4


def test_a_period_without_data_has_no_dtv(cities: Session) -> None:
    figures = by_slug(compare_cities(cities, principal=ANONYMOUS, von="2024-01-01", bis="2024-12-31"))
    assert figures["offenbach"].counting_sites == 1 and figures["offenbach"].dtv == {}


def test_comparison_page_and_api(client: TestClient, cities: Session) -> None:
    html = client.get("/forum/staedtevergleich").text
    page = parse(html)
    assert page.h1 == ["Städtevergleich"] and page.tables == page.captions == 2
    assert "1.440" in html.replace("\u202f", ".") and "100 %" in html
    assert "2 Datensätze, davon 2 offen; 2 von 6 Kategorien" in html
    assert login(client, "of-staff@kikz.test").status_code == 303
    html = client.get("/forum/staedtevergleich?von=2025-06-02&bis=2025-06-02").text
    assert "75 %" in html and "02.06.2025 bis 02.06.2025" in html
    api = client.get("/api/v1/forum/comparison", params={"von": "2025-06-02", "bis": "2025-06-03"}).json()
    offenbach = next(c for c in api["cities"] if c["slug"] == "offenbach")
    assert offenbach["dtv"]["kfz"]["mean"] == 1440.0 and offenbach["quality_bands"]["good"] == 1
    bad = client.get("/api/v1/forum/comparison", params={"von": "2025-13-01"})
    assert bad.status_code == 400 and "kein gültiges Datum" in bad.json()["error"]["message"]
