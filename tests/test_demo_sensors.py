"""The demo's traffic counters: networks as catalogue entries, a modelled year with its stated properties.

The model's properties (weekly pattern, holidays, seasons, the construction site, the bike lane) are checked on
the generated year in memory; the database holds two weeks around Easter 2025 (with the outage), loaded once
per module through ``load_demo`` and only read by the tests. The job path is checked on a fresh database.
Runs on SQLite, and on PostgreSQL when KIKZ_TEST_POSTGRES_URL is set.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session, sessionmaker

from kikz import jobs
from kikz.catalog.models import Dataset
from kikz.catalog.vocabularies import ensure_reference_data
from kikz.db import make_engine, make_sessionmaker
from kikz.demo import DemoSummary, geo, load_demo
from kikz.demo import traffic_model as model
from kikz.demo.accounts import demo_email
from kikz.demo.cities import BY_SLUG
from kikz.demo.sensors import JOB_KIND, NETWORK_KEY, day_table, load_sensor_demo, observations_job, site_table
from kikz.errors import InvalidInput
from kikz.models import Base
from kikz.sensors.analytics.outages import IncidentKind, detect_incidents
from kikz.sensors.kpi import BERLIN
from kikz.sensors.models import Datastream, Observation, Thing
from kikz.sensors.series import daily, quarter_hourly
from kikz.sensors.traffic import Mode, Quantity, site_report, sites
from kikz.settings import Settings
from kikz.storage import FileStore
from kikz.tenancy import service as tenancy
from kikz.tenancy.permissions import ANONYMOUS, Principal, principal_for, visible
from kikz.types import DatasetStatus, ProtectionClass, Role
from tests import factories
from tests.conftest import POSTGRES_URL, database_url, service_unavailable

FIRST = dt.date(2025, 4, 14)  # Monday before Easter: Karfreitag 18.4., Ostermontag 21.4., the outage 23.–26.4.
DAYS = 14
LAST = FIRST + dt.timedelta(days=DAYS - 1)
CITIES = ("offenbach", "giessen", "wetzlar", "fulda")


@dataclass
class Loaded:
    factory: sessionmaker[Session]
    summary: DemoSummary


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Loaded]:
    schema = admin = None
    if POSTGRES_URL:
        schema = "t_demo_sensors_" + uuid.uuid4().hex[:10]
        admin = make_engine(POSTGRES_URL)
        try:
            with admin.begin() as conn:
                conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        except Exception as exc:
            admin.dispose()
            service_unavailable("PostgreSQL", exc)
    tmp = tmp_path_factory.mktemp("demo_sensors")
    settings = Settings(
        environment="test", data_dir=tmp, database_url=database_url(schema), demo_data=False, _env_file=None
    )
    engine = make_engine(settings.sqlalchemy_url)
    Base.metadata.create_all(engine)
    factory = make_sessionmaker(engine)
    with factory.begin() as session:
        ensure_reference_data(session)
        summary = load_demo(
            session, store=FileStore(tmp / "files"), settings=settings, sensor_first=FIRST, sensor_days=DAYS
        )
    yield Loaded(factory, summary)
    engine.dispose()
    if admin is not None:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def db(loaded: Loaded) -> Iterator[Session]:
    with loaded.factory() as session:
        yield session
        session.rollback()


def _day_means(values: np.ndarray, select_days: np.ndarray) -> float:
    grid = model.year_grid()
    totals = np.bincount(grid.day, weights=np.nan_to_num(values), minlength=model.DAYS)
    return float(totals[select_days].mean())


def _days(first: dt.date, last: dt.date, kind: int | None = 0, school: bool | None = False) -> np.ndarray:
    """Day indices of 2025 in [first, last] of a day type (0 working, 1 Saturday, 2 Sunday/holiday)."""
    grid = model.year_grid()
    index = np.arange(model.DAYS)
    keep = (index >= (first - model.FIRST_DAY).days) & (index <= (last - model.FIRST_DAY).days)
    if kind is not None:
        keep &= grid.kind == kind
    if school is not None:
        keep &= (grid.school > 0) == school
    return index[keep]


def _kfz(number: str) -> np.ndarray:
    site = model.SITES[number]
    year = model.site_year(_city(number), number)
    return np.sum([year[s.key] for s in site.streams if s.mode == Mode.MOTOR_VEHICLE], axis=0)


def _sv(number: str) -> np.ndarray:
    site = model.SITES[number]
    year = model.site_year(_city(number), number)
    return np.sum([year[s.key] for s in site.streams if s.mode == Mode.HEAVY], axis=0)


def _city(number: str) -> str:
    return next(city for city, found in model.NETWORKS.items() if any(s.number == number for s in found))


# --- the catalogue entries and the entities -----------------------------------------------------------------


def test_each_member_city_has_a_published_open_network(db: Session, loaded: Loaded) -> None:
    networks = db.scalars(select(Dataset).where(Dataset.name.like(f"%-{NETWORK_KEY}")).order_by(Dataset.name)).all()
    assert sorted(n.municipality.slug for n in networks) == sorted(CITIES)
    for network in networks:
        assert network.protection_class is ProtectionClass.OEFFENTLICH
        assert network.status is DatasetStatus.PUBLISHED and network.license_id == "dl-by-de/2.0"
        assert "TRAN" in network.themes and "Verkehrszählung" in network.keywords
        assert network.conforms_to == "http://www.opengis.net/doc/is/sensorthings/1.1"
        assert (network.temporal_start, network.temporal_end) == (dt.date(2025, 1, 1), dt.date(2025, 12, 31))
        assert {d.file_name for d in network.distributions} == {
            "zaehlstellen.csv",
            "zaehlstellen.geojson",
            "tageswerte_2025.csv",
        }
    things = db.scalar(select(func.count()).select_from(Thing))
    streams = db.scalar(select(func.count()).select_from(Datastream))
    assert things == loaded.summary.sensor_sites == 15 and streams == loaded.summary.datastreams == 53
    assert loaded.summary.sensor_jobs == 0, "two weeks are stored at once"


def test_sites_stand_in_their_city_and_count_what_a_planner_expects(db: Session) -> None:
    found = sites(db, ANONYMOUS)
    assert len(found) == 15
    by_city: dict[str, list[str]] = {}
    for site in found:
        slug = db.get_one(Dataset, site.dataset_id).municipality.slug
        by_city.setdefault(slug, []).append(site.name)
        assert site.lat is not None and site.lon is not None
        assert geo.district_of(BY_SLUG[slug], site.lat, site.lon) is not None, site.name
        roles = {(r.mode, r.direction, r.quantity) for r in site.streams}
        if site.counts(Mode.MOTOR_VEHICLE):  # a main road: Kfz and Schwerverkehr per direction
            directions = {r.direction for r in site.counts(Mode.MOTOR_VEHICLE)}
            assert len(directions) == 2 and {r.direction for r in site.counts(Mode.HEAVY)} == directions
        if site.counts(Mode.BICYCLE) and not site.counts(Mode.CAR):
            assert len(site.counts(Mode.BICYCLE)) == 2, "bike counters count per direction"
        assert site.motor_vehicle_streams() or site.counts(Mode.BICYCLE), roles
    assert all(3 <= len(names) <= 4 for names in by_city.values()) and len(by_city) == 4
    every = [r for s in found for r in s.streams]
    assert any(r.mode == Mode.PEDESTRIAN for r in every)
    assert [r.quantity for r in every].count(Quantity.V85) == 1
    telraam = next(s for s in found if s.counts(Mode.CAR))
    assert len(telraam.motor_vehicle_streams()) == 2, "Pkw + SV per direction make up the Kfz"


def test_the_catalogue_files_describe_the_network() -> None:
    city = BY_SLUG["wetzlar"]
    listed = site_table(city).records()
    assert [r["Zählstelle"] for r in listed] == ["WZ-01", "WZ-02", "WZ-03"]
    assert all(r["Stadtteil"] == geo.district_of(city, r["lat"], r["lon"]) for r in listed)
    kfz_north = {
        r["Datum"]: r
        for r in day_table(city).records()
        if (r["Zählstelle"], r["Verkehrsart"], r["Richtung"]) == ("WZ-01", "Kfz", "Nord")
    }
    assert len(kfz_north) == 365
    for day in ("2025-04-23", "2025-04-24", "2025-04-25", "2025-04-26"):
        assert kfz_north[day]["Anzahl"] is None and kfz_north[day]["Vollständigkeit %"] < 100, "outage: no total"
    assert kfz_north["2025-04-24"]["Vollständigkeit %"] == 0
    assert kfz_north["2025-04-22"]["Anzahl"] > 5000 and kfz_north["2025-04-22"]["Vollständigkeit %"] == 100


# --- the stored window ------------------------------------------------------------------------------------------


def test_the_database_holds_the_model_of_the_window(db: Session, loaded: Loaded) -> None:
    expected = 0
    for city, found in model.NETWORKS.items():
        for site in found:
            year = model.site_year(city, site.number)
            expected += sum(int(np.count_nonzero(~np.isnan(model.window(v, FIRST, DAYS)[1]))) for v in year.values())
    stored = db.scalar(select(func.count()).select_from(Observation))
    assert stored == loaded.summary.observations == expected
    stream = db.scalars(select(Datastream).where(Datastream.name.like("GI-04 %stadteinwärts"))).one()
    epochs, values = model.window(model.site_year("giessen", "GI-04")["rad-count-stadteinwärts"], FIRST, DAYS)
    days = daily(db, ANONYMOUS, [stream.id], FIRST, LAST)[stream.id]
    grid = model.year_grid()
    offset = (FIRST - model.FIRST_DAY).days
    per_day = np.bincount(grid.day[np.isin(grid.epochs, epochs)] - offset, weights=values, minlength=DAYS)
    assert days.valid.all() and np.allclose(days.totals, per_day)
    first_row = db.scalars(
        select(Observation).where(Observation.datastream_id == stream.id).order_by(Observation.phenomenon_time)
    ).first()
    assert first_row is not None and first_row.feature_of_interest_id is not None
    assert first_row.phenomenon_time_end is not None
    assert first_row.phenomenon_time_end - first_row.phenomenon_time == dt.timedelta(minutes=15)
    assert isinstance(first_row.result_json, int) and stream.phenomenon_time_start == first_row.phenomenon_time


def test_weekdays_exceed_sundays_and_holidays_count_as_sundays(db: Session) -> None:
    holidays = {dt.date(2025, 4, 18), dt.date(2025, 4, 21)}
    sundays = {dt.date(2025, 4, 20), dt.date(2025, 4, 27)}
    roads = [
        s for s in sites(db, ANONYMOUS) if s.counts(Mode.MOTOR_VEHICLE) and not s.name.startswith("Zählstelle WZ-01")
    ]
    assert len(roads) == 6
    for site in roads:
        report = site_report(db, ANONYMOUS, site.id, FIRST, LAST)
        totals = {day: total for day, total in report.daily_totals["Kfz"] if total is not None}
        working = [t for d, t in totals.items() if d.weekday() < 5 and d not in holidays]
        sunday = np.mean([totals[d] for d in sundays])
        assert np.mean(working) > 1.4 * sunday, site.name
        for day in holidays:
            assert abs(totals[day] / sunday - 1) < 0.15, (site.name, day)
        kpis = {k.name: k for k in report.kpis}
        assert kpis["DTVw"].value is not None and kpis["DTV Kfz"].value is not None
        assert kpis["DTVw"].value > kpis["DTV Kfz"].value
        assert 0 < (kpis["pSV"].value or 0) < 12


def test_the_outage_is_a_gap_the_analytics_find(db: Session) -> None:
    site = next(s for s in sites(db, ANONYMOUS) if s.name.startswith("Zählstelle WZ-01"))
    start = dt.datetime.combine(FIRST, dt.time(), BERLIN)
    end = dt.datetime.combine(LAST + dt.timedelta(days=1), dt.time(), BERLIN)
    for role in site.streams:
        series = quarter_hourly(db, ANONYMOUS, role.datastream_id, start, end)
        assert series.start.size == DAYS * 96 - (53 + 2 * 96 + 58), role.name  # 23.4. 10:45 – 26.4. 14:30
        missing = [i for i in detect_incidents(series, period=(start, end)) if i.kind == IncidentKind.MISSING]
        assert [(i.start, i.end) for i in missing] == [
            (dt.datetime(2025, 4, 23, 10, 45, tzinfo=BERLIN), dt.datetime(2025, 4, 26, 14, 30, tzinfo=BERLIN))
        ]
    report = site_report(db, ANONYMOUS, site.id, FIRST, LAST)
    assert report.completeness is not None and report.completeness < 1
    invalid = [day for day, total in report.daily_totals["Kfz"] if total is None]
    assert invalid == [dt.date(2025, 4, 23), dt.date(2025, 4, 24), dt.date(2025, 4, 25), dt.date(2025, 4, 26)]


def test_visibility_follows_the_network_dataset(db: Session) -> None:
    network = db.scalars(select(Dataset).where(Dataset.name == f"offenbach-{NETWORK_KEY}")).one()
    assert {s.dataset_id for s in sites(db, ANONYMOUS)} >= {network.id}

    def observations(principal: Principal) -> int:
        stmt = (
            select(func.count())
            .select_from(Observation)
            .join(Dataset, Dataset.id == Observation.dataset_id)
            .where(Observation.dataset_id == network.id, visible(principal, Dataset))
        )
        return db.scalar(stmt) or 0

    assert observations(ANONYMOUS) > 0
    network.protection_class = ProtectionClass.INTERN
    db.flush()
    staff = principal_for(db, tenancy.get_user_by_email(db, demo_email("offenbach", Role.STAFF)))
    outsider = principal_for(db, tenancy.get_user_by_email(db, demo_email("fulda", Role.STAFF)))
    assert network.id not in {s.dataset_id for s in sites(db, ANONYMOUS)}
    assert network.id not in {s.dataset_id for s in sites(db, outsider)}
    assert network.id in {s.dataset_id for s in sites(db, staff)}
    assert observations(ANONYMOUS) == observations(outsider) == 0 < observations(staff)


# --- the model's properties over the year ---------------------------------------------------------------------


def test_the_model_is_seeded_and_periods_cut_the_same_year() -> None:
    first = {k: v.copy() for k, v in model.site_year("fulda", "FD-02").items()}
    model.site_year.cache_clear()
    again = model.site_year("fulda", "FD-02")
    assert all(np.array_equal(first[k], again[k], equal_nan=True) for k in first)
    epochs, values = model.window(again["kfz-count-stadteinwärts"], dt.date(2025, 3, 29), 2)
    assert values.size == 96 + 92, "the spring DST day has 23 hours"
    assert np.all(values >= 0) and np.all(values == np.round(values))
    assert np.all(np.diff(epochs) == 900)
    heavy = again["sv-count-stadteinwärts"]
    assert np.all(heavy <= again["kfz-count-stadteinwärts"]), "SV is part of Kfz"
    telraam = model.site_year("offenbach", "OF-04")["pkw-count-stadteinwärts"]
    assert np.any(telraam != np.round(telraam)), "Telraam counts are extrapolated by uptime"


def test_holidays_are_like_sundays_and_school_holidays_lower_over_the_year() -> None:
    for number in ("OF-01", "GI-01", "WZ-02", "FD-01", "FD-02"):
        kfz = _kfz(number)
        grid = model.year_grid()
        holidays = np.array([i for i, d in enumerate(grid.dates) if d.weekday() < 5 and grid.kind[i] == 2])
        sundays = np.array([i for i, d in enumerate(grid.dates) if d.weekday() == 6])
        assert len(holidays) >= 9
        working = _day_means(kfz, _days(model.FIRST_DAY, model.LAST_DAY))
        assert _day_means(kfz, holidays) / _day_means(kfz, sundays) == pytest.approx(1, abs=0.1)
        assert _day_means(kfz, sundays) < 0.7 * working
        assert _day_means(kfz, _days(model.FIRST_DAY, model.LAST_DAY, school=True)) < 0.95 * working


def test_bikes_follow_the_seasons_and_leisure_sites_peak_at_weekends() -> None:
    for number in ("GI-04", "FD-03"):
        year = model.site_year(_city(number), number)
        bikes = np.sum([v for k, v in year.items() if k.startswith("rad")], axis=0)
        january = _day_means(bikes, _days(dt.date(2025, 1, 13), dt.date(2025, 2, 14), school=None))
        june = _day_means(bikes, _days(dt.date(2025, 5, 26), dt.date(2025, 6, 27), school=None))
        assert january < 0.55 * june, number
    leisure = model.site_year("giessen", "GI-03")["rad-count-ost"]
    assert _day_means(leisure, _days(model.FIRST_DAY, model.LAST_DAY, kind=2, school=None)) > 1.3 * _day_means(
        leisure, _days(model.FIRST_DAY, model.LAST_DAY, school=None)
    )


def test_construction_lowers_the_site_and_raises_the_diversion_route() -> None:
    """Working days in the construction weeks after the summer holidays against October/November, relative
    to a site elsewhere (season); Kfz mixes the light (−45 %) and heavy (−65 %) vehicles' factors."""
    during = _days(dt.date(2025, 8, 18), dt.date(2025, 9, 26))
    after = _days(dt.date(2025, 9, 29), dt.date(2025, 11, 28))

    def change(values: np.ndarray, control: np.ndarray) -> float:
        own = _day_means(values, during) / _day_means(values, after)
        return own / (_day_means(control, during) / _day_means(control, after))

    assert change(_kfz("GI-02"), _kfz("FD-02")) == pytest.approx(0.54, abs=0.04)
    assert change(_kfz("GI-01"), _kfz("FD-02")) == pytest.approx(1.155, abs=0.04)
    assert change(_sv("GI-02"), _sv("FD-02")) == pytest.approx(0.35, abs=0.05)
    assert change(_sv("GI-01"), _sv("FD-02")) == pytest.approx(1.25, abs=0.06)


def test_the_bike_lane_raises_bikes_from_its_opening() -> None:
    before = _days(dt.date(2025, 4, 28), dt.date(2025, 6, 1))
    after = _days(dt.date(2025, 6, 2), dt.date(2025, 7, 4))
    lane = model.site_year("offenbach", "OF-02")
    bikes = lane["rad-count-nord"] + lane["rad-count-süd"]
    control = model.site_year("offenbach", "OF-04")["rad-count-gesamt"]  # same city, same weather
    change = (_day_means(bikes, after) / _day_means(bikes, before)) / (
        _day_means(control, after) / _day_means(control, before)
    )
    assert change == pytest.approx(1.30, abs=0.08)


def test_periods_outside_2025_are_refused(session: Session) -> None:
    with pytest.raises(InvalidInput):
        load_sensor_demo(session, {}, first=dt.date(2025, 12, 20), days=14)


# --- the background jobs ----------------------------------------------------------------------------------------


def test_long_periods_are_stored_by_durable_jobs(session_factory: sessionmaker[Session]) -> None:
    first, days = dt.date(2025, 5, 19), 28
    with session_factory.begin() as session:
        network = factories.dataset(session, name=f"offenbach-{NETWORK_KEY}", title="Verkehrszählstellen Offenbach")
        network_id = network.id
        actor = factories.admin_principal(session)
        summary = load_sensor_demo(session, {"offenbach": actor}, first=first, days=days)
        assert summary.jobs == summary.datastreams == 16 and summary.observations == 0
        assert session.scalar(select(func.count()).select_from(Observation)) == 0
    assert jobs.run_until_empty(session_factory, {JOB_KIND: observations_job}) == 16
    expected = sum(
        int(np.count_nonzero(~np.isnan(model.window(values, first, days)[1])))
        for site in model.NETWORKS["offenbach"]
        for values in model.site_year("offenbach", site.number).values()
    )
    with session_factory() as session:
        assert session.scalar(select(func.count()).select_from(Observation)) == expected
        lane = session.scalars(select(Thing).where(Thing.name.like("%OF-02%"))).one()
        assert lane.dataset_id == network_id
        report = site_report(session, actor, lane.id, first, first + dt.timedelta(days=days - 1))
        totals = dict(report.daily_totals["Rad"])
        before = np.mean([totals[first + dt.timedelta(days=i)] for i in range(14)])
        after = np.mean([totals[dt.date(2025, 6, 2) + dt.timedelta(days=i)] for i in range(14)])
        assert after > 1.15 * before, "the new bike lane shows in the stored counts"
        payload = dict(session.scalars(select(jobs.Job.payload).where(jobs.Job.kind == JOB_KIND)).first() or {})
    with session_factory.begin() as session:  # a job that runs again (its lease ran out) stores the same values
        observations_job(session, payload)
    with session_factory() as session:
        assert session.scalar(select(func.count()).select_from(Observation)) == expected
        assert session.scalar(select(func.count()).select_from(jobs.Job).where(jobs.Job.status != "done")) == 0
