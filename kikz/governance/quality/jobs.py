"""Background jobs of the quality package (the lead wires ``job_handlers(settings)`` into the worker).

quality.evaluate_dataset  {"dataset_id": 42}                  MQA + data quality of one dataset
quality.evaluate_all      {"municipality": "giessen"} or {}   catalogue MQA and data quality per city
quality.check_links       {"dataset_id": 42} / {"municipality": "giessen"} / {}
                          checks due external URLs (a batch; enqueues itself for the rest), then
                          re-scores the dataset when one was named
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kikz import jobs
from kikz.catalog.models import Dataset
from kikz.governance.quality import links, service
from kikz.settings import Settings
from kikz.storage import FileStore
from kikz.tenancy.models import Municipality

EVALUATE_DATASET = "quality.evaluate_dataset"
EVALUATE_ALL = "quality.evaluate_all"
CHECK_LINKS = "quality.check_links"


def evaluate_dataset_handler(store: FileStore) -> jobs.Handler:
    def handle(session: Session, payload: dict[str, Any]) -> None:
        dataset = session.get(Dataset, int(payload["dataset_id"]))
        if dataset is None:  # deleted since the job was queued: nothing left to score
            return
        service.evaluate_dataset(session, dataset=dataset, store=store)

    return handle


def evaluate_all_handler(store: FileStore) -> jobs.Handler:
    def handle(session: Session, payload: dict[str, Any]) -> None:
        service.evaluate_all(session, store=store, municipality=payload.get("municipality") or None)

    return handle


def check_links_handler(store: FileStore, *, base_url: str = "", allow_private: bool = False) -> jobs.Handler:
    def handle(session: Session, payload: dict[str, Any]) -> None:
        dataset_ids: list[int] | None = None
        if payload.get("dataset_id") is not None:
            dataset_ids = [int(payload["dataset_id"])]
        elif payload.get("municipality"):
            city_id = session.scalar(select(Municipality.id).where(Municipality.slug == payload["municipality"]))
            dataset_ids = list(session.scalars(select(Dataset.id).where(Dataset.municipality_id == city_id)))
        urls = links.external_urls(session, base_url=base_url, dataset_ids=dataset_ids)
        summary = links.check_links(
            session, urls=urls, batch=int(payload.get("batch", links.BATCH)), allow_private=allow_private
        )
        if summary.remaining:
            jobs.enqueue(session, CHECK_LINKS, dict(payload))
        if dataset_ids is not None and len(dataset_ids) == 1:
            dataset = session.get(Dataset, dataset_ids[0])
            if dataset is not None:
                service.mqa_for_dataset(session, dataset=dataset, store=store)

    return handle


def job_handlers(settings: Settings, *, allow_private_addresses: bool = False) -> dict[str, jobs.Handler]:
    """The quality job kinds bound to the settings' file store and public address."""
    store = FileStore(settings.files_dir)
    return {
        EVALUATE_DATASET: evaluate_dataset_handler(store),
        EVALUATE_ALL: evaluate_all_handler(store),
        CHECK_LINKS: check_links_handler(store, base_url=settings.base_url, allow_private=allow_private_addresses),
    }
