"""Catalogue search benchmark: 100,000 datasets, a realistic mix of queries, three kinds of principal.

    .venv/bin/python -m benchmarks.search          # SQLite, cached in benchmarks/out/search-100000.db
    KIKZ_BENCH_POSTGRES_URL=postgresql://postgres@127.0.0.1:5432/test .venv/bin/python -m benchmarks.search
    .venv/bin/python -m benchmarks.search --datasets 20000 --queries 600 --sqlite-path /tmp/cat.db
    .venv/bin/python -m benchmarks.search --skip-sqlite --pg-schema bench_search_100k   # keep/reuse it

Prints the in-process index build time and memory, then p50/p95/p99 latency and queries/s for

* steady state (index current, visibility memo warm),
* the first query of each principal after a committed catalogue change (index catches up one dataset,
  the visibility memo is re-asked for the changed dataset only),
* a cold visibility memo (new principal or memo expired: the full ``visible()`` id query runs),

per backend, and per query kind and principal for the steady state. The load average is printed beside
the figures: the machine is shared. A fresh PostgreSQL schema is dropped afterwards unless --pg-schema names
one to keep.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
import uuid
from collections import defaultdict
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, inspect, text
from sqlalchemy.orm import Session, sessionmaker

from benchmarks.catalog_fixture import load_datasets
from kikz.catalog import search_runtime
from kikz.catalog.models import Dataset
from kikz.catalog.search import index_dataset, search_datasets
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
    {"city": ["fulda"]},
    {"theme": ["TRAN"]},
    {"format": ["CSV"]},
    {"license": ["dl-by-de/2.0"]},
    {"city": ["giessen", "marburg"], "theme": ["ENVI"]},
    {"class": ["oeffentlich"]},
    {"format": ["GEOJSON"], "city": ["offenbach"]},
]


def query_mix(n: int, seed: int = 7) -> list[tuple[str, dict[str, Any]]]:
    """(kind, search kwargs) for n queries: the shape of traffic on a municipal portal."""
    rng = random.Random(seed)
    kinds = [
        ("single", 25),
        ("compound", 20),
        ("two_words", 15),
        ("filtered", 15),
        ("empty", 8),
        ("empty_filtered", 7),
        ("deep_page", 5),
        ("common", 3),
        ("title_sort", 2),
    ]
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
        ids: dict[str, int] = {slug: mid for slug, mid in conn.execute(text("SELECT slug, id FROM municipality"))}
    net = frozenset(ids[s] for s in ("offenbach", "giessen", "wetzlar", "fulda", "marburg", "limburg"))
    staff = Principal(
        user_id=10**9,
        email="staff@offenbach.de",
        roles={ids["offenbach"]: frozenset({Role.STAFF})},
        network_cities=net & {ids["offenbach"]},
    )
    steward = Principal(
        user_id=10**9 + 1,
        email="steward@giessen.de",
        roles={ids["giessen"]: frozenset({Role.DATA_STEWARD})},
        network_cities=net & {ids["giessen"]},
    )
    return [("anonymous", ANONYMOUS), ("staff", staff), ("steward", steward)]


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def summary(label: str, timings: list[float], wall: float) -> None:
    p50, p95, p99 = (percentile(timings, p) for p in (50, 95, 99))
    print(
        f"  {label:28} n={len(timings):4}  p50 {p50:6.1f}  p95 {p95:6.1f}  p99 {p99:6.1f}  "
        f"max {max(timings):7.1f} ms  {len(timings) / wall:6.1f} q/s"
    )


def rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6


def load_average() -> str:
    return " ".join(f"{v:.2f}" for v in os.getloadavg())


def timed(factory: sessionmaker[Session], principal: Principal, kwargs: dict[str, Any]) -> float:
    with factory() as session:
        t0 = time.perf_counter()
        search_datasets(session, principal=principal, **kwargs)
        return (time.perf_counter() - t0) * 1000


def touch_one(factory: sessionmaker[Session], rng: random.Random, top: int) -> None:
    """A committed catalogue change: one dataset re-indexed (as an edit in the UI would do)."""
    with factory.begin() as session:
        dataset = session.get(Dataset, rng.randint(1, top))
        if dataset is not None:
            dataset.description = dataset.description + " "
            index_dataset(session, dataset)


def run(engine: Engine, label: str, n_queries: int) -> None:
    factory = make_sessionmaker(engine)
    people = principals(engine)
    mix = query_mix(n_queries)
    holder = search_runtime.holder_for(engine)
    holder.snapshot = None
    holder.memos.clear()
    before = rss_mb()
    t0 = time.perf_counter()
    with factory() as session:
        search_datasets(session, principal=ANONYMOUS, query="", limit=1)
    first = time.perf_counter() - t0
    snap = holder.snapshot
    assert snap is not None
    arrays = sum(
        a.nbytes
        for a in (
            snap.base.ids,
            snap.base.term_offsets,
            snap.base.post_pos,
            snap.base.post_weight,
            snap.base.facet_pos,
            snap.base.modified,
            snap.base.title_rank,
            snap.lookup,
        )
    )
    grown = rss_mb() - before
    print(
        f"\n[{label}] index of {len(snap.base.ids)} datasets, {len(snap.base.post_pos)} postings, "
        f"{len(snap.base.terms)} terms: built in {holder.last_build_seconds:.2f} s (first search "
        f"{first:.2f} s); numpy arrays {arrays / 1e6:.1f} MB, process RSS +{grown:.0f} MB"
    )
    with factory() as session:  # warm caches the way a running server has them
        for _, principal in people:
            for _, kwargs in mix[:10]:
                search_datasets(session, principal=principal, **kwargs)

    print(f"[{label}] load average before: {load_average()}")
    timings: list[float] = []
    per_kind: dict[str, list[float]] = defaultdict(list)
    per_who: dict[str, list[float]] = defaultdict(list)
    started = time.perf_counter()
    for i, (kind, kwargs) in enumerate(mix):
        who, principal = people[i % len(people)]
        elapsed = timed(factory, principal, kwargs)
        timings.append(elapsed)
        per_kind[kind].append(elapsed)
        per_who[who].append(elapsed)
    summary("steady state", timings, time.perf_counter() - started)

    rng = random.Random(3)
    with engine.connect() as conn:
        top = int(conn.execute(text("SELECT max(id) FROM dataset")).scalar() or 1)
    after_change: list[float] = []
    busy = 0.0
    for i in range(0, n_queries, len(people)):
        touch_one(factory, rng, top)
        t0 = time.perf_counter()
        for j, (_, principal) in enumerate(people):
            after_change.append(timed(factory, principal, mix[(i + j) % len(mix)][1]))
        busy += time.perf_counter() - t0
    summary("first query after a change", after_change, busy)

    cold: list[float] = []
    busy = 0.0
    for i, (_, kwargs) in enumerate(mix):
        holder.memos.clear()
        t0 = time.perf_counter()
        cold.append(timed(factory, people[i % len(people)][1], kwargs))
        busy += time.perf_counter() - t0
    summary("cold visibility memo", cold, busy)
    print(f"[{label}] load average after: {load_average()}")
    for name, group in (("kind", per_kind), ("principal", per_who)):
        for key, values in sorted(group.items()):
            print(
                f"  {name:9} {key:15} n={len(values):4}  p50 {percentile(values, 50):7.1f}  "
                f"p95 {percentile(values, 95):7.1f}  mean {statistics.fmean(values):7.1f} ms"
            )


def build(engine: Engine, n: int, label: str) -> None:
    Base.metadata.create_all(engine)
    with make_sessionmaker(engine).begin() as session:
        ensure_reference_data(session)
    t0 = time.perf_counter()
    load_datasets(engine, n)
    with engine.begin() as conn:
        conn.execute(text("ANALYZE"))
    print(f"[{label}] loaded and indexed {n} datasets in {time.perf_counter() - t0:.1f} s")


def has_catalogue(engine: Engine) -> bool:
    """A loaded catalogue whose tables have every column the models have now (else it is rebuilt)."""
    with engine.connect() as conn:
        inspector = inspect(conn)
        for table in Base.metadata.sorted_tables:
            if inspector.has_table(table.name):
                present = {c["name"] for c in inspector.get_columns(table.name)}
                if set(table.columns.keys()) - present:
                    return False
        return bool(inspector.has_table("dataset")) and bool(
            conn.execute(text("SELECT count(*) FROM dataset")).scalar()
        )


def sqlite_run(args: argparse.Namespace) -> None:
    path = Path(args.sqlite_path or f"benchmarks/out/search-{args.datasets}.db")
    path.parent.mkdir(parents=True, exist_ok=True)
    engine = make_engine(f"sqlite:///{path}")
    if has_catalogue(engine):
        print(f"[sqlite] reusing {path}")
        Base.metadata.create_all(engine)  # tables added since the file was made
    else:
        engine.dispose()
        for stale in path.parent.glob(path.name + "*"):
            stale.unlink()
        engine = make_engine(f"sqlite:///{path}")
        build(engine, args.datasets, "sqlite")
    run(engine, "sqlite", args.queries)
    engine.dispose()


def postgres_run(args: argparse.Namespace, url: str) -> None:
    schema = args.pg_schema or "bench_" + uuid.uuid4().hex[:10]
    admin = make_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
    sep = "&" if "?" in url else "?"
    engine = make_engine(f"{url}{sep}options=-csearch_path%3D{schema}")
    try:
        if has_catalogue(engine):
            print(f"[postgresql] reusing schema {schema}")
            Base.metadata.create_all(engine)
        else:
            with admin.begin() as conn:  # an outdated schema is loaded again
                conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
                conn.execute(text(f'CREATE SCHEMA "{schema}"'))
            build(engine, args.datasets, "postgresql")
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("VACUUM ANALYZE"))  # index-only scans need the visibility map
        run(engine, "postgresql", args.queries)
    finally:
        engine.dispose()
        if not args.pg_schema:
            with admin.begin() as conn:
                conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--datasets", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=600)
    parser.add_argument("--sqlite-path", default="", help="reuse (or create) this SQLite file")
    parser.add_argument("--pg-schema", default="", help="reuse (or create) and keep this PostgreSQL schema")
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
