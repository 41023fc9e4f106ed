"""Background work as a durable job table in the platform's own database.

A job is enqueued in the same transaction as the change that needs it (an upload and its scan commit or roll
back together). Workers claim jobs with a lease; a worker killed mid-job leaves a lease that runs out, and
the job is picked up again, so restarts resume work. The handler's changes and the "done" mark are
committed in one transaction, so a job's effect happens once. PostgreSQL workers skip rows locked by others
(``FOR UPDATE SKIP LOCKED``); on SQLite the single writer serialises claims.
"""

from __future__ import annotations

import datetime as dt
import enum
import logging
import os
import socket
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy import Enum, Index, String, Text, or_, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column, sessionmaker

from kikz.db import Base, utcnow

log = logging.getLogger("kikz.jobs")

Handler = Callable[[Session, dict[str, Any]], None]


class JobStatus(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class Job(Base):
    __tablename__ = "job"
    __table_args__ = (Index("ix_job_claim", "status", "run_after"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(80))
    payload: Mapped[dict[str, Any]]
    status: Mapped[JobStatus] = mapped_column(Enum(JobStatus, native_enum=False, length=20), default=JobStatus.QUEUED)
    attempts: Mapped[int] = mapped_column(default=0)
    max_attempts: Mapped[int] = mapped_column(default=3)
    run_after: Mapped[dt.datetime] = mapped_column(default=utcnow)
    locked_by: Mapped[str | None] = mapped_column(String(120))
    locked_until: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[dt.datetime | None]
    error: Mapped[str | None] = mapped_column(Text)


def enqueue(session: Session, kind: str, payload: dict[str, Any], *, max_attempts: int = 3) -> Job:
    """Add a job in the caller's transaction; it becomes visible to workers when that commits."""
    job = Job(kind=kind, payload=payload, max_attempts=max_attempts)
    session.add(job)
    session.flush()
    return job


def claim(factory: sessionmaker[Session], *, worker: str, lease_seconds: int = 300) -> int | None:
    """Take the oldest runnable job (queued, or running with an expired lease); returns its id."""
    now = utcnow()
    with factory.begin() as session:
        candidate = (
            select(Job.id)
            .where(
                or_(
                    (Job.status == JobStatus.QUEUED) & (Job.run_after <= now),
                    (Job.status == JobStatus.RUNNING) & (Job.locked_until < now),
                )
            )
            .order_by(Job.id)
            .limit(1)
            .with_for_update(skip_locked=True)
        )
        job_id = session.scalar(candidate)
        if job_id is None:
            return None
        claimed = session.execute(
            update(Job)
            .where(Job.id == job_id, or_(Job.status == JobStatus.QUEUED, Job.locked_until < now))
            .values(
                status=JobStatus.RUNNING,
                attempts=Job.attempts + 1,
                locked_by=worker,
                locked_until=now + dt.timedelta(seconds=lease_seconds),
            )
        )
        return job_id if claimed.rowcount == 1 else None  # type: ignore[attr-defined]


def run_one(factory: sessionmaker[Session], handlers: Mapping[str, Handler], *, worker: str) -> bool:
    """Claim and run one job; False when there was nothing to do."""
    job_id = claim(factory, worker=worker)
    if job_id is None:
        return False
    try:
        with factory.begin() as session:
            job = session.get_one(Job, job_id)
            handler = handlers.get(job.kind)
            if handler is None:
                raise LookupError(f"no handler for job kind {job.kind!r}")
            handler(session, dict(job.payload))
            job.status = JobStatus.DONE
            job.finished_at = utcnow()
            job.locked_until = None
            job.error = None
    except Exception as exc:
        log.warning("job %s failed: %s", job_id, exc)
        with factory.begin() as session:
            job = session.get_one(Job, job_id)
            job.error = f"{type(exc).__name__}: {exc}"[:4000]
            job.locked_until = None
            if job.attempts >= job.max_attempts:
                job.status = JobStatus.FAILED
                job.finished_at = utcnow()
            else:
                job.status = JobStatus.QUEUED
                job.run_after = utcnow() + dt.timedelta(seconds=min(300, 5 * 2**job.attempts))
    return True


def run_until_empty(factory: sessionmaker[Session], handlers: Mapping[str, Handler], *, worker: str = "inline") -> int:
    """Run every runnable job now (tests, CLI ``kikz jobs run``); returns how many ran."""
    count = 0
    while run_one(factory, handlers, worker=worker):
        count += 1
    return count


def enqueue_due(session: Session, periodic: Mapping[str, int]) -> list[str]:
    """Enqueue each periodic job kind whose last run (or queued run) is older than its interval in seconds.

    Several workers may call this; the check and the insert share one transaction, so at worst two workers
    enqueue the same periodic job once each, and periodic handlers are idempotent.
    """
    from sqlalchemy import func

    now = utcnow()
    due = []
    for kind, interval in periodic.items():
        last = session.scalar(select(func.max(Job.created_at)).where(Job.kind == kind))
        if last is None or last <= now - dt.timedelta(seconds=interval):
            enqueue(session, kind, {"periodic": True})
            due.append(kind)
    return due


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"


class WorkerThread(threading.Thread):
    """An in-process worker for the embedded default; production runs ``kikz worker`` processes instead."""

    def __init__(
        self,
        factory: sessionmaker[Session],
        handlers: Mapping[str, Handler],
        *,
        poll: float = 1.0,
        periodic: Mapping[str, int] | None = None,
    ):
        super().__init__(name="kikz-worker", daemon=True)
        self.factory, self.handlers, self.poll = factory, handlers, poll
        self.periodic = dict(periodic or {})
        self.stopping = threading.Event()

    def run(self) -> None:
        name = worker_name()
        next_schedule = 0.0
        while not self.stopping.is_set():
            try:
                if self.periodic and time.monotonic() >= next_schedule:
                    with self.factory.begin() as session:
                        enqueue_due(session, self.periodic)
                    next_schedule = time.monotonic() + 60
                busy = run_one(self.factory, self.handlers, worker=name)
            except Exception:  # the database may be briefly unavailable; keep the worker alive
                log.exception("worker loop error")
                busy = False
            if not busy:
                self.stopping.wait(self.poll)

    def stop(self) -> None:
        self.stopping.set()
        self.join(timeout=10)


def pending_count(session: Session) -> int:
    from sqlalchemy import func

    return session.scalar(select(func.count()).where(Job.status.in_([JobStatus.QUEUED, JobStatus.RUNNING]))) or 0


__all__ = ["Job", "JobStatus", "WorkerThread", "claim", "enqueue", "enqueue_due", "run_one", "run_until_empty"]
