"""Tables of the Digital Forum: projects with partners, technologies, contacts, data, lessons and reuse links;
events with agenda, materials and participating cities; comments; guest invitations.
"""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import CheckConstraint, Enum, ForeignKey, Index, String, Text, Time, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kikz.db import Base, utcnow
from kikz.tenancy.models import Municipality
from kikz.transfer.vocab import (
    EventFormat,
    FieldOfAction,
    LessonKind,
    MaterialKind,
    Maturity,
    Operation,
    Phase,
    ReuseStatus,
    Visibility,
)


def _enum(kind: type[enum.Enum]) -> Enum:
    return Enum(kind, native_enum=False, length=20)


def _user_fk() -> ForeignKey:
    return ForeignKey("user_account.id", ondelete="SET NULL")


class ForumProject(Base):
    """A project or solution entry (KTS "Wissensspeicher" fields, publiccode.yml where it is software)."""

    __tablename__ = "forum_project"
    __table_args__ = (Index("ix_forum_project_listing", "visibility", "updated_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(String(400), doc="plain-language short description")
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipality.id"), index=True, doc="lead city")
    visibility: Mapped[Visibility] = mapped_column(_enum(Visibility), default=Visibility.FORUM)
    field_of_action: Mapped[FieldOfAction] = mapped_column(_enum(FieldOfAction), index=True)
    phase: Mapped[Phase] = mapped_column(_enum(Phase), index=True)
    maturity: Mapped[Maturity] = mapped_column(_enum(Maturity), index=True)
    problem: Mapped[str] = mapped_column(Text, default="")
    solution: Mapped[str] = mapped_column(Text, default="")
    data_used: Mapped[str] = mapped_column(Text, default="")
    licence: Mapped[str] = mapped_column(String(80), default="", doc="SPDX identifier or 'proprietär'")
    repository_url: Mapped[str] = mapped_column(String(500), default="")
    website_url: Mapped[str] = mapped_column(String(500), default="")
    costs: Mapped[str] = mapped_column(Text, default="")
    funding: Mapped[str] = mapped_column(Text, default="")
    operation: Mapped[Operation | None] = mapped_column(_enum(Operation))
    operating_model: Mapped[str] = mapped_column(Text, default="")
    started_on: Mapped[dt.date | None]
    search_text: Mapped[str] = mapped_column(Text, default="", doc="folded, stemmed words for the forum search")
    created_by_id: Mapped[int | None] = mapped_column(_user_fk())
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    municipality: Mapped[Municipality] = relationship(lazy="joined")
    partners: Mapped[list[ForumProjectPartner]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="ForumProjectPartner.id"
    )
    technologies: Mapped[list[ForumProjectTechnology]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="ForumProjectTechnology.id"
    )
    contacts: Mapped[list[ForumProjectContact]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="ForumProjectContact.id"
    )
    datasets: Mapped[list[ForumProjectDataset]] = relationship(cascade="all, delete-orphan", lazy="selectin")
    lessons: Mapped[list[ForumLesson]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="ForumLesson.created_at"
    )
    reuses: Mapped[list[ForumReuse]] = relationship(
        cascade="all, delete-orphan",
        lazy="selectin",
        order_by="ForumReuse.created_at",
        foreign_keys="ForumReuse.project_id",
    )

    @property
    def city_ids(self) -> list[int]:
        """Lead and partner cities: their staff edit the entry."""
        return [self.municipality_id, *(p.municipality_id for p in self.partners)]


class ForumProjectPartner(Base):
    __tablename__ = "forum_project_partner"
    __table_args__ = (UniqueConstraint("project_id", "municipality_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("forum_project.id", ondelete="CASCADE"), index=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipality.id", ondelete="CASCADE"), index=True)

    municipality: Mapped[Municipality] = relationship(lazy="joined")


class ForumProjectTechnology(Base):
    """One technology, product or standard a project uses (a filter of the forum search)."""

    __tablename__ = "forum_project_technology"
    __table_args__ = (UniqueConstraint("project_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("forum_project.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(60))
    key: Mapped[str] = mapped_column(String(60), index=True, doc="folded name: the filter value")


class ForumProjectContact(Base):
    """A contact person for the project (work contact details only)."""

    __tablename__ = "forum_project_contact"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("forum_project.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(200), default="")
    email: Mapped[str] = mapped_column(String(254), default="")


class ForumProjectDataset(Base):
    """A catalogue dataset the project uses; shown only to those who may see the dataset."""

    __tablename__ = "forum_project_dataset"
    __table_args__ = (UniqueConstraint("project_id", "dataset_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("forum_project.id", ondelete="CASCADE"), index=True)
    dataset_id: Mapped[int] = mapped_column(ForeignKey("dataset.id", ondelete="CASCADE"), index=True)


class ForumLesson(Base):
    """A lesson learned, written for one city (the lead, a partner or a city that reused the solution)."""

    __tablename__ = "forum_lesson"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("forum_project.id", ondelete="CASCADE"), index=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipality.id", ondelete="CASCADE"))
    kind: Mapped[LessonKind] = mapped_column(_enum(LessonKind))
    text: Mapped[str] = mapped_column(Text)
    author_id: Mapped[int | None] = mapped_column(_user_fk())
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    municipality: Mapped[Municipality] = relationship(lazy="joined")


class ForumReuse(Base):
    """'Reused by': another city adopts the solution (optionally with an entry of its own)."""

    __tablename__ = "forum_reuse"
    __table_args__ = (UniqueConstraint("project_id", "municipality_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("forum_project.id", ondelete="CASCADE"), index=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipality.id", ondelete="CASCADE"), index=True)
    status: Mapped[ReuseStatus] = mapped_column(_enum(ReuseStatus), default=ReuseStatus.PLANNED)
    note: Mapped[str] = mapped_column(Text, default="")
    own_project_id: Mapped[int | None] = mapped_column(
        ForeignKey("forum_project.id", ondelete="SET NULL"), doc="the reusing city's own entry, if any"
    )
    created_by_id: Mapped[int | None] = mapped_column(_user_fk())
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    municipality: Mapped[Municipality] = relationship(lazy="joined")


class ForumEvent(Base):
    """An event of the Digital Forum format: an exchange of the cities with agenda and materials."""

    __tablename__ = "forum_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipality.id"), index=True, doc="host city")
    visibility: Mapped[Visibility] = mapped_column(_enum(Visibility), default=Visibility.FORUM)
    format: Mapped[EventFormat] = mapped_column(_enum(EventFormat))
    location: Mapped[str] = mapped_column(String(300), default="")
    starts_at: Mapped[dt.datetime] = mapped_column(index=True)
    ends_at: Mapped[dt.datetime]
    created_by_id: Mapped[int | None] = mapped_column(_user_fk())
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    municipality: Mapped[Municipality] = relationship(lazy="joined")
    agenda: Mapped[list[ForumAgendaItem]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="ForumAgendaItem.position"
    )
    materials: Mapped[list[ForumMaterial]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="ForumMaterial.position"
    )
    participants: Mapped[list[ForumEventCity]] = relationship(
        cascade="all, delete-orphan", lazy="selectin", order_by="ForumEventCity.id"
    )


class ForumAgendaItem(Base):
    __tablename__ = "forum_agenda_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("forum_event.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    start_time: Mapped[dt.time | None] = mapped_column(Time, doc="local time (Europe/Berlin)")
    title: Mapped[str] = mapped_column(String(300))
    speaker: Mapped[str] = mapped_column(String(300), default="")
    project_id: Mapped[int | None] = mapped_column(
        ForeignKey("forum_project.id", ondelete="SET NULL"), doc="the forum project presented, if any"
    )


class ForumMaterial(Base):
    """Slides, minutes or a recording of an event, as a link."""

    __tablename__ = "forum_material"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("forum_event.id", ondelete="CASCADE"), index=True)
    position: Mapped[int]
    title: Mapped[str] = mapped_column(String(300))
    url: Mapped[str] = mapped_column(String(500))
    kind: Mapped[MaterialKind] = mapped_column(_enum(MaterialKind), default=MaterialKind.OTHER)


class ForumEventCity(Base):
    """A city taking part in an event."""

    __tablename__ = "forum_event_city"
    __table_args__ = (UniqueConstraint("event_id", "municipality_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("forum_event.id", ondelete="CASCADE"), index=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipality.id", ondelete="CASCADE"), index=True)

    municipality: Mapped[Municipality] = relationship(lazy="joined")


class ForumComment(Base):
    """A comment by staff of a member or partner city on a project or an event (forum-internal)."""

    __tablename__ = "forum_comment"
    __table_args__ = (
        CheckConstraint("(project_id IS NULL) <> (event_id IS NULL)", name="one_target"),
        Index("ix_forum_comment_author_time", "author_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int | None] = mapped_column(ForeignKey("forum_project.id", ondelete="CASCADE"), index=True)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("forum_event.id", ondelete="CASCADE"), index=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipality.id"), doc="the city the author speaks for")
    author_id: Mapped[int | None] = mapped_column(_user_fk())
    author_label: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, doc="plain text; escaped when shown")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    removed_at: Mapped[dt.datetime | None]
    removed_by_id: Mapped[int | None] = mapped_column(_user_fk())

    municipality: Mapped[Municipality] = relationship(lazy="joined")


class ForumInvitation(Base):
    """A guest municipality invited to read the forum (forum-internal entries included), time-limited."""

    __tablename__ = "forum_invitation"

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipality.id", ondelete="CASCADE"), index=True)
    invited_by_municipality_id: Mapped[int] = mapped_column(ForeignKey("municipality.id", ondelete="CASCADE"))
    invited_by_id: Mapped[int | None] = mapped_column(_user_fk())
    message: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    valid_until: Mapped[dt.datetime]
    revoked_at: Mapped[dt.datetime | None]
    revoked_by_id: Mapped[int | None] = mapped_column(_user_fk())

    municipality: Mapped[Municipality] = relationship(foreign_keys=[municipality_id], lazy="joined")
    invited_by_municipality: Mapped[Municipality] = relationship(
        foreign_keys=[invited_by_municipality_id], lazy="joined"
    )
