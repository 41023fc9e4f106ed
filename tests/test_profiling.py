"""Profiling: one pass, bounded memory, every tabular format and database tables."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from kikz.errors import InvalidInput
from kikz.governance.profiling import profile_database_table, profile_file, shape
from kikz.governance.scan import analyse_file

GERMAN_CSV = (
    "Stadtteil;Einwohner;Anteil;Stichtag;Bemerkung\r\n"
    "Bürgel;12.345;12,5;31.12.2023;\r\n"
    "Rumpenheim;4.321;7,25;31.12.2023;k. A.\r\n"
    "Lauterborn;9.876;10,0;31.12.2022;neu\r\n"
    "Bürgel;12.001;12,0;31.12.2022;\r\n"
)


def write(tmp_path: Path, name: str, content: str, encoding: str = "cp1252") -> Path:
    path = tmp_path / name
    path.write_bytes(content.encode(encoding))
    return path


def test_german_csv_profile(tmp_path: Path) -> None:
    profile = profile_file(write(tmp_path, "einwohner.csv", GERMAN_CSV), "CSV")
    assert (profile.rows_seen, profile.rows_total, profile.sampled) == (4, 4, False)
    stadtteil, einwohner, anteil, stichtag, bemerkung = profile.columns
    assert (stadtteil.type, stadtteil.distinct, stadtteil.distinct_exact) == ("string", 3, True)
    assert (einwohner.type, einwohner.minimum, einwohner.maximum) == ("integer", "4.321", "12.345")
    assert (anteil.type, anteil.minimum, anteil.maximum) == ("number", "7,25", "12,5")
    assert (stichtag.minimum, stichtag.maximum) == ("31.12.2022", "31.12.2023")
    assert (bemerkung.nulls, bemerkung.count) == (3, 1)  # empty cells and "k. A." are missing values
    assert stadtteil.patterns[0] == ("Aa", 1.0)


def test_shapes() -> None:
    assert [shape(v) for v in ["Kaiserstraße 12a", "DE89 3704", "069/123-45"]] == ["Aa 9a", "A9 9", "9/9-9"]


def test_mixed_types_are_noted(tmp_path: Path) -> None:
    rows = "".join(f"{i};{i if i % 2 else 'unbekannt'}\n" for i in range(40))
    profile = profile_file(write(tmp_path, "mix.csv", "ID;Wert\n" + rows), "CSV")
    wert = profile.column("Wert")
    assert wert.mixed_types and wert.type_shares["integer"] == pytest.approx(0.5)
    assert any("Wert" in note and "mischt" in note for note in profile.notes)


def test_large_file_is_sampled_in_spread_windows(tmp_path: Path) -> None:
    lines = "".join(f"{i};Zählstelle {i % 7};{i % 13}\n" for i in range(60_000))
    path = write(tmp_path, "gross.csv", "ID;Zählstelle;Kfz\n" + lines, "utf-8")
    profile = profile_file(path, "CSV", max_rows=5_000)
    assert profile.sampled and profile.rows_seen < 10_000
    ids = profile.column("ID")
    assert int(ids.maximum or 0) > 50_000  # windows reach the end of the file, not only its head
    assert any("Stichprobe" in n for n in profile.notes)


def test_distinct_count_is_estimated_beyond_the_sketch(tmp_path: Path) -> None:
    lines = "".join(f"{i};x\n" for i in range(30_000))
    profile = profile_file(write(tmp_path, "ids.csv", "ID;K\n" + lines, "utf-8"), "CSV", sample_size=500)
    ids = profile.column("ID")
    assert not ids.distinct_exact and 25_000 < ids.distinct < 36_000
    assert len(ids.sample) == 500


def test_xlsx_json_geojson_parquet(tmp_path: Path) -> None:
    import openpyxl
    import pyarrow as pa
    import pyarrow.parquet as pq

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Name", "Geburtsdatum"])
    sheet.append(["Anna Schmidt", "03.07.1961"])
    sheet.append(["Mehmet Yılmaz", "21.12.1975"])
    book.save(tmp_path / "t.xlsx")
    (tmp_path / "t.json").write_text(
        json.dumps([{"Haltestelle": "Marktplatz", "Linien": 3}, {"Haltestelle": "Kaiserlei", "Linien": 2}])
    )
    (tmp_path / "t.geojson").write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "geometry": {"type": "Point", "coordinates": [8.7612, 50.1034]},
                        "properties": {"Art": "Linde"},
                    }
                ],
            }
        )
    )
    pq.write_table(
        pa.table({"Kfz": [10, 20, 30], "Straße": ["Kaiserstraße", "Waldstraße", None]}),
        tmp_path / "t.parquet",
    )
    assert profile_file(tmp_path / "t.xlsx", "XLSX").column("Name").count == 2
    assert profile_file(tmp_path / "t.json", "JSON").column("Linien").maximum == "3"
    assert profile_file(tmp_path / "t.geojson", "GEOJSON").rows_seen == 1
    parquet = profile_file(tmp_path / "t.parquet", "PARQUET")
    assert (parquet.column("Straße").nulls, parquet.column("Kfz").minimum) == (1, "10")


def test_bad_input_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput):
        profile_file(write(tmp_path, "leer.csv", ""), "CSV")
    binary = tmp_path / "bild.csv"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40)
    analysis = analyse_file(binary, "CSV")
    assert analysis.profile is None and analysis.proposal.contains_personal_data is None
    assert "PNG" in analysis.findings[0].message


def test_profile_database_table_of_the_test_database(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(
            text(
                "CREATE TABLE gov_personen (id INTEGER PRIMARY KEY, vorname VARCHAR(50), "
                "email VARCHAR(100), betrag NUMERIC(8,2))"
            )
        )
        conn.execute(
            text(
                "INSERT INTO gov_personen VALUES (1, 'Anna', 'anna.schmidt@web.de', 12.5), "
                "(2, 'Mehmet', 'm.yilmaz@gmx.de', 7.25), (3, NULL, 'k.nowak@t-online.de', 3)"
            )
        )
    url = engine.url.render_as_string(hide_password=False)
    profile = profile_database_table(url, "gov_personen")
    assert (profile.rows_seen, profile.rows_total, profile.format) == (3, 3, "SQL")
    assert profile.column("vorname").nulls == 1
    assert (profile.column("id").type, profile.column("betrag").type) == ("integer", "number")
    assert profile.column("betrag").maximum == "12.50"
    with pytest.raises(InvalidInput, match="gibt es in dieser Datenbank nicht"):
        profile_database_table(url, "gibt_es_nicht")
