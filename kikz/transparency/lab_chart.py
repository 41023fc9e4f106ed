"""Lesson "Baue dein Diagramm": a bar or line chart from a column pair of an open CSV file.

Only CSV files stored in the catalogue for datasets an anonymous visitor may see (öffentlich and published,
checked in SQL with ``visible(ANONYMOUS, Dataset)``) can be chosen. The file is read with the catalogue's own
reader; at most ``MAX_ROWS`` rows are used and at most ``MAX_BARS`` bars or ``MAX_POINTS`` points drawn, so a
large file never makes a slow page. The chart is server-rendered SVG (:mod:`kikz.sensors.charts`).
"""

from __future__ import annotations

import datetime as dt
import enum
import math
from collections.abc import Iterator
from dataclasses import dataclass, field

from sqlalchemy import Row, Select, select
from sqlalchemy.orm import Session

from kikz.catalog import tabular
from kikz.catalog.models import Dataset, Distribution
from kikz.catalog.tabular.model import INTEGER, NUMBER
from kikz.catalog.tabular.values import display
from kikz.errors import InvalidInput, KikzError, NotFound
from kikz.sensors import charts
from kikz.storage import FileStore
from kikz.tenancy.models import Municipality
from kikz.tenancy.permissions import ANONYMOUS, visible

MAX_ROWS = 5000
MAX_BARS = 20
MAX_POINTS = 400
MAX_SOURCES = 300
LABEL_CHARS = 40

_SourceColumns = tuple[str, str, str, str, str, str, str | None, int | None]


@dataclass(frozen=True)
class CsvSource:
    identifier: str
    """The distribution's identifier: what the form sends."""
    dataset_name: str
    dataset_title: str
    city: str
    title: str
    file_name: str
    checksum: str
    row_count: int | None

    @property
    def label(self) -> str:
        part = self.title or self.file_name
        return f"{self.dataset_title} – {part}" if part and part != self.dataset_title else self.dataset_title


def _sources_query() -> Select[*_SourceColumns]:
    return (
        select(
            Distribution.identifier,
            Dataset.name,
            Dataset.title,
            Municipality.name.label("city"),
            Distribution.title.label("dist_title"),
            Distribution.file_name,
            Distribution.checksum_sha256,
            Distribution.row_count,
        )
        .join(Dataset, Dataset.id == Distribution.dataset_id)
        .join(Municipality, Municipality.id == Dataset.municipality_id)
        .where(
            visible(ANONYMOUS, Dataset),
            Distribution.format == "CSV",
            Distribution.checksum_sha256.is_not(None),
            Distribution.access_url == "",
        )
    )


def _source(row: Row[*_SourceColumns]) -> CsvSource:
    return CsvSource(
        row.identifier,
        row.name,
        row.title,
        row.city,
        row.dist_title,
        row.file_name,
        row.checksum_sha256,
        row.row_count,
    )


def open_csv_sources(session: Session) -> list[CsvSource]:
    """Stored CSV files of public datasets, by city and title (at most ``MAX_SOURCES``)."""
    stmt = _sources_query().order_by(Municipality.name, Dataset.title, Distribution.id).limit(MAX_SOURCES)
    return [_source(row) for row in session.execute(stmt)]


def open_csv_source(session: Session, identifier: str) -> CsvSource:
    stmt = _sources_query().where(Distribution.identifier == identifier)
    row = session.execute(stmt).first()
    if row is None:
        raise NotFound("Diese offene CSV-Datei gibt es nicht. / No such open CSV file.")
    return _source(row)


@dataclass(frozen=True)
class ChartColumn:
    name: str
    type: str

    @property
    def numeric(self) -> bool:
        return self.type in (INTEGER, NUMBER)


def columns_of(store: FileStore, source: CsvSource) -> list[ChartColumn]:
    info = tabular.describe(store.path_for(source.checksum), "CSV")
    return [ChartColumn(c.name, c.type) for c in info.columns]


class Aggregation(enum.StrEnum):
    COUNT = "anzahl"
    SUM = "summe"
    MEAN = "mittel"


class ChartKind(enum.StrEnum):
    BAR = "balken"
    LINE = "linie"


@dataclass(frozen=True)
class ChartRequest:
    x: str
    y: str | None
    """None: count rows per x value."""
    aggregation: Aggregation
    kind: ChartKind


@dataclass
class ChartData:
    request: ChartRequest
    labels: list[str]
    values: list[float]
    rows_read: int
    more_rows: bool
    """The file has more than ``MAX_ROWS`` rows; only the first were used."""
    skipped: int
    """Rows whose y value was empty or not a number."""
    groups: int
    """Distinct x values found; more than shown when bars or points were cut."""
    notes: list[str] = field(default_factory=list)

    @property
    def shown(self) -> int:
        return len(self.labels)


def parse_request(columns: list[ChartColumn], x: str, y: str, aggregation: str, kind: str) -> ChartRequest:
    """Check the learner's choices against the file's columns; clear messages for every wrong choice."""
    names = {c.name: c for c in columns}
    if x not in names:
        raise InvalidInput("Bitte eine Spalte für die x-Achse wählen. / Please choose a column for the x axis.")
    try:
        agg = Aggregation(aggregation or Aggregation.COUNT)
        chart = ChartKind(kind or ChartKind.BAR)
    except ValueError as exc:
        raise InvalidInput("Bitte eine der angebotenen Möglichkeiten wählen. / Please pick an offered option.") from exc
    if agg == Aggregation.COUNT:
        return ChartRequest(x, None, agg, chart)
    column = names.get(y)
    if column is None or not column.numeric:
        raise InvalidInput(
            "Für Summe oder Mittelwert bitte eine Spalte mit Zahlen wählen. "
            "/ For a sum or mean please choose a column with numbers."
        )
    return ChartRequest(x, y, agg, chart)


def _first_rows(rows: Iterator[list[object]]) -> tuple[list[list[object]], bool]:
    taken: list[list[object]] = []
    for row in rows:
        if len(taken) == MAX_ROWS:
            return taken, True
        taken.append(row)
    return taken, False


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def _sort_key(value: object) -> tuple[int, object]:
    """Numbers, then dates, then text: a line chart needs an order that means something."""
    if isinstance(value, bool):
        return (3, str(value))
    if isinstance(value, int | float):
        return (0, float(value))
    if isinstance(value, dt.datetime):
        return (1, value.replace(tzinfo=None).isoformat())
    if isinstance(value, dt.date):
        return (1, value.isoformat())
    return (2, display(value))


def build(store: FileStore, source: CsvSource, request: ChartRequest) -> ChartData:
    path = store.path_for(source.checksum)
    header = tabular.header(path, "CSV")
    x_index = header.index(request.x)
    y_index = header.index(request.y) if request.y is not None else None
    rows, more = _first_rows(tabular.iter_rows(path, "CSV"))
    sums: dict[object, float] = {}
    counts: dict[object, int] = {}
    skipped = 0
    for row in rows:
        key = row[x_index]
        key = "" if key is None else key
        if isinstance(key, dict | list):
            key = display(key)
        if y_index is None:
            value = 1.0
        else:
            number = _number(row[y_index])
            if number is None:
                skipped += 1
                continue
            value = number
        sums[key] = sums.get(key, 0.0) + value
        counts[key] = counts.get(key, 0) + 1
    mean = request.aggregation == Aggregation.MEAN
    totals = {k: sums[k] / counts[k] if mean else sums[k] for k in sums}
    if request.kind == ChartKind.BAR:
        ordered = sorted(totals, key=lambda k: (-totals[k], _sort_key(k)))[:MAX_BARS]
    else:
        ordered = sorted(totals, key=_sort_key)[:MAX_POINTS]
    return ChartData(
        request=request,
        labels=[_label(k) for k in ordered],
        values=[totals[k] for k in ordered],
        rows_read=len(rows),
        more_rows=more,
        skipped=skipped,
        groups=len(totals),
    )


def _label(value: object) -> str:
    text = display(value) or "–"
    return text if len(text) <= LABEL_CHARS else text[: LABEL_CHARS - 1] + "…"


def svg(data: ChartData, *, chart_id: str, title: str, description: str, unit: str, lang: str) -> str:
    """The chart as accessible SVG markup (title and description from the page, in the reader's language)."""
    style = charts.Style(lang=lang)
    if data.request.kind == ChartKind.BAR:
        bars = [charts.Bar(label, value) for label, value in zip(data.labels, data.values, strict=True)]
        return charts.bar_chart(
            chart_id=chart_id, title=title, description=description, bars=bars, unit=unit, style=style
        )
    count = len(data.labels)
    step = max(1, math.ceil(count / 8))
    ticks = [(i, data.labels[i][:16]) for i in range(0, count, step)]
    return charts.line_chart(
        chart_id=chart_id,
        title=title,
        description=description,
        series=[charts.Series(unit, list(data.values))],
        x_labels=ticks,
        unit=unit,
        markers=count <= 60,
        style=style,
    )


def safe_build(store: FileStore, source: CsvSource, request: ChartRequest) -> ChartData:
    """``build`` with unreadable files turned into a clear message instead of an error page."""
    try:
        return build(store, source, request)
    except KikzError:
        raise
    except (OSError, ValueError, UnicodeDecodeError) as exc:
        raise InvalidInput(
            f"Die Datei kann nicht gelesen werden ({type(exc).__name__}). / The file cannot be read."
        ) from exc
