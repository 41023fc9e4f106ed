"""The catalogue version and its change log: how every process's search index learns about changes.

One row (``catalog_state``) holds a version number that every transaction changing a dataset, its
distributions, its search postings or an access grant bumps, and ``catalog_change`` names the datasets of
each version. A process whose in-memory index is at version v reads the datasets changed after v and
reloads just those; the visibility memo of a principal is re-evaluated for just those datasets.

The bump happens inside the changing transaction (a flush listener for ORM changes, ``record_change`` for
Core writes such as the indexer), so a change and its version become visible together on commit. The single
row is also a lock: writers of the catalogue commit in version order, so no reader can see version v+1
while a change numbered v is still pending. ``token`` changes when the row is created, so a process notices
a database that was replaced under it.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import chain
from typing import Any

from sqlalchemy import BigInteger, Connection, Integer, String, Table, delete, event, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, Session, SessionTransaction, mapped_column

from kikz.catalog.models import Dataset, Distribution
from kikz.db import Base
from kikz.tenancy.models import AccessGrant

STATE_ID = 1
KEEP_VERSIONS = 100_000  # change-log depth; a process further behind rebuilds its index from scratch
PRUNE_EVERY = 1_000
DIRTY = "kikz.catalog_uncommitted"  # session.info key: this transaction changed the catalogue


class CatalogState(Base):
    """The one row with the current catalogue version (see module docstring)."""

    __tablename__ = "catalog_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    version: Mapped[int] = mapped_column(BigInteger, default=0)
    token: Mapped[str] = mapped_column(String(32), default="")
    pruned_below: Mapped[int] = mapped_column(BigInteger, default=0)


class CatalogChange(Base):
    """Which datasets a catalogue version changed (no foreign key: deletions are changes too)."""

    __tablename__ = "catalog_change"
    __table_args__ = ({"sqlite_with_rowid": False},)

    version: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    dataset_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)


STATE_TABLE: Table = Base.metadata.tables["catalog_state"]
CHANGE_TABLE: Table = Base.metadata.tables["catalog_change"]


@dataclass(frozen=True)
class State:
    version: int
    token: str
    pruned_below: int


def read_state(conn: Connection | Session) -> State:
    """The version as this connection or session sees it (one primary-key read)."""
    row = conn.execute(
        select(CatalogState.version, CatalogState.token, CatalogState.pruned_below).where(CatalogState.id == STATE_ID)
    ).first()
    return State(int(row[0]), str(row[1]), int(row[2])) if row else State(0, "", 0)


def changed_since(conn: Connection | Session, after: int, upto: int | None = None) -> list[int]:
    """Datasets changed in versions (after, upto]."""
    stmt = select(CatalogChange.dataset_id).where(CatalogChange.version > after).distinct()
    if upto is not None:
        stmt = stmt.where(CatalogChange.version <= upto)
    return [int(i) for i in conn.execute(stmt).scalars()]


def _insert_state(conn: Connection) -> None:
    table = STATE_TABLE
    values: dict[str, Any] = {"id": STATE_ID, "version": 0, "token": uuid.uuid4().hex, "pruned_below": 0}
    if conn.dialect.name == "postgresql":
        conn.execute(postgresql.insert(table).values(values).on_conflict_do_nothing(index_elements=["id"]))
    elif conn.dialect.name == "sqlite":
        conn.execute(sqlite.insert(table).values(values).on_conflict_do_nothing(index_elements=["id"]))
    else:  # pragma: no cover - only SQLite and PostgreSQL are supported
        conn.execute(insert(table).values(values))


def _bump(conn: Connection) -> int:
    table = STATE_TABLE
    stmt = update(table).where(table.c.id == STATE_ID).values(version=table.c.version + 1).returning(table.c.version)
    version = conn.execute(stmt).scalar()
    if version is None:
        _insert_state(conn)
        version = conn.execute(stmt).scalar()
    assert version is not None
    return int(version)


def record_change(session: Session, dataset_ids: Iterable[int | None]) -> int:
    """Bump the catalogue version in the caller's transaction and log these datasets under it."""
    ids = sorted({int(i) for i in dataset_ids if i is not None})
    conn = session.connection()
    version = _bump(conn)
    if ids:
        conn.execute(insert(CHANGE_TABLE), [{"version": version, "dataset_id": i} for i in ids])
    if version % PRUNE_EVERY == 0 and version > KEEP_VERSIONS:
        floor = version - KEEP_VERSIONS
        conn.execute(delete(CHANGE_TABLE).where(CatalogChange.version <= floor))
        conn.execute(update(STATE_TABLE).where(CatalogState.id == STATE_ID).values(pruned_below=floor))
    session.info[DIRTY] = True
    return version


def is_uncommitted(session: Session) -> bool:
    """Whether this session's transaction changed the catalogue (its view is not a committed version)."""
    return bool(session.info.get(DIRTY))


@event.listens_for(Session, "after_flush")
def _log_flushed_changes(session: Session, _context: Any) -> None:
    # Every ORM change of a dataset, a distribution or a grant counts, even one that skips the indexer
    # (a status change alone changes who may see the dataset).
    ids: set[int | None] = set()
    for obj in chain(session.new, session.dirty, session.deleted):
        if isinstance(obj, Dataset):
            if obj in session.dirty and not session.is_modified(obj, include_collections=False):
                continue
            ids.add(obj.id)
        elif isinstance(obj, Distribution | AccessGrant):
            ids.add(obj.dataset_id)
    if ids - {None}:
        record_change(session, ids)


@event.listens_for(Session, "after_transaction_end")
def _forget_uncommitted(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:  # the outermost transaction ended: commit or rollback
        session.info.pop(DIRTY, None)


__all__ = [
    "CatalogChange",
    "CatalogState",
    "State",
    "changed_since",
    "is_uncommitted",
    "read_state",
    "record_change",
]
