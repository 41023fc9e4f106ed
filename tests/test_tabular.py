"""Reading tabular files the way German municipalities produce them; every input is generated here."""

from __future__ import annotations

import datetime as dt
import io
import json
import tracemalloc
import zipfile
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from openpyxl import Workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from kikz.catalog import tabular
from kikz.catalog.tabular import csvfile, textfile, xlsxfile
from kikz.errors import InvalidInput, NotFound, TooLarge

CET = dt.timezone(dt.timedelta(hours=1))


def write(tmp_path: Path, data: bytes | str, name: str = "datei", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(data.encode(encoding) if isinstance(data, str) else data)
    return path


def columns(info: tabular.TableInfo) -> list[tuple[str, str]]:
    return [(c.name, c.type) for c in info.columns]


# --- CSV dialects -----------------------------------------------------------------------------

GERMAN = "Stadt;Einwohner;Fläche km²;Stichtag\nGießen;90.131;72,56;31.12.2023\nWetzlar;53.123;75,67;31.12.2023\n"

CSV_CASES = [
    pytest.param(
        GERMAN.encode("utf-8"),
        ("utf-8", ";", ","),
        [("Stadt", "string"), ("Einwohner", "integer"), ("Fläche km²", "number"), ("Stichtag", "date")],
        2,
        id="utf8-semicolon-decimal-comma",
    ),
    pytest.param(
        b"\xef\xbb\xbfid,name,wert\n1,Offenbach,1.5\n2,Fulda,2.25\n",
        ("utf-8-sig", ",", "."),
        [("id", "integer"), ("name", "string"), ("wert", "number")],
        2,
        id="utf8-bom-comma-decimal-point",
    ),
    pytest.param(
        "Straße;Ort;Gebühr\nBahnhofstraße 1;Gießen;1.234,56 €\nSeltersweg 2;Gießen;12,00 €\n".encode("cp1252"),
        ("windows-1252", ";", ","),
        [("Straße", "string"), ("Ort", "string"), ("Gebühr", "string")],
        2,
        id="cp1252-umlauts-euro",
    ),
    pytest.param(
        b"Ort;Notiz\nGie\xdfen;a\x81b\n",
        ("iso-8859-1", ";", ","),
        [("Ort", "string"), ("Notiz", "string")],
        1,
        id="latin1-when-bytes-undefined-in-cp1252",
    ),
    pytest.param(
        "Zählstelle\tDatum\tAnzahl\nA\t2024-12-31\t17\nB\t2024-12-30\t4\n".encode("utf-16"),
        ("utf-16", "\t", ","),
        [("Zählstelle", "string"), ("Datum", "date"), ("Anzahl", "integer")],
        2,
        id="utf16-tab-excel-unicode-text",
    ),
    pytest.param(
        b"a|b|c\n1|2|3\n4|5|6\n",
        ("utf-8", "|", ","),
        [("a", "integer"), ("b", "integer"), ("c", "integer")],
        2,
        id="pipe",
    ),
    pytest.param(
        b'Name;Beschreibung;Wert\r\n"Meier; Anna";"zwei\r\nZeilen";"1,5"\r\nSchulz;"mit ""Zitat""";2\r\n',
        ("utf-8", ";", ","),
        [("Name", "string"), ("Beschreibung", "string"), ("Wert", "number")],
        2,
        id="quoted-delimiter-newline-crlf",
    ),
    pytest.param(
        b"a;b\r1;2\r3;4\r",
        ("utf-8", ";", ","),
        [("a", "integer"), ("b", "integer")],
        2,
        id="old-mac-cr-only",
    ),
    pytest.param(
        b"1;2,5;31.12.2024\n2;3,5;01.01.2025\n3;4;02.01.2025\n",
        ("utf-8", ";", ","),
        [("Spalte 1", "integer"), ("Spalte 2", "number"), ("Spalte 3", "date")],
        3,
        id="no-header",
    ),
    pytest.param(
        b"Stadtteil;2020;2021\nNordstadt;1200;1250\nWest;800;790\n",
        ("utf-8", ";", ","),
        [("Stadtteil", "string"), ("2020", "integer"), ("2021", "integer")],
        2,
        id="year-labels-are-a-header",
    ),
    pytest.param(
        ("Bevölkerung Fulda;;\nStand: 31.12.2023;;\n;;\nStadtteil;Einwohner;Anteil\nZentrum;1.000;12,5\n").encode(),
        ("utf-8", ";", ","),
        [("Stadtteil", "string"), ("Einwohner", "integer"), ("Anteil", "number")],
        1,
        id="title-lines-above-header",
    ),
    pytest.param(
        b"a;b;c;\n1;2;3;\n4;5;6;\n",
        ("utf-8", ";", ","),
        [("a", "integer"), ("b", "integer"), ("c", "integer")],
        2,
        id="trailing-delimiter",
    ),
    pytest.param(
        b"a;b;c\n1;2\n;;\n\n4;5;6\n",
        ("utf-8", ";", ","),
        [("a", "integer"), ("b", "integer"), ("c", "integer")],
        2,
        id="short-rows-padded-blank-rows-skipped",
    ),
    pytest.param(
        b"Name;Wert;Wert;\n",
        ("utf-8", ";", ","),
        [("Name", "string"), ("Wert", "string"), ("Wert_2", "string")],
        0,
        id="header-only-is-an-empty-table",
    ),
    pytest.param(
        b"ja_nein;wahr_falsch;kreuz;englisch\nja;wahr;x;true\nnein;falsch;;false\nJa;WAHR;X;TRUE\n",
        ("utf-8", ";", ","),
        [("ja_nein", "boolean"), ("wahr_falsch", "boolean"), ("kreuz", "boolean"), ("englisch", "boolean")],
        3,
        id="booleans",
    ),
    pytest.param(
        b"mit_offset;ohne;deutsch;gemischt\n"
        b"2024-12-31T23:59:59+01:00;2024-12-31 23:59;31.12.2024 23:59;2024-12-31\n"
        b"2024-06-30T10:00:00Z;2024-06-30T10:00:00.5;30.06.2024 10:00:30;2024-06-30 10:00\n",
        ("utf-8", ";", ","),
        [("mit_offset", "datetime"), ("ohne", "datetime"), ("deutsch", "datetime"), ("gemischt", "datetime")],
        2,
        id="datetimes",
    ),
    pytest.param(
        ("id;plz;wert;mix\n" + "".join(f"{i};0{i + 6000};{i},5;{'a' if i % 2 else i}\n" for i in range(1, 20)))
        .replace("7,5", "k.A.")
        .encode(),
        ("utf-8", ";", ","),
        [("id", "integer"), ("plz", "string"), ("wert", "number"), ("mix", "string")],
        19,
        id="majority-rule-leading-zeros-null-markers",
    ),
    pytest.param(
        b'"id","betrag"\n1,"1,5"\n2,"2,75"\n',
        ("utf-8", ",", ","),
        [("id", "integer"), ("betrag", "number")],
        2,
        id="comma-delimited-with-quoted-german-decimals",
    ),
]


@pytest.mark.parametrize(("content", "dialect", "expected_columns", "rows"), CSV_CASES)
def test_describe_csv_dialects(
    tmp_path: Path, content: bytes, dialect: tuple[str, str, str], expected_columns: list, rows: int
) -> None:
    info = tabular.describe(write(tmp_path, content), "CSV")
    assert (info.encoding, info.delimiter, info.decimal) == dialect
    assert columns(info) == expected_columns
    assert info.row_count == rows
    assert len(list(tabular.iter_rows(tmp_path / "datei", "CSV"))) == rows
    assert tabular.header(tmp_path / "datei", "CSV") == [name for name, _ in expected_columns]


def test_cp1252_text_decodes_right(tmp_path: Path) -> None:
    path = write(tmp_path, "Ort;Straße;Preis\nGießen;Frankfurter Straße;5 €\n", encoding="cp1252")
    assert tabular.preview(path, "CSV").rows == [["Gießen", "Frankfurter Straße", "5 €"]]
    assert list(tabular.iter_rows(path, "CSV")) == [["Gießen", "Frankfurter Straße", "5 €"]]


def test_iter_rows_typed_german_values(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "Nr;Betrag;Datum;Zeit;Aktiv;Name\n"
        "1;1.234,56;31.12.2024;2024-12-31T23:59:00+01:00;ja;Gießen\n"
        "2;-0,5;2024-01-02;31.12.2024 08:15;nein;\n"
        "3;k.A.;;2024-01-01 00:00;x;k.A.\n"
        "4;7;01.02.2024;2024-01-01T12:00;falsch;#NV\n",
        encoding="cp1252",
    )
    assert columns(tabular.describe(path, "CSV")) == [
        ("Nr", "integer"),
        ("Betrag", "number"),
        ("Datum", "date"),
        ("Zeit", "datetime"),
        ("Aktiv", "boolean"),
        ("Name", "string"),
    ]
    assert list(tabular.iter_rows(path, "CSV")) == [
        [1, 1234.56, dt.date(2024, 12, 31), dt.datetime(2024, 12, 31, 23, 59, tzinfo=CET), True, "Gießen"],
        [2, -0.5, dt.date(2024, 1, 2), dt.datetime(2024, 12, 31, 8, 15), False, None],
        [3, None, None, dt.datetime(2024, 1, 1), True, "k.A."],
        [4, 7.0, dt.date(2024, 2, 1), dt.datetime(2024, 1, 1, 12), False, "#NV"],
    ]


def test_value_not_fitting_its_column_is_kept_as_text(tmp_path: Path) -> None:
    body = "".join(f"{i}\n" for i in range(1, 20))
    path = write(tmp_path, f"Anzahl\n{body}geheim\n")
    assert columns(tabular.describe(path, "CSV")) == [("Anzahl", "integer")]
    assert list(tabular.iter_rows(path, "CSV"))[-2:] == [[19], ["geheim"]]


def test_preview_csv(tmp_path: Path) -> None:
    lines = "".join(f"{i};Wert {i}\n" for i in range(1, 51))
    path = write(tmp_path, f"nr;text\n{lines}")
    page = tabular.preview(path, "CSV", rows=3)
    assert page == tabular.Preview(["nr", "text"], [["1", "Wert 1"], ["2", "Wert 2"], ["3", "Wert 3"]], 50)
    assert len(tabular.preview(path, "CSV").rows) == 20


def test_late_non_utf8_bytes_beyond_the_sample(tmp_path: Path) -> None:
    filler = "".join(f"{i};Zeile {i:08d} mit etwas Text\n" for i in range(30_000))
    assert len(filler) > textfile.SAMPLE_BYTES
    path = write(tmp_path, b"nr;text\n" + filler.encode() + "30000;Gießen\n".encode("cp1252"))
    info = tabular.describe(path, "CSV")
    assert (info.encoding, info.row_count) == ("windows-1252", 30_001)
    assert list(tabular.iter_rows(path, "CSV"))[-1] == [30_000, "Gießen"]


def test_mixed_utf8_and_cp1252_reads_both(tmp_path: Path) -> None:
    path = write(tmp_path, "ort\nGießen\nGrünberg\n".encode() + "Straße\n".encode("cp1252"))
    assert tabular.describe(path, "CSV").encoding == "utf-8"
    assert list(tabular.iter_rows(path, "CSV")) == [["Gießen"], ["Grünberg"], ["Straße"]]


def test_large_csv_is_counted_in_bounded_memory(tmp_path: Path) -> None:
    path = tmp_path / "gross.csv"
    with path.open("w", encoding="cp1252", newline="") as fh:
        fh.write("ID;Straße;Betrag;Datum;" + ";".join(f"s{i}" for i in range(16)) + "\r\n")
        for n in range(200_000):
            rest = ";".join(str((n * 7 + i) % 1000) for i in range(16))
            fh.write(f'{n};"Bahnhofstraße {n % 99}";{n % 5000},{n % 100:02d};{n % 28 + 1:02d}.03.2024;{rest}\r\n')
    size = path.stat().st_size
    tracemalloc.start()
    try:
        info = tabular.describe(path, "CSV")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert info.row_count == 200_000
    assert info.columns[2] == tabular.Column("Betrag", "number")
    assert size > 20 * 1024 * 1024
    assert peak < 16 * 1024 * 1024, f"describe held {peak / 1e6:.0f} MB for a {size / 1e6:.0f} MB file"


def test_describe_is_cached_per_file_version(tmp_path: Path) -> None:
    path = write(tmp_path, "a\n1\n")
    assert tabular.describe(path, "CSV") is tabular.describe(path, "csv")
    path.write_bytes(b"a\n1\n2\n")
    assert tabular.describe(path, "CSV").row_count == 2


# --- unreadable files ---------------------------------------------------------------------------


def _xlsx_bytes(rows: list[list[object]], title: str = "Daten") -> bytes:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = title
    for row in rows:
        ws.append(row)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buf.getvalue()


def _replace_member(xlsx: bytes, name: str, data: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(xlsx)) as src:
        members = {m: src.read(m) for m in src.namelist()}
    members[name] = data
    return _zip(members)


def _parquet_bytes(table: pa.Table, **kwargs: object) -> bytes:
    buf = io.BytesIO()
    pq.write_table(table, buf, **kwargs)
    return buf.getvalue()


GARBAGE = bytes(range(256)) * 8
SMALL_XLSX = _xlsx_bytes([["a", "b"], [1, 2]])
SMALL_PARQUET = _parquet_bytes(pa.table({"a": [1, 2, 3]}))

BAD_INPUTS = [
    ("CSV", b"", "Die Datei ist leer."),
    ("CSV", b"  \n\n \r\n", "nur Leerzeichen oder Leerzeilen"),
    ("CSV", b";;;\n;;\n", "nur leere Felder"),
    ("CSV", GARBAGE, "enthält Binärdaten"),
    ("CSV", SMALL_XLSX, "ZIP-Archiv oder eine Excel-Datei"),
    ("CSV", b"%PDF-1.7\n" + GARBAGE, "PDF-Dokument"),
    ("CSV", b"a;b;c\n1;2;3\n4;5;6;7;8\n", "Zeile 3: 3 Felder erwartet, 5 gefunden."),
    ("CSV", b"a;b\n" + b"1;2\n" * 40 + b"1;2;3;4;5;6;7;8;9\n", "Zeile 42: 2 Felder erwartet, 9 gefunden."),
    (
        "CSV",
        b'a;b\n1;"offen\n' + b"x;y\n" * 10_050,
        "Zeile 2: ein Anführungszeichen wird über mehr als 10000 Zeilen",
    ),
    ("XLSX", b"", "Die Datei ist leer."),
    ("XLSX", GARBAGE, "kein ZIP-Archiv"),
    ("XLSX", b"Name;Wert\nA;1\n", "kein ZIP-Archiv"),
    ("XLSX", SMALL_XLSX[: len(SMALL_XLSX) // 2], "kein ZIP-Archiv, vielleicht beschädigt"),
    ("XLSX", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + GARBAGE, "alten Excel-Format (XLS)"),
    ("XLSX", _zip({"hallo.txt": b"kein Excel"}), "xl/workbook.xml fehlt"),
    (
        "XLSX",
        _zip({"xl/workbook.xml": b"<x/>", "xl/worksheets/sheet1.xml": bytes(4 * 1024 * 1024)}),
        "komprimiert",
    ),
    ("XLSX", _replace_member(SMALL_XLSX, "xl/workbook.xml", b"<workbook"), "kann nicht gelesen werden"),
    (
        "XLSX",
        _replace_member(SMALL_XLSX, "xl/worksheets/sheet1.xml", b'<worksheet><sheetData><row r="1"><c r="A1'),
        "kann nicht gelesen werden (ParseError)",
    ),
    ("XLSX", _xlsx_bytes([]), "kein Tabellenblatt mit Daten"),
    ("XLSX", _xlsx_bytes([["a", "b"], [1, 2], [1, 2, 3, 4]]), "Zeile 3: 2 Felder erwartet, 4 gefunden."),
    ("JSON", b"", "Die Datei ist leer."),
    ("JSON", b"   \n", "nur Leerzeichen"),
    ("JSON", b'[{"a": 1},\n {"a": 2},\n {"a": }]', "Ungültiges JSON in Zeile 3, Spalte 8"),
    ("JSON", b"42", "enthält eine Zahl statt einer Liste"),
    ("JSON", b"[]", "keine Datensätze"),
    ("JSON", b'[{"a": 1}, [1, 2]]', "Eintrag 2 ist kein JSON-Objekt, sondern eine Liste."),
    ("JSON", b'{"meta": {"x": 1}, "n": 3}', "ohne Liste von Datensätzen"),
    ("JSON", GARBAGE, "Binärdaten"),
    ("GEOJSON", b'[{"a": 1}]', "keine GeoJSON-FeatureCollection"),
    ("GEOJSON", b'{"type": "FeatureCollection", "features": {}}', "keine Liste 'features'"),
    (
        "GEOJSON",
        b'{"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": {"type": "Kreis"}}]}',
        "Feature 1: die Geometrie ist kein gültiges GeoJSON.",
    ),
    ("PARQUET", b"", "Die Datei ist leer."),
    ("PARQUET", GARBAGE, "keine gültige Parquet-Datei"),
    ("PARQUET", SMALL_PARQUET[:-10], "keine gültige Parquet-Datei"),
    ("PARQUET", b"PAR1" + GARBAGE + b"PAR1", "kann nicht gelesen werden"),
]


@pytest.mark.parametrize(("fmt", "content", "message"), BAD_INPUTS)
def test_unreadable_files_are_refused_with_a_reason(tmp_path: Path, fmt: str, content: bytes, message: str) -> None:
    path = write(tmp_path, content)
    with pytest.raises(InvalidInput) as exc:
        tabular.describe(path, fmt)
    assert message in exc.value.message
    with pytest.raises(InvalidInput):
        list(tabular.iter_rows(path, fmt))


def test_line_without_end_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(textfile, "MAX_LINE_CHARS", 10_000)
    monkeypatch.setattr(textfile, "CHUNK_BYTES", 4096)
    path = write(tmp_path, b"a;b\n1;2\n" + b"x" * 50_000)
    with pytest.raises(InvalidInput, match="Zeile 3 ist länger als"):
        tabular.describe(path, "CSV")


def test_xlsx_unpacked_size_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(xlsxfile, "MAX_UNCOMPRESSED_BYTES", 1000)
    with pytest.raises(InvalidInput, match="entpackt 0 MB groß; erlaubt sind höchstens 0 MB"):
        tabular.describe(write(tmp_path, SMALL_XLSX), "XLSX")


def test_json_size_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from kikz.catalog.tabular import jsonfile

    monkeypatch.setattr(jsonfile, "MAX_JSON_BYTES", 10)
    with pytest.raises(TooLarge, match="JSON-Dateien über"):
        tabular.describe(write(tmp_path, b'[{"a": 1}, {"a": 2}]'), "JSON")


def test_unknown_format_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="'PDF' ist kein Tabellenformat"):
        tabular.describe(write(tmp_path, b"x"), "PDF")
    with pytest.raises(NotFound):
        tabular.describe(tmp_path / "fehlt.csv", "CSV")


# --- XLSX ---------------------------------------------------------------------------------------


def _municipal_workbook() -> bytes:
    wb = Workbook()
    empty = wb.active
    assert empty is not None
    empty.title = "Deckblatt"
    ws = wb.create_sheet("Haushalt 2024")
    ws["A3"], ws["B3"], ws["C3"], ws["D3"], ws["E3"], ws["F3"] = (
        "Produkt",
        "Ansatz",
        "Stück",
        "Datum",
        "Ja?",
        None,
    )
    ws["G3"] = "Notiz"
    rows: list[list[object]] = [
        ["Schulen", 1250000.5, 3, dt.datetime(2024, 12, 31), True, None, "1.234,56"],
        ["Straßen", 99.25, 12, dt.datetime(2024, 1, 2), False, None, "Sanierung"],
        [None, None, None, None, None, None, None],
        ["Kitas", 7, 1, dt.datetime(2024, 6, 30), True, None, "k.A."],
    ]
    for r, values in enumerate(rows, start=4):
        for c, value in enumerate(values, start=1):
            if value is not None:
                ws.cell(row=r, column=c, value=value)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def test_xlsx_first_sheet_with_data(tmp_path: Path) -> None:
    path = write(tmp_path, _municipal_workbook())
    info = tabular.describe(path, "XLSX")
    assert (info.sheet, info.row_count, info.encoding, info.delimiter) == ("Haushalt 2024", 3, "", "")
    assert columns(info) == [
        ("Produkt", "string"),
        ("Ansatz", "number"),
        ("Stück", "integer"),
        ("Datum", "date"),
        ("Ja?", "boolean"),
        ("Spalte 6", "string"),
        ("Notiz", "string"),
    ]
    assert list(tabular.iter_rows(path, "XLSX")) == [
        ["Schulen", 1250000.5, 3, dt.date(2024, 12, 31), True, None, "1.234,56"],
        ["Straßen", 99.25, 12, dt.date(2024, 1, 2), False, None, "Sanierung"],
        ["Kitas", 7.0, 1, dt.date(2024, 6, 30), True, None, "k.A."],
    ]
    page = tabular.preview(path, "XLSX", rows=2)
    assert page.total_rows == 3
    assert page.rows == [
        ["Schulen", "1250000.5", "3", "2024-12-31", "ja", "", "1.234,56"],
        ["Straßen", "99.25", "12", "2024-01-02", "nein", "", "Sanierung"],
    ]


def test_xlsx_numbers_typed_as_text_are_read_german(tmp_path: Path) -> None:
    path = write(tmp_path, _xlsx_bytes([["Betrag"], ["1.234,56"], ["2,5"], ["3"]]))
    info = tabular.describe(path, "XLSX")
    assert (columns(info), info.decimal) == ([("Betrag", "number")], ",")
    assert list(tabular.iter_rows(path, "XLSX")) == [[1234.56], [2.5], [3.0]]


def test_xlsx_header_only(tmp_path: Path) -> None:
    info = tabular.describe(write(tmp_path, _xlsx_bytes([["a", "b"]])), "XLSX")
    assert (columns(info), info.row_count) == ([("a", "string"), ("b", "string")], 0)


# --- JSON and GeoJSON -------------------------------------------------------------------------

RECORDS = [
    {"name": "Gießen", "einwohner": 90131, "anteil": 0.5, "seit": "2024-12-31", "aktiv": True},
    {"name": "Fulda", "einwohner": 68000, "anteil": None, "seit": "31.12.2023", "aktiv": False, "extra": [1]},
]
EXPECTED_JSON_COLUMNS = [
    ("name", "string"),
    ("einwohner", "integer"),
    ("anteil", "number"),
    ("seit", "date"),
    ("aktiv", "boolean"),
    ("extra", "string"),
]


@pytest.mark.parametrize(
    "document",
    [
        json.dumps(RECORDS),
        json.dumps({"data": RECORDS, "meta": {"quelle": "Stadt"}}),
        json.dumps({"records": RECORDS}),
        json.dumps({"items": RECORDS}),
        json.dumps({"ergebnis": RECORDS, "anzahl": 2}),
        "\n".join(json.dumps(r) for r in RECORDS) + "\n",
    ],
    ids=["array", "data", "records", "items", "single-list-member", "json-lines"],
)
def test_json_tables(tmp_path: Path, document: str) -> None:
    path = write(tmp_path, document)
    info = tabular.describe(path, "JSON")
    assert (columns(info), info.row_count, info.encoding) == (EXPECTED_JSON_COLUMNS, 2, "utf-8")
    assert list(tabular.iter_rows(path, "JSON")) == [
        ["Gießen", 90131, 0.5, dt.date(2024, 12, 31), True, None],
        ["Fulda", 68000, None, dt.date(2023, 12, 31), False, "[1]"],
    ]


GEOJSON = {
    "type": "FeatureCollection",
    "features": [
        {
            "type": "Feature",
            "properties": {"name": "Zählstelle Nord", "anzahl": 12},
            "geometry": {"type": "Point", "coordinates": [8.6784, 50.5841]},
        },
        {
            "type": "Feature",
            "properties": {"name": "Zählstelle Süd", "anzahl": 7, "typ": "Rad"},
            "geometry": {"type": "LineString", "coordinates": [[8.6, 50.5], [8.7, 50.6]]},
        },
        {"type": "Feature", "properties": None, "geometry": None},
    ],
}


@pytest.mark.parametrize("fmt", ["GEOJSON", "JSON"])
def test_geojson_feature_collection(tmp_path: Path, fmt: str) -> None:
    path = write(tmp_path, json.dumps(GEOJSON))
    info = tabular.describe(path, fmt)
    assert columns(info) == [
        ("name", "string"),
        ("anzahl", "integer"),
        ("typ", "string"),
        ("geometry", "geometry"),
    ]
    assert info.row_count == 3
    rows = list(tabular.iter_rows(path, fmt))
    assert rows[0] == ["Zählstelle Nord", 12, None, {"type": "Point", "coordinates": [8.6784, 50.5841]}]
    assert rows[2] == [None, None, None, None]
    assert tabular.preview(path, fmt, rows=2).rows == [
        ["Zählstelle Nord", "12", "", "POINT (8.6784 50.5841)"],
        ["Zählstelle Süd", "7", "Rad", "LINESTRING"],
    ]


def test_empty_feature_collection_is_an_empty_table(tmp_path: Path) -> None:
    info = tabular.describe(write(tmp_path, b'{"type": "FeatureCollection", "features": []}'), "GEOJSON")
    assert (columns(info), info.row_count) == ([("geometry", "geometry")], 0)


def test_json_in_windows_1252(tmp_path: Path) -> None:
    path = write(tmp_path, '[{"ort": "Gießen"}]', encoding="cp1252")
    assert tabular.describe(path, "JSON").encoding == "windows-1252"
    assert list(tabular.iter_rows(path, "JSON")) == [["Gießen"]]


# --- Parquet ------------------------------------------------------------------------------------


def test_parquet_schema_and_rows(tmp_path: Path) -> None:
    table = pa.table(
        {
            "id": pa.array(range(1000), pa.int32()),
            "wert": pa.array([i / 4 for i in range(1000)]),
            "betrag": pa.array([Decimal("1.50")] * 1000, pa.decimal128(10, 2)),
            "aktiv": pa.array([i % 2 == 0 for i in range(1000)]),
            "tag": pa.array([dt.date(2024, 1, 1)] * 1000),
            "zeit": pa.array([1_700_000_000_123_456_789] * 1000, pa.timestamp("ns", "UTC")),
            "ort": pa.array(["Gießen", "Fulda"] * 500).dictionary_encode(),
            "geom": pa.array([b"\x01\x01\x00\x00\x00"] * 1000),
        }
    )
    geo = {"version": "1.0.0", "primary_column": "geom", "columns": {"geom": {"encoding": "WKB"}}}
    table = table.replace_schema_metadata({"geo": json.dumps(geo)})
    path = write(tmp_path, _parquet_bytes(table, row_group_size=100))
    info = tabular.describe(path, "PARQUET")
    assert columns(info) == [
        ("id", "integer"),
        ("wert", "number"),
        ("betrag", "number"),
        ("aktiv", "boolean"),
        ("tag", "date"),
        ("zeit", "datetime"),
        ("ort", "string"),
        ("geom", "geometry"),
    ]
    assert info.row_count == 1000
    rows = list(tabular.iter_rows(path, "PARQUET"))
    assert len(rows) == 1000
    assert rows[1] == [
        1,
        0.25,
        Decimal("1.50"),
        False,
        dt.date(2024, 1, 1),
        dt.datetime(2023, 11, 14, 22, 13, 20, 123456, tzinfo=dt.UTC),
        "Fulda",
        b"\x01\x01\x00\x00\x00",
    ]
    page = tabular.preview(path, "PARQUET", rows=2)
    assert (page.total_rows, page.rows[1][:4], page.rows[1][7]) == (
        1000,
        ["1", "0.25", "1.50", "nein"],
        "<5 Bytes>",
    )


def test_parquet_preview_reads_only_the_first_row_group(tmp_path: Path) -> None:
    table = pa.table({"n": pa.array(range(2000), pa.int64())})
    raw = bytearray(_parquet_bytes(table, row_group_size=1000, compression="snappy", use_dictionary=False))
    meta = pq.ParquetFile(io.BytesIO(bytes(raw))).metadata
    chunk = meta.row_group(1).column(0)
    start = chunk.data_page_offset
    raw[start : start + chunk.total_compressed_size] = b"\xff" * chunk.total_compressed_size
    path = write(tmp_path, bytes(raw))
    page = tabular.preview(path, "PARQUET", rows=5)
    assert page.rows == [["0"], ["1"], ["2"], ["3"], ["4"]]
    with pytest.raises(InvalidInput, match="Parquet-Datei ist beschädigt"):
        list(tabular.iter_rows(path, "PARQUET"))


# --- CSV export safety --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ("=SUMME(A1:A9)", "'=SUMME(A1:A9)"),
        ("+49 641 306-0", "'+49 641 306-0"),
        ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"),
        ("@SUM(1)", "'@SUM(1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("＝1+1", "'＝1+1"),
        ("-1,5", "-1,5"),
        ("+1.234,56", "+1.234,56"),
        (-5, "-5"),
        (Decimal("-1.50"), "-1.50"),
        ("Gießen", "Gießen"),
        ("a=b", "a=b"),
        (None, ""),
        (True, "ja"),
        (dt.date(2024, 12, 31), "2024-12-31"),
    ],
)
def test_csv_safe_cell(value: object, cell: str) -> None:
    assert tabular.csv_safe_cell(value) == cell


# --- upload through the catalogue service -------------------------------------------------------


def _upload(session: Session, tmp_path: Path, filename: str, data: bytes) -> object:
    from kikz.catalog import service
    from kikz.storage import FileStore
    from tests import factories

    ds = factories.dataset(session)
    return service.add_file_distribution(
        session,
        principal=factories.admin_principal(session),
        dataset=ds,
        store=FileStore(tmp_path / "store"),
        filename=filename,
        stream=io.BytesIO(data),
        max_bytes=10_000_000,
    )


UPLOADS = [
    ("zaehlung.csv", lambda: GERMAN.encode("cp1252"), "windows-1252", "Stadt", 2),
    ("haushalt.xlsx", _municipal_workbook, "", "Produkt", 3),
]


@pytest.mark.parametrize(("filename", "make", "encoding", "first_column", "rows"), UPLOADS)
def test_upload_stores_the_description(
    session: Session,
    tmp_path: Path,
    filename: str,
    make: Callable[[], bytes],
    encoding: str,
    first_column: str,
    rows: int,
) -> None:
    from kikz.catalog.models import Distribution

    dist = _upload(session, tmp_path, filename, make())
    assert isinstance(dist, Distribution)
    session.flush()
    session.expire_all()
    stored = session.get(Distribution, dist.id)
    assert stored is not None
    assert (stored.encoding, stored.row_count) == (encoding, rows)
    assert stored.columns[0] == {"name": first_column, "type": "string"}


def test_unreadable_upload_leaves_no_distribution(session: Session, tmp_path: Path) -> None:
    from kikz.catalog.models import Distribution

    with pytest.raises(InvalidInput, match="Zeile 3: 2 Felder erwartet, 4 gefunden"):
        _upload(session, tmp_path, "kaputt.csv", b"a;b\n1;2\n1;2;3;4\n")
    session.flush()
    assert session.scalars(select(Distribution)).all() == []


def test_sniffing_prefers_semicolon_when_ambiguous() -> None:
    lines = ["Name;Wert (Mio, EUR)\n", "A;1,5\n", "B;2,5\n"]
    assert csvfile._sniff_delimiter(lines) == ";"
