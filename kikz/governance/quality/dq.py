"""Data quality of one table: completeness, validity, uniqueness, timeliness, consistency (0–100 each).

Rows are streamed and only counters are kept, so memory does not grow with the file; key uniqueness keeps
one 8-byte hash per row. At most ``ROW_LIMIT`` rows are read: above it the report says it judged the first
rows only (a prefix sample: readers stream, and a file has to be read in order anyway).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from kikz.catalog.tabular.values import NULL_MARKERS
from kikz.governance.quality.consistency import ConsistencyChecks
from kikz.governance.quality.schemas import ColumnQuality, QualityDimension
from kikz.governance.quality.tableschema import FieldCheck, primary_key

ROW_LIMIT = 250_000
ROW_EXAMPLES = 5
"""Row numbers kept per column problem (numbers only, never values)."""
COMPLETE_ENOUGH = 0.95
NOT_A_KEY = 0.9
"""A detected (not declared) key column with fewer distinct values than this share is taken as no key."""

LABELS = {
    "completeness": "Vollständigkeit",
    "validity": "Gültigkeit",
    "uniqueness": "Eindeutigkeit",
    "timeliness": "Aktualität",
    "consistency": "Konsistenz",
}

# EU frequency code -> expected time between updates
INTERVALS: dict[str, dt.timedelta] = {
    "HOURLY": dt.timedelta(hours=1),
    "CONT": dt.timedelta(days=1),
    "UPDATE_CONT": dt.timedelta(days=1),
    "DAILY": dt.timedelta(days=1),
    "WEEKLY": dt.timedelta(days=7),
    "BIWEEKLY": dt.timedelta(days=14),
    "MONTHLY": dt.timedelta(days=31),
    "QUARTERLY": dt.timedelta(days=92),
    "BIANNUAL": dt.timedelta(days=183),
    "ANNUAL": dt.timedelta(days=366),
    "BIENNIAL": dt.timedelta(days=731),
}
GRACE = 1.1
ZERO_AT = 4.0
"""Timeliness falls linearly from 100 at one interval overdue to 0 at this many intervals."""


def pct(share: float) -> str:
    return f"{share * 100:.1f}".replace(".", ",") + " %"


def de_int(n: int) -> str:
    return f"{n:,}".replace(",", ".")


def _is_missing(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        text = value.strip()
        return not text or text.lower() in NULL_MARKERS
    return False


def _key_hash(values: Iterable[object]) -> int:
    digest = hashlib.blake2b(repr(tuple(values)).encode("utf-8", "surrogatepass"), digest_size=8).digest()
    return int.from_bytes(digest, "big")


@dataclass
class ColumnCounters:
    check: FieldCheck
    non_null: int = 0
    invalid: int = 0
    problems: Counter[str] = field(default_factory=Counter)
    rows: list[int] = field(default_factory=list)

    def flag(self, row: int, problem: str) -> None:
        self.invalid += 1
        self.problems[problem] += 1
        if len(self.rows) < ROW_EXAMPLES:
            self.rows.append(row)


@dataclass
class KeyCounters:
    columns: list[str]
    declared: bool
    seen: set[int] = field(default_factory=set)
    rows: int = 0
    duplicates: int = 0
    null_keys: int = 0
    duplicate_rows: list[int] = field(default_factory=list)


@dataclass
class TableAssessment:
    rows: int
    sampled: bool
    dimensions: dict[str, QualityDimension]
    columns: list[ColumnQuality]
    newest_date: dt.date | None = None


def assess_rows(
    rows: Iterable[list[object]],
    *,
    header: list[str],
    schema: dict[str, Any],
    decimal: str,
    rows_total: int | None,
    row_limit: int = ROW_LIMIT,
    today: dt.date | None = None,
) -> TableAssessment:
    """Completeness, validity, uniqueness and consistency of streamed rows (timeliness is separate)."""
    specs = {f["name"]: f for f in schema.get("fields", [])}
    counters = [
        ColumnCounters(FieldCheck.build(specs.get(name, {"name": name, "type": "any"}), decimal)) for name in header
    ]
    index = {name: i for i, name in enumerate(header)}
    keys = _key_counters(schema, index)
    consistency = ConsistencyChecks(header, [c.check.kind for c in counters])
    seen = 0
    sampled = False
    newest: dt.date | None = None
    today = today or dt.date.today()
    for number, row in enumerate(rows, start=1):
        if seen >= row_limit:
            sampled = True
            break
        seen += 1
        for i, col in enumerate(counters):
            value = row[i] if i < len(row) else None
            if _is_missing(value):
                if col.check.required:
                    col.flag(number, "required")
                continue
            col.non_null += 1
            problem = col.check.problem(value)
            if problem is not None:
                col.flag(number, problem)
            elif isinstance(value, dt.date):
                day = value.date() if isinstance(value, dt.datetime) else value
                if day <= today and (newest is None or day > newest):
                    newest = day
        for key in keys:
            _count_key(key, row, index, number)
        consistency.add(number, row)
    dims = {
        "completeness": _completeness(counters, seen),
        "validity": _validity(counters),
        "uniqueness": _uniqueness(keys),
        "consistency": consistency.dimension(LABELS["consistency"]),
    }
    columns = [
        ColumnQuality(
            name=c.check.name,
            type=c.check.kind,
            non_null_share=round(c.non_null / seen, 4) if seen else 0.0,
            invalid=c.invalid,
            invalid_rows=c.rows,
        )
        for c in counters
    ]
    if rows_total is not None and rows_total > seen:
        sampled = True
    return TableAssessment(rows=seen, sampled=sampled, dimensions=dims, columns=columns, newest_date=newest)


def _key_counters(schema: dict[str, Any], index: dict[str, int]) -> list[KeyCounters]:
    names, declared = primary_key(schema)
    keys = [KeyCounters(names, declared)] if names and all(n in index for n in names) else []
    for spec in schema.get("fields", []):
        if (spec.get("constraints") or {}).get("unique") and [spec["name"]] != names and spec["name"] in index:
            keys.append(KeyCounters([spec["name"]], True))
    return keys


def _count_key(key: KeyCounters, row: list[object], index: dict[str, int], number: int) -> None:
    values = [row[index[n]] if index[n] < len(row) else None for n in key.columns]
    if any(_is_missing(v) for v in values):
        key.null_keys += 1
        return
    key.rows += 1
    h = _key_hash(str(v).strip() if isinstance(v, str) else v for v in values)
    if h in key.seen:
        key.duplicates += 1
        if len(key.duplicate_rows) < ROW_EXAMPLES:
            key.duplicate_rows.append(number)
    else:
        key.seen.add(h)


def _completeness(counters: list[ColumnCounters], rows: int) -> QualityDimension:
    cells = rows * len(counters)
    if not cells:
        return QualityDimension(
            key="completeness",
            label_de=LABELS["completeness"],
            score=None,
            reasons_de=["Die Tabelle enthält keine Datenzeilen."],
        )
    filled = sum(c.non_null for c in counters)
    reasons = [f"{pct(filled / cells)} der Zellen sind gefüllt."]
    gaps = sorted((c.non_null / rows, c.check.name) for c in counters if c.non_null < rows)
    for share, name in gaps[:5]:
        if share < COMPLETE_ENOUGH:
            reasons.append(f"Spalte „{name}“: {pct(1 - share)} leer.")
    empty = [name for share, name in gaps if share == 0]
    if empty:
        reasons.append(f"Ganz leere Spalte(n): {', '.join(empty[:5])}.")
    return QualityDimension(
        key="completeness",
        label_de=LABELS["completeness"],
        score=round(filled / cells * 100, 1),
        reasons_de=reasons,
    )


PROBLEM_TEXT = {
    "type": "passen nicht zum Typ {kind}",
    "format": "haben nicht das Format {fmt}",
    "constraint": "verletzen eine Bedingung des Schemas",
    "required": "fehlen, obwohl die Spalte Pflicht ist",
}


def _validity(counters: list[ColumnCounters]) -> QualityDimension:
    checked = sum(c.non_null + c.problems["required"] for c in counters)
    if not checked:
        return QualityDimension(
            key="validity",
            label_de=LABELS["validity"],
            score=None,
            reasons_de=["Keine Werte, die geprüft werden könnten."],
        )
    invalid = sum(c.invalid for c in counters)
    reasons = [f"{de_int(checked - invalid)} von {de_int(checked)} Werten entsprechen dem Table Schema."]
    for c in sorted(counters, key=lambda c: -c.invalid):
        if not c.invalid:
            break
        for problem, n in c.problems.most_common():
            text = PROBLEM_TEXT[problem].format(kind=c.check.kind, fmt=c.check.fmt)
            rows = ", ".join(str(r) for r in c.rows)
            reasons.append(f"Spalte „{c.check.name}“: {de_int(n)} Werte {text} (z. B. Zeile {rows}).")
        if len(reasons) > 8:
            break
    return QualityDimension(
        key="validity",
        label_de=LABELS["validity"],
        score=round((checked - invalid) / checked * 100, 1),
        reasons_de=reasons,
    )


def _uniqueness(keys: list[KeyCounters]) -> QualityDimension:
    label = LABELS["uniqueness"]
    if not keys:
        return QualityDimension(
            key="uniqueness",
            label_de=label,
            score=None,
            reasons_de=["Kein Primärschlüssel angegeben und keine Schlüsselspalte erkannt."],
        )
    scores: list[float] = []
    reasons: list[str] = []
    for key in keys:
        names = " + ".join(f"„{n}“" for n in key.columns)
        total = key.rows + (key.null_keys if key.declared else 0)
        if not total:
            reasons.append(f"Schlüssel {names}: keine Werte.")
            continue
        distinct = key.rows - key.duplicates
        if not key.declared and key.rows and distinct / key.rows < NOT_A_KEY:
            reasons.append(
                f"Spalte {names} sieht wie ein Schlüssel aus, ist aber nur zu {pct(distinct / key.rows)} "
                "eindeutig – wohl kein Schlüssel, nicht bewertet."
            )
            continue
        bad = key.duplicates + (key.null_keys if key.declared else 0)
        scores.append((total - bad) / total * 100)
        kind = "Primärschlüssel" if key.declared else "Erkannte Schlüsselspalte"
        if bad:
            rows = ", ".join(str(r) for r in key.duplicate_rows)
            text = f"{kind} {names}: {de_int(key.duplicates)} doppelte Werte"
            text += f" (z. B. Zeile {rows})" if rows else ""
            if key.declared and key.null_keys:
                text += f", {de_int(key.null_keys)} Zeilen ohne Schlüssel"
            reasons.append(text + ".")
        else:
            reasons.append(f"{kind} {names}: alle {de_int(total)} Werte eindeutig.")
    score = round(min(scores), 1) if scores else None
    return QualityDimension(key="uniqueness", label_de=label, score=score, reasons_de=reasons)


def timeliness(
    *, periodicity: str, last_update: dt.datetime | None, newest_in_data: dt.date | None, now: dt.datetime
) -> QualityDimension:
    """Time since the last update against the promised update rhythm (accrual periodicity)."""
    label = LABELS["timeliness"]
    interval = INTERVALS.get(periodicity)
    if interval is None:
        what = f"„{periodicity}“" if periodicity else "keiner"
        return QualityDimension(
            key="timeliness",
            label_de=label,
            score=None,
            reasons_de=[f"Aktualisierungsrhythmus {what} – Aktualität nicht bewertbar."],
        )
    if last_update is None:
        return QualityDimension(
            key="timeliness", label_de=label, score=0.0, reasons_de=["Kein Änderungsdatum bekannt."]
        )
    age = now - last_update
    ratio = age / interval
    days = age.total_seconds() / 86400
    when = last_update.astimezone(dt.UTC).strftime("%d.%m.%Y")
    if ratio <= GRACE:
        score = 100.0
        reasons = [f"Zuletzt aktualisiert am {when}; Rhythmus {periodicity} eingehalten."]
    else:
        score = max(0.0, round((ZERO_AT - ratio) / (ZERO_AT - 1) * 100, 1))
        reasons = [
            f"Zuletzt aktualisiert am {when} (vor {days:.0f} Tagen); bei Rhythmus {periodicity} "
            f"erwartet alle {interval.total_seconds() / 86400:g} Tage – überfällig."
        ]
    if newest_in_data is not None:
        stale = now.date() - newest_in_data
        if stale > 2 * interval + dt.timedelta(days=1):
            reasons.append(f"Der jüngste Datumswert in den Daten ist der {newest_in_data.strftime('%d.%m.%Y')}.")
    return QualityDimension(key="timeliness", label_de=label, score=score, reasons_de=reasons)


def overall(dimensions: Iterable[QualityDimension]) -> float | None:
    scores = [d.score for d in dimensions if d.score is not None]
    return round(sum(scores) / len(scores), 1) if scores else None
