"""One in-process search index per database: built on first use, kept current, rebuilt in the background.

A process may talk to several databases (tests do), so the index lives in a ``Holder`` per engine. A
search asks ``current`` for the snapshot at the catalogue version its session reads: usually the held one as
it is; after a committed change the datasets changed since are reloaded (``catch_up``); with no index yet,
or too far behind, the base is built synchronously. ``committed`` serves sessions whose own transaction
changed the catalogue: they get the committed snapshot and add their private changes on top themselves.
"""

from __future__ import annotations

import logging
import threading
import time
import weakref
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session

from kikz.catalog import search_index, search_state
from kikz.catalog.search_index import Snapshot, apply, build_base, load_docs

log = logging.getLogger(__name__)

REBUILD_AFTER = 2_000  # overlay documents before the base is rebuilt in the background
CATCH_UP_LIMIT = 20_000  # a process further behind than this rebuilds instead of replaying changes


@dataclass
class Holder:
    """The current snapshot of one database in this process, and the visibility memos for it."""

    snapshot: Snapshot | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)
    rebuilding: bool = False
    memos: dict[Any, Any] = field(default_factory=dict)  # search_visibility.Memo per principal
    builds: int = 0
    last_build_seconds: float = 0.0


_HOLDERS: weakref.WeakKeyDictionary[Engine, Holder] = weakref.WeakKeyDictionary()
_HOLDERS_LOCK = threading.Lock()


def holder_for(engine: Engine) -> Holder:
    with _HOLDERS_LOCK:
        holder = _HOLDERS.get(engine)
        if holder is None:
            holder = _HOLDERS[engine] = Holder()
        return holder


def engine_of(session: Session) -> Engine:
    bind = session.get_bind()
    return bind if isinstance(bind, Engine) else bind.engine


def build_snapshot(engine: Engine, holder: Holder) -> Snapshot:
    started = time.perf_counter()
    with engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
        base = search_index.drop_orphans(build_base(conn))
        conn.rollback()
    holder.builds += 1
    holder.last_build_seconds = time.perf_counter() - started
    log.info("search index built: %d datasets in %.2f s", len(base.ids), holder.last_build_seconds)
    return search_index.snapshot_of(base)


def catch_up(conn: Connection | Session, snapshot: Snapshot, state: search_state.State) -> Snapshot | None:
    """The snapshot advanced to ``state`` by replaying the change log; None if a rebuild is needed."""
    if state.token == snapshot.token and state.version <= snapshot.version:
        return snapshot
    if state.token != snapshot.token or state.pruned_below > snapshot.version:
        return None
    changed = search_state.changed_since(conn, snapshot.version, state.version)
    if len(changed) > CATCH_UP_LIMIT:
        return None
    return apply(snapshot, load_docs(conn, changed), state.version, state.token)


def current(session: Session, state: search_state.State) -> Snapshot:
    """The shared snapshot, brought to ``state`` with this (committed-view) session if behind."""
    engine = engine_of(session)
    holder = holder_for(engine)
    snap = holder.snapshot
    if snap is not None and snap.token == state.token and snap.version >= state.version:
        return snap  # a session on an older snapshot reads a slightly newer index: it converges
    with holder.lock:
        snap = holder.snapshot
        if snap is not None and snap.token == state.token and snap.version >= state.version:
            return snap
        advanced = catch_up(session, snap, state) if snap is not None else None
        if advanced is None:
            advanced = build_snapshot(engine, holder)
            latest = search_state.read_state(session)
            advanced = catch_up(session, advanced, latest) or advanced
        holder.snapshot = advanced
    if len(advanced.docs) > REBUILD_AFTER:
        rebuild_in_background(engine)
    return advanced


def committed(engine: Engine) -> Snapshot:
    """The shared snapshot at the latest committed version (read on a connection of its own)."""
    holder = holder_for(engine)
    with engine.connect() as conn:
        state = search_state.read_state(conn)
        snap = holder.snapshot
        if snap is not None and snap.token == state.token and snap.version >= state.version:
            return snap
        with holder.lock:
            snap = holder.snapshot
            advanced = catch_up(conn, snap, state) if snap is not None else None
            if advanced is None:
                advanced = build_snapshot(engine, holder)
                advanced = catch_up(conn, advanced, search_state.read_state(conn)) or advanced
            holder.snapshot = advanced
        conn.rollback()
    return advanced


def rebuild_in_background(engine: Engine) -> threading.Thread | None:
    """Build a fresh base off the request path and swap it in (replaying what changed meanwhile)."""
    holder = holder_for(engine)
    with holder.lock:
        if holder.rebuilding:
            return None
        holder.rebuilding = True

    def work() -> None:
        try:
            fresh = build_snapshot(engine, holder)
            with engine.connect() as conn, holder.lock:
                state = search_state.read_state(conn)
                advanced = catch_up(conn, fresh, state)
                old = holder.snapshot
                if advanced is not None and (old is None or old.token != state.token or old.version <= state.version):
                    holder.snapshot = advanced
                conn.rollback()
        except Exception:  # the old snapshot keeps serving; the next overflow tries again
            log.exception("background rebuild of the search index failed")
        finally:
            holder.rebuilding = False

    thread = threading.Thread(target=work, name="kikz-search-rebuild", daemon=True)
    thread.start()
    return thread


__all__ = [
    "Holder",
    "catch_up",
    "committed",
    "current",
    "engine_of",
    "holder_for",
    "rebuild_in_background",
]
