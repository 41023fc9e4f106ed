"""Reading counts with tens of millions of observations stored: one counter's hourly year, DTV of 100 counters.

Target (issue 4): with 50 million observations stored, the hourly series of one counter for a year and the DTV
of 100 counters for a year each take under 100 ms.

Builds a SQLite database (or a PostgreSQL schema with ``--postgres URL``) of ``sites`` counting sites with two
directional Kfz streams each and a full year (2025) of 15-minute counts per stream: 720 sites give 1,440 streams
and 50.5 million observations. Observation rows are bulk-inserted with a raw ``executemany`` (building the data
through the HTTP API would take long and measures something else, see ``sta_ingest``); the rollups are
computed by the same ``rollup_columns`` the write path uses. Indexes are created after the load.
The database file is kept (``--keep PATH``) so that repeated runs skip the load.

Reads go through the real functions with an anonymous caller (the visibility join to the catalogue is in every
query): ``series.hourly`` for one stream and ``traffic.network_dtv`` for 100 sites, 20 runs each after one warm-up.

Usage: PYTHONPATH=. .venv/bin/python -m benchmarks.sta_series [sites] [--keep PATH] [--postgres URL]
"""

from __future__ import annotations

import datetime as dt
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import Engine, text

from kikz.catalog.vocabularies import ensure_reference_data
from kikz.db import make_engine, make_sessionmaker
from kikz.models import Base
from kikz.sensors import series, traffic
from kikz.sensors.models import Datastream, Observation, ObservedProperty, Rollup, Sensor, Thing
from kikz.sensors.store import rollup_columns
from kikz.tenancy.permissions import ANONYMOUS
from tests import factories

YEAR = 2025
COUNT_TYPE = "http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_CountObservation"
START = int(dt.datetime(YEAR, 1, 1, tzinfo=dt.UTC).timestamp()) - 3600  # local midnight, 1 January
QUARTERS = 365 * 96


def _profile() -> np.ndarray:
    hours = (np.arange(QUARTERS) // 4) % 24
    shape = 0.2 + np.exp(-((hours - 8) ** 2) / 4) + 0.9 * np.exp(-((hours - 17) ** 2) / 6)
    return shape * 40


def _load(engine: Engine, sites: int) -> None:
    dialect = engine.dialect.name
    indexes = [i for t in (Observation.__table__, Rollup.__table__) for i in t.indexes]  # type: ignore[attr-defined]
    Base.metadata.create_all(engine)
    with engine.begin() as conn:  # load first, index afterwards
        for index in indexes:
            index.drop(conn)
        if dialect == "postgresql":
            conn.execute(text("ALTER TABLE sta_observation DROP CONSTRAINT uq_sta_observation_datastream_time"))
    factory = make_sessionmaker(engine)
    with factory.begin() as session:
        ensure_reference_data(session)
        network = factories.dataset(session, name="bench-zaehlstellen").id
        sensor = Sensor(dataset_id=network, name="Schleife")
        prop = ObservedProperty(dataset_id=network, name="Kfz")
        session.add_all([sensor, prop])
        session.flush()
        streams: list[int] = []
        for number in range(sites):
            thing = Thing(dataset_id=network, name=f"Zählstelle {number:04d}")
            session.add(thing)
            session.flush()
            for direction in ("Nord", "Süd"):
                stream = Datastream(
                    dataset_id=network,
                    name=f"Kfz {direction}",
                    observation_type=COUNT_TYPE,
                    unit_of_measurement={"name": "Fahrzeuge"},
                    thing_id=thing.id,
                    sensor_id=sensor.id,
                    observed_property_id=prop.id,
                    properties={"traffic": {"mode": "kfz", "direction": direction, "quantity": "count"}},
                )
                session.add(stream)
                session.flush()
                streams.append(stream.id)
    mark = "?" if dialect == "sqlite" else "%s"
    obs_sql = (
        "INSERT INTO sta_observation (dataset_id, datastream_id, phenomenon_time, phenomenon_time_end, "
        f"result_number, result_json) VALUES ({mark}, {mark}, {mark}, {mark}, {mark}, {mark})"
    )
    roll_sql = (
        "INSERT INTO sta_rollup (datastream_id, resolution, bucket_start, dataset_id, length, count, covered, total, "
        f"minimum, maximum) VALUES ({', '.join([mark] * 10)})"
    )
    starts = START + np.arange(QUARTERS, dtype=np.int64) * 900
    stamps = starts.astype("datetime64[s]")
    if dialect == "sqlite":
        begin = [t.replace("T", " ") + ".000000" for t in np.datetime_as_string(stamps).tolist()]
        end = [t.replace("T", " ") + ".000000" for t in np.datetime_as_string(stamps + 900).tolist()]
    else:
        begin = [t + "+00:00" for t in np.datetime_as_string(stamps).tolist()]
        end = [t + "+00:00" for t in np.datetime_as_string(stamps + 900).tolist()]
    rng = np.random.default_rng(7)
    base = _profile()
    began = time.perf_counter()
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        for n, stream in enumerate(streams):
            counts = rng.poisson(base * (0.5 + (n % 10) / 10)).astype(np.int64)
            cursor.executemany(
                obs_sql,
                list(
                    zip(
                        [network] * QUARTERS,
                        [stream] * QUARTERS,
                        begin,
                        end,
                        counts.tolist(),
                        map(str, counts),
                        strict=True,
                    )
                ),
            )
            rows: list[tuple[Any, ...]] = []
            for level in rollup_columns(starts, starts + 900, counts.astype(np.float64)):
                stamps_level = level.bucket.astype("datetime64[s]")
                texts = np.datetime_as_string(stamps_level).tolist()
                bucket = [t.replace("T", " ") + (".000000" if dialect == "sqlite" else "+00:00") for t in texts]
                size = level.bucket.size
                rows.extend(
                    zip(
                        [stream] * size,
                        [level.resolution] * size,
                        bucket,
                        [network] * size,
                        level.length.tolist(),
                        level.count.tolist(),
                        level.covered.tolist(),
                        level.total.tolist(),
                        level.minimum.tolist(),
                        level.maximum.tolist(),
                        strict=True,
                    )
                )
            cursor.executemany(roll_sql, rows)
            if n % 20 == 19:
                raw.commit()
                done = (n + 1) * QUARTERS
                print(f"  loaded {done:,} observations ({done / (time.perf_counter() - began):,.0f}/s)", flush=True)
        raw.commit()
    finally:
        raw.close()
    with engine.begin() as conn:
        if dialect == "postgresql":
            conn.execute(
                text(
                    "ALTER TABLE sta_observation ADD CONSTRAINT uq_sta_observation_datastream_time "
                    "UNIQUE (datastream_id, phenomenon_time)"
                )
            )
        for index in indexes:
            index.create(conn)
        if dialect == "postgresql":
            conn.execute(text("ANALYZE"))
    print(f"  load and index: {time.perf_counter() - began:,.0f} s")


def _timed(call: Any, runs: int = 20) -> tuple[float, float]:
    call()
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        call()
        times.append((time.perf_counter() - began) * 1000)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95) - 1]


def measure(engine: Engine, label: str) -> None:
    factory = make_sessionmaker(engine)
    with factory() as session:
        total = session.execute(text("SELECT count(*) FROM sta_observation")).scalar_one()
        all_sites = traffic.sites(session, ANONYMOUS)
        stream = all_sites[0].streams[0].datastream_id
        start = dt.datetime(YEAR, 1, 1, tzinfo=traffic.BERLIN).astimezone(dt.UTC)
        end = dt.datetime(YEAR + 1, 1, 1, tzinfo=traffic.BERLIN).astimezone(dt.UTC)
        hourly = series.hourly(session, ANONYMOUS, [stream], start, end)[stream]
        hour_p50, hour_p95 = _timed(lambda: series.hourly(session, ANONYMOUS, [stream], start, end))
        hundred = all_sites[:100]
        first, last = dt.date(YEAR, 1, 1), dt.date(YEAR, 12, 31)
        dtvs = traffic.network_dtv(session, ANONYMOUS, hundred, first, last, traffic.Mode.MOTOR_VEHICLE)
        dtv_p50, dtv_p95 = _timed(
            lambda: traffic.network_dtv(session, ANONYMOUS, hundred, first, last, traffic.Mode.MOTOR_VEHICLE)
        )
        sites_p50, _ = _timed(lambda: traffic.sites(session, ANONYMOUS), runs=5)
    print(f"{label}: {total:,} observations, {len(all_sites)} sites")
    print(
        f"  hourly series, one counter, {YEAR}: {hourly.start.size:,} hours | "
        f"p50 {hour_p50:.1f} ms, p95 {hour_p95:.1f} ms"
    )
    print(f"  DTV of 100 counters, {YEAR}: {len(dtvs)} results | p50 {dtv_p50:.1f} ms, p95 {dtv_p95:.1f} ms")
    print(f"  (listing all {len(all_sites)} sites with their streams: p50 {sites_p50:.1f} ms)")


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    sites = int(args[0]) if args else 720
    keep = sys.argv[sys.argv.index("--keep") + 1] if "--keep" in sys.argv else None
    postgres = sys.argv[sys.argv.index("--postgres") + 1] if "--postgres" in sys.argv else None
    if postgres:
        schema = "bench_series"
        admin = make_engine(postgres)
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
            conn.execute(text(f"CREATE SCHEMA {schema}"))
        admin.dispose()
        separator = "&" if "?" in postgres else "?"
        engine = make_engine(f"{postgres}{separator}options=-csearch_path%3D{schema}")
        _load(engine, sites)
        measure(engine, "PostgreSQL")
        return
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(keep) if keep else Path(tmp) / "series.db"
        engine = make_engine(f"sqlite:///{path}")
        if not (keep and path.exists() and path.stat().st_size > 0):
            _load(engine, sites)
        measure(engine, "SQLite")


if __name__ == "__main__":
    main()
