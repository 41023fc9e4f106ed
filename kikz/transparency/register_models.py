"""The AI register: one entry per algorithm or AI system a city uses (Dutch Algoritmeregister standard 1.0).

Column names say what a field is; ``register_export`` maps them to the field names of the standard
(``goal``, ``proportionality``, ``human_intervention`` …). An entry is a ``Protected`` resource, so the one
policy (``permissions.visible``) decides who sees it: citizens see published öffentlich entries, staff of the
city also drafts. ``status`` (from ``Protected``) is the publication state; ``lifecycle`` is the system's own
state (in development / in use / retired) as the standard defines it.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import Boolean, Enum, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kikz.db import Base, utcnow
from kikz.tenancy.models import Municipality
from kikz.tenancy.protected import Protected

STANDARD_NAME = "Algoritmeregister-Publicatiestandaard"
STANDARD_VERSION = "1.0.0"


class Lifecycle(enum.StrEnum):
    """Field ``status`` of the standard: the state of the system itself (not of the register entry)."""

    IN_DEVELOPMENT = "in_development"
    IN_USE = "in_use"
    RETIRED = "retired"


class PublicationCategory(enum.StrEnum):
    """Field ``publication_category``: high-risk AI system (EU AI Act) / impactful algorithm / other."""

    HIGH_RISK = "high_risk"
    IMPACTFUL = "impactful"
    OTHER = "other"


# code -> (German, English, value of the standard's ``status``)
LIFECYCLES: dict[Lifecycle, tuple[str, str, str]] = {
    Lifecycle.IN_DEVELOPMENT: ("In Entwicklung", "In development", "In ontwikkeling"),
    Lifecycle.IN_USE: ("In Betrieb", "In use", "In gebruik"),
    Lifecycle.RETIRED: ("Außer Betrieb", "Retired", "Buiten gebruik"),
}

# code -> (German, English, value of the standard's ``publication_category``)
CATEGORIES: dict[PublicationCategory, tuple[str, str, str]] = {
    PublicationCategory.HIGH_RISK: ("Hochrisiko-KI-System", "High-risk AI system", "Hoog-risico AI-systeem"),
    PublicationCategory.IMPACTFUL: (
        "Algorithmus mit erheblicher Wirkung",
        "Impactful algorithm",
        "Impactvolle algoritmes",
    ),
    PublicationCategory.OTHER: ("Sonstiger Algorithmus", "Other algorithm", "Overige algoritmes"),
}

# Field ``category`` (Thema) of the standard: its 16 policy areas. code -> (German, English, standard value)
THEMES: dict[str, tuple[str, str, str]] = {
    "organisation": (
        "Organisation und Verwaltung",
        "Organisation and administration",
        "Organisatie en bedrijfsvoering",
    ),
    "kultur": ("Kultur und Freizeit", "Culture and recreation", "Cultuur en recreatie"),
    "wirtschaft": ("Wirtschaft", "Economy", "Economie"),
    "finanzen": ("Öffentliche Finanzen", "Public finances", "Overheidsfinanciën"),
    "wohnen": ("Wohnen", "Housing", "Wonen"),
    "international": ("Internationales", "International affairs", "Internationaal"),
    "migration": ("Migration und Integration", "Migration and integration", "Migratie en integratie"),
    "umwelt": ("Natur und Umwelt", "Nature and environment", "Natuur en milieu"),
    "bildung": ("Bildung und Wissenschaft", "Education and science", "Onderwijs en wetenschap"),
    "sicherheit": ("Öffentliche Ordnung und Sicherheit", "Public order and safety", "Openbare orde en veiligheid"),
    "recht": ("Recht", "Law", "Recht"),
    "raum": ("Raum und Infrastruktur", "Spatial planning and infrastructure", "Ruimte en infrastructuur"),
    "soziales": ("Soziale Sicherung", "Social security", "Sociale zekerheid"),
    "verkehr": ("Verkehr", "Traffic and transport", "Verkeer"),
    "arbeit": ("Arbeit", "Work", "Werk"),
    "gesundheit": ("Gesundheit und Pflege", "Health and care", "Zorg en gezondheid"),
}


def _enum(kind: type[enum.Enum]) -> Enum:
    return Enum(kind, native_enum=False, length=20)


class AlgorithmEntry(Protected, Base):
    """One registration: an algorithm or AI system used by one municipality (the standard: one organisation)."""

    __tablename__ = "algorithm_entry"
    __table_args__ = (Index("ix_algorithm_entry_visibility", "municipality_id", "protection_class", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True, doc="the register number")
    slug: Mapped[str] = mapped_column(String(120), unique=True, doc="URL name, also the standard's source_id")
    name: Mapped[str] = mapped_column(String(100))
    description_short: Mapped[str] = mapped_column(String(350), doc="plain language, shown in the list")
    organisation: Mapped[str] = mapped_column(String(100))
    themes: Mapped[list[str]] = mapped_column(default=list, doc="codes of THEMES, at most three")
    lifecycle: Mapped[Lifecycle] = mapped_column(_enum(Lifecycle), default=Lifecycle.IN_DEVELOPMENT)
    begin_date: Mapped[str] = mapped_column(String(7), default="", doc="YYYY-MM, month taken into use")
    end_date: Mapped[str] = mapped_column(String(7), default="", doc="YYYY-MM, month taken out of use")
    contact: Mapped[str] = mapped_column(String(500), doc="e-mail address or https:// page for questions")
    website: Mapped[str] = mapped_column(String(500), default="", doc="public page about the system")
    publication_category: Mapped[PublicationCategory] = mapped_column(
        _enum(PublicationCategory), default=PublicationCategory.OTHER
    )
    goal: Mapped[str] = mapped_column(Text, default="", doc="purpose and impact")
    proportionality: Mapped[str] = mapped_column(Text, default="", doc="considerations: pros, cons, alternatives")
    human_intervention: Mapped[str] = mapped_column(Text, default="", doc="human oversight")
    risks: Mapped[str] = mapped_column(Text, default="", doc="risk management")
    lawful_basis: Mapped[str] = mapped_column(Text, default="")
    lawful_basis_links: Mapped[list[dict[str, Any]]] = mapped_column(default=list, doc="[{title, link}]")
    process_index_url: Mapped[str] = mapped_column(String(500), default="", doc="processing register (Art. 30)")
    impact_assessments: Mapped[list[dict[str, Any]]] = mapped_column(default=list, doc="[{title, link}]: DPIA …")
    impact_assessment_notes: Mapped[str] = mapped_column(Text, default="", doc="why an assessment was not done")
    source_data: Mapped[str] = mapped_column(Text, default="")
    source_data_links: Mapped[list[dict[str, Any]]] = mapped_column(default=list, doc="[{title, link}]")
    methods_and_models: Mapped[str] = mapped_column(Text, default="", doc="technical working")
    provider: Mapped[str] = mapped_column(String(200), default="", doc="supplier, or 'Eigenentwicklung'")
    source_code_url: Mapped[str] = mapped_column(String(500), default="")
    tags: Mapped[str] = mapped_column(String(500), default="", doc="comma-separated search terms")
    interacts_with_people: Mapped[bool] = mapped_column(Boolean, default=False, doc="people use it directly")
    ai_notice: Mapped[str] = mapped_column(Text, default="", doc="EU AI Act Art. 50 notice shown to its users")
    dataset_id: Mapped[int | None] = mapped_column(
        ForeignKey("dataset.id", ondelete="SET NULL"),
        index=True,
        doc="catalogue dataset documenting the system's data (optional); a grant on it also shows the entry",
    )
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    published_at: Mapped[dt.datetime | None] = mapped_column(doc="first publication; kept when withdrawn")
    revision: Mapped[int] = mapped_column(default=1)

    municipality: Mapped[Municipality] = relationship(lazy="joined")

    @property
    def register_number(self) -> str:
        return f"KIKZ-{self.id:04d}"
