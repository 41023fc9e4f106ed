"""Consistency checks that are cheap on a stream: mixed spellings within a column, start ≤ end, totals that
equal the sum of their parts, and postcode ↔ place. Each check only applies where the table has the columns
for it; the totals check first proves on the opening rows that the columns really add up.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from kikz.governance.quality.schemas import QualityDimension

EXAMPLES = 5
MIXED_MINORITY = 0.02
"""A spelling used by fewer than this share of a column's values counts as a stray, not as a second style."""
CALIBRATION_ROWS = 50
CALIBRATION_SHARE = 0.8
MAX_POSTCODES = 50_000

SHAPES: tuple[tuple[str, str, re.Pattern[str]], ...] = (
    ("date", "TT.MM.JJJJ", re.compile(r"\d{1,2}\.\d{1,2}\.\d{4}")),
    ("date", "JJJJ-MM-TT", re.compile(r"\d{4}-\d{2}-\d{2}")),
    ("date", "MM/TT/JJJJ", re.compile(r"\d{1,2}/\d{1,2}/\d{4}")),
    ("number", "Dezimalkomma", re.compile(r"[+-]?\d+,\d+")),
    ("number", "Dezimalpunkt", re.compile(r"[+-]?\d+\.\d{1,2}|[+-]?\d+\.\d{4,}")),
    ("boolean", "ja/nein", re.compile(r"ja|nein", re.IGNORECASE)),
    ("boolean", "true/false", re.compile(r"true|false", re.IGNORECASE)),
    ("boolean", "1/0", re.compile(r"[01]")),
)
START = re.compile(r"(beginn|start|anfang|von|from|ab)", re.IGNORECASE)
END_FOR = {"beginn": "ende", "start": "ende", "anfang": "ende", "von": "bis", "from": "to", "ab": "bis"}
END_WORDS = ("ende", "end", "bis", "to")
TOTAL = re.compile(r"(gesamt|insgesamt|summe|total|zusammen)", re.IGNORECASE)
POSTCODE = re.compile(r"(plz|postleitzahl)", re.IGNORECASE)
PLACE = re.compile(r"(ort|stadt|gemeinde|wohnort|city)", re.IGNORECASE)
POSTCODE_VALUE = re.compile(r"\d{5}")
NUMERIC = ("integer", "number")


def _norm(name: str) -> str:
    return re.sub(r"[\s_\-.]+", "", name.casefold())


def _end_partner(name: str, names: list[str]) -> str | None:
    """The column that ends what ``name`` starts ("Beginn"/"Ende", "gueltig_von"/"gueltig_bis", ...)."""
    folded = name.casefold()
    for match in START.finditer(folded):
        word = match.group(1)
        stem = folded[: match.start()] + "\0" + folded[match.end() :]
        for end in {END_FOR[word], *END_WORDS}:
            wanted = _norm(stem.replace("\0", end))
            for other in names:
                if other != name and _norm(other) == wanted:
                    return other
    return None


@dataclass
class _Check:
    label: str
    checked: int = 0
    violations: int = 0
    rows: list[int] = field(default_factory=list)

    def flag(self, row: int) -> None:
        self.violations += 1
        if len(self.rows) < EXAMPLES:
            self.rows.append(row)


@dataclass
class _Total:
    total: int
    parts: list[int]
    label: str
    calibration: list[tuple[int, bool]] = field(default_factory=list)
    active: bool | None = None  # None while calibrating


def _number(value: object) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    return None


def _comparable(value: object) -> object | None:
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None) if value.tzinfo else value
    if isinstance(value, dt.date):
        return dt.datetime.combine(value, dt.time(0))
    return _number(value)


class ConsistencyChecks:
    def __init__(self, header: list[str], kinds: list[str]) -> None:
        self.header = header
        self.text_columns = [i for i, k in enumerate(kinds) if k in ("string", "any")]
        self.shapes: dict[int, Counter[tuple[str, str]]] = {i: Counter() for i in self.text_columns}
        self.pairs: list[tuple[int, int, _Check]] = []
        for i, name in enumerate(header):
            partner = _end_partner(name, header)
            if partner is not None:
                j = header.index(partner)
                self.pairs.append((i, j, _Check(f"„{name}“ ≤ „{partner}“")))
        self.totals = self._total_candidates(header, kinds)
        self.sum_check = _Check("Summen")
        self.postcode = next((i for i, n in enumerate(header) if POSTCODE.fullmatch(_norm(n))), None)
        self.place = next((i for i, n in enumerate(header) if PLACE.fullmatch(_norm(n))), None)
        self.places: dict[str, Counter[str]] = {}
        self.postcode_format = _Check("Postleitzahlen")

    @staticmethod
    def _total_candidates(header: list[str], kinds: list[str]) -> list[_Total]:
        out: list[_Total] = []
        for t, name in enumerate(header):
            if kinds[t] not in NUMERIC or not TOTAL.search(name):
                continue
            before: list[int] = []
            for i in range(t - 1, -1, -1):
                if kinds[i] not in NUMERIC or TOTAL.search(header[i]):
                    break
                before.insert(0, i)
            after: list[int] = []
            for i in range(t + 1, len(header)):
                if kinds[i] not in NUMERIC or TOTAL.search(header[i]):
                    break
                after.append(i)
            # the parts are the fewest adjacent columns that add up: try 2, 3, ... on either side
            for k in range(2, max(len(before), len(after)) + 1):
                if k <= len(after):
                    out.append(_Total(t, after[:k], name))
                if k <= len(before):
                    out.append(_Total(t, before[-k:], name))
        return out

    def add(self, number: int, row: list[object]) -> None:
        def cell(i: int) -> object:
            return row[i] if i < len(row) else None

        for i in self.text_columns:
            value = cell(i)
            if isinstance(value, str):
                text = value.strip()
                if not text or not (text[0].isdigit() or text[0] in "+-jJnNtTfF"):
                    continue  # no shape starts otherwise: skip the regular expressions
                for family, spelling, pattern in SHAPES:
                    if pattern.fullmatch(text):
                        self.shapes[i][(family, spelling)] += 1
                        break
        for i, j, check in self.pairs:
            start, end = _comparable(cell(i)), _comparable(cell(j))
            if start is None or end is None or type(start) is not type(end):
                continue
            check.checked += 1
            if start > end:  # type: ignore[operator]
                check.flag(number)
        for total in self.totals:
            self._add_total(total, number, cell)
        if self.postcode is not None:
            self._add_postcode(number, cell(self.postcode), cell(self.place) if self.place is not None else None)

    def _add_total(self, total: _Total, number: int, cell: Callable[[int], object]) -> None:
        value = _number(cell(total.total))
        parts = [_number(cell(p)) for p in total.parts]
        if value is None or any(p is None for p in parts):
            return
        ok = abs(value - sum(p for p in parts if p is not None)) <= max(0.01, abs(value) * 0.001)
        if total.active is None:
            total.calibration.append((number, ok))
            if len(total.calibration) >= CALIBRATION_ROWS:
                self._decide(total)
            return
        if total.active:
            self.sum_check.checked += 1
            if not ok:
                self.sum_check.flag(number)

    def _decide(self, total: _Total) -> None:
        good = sum(ok for _, ok in total.calibration)
        total.active = bool(total.calibration) and good / len(total.calibration) >= CALIBRATION_SHARE
        # one relation per total column: the first that adds up wins
        if total.active and any(o is not total and o.total == total.total and o.active for o in self.totals):
            total.active = False
        if total.active:
            for number, ok in total.calibration:
                self.sum_check.checked += 1
                if not ok:
                    self.sum_check.flag(number)
        total.calibration = []

    def _add_postcode(self, number: int, postcode: object, place: object) -> None:
        if postcode is None:
            return
        code = str(postcode).strip()
        if isinstance(postcode, int):
            code = f"{postcode:05d}"
        if not code:
            return
        self.postcode_format.checked += 1
        if not POSTCODE_VALUE.fullmatch(code):
            self.postcode_format.flag(number)
            return
        if isinstance(place, str) and place.strip() and (code in self.places or len(self.places) < MAX_POSTCODES):
            self.places.setdefault(code, Counter())[place.strip().casefold()] += 1

    def dimension(self, label: str) -> QualityDimension:
        for total in self.totals:
            if total.active is None:
                self._decide(total)
        checked = violations = 0
        reasons: list[str] = []
        for i, shapes in self.shapes.items():
            values = sum(shapes.values())
            if not values:
                continue
            checked += values
            families: dict[str, Counter[str]] = {}
            for (family, spelling), n in shapes.items():
                families.setdefault(family, Counter())[spelling] = n
            for spellings in families.values():
                used = [(s, n) for s, n in spellings.most_common() if n >= max(2, MIXED_MINORITY * values)]
                if len(used) > 1:
                    minority = sum(n for _, n in used[1:])
                    violations += minority
                    styles = ", ".join(f"{s} ({n}×)" for s, n in used)
                    reasons.append(f"Spalte „{self.header[i]}“ mischt Schreibweisen: {styles}.")
        for _i, _j, check in self.pairs:
            checked += check.checked
            violations += check.violations
            if check.violations:
                rows = ", ".join(map(str, check.rows))
                reasons.append(f"{check.label} verletzt in {check.violations} Zeilen (z. B. Zeile {rows}).")
        checked += self.sum_check.checked
        violations += self.sum_check.violations
        active = [t for t in self.totals if t.active]
        if active:
            names = "; ".join(f"„{t.label}“ = " + " + ".join(f"„{self.header[p]}“" for p in t.parts) for t in active)
            if self.sum_check.violations:
                rows = ", ".join(map(str, self.sum_check.rows))
                reasons.append(
                    f"Summe stimmt in {self.sum_check.violations} Zeilen nicht ({names}; z. B. Zeile {rows})."
                )
            else:
                reasons.append(f"Summen stimmen ({names}).")
        if self.postcode is not None:
            checked += self.postcode_format.checked
            violations += self.postcode_format.violations
            if self.postcode_format.violations:
                rows = ", ".join(map(str, self.postcode_format.rows))
                reasons.append(
                    f"{self.postcode_format.violations} Postleitzahlen ohne fünf Ziffern (z. B. Zeile {rows})."
                )
            split = {code: places for code, places in self.places.items() if len(places) > 1}
            mixed = sum(sum(p.values()) - max(p.values()) for p in split.values())
            violations += mixed
            if split:
                reasons.append(f"{len(split)} Postleitzahl(en) mit mehreren Ortsnamen ({mixed} abweichende Zeilen).")
        if not checked:
            return QualityDimension(
                key="consistency",
                label_de=label,
                score=None,
                reasons_de=["Keine Konsistenzprüfung anwendbar."],
            )
        if not reasons:
            reasons.append("Keine Widersprüche gefunden.")
        score = round(max(0.0, (checked - violations) / checked) * 100, 1)
        return QualityDimension(key="consistency", label_de=label, score=score, reasons_de=reasons)
