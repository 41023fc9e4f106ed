"""Creating, changing and deleting SensorThings entities (deep insert, links by ``@iot.id``).

Every entity belongs to the sensor network (catalogue dataset) of the entity it hangs on; a free-standing
entity names its network with ``?network=<dataset name or id>``. Writing needs ``EDIT_DATASET`` on that dataset.

Duplicates: an Observation with the (datastream, phenomenonTime) of a stored one replaces that one's result and
keeps its id (a re-delivered batch is idempotent); ``created`` is False then (POST answers 200, not 201).
An Observation without FeatureOfInterest gets one made from its Thing's current Location (as the spec asks).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from kikz.catalog.models import Dataset
from kikz.db import utcnow
from kikz.errors import InvalidInput, NotFound
from kikz.sensors.entities import ENTITIES, EntityType
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
from kikz.sensors.odata.parser import QueryError, parse_datetime
from kikz.sensors.store import NO_END, NewObservation, refresh_rollups, store_observations
from kikz.tenancy.permissions import Action, PermissionDenied, Principal, allowed, can_view

FUTURE_TOLERANCE = dt.timedelta(minutes=5)
MAX_DEEP_INSERT = 6  # Thing → Datastream → Observation → FeatureOfInterest needs 4
RESULT_TYPES: dict[str, tuple[type, ...]] = {
    "http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Measurement": (int, float),
    "http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_CountObservation": (int,),
    "http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_TruthObservation": (bool,),
    "http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_CategoryObservation": (str,),
}


@dataclass
class Writer:
    session: Session
    principal: Principal
    network: Dataset | None = None
    depth: int = 0
    features: dict[int, FeatureOfInterest] = field(default_factory=dict)
    stream_features: dict[int, FeatureOfInterest | None] = field(default_factory=dict)
    """Per datastream, within one request: the default feature does not change while a batch is written."""

    # --- networks and links -------------------------------------------------------------------------------
    def dataset(self, dataset_id: int | None) -> Dataset:
        if dataset_id is None:
            if self.network is None:
                raise InvalidInput(
                    "Sensornetz fehlt: geben Sie ?network=<Datensatz> an oder verknüpfen Sie eine bestehende "
                    "Entität. / Sensor network missing (?network=<dataset>)."
                )
            dataset_id = self.network.id
        dataset = self.session.get(Dataset, dataset_id)
        if dataset is None or not can_view(self.session, self.principal, Dataset, dataset_id):
            raise NotFound("Sensornetz nicht gefunden. / Sensor network not found.")
        if not allowed(self.principal, Action.EDIT_DATASET, dataset):
            raise PermissionDenied("Sie dürfen dieses Sensornetz nicht bearbeiten. / Not allowed to edit this network.")
        return dataset

    def linked(self, entity: EntityType, value: Any, dataset_id: int | None) -> Any:
        """An entity given as ``{"@iot.id": n}`` (must be visible) or as a JSON object to create (deep insert)."""
        if not isinstance(value, dict):
            raise InvalidInput(f"{entity.set_name}: Objekt erwartet. / Object expected.")
        if "@iot.id" in value:
            ref = value["@iot.id"]
            valid = isinstance(ref, int) and not isinstance(ref, bool) and 0 < ref < 2**31
            row = self.session.get(entity.model, ref) if valid else None
            if row is None or not can_view(self.session, self.principal, Dataset, row.dataset_id):
                raise InvalidInput(f"{entity.set_name}({ref!r}) gibt es nicht. / Linked entity not found.")
            return row
        return self.create(entity, value, dataset_id=dataset_id)

    # --- create -------------------------------------------------------------------------------------------
    def create(self, entity: EntityType, body: Any, *, dataset_id: int | None = None, **links: Any) -> Any:
        if not isinstance(body, dict):
            raise InvalidInput("Ein JSON-Objekt wird erwartet. / A JSON object is expected.")
        creator = getattr(self, "_create_" + entity.set_name)
        self.depth += 1
        try:
            if self.depth > MAX_DEEP_INSERT:
                raise InvalidInput("Zu tief verschachtelte Entitäten. / Deep insert nested too deeply.")
            return creator(body, dataset_id, **links)
        finally:
            self.depth -= 1

    def _create_Things(self, body: dict[str, Any], dataset_id: int | None, **_: Any) -> Thing:
        network = self.dataset(dataset_id)
        thing = Thing(dataset_id=network.id, **_named(body), properties=_object(body, "properties"))
        self.session.add(thing)
        self.session.flush()
        locations = [self.linked(ENTITIES["Locations"], item, network.id) for item in _list(body, "Locations")]
        if locations:
            self.set_locations(thing, locations)
        for item in _list(body, "Datastreams"):
            self.create(ENTITIES["Datastreams"], item, dataset_id=network.id, thing=thing)
        return thing

    def _create_Locations(self, body: dict[str, Any], dataset_id: int | None, thing: Thing | None = None) -> Location:
        things = [self.linked(ENTITIES["Things"], item, dataset_id) for item in _list(body, "Things")]
        if thing is not None:
            things.append(thing)
        network = self.dataset(dataset_id if dataset_id is not None else (things[0].dataset_id if things else None))
        geometry = _required(body, "location")
        lon, lat = _point(geometry)
        location = Location(
            dataset_id=network.id,
            **_named(body),
            encoding_type=_text(body, "encodingType", "application/geo+json"),
            location=geometry,
            lon=lon,
            lat=lat,
            properties=_object(body, "properties"),
        )
        self.session.add(location)
        self.session.flush()
        for owner in things:
            self.set_locations(owner, [location])
        return location

    def set_locations(self, thing: Thing, locations: list[Location]) -> None:
        """A Thing's current Locations change: replace the links and record a HistoricalLocation."""
        self.session.execute(thing_location.delete().where(thing_location.c.thing_id == thing.id))
        for location in locations:
            self.session.execute(insert(thing_location).values(thing_id=thing.id, location_id=location.id))
        history = HistoricalLocation(dataset_id=thing.dataset_id, thing_id=thing.id, time=utcnow())
        self.session.add(history)
        self.session.flush()
        for location in locations:
            self.session.execute(
                insert(historical_location_location).values(historical_location_id=history.id, location_id=location.id)
            )

    def _create_HistoricalLocations(self, body: dict[str, Any], dataset_id: int | None, **_: Any) -> Any:
        thing = self.linked(ENTITIES["Things"], _required(body, "Thing"), dataset_id)
        self.dataset(thing.dataset_id)
        history = HistoricalLocation(
            dataset_id=thing.dataset_id, thing_id=thing.id, time=_time(body, "time") or utcnow()
        )
        self.session.add(history)
        self.session.flush()
        return history

    def _create_Sensors(self, body: dict[str, Any], dataset_id: int | None, **_: Any) -> Sensor:
        network = self.dataset(dataset_id)
        sensor = Sensor(
            dataset_id=network.id,
            **_named(body),
            encoding_type=_text(body, "encodingType", ""),
            metadata_=_text(body, "metadata", ""),
            properties=_object(body, "properties"),
        )
        self.session.add(sensor)
        self.session.flush()
        return sensor

    def _create_ObservedProperties(self, body: dict[str, Any], dataset_id: int | None, **_: Any) -> ObservedProperty:
        network = self.dataset(dataset_id)
        prop = ObservedProperty(
            dataset_id=network.id,
            **_named(body),
            definition=_text(body, "definition", ""),
            properties=_object(body, "properties"),
        )
        self.session.add(prop)
        self.session.flush()
        return prop

    def _create_Datastreams(
        self, body: dict[str, Any], dataset_id: int | None, thing: Thing | None = None, **links: Any
    ) -> Datastream:
        if thing is None:
            thing = self.linked(ENTITIES["Things"], _required(body, "Thing"), dataset_id)
        network = self.dataset(thing.dataset_id)
        sensor = links.get("sensor") or self.linked(ENTITIES["Sensors"], _required(body, "Sensor"), network.id)
        prop = links.get("observed_property") or self.linked(
            ENTITIES["ObservedProperties"], _required(body, "ObservedProperty"), network.id
        )
        unit = _required(body, "unitOfMeasurement")
        if not isinstance(unit, dict):
            raise InvalidInput("unitOfMeasurement muss ein Objekt sein. / unitOfMeasurement must be an object.")
        stream = Datastream(
            dataset_id=network.id,
            **_named(body),
            observation_type=_text(body, "observationType", None),
            unit_of_measurement=unit,
            observed_area=_object(body, "observedArea"),
            properties=_object(body, "properties"),
            thing_id=thing.id,
            sensor_id=sensor.id,
            observed_property_id=prop.id,
        )
        self.session.add(stream)
        self.session.flush()
        for item in _list(body, "Observations"):
            self.create(ENTITIES["Observations"], item, dataset_id=network.id, datastream=stream)
        return stream

    def _create_FeaturesOfInterest(self, body: dict[str, Any], dataset_id: int | None, **_: Any) -> FeatureOfInterest:
        network = self.dataset(dataset_id)
        geometry = _required(body, "feature")
        lon, lat = _point(geometry)
        feature = FeatureOfInterest(
            dataset_id=network.id,
            **_named(body),
            encoding_type=_text(body, "encodingType", "application/geo+json"),
            feature=geometry,
            lon=lon,
            lat=lat,
            properties=_object(body, "properties"),
        )
        self.session.add(feature)
        self.session.flush()
        return feature

    def _create_Observations(
        self, body: dict[str, Any], dataset_id: int | None, datastream: Datastream | None = None, **_: Any
    ) -> Observation:
        observation, _created = self.observation(body, dataset_id, datastream)
        return observation

    def observation(
        self, body: dict[str, Any], dataset_id: int | None, datastream: Datastream | None = None
    ) -> tuple[Observation, bool]:
        if datastream is None:
            datastream = self.linked(ENTITIES["Datastreams"], _required(body, "Datastream"), None)
        self.dataset(datastream.dataset_id)
        (stored,) = store_observations(self.session, [self.new_observation(body, datastream)])
        observation = self.session.get(Observation, stored.id, populate_existing=True)
        assert observation is not None
        return observation, stored.created

    def new_observation(self, body: dict[str, Any], datastream: Datastream) -> NewObservation:
        """Validate one Observation of ``datastream`` (whose network the caller may edit, checked before)."""
        if not isinstance(body, dict):
            raise InvalidInput("Ein JSON-Objekt wird erwartet. / A JSON object is expected.")
        if "result" not in body:
            raise InvalidInput("result fehlt. / result is missing.")
        result = body["result"]
        if isinstance(result, float) and not math.isfinite(result):
            raise InvalidInput("result muss eine endliche Zahl sein. / result must be finite.")
        expected = RESULT_TYPES.get(datastream.observation_type)
        if expected and (not isinstance(result, expected) or (bool not in expected and isinstance(result, bool))):
            raise InvalidInput(
                f"result {result!r} passt nicht zum observationType des Datastreams. / Wrong result type."
            )
        start, end = _interval(body.get("phenomenonTime"), "phenomenonTime")
        if start is None:
            start = utcnow()
        valid_start, valid_end = _interval(body.get("validTime"), "validTime")
        if body.get("FeatureOfInterest") is not None:
            feature = self.linked(ENTITIES["FeaturesOfInterest"], body["FeatureOfInterest"], datastream.dataset_id)
        else:
            feature = self.feature_from_location(datastream)
        return NewObservation(
            datastream_id=datastream.id,
            dataset_id=datastream.dataset_id,
            phenomenon_time=start,
            phenomenon_time_end=end,
            result=result,
            result_time=_time(body, "resultTime"),
            result_quality=body.get("resultQuality"),
            valid_time_start=valid_start,
            valid_time_end=valid_end,
            parameters=_object(body, "parameters"),
            feature_of_interest_id=feature.id if feature else None,
        )

    def counts_from_array(
        self, datastream: Datastream, components: list[str], rows: list[Any]
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], list[int | float]] | None:
        """Columns (start µs, end µs, results) of a dataArray that is plainly valid as a whole, else None.

        The common ingest shape — ``["phenomenonTime", "result"]`` with UTC ``…Z`` times or ``…Z/…Z`` intervals
        and numbers — is checked at C speed; anything unusual returns None and takes
        :meth:`observations_from_array`, which reports row by row.
        """
        if sorted(components) != ["phenomenonTime", "result"] or not rows:
            return None
        expected = RESULT_TYPES.get(datastream.observation_type)
        numeric = {int, float} if expected is None or float in expected else {int}
        at_time, at_result = components.index("phenomenonTime"), components.index("result")
        try:
            if not all(type(v) is list and len(v) == 2 for v in rows):
                return None
            results = [v[at_result] for v in rows]
            times = [v[at_time] for v in rows]
            if not all(type(r) in numeric for r in results) or not all(type(t) is str for t in times):
                return None
            if not np.isfinite(np.asarray(results, dtype=np.float64)).all():
                return None
            halves = [t.split("/") for t in times]
            width = len(halves[0])
            if width not in (1, 2) or any(len(h) != width for h in halves):
                return None
            columns = []
            for part in range(width):
                texts = [h[part] for h in halves]
                if not all(len(t) >= 20 and t[-1] == "Z" and t[10] == "T" for t in texts):
                    return None
                stamps = np.array([t[:-1] for t in texts], dtype="datetime64[us]")
                columns.append(stamps.astype(np.int64))
        except (ValueError, OverflowError, TypeError):
            return None
        start = columns[0]
        end = columns[1] if width == 2 else np.full(start.size, NO_END, dtype=np.int64)
        latest = int((utcnow() + FUTURE_TOLERANCE).timestamp() * 1_000_000)
        if start.max() > latest or (width == 2 and (end.max() > latest or bool((end < start).any()))):
            return None
        return start, end, results

    def observations_from_array(
        self, datastream: Datastream, components: list[str], rows: list[Any]
    ) -> list[NewObservation | str]:
        """The dataArray rows of one ``CreateObservations`` block: a NewObservation or ``"error: …"`` per row.

        The common components (phenomenonTime, result, resultTime) take a tight loop with the same checks as
        :meth:`new_observation`; any other component takes the general path row by row.
        """
        out: list[NewObservation | str] = []
        width = len(components)
        if not set(components) <= {"phenomenonTime", "result", "resultTime"} or "result" not in components:
            for values in rows:
                try:
                    if not isinstance(values, list) or len(values) != width:
                        raise InvalidInput(
                            "Anzahl der Werte passt nicht zu components. / Values do not match components."
                        )
                    item = dict(zip(components, values, strict=True))
                    if "FeatureOfInterest/id" in item:
                        item["FeatureOfInterest"] = {"@iot.id": item.pop("FeatureOfInterest/id")}
                    out.append(self.new_observation(item, datastream))
                except (QueryError, InvalidInput, NotFound) as exc:
                    out.append(f"error: {exc.message}")
            return out
        at_result = components.index("result")
        at_time = components.index("phenomenonTime") if "phenomenonTime" in components else None
        at_result_time = components.index("resultTime") if "resultTime" in components else None
        expected = RESULT_TYPES.get(datastream.observation_type)
        feature = self.feature_from_location(datastream)
        feature_id = feature.id if feature else None
        stream_id, network_id = datastream.id, datastream.dataset_id
        now = utcnow()
        latest = now + FUTURE_TOLERANCE
        for values in rows:
            try:
                if type(values) is not list or len(values) != width:
                    raise InvalidInput("Anzahl der Werte passt nicht zu components. / Values do not match components.")
                result = values[at_result]
                if type(result) is float and not math.isfinite(result):
                    raise InvalidInput("result muss eine endliche Zahl sein. / result must be finite.")
                if expected and (
                    not isinstance(result, expected) or (bool not in expected and isinstance(result, bool))
                ):
                    raise InvalidInput(
                        f"result {result!r} passt nicht zum observationType des Datastreams. / Wrong result type."
                    )
                start, end = (None, None) if at_time is None else _interval(values[at_time], "phenomenonTime", latest)
                result_time = None
                if at_result_time is not None and values[at_result_time] is not None:
                    result_time = check_time(values[at_result_time], "resultTime", latest)
                out.append(
                    NewObservation(
                        stream_id,
                        network_id,
                        start or now,
                        result,
                        end,
                        result_time,
                        feature_of_interest_id=feature_id,
                    )
                )
            except (QueryError, InvalidInput) as exc:
                out.append(f"error: {exc.message}")
        return out

    def feature_from_location(self, datastream: Datastream) -> FeatureOfInterest | None:
        """The spec's default FeatureOfInterest: the Thing's current Location, made into a feature once."""
        if datastream.id in self.stream_features:
            return self.stream_features[datastream.id]
        feature = self._feature_from_location(datastream)
        self.stream_features[datastream.id] = feature
        return feature

    def _feature_from_location(self, datastream: Datastream) -> FeatureOfInterest | None:
        location = self.session.scalars(
            select(Location)
            .join(thing_location, thing_location.c.location_id == Location.id)
            .where(thing_location.c.thing_id == datastream.thing_id)
            .order_by(Location.id)
            .limit(1)
        ).first()
        if location is None or location.location is None:
            return None
        cached = self.features.get(location.id)
        if cached is not None:
            return cached
        # a feature made from this location earlier carries the same network, name and point
        feature = self.session.scalars(
            select(FeatureOfInterest).where(
                FeatureOfInterest.dataset_id == datastream.dataset_id,
                FeatureOfInterest.name == location.name,
                FeatureOfInterest.lon == location.lon if location.lon is not None else FeatureOfInterest.lon.is_(None),
                FeatureOfInterest.lat == location.lat if location.lat is not None else FeatureOfInterest.lat.is_(None),
            )
        ).first()
        if feature is None:
            feature = FeatureOfInterest(
                dataset_id=datastream.dataset_id,
                name=location.name,
                description=location.description,
                encoding_type=location.encoding_type,
                feature=location.location,
                lon=location.lon,
                lat=location.lat,
            )
            self.session.add(feature)
            self.session.flush()
        self.features[location.id] = feature
        return feature

    # --- change and delete --------------------------------------------------------------------------------
    def patch(self, entity: EntityType, row: Any, body: Any) -> None:
        if not isinstance(body, dict):
            raise InvalidInput("Ein JSON-Objekt wird erwartet. / A JSON object is expected.")
        self.dataset(row.dataset_id)
        before = row.phenomenon_time if isinstance(row, Observation) else None
        simple = {
            "name": "name",
            "description": "description",
            "properties": "properties",
            "definition": "definition",
            "encodingType": "encoding_type",
            "metadata": "metadata_",
            "unitOfMeasurement": "unit_of_measurement",
            "observationType": "observation_type",
            "resultQuality": "result_quality",
            "parameters": "parameters",
        }
        for key, value in body.items():
            if key in simple and hasattr(row, simple[key]):
                setattr(row, simple[key], value)
            elif key == "result" and isinstance(row, Observation):
                row.result_json = value
                row.result_number = (
                    float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None
                )
                row.result_text = value if isinstance(value, str) else None
            elif key in ("location", "feature") and hasattr(row, key):
                row.lon, row.lat = _point(value)
                setattr(row, key, value)
            elif key == "Locations" and isinstance(row, Thing):
                self.set_locations(
                    row, [self.linked(ENTITIES["Locations"], i, row.dataset_id) for i in _list(body, key)]
                )
            elif key == "phenomenonTime" and isinstance(row, Observation):
                start, end = _interval(value, key)
                if start is None:
                    raise InvalidInput("phenomenonTime darf nicht leer sein. / phenomenonTime must not be empty.")
                row.phenomenon_time, row.phenomenon_time_end = start, end
            elif key in ENTITIES[entity.set_name].navs or key.startswith("@iot"):
                raise QueryError(f"{key} lässt sich per PATCH hier nicht ändern. / Cannot PATCH {key}.")
            else:
                raise InvalidInput(f"Unbekannte Eigenschaft {key!r}. / Unknown property.")
        self.session.flush()
        if isinstance(row, Observation) and before is not None:
            refresh_rollups(self.session, row.datastream_id, {before, row.phenomenon_time})

    def delete(self, row: Any) -> None:
        self.dataset(row.dataset_id)
        observed = (row.datastream_id, row.phenomenon_time) if isinstance(row, Observation) else None
        self.session.delete(row)
        self.session.flush()
        if observed is not None:
            refresh_rollups(self.session, observed[0], [observed[1]])


# --- value helpers ----------------------------------------------------------------------------------------


def _required(body: dict[str, Any], key: str) -> Any:
    if body.get(key) is None:
        raise InvalidInput(f"{key} fehlt. / {key} is missing.")
    return body[key]


def _text(body: dict[str, Any], key: str, default: str | None) -> str:
    value = body.get(key, default)
    if not isinstance(value, str) or (default is None and not value.strip()):
        raise InvalidInput(f"{key} muss ein Text sein. / {key} must be a string.")
    return value


def _named(body: dict[str, Any]) -> dict[str, str]:
    name = _text(body, "name", None)
    if len(name) > 300:
        raise InvalidInput("name ist zu lang (höchstens 300 Zeichen). / name too long.")
    return {"name": name, "description": _text(body, "description", "")}


def _object(body: dict[str, Any], key: str) -> dict[str, Any] | None:
    value = body.get(key)
    if value is not None and not isinstance(value, dict):
        raise InvalidInput(f"{key} muss ein Objekt sein. / {key} must be an object.")
    return value


def _list(body: dict[str, Any], key: str) -> list[Any]:
    value = body.get(key) or []
    if not isinstance(value, list):
        raise InvalidInput(f"{key} muss eine Liste sein. / {key} must be a list.")
    return value


def _point(geometry: Any) -> tuple[float | None, float | None]:
    """Longitude/latitude of a GeoJSON Point (also inside a Feature); other geometries have none."""
    if not isinstance(geometry, dict):
        raise InvalidInput("Geometrie muss GeoJSON sein. / Geometry must be GeoJSON.")
    if geometry.get("type") == "Feature":
        geometry = geometry.get("geometry") or {}
    if geometry.get("type") != "Point":
        return None, None
    coords = geometry.get("coordinates")
    if (
        not isinstance(coords, list)
        or len(coords) < 2
        or not all(isinstance(c, int | float) and not isinstance(c, bool) for c in coords[:2])
        or not (-180 <= coords[0] <= 180 and -90 <= coords[1] <= 90)
    ):
        raise InvalidInput("Ungültige Punktkoordinaten (Länge, Breite). / Invalid point coordinates.")
    return float(coords[0]), float(coords[1])


def check_time(value: Any, key: str, latest: dt.datetime | None = None) -> dt.datetime:
    """An ISO 8601 timestamp with time zone, not later than ``latest`` (default: now plus the tolerance)."""
    if not isinstance(value, str):
        raise InvalidInput(f"{key} muss ein ISO-8601-Zeitpunkt sein. / {key} must be an ISO 8601 timestamp.")
    try:
        moment = dt.datetime.fromisoformat(value)  # fast path: Python 3.11 reads "Z" and offsets
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None or moment.year in (1, 9999):
        try:
            moment = parse_datetime(value)
        except QueryError as exc:
            raise InvalidInput(f"{key}: {exc.message}") from exc
    elif moment.tzinfo is not dt.UTC:
        moment = moment.astimezone(dt.UTC)
    if moment > (latest or utcnow() + FUTURE_TOLERANCE):
        raise InvalidInput(f"{key} liegt in der Zukunft: {value}. / {key} is in the future.")
    return moment


def _time(body: dict[str, Any], key: str) -> dt.datetime | None:
    value = body.get(key)
    return None if value is None else check_time(value, key)


def _interval(value: Any, key: str, latest: dt.datetime | None = None) -> tuple[dt.datetime | None, dt.datetime | None]:
    if value is None:
        return None, None
    if isinstance(value, str) and "/" in value:
        first, _, second = value.partition("/")
        start, end = check_time(first, key, latest), check_time(second, key, latest)
        if end < start:
            raise InvalidInput(f"{key}: Ende vor Beginn. / End before start.")
        return start, end
    return check_time(value, key, latest), None


def network_by_ref(session: Session, principal: Principal, ref: str | None) -> Dataset | None:
    if not ref:
        return None
    stmt = (
        select(Dataset).where(Dataset.id == int(ref)) if ref.isdigit() else select(Dataset).where(Dataset.name == ref)
    )
    dataset = session.scalars(stmt).first()
    if dataset is None or not can_view(session, principal, Dataset, dataset.id):
        raise NotFound("Sensornetz nicht gefunden. / Sensor network not found.")
    return dataset
