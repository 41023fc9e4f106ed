"""Ingest: ``POST /CreateObservations`` over real HTTP against a raw DBAPI ``executemany`` of the same rows.

Target (issue 4): CreateObservations reaches at least 50 % of the raw insert rate in the same database.
The raw baseline is the cheapest possible write: pre-built parameter tuples, one ``INSERT`` executed with
``cursor.executemany`` and a commit per chunk, no validation, no rollups. CreateObservations is the whole
service path: HTTP, JSON parsing, token authentication, permission check, per-row validation (result type,
time zone, future), default FeatureOfInterest, the bulk upsert and the quarter/hour/day rollups.
The service runs in its own process (uvicorn, as deployed), the client in this one.
Both run interleaved chunk by chunk into the same table (two datastreams), so index growth hits both alike.

Usage: PYTHONPATH=. .venv/bin/python -m benchmarks.sta_ingest [observations] [--postgres URL]
(``KIKZ_BENCH_POSTGRES_URL`` works too; without either only SQLite is measured).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Engine, text

from kikz.catalog.vocabularies import ensure_reference_data
from kikz.db import make_engine, make_sessionmaker
from kikz.models import Base
from kikz.sensors.models import Datastream, Location, ObservedProperty, Sensor, Thing, thing_location
from kikz.tenancy import service as tenancy
from tests import factories
from tests.servers import free_port

CHUNK = 5_000
START = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
COUNT_TYPE = "http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_CountObservation"


def _setup(engine: Engine) -> tuple[int, int, int, str]:
    factory = make_sessionmaker(engine)
    with factory.begin() as session:
        ensure_reference_data(session)
        network = factories.dataset(session, name="bench-ingest")
        thing = Thing(dataset_id=network.id, name="Zählstelle")
        location = Location(
            dataset_id=network.id,
            name="Zählstelle",
            location={"type": "Point", "coordinates": [8.76, 50.1]},
            lon=8.76,
            lat=50.1,
        )
        sensor = Sensor(dataset_id=network.id, name="Schleife")
        prop = ObservedProperty(dataset_id=network.id, name="Kfz")
        session.add_all([thing, location, sensor, prop])
        session.flush()
        session.execute(thing_location.insert(), [{"thing_id": thing.id, "location_id": location.id}])
        streams = []
        for name in ("api", "raw"):
            stream = Datastream(
                dataset_id=network.id,
                name=name,
                observation_type=COUNT_TYPE,
                unit_of_measurement={"name": "Fahrzeuge", "symbol": "Fz"},
                thing_id=thing.id,
                sensor_id=sensor.id,
                observed_property_id=prop.id,
            )
            session.add(stream)
            session.flush()
            streams.append(stream.id)
        admin = factories.user(session, "bench@kikz.test", superuser=True)
        token, _ = tenancy.create_api_token(session, user=admin, name="bench")
        return network.id, streams[0], streams[1], token


def _raw_sql(dialect: str) -> str:
    columns = (
        "dataset_id, datastream_id, feature_of_interest_id, phenomenon_time, phenomenon_time_end, result_time, "
        "result_number, result_text, result_json, result_quality, valid_time_start, valid_time_end, parameters"
    )
    marks = ", ".join(["?" if dialect == "sqlite" else "%s"] * 13)
    return f"INSERT INTO sta_observation ({columns}) VALUES ({marks})"


def _raw_rows(dialect: str, network: int, stream: int, first: int, count: int) -> list[tuple[Any, ...]]:
    rows = []
    for i in range(first, first + count):
        begin = START + dt.timedelta(minutes=15 * i)
        end = begin + dt.timedelta(minutes=15)
        value = i % 97
        if dialect == "sqlite":
            times: tuple[Any, Any] = (
                begin.replace(tzinfo=None).isoformat(" ", "microseconds"),
                end.replace(tzinfo=None).isoformat(" ", "microseconds"),
            )
        else:
            times = (begin, end)
        rows.append((network, stream, None, *times, None, float(value), None, str(value), None, None, None, None))
    return rows


def _api_body(stream: int, first: int, count: int) -> bytes:
    data = []
    for i in range(first, first + count):
        begin = START + dt.timedelta(minutes=15 * i)
        end = begin + dt.timedelta(minutes=15)
        data.append([f"{begin:%Y-%m-%dT%H:%M:%SZ}/{end:%Y-%m-%dT%H:%M:%SZ}", i % 97])
    block = {"Datastream": {"@iot.id": stream}, "components": ["phenomenonTime", "result"], "dataArray": data}
    return json.dumps([block]).encode()


@contextmanager
def _server(env: dict[str, str]) -> Iterator[str]:
    """The service in a process of its own (as in production: the client is another machine or process)."""
    port = free_port()
    command = [sys.executable, "-m", "uvicorn", "kikz.app:create_app", "--factory", "--port", str(port)]
    process = subprocess.Popen([*command, "--log-level", "warning"], env=env)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline or process.poll() is not None:
                raise SystemExit("the service did not start")
            time.sleep(0.2)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=30)


def measure(url: str, label: str, total: int) -> tuple[float, float]:
    engine = make_engine(url)
    Base.metadata.create_all(engine)
    network, api_stream, raw_stream, token = _setup(engine)
    dialect = engine.dialect.name
    env = {
        **os.environ,
        "KIKZ_ENVIRONMENT": "test",
        "KIKZ_DATABASE_URL": url,
        "KIKZ_DEMO_DATA": "false",
        "KIKZ_EMBEDDED_WORKER": "false",
        "KIKZ_BASE_URL": "http://bench",
        "KIKZ_DATA_DIR": tempfile.mkdtemp(),
    }
    raw_seconds = api_seconds = 0.0
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    with _server(env) as base, httpx.Client(base_url=base, timeout=120) as client:
        for first in range(0, total, CHUNK):
            count = min(CHUNK, total - first)
            rows = _raw_rows(dialect, network, raw_stream, first, count)
            body = _api_body(api_stream, first, count)
            connection = engine.raw_connection()
            try:
                began = time.perf_counter()
                cursor = connection.cursor()
                cursor.executemany(_raw_sql(dialect), rows)
                connection.commit()
                raw_seconds += time.perf_counter() - began
            finally:
                connection.close()
            began = time.perf_counter()
            answer = client.post("/sta/v1.1/CreateObservations", content=body, headers=headers)
            api_seconds += time.perf_counter() - began
            if answer.status_code != 201 or any(str(x).startswith("error") for x in answer.json()):
                raise SystemExit(f"CreateObservations failed: {answer.status_code} {answer.text[:300]}")
    with engine.connect() as conn:
        stored = conn.execute(text("SELECT count(*) FROM sta_observation")).scalar_one()
        rollups = conn.execute(text("SELECT count(*) FROM sta_rollup")).scalar_one()
    engine.dispose()
    raw_rate, api_rate = total / raw_seconds, total / api_seconds
    print(
        f"{label:<10} {total:>9,} obs each | raw executemany {raw_rate:>9,.0f} obs/s | "
        f"CreateObservations {api_rate:>9,.0f} obs/s | ratio {api_rate / raw_rate:6.1%} | "
        f"rows {stored:,} observations, {rollups:,} rollups"
    )
    return raw_rate, api_rate


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    total = int(args[0]) if args else 200_000
    postgres = os.environ.get("KIKZ_BENCH_POSTGRES_URL", "")
    if "--postgres" in sys.argv:
        postgres = sys.argv[sys.argv.index("--postgres") + 1]
    print(f"CreateObservations vs raw executemany, chunks of {CHUNK:,} (15-minute counts, one datastream each)")
    with tempfile.TemporaryDirectory() as tmp:
        measure(f"sqlite:///{Path(tmp) / 'ingest.db'}", "SQLite", total)
    if postgres:
        schema = "bench_ingest"
        admin = make_engine(postgres)
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
            conn.execute(text(f"CREATE SCHEMA {schema}"))
        admin.dispose()
        separator = "&" if "?" in postgres else "?"
        try:
            measure(f"{postgres}{separator}options=-csearch_path%3D{schema}", "PostgreSQL", total)
        finally:
            admin = make_engine(postgres)
            with admin.begin() as conn:
                conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
            admin.dispose()


if __name__ == "__main__":
    main()
