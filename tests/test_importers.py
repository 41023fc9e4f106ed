"""Counter-file importers on small generated files: normal rows, bad rows, gaps, DST, re-import."""

from __future__ import annotations

import datetime as dt
import json
import math
from pathlib import Path

import pytest

from kikz.errors import InvalidInput
from kikz.sensors.importers import (
    ColumnMapping,
    RowError,
    import_ecocounter,
    import_generic,
    import_telraam,
)
from kikz.sensors.importers.ecocounter import channel_series
from kikz.sensors.kpi import BERLIN, CountSeries, dtv

UTC = dt.UTC


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=UTC)


TELRAAM_HEADER = (
    "instance_id,segment_id,date,interval,uptime,heavy,car,bike,pedestrian,night,"
    "heavy_lft,heavy_rgt,car_lft,car_rgt,bike_lft,bike_rgt,pedestrian_lft,pedestrian_rgt,night_lft,night_rgt,"
    "v85,car_speed_hist_0to70plus"
)


def telraam_row(date: str, uptime: str, car: str = "40.5", hist: str = "[10,20,30,20,10,5,3,2]") -> str:
    return f'-1,9000001234,{date},hourly,{uptime},4.2,{car},10,6.5,0,2,2.2,20,20.5,5,5,3,3.5,0,0,41.5,"{hist}"'


def test_telraam_csv(tmp_path: Path) -> None:
    path = tmp_path / "telraam.csv"
    rows = [
        TELRAAM_HEADER,
        telraam_row("2024-06-04 06:00:00+00", "0.8"),
        telraam_row("2024-06-04 07:00:00+00", "0.3"),  # low uptime → gap
        telraam_row("2024-06-04 08:00:00+00", "0.9", car="viele"),  # bad row, line 4
        telraam_row("2024-06-04 10:00:00+00", "0.75"),  # 08:00 (bad) and 09:00 are missing
    ]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    result = import_telraam(path)
    assert result.errors == [RowError(4, "Spalte 'car': 'viele' ist keine Zahl.")]
    car = [r for r in result.records if r.series_key == "telraam:9000001234:car"]
    assert [(r.phenomenon_start, r.value, r.quality) for r in car] == [
        (utc(2024, 6, 4, 6), 40.5, 0.8),
        (utc(2024, 6, 4, 10), 40.5, 0.75),
    ]
    assert car[0].phenomenon_end == utc(2024, 6, 4, 7)
    left = next(r for r in result.records if r.series_key == "telraam:9000001234:car_lft")
    assert left.value == 20
    v85 = next(r for r in result.records if r.series_key == "telraam:9000001234:v85")
    assert (v85.value, v85.unit) == (41.5, "km/h")
    car_gaps = [(g.start, g.end, g.reason) for g in result.gaps if g.series_key == "telraam:9000001234:car"]
    assert car_gaps == [
        (utc(2024, 6, 4, 7), utc(2024, 6, 4, 8), "low_uptime"),
        (utc(2024, 6, 4, 8), utc(2024, 6, 4, 10), "missing"),
    ]
    histogram = result.histograms[0]
    assert histogram.edges[:3] == (0.0, 10.0, 20.0) and math.isinf(histogram.edges[-1])
    assert len(histogram.edges) == len(histogram.shares) + 1 == 9
    # the same file again gives the same keys: storing by key makes re-import harmless
    again = import_telraam(path)
    assert [r.idempotency_key for r in again.records] == [r.idempotency_key for r in result.records]


def test_telraam_json_quarters(tmp_path: Path) -> None:
    report = [
        {
            "segment_id": 77,
            "date": f"2024-06-04T06:{m:02d}:00.000Z",
            "interval": "quarterly",
            "uptime": 0.9,
            "car": 3.3,
            "car_lft": 1.1,
            "car_rgt": 2.2,
            "bike": 1,
            "v85": None,
        }
        for m in (0, 15, 45)
    ]
    report.append({"segment_id": 77, "date": "2024-06-04T07:00:00.000Z", "interval": "quarterly", "uptime": 1.7})
    path = tmp_path / "report.json"
    path.write_text(json.dumps({"report": report}), encoding="utf-8")
    result = import_telraam(path)
    assert result.errors == [RowError(4, "Feld 'uptime': 1.7 liegt nicht zwischen 0 und 1.")]
    car = [r for r in result.records if r.series_key == "telraam:77:car"]
    assert [r.phenomenon_end - r.phenomenon_start for r in car] == [dt.timedelta(minutes=15)] * 3
    assert [(g.start, g.reason) for g in result.gaps if g.series_key == "telraam:77:car"] == [
        (utc(2024, 6, 4, 6, 30), "missing")
    ]
    assert not any(r.series_key == "telraam:77:v85" for r in result.records)


def test_telraam_rejects_non_json(tmp_path: Path) -> None:
    path = tmp_path / "report.json"
    path.write_text("{kaputt", encoding="utf-8")
    with pytest.raises(InvalidInput, match="kein lesbares JSON"):
        import_telraam(path)


def test_ecocounter_german_export(tmp_path: Path) -> None:
    path = tmp_path / "eco.csv"
    lines = [
        "Zählstelle Lahnbrücke Gießen;;;",
        "Zeit;Lahnbrücke;Lahnbrücke IN;Lahnbrücke (out)",
        "04.06.2024 00:00;5;2;3",
        "04.06.2024 01:00;7;3;4",
        "04.06.2024 02:00;x;1;1",
        "04.06.2024 04:00;1.234;600;634",
    ]
    path.write_text("\r\n".join(lines) + "\r\n", encoding="cp1252")
    result = import_ecocounter(path)
    assert result.errors == [RowError(5, "Spalte 'Lahnbrücke': 'x' ist keine Zahl.")]
    total = [(r.phenomenon_start, r.value) for r in result.records if r.series_key == "ecocounter:lahnbrücke:total"]
    # local CEST midnight is 22:00 UTC the day before; "1.234" is a German thousands separator
    assert total == [(utc(2024, 6, 3, 22), 5), (utc(2024, 6, 3, 23), 7), (utc(2024, 6, 4, 2), 1234)]
    assert {r.series_key for r in result.records} == {
        "ecocounter:lahnbrücke:total",
        "ecocounter:lahnbrücke:in",
        "ecocounter:lahnbrücke:out",
    }
    gaps = [(g.series_key, g.start, g.end) for g in result.gaps]
    # the bad row (02:00 local) drops all its channels; 03:00 local is absent from the file
    assert gaps == [(key, utc(2024, 6, 4, 0), utc(2024, 6, 4, 2)) for key in sorted({k for k, _s, _e in gaps})]
    assert len(gaps) == 3


def test_ecocounter_channel_names() -> None:
    assert channel_series("Hafen Richtung Ausgang") == "ecocounter:hafen:out"
    assert channel_series("Hafen - IN") == "ecocounter:hafen:in"
    assert channel_series("Hafen") == "ecocounter:hafen:total"


MAPPING = ColumnMapping(
    series_prefix="giessen:zs-017",
    timestamp="Datetime",
    total="Summe",
    channels={"Richtung Nord": "nord", "Richtung Süd": "sued"},
    status="Status",
)


def write_generic(path: Path, rows: list[str]) -> None:
    path.write_text("Datetime;Summe;Richtung Nord;Richtung Süd;Status\n" + "\n".join(rows) + "\n", encoding="utf-8")


def test_generic_autumn_dst_repeated_hour(tmp_path: Path) -> None:
    path = tmp_path / "zaehler.csv"
    times = ["01:45", "02:00", "02:15", "02:30", "02:45", "02:00", "02:15", "02:30", "02:45", "03:00"]
    write_generic(path, [f"27.10.2024 {t};3,5;1,5;2;ok" for t in times])
    result = import_generic(path, MAPPING)
    totals = [r for r in result.records if r.series_key == "giessen:zs-017:total"]
    assert len(totals) == 10 and result.gaps == [] and result.errors == []
    assert totals[0].phenomenon_start == utc(2024, 10, 26, 23, 45)
    assert totals[-1].phenomenon_start == utc(2024, 10, 27, 2, 0)
    assert totals[0].value == 3.5


def test_generic_spring_dst_and_bad_rows(tmp_path: Path) -> None:
    path = tmp_path / "zaehler.csv"
    write_generic(
        path,
        [
            "31.03.2024 01:30;4;2;2;ok",
            "31.03.2024 01:45;4;2;2;ok",
            "31.03.2024 02:30;4;2;2;ok",  # does not exist in Europe/Berlin
            "31.03.2024 03:00;4;2;2;ok",
            "31.03.2024 03:15;4;2;2;Störung",
            "31.03.2024 03:30;-1;2;2;ok",
            "31.03.2024 03:45;5;2;3;ok",
            "31.03.2024 03:45;6;3;3;ok",  # repeated row: the later one wins
        ],
    )
    result = import_generic(path, MAPPING)
    assert [e.line for e in result.errors] == [4, 7]
    assert "Sommerzeit" in result.errors[0].message
    total = {r.phenomenon_start: r.value for r in result.records if r.series_key == "giessen:zs-017:total"}
    assert total == {
        utc(2024, 3, 31, 0, 30): 4,
        utc(2024, 3, 31, 0, 45): 4,
        utc(2024, 3, 31, 1, 0): 4,
        utc(2024, 3, 31, 1, 45): 6,
    }
    gaps = [(g.start, g.reason) for g in result.gaps if g.series_key == "giessen:zs-017:total"]
    assert gaps == [(utc(2024, 3, 31, 1, 15), "Störung"), (utc(2024, 3, 31, 1, 30), "missing")]


def test_generic_timestamp_marks_end_and_mapping_errors(tmp_path: Path) -> None:
    path = tmp_path / "zaehler.csv"
    write_generic(path, ["2024-06-04T08:15:00+02:00;4;2;2;ok"])
    mapping = ColumnMapping("z", timestamp="Datetime", total="Summe", timestamp_marks="end")
    (record,) = import_generic(path, mapping).records
    assert (record.phenomenon_start, record.phenomenon_end) == (utc(2024, 6, 4, 6), utc(2024, 6, 4, 6, 15))
    with pytest.raises(InvalidInput, match="'Zeit'"):
        import_generic(path, ColumnMapping("z", timestamp="Zeit", total="Summe"))
    with pytest.raises(InvalidInput, match="Zeitzone"):
        import_generic(path, ColumnMapping("z", timestamp="Datetime", total="Summe", time_zone="Mond/Basis"))


def test_imported_counts_feed_the_kpis(tmp_path: Path) -> None:
    path = tmp_path / "zaehler.csv"
    day = [dt.datetime(2024, 6, 4, tzinfo=BERLIN) + dt.timedelta(minutes=15 * i) for i in range(96)]
    write_generic(path, [f"{t:%d.%m.%Y %H:%M};2;1;1;ok" for t in day[:-3]])  # last 3 quarters missing
    result = import_generic(path, MAPPING)
    total = [r for r in result.records if r.series_key == "giessen:zs-017:total"]
    series = CountSeries.from_pairs((r.phenomenon_start, r.value) for r in total)
    assert dtv(series).value == pytest.approx(2 * 96) and dtv(series).valid_days == 1
