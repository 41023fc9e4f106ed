"""Time of the demo's traffic counters: the numpy model alone, the first-start load, and the background jobs.

Prints the observations of the modelled year, how long the model takes, how long ``load_demo`` takes with the
networks (the part the first start waits for) and how long the sensor jobs need to store the year through
``store_observations`` with rollups, per Datastream and in total.
Usage: .venv/bin/python -m benchmarks.demo_sensors [database-url] [days]
       (default: a temporary SQLite file and all of 2025; KIKZ_BENCH_POSTGRES_URL works as the URL)
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
import uuid
from pathlib import Path

import numpy as np
from sqlalchemy import func, select, text

from kikz.catalog.vocabularies import ensure_reference_data
from kikz.db import make_engine, make_sessionmaker
from kikz.demo import load_demo, traffic_model
from kikz.demo.sensors import JOB_KIND, observations_job
from kikz.jobs import Job
from kikz.models import Base
from kikz.sensors.models import Observation, Rollup
from kikz.settings import Settings
from kikz.storage import FileStore


def model_only() -> None:
    traffic_model.site_year.cache_clear()
    start = time.perf_counter()
    count = 0
    for city, sites in traffic_model.NETWORKS.items():
        for site in sites:
            count += sum(
                int(np.count_nonzero(~np.isnan(v))) for v in traffic_model.site_year(city, site.number).values()
            )
    print(f"model (numpy), all sites of 2025: {time.perf_counter() - start:.2f} s for {count:,} observations")


def load(url: str, days: int) -> None:
    schema = admin = None
    if url.startswith("postgresql"):
        schema = "bench_sensors_" + uuid.uuid4().hex[:8]
        admin = make_engine(url)
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        url = f"{url}{'&' if '?' in url else '?'}options=-csearch_path%3D{schema}"
    label = "PostgreSQL" if schema else "SQLite"
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(environment="development", data_dir=Path(tmp), database_url=url, _env_file=None)
        engine = make_engine(settings.sqlalchemy_url)
        Base.metadata.create_all(engine)
        factory = make_sessionmaker(engine)
        with factory.begin() as session:
            ensure_reference_data(session)
        start = time.perf_counter()
        with factory.begin() as session:
            summary = load_demo(
                session, store=FileStore(settings.files_dir), settings=settings, sensor_days=days, sensor_inline=False
            )
        print(
            f"load_demo ({label}) incl. networks and commit: {time.perf_counter() - start:.1f} s; "
            f"{summary.sensor_sites} sites, {summary.datastreams} datastreams, {summary.sensor_jobs} jobs enqueued"
        )
        with factory() as session:
            queued = list(session.execute(select(Job.id, Job.payload).where(Job.kind == JOB_KIND).order_by(Job.id)))
        per_job = []
        start = time.perf_counter()
        for _job_id, payload in queued:
            began = time.perf_counter()
            with factory.begin() as session:
                observations_job(session, dict(payload))
            per_job.append(time.perf_counter() - began)
        took = time.perf_counter() - start
        with factory() as session:
            observations = session.scalar(select(func.count()).select_from(Observation)) or 0
            rollups = session.scalar(select(func.count()).select_from(Rollup)) or 0
        times = np.array(per_job)
        print(
            f"sensor jobs ({label}): {took:.1f} s for {observations:,} observations ({observations / took:,.0f}/s) "
            f"and {rollups:,} rollup rows; per datastream median {np.median(times):.2f} s, max {times.max():.2f} s"
        )
        engine.dispose()
    if admin is not None:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def main() -> None:
    model_only()
    url = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("KIKZ_BENCH_POSTGRES_URL", "")
    days = int(sys.argv[2]) if len(sys.argv) > 2 else traffic_model.DAYS
    load(url, days)


if __name__ == "__main__":
    main()
