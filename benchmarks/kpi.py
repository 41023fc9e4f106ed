"""Traffic KPIs on one counter-year of 15-minute data, and on 100 counters; plus importing one year of CSV.

Synthetic counts with a daily profile, weekday effects and 2 % missing intervals. Prints seconds
per counter-year for the full KPI set (DTV, DTVw, per direction, DTVSV/pSV, Spitzenstunde, MSV30,
modal split) and the import rate of the generic 15-minute CSV importer.
Usage: .venv/bin/python benchmarks/kpi.py [counters]
"""

from __future__ import annotations

import datetime as dt
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from kikz.sensors import kpi
from kikz.sensors.importers import ColumnMapping, import_generic

YEAR_START = int(dt.datetime(2024, 1, 1, tzinfo=kpi.BERLIN).timestamp())
YEAR_END = int(dt.datetime(2025, 1, 1, tzinfo=kpi.BERLIN).timestamp())


def synthetic(seed: int, scale: float) -> kpi.CountSeries:
    rnd = np.random.default_rng(seed)
    start = np.arange(YEAR_START, YEAR_END, 900, dtype=np.int64)
    hour = (start // 3600 + 1) % 24
    profile = 0.2 + np.exp(-((hour - 8) ** 2) / 4) + 0.8 * np.exp(-((hour - 17) ** 2) / 6)
    values = rnd.poisson(scale * profile).astype(np.float64)
    values[rnd.random(start.size) < 0.02] = np.nan
    return kpi.CountSeries(start, values, 900)


def all_kpis(north: kpi.CountSeries, south: kpi.CountSeries, heavy: kpi.CountSeries, bike: kpi.CountSeries) -> float:
    total = kpi.combine([north, south])
    results = [kpi.dtv(total), kpi.dtvw(total), kpi.dtvw(total, variant="mo-sa"), kpi.peak_hour(total), kpi.msv(total)]
    results += list(kpi.dtv_by_direction({"nord": north, "süd": south}).values())
    results += list(kpi.heavy_vehicle_share(total, heavy))
    results.append(kpi.modal_split({"kfz": total, "rad": bike}))
    return float(results[0].value or 0.0)


def german(value: float) -> str:
    return "" if np.isnan(value) else f"{value:.1f}".replace(".", ",")


def main() -> None:
    counters = int(sys.argv[1]) if len(sys.argv) > 1 else 100
    data = [tuple(synthetic(seed * 4 + k, s) for k, s in enumerate((60, 55, 6, 10))) for seed in range(counters)]
    began = time.perf_counter()
    first = all_kpis(*data[0])
    one = time.perf_counter() - began
    print(f"one counter-year ({data[0][0].start.size} quarter-hours x 4 series): {one * 1000:.1f} ms, DTV {first:.0f}")
    began = time.perf_counter()
    for series in data:
        all_kpis(*series)
    many = time.perf_counter() - began
    print(f"{counters} counter-years: {many:.2f} s ({many / counters * 1000:.1f} ms per counter)")

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "zaehler.csv"
        north, south = data[0][0], data[0][1]
        with path.open("w", encoding="utf-8") as fh:
            fh.write("Datetime;Summe;Nord;Süd;Status\n")
            for t, a, b in zip(north.start, north.values, south.values, strict=True):
                local = dt.datetime.fromtimestamp(int(t), kpi.BERLIN).strftime("%d.%m.%Y %H:%M")
                fh.write(f"{local};{german(a + b)};{german(a)};{german(b)};ok\n")
        mapping = ColumnMapping("bench", timestamp="Datetime", total="Summe", channels={"Nord": "n", "Süd": "s"})
        began = time.perf_counter()
        result = import_generic(path, mapping)
        took = time.perf_counter() - began
        rows = north.start.size
        print(
            f"generic CSV import of one year: {rows} rows, {len(result.records)} records, "
            f"{len(result.gaps)} gaps, {len(result.errors)} bad rows in {took:.2f} s ({rows / took:,.0f} rows/s)"
        )


if __name__ == "__main__":
    main()
