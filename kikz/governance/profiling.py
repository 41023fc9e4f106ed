"""Column profiles in one streaming pass with bounded memory.

Every source is turned into batches of text columns (pyarrow string arrays) and fed to one
``ColumnAccumulator`` per column. The accumulator works on the batch's distinct values (pyarrow
``value_counts``), so repeated values cost nothing and the Python-level work is per distinct value:

- null share (empty cells and markers like "k. A."), types by share of values that parse as
  integer/number/date/datetime/boolean (a column with a real mix is flagged ``mixed_types``),
- min/max (numbers and dates compared as such),
- distinct count: exact while below the sketch size, else estimated from a bottom-k sketch
  (the k smallest hashes of the distinct values: KMV estimator),
- the same sketch's values are a uniform random sample of the distinct values; detectors check
  them, and a few are kept as example values where the column is not personal data,
- value shapes ("Aa 9") from the sample.

Large CSV files are not read whole: above ``max_rows`` rows, windows spread evenly over the file
are parsed instead (``sampled=True``, rows seen stated).
"""

from __future__ import annotations

import heapq
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from kikz.catalog.tabular.values import NULL_MARKERS, display
from kikz.errors import InvalidInput

SAMPLE_SIZE = 1000
"""Distinct values per column kept in the sketch and checked by the detectors."""
MAX_ROWS = 2_000_000
"""Rows read in full; larger files are sampled in evenly spread windows of about this many rows."""
BATCH_ROWS = 20_000
KEPT_EXAMPLES = 5
_HASH_SPACE = float(2**64)

_INT = {",": r"^[+-]?(?:\d{1,3}(?:\.\d{3})+|\d+)$", ".": r"^[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)$"}
_NUM = {
    ",": r"^[+-]?(?:\d{1,3}(?:\.\d{3})+|\d+),\d+$",
    ".": r"^[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)\.\d+(?:[eE][+-]?\d+)?$|^[+-]?\d+[eE][+-]?\d+$",
}
_DATE = r"^\d{1,2}\.\d{1,2}\.\d{4}$|^\d{4}-\d{2}-\d{2}$"
_DATETIME = r"^\d{1,2}\.\d{1,2}\.\d{4},? \d{1,2}:\d{2}|^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}"
_BOOL = pa.array(["ja", "nein", "true", "false", "wahr", "falsch", "yes", "no"])
_NULLS = pa.array(sorted(NULL_MARKERS | {""}))


@dataclass
class ColumnProfile:
    name: str
    type: str
    count: int
    nulls: int
    distinct: int
    distinct_exact: bool
    minimum: str | None
    maximum: str | None
    patterns: list[tuple[str, float]]
    type_shares: dict[str, float]
    mixed_types: bool
    sample_values: list[str]
    sample: list[str] = field(default_factory=list, repr=False)
    """Distinct values checked by the detectors: in memory only, never stored."""

    @property
    def null_share(self) -> float:
        total = self.count + self.nulls
        return self.nulls / total if total else 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "type": self.type,
            "count": self.count,
            "nulls": self.nulls,
            "null_share": round(self.null_share, 4),
            "distinct": self.distinct,
            "distinct_exact": self.distinct_exact,
            "min": self.minimum,
            "max": self.maximum,
            "patterns": [[p, round(s, 3)] for p, s in self.patterns],
            "type_shares": {k: round(v, 3) for k, v in self.type_shares.items()},
            "mixed_types": self.mixed_types,
            "sample_values": list(self.sample_values),
        }

    def redact(self) -> None:
        """Forget everything that shows values: for columns that hold personal data."""
        self.sample_values = []
        self.minimum = self.maximum = None


@dataclass
class TableProfile:
    columns: list[ColumnProfile]
    rows_seen: int
    rows_total: int | None
    sampled: bool
    source: str
    format: str
    notes: list[str] = field(default_factory=list)

    def column(self, name: str) -> ColumnProfile:
        return next(c for c in self.columns if c.name == name)

    def as_dict(self) -> dict[str, Any]:
        return {
            "rows_seen": self.rows_seen,
            "rows_total": self.rows_total,
            "sampled": self.sampled,
            "source": self.source,
            "format": self.format,
            "notes": list(self.notes),
            "columns": [c.as_dict() for c in self.columns],
        }


class ColumnAccumulator:
    def __init__(self, name: str, declared_type: str, *, decimal: str = ".", sample_size: int = SAMPLE_SIZE):
        self.name, self.declared_type, self.decimal = name, declared_type, decimal
        self.k = sample_size
        self.count = self.nulls = 0
        self.kinds: Counter[str] = Counter()
        self.sketch: dict[int, str] = {}
        self.heap: list[int] = []  # negated hashes: the root is the largest kept hash
        self.saturated = False
        self.minimum: tuple[Any, str] | None = None
        self.maximum: tuple[Any, str] | None = None

    def add(self, column: pa.Array) -> None:
        if column.type != pa.string() and column.type != pa.large_string():
            column = pc.cast(column, pa.string())
        self.nulls += column.null_count
        counts = pc.value_counts(pc.utf8_trim_whitespace(column.drop_null()))
        if not len(counts):
            return
        values = counts.field("values")
        freq = counts.field("counts")
        empty = pc.is_in(pc.utf8_lower(values), value_set=_NULLS)
        self.nulls += pc.sum(pc.if_else(empty, freq, 0)).as_py() or 0
        keep = pc.invert(empty)
        values, freq = values.filter(keep), freq.filter(keep)
        if not len(values):
            return
        self.count += pc.sum(freq).as_py() or 0
        self._types(values, freq)
        self._sketch(values.to_pylist())

    def _types(self, values: pa.Array, freq: pa.Array) -> None:
        masks = {
            "integer": pc.match_substring_regex(values, _INT[self.decimal]),
            "number": pc.match_substring_regex(values, _NUM[self.decimal]),
            "date": pc.match_substring_regex(values, _DATE),
            "datetime": pc.match_substring_regex(values, _DATETIME),
            "boolean": pc.is_in(pc.utf8_lower(values), value_set=_BOOL),
        }
        for kind, mask in masks.items():
            self.kinds[kind] += pc.sum(pc.if_else(mask, freq, 0)).as_py() or 0
        numeric = pc.or_(masks["integer"], masks["number"])
        if pc.any(numeric).as_py():
            text = values.filter(numeric)
            plain = pc.replace_substring(text, "." if self.decimal == "," else ",", "")
            if self.decimal == ",":
                plain = pc.replace_substring(plain, ",", ".")
            self._extremes(pc.cast(plain, pa.float64()), text)
        dates = masks["date"]
        if pc.any(dates).as_py():
            text = values.filter(dates)
            parsed = pc.coalesce(
                pc.strptime(text, format="%d.%m.%Y", unit="s", error_is_null=True),
                pc.strptime(text, format="%Y-%m-%d", unit="s", error_is_null=True),
            )
            self._extremes(parsed, text)
        if not pc.any(numeric).as_py() and not pc.any(dates).as_py():
            self._extremes(values, values)

    def _extremes(self, typed: pa.Array, text: pa.Array) -> None:
        if typed.null_count == len(typed):
            return
        low = pc.index(typed, pc.min(typed)).as_py()
        high = pc.index(typed, pc.max(typed)).as_py()
        lo, hi = (typed[low].as_py(), text[low].as_py()), (typed[high].as_py(), text[high].as_py())
        # numbers beat text and dates beat text when a column mixes kinds: compare within one kind only
        if self.minimum is None or (type(lo[0]) is type(self.minimum[0]) and lo[0] < self.minimum[0]):
            self.minimum = lo
        if self.maximum is None or (type(hi[0]) is type(self.maximum[0]) and hi[0] > self.maximum[0]):
            self.maximum = hi

    def _sketch(self, values: list[str]) -> None:
        k, sketch, heap = self.k, self.sketch, self.heap
        hashes = list(map(hash, values))
        if not self.saturated and len(sketch) + len(values) <= k:
            for h, v in zip(hashes, values, strict=True):
                if h not in sketch:
                    sketch[h] = v
                    heapq.heappush(heap, -h)
            return
        threshold = -heap[0] if len(heap) >= k else None
        pairs = zip(hashes, values, strict=True)
        candidates = [(h, v) for h, v in pairs if threshold is None or h < threshold]
        for h, v in heapq.nsmallest(k, candidates):
            if h in sketch:
                continue
            if len(heap) < k:
                sketch[h] = v
                heapq.heappush(heap, -h)
            elif h < -heap[0]:
                removed = -heapq.heappushpop(heap, -h)
                del sketch[removed]
                sketch[h] = v
                self.saturated = True
        if len(heap) >= k:
            self.saturated = True

    def distinct(self) -> tuple[int, bool]:
        if not self.saturated:
            return len(self.sketch), True
        kth = (-self.heap[0] + 2**63) / _HASH_SPACE  # hash() is signed 64 bit
        return max(len(self.sketch), int((self.k - 1) / max(kth, 1e-18))), False

    def result(self) -> ColumnProfile:
        sample = [self.sketch[h] for h in sorted(self.sketch)]
        distinct, exact = self.distinct()
        shares = {kind: n / self.count for kind, n in self.kinds.items() if n and self.count}
        numeric = shares.get("integer", 0) + shares.get("number", 0)
        temporal = shares.get("date", 0) + shares.get("datetime", 0)
        best = max(numeric, temporal, shares.get("boolean", 0.0))
        mixed = 0.2 <= best < 0.9 and self.count >= 10
        return ColumnProfile(
            name=self.name,
            type=self.declared_type or _inferred(shares),
            count=self.count,
            nulls=self.nulls,
            distinct=distinct,
            distinct_exact=exact,
            minimum=self.minimum[1] if self.minimum else None,
            maximum=self.maximum[1] if self.maximum else None,
            patterns=_patterns(sample),
            type_shares=shares,
            mixed_types=mixed,
            sample_values=sample[:KEPT_EXAMPLES],
            sample=sample,
        )


def _inferred(shares: dict[str, float]) -> str:
    if shares.get("integer", 0) >= 0.9:
        return "integer"
    if shares.get("integer", 0) + shares.get("number", 0) >= 0.9:
        return "number"
    if shares.get("date", 0) >= 0.9:
        return "date"
    if shares.get("date", 0) + shares.get("datetime", 0) >= 0.9:
        return "datetime"
    if shares.get("boolean", 0) >= 0.9:
        return "boolean"
    return "string"


_SHAPE = [(re.compile(r"[A-ZÄÖÜ]+"), "A"), (re.compile(r"[a-zäöüß]+"), "a"), (re.compile(r"\d+"), "9")]


def shape(value: str) -> str:
    """ "Kaiserstraße 12a" → "Aa 9a": runs of upper case, lower case and digits collapse to one class."""
    text = value[:40]
    for pattern, cls in _SHAPE:
        text = pattern.sub(cls, text)
    return re.sub(r"[^\W\d_]+", "a", text) if not text.isascii() else text


def _patterns(sample: Sequence[str]) -> list[tuple[str, float]]:
    if not sample:
        return []
    counts = Counter(shape(v) for v in sample)
    return [(p, n / len(sample)) for p, n in counts.most_common(5)]


class TableAccumulator:
    def __init__(self, names: Sequence[str], types: Sequence[str], *, decimal: str, sample_size: int):
        self.columns = [
            ColumnAccumulator(n, t, decimal=decimal, sample_size=sample_size) for n, t in zip(names, types, strict=True)
        ]
        self.rows = 0

    def add(self, batch: Sequence[pa.Array]) -> None:
        if not batch:
            return
        self.rows += len(batch[0])
        for accumulator, column in zip(self.columns, batch, strict=True):
            accumulator.add(column)

    def result(self, *, rows_total: int | None, sampled: bool, source: str, fmt: str, notes: list[str]) -> TableProfile:
        columns = [c.result() for c in self.columns]
        notes = list(notes)
        for c in columns:
            if c.mixed_types:
                kinds = ", ".join(f"{k} {v:.0%}" for k, v in sorted(c.type_shares.items(), key=lambda i: -i[1]))
                notes.append(f"Spalte '{c.name}' mischt Werttypen ({kinds}, Rest Text).")
        return TableProfile(columns, self.rows, rows_total, sampled, source, fmt, notes)


# --- sources ---------------------------------------------------------------------------------------


def text_batches(
    rows: Iterable[Sequence[object]], width: int, batch_rows: int = BATCH_ROWS
) -> Iterator[list[pa.Array]]:
    """Rows of typed values (as the tabular readers and databases deliver them) as text column batches."""
    chunk: list[Sequence[object]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= batch_rows:
            yield _to_arrays(chunk, width)
            chunk = []
    if chunk:
        yield _to_arrays(chunk, width)


def _to_arrays(chunk: list[Sequence[object]], width: int) -> list[pa.Array]:
    columns = list(zip(*chunk, strict=True)) if chunk else [() for _ in range(width)]
    return [
        pa.array([None if v is None else v if isinstance(v, str) else display(v) for v in col], type=pa.string())
        for col in columns
    ]


def profile_batches(
    batches: Iterable[Sequence[pa.Array]],
    *,
    names: Sequence[str],
    types: Sequence[str],
    decimal: str = ".",
    sample_size: int = SAMPLE_SIZE,
    rows_total: int | None = None,
    sampled: bool = False,
    source: str = "",
    fmt: str = "",
    notes: list[str] | None = None,
) -> TableProfile:
    table = TableAccumulator(names, types, decimal=decimal, sample_size=sample_size)
    for batch in batches:
        table.add(batch)
    total = rows_total if rows_total is not None else (None if sampled else table.rows)
    return table.result(rows_total=total, sampled=sampled, source=source, fmt=fmt, notes=notes or [])


def profile_file(
    path: Path,
    fmt: str,
    *,
    max_rows: int = MAX_ROWS,
    sample_size: int = SAMPLE_SIZE,
    rows_total: int | None = None,
) -> TableProfile:
    """Profile a tabular file; raises InvalidInput (German message) when it cannot be read."""
    from kikz.catalog import tabular

    kind = fmt.upper()
    if kind == "CSV":
        from kikz.governance import csvstream

        return csvstream.profile_csv(path, max_rows=max_rows, sample_size=sample_size, rows_total=rows_total)
    info = tabular.describe(path, kind)
    names, types = info.header, [c.type for c in info.columns]
    rows = tabular.iter_rows(path, kind)
    limited, sampled = _limit(rows, max_rows)
    return profile_batches(
        text_batches(limited, len(names)),
        names=names,
        types=types,
        sample_size=sample_size,
        rows_total=info.row_count,
        sampled=sampled and info.row_count > max_rows,
        source=path.name,
        fmt=kind,
        notes=[f"Stichprobe: die ersten {max_rows} von {info.row_count} Zeilen."] if info.row_count > max_rows else [],
    )


def _limit(rows: Iterator[list[object]], max_rows: int) -> tuple[Iterator[list[object]], bool]:
    def limited() -> Iterator[list[object]]:
        for i, row in enumerate(rows):
            if i >= max_rows:
                return
            yield row

    return limited(), True


def profile_database_table(
    url: str,
    table: str,
    *,
    max_rows: int = MAX_ROWS,
    sample_size: int = SAMPLE_SIZE,
    schema: str | None = None,
) -> TableProfile:
    """Profile a table of any database SQLAlchemy reaches, by reflection and a bounded, streamed SELECT."""
    from sqlalchemy import MetaData, Table, func, select
    from sqlalchemy import types as sqltypes
    from sqlalchemy.exc import NoSuchTableError, SQLAlchemyError

    from kikz.db import make_engine

    try:
        engine = make_engine(url)
    except (SQLAlchemyError, ValueError, ImportError) as exc:
        raise InvalidInput(f"Die Datenbank-URL ist ungültig: {exc}") from exc
    try:
        with engine.connect() as conn:
            try:
                reflected = Table(table, MetaData(), autoload_with=conn, schema=schema)
            except NoSuchTableError as exc:
                raise InvalidInput(f"Die Tabelle '{table}' gibt es in dieser Datenbank nicht.") from exc
            names = [c.name for c in reflected.columns]
            types = [_sql_type(c.type, sqltypes) for c in reflected.columns]
            total = conn.scalar(select(func.count()).select_from(reflected)) or 0
            query = select(reflected).limit(max_rows)
            result = conn.execution_options(stream_results=True, yield_per=BATCH_ROWS).execute(query)
            profile = profile_batches(
                text_batches((tuple(r) for r in result), len(names)),
                names=names,
                types=types,
                sample_size=sample_size,
                rows_total=total,
                sampled=total > max_rows,
                source=f"{engine.url.render_as_string(hide_password=True)}#{table}",
                fmt="SQL",
                notes=[f"Stichprobe: die ersten {max_rows} von {total} Zeilen."] if total > max_rows else [],
            )
    except SQLAlchemyError as exc:
        raise InvalidInput(f"Die Datenbank konnte nicht gelesen werden: {type(exc).__name__}: {exc}"[:500]) from exc
    finally:
        engine.dispose()
    return profile


def _sql_type(sql_type: Any, sqltypes: Any) -> str:
    if isinstance(sql_type, sqltypes.Boolean):
        return "boolean"
    if isinstance(sql_type, sqltypes.Integer):
        return "integer"
    if isinstance(sql_type, sqltypes.Numeric | sqltypes.Float):
        return "number"
    if isinstance(sql_type, sqltypes.DateTime):
        return "datetime"
    if isinstance(sql_type, sqltypes.Date):
        return "date"
    return "string"
