"""The eight SensorThings entity types: their filterable fields, JSON form and navigation links."""

from __future__ import annotations

import datetime as dt
from typing import Any

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
from kikz.sensors.odata.schema import EntityType, Fields, Nav


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


def _base_columns(model: Any, **extra: str) -> dict[str, str]:
    columns = {"id": "id"}
    for name in ("name", "description"):
        if hasattr(model, name):
            columns[name] = name
    return columns | extra


def _result_column(alias: Any, value: Any) -> Any:
    return alias.result_text if isinstance(value, str) else alias.result_number


ENTITIES: dict[str, EntityType] = {}


def _register(entity: EntityType) -> None:
    ENTITIES[entity.set_name] = entity


_PROPERTIES = {"properties": "properties"}

_register(
    EntityType(
        "Things",
        Thing,
        Fields(_base_columns(Thing), json=_PROPERTIES),
        _thing,
        {
            "Locations": Nav("Locations", True, table=thing_location, mine="thing_id", theirs="location_id"),
            "HistoricalLocations": Nav("HistoricalLocations", True, back="thing_id"),
            "Datastreams": Nav("Datastreams", True, back="thing_id"),
        },
    )
)
_register(
    EntityType(
        "Locations",
        Location,
        Fields(_base_columns(Location, encodingType="encoding_type"), {"location": ("lon", "lat")}, json=_PROPERTIES),
        _location,
        {
            "Things": Nav("Things", True, table=thing_location, mine="location_id", theirs="thing_id"),
            "HistoricalLocations": Nav(
                "HistoricalLocations",
                True,
                table=historical_location_location,
                mine="location_id",
                theirs="historical_location_id",
            ),
        },
    )
)
_register(
    EntityType(
        "HistoricalLocations",
        HistoricalLocation,
        Fields({"id": "id", "time": "time", "Thing/id": "thing_id"}),
        _historical,
        {
            "Thing": Nav("Things", False, fk="thing_id"),
            "Locations": Nav(
                "Locations",
                True,
                table=historical_location_location,
                mine="historical_location_id",
                theirs="location_id",
            ),
        },
    )
)
_register(
    EntityType(
        "Sensors",
        Sensor,
        Fields(_base_columns(Sensor, encodingType="encoding_type", metadata="metadata_"), json=_PROPERTIES),
        _sensor,
        {"Datastreams": Nav("Datastreams", True, back="sensor_id")},
    )
)
_register(
    EntityType(
        "ObservedProperties",
        ObservedProperty,
        Fields(_base_columns(ObservedProperty, definition="definition"), json=_PROPERTIES),
        _observed_property,
        {"Datastreams": Nav("Datastreams", True, back="observed_property_id")},
    )
)
_register(
    EntityType(
        "Datastreams",
        Datastream,
        Fields(
            _base_columns(
                Datastream,
                observationType="observation_type",
                phenomenonTime="phenomenon_time_start",
                resultTime="result_time_start",
                **{"Thing/id": "thing_id", "Sensor/id": "sensor_id", "ObservedProperty/id": "observed_property_id"},
            ),
            json=_PROPERTIES | {"unitOfMeasurement": "unit_of_measurement"},
        ),
        _datastream,
        {
            "Thing": Nav("Things", False, fk="thing_id"),
            "Sensor": Nav("Sensors", False, fk="sensor_id"),
            "ObservedProperty": Nav("ObservedProperties", False, fk="observed_property_id"),
            "Observations": Nav("Observations", True, back="datastream_id"),
        },
    )
)
_register(
    EntityType(
        "FeaturesOfInterest",
        FeatureOfInterest,
        Fields(
            _base_columns(FeatureOfInterest, encodingType="encoding_type"),
            {"feature": ("lon", "lat")},
            json=_PROPERTIES,
        ),
        _feature,
        {"Observations": Nav("Observations", True, back="feature_of_interest_id")},
    )
)
_register(
    EntityType(
        "Observations",
        Observation,
        Fields(
            {
                "id": "id",
                "phenomenonTime": "phenomenon_time",
                "resultTime": "result_time",
                "validTime": "valid_time_start",
                "Datastream/id": "datastream_id",
                "FeatureOfInterest/id": "feature_of_interest_id",
            },
            typed={"result": _result_column},
            json={"parameters": "parameters", "resultQuality": "result_quality", "result": "result_json"},
        ),
        _observation,
        {
            "Datastream": Nav("Datastreams", False, fk="datastream_id"),
            "FeatureOfInterest": Nav("FeaturesOfInterest", False, fk="feature_of_interest_id"),
        },
    )
)

__all__ = ["ENTITIES", "EntityType", "Fields", "Nav", "interval", "iso"]
