"""Durable background jobs: exactly-once effect, retries, and resumption after a crashed worker."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from kikz import jobs
from kikz.audit import AuditEntry, record
from kikz.db import utcnow


def _audit_handler(session: Session, payload: dict[str, Any]) -> None:
    record(session, actor=None, action="job.ran", entity_type="test", entity_id=payload["n"])


def _failing(session: Session, payload: dict[str, Any]) -> None:
    record(session, actor=None, action="job.partial", entity_type="test", entity_id=1)
    raise RuntimeError("kaputt")


def test_job_enqueued_in_rolled_back_transaction_never_runs(session_factory: sessionmaker[Session]) -> None:
    with session_factory() as session:
        jobs.enqueue(session, "audit", {"n": 1})
        session.rollback()
    assert jobs.run_until_empty(session_factory, {"audit": _audit_handler}) == 0


def test_jobs_run_once_and_are_marked_done(session_factory: sessionmaker[Session]) -> None:
    with session_factory.begin() as session:
        for n in range(3):
            jobs.enqueue(session, "audit", {"n": n})
    assert jobs.run_until_empty(session_factory, {"audit": _audit_handler}) == 3
    assert jobs.run_until_empty(session_factory, {"audit": _audit_handler}) == 0
    with session_factory() as session:
        assert sorted(session.scalars(select(AuditEntry.entity_id).where(AuditEntry.action == "job.ran"))) == [
            "0",
            "1",
            "2",
        ]
        assert set(session.scalars(select(jobs.Job.status))) == {jobs.JobStatus.DONE}


def test_failing_job_rolls_back_its_work_and_gives_up_after_max_attempts(
    session_factory: sessionmaker[Session],
) -> None:
    with session_factory.begin() as session:
        jobs.enqueue(session, "fail", {}, max_attempts=2)
    for _ in range(2):
        assert jobs.run_one(session_factory, {"fail": _failing}, worker="w")
        with session_factory.begin() as session:  # skip the back-off wait
            session.execute(update(jobs.Job).values(run_after=utcnow() - dt.timedelta(seconds=1)))
    with session_factory() as session:
        job = session.scalars(select(jobs.Job)).one()
        assert job.status is jobs.JobStatus.FAILED and job.attempts == 2
        assert "kaputt" in (job.error or "")
        assert session.scalar(select(AuditEntry).where(AuditEntry.action == "job.partial")) is None


def test_job_of_a_crashed_worker_is_resumed_after_its_lease(session_factory: sessionmaker[Session]) -> None:
    with session_factory.begin() as session:
        jobs.enqueue(session, "audit", {"n": 7})
    assert jobs.claim(session_factory, worker="crashed", lease_seconds=300) is not None
    assert jobs.run_until_empty(session_factory, {"audit": _audit_handler}) == 0  # still leased
    with session_factory.begin() as session:
        session.execute(update(jobs.Job).values(locked_until=utcnow() - dt.timedelta(seconds=1)))
    assert jobs.run_until_empty(session_factory, {"audit": _audit_handler}) == 1


def test_unknown_job_kind_is_recorded_as_error(session_factory: sessionmaker[Session]) -> None:
    with session_factory.begin() as session:
        jobs.enqueue(session, "nope", {}, max_attempts=1)
    jobs.run_until_empty(session_factory, {})
    with session_factory() as session:
        job = session.scalars(select(jobs.Job)).one()
        assert job.status is jobs.JobStatus.FAILED
        assert "no handler" in (job.error or "")


@pytest.mark.parametrize("workers", [2])
def test_concurrent_workers_do_not_run_a_job_twice(session_factory: sessionmaker[Session], workers: int) -> None:
    import threading

    with session_factory.begin() as session:
        for n in range(20):
            jobs.enqueue(session, "audit", {"n": n})
    threads = [
        threading.Thread(
            target=jobs.run_until_empty,
            args=(session_factory, {"audit": _audit_handler}),
            kwargs={"worker": f"w{i}"},
        )
        for i in range(workers)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with session_factory() as session:
        ran = list(session.scalars(select(AuditEntry.entity_id).where(AuditEntry.action == "job.ran")))
    assert sorted(ran, key=int) == [str(n) for n in range(20)]


def test_periodic_jobs_are_enqueued_once_per_interval(session_factory: sessionmaker[Session]) -> None:
    with session_factory.begin() as session:
        assert jobs.enqueue_due(session, {"tick": 3600}) == ["tick"]
    with session_factory.begin() as session:
        assert jobs.enqueue_due(session, {"tick": 3600}) == []
        session.execute(update(jobs.Job).values(created_at=utcnow() - dt.timedelta(hours=2)))
    with session_factory.begin() as session:
        assert jobs.enqueue_due(session, {"tick": 3600}) == ["tick"]


def test_every_periodic_job_has_a_handler(settings) -> None:  # type: ignore[no-untyped-def]
    from kikz.worker import PERIODIC_JOBS, job_handlers

    assert set(PERIODIC_JOBS) <= set(job_handlers(settings))
