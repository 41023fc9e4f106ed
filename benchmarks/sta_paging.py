"""SensorThings paging: cost of page 1 vs page 1,000 following ``@iot.nextLink`` (keyset), and ``$skip`` for contrast.

Builds a temporary SQLite database with one datastream of N observations (default 200,000) and reads
``/Datastreams(1)/Observations`` ordered by phenomenonTime, 100 per page, as an anonymous caller (so the
visibility join to the catalogue is part of every query).
Usage: PYTHONPATH=. .venv/bin/python benchmarks/sta_paging.py [observations]
"""

from __future__ import annotations

import datetime as dt
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import insert

from kikz.catalog.vocabularies import ensure_reference_data
from kikz.db import make_engine, make_sessionmaker
from kikz.models import Base
from kikz.sensors.entities import ENTITIES
from kikz.sensors.models import Datastream, Observation, ObservedProperty, Sensor, Thing
from kikz.sensors.query import fetch_page, parse_options
from kikz.tenancy.permissions import ANONYMOUS
from tests import factories


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 200_000
    with tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(f"sqlite:///{Path(tmp) / 'sta.db'}")
        Base.metadata.create_all(engine)
        factory = make_sessionmaker(engine)
        with factory.begin() as session:
            ensure_reference_data(session)
            network = factories.dataset(session, name="bench-sensoren").id
            thing = Thing(dataset_id=network, name="Zähler", description="")
            sensor = Sensor(dataset_id=network, name="Schleife", description="")
            prop = ObservedProperty(dataset_id=network, name="Kfz", description="")
            session.add_all([thing, sensor, prop])
            session.flush()
            stream = Datastream(
                dataset_id=network,
                name="Kfz",
                description="",
                observation_type="OM_Measurement",
                unit_of_measurement={},
                thing_id=thing.id,
                sensor_id=sensor.id,
                observed_property_id=prop.id,
            )
            session.add(stream)
            session.flush()
            start = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
            rows = [
                {
                    "dataset_id": network,
                    "datastream_id": stream.id,
                    "phenomenon_time": start + dt.timedelta(minutes=15 * i),
                    "result_number": float(i % 97),
                    "result_json": i % 97,
                }
                for i in range(count)
            ]
            session.execute(insert(Observation), rows)
            stream_id = stream.id
        entity = ENTITIES["Observations"]
        link = ENTITIES["Datastreams"].navs["Observations"].link_id(Observation, stream_id)
        params = {"$top": "100", "$orderby": "phenomenonTime"}
        timings: list[float] = []
        token = None
        with factory() as session:
            for _ in range(min(1000, count // 100)):
                options = parse_options(params | ({"$skiptoken": token} if token else {}))
                began = time.perf_counter()
                page = fetch_page(session, entity, ANONYMOUS, options, link)
                timings.append(time.perf_counter() - began)
                token = page.next_token
            began = time.perf_counter()
            deep = (len(timings) - 1) * 100
            fetch_page(session, entity, ANONYMOUS, parse_options(params | {"$skip": str(deep)}), link)
            skip_time = time.perf_counter() - began
        print(f"{count} observations, 100 per page, keyset nextLink:")
        print(f"  page 1: {timings[0] * 1000:.1f} ms, page {len(timings)}: {timings[-1] * 1000:.1f} ms")
        print(f"  mean of all {len(timings)} pages: {sum(timings) / len(timings) * 1000:.1f} ms")
        print(f"  for contrast $skip={deep}: {skip_time * 1000:.1f} ms")
        engine.dispose()


if __name__ == "__main__":
    main()
