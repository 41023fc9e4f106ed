"""Time of the first start's demo load: file generation alone, then load_demo into a fresh database.

Prints seconds per phase, datasets, files and bytes. The load runs on every first start, so it should stay
well under 20 s on two cores.
Usage: .venv/bin/python benchmarks/demo_load.py [database-url]   (default: a temporary SQLite file)
"""

from __future__ import annotations

import sys
import tempfile
import time
import uuid
from pathlib import Path

from sqlalchemy import text

from kikz.catalog.vocabularies import ensure_reference_data
from kikz.db import make_engine, make_sessionmaker
from kikz.demo import build_table, load_demo
from kikz.demo.cities import CITIES
from kikz.demo.files import render
from kikz.demo.plan import specs_for
from kikz.models import Base
from kikz.settings import Settings
from kikz.storage import FileStore


def generate_only() -> tuple[float, int, int]:
    start = time.perf_counter()
    count = size = 0
    for city in CITIES:
        for spec in specs_for(city.slug):
            for file in spec.files:
                table = build_table(city, spec, file)
                size += len(render(table, file.fmt, name=file.filename))
                count += 1
    return time.perf_counter() - start, count, size


def full_load(url: str) -> None:
    schema = None
    admin = None
    if url.startswith("postgresql"):
        schema = "bench_demo_" + uuid.uuid4().hex[:8]
        admin = make_engine(url)
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        url = f"{url}{'&' if '?' in url else '?'}options=-csearch_path%3D{schema}"
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(environment="development", data_dir=Path(tmp), database_url=url, _env_file=None)
        engine = make_engine(settings.sqlalchemy_url)
        Base.metadata.create_all(engine)
        factory = make_sessionmaker(engine)
        with factory.begin() as session:
            ensure_reference_data(session)
        start = time.perf_counter()
        with factory.begin() as session:
            summary = load_demo(session, store=FileStore(settings.files_dir), settings=settings)
        took = time.perf_counter() - start
        engine.dispose()
    if admin is not None:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
    print(f"load_demo ({'PostgreSQL' if schema else 'SQLite'}): {took:.1f} s incl. commit")
    print(
        f"  {summary.datasets} datasets ({summary.published} published), {summary.files} files, "
        f"{summary.bytes / 1e6:.1f} MB, {summary.users} accounts"
    )


def main() -> None:
    took, count, size = generate_only()
    print(f"generate + render only: {took:.1f} s for {count} files, {size / 1e6:.1f} MB")
    full_load(sys.argv[1] if len(sys.argv) > 1 else "")


if __name__ == "__main__":
    main()
