"""Sensor networks as catalogue datasets: which datasets are networks, the API that serves them, publication rules.

A sensor network is a catalogue ``Dataset`` that owns at least one STA ``Thing``; every SensorThings entity
carries the ``dataset_id`` of its network, and the dataset's protection class and status decide who sees the
entities. The network is governed like any dataset (classification, four-eyes publication, history, audit).

In the DCAT-AP.de export a network gains a ``dcat:DataService`` for the SensorThings API and a distribution
whose ``dcat:accessService`` points to it (:func:`data_services`, wired into ``kikz.catalog.dcat.export``).
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from kikz.catalog import service as catalog
from kikz.catalog.dcat.mapping import DataServiceInfo
from kikz.catalog.models import Dataset
from kikz.errors import NotFound
from kikz.governance.workflow import rules
from kikz.sensors.api import PREFIX
from kikz.sensors.models import Thing
from kikz.tenancy.permissions import Principal, visible

STA_STANDARD = "http://www.opengis.net/doc/is/sensorthings/1.1"
"""OGC's identifier of "OGC SensorThings API Part 1: Sensing, Version 1.1" (OGC 18-088)."""
STA_STANDARD_LABEL = "OGC SensorThings API Part 1: Sensing, Version 1.1 (OGC 18-088)"
STA_DOCUMENTATION = "https://docs.ogc.org/is/18-088/18-088.html"
SERVICE_KEY = "sensorthings-api"


def sta_root(base_url: str) -> str:
    """The service root of the platform's SensorThings API (lists the entity sets and conformance classes)."""
    return base_url.rstrip("/") + PREFIX


def network_ids(session: Session, dataset_ids: Sequence[int]) -> set[int]:
    """Those of ``dataset_ids`` that are sensor networks (own at least one Thing); one indexed query."""
    if not dataset_ids:
        return set()
    stmt = select(Thing.dataset_id).where(Thing.dataset_id.in_(list(dataset_ids))).distinct()
    return set(session.scalars(stmt))


def is_network(session: Session, dataset: Dataset) -> bool:
    return bool(network_ids(session, [dataset.id]))


def get_network(session: Session, *, principal: Principal, key: str) -> Dataset:
    """A visible sensor network by dataset name, identifier or id; anything else is reported as missing."""
    dataset = catalog.get_dataset(session, principal=principal, key=key)
    if not is_network(session, dataset):
        raise NotFound(
            f"Der Datensatz „{dataset.name}“ ist kein Sensornetz (er hat keine Zählstellen/Things). "
            f"/ Dataset '{dataset.name}' is not a sensor network."
        )
    return dataset


def visible_networks(session: Session, *, principal: Principal) -> list[Dataset]:
    """Every sensor network ``principal`` may see, by name."""
    owning = select(Thing.dataset_id).distinct()
    stmt = select(Dataset).where(Dataset.id.in_(owning), visible(principal, Dataset)).order_by(Dataset.name)
    return list(session.scalars(stmt))


def publication_blockers(dataset: Dataset) -> list[str]:
    """Why the network's data may not go out as open data (the catalogue's publication rule); empty: it may."""
    return rules.publication_blockers(rules.state_of(dataset))


def publication_refusal(dataset: Dataset) -> str | None:
    """Why the network's counts may not become open data, in German (then English); None if they may."""
    blockers = publication_blockers(dataset)
    if not blockers:
        return None
    return (
        f"Die Zählwerte des Sensornetzes „{dataset.title}“ werden nicht als Open Data veröffentlicht: "
        + " ".join(blockers)
        + " / Only networks classified öffentlich and checked free of personal data can publish open data."
    )


def data_services(session: Session, dataset_ids: Sequence[int], base_url: str) -> dict[int, list[DataServiceInfo]]:
    """The SensorThings API as ``dcat:DataService`` of every sensor network among ``dataset_ids``.

    The caller (the DCAT export) has already restricted ``dataset_ids`` to what the reader may see; the API
    applies the same rule to every entity it returns.
    """
    root = sta_root(base_url)
    info = DataServiceInfo(
        key=SERVICE_KEY,
        title="SensorThings API (OGC) des Sensornetzes",
        description=(
            "Maschinenlesbarer Zugriff auf Zählstellen (Things), Standorte, Datenströme und Beobachtungen dieses "
            "Sensornetzes nach OGC SensorThings API 1.1, mit OData-Abfragen ($filter, $orderby, $expand, "
            "$resultFormat=dataArray). Die Dienstwurzel listet alle Entitätsmengen und die Konformitätsklassen."
        ),
        endpoint_url=root,
        endpoint_description=base_url.rstrip("/") + "/api/openapi.json",
        conforms_to=STA_STANDARD,
        conforms_to_label=STA_STANDARD_LABEL,
        documentation=STA_DOCUMENTATION,
        keywords=("SensorThings API", "OGC", "Sensordaten", "Echtzeitdaten"),
    )
    return {dataset_id: [info] for dataset_id in sorted(network_ids(session, dataset_ids))}


__all__ = [
    "STA_STANDARD",
    "data_services",
    "get_network",
    "is_network",
    "network_ids",
    "publication_blockers",
    "publication_refusal",
    "sta_root",
    "visible_networks",
]
