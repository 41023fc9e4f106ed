"""Catalogue tables: DCAT-AP.de datasets and distributions, their history, licences, search index, harvest sources."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Boolean, Enum, Float, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kikz.db import Base, utcnow
from kikz.tenancy.models import Municipality, User
from kikz.tenancy.protected import Protected
from kikz.types import ProtectionClass


class License(Base):
    """A licence from the DCAT-AP.de licence vocabulary (http://dcat-ap.de/def/licenses/)."""

    __tablename__ = "license"

    id: Mapped[str] = mapped_column(String(80), primary_key=True, doc="e.g. dl-by-de/2.0")
    iri: Mapped[str] = mapped_column(String(300), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    is_open: Mapped[bool] = mapped_column(Boolean, default=True)
    attribution_required: Mapped[bool] = mapped_column(Boolean, default=False)
    url: Mapped[str] = mapped_column(String(300), default="")


class HarvestSource(Base):
    """A remote DCAT catalogue whose datasets are mirrored into one municipality."""

    __tablename__ = "harvest_source"

    id: Mapped[int] = mapped_column(primary_key=True)
    municipality_id: Mapped[int] = mapped_column(ForeignKey("municipality.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    url: Mapped[str] = mapped_column(String(1000))
    protection_class: Mapped[ProtectionClass] = mapped_column(
        Enum(ProtectionClass, native_enum=False, length=30), doc="class given to every harvested dataset"
    )
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    last_run_at: Mapped[dt.datetime | None]
    last_result: Mapped[dict[str, Any] | None]


SEARCH_COVER_COLUMNS = (
    "protection_class",
    "status",
    "municipality_id",
    "shared_in_network",
    "owner_id",
    "steward_id",
    "created_by_id",
    "modified",
)


class Dataset(Protected, Base):
    __tablename__ = "dataset"
    __table_args__ = (
        Index("ix_dataset_visibility", "municipality_id", "protection_class", "status"),
        # Covers the permission check and the sort key for search candidates found by id (no row lookup).
        Index("ix_dataset_search_cover", "id", *SEARCH_COVER_COLUMNS),
        UniqueConstraint("harvest_source_id", "harvest_iri"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    identifier: Mapped[str] = mapped_column(String(200), unique=True, doc="dct:identifier, stable across versions")
    name: Mapped[str] = mapped_column(String(120), unique=True, doc="URL slug, CKAN 'name'")
    title: Mapped[str] = mapped_column(String(500))
    description: Mapped[str] = mapped_column(Text)
    keywords: Mapped[list[str]] = mapped_column(default=list)
    themes: Mapped[list[str]] = mapped_column(default=list, doc="EU data-theme codes, e.g. TRAN")
    hvd_category: Mapped[str] = mapped_column(
        String(20), default="", server_default="", doc="HVD category code (c_…, Reg. 2023/138); empty: no HVD"
    )
    publisher_name: Mapped[str] = mapped_column(String(300), default="")
    publisher_uri: Mapped[str] = mapped_column(String(500), default="")
    contact_name: Mapped[str] = mapped_column(String(300), default="")
    contact_email: Mapped[str] = mapped_column(String(254), default="")
    contact_url: Mapped[str] = mapped_column(String(500), default="")
    license_id: Mapped[str | None] = mapped_column(ForeignKey("license.id"))
    access_rights: Mapped[str] = mapped_column(String(30), default="", doc="EU access-right code; derived if empty")
    spatial_geojson: Mapped[dict[str, Any] | None]
    temporal_start: Mapped[dt.date | None]
    temporal_end: Mapped[dt.date | None]
    accrual_periodicity: Mapped[str] = mapped_column(String(30), default="", doc="EU frequency code, e.g. DAILY")
    issued: Mapped[dt.datetime | None]
    modified: Mapped[dt.datetime | None]
    landing_page: Mapped[str] = mapped_column(String(500), default="")
    conforms_to: Mapped[str] = mapped_column(String(500), default="")
    legal_basis: Mapped[str] = mapped_column(String(500), default="")
    language: Mapped[str] = mapped_column(String(10), default="de")
    contains_personal_data: Mapped[bool | None]
    art9_data: Mapped[bool | None]
    harvest_source_id: Mapped[int | None] = mapped_column(ForeignKey("harvest_source.id", ondelete="CASCADE"))
    harvest_iri: Mapped[str | None] = mapped_column(String(1000))
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    municipality: Mapped[Municipality] = relationship(lazy="joined")
    license: Mapped[License | None] = relationship(lazy="joined")
    owner: Mapped[User | None] = relationship(foreign_keys="Dataset.owner_id")
    steward: Mapped[User | None] = relationship(foreign_keys="Dataset.steward_id")
    distributions: Mapped[list[Distribution]] = relationship(
        back_populates="dataset", cascade="all, delete-orphan", lazy="selectin", order_by="Distribution.id"
    )


class Distribution(Base):
    __tablename__ = "distribution"

    id: Mapped[int] = mapped_column(primary_key=True)
    identifier: Mapped[str] = mapped_column(String(200), unique=True)
    dataset_id: Mapped[int] = mapped_column(ForeignKey("dataset.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(500), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    access_url: Mapped[str] = mapped_column(String(1000), default="", doc="external URL; empty for stored files")
    download_url: Mapped[str] = mapped_column(String(1000), default="")
    format: Mapped[str] = mapped_column(String(30), default="", doc="EU file-type code, e.g. CSV")
    media_type: Mapped[str] = mapped_column(String(120), default="")
    byte_size: Mapped[int | None]
    checksum_sha256: Mapped[str | None] = mapped_column(String(64), doc="also the key in the file store")
    file_name: Mapped[str] = mapped_column(String(300), default="")
    license_id: Mapped[str | None] = mapped_column(ForeignKey("license.id"))
    encoding: Mapped[str] = mapped_column(String(30), default="")
    delimiter: Mapped[str] = mapped_column(String(4), default="")
    columns: Mapped[list[dict[str, Any]]] = mapped_column(default=list, doc="[{name, type}] of tabular files")
    row_count: Mapped[int | None]
    issued: Mapped[dt.datetime | None]
    modified: Mapped[dt.datetime | None]
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    dataset: Mapped[Dataset] = relationship(back_populates="distributions")
    license: Mapped[License | None] = relationship(lazy="joined")

    @property
    def is_stored_file(self) -> bool:
        return self.checksum_sha256 is not None and not self.access_url


class DatasetVersion(Base):
    """A snapshot of a dataset's metadata after each change: the full change history."""

    __tablename__ = "dataset_version"
    __table_args__ = (UniqueConstraint("dataset_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    dataset_id: Mapped[int] = mapped_column(ForeignKey("dataset.id", ondelete="CASCADE"), index=True)
    version: Mapped[int]
    changed_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))
    change_note: Mapped[str] = mapped_column(String(500), default="")
    snapshot: Mapped[dict[str, Any]]


class SearchPosting(Base):
    """Inverted index: one row per (normalised term, dataset) with the term's weight in that dataset."""

    __tablename__ = "search_posting"

    term: Mapped[str] = mapped_column(String(80), primary_key=True)
    dataset_id: Mapped[int] = mapped_column(ForeignKey("dataset.id", ondelete="CASCADE"), primary_key=True)
    weight: Mapped[float] = mapped_column(Float)

    __table_args__ = (
        Index("ix_search_posting_dataset", "dataset_id", "term", "weight"),  # per-candidate seeks, covering
        # PostgreSQL: index-only range scans over terms (weight included); SQLite gets the same by storing the
        # table in primary-key order (WITHOUT ROWID).
        Index("ix_search_posting_term_weight", "term", "dataset_id", postgresql_include=["weight"]).ddl_if(
            dialect="postgresql"
        ),
        {"sqlite_with_rowid": False},
    )


class DatasetFacet(Base):
    """Facet values of a dataset (city, theme, class, format, licence) for counting search results."""

    __tablename__ = "dataset_facet"

    dataset_id: Mapped[int] = mapped_column(ForeignKey("dataset.id", ondelete="CASCADE"), primary_key=True)
    facet: Mapped[str] = mapped_column(String(20), primary_key=True)
    value: Mapped[str] = mapped_column(String(120), primary_key=True)

    __table_args__ = (Index("ix_dataset_facet_value", "facet", "value"), {"sqlite_with_rowid": False})


class SearchWord(Base):
    """A word seen in the catalogue; with the built-in word parts, the lexicon for splitting compounds."""

    __tablename__ = "search_word"

    word: Mapped[str] = mapped_column(String(40), primary_key=True)
