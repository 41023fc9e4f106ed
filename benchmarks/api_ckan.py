"""Response times of the REST search and the CKAN Action API over a large catalogue, through the real app.

    .venv/bin/python -m benchmarks.api_ckan [--datasets 100000] [--repeat 5] [--db var/bench-api.db]

Prints the median and worst time of each request (anonymous caller, so the visibility filter is part of
the measured SQL). Set ``KIKZ_BENCH_POSTGRES_URL`` to run the same on PostgreSQL in a throw-away schema.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
import uuid
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select, text

from benchmarks.catalog_fixture import load_datasets
from kikz.app import create_app
from kikz.catalog.models import Dataset
from kikz.catalog.vocabularies import ensure_reference_data
from kikz.db import make_engine, make_sessionmaker
from kikz.models import Base
from kikz.settings import Settings

FACETS = json.dumps(["organization", "groups", "tags", "res_format", "license_id"])
REQUESTS: list[tuple[str, str, dict[str, str | int]]] = [
    ("REST search, text, 100 per page", "/api/v1/datasets", {"q": "Radverkehr", "per_page": 100}),
    ("REST browse, city filter", "/api/v1/datasets", {"city": "offenbach", "sort": "modified"}),
    (
        "CKAN package_search rows=10 + facets",
        "/api/3/action/package_search",
        {"q": "Baumkataster", "facet.field": FACETS},
    ),
    (
        "CKAN package_search rows=1000",
        "/api/3/action/package_search",
        {"rows": 1000, "sort": "metadata_modified desc"},
    ),
    (
        "CKAN package_search fq tags+org",
        "/api/3/action/package_search",
        {"fq": 'tags:"Radverkehr" organization:giessen', "rows": 100},
    ),
    ("CKAN package_list (all)", "/api/3/action/package_list", {}),
    ("CKAN organization_list all_fields", "/api/3/action/organization_list", {"all_fields": "true"}),
    ("CKAN group_list all_fields", "/api/3/action/group_list", {"all_fields": "true"}),
]


def prepare(engine: Engine, n: int) -> None:
    Base.metadata.create_all(engine)
    with make_sessionmaker(engine).begin() as session:
        ensure_reference_data(session)
        have = session.scalar(select(func.count()).select_from(Dataset)) or 0
    if have < n:
        started = time.perf_counter()
        load_datasets(engine, n - have, seed=1)
        print(f"  loaded {n - have:,} datasets in {time.perf_counter() - started:.1f} s")


def run(database_url: str, label: str, repeat: int) -> None:
    print(f"{label}:")
    with tempfile.TemporaryDirectory() as data_dir:
        settings = Settings(
            environment="test",
            data_dir=Path(data_dir),
            database_url=database_url,
            demo_data=False,
            _env_file=None,
        )
        with TestClient(create_app(settings)) as client:
            names = client.get("/api/3/action/package_list", params={"limit": 1}).json()["result"]
            shows = [("CKAN package_show", "/api/3/action/package_show", {"id": names[0]})] if names else []
            for what, path, params in REQUESTS + shows:
                client.get(path, params=params)  # warm caches, as a running server would have them
                times = []
                for _ in range(repeat):
                    started = time.perf_counter()
                    response = client.get(path, params=params)
                    times.append(time.perf_counter() - started)
                    assert response.status_code == 200, response.text[:300]
                size = len(response.content)
                print(
                    f"  {what:40s} median {statistics.median(times) * 1000:7.0f} ms  "
                    f"max {max(times) * 1000:7.0f} ms  {size / 1e3:8.0f} kB"
                )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--db", type=Path, default=Path("var/bench-api.db"), help="SQLite file (kept, reused)")
    args = parser.parse_args()

    args.db.parent.mkdir(parents=True, exist_ok=True)
    url = f"sqlite:///{args.db.resolve().as_posix()}"
    engine = make_engine(url)
    prepare(engine, args.datasets)
    engine.dispose()
    run(url, f"SQLite ({args.datasets:,} datasets)", args.repeat)

    pg_url = os.environ.get("KIKZ_BENCH_POSTGRES_URL", "")
    if not pg_url:
        print("PostgreSQL: skipped (set KIKZ_BENCH_POSTGRES_URL)")
        return
    schema = "bench_" + uuid.uuid4().hex[:8]
    admin = make_engine(pg_url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        sep = "&" if "?" in pg_url else "?"
        schema_url = f"{pg_url}{sep}options=-csearch_path%3D{schema}"
        engine = make_engine(schema_url)
        prepare(engine, args.datasets)
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))
        engine.dispose()
        run(schema_url, f"PostgreSQL ({args.datasets:,} datasets)", args.repeat)
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


if __name__ == "__main__":
    main()
