"""Storing Observations in bulk, with the rollups kept current in the same transaction.

Every path that writes Observations (STA POST and PATCH and DELETE, ``CreateObservations``, MQTT, the counter
importers, the demo) goes through :func:`store_observations` or :func:`refresh_rollups`, so the quarter-hour,
hour and day aggregates in ``sta_rollup`` never lag behind the raw values and late or corrected data is
reflected at once.

How a write works, per datastream:

1. the batch is deduplicated on phenomenon time (the later item wins, as a redelivery should);
2. the stored observations of every local day the batch touches are read once (id, interval, number);
3. new times are inserted in one ``executemany``, known times are updated by primary key (same id);
4. the rollup rows of those days are recomputed from the merged day in numpy and replaced.

Which buckets an observation counts toward: those its phenomenon interval fits into. A 15-minute count is a
quarter-hour value already, so it is not copied into a quarter row: it makes hour and day rows, and the
quarter-hour series reads it directly (``kikz.sensors.series``). Shorter intervals and instants (a single
vehicle's speed) are aggregated into quarter rows too. Only numeric results are aggregated.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import repeat
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlalchemy import and_, delete, or_, select
from sqlalchemy.orm import Session

from kikz.sensors.kpi import BERLIN, local_day_numbers
from kikz.sensors.models import Datastream, Observation, Rollup

QUARTER, HOUR, DAY = 900, 3600, 86400
RESOLUTIONS = (QUARTER, HOUR, DAY)
CREATED_KEY = "kikz_sta_created"
"""``session.info`` key under which created observations are listed when ``session.info[PUBLISH_KEY]`` is set
(the MQTT bridge sets it, so that nothing accumulates in sessions nobody publishes from)."""
PUBLISH_KEY = "kikz_sta_publish"
_EPOCH_DATE = dt.date(1970, 1, 1)
_UNIX = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]


@dataclass(slots=True)
class NewObservation:
    """A validated Observation ready to store (times are aware UTC datetimes)."""

    datastream_id: int
    dataset_id: int
    phenomenon_time: dt.datetime
    result: Any
    phenomenon_time_end: dt.datetime | None = None
    result_time: dt.datetime | None = None
    result_quality: Any = None
    valid_time_start: dt.datetime | None = None
    valid_time_end: dt.datetime | None = None
    parameters: dict[str, Any] | None = None
    feature_of_interest_id: int | None = None

    def row(self) -> dict[str, Any]:
        result = self.result
        number = float(result) if isinstance(result, int | float) and not isinstance(result, bool) else None
        return {
            "dataset_id": self.dataset_id,
            "datastream_id": self.datastream_id,
            "feature_of_interest_id": self.feature_of_interest_id,
            "phenomenon_time": self.phenomenon_time,
            "phenomenon_time_end": self.phenomenon_time_end,
            "result_time": self.result_time,
            "result_number": number,
            "result_text": result if isinstance(result, str) else None,
            "result_json": result,
            "result_quality": self.result_quality,
            "valid_time_start": self.valid_time_start,
            "valid_time_end": self.valid_time_end,
            "parameters": self.parameters,
        }


@dataclass(frozen=True, slots=True)
class Stored:
    id: int
    created: bool
    """False when an observation with the same datastream and phenomenon time was replaced."""


MICROS = 1_000_000
NO_END = np.iinfo(np.int64).min
"""``end_us`` of an instant (an observation without a phenomenon interval)."""


def _micros(moment: dt.datetime) -> int:
    delta = moment - _UNIX
    return (delta.days * 86400 + delta.seconds) * MICROS + delta.microseconds


def _moment_us(micros: int) -> dt.datetime:
    return _UNIX + dt.timedelta(microseconds=micros)


def _epoch(moment: dt.datetime) -> int:
    return int(moment.timestamp())


def _moment(epoch: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(epoch, dt.UTC)


@lru_cache(maxsize=8192)
def day_bounds(day_number: int) -> tuple[int, int]:
    """UTC epoch seconds of the local (Europe/Berlin) midnight starting and ending local day ``day_number``."""
    day = _EPOCH_DATE + dt.timedelta(days=day_number)
    begin = dt.datetime.combine(day, dt.time(), BERLIN)
    end = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(), BERLIN)
    return int(begin.timestamp()), int(end.timestamp())


def _day_ranges(days: Iterable[int]) -> list[tuple[int, int]]:
    """Contiguous runs of local day numbers as [first, last] pairs."""
    ordered = sorted(set(days))
    runs: list[tuple[int, int]] = []
    for day in ordered:
        if runs and runs[-1][1] == day - 1:
            runs[-1] = (runs[-1][0], day)
        else:
            runs.append((day, day))
    return runs


# --- writing ------------------------------------------------------------------------------------------------


def store_observations(session: Session, items: Sequence[NewObservation]) -> list[Stored]:
    """Insert or replace the observations and refresh the affected rollups; one result per item, in order."""
    session.flush()  # pending ORM rows (a deep insert's datastream or feature) must exist for the SQL below
    driver = _Driver(session)
    by_stream: dict[int, list[int]] = defaultdict(list)
    for position, item in enumerate(items):
        by_stream[item.datastream_id].append(position)
    results: list[Stored | None] = [None] * len(items)
    publish = bool(session.info.get(PUBLISH_KEY))
    for datastream_id, positions in by_stream.items():
        chosen = [items[p] for p in positions]
        batch = _Batch(
            datastream_id=datastream_id,
            dataset_id=chosen[0].dataset_id,
            start_us=np.fromiter((_micros(i.phenomenon_time) for i in chosen), dtype=np.int64, count=len(chosen)),
            end_us=np.fromiter(
                (NO_END if i.phenomenon_time_end is None else _micros(i.phenomenon_time_end) for i in chosen),
                dtype=np.int64,
                count=len(chosen),
            ),
            rows=[driver.values(i) for i in chosen],
            result_times=[i.result_time for i in chosen if i.result_time is not None],
        )
        ids, created = _store_stream(session, driver, batch)
        for position, row_id, was_created in zip(positions, ids, created, strict=True):
            outcome = results[position] = Stored(row_id, was_created)
            if publish and outcome.created:
                session.info.setdefault(CREATED_KEY, []).append((outcome.id, items[position]))
    return [r for r in results if r is not None]


def store_counts(
    session: Session,
    *,
    datastream_id: int,
    dataset_id: int,
    start_us: IntArray,
    end_us: IntArray,
    results: Sequence[int | float],
    feature_of_interest_id: int | None = None,
) -> list[int]:
    """The bulk path for plain numeric results (CreateObservations, importers, the demo), columnar throughout.

    ``start_us``/``end_us`` are UTC microseconds since the epoch (``NO_END`` for instants); values must be finite
    numbers (the caller has checked them). Same semantics as :func:`store_observations`; returns the ids.
    """
    session.flush()
    driver = _Driver(session)
    count = len(results)
    if count == 0:
        return []
    starts = driver.time_texts(start_us)
    has_end = end_us != NO_END
    ends = driver.time_texts(np.where(has_end, end_us, 0))
    end_texts = [text if flag else None for text, flag in zip(ends, has_end.tolist(), strict=True)]
    encoded = [repr(r) for r in results]
    numbers = np.asarray(results, dtype=np.float64).tolist()
    rows = list(
        zip(
            repeat(dataset_id, count),
            repeat(datastream_id, count),
            repeat(feature_of_interest_id, count),
            starts,
            end_texts,
            repeat(None, count),
            numbers,
            repeat(None, count),
            encoded,
            repeat(None, count),
            repeat(None, count),
            repeat(None, count),
            repeat(None, count),
            strict=True,
        )
    )
    batch = _Batch(datastream_id, dataset_id, np.asarray(start_us, np.int64), np.asarray(end_us, np.int64), rows)
    ids, created = _store_stream(session, driver, batch)
    if session.info.get(PUBLISH_KEY):
        for row_id, was_created, start, end, result in zip(
            ids, created, start_us.tolist(), end_us.tolist(), results, strict=True
        ):
            if was_created:
                item = NewObservation(
                    datastream_id,
                    dataset_id,
                    _moment_us(start),
                    result,
                    None if end == NO_END else _moment_us(end),
                    feature_of_interest_id=feature_of_interest_id,
                )
                session.info.setdefault(CREATED_KEY, []).append((row_id, item))
    return ids


@dataclass
class _Batch:
    """One datastream's observations as columns (``rows`` are driver parameter tuples, index 6 = number)."""

    datastream_id: int
    dataset_id: int
    start_us: IntArray
    end_us: IntArray
    rows: list[tuple[Any, ...]]
    result_times: list[dt.datetime] = field(default_factory=list)


_OBSERVATION_COLUMNS = (
    "dataset_id",
    "datastream_id",
    "feature_of_interest_id",
    "phenomenon_time",
    "phenomenon_time_end",
    "result_time",
    "result_number",
    "result_text",
    "result_json",
    "result_quality",
    "valid_time_start",
    "valid_time_end",
    "parameters",
)
_JSON_COLUMNS = {"result_json", "result_quality", "parameters"}
_TIME_COLUMNS = {"phenomenon_time", "phenomenon_time_end", "result_time", "valid_time_start", "valid_time_end"}


class _Driver:
    """Statements executed straight through the DBAPI (``executemany``) with values converted once, in Python.

    The ORM's per-value type processing costs more than the insert itself for large batches; the conversions
    here produce exactly what the column types store (UTC text on SQLite, ``timestamptz`` and ``json`` on
    PostgreSQL), so ORM reads of these rows are unaffected (tested).
    """

    def __init__(self, session: Session) -> None:
        self.connection = session.connection()
        self.texts: dict[dt.datetime, str] = {}
        self.sqlite = self.connection.dialect.name == "sqlite"
        mark = "?" if self.sqlite else "%s"
        self.mark = mark

        def placeholder(column: str) -> str:
            return f"{mark}::json" if column in _JSON_COLUMNS and not self.sqlite else mark

        columns = ", ".join(_OBSERVATION_COLUMNS)
        values = ", ".join(placeholder(c) for c in _OBSERVATION_COLUMNS)
        self.insert_sql = f"INSERT INTO sta_observation ({columns}) VALUES ({values})"
        self.insert_with_id_sql = f"INSERT INTO sta_observation (id, {columns}) VALUES ({mark}, {values})"
        assignments = ", ".join(f"{c} = {placeholder(c)}" for c in _OBSERVATION_COLUMNS)
        self.update_sql = f"UPDATE sta_observation SET {assignments} WHERE id = {mark}"
        rollup_columns = (
            "datastream_id, resolution, bucket_start, dataset_id, length, count, covered, total, minimum, maximum"
        )
        self.rollup_sql = f"INSERT INTO sta_rollup ({rollup_columns}) VALUES ({', '.join([mark] * 10)})"

    def micros(self, column: str) -> str:
        """SQL for a stored time as exact integer microseconds since the epoch (NULL stays NULL)."""
        if self.sqlite:  # stored as 'YYYY-MM-DD HH:MM:SS.ffffff' (UTC)
            return f"(CAST(strftime('%s', {column}) AS INTEGER) * 1000000 + CAST(substr({column}, 21, 6) AS INTEGER))"
        return f"CAST(EXTRACT(EPOCH FROM {column}) * 1000000 AS BIGINT)"

    def time_texts(self, micros: IntArray) -> list[str]:
        """Stored forms of many UTC times at C speed (SQLite text, or ISO text with offset for PostgreSQL)."""
        text = np.datetime_as_string(np.asarray(micros, dtype=np.int64).astype("datetime64[us]"), unit="us")
        spaced = np.char.replace(text, "T", " ")
        if not self.sqlite:
            spaced = np.char.add(spaced, "+00:00")
        texts: list[str] = spaced.tolist()
        return texts

    def time(self, value: dt.datetime | None) -> Any:
        """The stored form of a UTC time; SQLite text is cached, as interval ends are the next starts."""
        if value is None or not self.sqlite:
            return value
        text = self.texts.get(value)
        if text is None:
            if value.tzinfo is not dt.UTC:
                value = value.astimezone(dt.UTC)
            text = self.texts[value] = value.isoformat(" ", "microseconds")[:26]
        return text

    def values(self, item: NewObservation) -> tuple[Any, ...]:
        """Parameters in ``_OBSERVATION_COLUMNS`` order (index 6 is ``result_number``)."""
        result = item.result
        if isinstance(result, bool) or not isinstance(result, int | float):
            number, text = None, result if isinstance(result, str) else None
            encoded = json.dumps(result, ensure_ascii=False)
        else:
            number, text, encoded = float(result), None, repr(result)  # finite numbers: repr is their JSON
        time = self.time
        return (
            item.dataset_id,
            item.datastream_id,
            item.feature_of_interest_id,
            time(item.phenomenon_time),
            item.phenomenon_time_end and time(item.phenomenon_time_end),
            item.result_time and time(item.result_time),
            number,
            text,
            encoded,
            None if item.result_quality is None else json.dumps(item.result_quality, ensure_ascii=False),
            item.valid_time_start and time(item.valid_time_start),
            item.valid_time_end and time(item.valid_time_end),
            None if item.parameters is None else json.dumps(item.parameters, ensure_ascii=False),
        )

    def insert(self, rows: list[tuple[Any, ...]]) -> list[int]:
        """Insert observations; their new ids in order.

        PostgreSQL: ids are drawn from the sequence first. SQLite: the table has no AUTOINCREMENT, so each row gets
        the largest rowid plus one, and our transaction holds the only write lock from the first row to the commit:
        the new rows are exactly the top ``len(rows)`` ids (checked, so a surprise fails loudly).
        """
        if not rows:
            return []
        if not self.sqlite:
            ids = [
                int(i)
                for (i,) in self.connection.exec_driver_sql(
                    "SELECT nextval(pg_get_serial_sequence('sta_observation', 'id')) FROM generate_series(1, %s)",
                    (len(rows),),
                )
            ]
            self.connection.exec_driver_sql(
                self.insert_with_id_sql, [(i, *row) for i, row in zip(ids, rows, strict=True)]
            )
            return ids
        self.connection.exec_driver_sql(self.insert_sql, rows)
        top = int(self.connection.exec_driver_sql("SELECT max(id) FROM sta_observation").scalar_one())
        first = top - len(rows) + 1
        check = self.connection.exec_driver_sql(
            "SELECT count(*) FROM sta_observation WHERE id >= ?", (first,)
        ).scalar_one()
        if check != len(rows):
            raise RuntimeError("sta_observation ids are not consecutive after a bulk insert")
        return list(range(first, top + 1))

    def run(self, sql: str, params: list[tuple[Any, ...]]) -> None:
        if params:
            self.connection.exec_driver_sql(sql, params)

    def day_rows(self, datastream_id: int, runs: list[tuple[int, int]], columns: str) -> list[tuple[Any, ...]]:
        """Rows of the stream inside the local-day runs, ordered by phenomenon time."""
        ranges = " OR ".join(f"(phenomenon_time >= {self.mark} AND phenomenon_time < {self.mark})" for _ in runs)
        params: list[Any] = [datastream_id]
        for first, last in runs:
            params += [self.time(_moment(day_bounds(first)[0])), self.time(_moment(day_bounds(last)[1]))]
        sql = (
            f"SELECT {columns} FROM sta_observation WHERE datastream_id = {self.mark} AND ({ranges}) "
            "ORDER BY phenomenon_time"
        )
        return [tuple(r) for r in self.connection.exec_driver_sql(sql, tuple(params)).fetchall()]


def _store_stream(session: Session, driver: _Driver, batch: _Batch) -> tuple[list[int], list[bool]]:
    """Write one stream's batch; the later of two items with the same phenomenon time wins."""
    count = len(batch.rows)
    # the last occurrence of every start time, in time order
    reversed_unique, first_in_reversed = np.unique(batch.start_us[::-1], return_index=True)
    winners = count - 1 - first_in_reversed
    start_us = reversed_unique
    end_us = batch.end_us[winners]
    seconds = start_us // MICROS
    runs = _day_ranges(int(d) for d in np.unique(local_day_numbers(seconds, BERLIN)))
    existing = driver.day_rows(
        batch.datastream_id,
        runs,
        f"id, {driver.micros('phenomenon_time')}, {driver.micros('phenomenon_time_end')}, result_number",
    )
    known = {int(row[1]): int(row[0]) for row in existing}
    ids = np.zeros(len(winners), dtype=np.int64)
    created = np.zeros(len(winners), dtype=bool)
    positions = winners.tolist()
    if known:
        is_known = np.isin(start_us, np.fromiter(known, dtype=np.int64, count=len(known)))
        updates = [
            (*batch.rows[p], known[start])
            for p, start, flag in zip(positions, start_us.tolist(), is_known.tolist(), strict=True)
            if flag
        ]
        ids[is_known] = [u[-1] for u in updates]
        inserted = np.flatnonzero(~is_known)
    else:
        updates = []
        inserted = np.arange(len(winners))
    inserts = [batch.rows[p] for p in winners[inserted].tolist()]
    new_ids = driver.insert(inserts)
    ids[inserted] = new_ids
    created[inserted] = True
    driver.run(driver.update_sql, updates)
    # the rollups of the touched days: stored rows, overwritten by the batch
    numbers = np.array([batch.rows[p][6] if batch.rows[p][6] is not None else np.nan for p in winners.tolist()])
    if existing:
        old_start = np.array([int(r[1]) for r in existing], dtype=np.int64)
        keep = ~np.isin(old_start, start_us)
        old_end = np.array([NO_END if r[2] is None else int(r[2]) for r in existing], dtype=np.int64)[keep]
        old_numbers = np.array([np.nan if r[3] is None else float(r[3]) for r in existing])[keep]
        all_start = np.concatenate((old_start[keep], start_us))
        order = np.argsort(all_start, kind="stable")
        all_start = all_start[order]
        all_end = np.concatenate((old_end, end_us))[order]
        all_numbers = np.concatenate((old_numbers, numbers))[order]
    else:
        all_start, all_end, all_numbers = start_us, end_us, numbers
    _write_rollups(session, driver, batch.datastream_id, batch.dataset_id, runs, all_start, all_end, all_numbers)
    _widen_stream(session, batch, int(start_us[0]), int(np.max(np.where(end_us == NO_END, start_us, end_us))))
    # the ORM must not keep stale copies of rows changed behind its back
    for _row, row_id in ((u, u[-1]) for u in updates):
        stale = session.identity_map.get((Observation, (row_id,), None))
        if stale is not None:
            session.expire(stale)
    # every item answers: the winner's id; earlier duplicates of a time count as replaced
    if len(positions) == count:
        out_ids: list[int] = [0] * count
        out_created: list[bool] = [False] * count
        for position, row_id, was_created in zip(positions, ids.tolist(), created.tolist(), strict=True):
            out_ids[position] = row_id
            out_created[position] = was_created
        return out_ids, out_created
    by_start = dict(zip(start_us.tolist(), ids.tolist(), strict=True))
    winner_created = dict(zip(positions, created.tolist(), strict=True))
    out_ids = [by_start[start] for start in batch.start_us.tolist()]
    out_created = [winner_created.get(position, False) for position in range(count)]
    return out_ids, out_created


def _widen_stream(session: Session, batch: _Batch, first_us: int, last_us: int) -> None:
    stream = session.get(Datastream, batch.datastream_id)
    if stream is None:
        return
    first, last = _moment_us(first_us), _moment_us(last_us)
    if stream.phenomenon_time_start is None or first < stream.phenomenon_time_start:
        stream.phenomenon_time_start = first
    if stream.phenomenon_time_end is None or last > stream.phenomenon_time_end:
        stream.phenomenon_time_end = last
    if batch.result_times:
        early, late = min(batch.result_times), max(batch.result_times)
        if stream.result_time_start is None or early < stream.result_time_start:
            stream.result_time_start = early
        if stream.result_time_end is None or late > stream.result_time_end:
            stream.result_time_end = late


# --- rollups ------------------------------------------------------------------------------------------------


def refresh_rollups(session: Session, datastream_id: int, moments: Iterable[dt.datetime]) -> None:
    """Recompute the rollups of the local days holding ``moments`` (after a PATCH or DELETE)."""
    epochs = np.array([_epoch(m) for m in moments], dtype=np.int64)
    if epochs.size:
        _replace_rollups(session, datastream_id, _day_ranges(int(d) for d in local_day_numbers(epochs, BERLIN)))


def rebuild_rollups(session: Session, datastream_id: int) -> int:
    """Recompute every rollup of a datastream from its observations (repair, migration); returns rows written."""
    bounds = session.execute(
        select(Observation.phenomenon_time)
        .where(Observation.datastream_id == datastream_id)
        .order_by(Observation.phenomenon_time)
        .limit(1)
    ).scalar()
    session.execute(delete(Rollup).where(Rollup.datastream_id == datastream_id))
    if bounds is None:
        return 0
    last = session.execute(
        select(Observation.phenomenon_time)
        .where(Observation.datastream_id == datastream_id)
        .order_by(Observation.phenomenon_time.desc())
        .limit(1)
    ).scalar_one()
    first_day, last_day = (int(d) for d in local_day_numbers(np.array([_epoch(bounds), _epoch(last)]), BERLIN))
    return _replace_rollups(session, datastream_id, [(first_day, last_day)])


def _replace_rollups(session: Session, datastream_id: int, runs: list[tuple[int, int]]) -> int:
    dataset_id = session.execute(select(Datastream.dataset_id).where(Datastream.id == datastream_id)).scalar_one()
    driver = _Driver(session)
    rows = driver.day_rows(
        datastream_id,
        runs,
        f"{driver.micros('phenomenon_time')}, {driver.micros('phenomenon_time_end')}, result_number",
    )
    start = np.array([int(r[0]) for r in rows], dtype=np.int64)
    end = np.array([NO_END if r[1] is None else int(r[1]) for r in rows], dtype=np.int64)
    numbers = np.array([np.nan if r[2] is None else float(r[2]) for r in rows], dtype=np.float64)
    return _write_rollups(session, driver, datastream_id, dataset_id, runs, start, end, numbers)


def _write_rollups(
    session: Session,
    driver: _Driver,
    datastream_id: int,
    dataset_id: int,
    runs: list[tuple[int, int]],
    start_us: IntArray,
    end_us: IntArray,
    numbers: FloatArray,
) -> int:
    """Replace the rollup rows of the day runs by those of the given day contents (sorted by start, NaN = text)."""
    session.execute(
        delete(Rollup).where(
            Rollup.datastream_id == datastream_id,
            or_(
                *(
                    and_(
                        Rollup.bucket_start >= _moment(day_bounds(first)[0]),
                        Rollup.bucket_start < _moment(day_bounds(last)[1]),
                    )
                    for first, last in runs
                )
            ),
        )
    )
    numeric = ~np.isnan(numbers)
    if not numeric.any():
        return 0
    start = start_us[numeric] // MICROS
    end_raw = end_us[numeric]
    end = np.where(end_raw == NO_END, -1, -(-end_raw // MICROS))
    records: list[tuple[Any, ...]] = []
    for level in rollup_columns(start, end, numbers[numeric]):
        size = level.bucket.size
        records.extend(
            zip(
                repeat(datastream_id, size),
                repeat(level.resolution, size),
                driver.time_texts(level.bucket * MICROS),
                repeat(dataset_id, size),
                level.length.tolist(),
                level.count.tolist(),
                level.covered.tolist(),
                level.total.tolist(),
                level.minimum.tolist(),
                level.maximum.tolist(),
                strict=True,
            )
        )
    driver.run(driver.rollup_sql, records)
    return len(records)


@dataclass(frozen=True)
class RollupColumns:
    """The buckets of one resolution as columns (``bucket`` in UTC epoch seconds)."""

    resolution: int
    bucket: IntArray
    length: IntArray
    count: IntArray
    covered: IntArray
    total: FloatArray
    minimum: FloatArray
    maximum: FloatArray


def rollup_columns(start: IntArray, end: IntArray, values: FloatArray) -> list[RollupColumns]:
    """Rollups of observations sorted by start (UTC epoch seconds; ``end`` −1 for instants), one entry per level."""
    instant = end < 0
    length = np.where(instant, 0, end - start)
    out: list[RollupColumns] = []
    for resolution in RESOLUTIONS:
        if resolution == DAY:
            days, inverse = np.unique(local_day_numbers(start, BERLIN), return_inverse=True)
            bounds = np.array([day_bounds(int(d)) for d in days], dtype=np.int64).reshape(-1, 2)
            bucket, bucket_end = bounds[inverse, 0], bounds[inverse, 1]
        else:
            bucket = start - start % resolution
            bucket_end = bucket + resolution
        fits = instant | (end <= bucket_end)
        if resolution == QUARTER:
            fits &= instant | (length < QUARTER)  # a full quarter-hour is its own quarter value
        if not fits.any():
            continue
        b, v, c = bucket[fits], values[fits], length[fits]
        firsts = np.concatenate(([0], np.flatnonzero(np.diff(b)) + 1))
        out.append(
            RollupColumns(
                resolution,
                b[firsts],
                bucket_end[fits][firsts] - b[firsts],
                np.diff(np.concatenate((firsts, [b.size]))),
                np.add.reduceat(c, firsts),
                np.add.reduceat(v, firsts),
                np.minimum.reduceat(v, firsts),
                np.maximum.reduceat(v, firsts),
            )
        )
    return out
