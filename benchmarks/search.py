"""Catalogue search benchmark: 100,000 datasets, a realistic mix of queries, three kinds of principal.

    .venv/bin/python -m benchmarks.search                 # SQLite file in a temp dir
    KIKZ_BENCH_POSTGRES_URL=postgresql://postgres@127.0.0.1:5432/test .venv/bin/python -m benchmarks.search
    .venv/bin/python -m benchmarks.search --datasets 20000 --queries 600 --sqlite-path /tmp/cat.db

Prints index build time, then p50/p95/p99 latency and queries/s per backend and per query kind.
PostgreSQL runs in a fresh schema that is dropped afterwards.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, text

from benchmarks.catalog_fixture import load_datasets
from kikz.catalog.search import search_datasets
from kikz.catalog.vocabularies import ensure_reference_data
from kikz.db import make_engine, make_sessionmaker
from kikz.models import Base
from kikz.tenancy.permissions import ANONYMOUS, Principal
from kikz.types import Role

SINGLE = [
    "Rad",
    "Baum",
    "Bäume",
    "Kita",
    "Haltestelle",
    "Parkhaus",
    "Wahl",
    "Haushalt",
    "Luft",
    "Lärm",
    "Schule",
    "Spielplatz",
    "Feuerwehr",
    "Hochwasser",
    "Unfall",
    "Baustelle",
    "Friedhof",
    "Energie",
    "Bibliothek",
    "Denkmal",
    "Wasser",
    "Ladesäule",
    "Solar",
    "Einwohner",
    "Trinkbrunnen",
    "Statistik",
]
COMPOUND = [
    "Radverkehrszählung",
    "Zählung",
    "Radweg",
    "Baumkataster",
    "Verkehrsunfälle",
    "Kindertagesstätte",
    "Wahlergebnisse",
    "Parkhausbelegung",
    "Luftqualität",
    "Straßenbeleuchtung",
    "Grünflächen",
    "Baumstandorte",
    "Lärmkartierung",
    "Photovoltaik",
    "Geschwindigkeitsmessung",
    "Zaehlstelle",
]
TWO_WORDS = [
    "Radverkehr Innenstadt",
    "Baumkataster Fulda",
    "Kita Gießen",
    "Haushalt 2021",
    "Luftqualität Marburg",
    "Unfall Wetzlar",
    "Wahl 2016",
    "Spielplatz Kinder",
    "Energie Verbrauch",
    "Schule Offenbach",
    "Lärm Straße",
    "Parken Echtzeit",
]
COMMON = ["Stadt", "Daten", "2019"]
FILTERS: list[dict[str, list[str]]] = [
    {"city": ["fulda"]}, {"theme": ["TRAN"]}, {"format": ["CSV"]}, {"license": ["dl-by-de/2.0"]},
    {"city": ["giessen", "marburg"], "theme": ["ENVI"]}, {"class": ["oeffentlich"]},
    {"format": ["GEOJSON"], "city": ["offenbach"]},
]  # fmt: skip


def query_mix(n: int, seed: int = 7) -> list[tuple[str, dict[str, Any]]]:
    """(kind, search kwargs) for n queries: the shape of traffic on a municipal portal."""
    rng = random.Random(seed)
    kinds = [("single", 25), ("compound", 20), ("two_words", 15), ("filtered", 15), ("empty", 8),
             ("empty_filtered", 7), ("deep_page", 5), ("common", 3), ("title_sort", 2)]  # fmt: skip
    out = []
    for _ in range(n):
        kind = rng.choices([k for k, _ in kinds], weights=[w for _, w in kinds])[0]
        kwargs: dict[str, Any] = {}
        if kind == "single":
            kwargs["query"] = rng.choice(SINGLE)
        elif kind == "compound":
            kwargs["query"] = rng.choice(COMPOUND)
        elif kind == "two_words":
            kwargs["query"] = rng.choice(TWO_WORDS)
        elif kind == "filtered":
            kwargs = {"query": rng.choice(SINGLE + COMPOUND), "filters": rng.choice(FILTERS)}
        elif kind == "empty_filtered":
            kwargs["filters"] = rng.choice(FILTERS)
        elif kind == "deep_page":
            kwargs = {"query": rng.choice(SINGLE), "offset": rng.choice([200, 500, 1000])}
        elif kind == "common":
            kwargs["query"] = rng.choice(COMMON)
        elif kind == "title_sort":
            kwargs = {"query": rng.choice(SINGLE), "sort": "title"}
        out.append((kind, kwargs))
    return out


def principals(engine: Engine) -> list[tuple[str, Principal]]:
    with engine.connect() as conn:
        ids: dict[str, int] = {
            slug: mid for slug, mid in conn.execute(text("SELECT slug, id FROM municipality"))
        }
    net = frozenset(ids[s] for s in ("offenbach", "giessen", "wetzlar", "fulda", "marburg", "limburg"))
    staff = Principal(user_id=10**9, email="staff@offenbach.de",
                      roles={ids["offenbach"]: frozenset({Role.STAFF})},
                      network_cities=net & {ids["offenbach"]})  # fmt: skip
    steward = Principal(user_id=10**9 + 1, email="steward@giessen.de",
                        roles={ids["giessen"]: frozenset({Role.DATA_STEWARD})},
                        network_cities=net & {ids["giessen"]})  # fmt: skip
    return [("anonymous", ANONYMOUS), ("staff", staff), ("steward", steward)]


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def run(engine: Engine, label: str, n_queries: int) -> None:
    factory = make_sessionmaker(engine)
    people = principals(engine)
    mix = query_mix(n_queries)
    with factory() as session:  # warm caches the way a running server has them
        for _, kwargs in mix[:30]:
            search_datasets(session, principal=ANONYMOUS, **kwargs)
    timings: list[float] = []
    per_kind: dict[str, list[float]] = defaultdict(list)
    per_who: dict[str, list[float]] = defaultdict(list)
    started = time.perf_counter()
    for i, (kind, kwargs) in enumerate(mix):
        who, principal = people[i % len(people)]
        with factory() as session:
            t0 = time.perf_counter()
            search_datasets(session, principal=principal, **kwargs)
            elapsed = (time.perf_counter() - t0) * 1000
        timings.append(elapsed)
        per_kind[kind].append(elapsed)
        per_who[who].append(elapsed)
    wall = time.perf_counter() - started
    print(f"\n[{label}] {len(timings)} queries: p50 {percentile(timings, 50):.1f} ms, "
          f"p95 {percentile(timings, 95):.1f} ms, p99 {percentile(timings, 99):.1f} ms, "
          f"max {max(timings):.1f} ms, {len(timings) / wall:.1f} queries/s (one connection)")  # fmt: skip
    for name, group in (("kind", per_kind), ("principal", per_who)):
        for key, values in sorted(group.items()):
            print(f"  {name:9} {key:15} n={len(values):4}  p50 {percentile(values, 50):7.1f}  "
                  f"p95 {percentile(values, 95):7.1f}  mean {statistics.fmean(values):7.1f} ms")  # fmt: skip


def build(engine: Engine, n: int, label: str) -> None:
    Base.metadata.create_all(engine)
    with make_sessionmaker(engine).begin() as session:
        ensure_reference_data(session)
    t0 = time.perf_counter()
    load_datasets(engine, n)
    with engine.begin() as conn:
        conn.execute(text("ANALYZE"))
    print(f"[{label}] loaded and indexed {n} datasets in {time.perf_counter() - t0:.1f} s")


def sqlite_run(args: argparse.Namespace) -> None:
    path = Path(args.sqlite_path) if args.sqlite_path else Path(tempfile.mkdtemp()) / "catalog.db"
    engine = make_engine(f"sqlite:///{path}")
    with engine.connect() as conn:
        present = conn.execute(text("SELECT count(*) FROM sqlite_master WHERE name = 'dataset'")).scalar()
    if present and args.sqlite_path:
        print(f"[sqlite] reusing {path}")
    else:
        build(engine, args.datasets, "sqlite")
    run(engine, "sqlite", args.queries)
    engine.dispose()


def postgres_run(args: argparse.Namespace, url: str) -> None:
    schema = "bench_" + uuid.uuid4().hex[:10]
    admin = make_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in url else "?"
    engine = make_engine(f"{url}{sep}options=-csearch_path%3D{schema}")
    try:
        build(engine, args.datasets, "postgresql")
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))  # index-only scans need the visibility map
        run(engine, "postgresql", args.queries)
    finally:
        engine.dispose()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--datasets", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=600)
    parser.add_argument("--sqlite-path", default="", help="reuse (or create) this SQLite file")
    parser.add_argument("--skip-sqlite", action="store_true")
    args = parser.parse_args(argv)
    if not args.skip_sqlite:
        sqlite_run(args)
    url = os.environ.get("KIKZ_BENCH_POSTGRES_URL", "")
    if url:
        postgres_run(args, url)
    return 0


if __name__ == "__main__":
    sys.exit(main())
