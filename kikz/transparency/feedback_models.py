"""Messages from citizens: data requests, feedback on datasets, accessibility feedback.

A message is routed when it arrives: to one person (the dataset's named steward) or to a role in a city
(its data stewards, or its administration for accessibility). ``recipient_user_id`` wins while it is set;
if that account disappears the message falls back to the role. The sender's e-mail address is optional,
shown only to the recipients and erased ``RETENTION_DAYS`` after the message was closed.
"""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import Enum, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kikz.db import Base, utcnow
from kikz.tenancy.models import Municipality
from kikz.types import Role


class MessageKind(enum.StrEnum):
    DATA_REQUEST = "data_request"
    DATASET_FEEDBACK = "dataset_feedback"
    ACCESSIBILITY = "accessibility"


class MessageStatus(enum.StrEnum):
    NEW = "new"
    IN_PROGRESS = "in_progress"
    ANSWERED = "answered"
    DECLINED = "declined"

    @property
    def is_open(self) -> bool:
        return self in (MessageStatus.NEW, MessageStatus.IN_PROGRESS)


def _enum(kind: type[enum.Enum]) -> Enum:
    return Enum(kind, native_enum=False, length=20)


class CitizenMessage(Base):
    __tablename__ = "citizen_message"
    __table_args__ = (
        Index("ix_citizen_message_route", "municipality_id", "recipient_role", "status"),
        Index("ix_citizen_message_ip", "ip_hash", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(12), unique=True, doc="shown to the sender, e.g. A-7K3Q9X")
    receipt_hash: Mapped[str] = mapped_column(String(64), unique=True, doc="SHA-256 of the sender's status link key")
    kind: Mapped[MessageKind] = mapped_column(_enum(MessageKind))
    topic: Mapped[str] = mapped_column(String(40), default="", doc="kind of problem or request, from a fixed list")
    municipality_id: Mapped[int | None] = mapped_column(
        ForeignKey("municipality.id", ondelete="CASCADE"), index=True, doc="None: the platform as a whole"
    )
    dataset_id: Mapped[int | None] = mapped_column(ForeignKey("dataset.id", ondelete="SET NULL"), index=True)
    dataset_title: Mapped[str] = mapped_column(String(500), default="", doc="as it was when the message came")
    recipient_user_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id", ondelete="SET NULL"), index=True
    )
    recipient_role: Mapped[Role | None] = mapped_column(Enum(Role, native_enum=False, length=30))
    subject: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    page_url: Mapped[str] = mapped_column(String(300), default="", doc="page the accessibility feedback is about")
    contact_name: Mapped[str | None] = mapped_column(String(100))
    contact_email: Mapped[str | None] = mapped_column(String(254), doc="never public, never exported")
    lang: Mapped[str] = mapped_column(String(2), default="de")
    ip_hash: Mapped[str | None] = mapped_column(String(64), doc="keyed hash for the rate limit, erased after a day")
    status: Mapped[MessageStatus] = mapped_column(_enum(MessageStatus), default=MessageStatus.NEW)
    answer: Mapped[str] = mapped_column(Text, default="")
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    answered_at: Mapped[dt.datetime | None]
    closed_at: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    municipality: Mapped[Municipality | None] = relationship(lazy="joined")
