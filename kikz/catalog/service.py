"""Catalogue logic: create, change, read and delete datasets and their distributions.

Functions take a session and keyword arguments and never commit: the request or CLI command owns the
transaction, so a failure anywhere leaves nothing half-written.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
import uuid
from pathlib import PurePath
from typing import Any, BinaryIO

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from kikz import audit, jobs
from kikz.catalog import search
from kikz.catalog.models import Dataset, DatasetVersion, Distribution, License
from kikz.catalog.schemas import DatasetCreate, DatasetPublic, DatasetUpdate, DistributionPublic
from kikz.catalog.vocabularies import EXTENSION_TO_FORMAT, FILE_TYPES
from kikz.db import utcnow
from kikz.errors import Conflict, InvalidInput, KikzError, NotFound, TooLarge
from kikz.storage import FileStore, UploadTooLarge
from kikz.tenancy.models import Municipality
from kikz.tenancy.permissions import Action, PermissionDenied, Principal, require, visible
from kikz.types import DatasetStatus, ProtectionClass

DISTRIBUTION_ADDED = "catalog.distribution_added"

SNAPSHOT_FIELDS = (
    "identifier",
    "name",
    "title",
    "description",
    "keywords",
    "themes",
    "contact_name",
    "contact_email",
    "contact_url",
    "license_id",
    "temporal_start",
    "temporal_end",
    "accrual_periodicity",
    "landing_page",
    "conforms_to",
    "legal_basis",
    "protection_class",
    "contains_personal_data",
    "art9_data",
    "status",
    "shared_in_network",
    "owner_id",
    "steward_id",
)


def slugify(text: str, *, max_length: int = 100) -> str:
    text = text.lower().replace("ä", "ae").replace("ö", "oe").replace("ü", "ue").replace("ß", "ss")
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")[:max_length].strip("-") or "datensatz"


def snapshot(dataset: Dataset) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in SNAPSHOT_FIELDS:
        value = getattr(dataset, name)
        if isinstance(value, dt.date | dt.datetime):
            value = value.isoformat()
        elif hasattr(value, "value"):
            value = value.value
        out[name] = value
    out["distributions"] = [
        {
            "identifier": d.identifier,
            "title": d.title,
            "format": d.format,
            "checksum_sha256": d.checksum_sha256,
            "access_url": d.access_url,
        }
        for d in dataset.distributions
    ]
    return out


def _municipality(session: Session, slug: str) -> Municipality:
    city = session.scalar(select(Municipality).where(Municipality.slug == slug))
    if city is None:
        raise InvalidInput(f"Unbekannte Kommune: {slug}")
    return city


def _check_license(session: Session, license_id: str | None) -> None:
    if license_id and session.get(License, license_id) is None:
        raise InvalidInput(
            f"Unbekannte Lizenz '{license_id}': bitte eine Lizenz aus dem DCAT-AP.de-Vokabular wählen "
            "(z. B. dl-by-de/2.0, dl-zero-de/2.0, cc-by/4.0)."
        )


def _unique_name(session: Session, base: str) -> str:
    name, n = base, 1
    while session.scalar(select(func.count()).where(Dataset.name == name)):
        n += 1
        name = f"{base[:110]}-{n}"
    return name


def _record_version(session: Session, dataset: Dataset, principal: Principal | None, note: str) -> None:
    session.add(
        DatasetVersion(
            dataset_id=dataset.id,
            version=dataset.version,
            changed_by_id=principal.user_id if principal else None,
            change_note=note,
            snapshot=snapshot(dataset),
        )
    )


def record_change(
    session: Session,
    *,
    dataset: Dataset,
    actor: Principal | None,
    action: str,
    note: str,
    before: dict[str, Any] | None,
) -> None:
    """After a change to ``dataset`` (version already set): history entry, audit entry, search index."""
    session.flush()
    _record_version(session, dataset, actor, note)
    audit.record(
        session,
        actor=actor,
        action=action,
        entity_type="dataset",
        entity_id=dataset.identifier,
        municipality_id=dataset.municipality_id,
        before=before,
        after=snapshot(dataset),
    )
    search.index_dataset(session, dataset)


def _flush_or_conflict(session: Session, what: str) -> None:
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError as exc:
        raise Conflict(f"{what} existiert bereits (Kennung oder Name doppelt).") from exc


def create_dataset(session: Session, *, principal: Principal, data: DatasetCreate) -> Dataset:
    city = _municipality(session, data.municipality)
    require(principal, Action.CREATE_DATASET, city)
    _check_license(session, data.license_id)
    if data.identifier and session.scalar(select(Dataset.id).where(Dataset.identifier == data.identifier)):
        raise Conflict(f"Ein Datensatz mit der Kennung '{data.identifier}' existiert bereits.")
    if data.name and session.scalar(select(Dataset.id).where(Dataset.name == data.name)):
        raise Conflict(f"Ein Datensatz mit dem Namen '{data.name}' existiert bereits.")
    now = utcnow()
    fields = data.model_dump(exclude={"municipality", "name", "identifier", "contact_email"})
    dataset = Dataset(
        **fields,
        contact_email=str(data.contact_email or city.email or ""),
        identifier=data.identifier or str(uuid.uuid4()),
        name=data.name or _unique_name(session, f"{city.slug}-{slugify(data.title)}"),
        municipality_id=city.id,
        municipality=city,
        publisher_name=city.official_name or city.name,
        publisher_uri=city.website,
        status=DatasetStatus.DRAFT,
        created_by_id=principal.user_id,
        issued=now,
        modified=now,
        version=1,
    )
    session.add(dataset)
    _flush_or_conflict(session, "Der Datensatz")
    record_change(session, dataset=dataset, actor=principal, action="dataset.create", note="angelegt", before=None)
    return dataset


LOOSENING_NEEDS_APPROVAL = (
    "Eine mildere Einstufung (niedrigere Schutzklasse oder kein Personenbezug mehr) geht nur über einen "
    "Klassifizierungsvorschlag mit Vier-Augen-Freigabe (Bereich Governance)."
)


def _loosens(dataset: Dataset, changes: dict[str, Any]) -> bool:
    """Whether ``changes`` classify the dataset more openly than now (unclassified counts as vertraulich)."""
    if "protection_class" in changes:
        new = changes["protection_class"] or ProtectionClass.VERTRAULICH
        if ProtectionClass(new).rank < dataset.effective_class.rank:
            return True
    for flag in ("contains_personal_data", "art9_data"):
        if flag in changes and getattr(dataset, flag) is True and changes[flag] is not True:
            return True
    return False


PUBLICATION_NEEDS_APPROVAL = (
    "Veröffentlichen als Open Data geht nur über einen freigegebenen Veröffentlichungsvorschlag "
    "(Vier-Augen-Prinzip, Bereich Governance)."
)


def _is_open_data(status: Any, protection_class: Any) -> bool:
    return status == DatasetStatus.PUBLISHED and protection_class == ProtectionClass.OEFFENTLICH


def update_dataset(
    session: Session,
    *,
    principal: Principal,
    dataset: Dataset,
    data: DatasetUpdate,
    publication_approved: bool = False,
    classification_approved: bool = False,
    responsibilities: dict[str, int | None] | None = None,
) -> Dataset:
    """Change a dataset; every change is a new version with an audit entry.

    Publishing (status ``published``, or a published dataset becoming *öffentlich*) needs
    ``publication_approved``: only the governance workflow (kikz.governance.workflow) and trusted loaders set
    it, after the four-eyes approval. Loosening the classification (a lower protection class, or personal /
    Art. 9 data no longer marked) likewise needs ``classification_approved``; tightening it is always allowed to
    those who may classify. ``responsibilities`` (owner_id/steward_id) is likewise set only by the
    workflow, which checks the people's roles first.
    """
    changes = data.model_dump(exclude_unset=True, exclude={"change_note"})
    if changes.keys() - {"protection_class", "contains_personal_data", "art9_data", "status"}:
        require(principal, Action.EDIT_DATASET, dataset)
    if {"protection_class", "contains_personal_data", "art9_data"} & changes.keys():
        require(principal, Action.CLASSIFY_DATASET, dataset)
    if "status" in changes and changes["status"] != dataset.status:
        require(principal, Action.PUBLISH_DATASET, dataset)
    new_status = changes.get("status", dataset.status)
    new_class = changes.get("protection_class", dataset.protection_class)
    publishes = new_status == DatasetStatus.PUBLISHED and dataset.status != DatasetStatus.PUBLISHED
    opens = _is_open_data(new_status, new_class) and not _is_open_data(dataset.status, dataset.protection_class)
    if (publishes or opens) and not publication_approved:
        raise Conflict(PUBLICATION_NEEDS_APPROVAL)
    if _loosens(dataset, changes) and not classification_approved:
        raise Conflict(LOOSENING_NEEDS_APPROVAL)
    for key, value in (responsibilities or {}).items():
        if key in ("owner_id", "steward_id"):
            changes[key] = value
    if "license_id" in changes:
        _check_license(session, changes["license_id"])
    if "contact_email" in changes:
        changes["contact_email"] = str(changes["contact_email"] or "")
    before = snapshot(dataset)
    for key, value in changes.items():
        if key in ("title", "description") and value is None:
            continue
        setattr(dataset, key, value)
    after = snapshot(dataset)
    if after == before:
        return dataset
    dataset.version += 1
    dataset.modified = utcnow()
    record_change(
        session,
        dataset=dataset,
        actor=principal,
        action="dataset.update",
        note=data.change_note or "geändert",
        before=before,
    )
    return dataset


def delete_dataset(session: Session, *, principal: Principal, dataset: Dataset) -> None:
    require(principal, Action.DELETE_DATASET, dataset)
    audit.record(
        session,
        actor=principal,
        action="dataset.delete",
        entity_type="dataset",
        entity_id=dataset.identifier,
        municipality_id=dataset.municipality_id,
        before=snapshot(dataset),
    )
    session.delete(dataset)
    session.flush()


def get_dataset(session: Session, *, principal: Principal, key: str) -> Dataset:
    """Find a visible dataset by name, identifier or numeric id; invisible ones are reported as missing."""
    cond = Dataset.name == key
    cond = cond | (Dataset.identifier == key)
    if key.isdigit():
        cond = cond | (Dataset.id == int(key))
    dataset = session.scalars(select(Dataset).where(cond, visible(principal, Dataset)).limit(1)).first()
    if dataset is None:
        raise NotFound("Diesen Datensatz gibt es nicht oder Sie dürfen ihn nicht sehen.")
    return dataset


def list_datasets(
    session: Session,
    *,
    principal: Principal,
    municipality: str | None = None,
    limit: int = 100,
    offset: int = 0,
    modified_since: dt.datetime | None = None,
) -> tuple[list[Dataset], int]:
    """Visible datasets, newest first, with the total count; the permission filter sits in the query."""
    stmt = select(Dataset).where(visible(principal, Dataset))
    if municipality:
        stmt = stmt.join(Municipality, Municipality.id == Dataset.municipality_id).where(
            Municipality.slug == municipality
        )
    if modified_since:
        stmt = stmt.where(Dataset.modified >= modified_since)
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    rows = session.scalars(stmt.order_by(Dataset.modified.desc(), Dataset.id.desc()).limit(limit).offset(offset))
    return list(rows), total


def history(session: Session, *, dataset: Dataset) -> list[DatasetVersion]:
    stmt = select(DatasetVersion).where(DatasetVersion.dataset_id == dataset.id).order_by(DatasetVersion.version)
    return list(session.scalars(stmt))


def _touch(session: Session, dataset: Dataset, principal: Principal, note: str, before: dict[str, Any]) -> None:
    dataset.version += 1
    dataset.modified = utcnow()
    session.flush()
    session.refresh(dataset, ["distributions"])
    record_change(session, dataset=dataset, actor=principal, action="dataset.distribution", note=note, before=before)


def add_file_distribution(
    session: Session,
    *,
    principal: Principal,
    dataset: Dataset,
    store: FileStore,
    filename: str,
    stream: BinaryIO,
    max_bytes: int,
    title: str = "",
    license_id: str | None = None,
) -> Distribution:
    """Store an uploaded file and describe it; a file that cannot be read is refused with the reason."""
    from kikz.catalog import tabular

    require(principal, Action.EDIT_DATASET, dataset)
    _check_license(session, license_id)
    safe_name = PurePath(filename.replace("\\", "/")).name.strip() or "datei"
    fmt = EXTENSION_TO_FORMAT.get(PurePath(safe_name).suffix.lower())
    if fmt is None:
        raise InvalidInput(
            f"Dateityp von '{safe_name}' wird nicht unterstützt "
            f"(erlaubt: {', '.join(sorted(set(EXTENSION_TO_FORMAT)))})."
        )
    try:
        stored = store.put(stream, max_bytes=max_bytes)
    except UploadTooLarge as exc:
        raise TooLarge(str(exc)) from exc
    try:
        info = tabular.describe(store.path_for(stored.sha256), fmt) if fmt in tabular.TABULAR_FORMATS else None
    except KikzError:
        _discard_if_unreferenced(session, store, stored.sha256)
        raise
    before = snapshot(dataset)
    now = utcnow()
    dist = Distribution(
        identifier=str(uuid.uuid4()),
        dataset_id=dataset.id,
        title=title or safe_name,
        format=fmt,
        media_type=FILE_TYPES.get(fmt, ("application/octet-stream", False, False))[0],
        byte_size=stored.size,
        checksum_sha256=stored.sha256,
        file_name=safe_name,
        license_id=license_id or dataset.license_id,
        encoding=info.encoding if info else "",
        delimiter=info.delimiter if info else "",
        columns=[c.as_dict() for c in info.columns] if info else [],
        row_count=info.row_count if info else None,
        issued=now,
        modified=now,
    )
    session.add(dist)
    _touch(session, dataset, principal, f"Datei '{safe_name}' hinzugefügt", before)
    # Governance (scan, re-classification) reacts in the background, so the upload does not wait for it.
    jobs.enqueue(session, DISTRIBUTION_ADDED, {"distribution_id": dist.id})
    return dist


def _discard_if_unreferenced(session: Session, store: FileStore, sha256: str) -> None:
    """A refused upload leaves no file behind, unless the same bytes already belong to a distribution."""
    if session.scalar(select(func.count()).where(Distribution.checksum_sha256 == sha256)) == 0:
        store.path_for(sha256).unlink(missing_ok=True)


def add_link_distribution(
    session: Session,
    *,
    principal: Principal,
    dataset: Dataset,
    access_url: str,
    title: str = "",
    fmt: str = "",
    download_url: str = "",
    license_id: str | None = None,
) -> Distribution:
    require(principal, Action.EDIT_DATASET, dataset)
    _check_license(session, license_id)
    if not re.match(r"^https?://[^\s/$.?#].[^\s]*$", access_url):
        raise InvalidInput("Die Zugriffs-URL muss mit http:// oder https:// beginnen.")
    fmt = fmt.upper()
    if fmt and fmt not in FILE_TYPES:
        raise InvalidInput(f"Unbekanntes Format '{fmt}'.")
    before = snapshot(dataset)
    now = utcnow()
    dist = Distribution(
        identifier=str(uuid.uuid4()),
        dataset_id=dataset.id,
        title=title or access_url,
        access_url=access_url,
        download_url=download_url,
        format=fmt,
        media_type=FILE_TYPES[fmt][0] if fmt else "",
        license_id=license_id or dataset.license_id,
        issued=now,
        modified=now,
    )
    session.add(dist)
    _touch(session, dataset, principal, f"Link '{access_url}' hinzugefügt", before)
    return dist


def get_distribution(session: Session, *, principal: Principal, identifier: str) -> Distribution:
    stmt = (
        select(Distribution)
        .join(Dataset, Dataset.id == Distribution.dataset_id)
        .where(Distribution.identifier == identifier, visible(principal, Dataset))
    )
    dist = session.scalars(stmt).first()
    if dist is None:
        raise NotFound("Diese Datei gibt es nicht oder Sie dürfen sie nicht sehen.")
    return dist


def dataset_url(base_url: str, dataset: Dataset) -> str:
    return f"{base_url.rstrip('/')}/datensaetze/{dataset.name}"


def download_url(base_url: str, dist: Distribution) -> str:
    if not dist.is_stored_file:
        return dist.download_url or dist.access_url
    return f"{base_url.rstrip('/')}/dateien/{dist.identifier}/{dist.file_name}"


def to_public(dataset: Dataset, *, base_url: str) -> DatasetPublic:
    dists = []
    for d in dataset.distributions:
        pub = DistributionPublic.model_validate(d)
        if d.is_stored_file:
            pub.download_url = download_url(base_url, d)
            pub.access_url = pub.download_url
        dists.append(pub)
    return DatasetPublic(
        identifier=dataset.identifier,
        name=dataset.name,
        municipality=dataset.municipality.slug,
        municipality_name=dataset.municipality.name,
        title=dataset.title,
        description=dataset.description,
        keywords=dataset.keywords,
        themes=dataset.themes,
        publisher_name=dataset.publisher_name,
        contact_name=dataset.contact_name,
        contact_email=dataset.contact_email,
        contact_url=dataset.contact_url,
        license_id=dataset.license_id,
        license_title=dataset.license.title if dataset.license else None,
        temporal_start=dataset.temporal_start,
        temporal_end=dataset.temporal_end,
        accrual_periodicity=dataset.accrual_periodicity,
        issued=dataset.issued,
        modified=dataset.modified,
        landing_page=dataset.landing_page,
        protection_class=dataset.protection_class,
        effective_protection_class=dataset.effective_class,
        contains_personal_data=dataset.contains_personal_data,
        status=dataset.status,
        shared_in_network=dataset.shared_in_network,
        version=dataset.version,
        url=dataset_url(base_url, dataset),
        distributions=dists,
    )


__all__ = [
    "PermissionDenied",
    "add_file_distribution",
    "add_link_distribution",
    "create_dataset",
    "delete_dataset",
    "get_dataset",
    "get_distribution",
    "history",
    "list_datasets",
    "to_public",
    "update_dataset",
]
