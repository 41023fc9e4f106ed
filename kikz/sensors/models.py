"""SensorThings tables. Every entity belongs to one sensor network, a catalogue ``Dataset`` (``dataset_id``),
from which its visibility follows: every query joins to ``dataset`` and applies ``visible`` in SQL.

Point geometries keep ``lon``/``lat`` columns next to the GeoJSON so ``geo.distance`` and ``st_within`` run as
plain arithmetic in SQL on SQLite and PostgreSQL alike (no spatial extension needed).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Column, Float, ForeignKey, Integer, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from kikz.db import Base, utcnow


def _network() -> Mapped[int]:
    return mapped_column(ForeignKey("dataset.id", ondelete="CASCADE"), index=True)


thing_location = Table(
    "sta_thing_location",
    Base.metadata,
    Column("thing_id", ForeignKey("sta_thing.id", ondelete="CASCADE"), primary_key=True),
    Column("location_id", ForeignKey("sta_location.id", ondelete="CASCADE"), primary_key=True),
)

historical_location_location = Table(
    "sta_historical_location_location",
    Base.metadata,
    Column("historical_location_id", ForeignKey("sta_historical_location.id", ondelete="CASCADE"), primary_key=True),
    Column("location_id", ForeignKey("sta_location.id", ondelete="CASCADE"), primary_key=True),
)


class Thing(Base):
    __tablename__ = "sta_thing"

    id: Mapped[int] = mapped_column(primary_key=True)
    dataset_id: Mapped[int] = _network()
    name: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    properties: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class Location(Base):
    __tablename__ = "sta_location"

    id: Mapped[int] = mapped_column(primary_key=True)
    dataset_id: Mapped[int] = _network()
    name: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    encoding_type: Mapped[str] = mapped_column(String(100), default="application/geo+json")
    location: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    lon: Mapped[float | None] = mapped_column(Float)
    lat: Mapped[float | None] = mapped_column(Float)
    properties: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class HistoricalLocation(Base):
    __tablename__ = "sta_historical_location"

    id: Mapped[int] = mapped_column(primary_key=True)
    dataset_id: Mapped[int] = _network()
    thing_id: Mapped[int] = mapped_column(ForeignKey("sta_thing.id", ondelete="CASCADE"), index=True)
    time: Mapped[dt.datetime] = mapped_column(default=utcnow)


class Sensor(Base):
    __tablename__ = "sta_sensor"

    id: Mapped[int] = mapped_column(primary_key=True)
    dataset_id: Mapped[int] = _network()
    name: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    encoding_type: Mapped[str] = mapped_column(String(100), default="")
    metadata_: Mapped[str] = mapped_column("metadata", Text, default="")
    properties: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class ObservedProperty(Base):
    __tablename__ = "sta_observed_property"

    id: Mapped[int] = mapped_column(primary_key=True)
    dataset_id: Mapped[int] = _network()
    name: Mapped[str] = mapped_column(String(300))
    definition: Mapped[str] = mapped_column(String(500), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    properties: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class Datastream(Base):
    __tablename__ = "sta_datastream"

    id: Mapped[int] = mapped_column(primary_key=True)
    dataset_id: Mapped[int] = _network()
    name: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    observation_type: Mapped[str] = mapped_column(String(200))
    unit_of_measurement: Mapped[dict[str, Any]] = mapped_column(JSON)
    observed_area: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    phenomenon_time_start: Mapped[dt.datetime | None]
    phenomenon_time_end: Mapped[dt.datetime | None]
    result_time_start: Mapped[dt.datetime | None]
    result_time_end: Mapped[dt.datetime | None]
    properties: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    thing_id: Mapped[int] = mapped_column(ForeignKey("sta_thing.id", ondelete="CASCADE"), index=True)
    sensor_id: Mapped[int] = mapped_column(ForeignKey("sta_sensor.id", ondelete="CASCADE"), index=True)
    observed_property_id: Mapped[int] = mapped_column(
        ForeignKey("sta_observed_property.id", ondelete="CASCADE"), index=True
    )


class FeatureOfInterest(Base):
    __tablename__ = "sta_feature_of_interest"

    id: Mapped[int] = mapped_column(primary_key=True)
    dataset_id: Mapped[int] = _network()
    name: Mapped[str] = mapped_column(String(300))
    description: Mapped[str] = mapped_column(Text, default="")
    encoding_type: Mapped[str] = mapped_column(String(100), default="application/geo+json")
    feature: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    lon: Mapped[float | None] = mapped_column(Float)
    lat: Mapped[float | None] = mapped_column(Float)
    properties: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class Observation(Base):
    """One measured value. ``(datastream, phenomenon time)`` is unique: a repeated delivery updates, never doubles."""

    __tablename__ = "sta_observation"
    # the unique index also serves time-ordered reads and keyset paging within a datastream
    __table_args__ = (UniqueConstraint("datastream_id", "phenomenon_time", name="uq_sta_observation_datastream_time"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    dataset_id: Mapped[int] = _network()
    datastream_id: Mapped[int] = mapped_column(ForeignKey("sta_datastream.id", ondelete="CASCADE"))
    feature_of_interest_id: Mapped[int | None] = mapped_column(
        ForeignKey("sta_feature_of_interest.id", ondelete="SET NULL"), index=True
    )
    phenomenon_time: Mapped[dt.datetime]
    phenomenon_time_end: Mapped[dt.datetime | None]
    result_time: Mapped[dt.datetime | None]
    result_number: Mapped[float | None] = mapped_column(Float, doc="numeric results, for filters and sorting")
    result_text: Mapped[str | None] = mapped_column(Text, doc="string results")
    result_json: Mapped[Any] = mapped_column(JSON, nullable=True, doc="the result exactly as given")
    result_quality: Mapped[Any] = mapped_column(JSON, nullable=True)
    valid_time_start: Mapped[dt.datetime | None]
    valid_time_end: Mapped[dt.datetime | None]
    parameters: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class Rollup(Base):
    """Aggregate of one datastream's numeric results over a quarter-hour, an hour or a local day (Europe/Berlin).

    Maintained in the same transaction as every write of an Observation (``kikz.sensors.store``). An observation
    counts toward a bucket only if its phenomenon interval fits into it: 15-minute counts make quarter, hour and
    day rows; hourly counts make hour and day rows; instants (a passing vehicle's speed) make all three.
    ``covered`` is the summed length of the counted intervals in seconds, so completeness is ``covered / length``.
    """

    __tablename__ = "sta_rollup"
    # SQLite keeps the rows in primary-key order (a year of one stream is one contiguous range scan)
    __table_args__ = ({"sqlite_with_rowid": False},)

    datastream_id: Mapped[int] = mapped_column(
        ForeignKey("sta_datastream.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    resolution: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False, doc="900, 3600 or 86400")
    bucket_start: Mapped[dt.datetime] = mapped_column(primary_key=True, doc="UTC; a day starts at local midnight")
    dataset_id: Mapped[int] = _network()
    length: Mapped[int] = mapped_column(Integer, doc="bucket length in seconds (a DST day has 82800 or 90000)")
    count: Mapped[int] = mapped_column(Integer, doc="observations in the bucket")
    covered: Mapped[int] = mapped_column(Integer, doc="seconds covered by interval observations")
    total: Mapped[float] = mapped_column(Float)
    minimum: Mapped[float] = mapped_column(Float)
    maximum: Mapped[float] = mapped_column(Float)


class Gap(Base):
    """A stretch in which a counter delivered nothing usable (missing rows, low uptime, a source status)."""

    __tablename__ = "sta_gap"
    __table_args__ = (UniqueConstraint("datastream_id", "start", name="uq_sta_gap_datastream_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    dataset_id: Mapped[int] = _network()
    datastream_id: Mapped[int] = mapped_column(ForeignKey("sta_datastream.id", ondelete="CASCADE"))
    start: Mapped[dt.datetime]
    end: Mapped[dt.datetime]
    reason: Mapped[str] = mapped_column(String(100))
    source: Mapped[str] = mapped_column(String(200), default="")
    recorded_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


__all__ = [
    "Datastream",
    "FeatureOfInterest",
    "Gap",
    "HistoricalLocation",
    "Location",
    "Observation",
    "ObservedProperty",
    "Rollup",
    "Sensor",
    "Thing",
    "historical_location_location",
    "thing_location",
]
