"""Throughput of tabular.describe() on a 1,000,000-row, 20-column CSV as German offices export it.

Semicolon-separated, Windows-1252, decimal comma, German dates. Prints rows/s and MB/s.
Usage: .venv/bin/python benchmarks/tabular_describe.py [rows]
"""

from __future__ import annotations

import random
import resource
import sys
import tempfile
import time
from pathlib import Path

from kikz.catalog import tabular

COLUMNS = 20
STREETS = ["Bahnhofstraße", "Marktplatz", "Seltersweg", "Frankfurter Straße", "Domplatz", "Kaiserstraße"]
CITIES = ["Gießen", "Offenbach", "Wetzlar", "Fulda", "Marburg", "Limburg"]


def write_csv(path: Path, rows: int) -> None:
    rnd = random.Random(42)
    header = ";".join(f"Spalte_{i}" for i in range(COLUMNS - 6))
    with path.open("w", encoding="cp1252", newline="") as fh:
        fh.write(f"ID;Stadt;Straße;Datum;Betrag €;Aktiv;{header}\r\n")
        for n in range(rows):
            values = [
                str(n),
                CITIES[n % len(CITIES)],
                f"{STREETS[n % len(STREETS)]} {n % 200 + 1}",
                f"{n % 28 + 1:02d}.{n % 12 + 1:02d}.2024",
                f"{rnd.randint(0, 99_999):,}".replace(",", ".") + f",{rnd.randint(0, 99):02d}",
                "ja" if n % 3 else "nein",
            ]
            values += [str(rnd.randint(0, 10_000)) for _ in range(COLUMNS - len(values))]
            fh.write(";".join(values) + "\r\n")


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "gross.csv"
        start = time.perf_counter()
        write_csv(path, rows)
        took = time.perf_counter() - start
        print(f"generated {rows:,} rows, {path.stat().st_size / 1e6:.1f} MB in {took:.1f} s")
        start = time.perf_counter()
        info = tabular.describe(path, "CSV")
        elapsed = time.perf_counter() - start
        assert info.row_count == rows, info.row_count
        size_mb = path.stat().st_size / 1e6
        print(f"describe: {elapsed:.2f} s, {rows / elapsed:,.0f} rows/s, {size_mb / elapsed:.1f} MB/s")
        print(f"encoding={info.encoding} delimiter={info.delimiter!r} decimal={info.decimal!r}")
        print("columns:", ", ".join(f"{c.name}:{c.type}" for c in info.columns[:6]), "...")
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"peak RSS of the process: {peak:.0f} MB")


if __name__ == "__main__":
    main()
