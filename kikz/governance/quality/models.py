"""Quality tables: every evaluation is kept with its time (trends), plus link checks and edited Table Schemas.

Reports store counts, shares and row numbers only, never cell values, so a quality report cannot leak the
personal data a table may hold.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Float, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from kikz.db import Base, utcnow


class DatasetMqaRecord(Base):
    """One MQA evaluation of one dataset (indicators with points and reasons)."""

    __tablename__ = "quality_mqa_dataset"
    __table_args__ = (Index("ix_quality_mqa_dataset_history", "dataset_id", "evaluated_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    dataset_id: Mapped[int] = mapped_column(ForeignKey("dataset.id", ondelete="CASCADE"))
    evaluated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    score: Mapped[int]
    band: Mapped[str] = mapped_column(String(20))
    indicators: Mapped[list[dict[str, Any]]] = mapped_column(default=list)


class CatalogueMqaRecord(Base):
    """One catalogue-level MQA evaluation of a city's open datasets."""

    __tablename__ = "quality_mqa_catalogue"
    __table_args__ = (Index("ix_quality_mqa_catalogue_history", "municipality_id", "evaluated_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipality.id", ondelete="CASCADE"))
    evaluated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    score: Mapped[float] = mapped_column(Float)
    band: Mapped[str] = mapped_column(String(20))
    dataset_count: Mapped[int]
    bands: Mapped[dict[str, Any]] = mapped_column(default=dict, doc="datasets per band")
    indicators: Mapped[list[dict[str, Any]]] = mapped_column(default=list)


class DataQualityRecord(Base):
    """One data-quality evaluation of one tabular distribution (scores 0–100 per dimension)."""

    __tablename__ = "quality_data_report"
    __table_args__ = (Index("ix_quality_data_report_history", "distribution_id", "evaluated_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    distribution_id: Mapped[int] = mapped_column(ForeignKey("distribution.id", ondelete="CASCADE"))
    dataset_id: Mapped[int] = mapped_column(ForeignKey("dataset.id", ondelete="CASCADE"), index=True)
    evaluated_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    overall: Mapped[float | None] = mapped_column(Float)
    completeness: Mapped[float | None] = mapped_column(Float)
    validity: Mapped[float | None] = mapped_column(Float)
    uniqueness: Mapped[float | None] = mapped_column(Float)
    timeliness: Mapped[float | None] = mapped_column(Float)
    consistency: Mapped[float | None] = mapped_column(Float)
    rows_checked: Mapped[int] = mapped_column(default=0)
    sampled: Mapped[bool] = mapped_column(default=False)
    report: Mapped[dict[str, Any]] = mapped_column(default=dict)


class LinkCheck(Base):
    """The latest reachability check of one external URL (done by a background job, never in a request)."""

    __tablename__ = "quality_link_check"

    id: Mapped[int] = mapped_column(primary_key=True)
    url_hash: Mapped[str] = mapped_column(String(64), unique=True, doc="SHA-256 of the URL (index key)")
    url: Mapped[str] = mapped_column(Text)
    status_code: Mapped[int | None]
    ok: Mapped[bool] = mapped_column(default=False)
    error: Mapped[str] = mapped_column(String(500), default="")
    checked_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    duration_ms: Mapped[int | None]


class StoredTableSchema(Base):
    """A Frictionless Table Schema for a tabular distribution, as edited by a data steward."""

    __tablename__ = "quality_table_schema"

    distribution_id: Mapped[int] = mapped_column(ForeignKey("distribution.id", ondelete="CASCADE"), primary_key=True)
    schema: Mapped[dict[str, Any]] = mapped_column(default=dict)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
