"""Excel workbooks (XLSX): the first sheet with data, its first non-empty row as the header.

An XLSX file is a ZIP archive of XML; it is checked as an archive before openpyxl sees it, so
that a zip bomb or a renamed file is refused with a reason instead of exhausting the server.
"""

from __future__ import annotations

import warnings
import zipfile
from collections.abc import Generator, Iterator
from contextlib import closing, contextmanager
from itertools import islice
from pathlib import Path
from typing import Any

from kikz.catalog.tabular.model import Column, Preview, TableInfo
from kikz.catalog.tabular.values import converter, display, infer_decimal, infer_type, unique_names
from kikz.errors import InvalidInput

MAX_UNCOMPRESSED_BYTES = 1024 * 1024 * 1024
"""Total unpacked size of all archive members; real municipal workbooks stay far below."""
MAX_COMPRESSION_RATIO = 200
"""Unpacked/packed size, for the archive and for each larger member; zip bombs reach 1000 and more."""
RATIO_MIN_MEMBER_BYTES = 1024 * 1024
"""Members smaller than this may compress better (tiny repetitive XML) without being a threat."""
MAX_MEMBERS = 10_000
INFER_ROWS = 1000

_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def check_archive(path: Path) -> None:
    """Refuse anything that is not a plausible, harmless XLSX archive, before unpacking a byte."""
    with path.open("rb") as fh:
        magic = fh.read(8)
    if magic == _OLE2:
        raise InvalidInput(
            "Die Datei ist im alten Excel-Format (XLS) oder mit einem Kennwort verschlüsselt; "
            "bitte unverschlüsselt als XLSX speichern."
        )
    if not zipfile.is_zipfile(path):
        raise InvalidInput("Die Datei ist keine gültige XLSX-Datei (kein ZIP-Archiv, vielleicht beschädigt).")
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError) as exc:
        raise InvalidInput(f"Die XLSX-Datei ist beschädigt: {exc}.") from exc
    if len(members) > MAX_MEMBERS:
        raise InvalidInput(f"Die XLSX-Datei enthält mehr als {MAX_MEMBERS} Teile und wird nicht geöffnet.")
    if not any(m.filename == "xl/workbook.xml" for m in members):
        raise InvalidInput("Das ZIP-Archiv enthält keine Excel-Arbeitsmappe (xl/workbook.xml fehlt).")
    unpacked = sum(m.file_size for m in members)
    packed = sum(m.compress_size for m in members)
    if unpacked > MAX_UNCOMPRESSED_BYTES:
        raise InvalidInput(
            f"Die XLSX-Datei ist entpackt {unpacked // (1024 * 1024)} MB groß; erlaubt sind höchstens "
            f"{MAX_UNCOMPRESSED_BYTES // (1024 * 1024)} MB. Bitte als CSV bereitstellen."
        )
    for member in members:
        if member.flag_bits & 0x1:
            raise InvalidInput("Die XLSX-Datei enthält verschlüsselte Teile und kann nicht gelesen werden.")
        large = member.file_size >= RATIO_MIN_MEMBER_BYTES
        if large and member.file_size > MAX_COMPRESSION_RATIO * max(member.compress_size, 1):
            raise InvalidInput(
                f"Die XLSX-Datei ist ungewöhnlich stark komprimiert ({member.filename}); "
                "sie wird zum Schutz des Servers nicht entpackt."
            )
    if unpacked >= RATIO_MIN_MEMBER_BYTES and unpacked > MAX_COMPRESSION_RATIO * max(packed, 1):
        raise InvalidInput("Die XLSX-Datei ist ungewöhnlich stark komprimiert; sie wird nicht entpackt.")


@contextmanager
def _workbook(path: Path) -> Iterator[Any]:
    from openpyxl import load_workbook

    check_archive(path)
    # A file object, not the path: openpyxl insists on an .xlsx suffix, stored files have none.
    with path.open("rb") as fh:
        try:
            # openpyxl warns about features it drops (data validation, extensions); they do not matter here.
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                wb = load_workbook(fh, read_only=True, data_only=True)
        except Exception as exc:  # any parser failure on untrusted input is a broken file, not a server error
            raise InvalidInput(f"Die XLSX-Datei kann nicht gelesen werden ({type(exc).__name__}).") from exc
        try:
            yield wb
        finally:
            wb.close()


def _cells(ws: Any) -> Iterator[tuple[int, list[object]]]:
    """(sheet row number, values) with empty text as None and trailing empty cells dropped."""
    ws.reset_dimensions()  # some writers store a wrong dimension, which would cut rows off
    try:
        for number, row in enumerate(ws.iter_rows(values_only=True), start=1):
            values = [None if isinstance(v, str) and not v.strip() else v for v in row]
            while values and values[-1] is None:
                values.pop()
            yield number, values
    except InvalidInput:
        raise
    except Exception as exc:  # a truncated or malformed sheet surfaces only while streaming it
        raise InvalidInput(f"Das Tabellenblatt '{ws.title}' ist beschädigt ({type(exc).__name__}).") from exc


class _Sheet:
    """The first sheet with data, positioned after its header row."""

    def __init__(self, wb: Any) -> None:
        for ws in wb.worksheets:
            rows = _cells(ws)
            for _number, values in rows:
                if values:
                    self.title: str = ws.title
                    self.raw_header = values
                    self.rows = rows
                    return
        raise InvalidInput("Die Arbeitsmappe enthält kein Tabellenblatt mit Daten.")

    @property
    def width(self) -> int:
        return len(self.raw_header)

    def data(self) -> Iterator[list[object]]:
        width = self.width
        for number, values in self.rows:
            if not values:
                continue
            if len(values) > width:
                raise InvalidInput(
                    f"Tabellenblatt '{self.title}', Zeile {number}: {width} Felder erwartet, {len(values)} gefunden."
                )
            yield values + [None] * (width - len(values))


def _layout(sheet: _Sheet, sample: list[list[object]]) -> tuple[list[str], list[str], str]:
    names = unique_names(sheet.raw_header)
    decimal = infer_decimal((c for r in sample for c in r), ".")
    types = [infer_type((r[i] for r in sample), decimal) for i in range(sheet.width)]
    return names, types, decimal


def describe(path: Path) -> TableInfo:
    with _workbook(path) as wb:
        sheet = _Sheet(wb)
        data = sheet.data()
        sample = list(islice(data, INFER_ROWS))
        count = len(sample) + sum(1 for _ in data)
        names, types, decimal = _layout(sheet, sample)
    columns = [Column(n, t) for n, t in zip(names, types, strict=True)]
    return TableInfo("", "", decimal, columns, count, sheet=sheet.title)


def header(path: Path) -> list[str]:
    with _workbook(path) as wb:
        return unique_names(_Sheet(wb).raw_header)


def preview(path: Path, rows: int, total_rows: int) -> Preview:
    with closing(_typed_rows(path)) as typed:  # typed, so that dates without a time show as dates
        shown = [[display(v) for v in row] for row in islice(typed, rows)]
    return Preview(header(path), shown, total_rows)


def iter_rows(path: Path) -> Iterator[list[object]]:
    check_archive(path)
    return _typed_rows(path)


def _typed_rows(path: Path) -> Generator[list[object], None, None]:
    with _workbook(path) as wb:
        sheet = _Sheet(wb)
        data = sheet.data()
        sample = list(islice(data, INFER_ROWS))
        _names, types, decimal = _layout(sheet, sample)
        convert = [converter(t, decimal) for t in types]
        for row in sample:
            yield [c(v) for c, v in zip(convert, row, strict=True)]
        for row in data:
            yield [c(v) for c, v in zip(convert, row, strict=True)]
