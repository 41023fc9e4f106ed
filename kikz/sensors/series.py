"""Reading stored counts as series: quarter-hours, hours and local days, always through the caller's rights.

Every query joins the rollup or observation rows to their sensor network (catalogue ``Dataset``) and applies
``visible(principal, Dataset)`` in SQL: a datastream the caller may not see yields an empty series, exactly like
one that does not exist.

Completeness: an hour or quarter-hour built from interval counts is *present* only if its intervals cover it
completely; a partial bucket is missing (NaN), never a silently low count. Day totals carry their coverage so
KPIs can apply the 90 % rule (:mod:`kikz.sensors.kpi`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import BigInteger, ColumnElement, Integer, cast, func, select
from sqlalchemy.orm import Session

from kikz.catalog.models import Dataset
from kikz.sensors.kpi import (
    BERLIN,
    EPOCH_DATE,
    MIN_COMPLETENESS,
    CountSeries,
    DailyTotals,
    FloatArray,
    IntArray,
)
from kikz.sensors.models import Observation, Rollup
from kikz.sensors.store import DAY, HOUR, QUARTER
from kikz.tenancy.permissions import Principal, visible


def epoch_seconds(session: Session, column: Any) -> ColumnElement[int]:
    """A stored UTC time as integer epoch seconds, computed by the database (no per-row datetime objects)."""
    if session.get_bind().dialect.name == "sqlite":
        return cast(func.strftime("%s", column), Integer)
    return cast(func.extract("epoch", column), BigInteger)


@dataclass(frozen=True)
class _Rows:
    stream: IntArray
    bucket: IntArray
    length: IntArray
    count: IntArray
    covered: IntArray
    total: FloatArray


def _rollup_rows(
    session: Session,
    principal: Principal,
    datastream_ids: Sequence[int],
    resolution: int,
    start: dt.datetime,
    end: dt.datetime,
) -> _Rows:
    stmt = (
        select(
            Rollup.datastream_id,
            epoch_seconds(session, Rollup.bucket_start),
            Rollup.length,
            Rollup.count,
            Rollup.covered,
            Rollup.total,
        )
        .join(Dataset, Dataset.id == Rollup.dataset_id)
        .where(
            visible(principal, Dataset),
            Rollup.datastream_id.in_(list(datastream_ids)),
            Rollup.resolution == resolution,
            Rollup.bucket_start >= start,
            Rollup.bucket_start < end,
        )
        .order_by(Rollup.datastream_id, Rollup.bucket_start)
    )
    rows = session.connection().execute(stmt).fetchall()
    if not rows:
        empty = np.zeros(0, dtype=np.int64)
        return _Rows(empty, empty, empty, empty, empty, np.zeros(0))
    stream, bucket, length, count, covered = (np.array(c, dtype=np.int64) for c in list(zip(*rows, strict=True))[:5])
    total = np.array([r[5] for r in rows], dtype=np.float64)
    return _Rows(stream, bucket, length, count, covered, total)


def _present_values(rows: _Rows) -> FloatArray:
    """Totals of complete buckets (instants: any bucket with values), NaN for partial ones."""
    complete = np.where(rows.covered == 0, rows.count > 0, rows.covered >= rows.length)
    return np.where(complete, rows.total, np.nan)


def _split(rows: _Rows, values: FloatArray, step: int) -> dict[int, CountSeries]:
    out: dict[int, CountSeries] = {}
    if rows.stream.size == 0:
        return out
    edges = np.flatnonzero(np.diff(rows.stream)) + 1
    for part in np.split(np.arange(rows.stream.size), edges):
        out[int(rows.stream[part[0]])] = CountSeries(rows.bucket[part], values[part], step)
    return out


def hourly(
    session: Session, principal: Principal, datastream_ids: Sequence[int], start: dt.datetime, end: dt.datetime
) -> dict[int, CountSeries]:
    """Complete clock hours per datastream from the hour rollups."""
    rows = _rollup_rows(session, principal, datastream_ids, HOUR, start, end)
    return _split(rows, _present_values(rows), HOUR)


def quarter_hourly(
    session: Session, principal: Principal, datastream_id: int, start: dt.datetime, end: dt.datetime
) -> CountSeries:
    """Quarter-hours of one datastream: the aggregated quarter rows of fine data, else the 15-minute counts."""
    rows = _rollup_rows(session, principal, [datastream_id], QUARTER, start, end)
    if rows.stream.size:
        return CountSeries(rows.bucket, _present_values(rows), QUARTER)
    stmt = (
        select(Observation.phenomenon_time, Observation.phenomenon_time_end, Observation.result_number)
        .join(Dataset, Dataset.id == Observation.dataset_id)
        .where(
            visible(principal, Dataset),
            Observation.datastream_id == datastream_id,
            Observation.phenomenon_time >= start,
            Observation.phenomenon_time < end,
            Observation.result_number.is_not(None),
        )
        .order_by(Observation.phenomenon_time)
    )
    starts, values = [], []
    for begin, finish, number in session.execute(stmt):
        epoch = int(begin.timestamp())
        if (
            number is not None
            and finish is not None
            and int(finish.timestamp()) - epoch == QUARTER
            and epoch % QUARTER == 0
        ):
            starts.append(epoch)
            values.append(float(number))
    return CountSeries(np.array(starts, dtype=np.int64), np.array(values, dtype=np.float64), QUARTER)


def daily(
    session: Session,
    principal: Principal,
    datastream_ids: Sequence[int],
    first: dt.date,
    last: dt.date,
    *,
    min_completeness: float = MIN_COMPLETENESS,
) -> dict[int, DailyTotals]:
    """Local days ``first``..``last`` (inclusive) per datastream from the day rollups, with validity by coverage."""
    start = dt.datetime.combine(first, dt.time(), BERLIN).astimezone(dt.UTC)
    end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), BERLIN).astimezone(dt.UTC)
    width = (last - first).days + 1
    base = (first - EPOCH_DATE).days
    dates = [first + dt.timedelta(days=i) for i in range(width)]
    expected_seconds = np.array(
        [
            int(
                dt.datetime.combine(d + dt.timedelta(days=1), dt.time(), BERLIN).timestamp()
                - dt.datetime.combine(d, dt.time(), BERLIN).timestamp()
            )
            for d in dates
        ],
        dtype=np.int64,
    )
    rows = _rollup_rows(session, principal, datastream_ids, DAY, start, end)
    result: dict[int, DailyTotals] = {}
    if rows.stream.size == 0:
        return result
    # a local midnight is 22:00 or 23:00 UTC the day before: two hours later it is on the local date
    day_index = (rows.bucket + 7200) // 86400 - base
    expected_quarters = expected_seconds // QUARTER
    edges = np.flatnonzero(np.diff(rows.stream)) + 1
    for part in np.split(np.arange(rows.stream.size), edges):
        coverage = np.zeros(width, dtype=np.int64)
        sums = np.zeros(width)
        coverage[day_index[part]] = rows.covered[part]
        sums[day_index[part]] = rows.total[part]
        valid = coverage >= np.ceil(min_completeness * expected_seconds)
        with np.errstate(invalid="ignore", divide="ignore"):
            totals = np.where(valid, sums * expected_seconds / np.maximum(coverage, 1), np.nan)
        day_totals = DailyTotals(list(dates), totals, coverage // QUARTER, expected_quarters, valid)
        result[int(rows.stream[part[0]])] = day_totals
    return result
