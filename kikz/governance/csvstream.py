"""CSV profiling fast path: pyarrow's multi-threaded reader, with the catalogue's dialect detection.

The dialect (encoding, delimiter, header, decimal comma) comes from ``kikz.catalog.tabular``; pyarrow
only splits and decodes. Every cell is read as text, so a stray value never aborts the read. Files the
fast path cannot take (title lines above the header, UTF-16, rows of uneven width, invalid UTF-8)
go through the catalogue's own streaming reader instead, which is slower but tolerant.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator, Sequence
from itertools import islice
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv

from kikz.catalog.tabular import csvfile
from kikz.governance.profiling import BATCH_ROWS, TableProfile, profile_batches, text_batches

WINDOWS = 20
"""Evenly spread windows read from a file that is larger than ``max_rows``."""
_ARROW_ENCODINGS = {"utf-8": "utf8", "utf-8-sig": "utf8", "windows-1252": "cp1252", "iso-8859-1": "latin1"}


def profile_csv(path: Path, *, max_rows: int, sample_size: int, rows_total: int | None) -> TableProfile:
    layout = csvfile.analyse(path)

    def run(batches: Iterable[Sequence[pa.Array]], *, sampled: bool) -> TableProfile:
        return profile_batches(
            batches,
            names=layout.names,
            types=layout.types,
            decimal=layout.decimal,
            sample_size=sample_size,
            rows_total=rows_total,
            sampled=sampled,
            source=path.name,
            fmt="CSV",
        )

    per_row = _bytes_per_row(path)
    estimated = rows_total if rows_total is not None else int(path.stat().st_size / per_row)
    fast = _fast_path_possible(path, layout)
    if fast and estimated > max_rows * 1.2:
        try:
            profile = run(_spread_windows(path, layout, max_rows=max_rows, per_row=per_row), sampled=True)
        except (pa.ArrowInvalid, UnicodeDecodeError):
            pass  # e.g. a quoted line break cut by a window: read the head instead
        else:
            total = f"{rows_total}" if rows_total is not None else f"geschätzt {estimated}"
            profile.notes.append(
                f"Stichprobe: {profile.rows_seen} Zeilen aus {WINDOWS} gleichmäßig über die Datei verteilten "
                f"Abschnitten (Zeilen insgesamt: {total})."
            )
            return profile
    if fast:
        try:
            return run(_arrow_batches(path, layout, max_rows), sampled=False)
        except (pa.ArrowInvalid, UnicodeDecodeError):
            pass  # uneven rows or invalid UTF-8: the tolerant reader below pads or decodes leniently
    rows = csvfile.raw_rows(path, layout)
    profile = run(text_batches(islice(rows, max_rows), layout.width), sampled=False)
    if next(rows, None) is not None:
        profile.sampled = True
        profile.rows_total = rows_total
        profile.notes.append(f"Stichprobe: die ersten {max_rows} Zeilen der Datei.")
    return profile


def _bytes_per_row(path: Path) -> float:
    with path.open("rb") as fh:
        head = fh.read(1024 * 1024)
    lines = head.count(b"\n") or 1
    return max(1.0, len(head) / lines)


def _fast_path_possible(path: Path, layout: csvfile.CsvLayout) -> bool:
    if layout.encoding not in _ARROW_ENCODINGS or layout.skip != 1 or layout.terminator != "\n":
        return False
    with path.open("rb") as fh:
        first = fh.readline()
    return bool(first.strip())


def _options(layout: csvfile.CsvLayout, *, skip: int) -> dict[str, object]:
    return {
        "read_options": pacsv.ReadOptions(
            encoding=_ARROW_ENCODINGS[layout.encoding],
            skip_rows=skip,
            column_names=layout.names,
            block_size=4 << 20,
        ),
        "parse_options": pacsv.ParseOptions(delimiter=layout.delimiter, newlines_in_values=True),
        "convert_options": pacsv.ConvertOptions(
            column_types={n: pa.string() for n in layout.names},
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
        ),
    }


def _arrow_batches(path: Path, layout: csvfile.CsvLayout, max_rows: int) -> Iterator[list[pa.Array]]:
    options = _options(layout, skip=1)
    seen = 0
    with pacsv.open_csv(path, **options) as reader:
        for batch in reader:
            if seen >= max_rows:
                return
            take = batch if seen + batch.num_rows <= max_rows else batch.slice(0, max_rows - seen)
            seen += take.num_rows
            yield list(take.columns)


def _spread_windows(
    path: Path, layout: csvfile.CsvLayout, *, max_rows: int, per_row: float
) -> Iterator[list[pa.Array]]:
    """Batches from evenly spread byte windows, each cut to whole lines."""
    size = path.stat().st_size
    with path.open("rb") as fh:
        header_end = len(fh.readline())
    window = int(max_rows * per_row / WINDOWS) + 1
    step = (size - header_end) / WINDOWS
    options = _options(layout, skip=0)
    with path.open("rb") as fh:
        for i in range(WINDOWS):
            fh.seek(header_end + int(i * step))
            data = fh.read(window)
            if i:
                cut = data.find(b"\n")
                data = data[cut + 1 :] if cut >= 0 else b""
            end = data.rfind(b"\n")
            data = data[: end + 1] if end >= 0 else b""
            if not data:
                continue
            table = pacsv.read_csv(io.BytesIO(data), **options)
            for batch in table.to_batches(max_chunksize=BATCH_ROWS):
                yield list(batch.columns)
