"""DCAT-AP.de export speed: 10,000 datasets out of a catalogue of 100,000, in Turtle, RDF/XML and JSON-LD.

    .venv/bin/python -m benchmarks.dcat_export [--datasets 100000] [--export 10000] [--db var/bench-dcat.db]
        [--pg-schema NAME]

Target: under 10 s per format on the embedded default (SQLite). Set ``KIKZ_BENCH_POSTGRES_URL`` to run the
same on PostgreSQL (a fresh schema is created and dropped). The export is anonymous (published + öffentlich),
so the visibility filter is part of the measured SQL; also measured: one city's complete visible catalogue.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
import uuid
from pathlib import Path

from sqlalchemy import Engine, func, select, text

from benchmarks.catalog_fixture import load_datasets
from kikz.catalog.dcat.export import export_catalog
from kikz.catalog.dcat.rdfwriter import Format
from kikz.catalog.models import Dataset
from kikz.catalog.vocabularies import ensure_reference_data
from kikz.db import make_engine, make_sessionmaker
from kikz.models import Base
from kikz.tenancy.permissions import ANONYMOUS

FORMATS: tuple[Format, ...] = ("turtle", "xml", "json-ld")


def prepare(engine: Engine, n: int) -> None:
    Base.metadata.create_all(engine)
    with make_sessionmaker(engine).begin() as session:
        ensure_reference_data(session)
        have = session.scalar(select(func.count()).select_from(Dataset)) or 0
    if have < n:
        started = time.perf_counter()
        load_datasets(engine, n - have, seed=1)
        print(f"  loaded {n - have:,} datasets in {time.perf_counter() - started:.1f} s")


def run(engine: Engine, label: str, export: int) -> None:
    factory = make_sessionmaker(engine)
    print(f"{label}:")
    for fmt in FORMATS:
        for municipality, limit in ((None, export), ("offenbach", None)):
            with tempfile.TemporaryFile() as out, factory() as session:
                started = time.perf_counter()
                count = export_catalog(
                    session,
                    principal=ANONYMOUS,
                    fmt=fmt,
                    base_url="https://daten.example.de",
                    out=out,
                    municipality=municipality,
                    limit=limit,
                )
                seconds = time.perf_counter() - started
                size = out.tell()
            what = f"first {count:,} visible" if municipality is None else f"{municipality}, {count:,} visible"
            print(
                f"  {fmt:8s} {what:28s} {seconds:6.2f} s  {count / seconds:8.0f} datasets/s  "
                f"{size / 1e6:6.1f} MB  {'OK' if seconds < 10 else 'SLOW'}"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", type=int, default=100_000)
    parser.add_argument("--export", type=int, default=10_000)
    parser.add_argument("--db", type=Path, default=Path("var/bench-dcat.db"), help="SQLite file (kept, reused)")
    parser.add_argument("--pg-schema", default="", help="PostgreSQL schema to keep and reuse (default: a fresh one)")
    args = parser.parse_args()

    args.db.parent.mkdir(parents=True, exist_ok=True)
    engine = make_engine(f"sqlite:///{args.db.as_posix()}")
    prepare(engine, args.datasets)
    run(engine, f"SQLite ({args.datasets:,} datasets loaded)", args.export)
    engine.dispose()

    pg_url = os.environ.get("KIKZ_BENCH_POSTGRES_URL", "")
    if not pg_url:
        print("PostgreSQL: skipped (set KIKZ_BENCH_POSTGRES_URL)")
        return
    schema = args.pg_schema or "bench_" + uuid.uuid4().hex[:8]
    admin = make_engine(pg_url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
    try:
        sep = "&" if "?" in pg_url else "?"
        engine = make_engine(f"{pg_url}{sep}options=-csearch_path%3D{schema}")
        prepare(engine, args.datasets)
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))
        run(engine, f"PostgreSQL ({args.datasets:,} datasets loaded)", args.export)
        engine.dispose()
    finally:
        if not args.pg_schema:
            with admin.begin() as conn:
                conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


if __name__ == "__main__":
    main()
