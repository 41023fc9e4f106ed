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
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from kikz.catalog.models import Dataset
from kikz.sensors.kpi import BERLIN, EPOCH_DATE, MIN_COMPLETENESS, CountSeries, DailyTotals, local_day_numbers
from kikz.sensors.models import Observation, Rollup
from kikz.sensors.store import DAY, HOUR, QUARTER
from kikz.tenancy.permissions import Principal, visible


@dataclass(frozen=True)
class Aggregates:
    """Raw rollup figures of one datastream at one resolution (for charts that show min/max/count too)."""

    start: list[dt.datetime]
    count: list[int]
    covered: list[int]
    total: list[float]
    minimum: list[float]
    maximum: list[float]


def _rollup_rows(
    session: Session,
    principal: Principal,
    datastream_ids: Sequence[int],
    resolution: int,
    start: dt.datetime,
    end: dt.datetime,
) -> list[tuple[int, dt.datetime, int, int, int, float]]:
    stmt = (
        select(Rollup.datastream_id, Rollup.bucket_start, Rollup.length, Rollup.count, Rollup.covered, Rollup.total)
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
    return [tuple(row) for row in session.execute(stmt)]  # type: ignore[misc]


def _present_value(length: int, count: int, covered: int, total: float) -> float:
    if covered == 0:  # instants: the bucket holds what was seen
        return total if count else np.nan
    return total if covered >= length else np.nan


def hourly(
    session: Session, principal: Principal, datastream_ids: Sequence[int], start: dt.datetime, end: dt.datetime
) -> dict[int, CountSeries]:
    """Complete clock hours per datastream from the hour rollups."""
    grouped: dict[int, tuple[list[int], list[float]]] = defaultdict(lambda: ([], []))
    for stream, bucket, length, count, covered, total in _rollup_rows(
        session, principal, datastream_ids, HOUR, start, end
    ):
        starts, values = grouped[stream]
        starts.append(int(bucket.timestamp()))
        values.append(_present_value(length, count, covered, total))
    return {
        stream: CountSeries(np.array(starts, dtype=np.int64), np.array(values, dtype=np.float64), HOUR)
        for stream, (starts, values) in grouped.items()
    }


def quarter_hourly(
    session: Session, principal: Principal, datastream_id: int, start: dt.datetime, end: dt.datetime
) -> CountSeries:
    """Quarter-hours of one datastream: the aggregated quarter rows of fine data, else the 15-minute counts."""
    rows = _rollup_rows(session, principal, [datastream_id], QUARTER, start, end)
    if rows:
        starts = [int(r[1].timestamp()) for r in rows]
        values = [_present_value(r[2], r[3], r[4], r[5]) for r in rows]
        return CountSeries(np.array(starts, dtype=np.int64), np.array(values, dtype=np.float64), QUARTER)
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
    grouped: dict[int, list[tuple[dt.datetime, int, int, int, float]]] = defaultdict(list)
    for stream, bucket, length, count, covered, total in _rollup_rows(
        session, principal, datastream_ids, DAY, start, end
    ):
        grouped[stream].append((bucket, length, count, covered, total))
    result: dict[int, DailyTotals] = {}
    for stream, rows in grouped.items():
        epochs = np.array([int(r[0].timestamp()) for r in rows], dtype=np.int64)
        index = local_day_numbers(epochs, BERLIN) - base
        coverage = np.zeros(width, dtype=np.int64)
        sums = np.zeros(width)
        coverage[index] = [r[3] for r in rows]
        sums[index] = [r[4] for r in rows]
        present = coverage // QUARTER
        expected = expected_seconds // QUARTER
        valid = coverage >= np.ceil(min_completeness * expected_seconds)
        with np.errstate(invalid="ignore", divide="ignore"):
            totals = np.where(valid, sums * expected_seconds / np.maximum(coverage, 1), np.nan)
        result[stream] = DailyTotals(list(dates), totals, present, expected, valid)
    return result


def combine_daily(days: Iterable[DailyTotals]) -> DailyTotals | None:
    """Cross-section of several directions or classes: a day is valid only if valid in every part."""
    parts = list(days)
    if not parts:
        return None
    first = parts[0]
    totals = np.sum([p.totals for p in parts], axis=0)
    valid = np.logical_and.reduce([p.valid for p in parts])
    present = np.min([p.present for p in parts], axis=0)
    return DailyTotals(list(first.dates), np.where(valid, totals, np.nan), present, first.expected, valid)


def aggregates(
    session: Session,
    principal: Principal,
    datastream_id: int,
    resolution: int,
    start: dt.datetime,
    end: dt.datetime,
) -> Aggregates:
    """Rollup rows with count, coverage, minimum and maximum (e.g. speeds per quarter-hour)."""
    stmt = (
        select(Rollup)
        .join(Dataset, Dataset.id == Rollup.dataset_id)
        .where(
            visible(principal, Dataset),
            Rollup.datastream_id == datastream_id,
            Rollup.resolution == resolution,
            Rollup.bucket_start >= start,
            Rollup.bucket_start < end,
        )
        .order_by(Rollup.bucket_start)
    )
    rows = session.scalars(stmt).all()
    return Aggregates(
        [r.bucket_start for r in rows],
        [r.count for r in rows],
        [r.covered for r in rows],
        [r.total for r in rows],
        [r.minimum for r in rows],
        [r.maximum for r in rows],
    )
