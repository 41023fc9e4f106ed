"""Which function handles which background job, and the worker process (``kikz worker``)."""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

from kikz.db import make_engine, make_sessionmaker
from kikz.jobs import Handler, enqueue_due, run_one, worker_name
from kikz.settings import Settings

log = logging.getLogger("kikz.worker")


def job_handlers(settings: Settings) -> Mapping[str, Handler]:
    """The job kinds of every domain. Imported lazily so the web process starts fast."""
    from kikz.catalog.service import DISTRIBUTION_ADDED
    from kikz.demo import sensors as demo_sensors
    from kikz.governance import scan
    from kikz.governance.quality import jobs as quality_jobs
    from kikz.governance.workflow.access import expire_job
    from kikz.sensors import publish as sensor_publish
    from kikz.transparency import lab_workshops

    handlers: dict[str, Handler] = {
        DISTRIBUTION_ADDED: _on_distribution_added,
        "governance.scan": scan.job_handler(settings),
    }
    handlers.update(quality_jobs.job_handlers(settings))
    handlers["governance.expire_access"] = expire_job
    handlers[demo_sensors.JOB_KIND] = demo_sensors.observations_job
    handlers[sensor_publish.JOB_KIND] = sensor_publish.job_handler(settings)
    handlers[lab_workshops.DELETE_JOB] = lab_workshops.delete_job
    return handlers


# Job kinds that run on their own, with their interval in seconds.
PERIODIC_JOBS = {
    "governance.expire_access": 3600,
    "quality.check_links": 24 * 3600,
    "quality.evaluate_all": 24 * 3600,
    "sensors.publish_aggregates": 24 * 3600,  # refreshes the open-data counts of networks that publish them
    "lab.delete_registrations": 3600,  # Citizen Lab: workshop registrations end + 7 days
}


def _on_distribution_added(session: Session, payload: dict[str, Any]) -> None:
    from kikz.catalog.models import Distribution
    from kikz.governance.workflow.hooks import on_new_distribution

    distribution = session.get(Distribution, payload["distribution_id"])
    if distribution is not None:  # deleted meanwhile: nothing to review
        on_new_distribution(session, distribution)


def run_worker(settings: Settings, *, poll_seconds: float = 1.0) -> None:
    """Process jobs until SIGTERM/SIGINT; several processes may run side by side."""
    engine = make_engine(settings.sqlalchemy_url)
    factory = make_sessionmaker(engine)
    handlers = job_handlers(settings)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    name = worker_name()
    log.info("worker %s started with job kinds %s", name, sorted(handlers))
    next_schedule = 0.0
    while not stop.is_set():
        if time.monotonic() >= next_schedule:
            with factory.begin() as session:
                enqueue_due(session, PERIODIC_JOBS)
            next_schedule = time.monotonic() + 60
        if not run_one(factory, handlers, worker=name):
            stop.wait(poll_seconds)
    engine.dispose()
