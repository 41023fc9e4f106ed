"""Tables of the categorisation: the steward's decisions and a dataset's Musterdatenkatalog category.

EU themes live on ``Dataset.themes`` and the HVD category on ``Dataset.hvd_category`` (the DCAT export reads
them there); the Musterdatenkatalog THEMA and MUSTERDATENSATZ have no DCAT property and live here.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from kikz.db import Base, utcnow


class DatasetCategory(Base):
    """The Musterdatenkatalog category a steward chose for a dataset (one row per dataset)."""

    __tablename__ = "dataset_category"

    dataset_id: Mapped[int] = mapped_column(ForeignKey("dataset.id", ondelete="CASCADE"), primary_key=True)
    mdk_thema: Mapped[str] = mapped_column(String(120), default="")
    mdk_musterdatensatz: Mapped[str] = mapped_column(String(200), default="")
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))


class CategoryDecision(Base):
    """One accept-or-correct decision of a steward: what was suggested, what was chosen, by whom, when.

    ``document`` keeps the text the model read at decision time: the memory of corrections compares new
    datasets against it, so later suggestions for similar datasets follow the steward.
    """

    __tablename__ = "category_decision"
    __table_args__ = (Index("ix_category_decision_field", "field", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    dataset_id: Mapped[int] = mapped_column(ForeignKey("dataset.id", ondelete="CASCADE"), index=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipality.id", ondelete="CASCADE"))
    field: Mapped[str] = mapped_column(String(40), doc="eu_themes | mdk_thema | mdk_musterdatensatz | hvd_category")
    suggested: Mapped[dict[str, Any]] = mapped_column(doc='{"top": [[value, confidence], ...]}')
    chosen: Mapped[dict[str, Any]] = mapped_column(doc='{"value": ...} (a list for eu_themes, null for no HVD)')
    accepted: Mapped[bool] = mapped_column(doc="the steward took the top suggestion unchanged")
    document: Mapped[str] = mapped_column(Text, default="")
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    decided_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
