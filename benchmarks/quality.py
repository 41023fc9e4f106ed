"""How long quality evaluations take: catalogue MQA of a whole city, and data quality of a large table.

    .venv/bin/python -m benchmarks.quality [--datasets 5000] [--rows 250000]

Loads the benchmark catalogue (``benchmarks.catalog_fixture``) into a throw-away SQLite database, scores
every city's open datasets with the full MQA method (DCAT export graph, SHACL, 23 indicators) and times a
data-quality run over a generated CSV (the row limit of the method is the default 250,000 rows). Prints
datasets per second and rows per second, and the peak memory of the process.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import resource
import tempfile
import time
from pathlib import Path

from sqlalchemy import func, select

from benchmarks.catalog_fixture import load_datasets
from kikz.catalog import tabular
from kikz.catalog.models import Dataset
from kikz.catalog.vocabularies import ensure_reference_data
from kikz.db import make_engine, make_sessionmaker
from kikz.governance.quality import dq, service
from kikz.governance.quality.tableschema import infer_schema
from kikz.models import Base
from kikz.tenancy.models import Municipality


def catalogue(n: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{tmp}/bench-quality.db")
        Base.metadata.create_all(engine)
        factory = make_sessionmaker(engine)
        with factory.begin() as session:
            ensure_reference_data(session)
        started = time.perf_counter()
        load_datasets(engine, n, seed=1)
        print(f"catalogue: {n:,} datasets loaded in {time.perf_counter() - started:.1f} s")
        with factory() as session:
            cities = list(session.scalars(select(Municipality).order_by(Municipality.slug)))
            total_open = 0
            started = time.perf_counter()
            for city in cities:
                t0 = time.perf_counter()
                result = service.mqa_for_city(session, municipality=city, record=False)
                seconds = time.perf_counter() - t0
                total_open += result.dataset_count
                rate = result.dataset_count / seconds if seconds else 0
                lost = sorted(result.indicators, key=lambda i: i.points - i.max_points)[:3]
                worst = ", ".join(f"{i.key} {i.points:g}/{i.max_points}" for i in lost if i.points < i.max_points)
                print(
                    f"  {city.slug:<10} {result.dataset_count:>6} open datasets  {result.score:6.1f} / 405 "
                    f"{result.band_label_de:<12} {seconds:6.2f} s ({rate:,.0f} datasets/s); lost: {worst}"
                )
            seconds = time.perf_counter() - started
            all_datasets = session.scalar(select(func.count()).select_from(Dataset))
            print(
                f"  all cities: {total_open:,} of {all_datasets:,} datasets scored in {seconds:.1f} s "
                f"({total_open / seconds:,.0f} datasets/s)"
            )
        engine.dispose()


def table(rows: int) -> None:
    rng = random.Random(1)
    start = dt.date(2020, 1, 1)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "zaehlung.csv"
        with path.open("w", encoding="utf-8") as fh:
            fh.write("ID;Datum;Zählstelle;Gesamt;Richtung 1;Richtung 2;Bemerkung\n")
            for i in range(rows):
                a, b = rng.randint(0, 900), rng.randint(0, 900)
                note = "" if rng.random() < 0.7 else rng.choice(["Baustelle", "Ausfall", "k.A."])
                day = (start + dt.timedelta(days=i % 2000)).strftime("%d.%m.%Y")
                fh.write(f"{i};{day};Zählstelle {i % 40};{a + b};{a};{b};{note}\n")
        size = path.stat().st_size
        info = tabular.describe(path, "CSV")
        schema = infer_schema([c.as_dict() for c in info.columns])
        started = time.perf_counter()
        assessment = dq.assess_rows(
            tabular.iter_rows(path, "CSV"),
            header=info.header,
            schema=schema,
            decimal=info.decimal,
            rows_total=info.row_count,
        )
        seconds = time.perf_counter() - started
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux reports KiB
    scores = ", ".join(f"{k} {v.score}" for k, v in assessment.dimensions.items())
    print(
        f"table: {assessment.rows:,} rows x {len(info.columns)} columns ({size / 1e6:.1f} MB CSV) read and "
        f"checked in {seconds:.2f} s ({assessment.rows / seconds:,.0f} rows/s), "
        f"peak RSS of the process {peak / 1e6:.0f} MB"
    )
    print(f"  {scores}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--datasets", type=int, default=5000)
    parser.add_argument("--rows", type=int, default=dq.ROW_LIMIT)
    args = parser.parse_args()
    catalogue(args.datasets)
    table(args.rows)


if __name__ == "__main__":
    main()
