"""Citizen Lab tables: workshop dates of a city and the registrations for them.

A registration holds only what running the workshop needs (a first name or nickname, the age group, an e-mail
address for the confirmation, the consent) and is deleted by a periodic job a few days after the event; the
workshop keeps only the number of deleted registrations. Nothing here is a catalogue resource: no export, search
or assistant reads these tables.
"""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import Boolean, Enum, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kikz.db import Base, utcnow
from kikz.tenancy.models import Municipality


class AgeGroup(enum.StrEnum):
    """Only the group is asked, never a birth date: under 16 needs the consent of a parent (Art. 8 GDPR)."""

    UNDER_16 = "unter_16"
    FROM_16 = "ab_16"


class LabWorkshop(Base):
    __tablename__ = "lab_workshop"
    __table_args__ = (Index("ix_lab_workshop_city_start", "municipality_id", "starts_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipality.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    place: Mapped[str] = mapped_column(String(300))
    starts_at: Mapped[dt.datetime] = mapped_column(index=True)
    ends_at: Mapped[dt.datetime] = mapped_column(index=True)
    capacity: Mapped[int]
    registration_deadline: Mapped[dt.datetime] = mapped_column(doc="registrations are accepted before this moment")
    min_age: Mapped[int]
    max_age: Mapped[int]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    registrations_deleted_at: Mapped[dt.datetime | None] = mapped_column(
        doc="when the deletion job removed the registrations after the event"
    )
    deleted_registrations: Mapped[int] = mapped_column(default=0, doc="how many were removed (a number, no data)")

    municipality: Mapped[Municipality] = relationship(lazy="joined")
    registrations: Mapped[list[LabRegistration]] = relationship(
        back_populates="workshop", cascade="all, delete-orphan", passive_deletes=True, order_by="LabRegistration.id"
    )


class LabRegistration(Base):
    """One participant: the minimum needed, deleted after the event."""

    __tablename__ = "lab_registration"
    __table_args__ = (UniqueConstraint("workshop_id", "email"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workshop_id: Mapped[int] = mapped_column(ForeignKey("lab_workshop.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(40), doc="first name or nickname")
    age_group: Mapped[AgeGroup] = mapped_column(Enum(AgeGroup, native_enum=False, length=20))
    email: Mapped[str] = mapped_column(String(254), doc="lower-case; for the confirmation and changes only")
    consent_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    parental_consent: Mapped[bool] = mapped_column(Boolean, default=False, doc="confirmed for under-16s")
    cancel_token_hash: Mapped[str] = mapped_column(String(64), unique=True, doc="SHA-256 of the cancel link token")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    workshop: Mapped[LabWorkshop] = relationship(back_populates="registrations")
