"""Gaps of counting sites: recording what a counter file says is missing or invalid, and listing them.

A gap (``sta_gap``) is stored once per Datastream and start. Inside the span a file covers for a stream (its first
to its last interval) the file is the truth: a stored gap it no longer reports is closed (deleted, or cut back to
the part outside the span), and a "missing" interval is recorded only where no observation is stored, so a second
file with holes does not declare values of a first file missing.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kikz.catalog.models import Dataset
from kikz.sensors.import_streams import source_key, visible_thing
from kikz.sensors.importers import ImportResult
from kikz.sensors.models import Datastream, Observation
from kikz.sensors.models import Gap as StoredGap
from kikz.tenancy.permissions import Principal, visible

# --- gaps ------------------------------------------------------------------------------------------------------


@dataclass
class GapOutcome:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    closed: int = 0
    recorded: dict[str, int] = field(default_factory=dict)
    """New gaps per series key."""


def store_gaps(session: Session, result: ImportResult, streams: dict[str, Datastream], source: str) -> GapOutcome:
    """Record the file's gaps once per stream and start; inside the file's span per stream the file is the truth."""
    outcome = GapOutcome()
    found: dict[str, dict[dt.datetime, tuple[dt.datetime, str]]] = defaultdict(dict)
    spans: dict[str, tuple[dt.datetime, dt.datetime]] = {}
    for key, start, end in [(r.series_key, r.phenomenon_start, r.phenomenon_end) for r in result.records] + [
        (g.series_key, g.start, g.end) for g in result.gaps
    ]:
        first, last = spans.get(key, (start, end))
        spans[key] = (min(first, start), max(last, end))
    for gap in result.gaps:
        found[gap.series_key][gap.start] = (gap.end, gap.reason[:100])
    session.flush()
    for key, (span_start, span_end) in spans.items():
        stream = streams[key]
        reported = _without_stored_counts(session, stream.id, found.get(key, {}))
        existing = session.scalars(
            select(StoredGap).where(
                StoredGap.datastream_id == stream.id, StoredGap.start < span_end, StoredGap.end > span_start
            )
        ).all()
        extra: list[tuple[dt.datetime, dt.datetime, str]] = []
        for stored in existing:
            if stored.start in reported:
                end, reason = reported.pop(stored.start)
                if (stored.end, stored.reason) == (end, reason):
                    outcome.unchanged += 1
                else:
                    stored.end, stored.reason = end, reason
                    outcome.updated += 1
                continue
            # the file is the truth inside its span: of a stored gap only what lies outside it stays
            outcome.closed += 1
            if stored.end > span_end:
                extra.append((span_end, stored.end, stored.reason))
            if stored.start < span_start:
                stored.end = span_start
            else:
                session.delete(stored)
        session.flush()
        for start, (end, reason) in sorted(reported.items()):
            session.add(_gap(stream, start, end, reason, source))
            outcome.created += 1
            outcome.recorded[key] = outcome.recorded.get(key, 0) + 1
        for start, end, reason in extra:
            taken = session.scalar(
                select(StoredGap.id).where(StoredGap.datastream_id == stream.id, StoredGap.start == start)
            )
            if taken is None:
                session.add(_gap(stream, start, end, reason, source))
    session.flush()
    return outcome


def _gap(stream: Datastream, start: dt.datetime, end: dt.datetime, reason: str, source: str) -> StoredGap:
    return StoredGap(
        dataset_id=stream.dataset_id, datastream_id=stream.id, start=start, end=end, reason=reason, source=source
    )


def _without_stored_counts(
    session: Session, stream_id: int, gaps: dict[dt.datetime, tuple[dt.datetime, str]]
) -> dict[dt.datetime, tuple[dt.datetime, str]]:
    """A "missing" interval is a gap only where no observation is stored (from another file, say)."""
    missing = [(start, end) for start, (end, reason) in gaps.items() if reason == "missing"]
    if not missing:
        return dict(gaps)
    rows = session.execute(
        select(Observation.phenomenon_time, Observation.phenomenon_time_end)
        .where(
            Observation.datastream_id == stream_id,
            Observation.phenomenon_time >= min(s for s, _e in missing),
            Observation.phenomenon_time < max(e for _s, e in missing),
        )
        .order_by(Observation.phenomenon_time)
    ).all()
    covered = [(start, end or start) for start, end in rows]
    begins = [c[0] for c in covered]
    out = {start: value for start, value in gaps.items() if value[1] != "missing"}
    for start, end in missing:
        cursor = start
        for c_start, c_end in covered[bisect.bisect_left(begins, start) : bisect.bisect_left(begins, end)]:
            if c_start > cursor:
                out[cursor] = (c_start, "missing")
            cursor = max(cursor, c_end)
        if cursor < end:
            out[cursor] = (end, "missing")
    return out


# --- reading gaps ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GapRow:
    id: int
    datastream_id: int
    datastream_name: str
    source_key: str | None
    start: dt.datetime
    end: dt.datetime
    reason: str
    source: str
    recorded_at: dt.datetime


def list_gaps(
    session: Session,
    principal: Principal,
    thing_id: int,
    *,
    datastream_id: int | None = None,
    start: dt.datetime | None = None,
    end: dt.datetime | None = None,
    reason: str | None = None,
    limit: int = 1000,
    offset: int = 0,
) -> tuple[int, list[GapRow]]:
    """Recorded gaps of a visible Thing's streams, oldest first; (total, page)."""
    thing = visible_thing(session, principal, thing_id)
    conditions = [Datastream.thing_id == thing.id]
    if datastream_id is not None:
        conditions.append(StoredGap.datastream_id == datastream_id)
    if start is not None:
        conditions.append(StoredGap.end > start)
    if end is not None:
        conditions.append(StoredGap.start < end)
    if reason:
        conditions.append(StoredGap.reason == reason)
    base = (
        select(StoredGap, Datastream.name, Datastream.properties)
        .join(Datastream, Datastream.id == StoredGap.datastream_id)
        .join(Dataset, Dataset.id == StoredGap.dataset_id)
        .where(visible(principal, Dataset), *conditions)
    )
    total = session.scalar(select(func.count()).select_from(base.subquery())) or 0
    rows = session.execute(base.order_by(StoredGap.start, StoredGap.datastream_id).limit(limit).offset(offset)).all()
    return total, [
        GapRow(
            gap.id,
            gap.datastream_id,
            name,
            source_key(properties),
            gap.start,
            gap.end,
            gap.reason,
            gap.source,
            gap.recorded_at,
        )
        for gap, name, properties in rows
    ]
