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
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlalchemy import and_, delete, insert, or_, select, update
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


def _day_condition(datastream_id: int, runs: list[tuple[int, int]], column: Any) -> Any:
    parts = [
        and_(column >= _moment(day_bounds(first)[0]), column < _moment(day_bounds(last)[1])) for first, last in runs
    ]
    return and_(Observation.datastream_id == datastream_id, or_(*parts) if len(parts) > 1 else parts[0])


# --- writing ------------------------------------------------------------------------------------------------


def store_observations(session: Session, items: Sequence[NewObservation]) -> list[Stored]:
    """Insert or replace the observations and refresh the affected rollups; one result per item, in order."""
    by_stream: dict[int, dict[dt.datetime, int]] = defaultdict(dict)
    for position, item in enumerate(items):
        by_stream[item.datastream_id][item.phenomenon_time] = position  # the later item wins
    results: list[Stored | None] = [None] * len(items)
    publish = bool(session.info.get(PUBLISH_KEY))
    for datastream_id, positions in by_stream.items():
        latest = {position: items[position] for position in positions.values()}
        stored = _store_stream(session, datastream_id, latest)
        for position, outcome in stored.items():
            results[position] = outcome
            if publish and outcome.created:
                session.info.setdefault(CREATED_KEY, []).append((outcome.id, latest[position]))
    # earlier duplicates of a time answer with the id of the item that won
    for position, item in enumerate(items):
        if results[position] is None:
            won = results[by_stream[item.datastream_id][item.phenomenon_time]]
            assert won is not None
            results[position] = Stored(won.id, False)
    return [r for r in results if r is not None]


def _store_stream(session: Session, datastream_id: int, items: dict[int, NewObservation]) -> dict[int, Stored]:
    days = {int(d) for d in local_day_numbers(np.array([_epoch(i.phenomenon_time) for i in items.values()]), BERLIN)}
    runs = _day_ranges(days)
    existing = {
        row.phenomenon_time: row.id
        for row in session.execute(
            select(Observation.id, Observation.phenomenon_time).where(
                _day_condition(datastream_id, runs, Observation.phenomenon_time)
            )
        )
    }
    inserts: list[tuple[int, dict[str, Any]]] = []
    updates: list[dict[str, Any]] = []
    outcome: dict[int, Stored] = {}
    for position, item in items.items():
        row = item.row()
        known = existing.get(item.phenomenon_time)
        if known is None:
            inserts.append((position, row))
        else:
            row["id"] = known
            updates.append(row)
            outcome[position] = Stored(known, False)
    if inserts:
        ids = session.scalars(
            insert(Observation).returning(Observation.id, sort_by_parameter_order=True), [row for _, row in inserts]
        ).all()
        for (position, _row), new_id in zip(inserts, ids, strict=True):
            outcome[position] = Stored(new_id, True)
    if updates:
        session.execute(update(Observation), updates)
    _replace_rollups(session, datastream_id, runs)
    _widen_stream(session, datastream_id, items.values())
    return outcome


def _widen_stream(session: Session, datastream_id: int, items: Iterable[NewObservation]) -> None:
    stream = session.get(Datastream, datastream_id)
    if stream is None:
        return
    listed = list(items)
    first = min(i.phenomenon_time for i in listed)
    last = max(i.phenomenon_time_end or i.phenomenon_time for i in listed)
    if stream.phenomenon_time_start is None or first < stream.phenomenon_time_start:
        stream.phenomenon_time_start = first
    if stream.phenomenon_time_end is None or last > stream.phenomenon_time_end:
        stream.phenomenon_time_end = last
    result_times = [i.result_time for i in listed if i.result_time is not None]
    if result_times:
        if stream.result_time_start is None or min(result_times) < stream.result_time_start:
            stream.result_time_start = min(result_times)
        if stream.result_time_end is None or max(result_times) > stream.result_time_end:
            stream.result_time_end = max(result_times)


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
    rows = session.execute(
        select(Observation.phenomenon_time, Observation.phenomenon_time_end, Observation.result_number)
        .where(_day_condition(datastream_id, runs, Observation.phenomenon_time))
        .where(Observation.result_number.is_not(None))
        .order_by(Observation.phenomenon_time)
    ).all()
    if not rows:
        return 0
    start = np.fromiter((_epoch(r[0]) for r in rows), dtype=np.int64, count=len(rows))
    end = np.fromiter((_epoch(r[1]) if r[1] is not None else -1 for r in rows), dtype=np.int64, count=len(rows))
    values = np.fromiter((r[2] for r in rows), dtype=np.float64, count=len(rows))
    records = [
        {"datastream_id": datastream_id, "dataset_id": dataset_id, **bucket}
        for bucket in compute_rollups(start, end, values)
    ]
    if records:
        session.execute(insert(Rollup), records)
    return len(records)


def compute_rollups(start: IntArray, end: IntArray, values: FloatArray) -> list[dict[str, Any]]:
    """Rollup rows for observations sorted by start (UTC epochs; ``end`` −1 for instants)."""
    instant = end < 0
    length = np.where(instant, 0, end - start)
    out: list[dict[str, Any]] = []
    for resolution in RESOLUTIONS:
        if resolution == DAY:
            day_numbers = local_day_numbers(start, BERLIN)
            bucket = np.array([day_bounds(int(d))[0] for d in day_numbers], dtype=np.int64)
            bucket_end = np.array([day_bounds(int(d))[1] for d in day_numbers], dtype=np.int64)
        else:
            bucket = start - start % resolution
            bucket_end = bucket + resolution
        fits = instant | (end <= bucket_end)
        if resolution == QUARTER:
            fits &= instant | (length < QUARTER)  # a full quarter-hour is its own quarter value
        if not fits.any():
            continue
        b, v, c = bucket[fits], values[fits], length[fits]
        edges = np.flatnonzero(np.diff(b)) + 1
        firsts = np.concatenate(([0], edges))
        counts = np.diff(np.concatenate((firsts, [b.size])))
        totals = np.add.reduceat(v, firsts)
        covered = np.add.reduceat(c, firsts)
        minima = np.minimum.reduceat(v, firsts)
        maxima = np.maximum.reduceat(v, firsts)
        lengths = bucket_end[fits][firsts] - b[firsts]
        for i, first in enumerate(firsts):
            out.append(
                {
                    "resolution": resolution,
                    "bucket_start": _moment(int(b[first])),
                    "length": int(lengths[i]),
                    "count": int(counts[i]),
                    "covered": int(covered[i]),
                    "total": float(totals[i]),
                    "minimum": float(minima[i]),
                    "maximum": float(maxima[i]),
                }
            )
    return out
