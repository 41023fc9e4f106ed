"""Counter-file imports into a counting site: streams, observations, rollups, gaps, re-import, API, CLI."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kikz.app import create_app
from kikz.audit import AuditEntry
from kikz.sensors import cli as sensors_cli
from kikz.sensors import imports
from kikz.sensors.entities import ENTITIES
from kikz.sensors.importers import RowError
from kikz.sensors.imports import ImportRejected, import_file, parse_mapping
from kikz.sensors.models import Datastream, Gap, Observation, Rollup, Thing
from kikz.sensors.store import DAY, HOUR
from kikz.sensors.traffic import Mode, site
from kikz.sensors.write import Writer
from kikz.settings import Settings
from kikz.tenancy import service as tenancy
from kikz.tenancy.permissions import PermissionDenied, Principal
from kikz.types import ProtectionClass, Role
from tests import factories
from tests.test_importers import MAPPING, TELRAAM_HEADER, telraam_row, write_generic

UTC = dt.UTC
SEGMENT = "telraam:9000001234"
DAY_START = dt.datetime(2024, 6, 3, 22, tzinfo=UTC)  # local midnight of Tuesday 2024-06-04 (CEST)


def utc(hour: int, minute: int = 0, day: int = 4) -> dt.datetime:
    return dt.datetime(2024, 6, day, hour, minute, tzinfo=UTC)


@dataclass
class World:
    admin: Principal
    thing_id: int
    secret_thing_id: int
    steward: dict[str, str]
    stranger: dict[str, str]


def _token(session: Session, email: str, roles: dict[str, list[Role]]) -> dict[str, str]:
    user = factories.user(session, email, roles=roles)
    secret, _ = tenancy.create_api_token(session, user=user, name="Test")
    return {"Authorization": f"Bearer {secret}"}


def _thing(session: Session, admin: Principal, network_id: int, name: str) -> int:
    body = {
        "name": name,
        "description": "Telraam am Fenster, Blick auf die Straße",
        "Locations": [{"name": f"Ort {name}", "location": {"type": "Point", "coordinates": [8.76, 50.1]}}],
    }
    thing: Thing = Writer(session, admin).create(ENTITIES["Things"], body, dataset_id=network_id)
    return thing.id


@pytest.fixture
def world(session: Session) -> World:
    admin = factories.admin_principal(session)
    public = factories.dataset(session, title="Verkehrszählung Offenbach", name="verkehrszaehlung")
    secret = factories.dataset(
        session, title="Interne Zähler", name="interne-zaehler", protection_class=ProtectionClass.VERTRAULICH
    )
    world = World(
        admin=admin,
        thing_id=_thing(session, admin, public.id, "Zählstelle Kaiserstraße"),
        secret_thing_id=_thing(session, admin, secret.id, "Zählstelle Hafen"),
        steward=_token(session, "steward@offenbach.de", {"offenbach": [Role.DATA_STEWARD]}),
        stranger=_token(session, "staff@giessen.de", {"giessen": [Role.STAFF]}),
    )
    session.commit()
    return world


def telraam_file(path: Path, rows: list[tuple[str, str, str]]) -> Path:
    """Rows of (UTC hour "06", uptime, car); the other columns are those of tests/test_importers.py."""
    lines = [TELRAAM_HEADER] + [telraam_row(f"2024-06-04 {hour}:00:00+00", up, car) for hour, up, car in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


FIRST = [("06", "0.8", "40"), ("07", "0.8", "30.5"), ("08", "0.3", "1"), ("10", "0.9", "10"), ("11", "0.9", "viele")]
"""08:00 low uptime, 09:00 missing, 11:00 (line 6) unreadable."""


def streams(session: Session, thing_id: int) -> dict[str, Datastream]:
    rows = session.scalars(select(Datastream).where(Datastream.thing_id == thing_id)).all()
    return {(s.properties or {})["traffic"]["source_key"]: s for s in rows}


def values(session: Session, stream: Datastream) -> dict[dt.datetime, Any]:
    rows = session.execute(
        select(Observation.phenomenon_time, Observation.result_json).where(Observation.datastream_id == stream.id)
    )
    return {row[0]: row[1] for row in rows}


def rollup_totals(session: Session, stream: Datastream, resolution: int) -> dict[dt.datetime, float]:
    rows = session.execute(
        select(Rollup.bucket_start, Rollup.total).where(
            Rollup.datastream_id == stream.id, Rollup.resolution == resolution
        )
    )
    return {row[0]: row[1] for row in rows}


def gaps(session: Session, stream: Datastream) -> list[tuple[dt.datetime, dt.datetime, str]]:
    rows = session.execute(
        select(Gap.start, Gap.end, Gap.reason).where(Gap.datastream_id == stream.id).order_by(Gap.start)
    )
    return [tuple(r) for r in rows]  # type: ignore[misc]


def count(session: Session, model: type[Any]) -> int:
    return int(session.scalar(select(func.count()).select_from(model)) or 0)


# --- the service ---------------------------------------------------------------------------------------------


def test_telraam_import_creates_streams_observations_rollups_and_gaps(
    session: Session, world: World, tmp_path: Path
) -> None:
    path = telraam_file(tmp_path / "telraam.csv", FIRST)
    report = import_file(session, world.admin, world.thing_id, path, "telraam", source_name="telraam.csv")

    assert report.errors == [RowError(6, "Spalte 'car': 'viele' ist keine Zahl.")]
    found = streams(session, world.thing_id)
    modes = ("car", "heavy", "bike", "pedestrian", "night")
    expected = {f"{SEGMENT}:{m}{s}" for m in modes for s in ("", "_lft", "_rgt")}
    assert set(found) == expected | {f"{SEGMENT}:v85", f"{SEGMENT}:car_speed_hist_0to70plus"}
    assert report.streams_created == len(found) == 17
    traffic = {key.rsplit(":", 1)[1]: s.properties["traffic"] for key, s in found.items()}  # type: ignore[index]
    assert (traffic["car_lft"]["mode"], traffic["car_lft"]["direction"]) == ("pkw", "lft")
    assert (traffic["heavy_rgt"]["mode"], traffic["bike_lft"]["mode"], traffic["pedestrian_rgt"]["mode"]) == (
        "sv",
        "rad",
        "fuss",
    )
    # the sums of both directions are kept, but only the directions count in the KPIs
    assert "mode" not in traffic["car"] and traffic["car"]["total_of"] == "pkw"
    assert "mode" not in traffic["night_lft"]
    assert (traffic["v85"]["quantity"], found[f"{SEGMENT}:v85"].unit_of_measurement["symbol"]) == ("v85", "km/h")
    counting_site = site(session, world.admin, world.thing_id)
    directions = sorted(sorted((r.mode.value, r.direction) for r in g) for g in counting_site.motor_vehicle_streams())
    assert directions == [[("pkw", "lft"), ("sv", "lft")], [("pkw", "rgt"), ("sv", "rgt")]]
    assert {r.direction for r in counting_site.counts(Mode.BICYCLE)} == {"lft", "rgt"}

    car = found[f"{SEGMENT}:car"]
    assert values(session, car) == {utc(6): 40, utc(7): 30.5, utc(10): 10}
    first = session.scalars(
        select(Observation).where(Observation.datastream_id == car.id).order_by(Observation.phenomenon_time)
    ).first()
    assert first is not None and first.phenomenon_time_end == utc(7) and first.result_quality == 0.8
    assert first.feature_of_interest_id is not None
    assert rollup_totals(session, car, HOUR) == {utc(6): 40, utc(7): 30.5, utc(10): 10}
    assert rollup_totals(session, car, DAY) == {DAY_START: 80.5}
    assert rollup_totals(session, found[f"{SEGMENT}:car_rgt"], DAY) == {DAY_START: 3 * 20.5}
    assert gaps(session, car) == [(utc(8), utc(9), "low_uptime"), (utc(9), utc(10), "missing")]
    assert gaps(session, found[f"{SEGMENT}:v85"])[0] == (utc(8), utc(9), "low_uptime")

    histogram = values(session, found[f"{SEGMENT}:car_speed_hist_0to70plus"])[utc(6)]
    assert histogram["classes"][0] == {"from": 0.0, "to": 10.0, "share": 10.0}
    assert histogram["classes"][-1]["to"] is None and len(histogram["classes"]) == 8

    per_row = 17  # 15 counts, v85, histogram
    assert (report.rows_read, report.observations_created, report.observations_unchanged) == (3 * per_row, 51, 0)
    assert report.gaps_created == 2 * 16 and report.gaps_closed == 0  # the histogram has no gaps
    assert (report.period_start, report.period_end) == (utc(6), utc(11))
    entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "sensors.import")).one()
    assert entry.entity_id == str(world.thing_id) and entry.after and entry.after["observations_created"] == 51


def test_reimport_changes_nothing_and_a_corrected_file_updates_values_rollups_and_gaps(
    session: Session, world: World, tmp_path: Path
) -> None:
    path = telraam_file(tmp_path / "telraam.csv", FIRST)
    import_file(session, world.admin, world.thing_id, path, "telraam", source_name="telraam.csv")
    car = streams(session, world.thing_id)[f"{SEGMENT}:car"]
    ids = {
        row[0]: row[1]
        for row in session.execute(
            select(Observation.phenomenon_time, Observation.id).where(Observation.datastream_id == car.id)
        )
    }
    before = (count(session, Datastream), count(session, Observation), count(session, Gap), count(session, Rollup))

    again = import_file(session, world.admin, world.thing_id, path, "telraam", source_name="telraam-kopie.csv")
    assert (again.observations_created, again.observations_updated, again.observations_unchanged) == (0, 0, 51)
    assert (again.gaps_created, again.gaps_updated, again.gaps_unchanged, again.gaps_closed) == (0, 0, 32, 0)
    assert again.streams_created == 0
    after = (count(session, Datastream), count(session, Observation), count(session, Gap), count(session, Rollup))
    assert after == before

    # the provider corrects 07:00, delivers the missing 09:00 and withdraws 10:00 (uptime too low after all)
    corrected = [
        ("06", "0.8", "40"),
        ("07", "0.8", "35"),
        ("08", "0.3", "1"),
        ("09", "0.7", "12"),
        ("10", "0.2", "10"),
    ]
    fixed = import_file(
        session,
        world.admin,
        world.thing_id,
        telraam_file(tmp_path / "korrigiert.csv", corrected),
        "telraam",
        source_name="korrigiert.csv",
    )
    assert fixed.errors == []
    assert values(session, car) == {utc(6): 40, utc(7): 35, utc(9): 12}
    assert session.scalar(select(Observation.id).where(Observation.id == ids[utc(7)])) is not None  # same id
    assert rollup_totals(session, car, HOUR) == {utc(6): 40, utc(7): 35, utc(9): 12}
    assert rollup_totals(session, car, DAY) == {DAY_START: 87}
    assert gaps(session, car) == [(utc(8), utc(9), "low_uptime"), (utc(10), utc(11), "low_uptime")]
    summary = next(s for s in fixed.streams if s.source_key == f"{SEGMENT}:car")
    assert (summary.observations_created, summary.observations_updated, summary.observations_unchanged) == (1, 1, 1)
    assert summary.observations_removed == 1
    assert fixed.gaps_closed == 16 and fixed.gaps_unchanged == 16 and fixed.gaps_created == 16


def test_missing_intervals_already_stored_are_no_gaps(session: Session, world: World, tmp_path: Path) -> None:
    """A second file with holes where a first file delivered values records no gap there."""
    full = telraam_file(tmp_path / "voll.csv", [(h, "0.9", "5") for h in ("06", "07", "08", "09")])
    import_file(session, world.admin, world.thing_id, full, "telraam", source_name="voll.csv")
    holes = telraam_file(tmp_path / "luecken.csv", [("06", "0.9", "5"), ("09", "0.9", "6"), ("11", "0.9", "7")])
    report = import_file(session, world.admin, world.thing_id, holes, "telraam", source_name="luecken.csv")
    car = streams(session, world.thing_id)[f"{SEGMENT}:car"]
    assert gaps(session, car) == [(utc(10), utc(11), "missing")]
    assert report.observations_removed == 0 and values(session, car)[utc(7)] == 5


def test_telraam_json_quarter_hours_make_hour_rollups(session: Session, world: World, tmp_path: Path) -> None:
    report = [
        {
            "segment_id": 77,
            "date": f"2024-06-04T06:{m:02d}:00.000Z",
            "interval": "quarterly",
            "uptime": 0.9,
            "car_lft": 1.5,
            "car_rgt": 2,
            "heavy_lft": 0.5,
            "heavy_rgt": 0,
        }
        for m in (0, 15, 30, 45)
    ]
    path = tmp_path / "report.json"
    path.write_text(json.dumps({"report": report}), encoding="utf-8")
    outcome = import_file(session, world.admin, world.thing_id, path, "telraam", source_name="report.json")
    assert outcome.observations_created == 16 and outcome.errors == [] and outcome.gaps_created == 0
    left = streams(session, world.thing_id)["telraam:77:car_lft"]
    first = session.scalars(select(Observation).where(Observation.datastream_id == left.id)).first()
    assert first is not None and first.phenomenon_time_end == utc(6, 15)
    hour = session.scalars(select(Rollup).where(Rollup.datastream_id == left.id, Rollup.resolution == HOUR)).one()
    assert (hour.bucket_start, hour.total, hour.covered) == (utc(6), 6.0, 3600)
    assert not session.scalars(select(Rollup).where(Rollup.datastream_id == left.id, Rollup.resolution == 900)).all()


def test_a_failure_midway_takes_the_whole_import_back(
    session: Session, world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_: Any) -> None:
        raise RuntimeError("Festplatte voll")

    monkeypatch.setattr(imports, "store_gaps", broken)  # after streams, observations and rollups were written
    path = telraam_file(tmp_path / "telraam.csv", FIRST)
    with pytest.raises(RuntimeError):
        import_file(session, world.admin, world.thing_id, path, "telraam", source_name="telraam.csv")
    session.commit()  # even a caller that carries on commits nothing of it
    assert [count(session, m) for m in (Datastream, Observation, Gap, Rollup)] == [0, 0, 0, 0]


def test_strangers_and_invisible_things(session: Session, world: World, tmp_path: Path) -> None:
    path = telraam_file(tmp_path / "telraam.csv", FIRST[:2])
    stranger = Principal(user_id=999_999, email="x@giessen.de", roles={})
    with pytest.raises(PermissionDenied):
        import_file(session, stranger, world.thing_id, path, "telraam", source_name="t.csv")
    with pytest.raises(Exception, match="nicht gefunden"):
        import_file(session, stranger, world.secret_thing_id, path, "telraam", source_name="t.csv")
    assert count(session, Datastream) == 0


def test_mapping_json_is_checked_field_by_field() -> None:
    mapping = parse_mapping(
        {"timestamp": "Datetime", "total": "Summe", "channels": {"Nord": "nord"}, "mode": "rad", "good_status": ["OK"]}
    )
    assert mapping.role("nord") == (Mode.BICYCLE, "nord") and mapping.role("total") == (Mode.BICYCLE, "gesamt")
    assert mapping.columns.good_status == frozenset({"ok"}) and mapping.columns.series_prefix == "zaehler"
    for bad, word in [
        ([], "JSON-Objekt"),
        ({"timestamp": "Zeit", "spalten": {}}, "spalten"),
        ({"total": "Summe"}, "'timestamp'"),
        ({"timestamp": "Zeit", "mode": "lkw"}, "Verkehrsart"),
        ({"timestamp": "Zeit", "interval_minutes": 0}, "interval_minutes"),
        ({"timestamp": "Zeit", "traffic": {"nord": "Nord"}}, "traffic"),
    ]:
        with pytest.raises(ImportRejected, match=word):
            parse_mapping(bad)


# --- the API -------------------------------------------------------------------------------------------------


def upload(
    client: TestClient,
    world: World,
    content: bytes,
    name: str,
    fmt: str,
    headers: dict[str, str] | None = None,
    **form: str,
) -> Any:
    return client.post(
        f"/api/v1/sensors/things/{world.thing_id}/imports",
        files={"file": (name, content, "text/csv")},
        data={"format": fmt, **form},
        headers=world.steward if headers is None else headers,
    )


def test_ecocounter_export_in_cp1252_with_semicolons(client: TestClient, world: World, session: Session) -> None:
    lines = [
        "Zählstelle Lahnbrücke Gießen;;;",
        "Zeit;Lahnbrücke;Lahnbrücke IN;Lahnbrücke (out)",
        "04.06.2024 00:00;5;2;3",
        "04.06.2024 01:00;7;3;4",
        "04.06.2024 02:00;x;1;1",
        "04.06.2024 04:00;1.234;600;634",
    ]
    content = ("\r\n".join(lines) + "\r\n").encode("cp1252")
    response = upload(client, world, content, "Export Lahnbrücke.csv", "ecocounter")
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["errors"] == [{"line": 5, "message": "Spalte 'Lahnbrücke': 'x' ist keine Zahl."}]
    assert report["observations_created"] == 9 and report["source_name"] == "Export Lahnbrücke.csv"
    found = streams(session, world.thing_id)
    total = found["ecocounter:lahnbrücke:total"]
    assert values(session, total) == {utc(22, day=3): 5, utc(23, day=3): 7, utc(2): 1234}
    inbound = found["ecocounter:lahnbrücke:in"].properties["traffic"]  # type: ignore[index]
    assert (inbound["mode"], inbound["direction"], inbound["site"]) == ("rad", "in", "lahnbrücke")
    assert total.properties["traffic"]["total_of"] == "rad"  # type: ignore[index]
    assert gaps(session, total) == [(utc(0), utc(2), "missing")]

    listed = client.get(f"/api/v1/sensors/things/{world.thing_id}/gaps", headers=world.steward).json()
    assert listed["count"] == 3 and {g["source_key"] for g in listed["value"]} == set(found)
    assert listed["value"][0]["source"] == "Export Lahnbrücke.csv" and listed["value"][0]["reason"] == "missing"
    one = client.get(
        f"/api/v1/sensors/things/{world.thing_id}/gaps",
        params={"datastream": total.id, "start": "2024-06-04T03:00:00Z"},
    ).json()
    assert one["count"] == 0
    assert client.get(f"/api/v1/sensors/things/{world.secret_thing_id}/gaps").status_code == 404

    # the same counter as pedestrians: chosen explicitly for every channel of a new site
    walk = ("Zeit;Fähre IN;Fähre OUT\n04.06.2024 00:00;1;2\n04.06.2024 01:00;3;4\n").encode("cp1252")
    response = upload(client, world, walk, "faehre.csv", "ecocounter", mode="fuss")
    assert response.status_code == 200, response.text
    session.expire_all()
    assert streams(session, world.thing_id)["ecocounter:fähre:out"].properties["traffic"]["mode"] == "fuss"  # type: ignore[index]


def test_generic_csv_with_mapping(client: TestClient, world: World, session: Session, tmp_path: Path) -> None:
    mapping = {
        "series_prefix": MAPPING.series_prefix,
        "timestamp": MAPPING.timestamp,
        "total": MAPPING.total,
        "channels": dict(MAPPING.channels),
        "status": MAPPING.status,
        "mode": "kfz",
        "traffic": {"nord": {"direction": "Nord"}, "sued": {"direction": "Süd"}},
    }
    rows = [
        "04.06.2024 08:00;3,5;1,5;2;ok",
        "04.06.2024 08:15;4;2;2;ok",
        "04.06.2024 08:30;4;2;2;Störung",
        "04.06.2024 08:45;6;3;3;ok",
    ]
    write_generic(tmp_path / "zaehler.csv", rows)
    response = client.post(
        f"/api/v1/sensors/things/{world.thing_id}/imports",
        files={"file": ("zaehler.csv", (tmp_path / "zaehler.csv").read_bytes(), "text/csv")},
        data={"format": "generic", "mapping": json.dumps(mapping)},
        headers=world.steward,
    )
    assert response.status_code == 200, response.text
    assert response.json()["observations_created"] == 9 and response.json()["gaps_created"] == 3
    found = streams(session, world.thing_id)
    nord = found["giessen:zs-017:nord"]
    assert nord.properties["traffic"]["direction"] == "Nord" and nord.properties["traffic"]["mode"] == "kfz"  # type: ignore[index]
    assert values(session, nord) == {utc(6): 1.5, utc(6, 15): 2, utc(6, 45): 3}
    assert gaps(session, nord) == [(utc(6, 30), utc(6, 45), "Störung")]
    assert found["giessen:zs-017:total"].properties["traffic"]["total_of"] == "kfz"  # type: ignore[index]
    # four quarters minus the fault make an incomplete hour: the rollup covers 45 of 60 minutes
    hour = session.scalars(select(Rollup).where(Rollup.datastream_id == nord.id, Rollup.resolution == HOUR)).one()
    assert (hour.total, hour.covered, hour.length) == (6.5, 2700, 3600)


@pytest.mark.parametrize(
    ("content", "name", "fmt", "form", "word"),
    [
        (b"{kaputt", "report.json", "telraam", {}, "kein lesbares JSON"),
        (b"\x00\x01\x02\xff" * 200, "daten.csv", "telraam", {}, "Telraam-Bericht"),
        (b"segment_id,date\n1,gestern\n", "bericht.csv", "telraam", {}, "keine verwertbaren"),
        (b"a;b\n1;2\n", "zaehler.csv", "generic", {}, "mapping"),
        (b"a;b\n1;2\n", "zaehler.csv", "generic", {"mapping": "{nein"}, "kein gültiges JSON"),
        (b"a;b\n1;2\n", "zaehler.csv", "generic", {"mapping": '{"timestamp": "Zeit", "total": "b"}'}, "'Zeit'"),
        (b"a;b\n1;2\n", "zaehler.csv", "xlsx", {}, "format"),
        (b"", "leer.csv", "ecocounter", {}, "leer"),
        (b"Zeit;A IN\n01.06.2024 00:00;1\n", "eco.csv", "ecocounter", {"mode": "auto"}, "'mode'"),
    ],
)
def test_malformed_uploads_are_400_and_leave_no_rows(
    client: TestClient,
    world: World,
    session: Session,
    content: bytes,
    name: str,
    fmt: str,
    form: dict[str, str],
    word: str,
) -> None:
    response = upload(client, world, content, name, fmt, **form)
    assert response.status_code == 400, response.text
    assert word in response.json()["error"]["message"]
    assert [count(session, m) for m in (Datastream, Observation, Gap, Rollup)] == [0, 0, 0, 0]


def test_upload_limit_and_permissions(world: World, settings: Settings, session: Session, tmp_path: Path) -> None:
    content = telraam_file(tmp_path / "telraam.csv", FIRST).read_bytes()
    small = settings.model_copy(update={"max_upload_bytes": 500})
    with TestClient(create_app(small)) as client:
        response = upload(client, world, content, "telraam.csv", "telraam")
        assert response.status_code == 413 and "größer als das Limit" in response.json()["error"]["message"]
        assert upload(client, world, content, "t.csv", "telraam", headers=world.stranger).status_code == 413
    with TestClient(create_app(settings)) as client:
        denied = upload(client, world, content, "t.csv", "telraam", headers=world.stranger)
        assert denied.status_code == 403
        anonymous = upload(client, world, content, "t.csv", "telraam", headers={})
        assert anonymous.status_code == 403  # a cookie-less form post needs a CSRF token before anything else
        hidden = client.post(
            f"/api/v1/sensors/things/{world.secret_thing_id}/imports",
            files={"file": ("t.csv", content, "text/csv")},
            data={"format": "telraam"},
            headers=world.stranger,
        )
        assert hidden.status_code == 404 and "nicht gefunden" in hidden.json()["error"]["message"]
        assert client.post("/api/v1/sensors/things/99999999999/imports", headers=world.steward).status_code == 422
        assert count(session, Datastream) == 0
        ok = upload(client, world, content, "t.csv", "telraam")
        assert ok.status_code == 200 and ok.json()["row_errors"] == 1
    spec = create_app(settings).openapi()["paths"]
    assert " / " in spec["/api/v1/sensors/things/{thing_id}/imports"]["post"]["summary"]
    assert " / " in spec["/api/v1/sensors/things/{thing_id}/gaps"]["get"]["summary"]


# --- the command line ----------------------------------------------------------------------------------------


def test_cli_import_and_rebuild_rollups(
    world: World, settings: Settings, session: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sensors_cli, "get_settings", lambda: settings)
    from kikz import cli

    runner = CliRunner()
    data = tmp_path / "zaehler.csv"
    write_generic(data, ["04.06.2024 08:00;4;2;2;ok", "04.06.2024 08:15;4;x;2;ok", "04.06.2024 08:30;4;2;2;ok"])
    mapping = tmp_path / "zuordnung.json"
    mapping.write_text(json.dumps({"timestamp": "Datetime", "channels": {"Richtung Nord": "nord"}}), encoding="utf-8")
    args = ["sensors", "import", "--thing", str(world.thing_id), "--format", "generic", "--mapping", str(mapping)]
    first = runner.invoke(cli.main, [*args, str(data)], catch_exceptions=False)
    assert first.exit_code == 0, first.output
    assert "2 neu" in first.output and "Zeile 3: Spalte 'Richtung Nord': 'x' ist keine Zahl." in first.output
    again = runner.invoke(cli.main, [*args, "--json", str(data)], catch_exceptions=False)
    assert json.loads(again.output)["observations_unchanged"] == 2

    stream = streams(session, world.thing_id)["zaehler:nord"]
    session.execute(Rollup.__table__.delete())
    session.commit()
    rebuilt = runner.invoke(cli.main, ["sensors", "rebuild-rollups", "--datastream", str(stream.id)])
    assert rebuilt.exit_code == 0 and "1 Datastreams" in rebuilt.output
    assert rollup_totals(session, stream, HOUR) == {utc(6): 4}
    everything = runner.invoke(cli.main, ["sensors", "rebuild-rollups"])
    assert everything.exit_code == 0 and "Rollup-Zeilen" in everything.output

    denied = runner.invoke(cli.main, [*args, "--as", "staff@giessen.de", str(data)])
    assert denied.exit_code == 2 and "Fehler:" in denied.output
    missing = runner.invoke(cli.main, ["sensors", "rebuild-rollups", "--datastream", "987654"])
    assert missing.exit_code == 2 and "987654" in missing.output
