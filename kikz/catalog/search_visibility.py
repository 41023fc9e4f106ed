"""Which datasets a principal may see, as a set of ids for the in-process search index.

The rule itself is only ever the SQL condition ``kikz.tenancy.permissions.visible``; this module runs it
(one index-only statement that returns the ids as one aggregated string) and memoises the answer:

* per principal identity (user, roles per city, network cities, superuser flag; all anonymous visitors
  share one entry) and catalogue version (``search_state``);
* when the version moved on, only the datasets changed since are asked again through the same SQL
  condition, so the memo stays an exact copy of what the full statement would return;
* at most ``MEMO_SECONDS`` old, and never past the next start or end of one of the user's grants (the
  only part of the rule that changes with the clock alone).

A session whose own transaction changed the catalogue is never memoised: its view is not a committed
version that other requests could share.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy import String, and_, case, cast, func, literal, select
from sqlalchemy.orm import Session

from kikz.catalog import search_index, search_runtime, search_state
from kikz.catalog.models import Dataset
from kikz.db import utcnow
from kikz.tenancy.models import AccessGrant
from kikz.tenancy.permissions import Principal, visible

MEMO_SECONDS = 60.0
INCREMENTAL_LIMIT = 2_000  # more changed datasets than this: ask for the whole set again
MAX_MEMOS = 2_000  # principals remembered at once (12.5 KB each at 100,000 datasets)
IN_CHUNK = 500

Arr = np.ndarray[Any, Any]


@dataclass
class Memo:
    version: int
    token: str
    expires: float  # time.monotonic() deadline
    bits: Arr  # packed bits, indexed by dataset id: visible or not
    size: int  # number of dataset ids the bits cover

    @classmethod
    def of(cls, version: int, token: str, expires: float, by_id: Arr) -> Memo:
        return cls(version, token, expires, np.packbits(by_id), len(by_id))

    def by_id(self) -> Arr:
        return np.unpackbits(self.bits, count=self.size).view(bool)


def principal_key(principal: Principal) -> tuple[Any, ...]:
    if principal.is_anonymous and not principal.is_superuser:
        return ("anonymous",)
    roles = tuple(sorted((city, tuple(sorted(held))) for city, held in principal.roles.items()))
    return (principal.user_id, principal.is_superuser, roles, tuple(sorted(principal.network_cities)))


def _aggregate(session: Session, ids_query: Any) -> Arr:
    """Run ``SELECT id ... WHERE visible(...)`` and read its ids as one string: 3× faster than 50k rows."""
    sub = ids_query.subquery()
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        joined = session.execute(select(func.group_concat(sub.c.id, ","))).scalar()
    elif dialect == "postgresql":
        joined = session.execute(select(func.string_agg(cast(sub.c.id, String), literal(",")))).scalar()
    else:  # pragma: no cover - only SQLite and PostgreSQL are supported
        return np.array(sorted(session.execute(select(sub.c.id)).scalars()), dtype=np.int64)
    if not joined:
        return np.zeros(0, dtype=np.int64)
    return np.fromstring(joined, dtype=np.int64, sep=",")


def visible_ids(session: Session, principal: Principal, among: Sequence[int] | None = None) -> Arr:
    """Ids of the datasets ``principal`` may see (optionally only among ``among``), decided by SQL."""
    if among is None:
        return _aggregate(session, select(Dataset.id).where(visible(principal, Dataset)))
    parts = []
    for start in range(0, len(among), IN_CHUNK):
        chunk = list(among[start : start + IN_CHUNK])
        parts.append(_aggregate(session, select(Dataset.id).where(Dataset.id.in_(chunk), visible(principal, Dataset))))
    return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)


def _by_id(ids: Arr, size: int = 0) -> Arr:
    out = np.zeros(max(size, int(ids.max()) + 1 if len(ids) else 0), dtype=bool)
    out[ids] = True
    return out


def _snapshot_mask(snapshot: search_index.Snapshot, by_id: Arr) -> Arr:
    known = snapshot.ids < len(by_id)
    mask = np.zeros(snapshot.size, dtype=bool)
    mask[known] = by_id[snapshot.ids[known]]
    return mask


def _deadline(session: Session, principal: Principal) -> float:
    """Monotonic time until which the clock alone cannot change what ``principal`` sees."""
    seconds = MEMO_SECONDS
    if principal.user_id is not None and not principal.is_superuser:
        now = utcnow()
        active = and_(AccessGrant.user_id == principal.user_id, AccessGrant.revoked_at.is_(None))
        row = session.execute(
            select(
                func.min(case((AccessGrant.valid_until > now, AccessGrant.valid_until))),
                func.min(case((AccessGrant.valid_from > now, AccessGrant.valid_from))),
            ).where(active)
        ).first()
        for moment in row or ():
            if moment is not None:
                if moment.tzinfo is None:
                    moment = moment.replace(tzinfo=dt.UTC)
                seconds = min(seconds, max(0.0, (moment - now).total_seconds()))
    return time.monotonic() + seconds


def visible_mask(
    session: Session, principal: Principal, snapshot: search_index.Snapshot, state: search_state.State
) -> Arr:
    """Boolean mask over the snapshot's positions: true where ``principal`` may see the dataset."""
    if search_state.is_uncommitted(session):
        return snapshot.mask_of(visible_ids(session, principal))
    holder = search_runtime.holder_for(search_runtime.engine_of(session))
    key = principal_key(principal)
    memo: Memo | None = holder.memos.get(key)
    now = time.monotonic()
    usable = memo is not None and memo.token == state.token and memo.expires > now
    if memo is not None and usable and memo.version != state.version:
        if memo.version > state.version:  # this session reads an older snapshot: answer it unshared
            return snapshot.mask_of(visible_ids(session, principal))
        memo = _advance(session, principal, memo, state)
    elif not usable:
        memo = None
    if memo is None:
        deadline = _deadline(session, principal)
        memo = Memo.of(state.version, state.token, deadline, _by_id(visible_ids(session, principal)))
    _remember(holder.memos, key, memo, now)
    return _snapshot_mask(snapshot, memo.by_id())


def _remember(memos: dict[Any, Memo], key: tuple[Any, ...], memo: Memo, now: float) -> None:
    """Store as most recently used; beyond MAX_MEMOS drop expired, then least recently used entries."""
    memos.pop(key, None)
    memos[key] = memo
    if len(memos) > MAX_MEMOS:
        entries = list(memos.items())  # one atomic copy: other threads may store meanwhile
        expired = [k for k, m in entries if m.expires <= now]
        oldest = [k for k, _ in entries[: max(0, len(entries) - len(expired) - MAX_MEMOS)]]
        for stale in expired + oldest:
            memos.pop(stale, None)


def _advance(session: Session, principal: Principal, memo: Memo, state: search_state.State) -> Memo | None:
    """The memo at ``state``: the changed datasets asked again through the SQL rule (None: start over)."""
    if state.pruned_below > memo.version:
        return None
    changed = search_state.changed_since(session, memo.version, state.version)
    if len(changed) > INCREMENTAL_LIMIT:
        return None
    changed_ids = np.array(changed, dtype=np.int64)
    old = memo.by_id()
    by_id = np.zeros(max(len(old), int(changed_ids.max()) + 1 if changed else 0), dtype=bool)
    by_id[: len(old)] = old
    by_id[changed_ids] = False
    by_id[visible_ids(session, principal, changed)] = True
    expires = memo.expires if principal.user_id is None else min(memo.expires, _deadline(session, principal))
    return Memo.of(state.version, state.token, expires, by_id)


__all__ = ["principal_key", "visible_ids", "visible_mask"]
