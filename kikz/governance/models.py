"""Governance tables for scans: one row per scan run, its profile (versioned per distribution) and findings.

Profiles never hold values of personal-data columns (no examples, no min/max), and findings hold
masked examples only.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import Enum, Float, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from kikz.db import Base, utcnow


class ScanStatus(enum.StrEnum):
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class ScanRun(Base):
    __tablename__ = "governance_scan"
    __table_args__ = (Index("ix_governance_scan_distribution", "distribution_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    distribution_id: Mapped[int | None] = mapped_column(ForeignKey("distribution.id", ondelete="CASCADE"))
    source: Mapped[str] = mapped_column(String(1000), default="", doc="file name or database URL#table")
    status: Mapped[ScanStatus] = mapped_column(Enum(ScanStatus, native_enum=False, length=20))
    started_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[dt.datetime | None]
    duration_ms: Mapped[int | None]
    rows_seen: Mapped[int | None]
    rows_total: Mapped[int | None]
    sampled: Mapped[bool] = mapped_column(default=False)
    error: Mapped[str | None] = mapped_column(Text)
    proposal: Mapped[dict[str, Any] | None]


class DataProfile(Base):
    __tablename__ = "governance_profile"
    __table_args__ = (UniqueConstraint("distribution_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    scan_id: Mapped[int] = mapped_column(ForeignKey("governance_scan.id", ondelete="CASCADE"), unique=True)
    distribution_id: Mapped[int | None] = mapped_column(ForeignKey("distribution.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(default=1, doc="counts the profiles of one distribution")
    rows_seen: Mapped[int]
    rows_total: Mapped[int | None]
    sampled: Mapped[bool] = mapped_column(default=False)
    columns: Mapped[list[dict[str, Any]]] = mapped_column(default=list)
    notes: Mapped[list[str]] = mapped_column(default=list)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class ScanFinding(Base):
    __tablename__ = "governance_finding"

    id: Mapped[int] = mapped_column(primary_key=True)
    scan_id: Mapped[int] = mapped_column(ForeignKey("governance_scan.id", ondelete="CASCADE"), index=True)
    column_name: Mapped[str | None] = mapped_column(String(300))
    detector: Mapped[str] = mapped_column(String(60))
    title: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(30), doc="personal, art9, quasi_identifier or error")
    evidence_count: Mapped[int] = mapped_column(default=0)
    sample_size: Mapped[int] = mapped_column(default=0)
    confidence: Mapped[float] = mapped_column(Float, default=0.0)
    example_masked: Mapped[str] = mapped_column(String(200), default="")
    message: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(String(20), default="values")
