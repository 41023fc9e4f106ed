"""AI register: create, edit, publish, withdraw and list entries; every query goes through ``visible``.

Who may do what: the city's data stewards and administration (and platform superusers) create and edit the
entries of their city and publish or withdraw them. Publishing is a separate step with a completeness check
(``blockers``); a published entry stays complete, because every later edit must pass the same check.
Only a draft that was never published can be deleted: once public, an entry is retired, not erased.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kikz import audit
from kikz.catalog.models import Dataset
from kikz.db import utcnow
from kikz.errors import Conflict, InvalidInput, NotFound
from kikz.tenancy.models import Municipality
from kikz.tenancy.permissions import PermissionDenied, Principal, can_view, visible
from kikz.transparency.register_models import AlgorithmEntry, Lifecycle, PublicationCategory
from kikz.transparency.register_schemas import EntryInput
from kikz.types import DatasetStatus, ProtectionClass, Role

EDITOR_ROLES = (Role.ADMIN, Role.DATA_STEWARD)


class FieldInvalid(InvalidInput):
    """Invalid input that belongs to one form field (the page links the message to it)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


AUDITED = (
    "slug",
    "name",
    "description_short",
    "organisation",
    "themes",
    "lifecycle",
    "begin_date",
    "end_date",
    "contact",
    "website",
    "publication_category",
    "interacts_with_people",
    "ai_notice",
    "goal",
    "proportionality",
    "human_intervention",
    "risks",
    "lawful_basis",
    "lawful_basis_links",
    "process_index_url",
    "impact_assessments",
    "impact_assessment_notes",
    "source_data",
    "source_data_links",
    "dataset_id",
    "methods_and_models",
    "provider",
    "source_code_url",
    "tags",
    "protection_class",
    "status",
)


@dataclass(frozen=True)
class Filters:
    municipality: str = ""
    lifecycle: Lifecycle | None = None
    category: PublicationCategory | None = None
    theme: str = ""


def may_edit(principal: Principal, municipality_id: int) -> bool:
    return principal.is_superuser or principal.has_role(municipality_id, *EDITOR_ROLES)


def editable_cities(session: Session, principal: Principal) -> list[Municipality]:
    rows = session.scalars(select(Municipality).order_by(Municipality.name))
    return [m for m in rows if may_edit(principal, m.id)]


def _require_edit(principal: Principal, municipality_id: int) -> None:
    if not may_edit(principal, municipality_id):
        raise PermissionDenied(
            "Einträge im KI-Register bearbeiten nur Data Stewards und die Administration der Kommune. "
            "/ Only the data stewards and the administration of the municipality edit AI register entries."
        )


def snapshot(entry: AlgorithmEntry) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in AUDITED:
        value = getattr(entry, name)
        out[name] = value.value if hasattr(value, "value") else value
    return out


def slugify(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text.replace("ß", "ss")).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", folded.lower()).strip("-")[:80] or "eintrag"


def _free_slug(session: Session, base: str) -> str:
    slug, n = base, 2
    while session.scalar(select(AlgorithmEntry.id).where(AlgorithmEntry.slug == slug)) is not None:
        slug, n = f"{base}-{n}", n + 1
    return slug


def _city(session: Session, slug: str) -> Municipality:
    city = session.scalar(select(Municipality).where(Municipality.slug == slug))
    if city is None:
        raise InvalidInput("Diese Kommune gibt es nicht. / This municipality does not exist.")
    return city


def _dataset_id(session: Session, principal: Principal, name: str, municipality_id: int) -> int | None:
    """The linked catalogue dataset: it must be visible to the editor and belong to the same city."""
    if not name:
        return None
    dataset = session.scalar(select(Dataset).where(Dataset.name == name, visible(principal, Dataset)))
    if dataset is None or dataset.municipality_id != municipality_id:
        raise FieldInvalid(
            "dataset",
            "Diesen Datensatz gibt es in der Kommune nicht. / This dataset does not exist in the municipality.",
        )
    return dataset.id


def _apply(entry: AlgorithmEntry, data: EntryInput) -> None:
    values = data.model_dump(exclude={"municipality", "dataset", "protection_class"})
    for name, value in values.items():
        setattr(entry, name, value)
    entry.protection_class = ProtectionClass(data.protection_class)


def blockers(entry: AlgorithmEntry) -> list[tuple[str, str]]:
    """What is missing before the entry may be (or stay) published: (field, German / English message)."""
    out: list[tuple[str, str]] = []
    required = {
        "goal": "Zweck und Wirkung / purpose and impact",
        "human_intervention": "menschliche Aufsicht / human oversight",
        "risks": "Risikomanagement / risk management",
        "lawful_basis": "Rechtsgrundlage / legal basis",
        "source_data": "verwendete Daten / data used",
    }
    for name, label in required.items():
        if not getattr(entry, name).strip():
            out.append((name, f"Für die Veröffentlichung fehlt: {label}."))
    if entry.lifecycle is not Lifecycle.IN_DEVELOPMENT and not entry.begin_date:
        out.append(("begin_date", "Systeme in oder außer Betrieb brauchen einen Beginn. / A start month is required."))
    if entry.lifecycle is Lifecycle.RETIRED and not entry.end_date:
        out.append(("end_date", "Systeme außer Betrieb brauchen ein Ende. / Retired systems need an end month."))
    if entry.interacts_with_people and not entry.ai_notice.strip():
        out.append(
            (
                "ai_notice",
                "Menschen nutzen das System direkt: der Hinweis nach Art. 50 KI-Verordnung fehlt. "
                "/ People use the system directly: the notice under Art. 50 AI Act is missing.",
            )
        )
    if entry.publication_category is PublicationCategory.HIGH_RISK:
        if not entry.impact_assessments:
            out.append(
                (
                    "impact_assessments",
                    "Hochrisiko-KI-Systeme brauchen eine verlinkte Folgenabschätzung. "
                    "/ High-risk AI systems need a linked impact assessment.",
                )
            )
        if not entry.methods_and_models.strip():
            out.append(
                (
                    "methods_and_models",
                    "Hochrisiko-KI-Systeme brauchen eine technische Beschreibung. "
                    "/ High-risk AI systems need a technical description.",
                )
            )
    return out


def create_entry(session: Session, *, principal: Principal, data: EntryInput, slug: str = "") -> AlgorithmEntry:
    city = _city(session, data.municipality)
    _require_edit(principal, city.id)
    entry = AlgorithmEntry(
        municipality_id=city.id,
        slug=_free_slug(session, slug or slugify(f"{city.slug}-{data.name}")),
        status=DatasetStatus.DRAFT,
        created_by_id=principal.user_id,
        updated_by_id=principal.user_id,
    )
    _apply(entry, data)
    entry.dataset_id = _dataset_id(session, principal, data.dataset, city.id)
    session.add(entry)
    session.flush()
    audit.record(
        session,
        actor=principal,
        action="ai_register.create",
        entity_type="algorithm_entry",
        entity_id=entry.slug,
        municipality_id=city.id,
        after=snapshot(entry),
    )
    return entry


def update_entry(session: Session, *, principal: Principal, entry: AlgorithmEntry, data: EntryInput) -> AlgorithmEntry:
    _require_edit(principal, entry.municipality_id)
    if _city(session, data.municipality).id != entry.municipality_id:
        raise FieldInvalid(
            "municipality", "Ein Eintrag bleibt bei seiner Kommune. / An entry stays with its municipality."
        )
    before = snapshot(entry)
    _apply(entry, data)
    # a link to a dataset the editor cannot see is not shown in the form, so an empty field keeps it
    if data.dataset or entry.dataset_id is None or can_view(session, principal, Dataset, entry.dataset_id):
        entry.dataset_id = _dataset_id(session, principal, data.dataset, entry.municipality_id)
    if entry.status is DatasetStatus.PUBLISHED:
        missing = blockers(entry)
        if missing:
            raise Conflict(
                "Der Eintrag ist veröffentlicht und muss vollständig bleiben. / The entry is published and must "
                "stay complete: " + " ".join(message for _, message in missing)
            )
    after = snapshot(entry)
    if after == before:
        return entry
    entry.revision += 1
    entry.updated_at = utcnow()
    entry.updated_by_id = principal.user_id
    session.flush()
    audit.record(
        session,
        actor=principal,
        action="ai_register.update",
        entity_type="algorithm_entry",
        entity_id=entry.slug,
        municipality_id=entry.municipality_id,
        before={k: v for k, v in before.items() if after[k] != v},
        after={k: v for k, v in after.items() if before[k] != v},
    )
    return entry


def publish_entry(session: Session, *, principal: Principal, entry: AlgorithmEntry) -> AlgorithmEntry:
    _require_edit(principal, entry.municipality_id)
    if entry.status is DatasetStatus.PUBLISHED:
        raise Conflict("Der Eintrag ist bereits veröffentlicht. / The entry is already published.")
    missing = blockers(entry)
    if missing:
        raise Conflict("Noch nicht vollständig. / Not complete yet: " + " ".join(m for _, m in missing))
    entry.status = DatasetStatus.PUBLISHED
    now = utcnow()
    entry.published_at = entry.published_at or now
    entry.updated_at = now
    entry.updated_by_id = principal.user_id
    session.flush()
    audit.record(
        session,
        actor=principal,
        action="ai_register.publish",
        entity_type="algorithm_entry",
        entity_id=entry.slug,
        municipality_id=entry.municipality_id,
        before={"status": "draft"},
        after={"status": "published", "protection_class": entry.effective_class.value},
    )
    return entry


def withdraw_entry(session: Session, *, principal: Principal, entry: AlgorithmEntry, reason: str) -> AlgorithmEntry:
    _require_edit(principal, entry.municipality_id)
    if entry.status is not DatasetStatus.PUBLISHED:
        raise Conflict("Der Eintrag ist nicht veröffentlicht. / The entry is not published.")
    reason = reason.strip()
    if not 5 <= len(reason) <= 500:
        raise FieldInvalid(
            "reason", "Bitte einen Grund angeben (5 bis 500 Zeichen). / Please give a reason (5 to 500 characters)."
        )
    entry.status = DatasetStatus.DRAFT
    entry.updated_at = utcnow()
    entry.updated_by_id = principal.user_id
    session.flush()
    audit.record(
        session,
        actor=principal,
        action="ai_register.withdraw",
        entity_type="algorithm_entry",
        entity_id=entry.slug,
        municipality_id=entry.municipality_id,
        before={"status": "published"},
        after={"status": "draft", "reason": reason},
    )
    return entry


def delete_entry(session: Session, *, principal: Principal, entry: AlgorithmEntry) -> None:
    _require_edit(principal, entry.municipality_id)
    if entry.published_at is not None:
        raise Conflict(
            "Ein einmal veröffentlichter Eintrag wird nicht gelöscht, sondern auf „außer Betrieb“ gesetzt. "
            "/ A once published entry is not deleted but set to retired."
        )
    audit.record(
        session,
        actor=principal,
        action="ai_register.delete",
        entity_type="algorithm_entry",
        entity_id=entry.slug,
        municipality_id=entry.municipality_id,
        before=snapshot(entry),
    )
    session.delete(entry)
    session.flush()


def get_entry(session: Session, *, principal: Principal, slug: str) -> AlgorithmEntry:
    """A visible entry by slug; invisible ones are reported as missing (never as forbidden)."""
    entry = session.scalar(
        select(AlgorithmEntry).where(AlgorithmEntry.slug == slug, visible(principal, AlgorithmEntry))
    )
    if entry is None:
        raise NotFound("Diesen Eintrag gibt es nicht. / This entry does not exist.")
    return entry


def list_entries(
    session: Session, *, principal: Principal, filters: Filters | None = None, published_only: bool = True
) -> list[AlgorithmEntry]:
    """Entries the principal may see, in register order (the number says when an entry was created)."""
    filters = filters or Filters()
    stmt = select(AlgorithmEntry).where(visible(principal, AlgorithmEntry))
    if published_only:
        stmt = stmt.where(AlgorithmEntry.status == DatasetStatus.PUBLISHED)
    if filters.municipality:
        stmt = stmt.join(Municipality, Municipality.id == AlgorithmEntry.municipality_id).where(
            Municipality.slug == filters.municipality
        )
    if filters.lifecycle is not None:
        stmt = stmt.where(AlgorithmEntry.lifecycle == filters.lifecycle)
    if filters.category is not None:
        stmt = stmt.where(AlgorithmEntry.publication_category == filters.category)
    rows = list(session.scalars(stmt.order_by(AlgorithmEntry.id)))
    # themes are a JSON list: filtered here, on the already permission-filtered rows (portable across backends)
    return [e for e in rows if not filters.theme or filters.theme in e.themes]


def linked_dataset(session: Session, *, principal: Principal, entry: AlgorithmEntry) -> Dataset | None:
    """The linked catalogue dataset, only if the viewer may see it."""
    if entry.dataset_id is None or not can_view(session, principal, Dataset, entry.dataset_id):
        return None
    return session.get(Dataset, entry.dataset_id)
