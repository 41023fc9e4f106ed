"""Columns every protected resource carries, so the one policy can filter any of them in SQL."""

from __future__ import annotations

from sqlalchemy import Boolean, Enum, ForeignKey
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from kikz.types import DatasetStatus, ProtectionClass


class Protected:
    """Mixin: owning municipality, protection class (None = unclassified = vertraulich), status, people."""

    @declared_attr
    def municipality_id(cls) -> Mapped[int]:
        return mapped_column(ForeignKey("municipality.id"), index=True)

    @declared_attr
    def protection_class(cls) -> Mapped[ProtectionClass | None]:
        return mapped_column(
            Enum(ProtectionClass, native_enum=False, length=30), doc="None = not yet classified = vertraulich"
        )

    @declared_attr
    def status(cls) -> Mapped[DatasetStatus]:
        return mapped_column(Enum(DatasetStatus, native_enum=False, length=20), default=DatasetStatus.DRAFT)

    @declared_attr
    def shared_in_network(cls) -> Mapped[bool]:
        return mapped_column(Boolean, default=False, doc="intern data visible to staff of network cities")

    @declared_attr
    def owner_id(cls) -> Mapped[int | None]:
        return mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"), index=True)

    @declared_attr
    def steward_id(cls) -> Mapped[int | None]:
        return mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"), index=True)

    @declared_attr
    def created_by_id(cls) -> Mapped[int | None]:
        return mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))

    @property
    def effective_class(self) -> ProtectionClass:
        return self.protection_class or ProtectionClass.VERTRAULICH
