"""Observation storage: bulk upsert, deduplication and the quarter/hour/day rollups kept current on every write."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kikz.sensors.models import Datastream, Observation, ObservedProperty, Rollup, Sensor, Thing
from kikz.sensors.store import DAY, HOUR, QUARTER, NewObservation, rebuild_rollups, refresh_rollups, store_observations
from tests import factories

COUNT = "http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_CountObservation"
UTC = dt.UTC


def make_stream(session: Session, name: str = "Kfz Richtung Nord") -> Datastream:
    network = factories.dataset(session, title="Verkehrszählung Gießen", name=f"zaehlung-{name[:3].lower()}")
    thing = Thing(dataset_id=network.id, name="Zählstelle Westanlage")
    sensor = Sensor(dataset_id=network.id, name="Seitenradar")
    prop = ObservedProperty(dataset_id=network.id, name="Kfz-Anzahl")
    session.add_all([thing, sensor, prop])
    session.flush()
    stream = Datastream(
        dataset_id=network.id,
        name=name,
        observation_type=COUNT,
        unit_of_measurement={"name": "Fahrzeuge", "symbol": "Fz"},
        thing_id=thing.id,
        sensor_id=sensor.id,
        observed_property_id=prop.id,
    )
    session.add(stream)
    session.flush()
    return stream


def quarter(stream: Datastream, start: dt.datetime, value: float) -> NewObservation:
    return NewObservation(
        datastream_id=stream.id,
        dataset_id=stream.dataset_id,
        phenomenon_time=start,
        phenomenon_time_end=start + dt.timedelta(minutes=15),
        result=value,
    )


def rollups(session: Session, stream: Datastream, resolution: int) -> dict[dt.datetime, Rollup]:
    rows = session.scalars(
        select(Rollup).where(Rollup.datastream_id == stream.id, Rollup.resolution == resolution)
    ).all()
    return {row.bucket_start: row for row in rows}


def test_a_day_of_quarter_hours_makes_hour_and_day_rows_but_no_quarter_copies(session: Session) -> None:
    stream = make_stream(session)
    # 2025-06-02 is a Monday; local midnight Europe/Berlin (CEST) is 22:00 UTC the day before
    midnight = dt.datetime(2025, 6, 1, 22, tzinfo=UTC)
    items = [quarter(stream, midnight + dt.timedelta(minutes=15 * i), i % 7) for i in range(96)]
    stored = store_observations(session, items)
    assert all(s.created for s in stored) and len({s.id for s in stored}) == 96
    hours = rollups(session, stream, HOUR)
    assert len(hours) == 24
    first = hours[midnight]
    assert (first.count, first.covered, first.total) == (4, 3600, 0 + 1 + 2 + 3)
    days = rollups(session, stream, DAY)
    assert list(days) == [midnight]
    assert days[midnight].length == 86400 and days[midnight].covered == 86400
    assert days[midnight].total == sum(i % 7 for i in range(96))
    assert rollups(session, stream, QUARTER) == {}
    assert stream.phenomenon_time_start == midnight
    assert stream.phenomenon_time_end == midnight + dt.timedelta(days=1)


def test_corrections_and_late_data_update_the_rollups_and_keep_ids(session: Session) -> None:
    stream = make_stream(session)
    t0 = dt.datetime(2025, 6, 2, 6, tzinfo=UTC)
    first = store_observations(session, [quarter(stream, t0, 10), quarter(stream, t0 + dt.timedelta(minutes=15), 20)])
    corrected = store_observations(session, [quarter(stream, t0, 15)])
    assert corrected[0].id == first[0].id and corrected[0].created is False
    late = store_observations(session, [quarter(stream, t0 - dt.timedelta(days=30), 99)])
    assert late[0].created
    assert rollups(session, stream, HOUR)[t0].total == 35
    assert rollups(session, stream, HOUR)[t0 - dt.timedelta(days=30)].total == 99
    assert session.scalar(select(func.count()).select_from(Observation)) == 3


def test_duplicates_inside_one_batch_keep_the_later_value(session: Session) -> None:
    stream = make_stream(session)
    t0 = dt.datetime(2025, 6, 2, 6, tzinfo=UTC)
    stored = store_observations(session, [quarter(stream, t0, 1), quarter(stream, t0, 2)])
    assert stored[0].id == stored[1].id
    assert [s.created for s in stored] == [False, True]
    assert session.scalars(select(Observation.result_number)).all() == [2.0]


def test_delete_and_move_refresh_the_touched_days(session: Session) -> None:
    stream = make_stream(session)
    t0 = dt.datetime(2025, 6, 2, 6, tzinfo=UTC)
    stored = store_observations(session, [quarter(stream, t0, 5), quarter(stream, t0 + dt.timedelta(hours=1), 7)])
    row = session.get(Observation, stored[0].id)
    assert row is not None
    session.delete(row)
    session.flush()
    refresh_rollups(session, stream.id, [t0])
    assert t0 not in rollups(session, stream, HOUR)
    assert rollups(session, stream, DAY)[dt.datetime(2025, 6, 1, 22, tzinfo=UTC)].total == 7


def test_dst_days_have_23_and_25_hours(session: Session) -> None:
    stream = make_stream(session)
    # 2025-03-30: clocks go forward; local midnight is 23:00 UTC the day before, the next at 22:00 UTC
    start = dt.datetime(2025, 3, 29, 23, tzinfo=UTC)
    items = [quarter(stream, start + dt.timedelta(minutes=15 * i), 1) for i in range(92)]
    store_observations(session, items)
    day = rollups(session, stream, DAY)[start]
    assert (day.length, day.covered, day.total) == (82800, 82800, 92)
    # 2025-10-26: clocks go back, the day has 25 hours
    autumn = dt.datetime(2025, 10, 25, 22, tzinfo=UTC)
    store_observations(session, [quarter(stream, autumn + dt.timedelta(minutes=15 * i), 1) for i in range(100)])
    assert rollups(session, stream, DAY)[autumn].length == 90000
    assert rollups(session, stream, DAY)[autumn].total == 100


def test_instants_are_aggregated_into_quarter_rows(session: Session) -> None:
    stream = make_stream(session, "Geschwindigkeit")
    t0 = dt.datetime(2025, 6, 2, 6, tzinfo=UTC)
    speeds = [31.0, 48.5, 52.0, 29.5]
    items = [
        NewObservation(stream.id, stream.dataset_id, t0 + dt.timedelta(seconds=300 * i), speed)
        for i, speed in enumerate(speeds)
    ]
    store_observations(session, items)
    quarters = rollups(session, stream, QUARTER)
    assert sorted(quarters) == [t0, t0 + dt.timedelta(minutes=15)]
    row = quarters[t0]
    assert (row.count, row.minimum, row.maximum, row.covered) == (3, 31.0, 52.0, 0)


def test_hourly_counts_do_not_leak_into_quarter_rows_and_rebuild_matches(session: Session) -> None:
    stream = make_stream(session)
    t0 = dt.datetime(2025, 6, 2, 6, tzinfo=UTC)
    items = [
        NewObservation(
            stream.id,
            stream.dataset_id,
            t0 + dt.timedelta(hours=i),
            100 + i,
            phenomenon_time_end=t0 + dt.timedelta(hours=i + 1),
        )
        for i in range(5)
    ]
    store_observations(session, items)
    before = {(r.resolution, r.bucket_start, r.total) for r in session.scalars(select(Rollup))}
    assert {r for r in before if r[0] == QUARTER} == set()
    assert rebuild_rollups(session, stream.id) == len(before)
    after = {(r.resolution, r.bucket_start, r.total) for r in session.scalars(select(Rollup))}
    assert after == before


@pytest.mark.parametrize("value", ["viel", True])
def test_non_numeric_results_are_stored_but_not_aggregated(session: Session, value: object) -> None:
    stream = make_stream(session)
    t0 = dt.datetime(2025, 6, 2, 6, tzinfo=UTC)
    store_observations(session, [NewObservation(stream.id, stream.dataset_id, t0, value)])
    assert session.scalar(select(func.count()).select_from(Rollup)) == 0
    assert session.scalar(select(func.count()).select_from(Observation)) == 1
