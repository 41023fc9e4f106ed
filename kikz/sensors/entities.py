"""The eight SensorThings entity types: their filterable fields, JSON form and navigation links."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, select

from kikz.sensors.models import (
    Datastream,
    FeatureOfInterest,
    HistoricalLocation,
    Location,
    Observation,
    ObservedProperty,
    Sensor,
    Thing,
    historical_location_location,
    thing_location,
)
from kikz.sensors.odata.compiler import Fields

ParentId = int


@dataclass(frozen=True)
class Nav:
    target: str  # entity set name
    many: bool
    link: Callable[[ParentId], ColumnElement[bool]]  # condition on the target rows


@dataclass(frozen=True)
class EntityType:
    set_name: str
    model: type[Any]
    fields: Fields
    properties: Callable[[Any], dict[str, Any]]
    navs: dict[str, Nav]


def iso(value: dt.datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def interval(start: dt.datetime | None, end: dt.datetime | None) -> str | None:
    if start is None:
        return None
    return iso(start) if end is None or end == start else f"{iso(start)}/{iso(end)}"


def _common(row: Any) -> dict[str, Any]:
    return {"name": row.name, "description": row.description}


def _thing(row: Thing) -> dict[str, Any]:
    return _common(row) | {"properties": row.properties}


def _location(row: Location) -> dict[str, Any]:
    return _common(row) | {"encodingType": row.encoding_type, "location": row.location, "properties": row.properties}


def _historical(row: HistoricalLocation) -> dict[str, Any]:
    return {"time": iso(row.time)}


def _sensor(row: Sensor) -> dict[str, Any]:
    return _common(row) | {"encodingType": row.encoding_type, "metadata": row.metadata_, "properties": row.properties}


def _observed_property(row: ObservedProperty) -> dict[str, Any]:
    return _common(row) | {"definition": row.definition, "properties": row.properties}


def _datastream(row: Datastream) -> dict[str, Any]:
    return _common(row) | {
        "unitOfMeasurement": row.unit_of_measurement,
        "observationType": row.observation_type,
        "observedArea": row.observed_area,
        "phenomenonTime": interval(row.phenomenon_time_start, row.phenomenon_time_end),
        "resultTime": interval(row.result_time_start, row.result_time_end),
        "properties": row.properties,
    }


def _feature(row: FeatureOfInterest) -> dict[str, Any]:
    return _common(row) | {"encodingType": row.encoding_type, "feature": row.feature, "properties": row.properties}


def _observation(row: Observation) -> dict[str, Any]:
    return {
        "phenomenonTime": interval(row.phenomenon_time, row.phenomenon_time_end),
        "resultTime": iso(row.result_time),
        "result": row.result_json,
        "resultQuality": row.result_quality,
        "validTime": interval(row.valid_time_start, row.valid_time_end),
        "parameters": row.parameters,
    }


def _fk(model: Any, column: str) -> Callable[[ParentId], Any]:
    """Target rows referenced by the parent's foreign key ``column`` (a to-one navigation)."""
    return lambda pid: select(getattr(model, column)).where(model.id == pid).scalar_subquery()


def _base_columns(model: Any, **extra: Any) -> dict[str, Any]:
    columns = {"id": model.id}
    for name in ("name", "description"):
        if hasattr(model, name):
            columns[name] = getattr(model, name)
    return columns | extra


def _result_column(value: Any) -> Any:
    return Observation.result_text if isinstance(value, str) else Observation.result_number


ENTITIES: dict[str, EntityType] = {}


def _register(entity: EntityType) -> None:
    ENTITIES[entity.set_name] = entity


_register(
    EntityType(
        "Things",
        Thing,
        Fields(_base_columns(Thing)),
        _thing,
        {
            "Locations": Nav(
                "Locations",
                True,
                lambda pid: Location.id.in_(
                    select(thing_location.c.location_id).where(thing_location.c.thing_id == pid)
                ),
            ),
            "HistoricalLocations": Nav("HistoricalLocations", True, lambda pid: HistoricalLocation.thing_id == pid),
            "Datastreams": Nav("Datastreams", True, lambda pid: Datastream.thing_id == pid),
        },
    )
)
_register(
    EntityType(
        "Locations",
        Location,
        Fields(
            _base_columns(Location, encodingType=Location.encoding_type), {"location": (Location.lon, Location.lat)}
        ),
        _location,
        {
            "Things": Nav(
                "Things",
                True,
                lambda pid: Thing.id.in_(select(thing_location.c.thing_id).where(thing_location.c.location_id == pid)),
            ),
            "HistoricalLocations": Nav(
                "HistoricalLocations",
                True,
                lambda pid: HistoricalLocation.id.in_(
                    select(historical_location_location.c.historical_location_id).where(
                        historical_location_location.c.location_id == pid
                    )
                ),
            ),
        },
    )
)
_register(
    EntityType(
        "HistoricalLocations",
        HistoricalLocation,
        Fields({"id": HistoricalLocation.id, "time": HistoricalLocation.time}),
        _historical,
        {
            "Thing": Nav("Things", False, lambda pid: Thing.id == _fk(HistoricalLocation, "thing_id")(pid)),
            "Locations": Nav(
                "Locations",
                True,
                lambda pid: Location.id.in_(
                    select(historical_location_location.c.location_id).where(
                        historical_location_location.c.historical_location_id == pid
                    )
                ),
            ),
        },
    )
)
_register(
    EntityType(
        "Sensors",
        Sensor,
        Fields(_base_columns(Sensor, encodingType=Sensor.encoding_type, metadata=Sensor.metadata_)),
        _sensor,
        {"Datastreams": Nav("Datastreams", True, lambda pid: Datastream.sensor_id == pid)},
    )
)
_register(
    EntityType(
        "ObservedProperties",
        ObservedProperty,
        Fields(_base_columns(ObservedProperty, definition=ObservedProperty.definition)),
        _observed_property,
        {"Datastreams": Nav("Datastreams", True, lambda pid: Datastream.observed_property_id == pid)},
    )
)
_register(
    EntityType(
        "Datastreams",
        Datastream,
        Fields(
            _base_columns(
                Datastream,
                observationType=Datastream.observation_type,
                phenomenonTime=Datastream.phenomenon_time_start,
                resultTime=Datastream.result_time_start,
                **{"Thing/id": Datastream.thing_id, "Sensor/id": Datastream.sensor_id},
                **{"ObservedProperty/id": Datastream.observed_property_id},
            )
        ),
        _datastream,
        {
            "Thing": Nav("Things", False, lambda pid: Thing.id == _fk(Datastream, "thing_id")(pid)),
            "Sensor": Nav("Sensors", False, lambda pid: Sensor.id == _fk(Datastream, "sensor_id")(pid)),
            "ObservedProperty": Nav(
                "ObservedProperties",
                False,
                lambda pid: ObservedProperty.id == _fk(Datastream, "observed_property_id")(pid),
            ),
            "Observations": Nav("Observations", True, lambda pid: Observation.datastream_id == pid),
        },
    )
)
_register(
    EntityType(
        "FeaturesOfInterest",
        FeatureOfInterest,
        Fields(
            _base_columns(FeatureOfInterest, encodingType=FeatureOfInterest.encoding_type),
            {"feature": (FeatureOfInterest.lon, FeatureOfInterest.lat)},
        ),
        _feature,
        {"Observations": Nav("Observations", True, lambda pid: Observation.feature_of_interest_id == pid)},
    )
)
_register(
    EntityType(
        "Observations",
        Observation,
        Fields(
            {
                "id": Observation.id,
                "phenomenonTime": Observation.phenomenon_time,
                "resultTime": Observation.result_time,
                "validTime": Observation.valid_time_start,
                "Datastream/id": Observation.datastream_id,
                "FeatureOfInterest/id": Observation.feature_of_interest_id,
            },
            typed={"result": _result_column},
        ),
        _observation,
        {
            "Datastream": Nav(
                "Datastreams", False, lambda pid: Datastream.id == _fk(Observation, "datastream_id")(pid)
            ),
            "FeatureOfInterest": Nav(
                "FeaturesOfInterest",
                False,
                lambda pid: FeatureOfInterest.id == _fk(Observation, "feature_of_interest_id")(pid),
            ),
        },
    )
)
