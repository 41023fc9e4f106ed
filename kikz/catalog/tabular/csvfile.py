"""CSV as German municipalities export it: any of four delimiters, Windows-1252 or UTF-8, decimal comma.

The dialect, header and column types come from a bounded sample; the row count and the
row-length check stream the whole file, so multi-gigabyte files need little memory.
"""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from pathlib import Path

from kikz.catalog.tabular.model import DATE, DATETIME, INTEGER, NUMBER, STRING, Column, Preview, TableInfo
from kikz.catalog.tabular.textfile import (
    ASCII_COMPATIBLE,
    LENIENT,
    MAX_LINE_CHARS,
    SAMPLE_BYTES,
    EncodingCheck,
    decode_sample,
    detect_encoding,
    ensure_text,
    iter_lines,
    line_terminator,
)
from kikz.catalog.tabular.values import classify_text, converter, infer_decimal, infer_type, unique_names
from kikz.errors import InvalidInput

DELIMITERS = (";", ",", "\t", "|")
"""In order of preference when the sample fits several equally well (";" is Excel's choice in German)."""
SNIFF_RECORDS = 200
INFER_ROWS = 1000
MAX_PREAMBLE = 10
"""Title lines above the header ("Einwohner am 31.12.2023;;;") that are skipped at most."""
MAX_RECORD_LINES = 10_000
"""A record spanning more physical lines almost always means a quote that is never closed."""

# Fields may legitimately be long (WKT geometries); the standard 128 KiB limit would refuse them.
csv.field_size_limit(max(csv.field_size_limit(), MAX_LINE_CHARS))


@dataclass(frozen=True)
class CsvLayout:
    encoding: str
    delimiter: str
    terminator: str
    decimal: str
    skip: int
    """Non-blank records before the first data row (title lines and the header)."""
    names: list[str]
    types: list[str]

    @property
    def width(self) -> int:
        return len(self.names)


def _reader(lines: Iterable[str], delimiter: str) -> Iterator[list[str]]:
    return csv.reader(lines, delimiter=delimiter, quotechar='"', doublequote=True, strict=False)


def _blank(row: list[str]) -> bool:
    return not any(row) or (len(row) == 1 and not row[0].strip())


def analyse(path: Path) -> CsvLayout:
    with path.open("rb") as fh:
        head = fh.read(SAMPLE_BYTES + 1)
    complete = len(head) <= SAMPLE_BYTES
    head = head[:SAMPLE_BYTES]
    encoding = detect_encoding(head, complete=complete)
    text = decode_sample(head, encoding, complete=complete)
    ensure_text(text, head, "CSV")
    terminator = line_terminator(text)
    if not complete and terminator in text:
        text = text[: text.rfind(terminator) + 1]
    parts = text.split(terminator)
    lines = [p + terminator for p in parts[:-1]] + ([parts[-1]] if parts[-1] else [])
    if not any(line.strip() for line in lines):
        raise InvalidInput("Die Datei enthält keine Daten, nur Leerzeichen oder Leerzeilen.")
    delimiter = _sniff_delimiter(lines[:SNIFF_RECORDS])
    records = [r for r in _reader(lines, delimiter) if not _blank(r)]
    if not complete and len(records) > 1:
        records.pop()  # may end inside a quoted field cut off by the sample
    if not records:
        raise InvalidInput("Die Datei enthält keine Daten, nur leere Felder.")
    skip = _preamble(records)
    first = records[skip]
    body = records[skip + 1 : skip + 1 + INFER_ROWS]
    width = _width(first, body)
    decimal = infer_decimal((c for r in body for c in r[:width]), "." if delimiter == "," else ",")
    types = _types(body, width, decimal)
    if _looks_like_header(first[:width], types, decimal):
        names = unique_names(first[:width] + [""] * (width - len(first)))
        skip += 1
    else:
        names = [f"Spalte {i + 1}" for i in range(width)]
        types = _types(records[skip : skip + INFER_ROWS], width, decimal)
    return CsvLayout(encoding, delimiter, terminator, decimal, skip, names, types)


def _sniff_delimiter(lines: list[str]) -> str:
    best: tuple[float, int, int] = (0.0, 0, 0)
    chosen = ","
    for preference, delimiter in enumerate(DELIMITERS):
        if not any(delimiter in line for line in lines):
            continue
        # rows of empty fields (";;;") count here: they show the delimiter even without data
        widths = [len(r) for r in _reader(lines, delimiter) if len(r) > 1 or (r and r[0].strip())]
        if not widths:
            continue
        mode, freq = Counter(widths).most_common(1)[0]
        if mode < 2:
            continue
        score = (freq / len(widths), mode, -preference)
        if score > best:
            best, chosen = score, delimiter
    return chosen


def _preamble(records: list[list[str]]) -> int:
    mode = Counter(len(r) for r in records[:SNIFF_RECORDS]).most_common(1)[0][0]
    skip = 0
    if mode >= 3:
        while skip < min(MAX_PREAMBLE, len(records) - 1) and sum(1 for c in records[skip] if c.strip()) <= 1:
            skip += 1
    return skip


def _width(first: list[str], body: list[list[str]]) -> int:
    """Header width; a trailing delimiter on every line ("a;b;c;") adds no column."""
    width = len(first)
    while width > 1 and not first[width - 1].strip() and all(len(r) < width or not r[width - 1] for r in body):
        width -= 1
    return width


def _types(rows: list[list[str]], width: int, decimal: str) -> list[str]:
    return [infer_type((r[i] for r in rows if i < len(r)), decimal) for i in range(width)]


def _looks_like_header(cells: list[str], types: list[str], decimal: str) -> bool:
    """A first row is data only when its cells fit the typed columns below it (and are not year labels)."""
    fits = misfits = 0
    year_labels = True
    for cell, column_type in zip(cells, types, strict=False):
        if column_type == STRING:
            continue
        parsed = classify_text(cell, decimal)
        if parsed is None:
            continue
        kind, value = parsed
        if kind == column_type or (column_type, kind) in {(NUMBER, INTEGER), (DATETIME, DATE)}:
            fits += 1
            year_labels = year_labels and kind == INTEGER and 1900 <= value <= 2100  # type: ignore[operator]
        else:
            misfits += 1
    return bool(misfits or not fits or year_labels)


def _too_long(line: int, width: int, found: int) -> InvalidInput:
    return InvalidInput(f"Zeile {line}: {width} Felder erwartet, {found} gefunden.")


def _csv_error(line: int, exc: csv.Error) -> InvalidInput:
    if "field limit" in str(exc):
        return InvalidInput(
            f"Zeile {line}: ein Feld ist länger als {MAX_LINE_CHARS // (1024 * 1024)} MB; "
            "vermutlich fehlt ein schließendes Anführungszeichen."
        )
    return InvalidInput(f"Zeile {line}: die Zeile ist kein gültiges CSV ({exc}).")


def _unclosed_quote(line: int) -> InvalidInput:
    return InvalidInput(
        f"Zeile {line}: ein Anführungszeichen wird über mehr als {MAX_RECORD_LINES} Zeilen nicht geschlossen."
    )


def count_rows(path: Path, layout: CsvLayout) -> tuple[int, str]:
    """(data rows, confirmed encoding) in one streaming pass that also checks every row's length."""
    check = EncodingCheck(layout.encoding)
    # Delimiters, quotes and line breaks are ASCII, and UTF-8 multi-byte sequences never contain
    # ASCII bytes, so Latin-1 (the cheapest codec) splits these encodings exactly like the right one.
    codec = "iso-8859-1" if layout.encoding in ASCII_COMPATIBLE else layout.encoding
    errors = "strict" if codec == "iso-8859-1" else "replace"
    lines = iter_lines(path, codec, errors=errors, terminator=layout.terminator, on_chunk=check)
    reader = _reader(lines, layout.delimiter)
    width, skip = layout.width, layout.skip
    count = seen = last_line = 0
    try:
        for row in reader:
            line = reader.line_num  # type: ignore[attr-defined]
            if line - last_line > MAX_RECORD_LINES:
                raise _unclosed_quote(last_line + 1)
            last_line = line
            if _blank(row):
                continue
            seen += 1
            if seen <= skip:
                continue
            if len(row) > width and any(row[width:]):
                raise _too_long(line, width, len(row))
            count += 1
    except csv.Error as exc:
        raise _csv_error(reader.line_num + 1, exc) from exc  # type: ignore[attr-defined]
    return count, check.result()


def raw_rows(path: Path, layout: CsvLayout) -> Iterator[list[str]]:
    """Data rows as text, each exactly as wide as the header."""
    errors = LENIENT if layout.encoding in ASCII_COMPATIBLE else "replace"
    lines = iter_lines(path, layout.encoding, errors=errors, terminator=layout.terminator)
    reader = _reader(lines, layout.delimiter)
    width, skip = layout.width, layout.skip
    seen = last_line = 0
    try:
        for row in reader:
            line = reader.line_num  # type: ignore[attr-defined]
            if line - last_line > MAX_RECORD_LINES:
                raise _unclosed_quote(last_line + 1)
            last_line = line
            if _blank(row):
                continue
            seen += 1
            if seen <= skip:
                continue
            if len(row) > width:
                if any(row[width:]):
                    raise _too_long(line, width, len(row))
                del row[width:]
            elif len(row) < width:
                row.extend([""] * (width - len(row)))
            yield row
    except csv.Error as exc:
        raise _csv_error(reader.line_num + 1, exc) from exc  # type: ignore[attr-defined]


def describe(path: Path) -> TableInfo:
    layout = analyse(path)
    count, encoding = count_rows(path, layout)
    columns = [Column(n, t) for n, t in zip(layout.names, layout.types, strict=True)]
    return TableInfo(encoding, layout.delimiter, layout.decimal, columns, count)


def header(path: Path) -> list[str]:
    return analyse(path).names


def preview(path: Path, rows: int, total_rows: int) -> Preview:
    layout = analyse(path)
    return Preview(layout.names, list(islice(raw_rows(path, layout), rows)), total_rows)


def iter_rows(path: Path) -> Iterator[list[object]]:
    layout = analyse(path)  # before the generator, so that a bad file fails on the call
    return _typed_rows(path, layout)


def _typed_rows(path: Path, layout: CsvLayout) -> Iterator[list[object]]:
    convert = [converter(t, layout.decimal) for t in layout.types]
    for row in raw_rows(path, layout):
        yield [c(v) for c, v in zip(convert, row, strict=True)]
