"""Harvesting a DCAT-AP.de catalogue (another kikz instance or any portal) into one municipality.

Rules (also in docs/dcat.md):
* a harvested dataset is keyed by (harvest source, dataset IRI); a second run over the same input changes
  nothing (0 created, 0 updated), a changed dataset is updated in place, and datasets of the source that are
  no longer in the input are deleted;
* harvested datasets are published with the source's protection class;
* an unknown licence IRI does not block the dataset: it is kept without licence and the report says so;
* a dataset whose identifier is already used by a dataset that is not from this source is skipped with the
  reason; two datasets with the same identifier in the input make the whole input invalid (nothing written);
* everything happens in the caller's transaction, each dataset in a savepoint of its own: a dataset that fails
  leaves nothing behind, and an unexpected error rolls back the whole run with the request.
"""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.orm import Session

from kikz import audit
from kikz.catalog.dcat.parse import (
    HarvestedDataset,
    HarvestedDistribution,
    InputFormat,
    load_graph,
    parse_catalog,
    read_catalog,
)
from kikz.catalog.models import Dataset, Distribution, HarvestSource
from kikz.catalog.service import record_change, slugify, snapshot
from kikz.db import utcnow
from kikz.errors import InvalidInput, KikzError
from kikz.tenancy.models import Municipality
from kikz.tenancy.permissions import Action, Principal, require
from kikz.types import DatasetStatus, ProtectionClass

MAX_DOCUMENT_BYTES = 50 * 1024 * 1024
MAX_PAGES = 1000
DATASET_FIELDS = (
    "identifier",
    "title",
    "description",
    "keywords",
    "themes",
    "publisher_name",
    "publisher_uri",
    "contact_name",
    "contact_email",
    "contact_url",
    "license_id",
    "access_rights",
    "temporal_start",
    "temporal_end",
    "accrual_periodicity",
    "issued",
    "modified",
    "landing_page",
    "conforms_to",
    "legal_basis",
    "language",
)
DISTRIBUTION_FIELDS = (
    "access_url",
    "download_url",
    "title",
    "description",
    "format",
    "media_type",
    "byte_size",
    "license_id",
    "issued",
    "modified",
)

__all__ = [
    "HarvestReport",
    "apply_harvest",
    "fetch_and_harvest",
    "harvest_from",
    "parse_catalog",
    "run_harvest",
]


@dataclass
class HarvestReport:
    created: int = 0
    updated: int = 0
    deleted: int = 0
    unchanged: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)
    warnings: list[tuple[str, str]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _dataset_values(hd: HarvestedDataset) -> dict[str, Any]:
    return {name: getattr(hd, name) for name in DATASET_FIELDS}


def _distribution_values(dists: list[HarvestedDistribution]) -> list[dict[str, Any]]:
    return [{name: getattr(d, name) for name in DISTRIBUTION_FIELDS} for d in dists]


def _stored_distributions(dataset: Dataset) -> list[dict[str, Any]]:
    return [{name: getattr(d, name) for name in DISTRIBUTION_FIELDS} for d in dataset.distributions]


def _check_duplicates(datasets: list[HarvestedDataset]) -> None:
    counts = Counter(d.identifier for d in datasets if not d.skip_reason)
    doubled = sorted(ident for ident, n in counts.items() if n > 1)
    if doubled:
        shown = ", ".join(doubled[:10]) + (" …" if len(doubled) > 10 else "")
        raise InvalidInput(
            f"Die Quelle enthält {len(doubled)} doppelte Kennung(en) (dct:identifier): {shown}. "
            "Es wurde nichts übernommen."
        )


class _NameAllocator:
    """Unique URL names for new datasets, without a query per candidate."""

    def __init__(self, session: Session, prefix: str) -> None:
        self.session = session
        self.prefix = prefix

    def __call__(self, title: str) -> str:
        base = f"{self.prefix}-{slugify(title, max_length=100)}"[:110].strip("-")
        taken = set(self.session.scalars(select(Dataset.name).where(Dataset.name.like(f"{base}%"))))
        name, n = base, 1
        while name in taken:
            n += 1
            name = f"{base}-{n}"
        return name


def _replace_distributions(dataset: Dataset, dists: list[HarvestedDistribution]) -> None:
    dataset.distributions.clear()
    for d in dists:
        values = {name: getattr(d, name) for name in DISTRIBUTION_FIELDS}
        dataset.distributions.append(Distribution(identifier=str(uuid.uuid4()), **values))


def _identifier_holder(session: Session, identifier: str, current: Dataset | None) -> str | None:
    """Why ``identifier`` cannot be used for this harvested dataset, or None if it is free."""
    row = session.execute(
        select(Dataset.id, Dataset.harvest_source_id, Dataset.harvest_iri).where(Dataset.identifier == identifier)
    ).first()
    if row is None or (current is not None and row.id == current.id):
        return None
    if row.harvest_source_id is None:
        return f"Kennung '{identifier}' gehört bereits zu einem lokalen Datensatz"
    return f"Kennung '{identifier}' gehört bereits zu einem geernteten Datensatz ({row.harvest_iri})"


def _create(
    session: Session,
    source: HarvestSource,
    hd: HarvestedDataset,
    actor: Principal | None,
    names: _NameAllocator,
) -> Dataset:
    dataset = Dataset(
        **_dataset_values(hd),
        name=names(hd.title),
        municipality_id=source.municipality_id,
        protection_class=source.protection_class,
        status=DatasetStatus.PUBLISHED,
        harvest_source_id=source.id,
        harvest_iri=hd.iri,
        created_by_id=actor.user_id if actor else None,
        version=1,
    )
    _replace_distributions(dataset, hd.distributions)
    session.add(dataset)
    session.flush()
    record_change(
        session,
        dataset=dataset,
        actor=actor,
        action="dataset.harvest_create",
        note=f"geerntet aus {source.name}",
        before=None,
    )
    return dataset


def _update(
    session: Session, source: HarvestSource, dataset: Dataset, hd: HarvestedDataset, actor: Principal | None
) -> bool:
    values = _dataset_values(hd)
    wanted_dists = _distribution_values(hd.distributions)
    same_fields = all(getattr(dataset, k) == v for k, v in values.items())
    same_meta = dataset.protection_class == source.protection_class and dataset.status == DatasetStatus.PUBLISHED
    same_dists = _stored_distributions(dataset) == wanted_dists
    if same_fields and same_meta and same_dists:
        return False
    before = snapshot(dataset)
    for key, value in values.items():
        setattr(dataset, key, value)
    dataset.protection_class = source.protection_class
    dataset.status = DatasetStatus.PUBLISHED
    if not same_dists:
        _replace_distributions(dataset, hd.distributions)
    dataset.version += 1
    session.flush()
    record_change(
        session,
        dataset=dataset,
        actor=actor,
        action="dataset.harvest_update",
        note=f"aktualisiert aus {source.name}",
        before=before,
    )
    return True


def apply_harvest(
    session: Session,
    *,
    source: HarvestSource,
    datasets: list[HarvestedDataset],
    actor: Principal | None = None,
) -> HarvestReport:
    """Bring the source's datasets in line with ``datasets``; ``actor`` None is the system (CLI, jobs)."""
    if actor is not None:
        require(actor, Action.MANAGE_HARVEST, source.municipality_id)
    _check_duplicates(datasets)
    report = HarvestReport()
    # A write before the first savepoint: the run then sits inside one real transaction on every driver.
    source.last_run_at = utcnow()
    session.flush()
    city = session.get(Municipality, source.municipality_id)
    names = _NameAllocator(session, city.slug if city else "harvest")
    existing = {
        d.harvest_iri: d for d in session.scalars(select(Dataset).where(Dataset.harvest_source_id == source.id))
    }
    in_source = {hd.iri for hd in datasets if hd.iri}
    for iri, dataset in existing.items():
        if iri not in in_source:
            audit.record(
                session,
                actor=actor,
                action="dataset.harvest_delete",
                entity_type="dataset",
                entity_id=dataset.identifier,
                municipality_id=dataset.municipality_id,
                before=snapshot(dataset),
            )
            session.delete(dataset)
            report.deleted += 1
    session.flush()
    for hd in datasets:
        report.warnings.extend((hd.iri, w) for w in hd.warnings)
        if hd.skip_reason:
            report.skipped.append((hd.iri, hd.skip_reason))
            continue
        current = existing.get(hd.iri)
        try:
            with session.begin_nested():
                taken = _identifier_holder(session, hd.identifier, current)
                if taken:
                    report.skipped.append((hd.iri, taken))
                    continue
                if current is None:
                    _create(session, source, hd, actor, names)
                    report.created += 1
                elif _update(session, source, current, hd, actor):
                    report.updated += 1
                else:
                    report.unchanged += 1
        except (IntegrityError, DataError, KikzError) as exc:
            reason = exc.message if isinstance(exc, KikzError) else "Datenbank lehnt den Datensatz ab"
            report.skipped.append((hd.iri, reason))
    source.last_result = report.as_dict()
    session.flush()
    return report


def run_harvest(
    session: Session,
    *,
    source: HarvestSource,
    data: bytes,
    actor: Principal | None = None,
    fmt: InputFormat | None = None,
) -> HarvestReport:
    """Harvest one catalogue document (RDF/XML or Turtle); invalid RDF raises ``InvalidInput``."""
    return apply_harvest(session, source=source, datasets=parse_catalog(data, fmt), actor=actor)


def _format_of(response: httpx.Response) -> InputFormat | None:
    kind = response.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind in ("text/turtle", "application/x-turtle"):
        return "turtle"
    if kind in ("application/rdf+xml", "application/xml", "text/xml"):
        return "xml"
    return None


def _fetch(client: httpx.Client, url: str, max_bytes: int) -> httpx.Response:
    headers = {"Accept": "application/rdf+xml, text/turtle;q=0.9"}
    try:
        with client.stream("GET", url, headers=headers, follow_redirects=True) as response:
            if response.status_code != 200:
                raise InvalidInput(f"Die Quelle {url} antwortet mit HTTP {response.status_code}.")
            body = bytearray()
            for chunk in response.iter_bytes():
                body.extend(chunk)
                if len(body) > max_bytes:
                    raise InvalidInput(f"Die Quelle {url} ist größer als {max_bytes // (1024 * 1024)} MB.")
            response._content = bytes(body)
            return response
    except httpx.HTTPError as exc:
        raise InvalidInput(f"Die Quelle {url} ist nicht erreichbar: {exc}") from exc


def fetch_and_harvest(
    session: Session,
    *,
    source: HarvestSource,
    actor: Principal | None = None,
    client: httpx.Client | None = None,
    max_bytes: int = MAX_DOCUMENT_BYTES,
    timeout: float = 60.0,
) -> HarvestReport:
    """Fetch the source over HTTP (following hydra paging) and harvest it; a failing page stops it all."""
    own_client = client is None
    http = client or httpx.Client(timeout=timeout)
    try:
        datasets: list[HarvestedDataset] = []
        url: str | None = source.url
        seen: set[str] = set()
        while url and url not in seen and len(seen) < MAX_PAGES:
            seen.add(url)
            response = _fetch(http, url, max_bytes)
            page, url = read_catalog(load_graph(response.content, _format_of(response)))
            known = {d.iri for d in datasets}
            datasets.extend(d for d in page if not d.iri or d.iri not in known)
    finally:
        if own_client:
            http.close()
    return apply_harvest(session, source=source, datasets=datasets, actor=actor)


def harvest_from(
    session: Session,
    *,
    source: str,
    city: str,
    name: str,
    protection_class: ProtectionClass,
    actor: Principal | None = None,
) -> HarvestReport:
    """Harvest a local file or an http(s) URL into ``city``; the harvest source is created on first use."""
    from pathlib import Path

    municipality = session.scalar(select(Municipality).where(Municipality.slug == city))
    if municipality is None:
        raise InvalidInput(f"Unbekannte Kommune: {city}")
    is_url = source.startswith(("http://", "https://"))
    location = source if is_url else str(Path(source).resolve())
    harvest_source = session.scalar(
        select(HarvestSource).where(HarvestSource.municipality_id == municipality.id, HarvestSource.url == location)
    )
    if harvest_source is None:
        harvest_source = HarvestSource(
            municipality_id=municipality.id, name=name, url=location, protection_class=protection_class
        )
        session.add(harvest_source)
        session.flush()
    if is_url:
        return fetch_and_harvest(session, source=harvest_source, actor=actor)
    path = Path(location)
    if not path.is_file():
        raise InvalidInput(f"Datei nicht gefunden: {source}")
    return run_harvest(session, source=harvest_source, data=path.read_bytes(), actor=actor)
