"""Decision analytics of a counting site as pages and JSON: before/after, forecast, gap filling, incidents.

One database per module (SQLite, or a PostgreSQL schema when KIKZ_TEST_POSTGRES_URL is set) holds hourly counts
built with the synthetic counter model, stored through ``store_counts`` so the rollups are the real ones:

* Kaiserstraße (Offenbach, open): bicycles in two directions, 07.04.–27.07.2025, +30 % from 02.06.2025; a six-hour
  gap on 15.07. in one direction and a whole day missing on 16.07. in the other;
* Bieberer Straße (Offenbach, open): bicycles without the measure, the control site;
* Westanlage (Gießen, open): motor vehicles for ten days only (too little data);
* Geheime Messstelle (Wetzlar, confidential): bicycles; only the administrator may see it.

The tests only read; they run through the app's own HTTP client.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.orm import Session

from kikz.app import create_app
from kikz.catalog.vocabularies import ensure_reference_data
from kikz.db import make_engine, make_sessionmaker
from kikz.models import Base
from kikz.sensors.analysis_present import Band, Marker, band_chart
from kikz.sensors.analytics.synthetic import synthetic_counts
from kikz.sensors.charts import Series
from kikz.sensors.kpi import BERLIN, CountSeries
from kikz.sensors.models import Datastream, Location, ObservedProperty, Sensor, Thing, thing_location
from kikz.sensors.store import store_counts
from kikz.settings import Settings
from kikz.types import ProtectionClass
from tests import factories
from tests.conftest import POSTGRES_URL, database_url, service_unavailable
from tests.webutil import login, parse

COUNT = "http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_CountObservation"
FIRST = dt.date(2025, 4, 7)  # a Monday
DAYS = 112
LAST = FIRST + dt.timedelta(days=DAYS - 1)  # 27.07.2025
MEASURE = dt.date(2025, 6, 2)
EFFECT = 1.30
GAP_HOURS = (dt.datetime(2025, 7, 15, 6, tzinfo=BERLIN), 6)  # 06:00–12:00 local, direction Nord
MISSING_DAY = dt.date(2025, 7, 16)  # direction Süd


@dataclass
class World:
    client: TestClient
    settings: Settings
    kaiserstrasse: int
    bieberer: int
    westanlage: int
    secret: int
    removed: dict[str, float]
    """True totals of what was removed: the six gap hours and the missing day (both directions)."""


def _site(
    session: Session, *, city: str, name: str, streams: dict[str, tuple[str, str]], protection: ProtectionClass
) -> tuple[int, dict[str, Datastream]]:
    network = factories.dataset(
        session,
        municipality=city,
        title=f"Zählstellen {name}",
        name=f"zaehlung-{city}-{protection.value}-{len(name)}",
        protection_class=protection,
        license_id="dl-by-de/2.0",
    )
    thing = Thing(dataset_id=network.id, name=name, description="Zählstelle für Tests der Analysen.")
    location = Location(
        dataset_id=network.id, name=name, location={"type": "Point", "coordinates": [8.76, 50.1]}, lon=8.76, lat=50.1
    )
    sensor = Sensor(dataset_id=network.id, name="Zählgerät")
    prop = ObservedProperty(dataset_id=network.id, name="Anzahl")
    session.add_all([thing, location, sensor, prop])
    session.flush()
    session.execute(thing_location.insert(), [{"thing_id": thing.id, "location_id": location.id}])
    made = {}
    for key, (mode, direction) in streams.items():
        stream = Datastream(
            dataset_id=network.id,
            name=f"{name} {key}",
            observation_type=COUNT,
            unit_of_measurement={"name": "Anzahl", "symbol": "1"},
            thing_id=thing.id,
            sensor_id=sensor.id,
            observed_property_id=prop.id,
            properties={"traffic": {"mode": mode, "direction": direction, "quantity": "count"}},
        )
        session.add(stream)
        session.flush()
        made[key] = stream
    return thing.id, made


def _store(session: Session, stream: Datastream, counts: CountSeries, drop: np.ndarray | None = None) -> None:
    keep = counts.present if drop is None else counts.present & ~drop
    start = counts.start[keep]
    store_counts(
        session,
        datastream_id=stream.id,
        dataset_id=stream.dataset_id,
        start_us=start * 1_000_000,
        end_us=(start + counts.step) * 1_000_000,
        results=[int(v) for v in counts.values[keep]],
    )


def _bikes(seed: int, *, measure: bool, days: int = DAYS, first: dt.date = FIRST) -> CountSeries:
    return synthetic_counts(
        first,
        days,
        step_minutes=60,
        daily_total=1200.0,
        factor=(lambda d: EFFECT if d >= MEASURE else 1.0) if measure else None,
        seed=seed,
    ).series


def _epoch(moment: dt.datetime) -> int:
    return int(moment.timestamp())


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    schema = admin = None
    if POSTGRES_URL:
        schema = "t_analysis_" + uuid.uuid4().hex[:10]
        admin = make_engine(POSTGRES_URL)
        try:
            with admin.begin() as conn:
                conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        except Exception as exc:
            admin.dispose()
            service_unavailable("PostgreSQL", exc)
    tmp = tmp_path_factory.mktemp("sensor_analysis")
    settings = Settings(
        environment="test",
        data_dir=tmp,
        database_url=database_url(schema),
        demo_data=False,
        embedded_worker=False,
        base_url="http://testserver",
        _env_file=None,  # type: ignore[call-arg]
    )
    engine = make_engine(settings.sqlalchemy_url)
    Base.metadata.create_all(engine)
    removed: dict[str, float] = {}
    with make_sessionmaker(engine).begin() as session:
        ensure_reference_data(session)
        kaiser, streams = _site(
            session,
            city="offenbach",
            name="Kaiserstraße",
            streams={"nord": ("rad", "Nord"), "sued": ("rad", "Süd")},
            protection=ProtectionClass.OEFFENTLICH,
        )
        north, south = _bikes(1, measure=True), _bikes(2, measure=True)
        gap_start = _epoch(GAP_HOURS[0])
        gap = (north.start >= gap_start) & (north.start < gap_start + GAP_HOURS[1] * 3600)
        day_start = _epoch(dt.datetime.combine(MISSING_DAY, dt.time(), BERLIN))
        day = (south.start >= day_start) & (south.start < day_start + 86400)
        removed["gap"] = float(north.values[gap].sum() + south.values[gap].sum())
        removed["day"] = float(north.values[day].sum() + south.values[day].sum())
        _store(session, streams["nord"], north, gap)
        _store(session, streams["sued"], south, day)
        bieberer, control = _site(
            session,
            city="offenbach",
            name="Bieberer Straße",
            streams={"rad": ("rad", "gesamt")},
            protection=ProtectionClass.OEFFENTLICH,
        )
        _store(session, control["rad"], _bikes(3, measure=False))
        westanlage, cars = _site(
            session,
            city="giessen",
            name="Westanlage",
            streams={"kfz": ("kfz", "gesamt")},
            protection=ProtectionClass.OEFFENTLICH,
        )
        cars_counts = _bikes(4, measure=False, days=10, first=dt.date(2025, 5, 26))
        saturday = _epoch(dt.datetime(2025, 5, 31, 10, tzinfo=BERLIN))
        _store(
            session, cars["kfz"], cars_counts, (cars_counts.start >= saturday) & (cars_counts.start < saturday + 7200)
        )
        secret, hidden = _site(
            session,
            city="wetzlar",
            name="Geheime Messstelle",
            streams={"rad": ("rad", "gesamt")},
            protection=ProtectionClass.VERTRAULICH,
        )
        _store(session, hidden["rad"], _bikes(5, measure=False))
        factories.user(session, "root@kikz.de", superuser=True)
    with TestClient(create_app(settings)) as client:
        yield World(client, settings, kaiser, bieberer, westanlage, secret, removed)
    engine.dispose()
    if admin is not None:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


def _accessible(html: str) -> None:
    page = parse(html)
    assert len(page.h1) == 1
    assert page.tables == page.captions
    assert all(scope in ("col", "row") for scope in page.th_scopes)
    assert page.inline_scripts == 0 and page.inline_styles == 0
    assert not page.unlabelled_controls()
    assert len(page.ids) == len(set(page.ids)), "duplicate ids"


def _error(response: object, status: int, fragment: str) -> None:
    assert response.status_code == status, response.text  # type: ignore[attr-defined]
    body = response.json()  # type: ignore[attr-defined]
    assert fragment in body["error"]["message"], body


# --- before/after -----------------------------------------------------------------------------------------------


def test_before_after_finds_the_constructed_step(world: World) -> None:
    response = world.client.get(
        f"/api/v1/sensors/sites/{world.kaiserstrasse}/before-after", params={"massnahme": MEASURE.isoformat()}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["mode"] == "rad" and body["site"]["name"] == "Kaiserstraße"
    assert body["period"] == {"first": FIRST.isoformat(), "last": LAST.isoformat(), "days": DAYS}
    assert body["ci_low_percent"] < 30 < body["ci_high_percent"]
    assert 22 < body["effect_percent"] < 38 and body["significant"] and body["p_value"] < 0.001
    assert body["ci_high_percent"] - body["ci_low_percent"] < 15
    # 56 days before; after: 56 minus the two days the gaps make invalid
    assert (body["days_before"], body["days_after"]) == (56, 54)
    assert body["before_period"]["last"] == "2025-06-01" and body["after_period"]["first"] == MEASURE.isoformat()
    roles = {d["date"]: d["role"] for d in body["daily"]}
    assert roles["2025-07-15"] == roles[MISSING_DAY.isoformat()] == "invalid"
    assert roles["2025-06-01"] == "before" and roles[MEASURE.isoformat()] == "after"
    working = next(m for m in body["means_by_day_type"] if m["day_type"] == "working_day")
    assert working["days_before"] > 30 and working["change_percent"] is not None
    assert body["summary"].startswith(
        "Seit der Maßnahme am 02.06.2025 wird an der Zählstelle Kaiserstraße deutlich mehr"
    )
    assert "95-%-Konfidenzintervall" in body["summary"] and "Newey-West" in body["definition"]
    assert body["control"] is None and body["control_daily"] == []
    assert {t["name"] for t in body["terms"]} >= {"const", "after", "school_holiday"}


def test_before_after_with_control_site_and_left_out_days(world: World) -> None:
    response = world.client.get(
        f"/api/v1/sensors/sites/{world.kaiserstrasse}/before-after",
        params={
            "massnahme": MEASURE.isoformat(),
            "kontrolle": str(world.bieberer),
            "ausschluss_tage": "7",
            "ausschluss_daten": "2025-05-01, 2025-05-28..2025-05-30",
            "von": "2025-04-14",
        },
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["control"]["site"] == "Bieberer Straße" and body["control"]["city"] == "Offenbach am Main"
    assert body["ci_low_percent"] < 30 < body["ci_high_percent"]
    assert body["days_left_out"] == {"ausgeschlossen": 4, "Übergangszeit": 7}
    assert body["transition_days"] == 7 and body["excluded_dates"][0] == "2025-05-01"
    assert body["period"]["first"] == "2025-04-14" and body["days_before"] == 49 - 4
    roles = {d["date"]: d["role"] for d in body["daily"]}
    assert roles["2025-06-05"] == "transition" and roles["2025-05-29"] == "excluded"
    assert len(body["control_daily"]) == len(body["daily"])
    assert "Vergleichszählstelle" in body["definition"]


@pytest.mark.parametrize(
    ("params", "fragment"),
    [
        ({}, "Datum der Maßnahme angeben"),
        ({"massnahme": "2025-13-01"}, "kein gültiges Datum"),
        ({"massnahme": "2025-06-02", "modus": "auto"}, "Unbekannte Verkehrsart"),
        ({"massnahme": "2025-06-02", "modus": "kfz"}, "wird Kfz nicht gezählt"),
        ({"massnahme": "2024-06-02"}, "muss nach dem Beginn"),
        ({"massnahme": "2025-06-02", "von": "2025-06-01", "bis": "2025-05-01"}, "liegt vor dem Anfang"),
        ({"massnahme": "2025-06-02", "ausschluss_tage": "viele"}, "ganze Zahl"),
        ({"massnahme": "2025-06-02", "ausschluss_tage": "200"}, "zwischen 0 und 90"),
        ({"massnahme": "2025-06-02", "ausschluss_daten": "Pfingsten"}, "kein gültiges Datum"),
        ({"massnahme": "2025-06-02", "kontrolle": "abc"}, "ganze Zahl"),
        ({"massnahme": "2025-06-02", "bis": "2025-06-10"}, "Zu wenige gültige Tage"),
    ],
)
def test_before_after_bad_input_is_400_in_german(world: World, params: dict[str, str], fragment: str) -> None:
    _error(world.client.get(f"/api/v1/sensors/sites/{world.kaiserstrasse}/before-after", params=params), 400, fragment)


def test_before_after_control_site_must_be_visible_other_and_counting_the_mode(world: World) -> None:
    url = f"/api/v1/sensors/sites/{world.kaiserstrasse}/before-after"
    base = {"massnahme": MEASURE.isoformat()}
    _error(world.client.get(url, params=base | {"kontrolle": str(world.secret)}), 404, "Vergleichszählstelle")
    _error(world.client.get(url, params=base | {"kontrolle": "999999"}), 404, "Vergleichszählstelle")
    _error(world.client.get(url, params=base | {"kontrolle": str(world.kaiserstrasse)}), 400, "andere Zählstelle")
    _error(world.client.get(url, params=base | {"kontrolle": str(world.westanlage)}), 400, "zählt kein(e) Rad")
    with TestClient(create_app(world.settings)) as staff:
        assert login(staff, "root@kikz.de").status_code == 303
        allowed = staff.get(url, params=base | {"kontrolle": str(world.secret)})
        assert allowed.status_code == 200, allowed.text
        assert allowed.json()["control"]["site"] == "Geheime Messstelle"


def test_before_after_with_too_little_data_is_400(world: World) -> None:
    _error(
        world.client.get(f"/api/v1/sensors/sites/{world.westanlage}/before-after", params={"massnahme": "2025-05-31"}),
        400,
        "Zu wenige gültige Tage",
    )


def test_before_after_page_form_result_and_chart(world: World) -> None:
    url = f"/verkehr/zaehlstellen/{world.kaiserstrasse}/vorher-nachher"
    empty = world.client.get(url)
    assert empty.status_code == 200
    _accessible(empty.text)
    assert "Geben Sie das Datum der Maßnahme an" in empty.text
    assert f'<option value="{world.bieberer}">Offenbach am Main: Bieberer Straße</option>' in empty.text
    assert "Geheime Messstelle" not in empty.text and "Westanlage" not in empty.text  # invisible / no bicycles

    page = world.client.get(url, params={"massnahme": MEASURE.isoformat(), "kontrolle": str(world.bieberer)})
    assert page.status_code == 200
    html = page.text
    _accessible(html)
    assert "Seit der Maßnahme am 02.06.2025 wird an der Zählstelle Kaiserstraße deutlich mehr" in html
    effect = re.search(r"<dd><strong>\+(\d+),(\d) %</strong></dd>", html)
    assert effect and 22 < int(effect.group(1)) < 38
    assert html.count('role="img"') == 1 and '<title id="chart-before-after-title">' in html
    assert "Maßnahme</text>" in html and "fill-opacity" not in html  # a marker, no band on this chart
    assert f'<option value="{world.bieberer}" selected>' in html
    assert "Entwicklung an der Vergleichszählstelle – Bieberer Straße" in html
    assert "Werktag (Mo–Fr)" in html and "Modellterme" in html
    assert f"/api/v1/sensors/sites/{world.kaiserstrasse}/before-after?massnahme=2025-06-02" in html

    english = world.client.get(url, params={"massnahme": MEASURE.isoformat()}, headers={"accept-language": "en"})
    assert "Effect of the measure of 2025-06-02" in english.text and "Estimated effect" in english.text


def test_before_after_page_shows_bad_input_with_the_form(world: World) -> None:
    url = f"/verkehr/zaehlstellen/{world.kaiserstrasse}/vorher-nachher"
    bad = world.client.get(url, params={"massnahme": "2025-06-02", "ausschluss_tage": "200"})
    assert bad.status_code == 400
    _accessible(bad.text)
    assert 'class="error-summary"' in bad.text and "zwischen 0 und 90" in bad.text
    assert 'id="f-massnahme"' in bad.text and 'value="2025-06-02"' in bad.text
    wrong_mode = world.client.get(url, params={"massnahme": "2025-06-02", "modus": "fuss"})
    assert wrong_mode.status_code == 400 and "wird Fußverkehr nicht gezählt" in wrong_mode.text
    assert world.client.get(url, params={"massnahme": "2025-06-02", "kontrolle": str(world.secret)}).status_code == 404


# --- forecast ---------------------------------------------------------------------------------------------------


def test_forecast_json_has_points_intervals_and_backtest(world: World) -> None:
    response = world.client.get(f"/api/v1/sensors/sites/{world.kaiserstrasse}/forecast", params={"tage": "3"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["resolution"] == "hour" and body["horizon"] == 72 and body["data_until"] == LAST.isoformat()
    first = dt.datetime.fromisoformat(body["points"][0]["start"])
    assert first == dt.datetime(2025, 7, 28, tzinfo=BERLIN)
    assert all(p["lower"] <= p["value"] <= p["upper"] for p in body["points"])
    assert body["coverage"] == 0.9 and body["days_used"] >= 100
    bt = body["backtest"]
    assert bt["resolution"] == "hour" and bt["points"] > 0 and bt["mae"] > 0 and bt["naive_mae"] > 0
    assert "saisonal-naive" in bt["summary"] and body["backtest_error"] is None

    daily = world.client.get(
        f"/api/v1/sensors/sites/{world.kaiserstrasse}/forecast", params={"tage": "7", "aufloesung": "tag"}
    ).json()
    assert daily["resolution"] == "day" and len(daily["points"]) == 7
    # the level after the measure is 1.3 × 1200 per direction on working days (summer holidays: × 0.9)
    monday = daily["points"][0]
    assert monday["day_class"] == "Montag" and 1600 < monday["value"] < 3400
    assert daily["backtest"]["mape"] is not None and daily["backtest"]["skill_percent"] is not None


@pytest.mark.parametrize(
    ("params", "fragment"),
    [
        ({"tage": "0"}, "zwischen 1 und 14"),
        ({"tage": "15"}, "zwischen 1 und 14"),
        ({"tage": "eine Woche"}, "ganze Zahl"),
        ({"aufloesung": "minute"}, "stunde"),
        ({"bis": "2025-02-30"}, "kein gültiges Datum"),
        ({"bis": "2025-01-01"}, "keine Zählwerte"),
        ({"bis": "2025-04-20"}, "mindestens 28 gültige Tage"),
    ],
)
def test_forecast_bad_input_is_400(world: World, params: dict[str, str], fragment: str) -> None:
    _error(world.client.get(f"/api/v1/sensors/sites/{world.kaiserstrasse}/forecast", params=params), 400, fragment)


def test_forecast_with_too_little_history_is_400(world: World) -> None:
    _error(world.client.get(f"/api/v1/sensors/sites/{world.westanlage}/forecast"), 400, "mindestens 28 gültige Tage")


def test_forecast_page_with_band_backtest_and_look_back(world: World) -> None:
    url = f"/verkehr/zaehlstellen/{world.kaiserstrasse}/prognose"
    page = world.client.get(url, params={"tage": "3", "bis": "2025-07-20"})
    assert page.status_code == 200, page.text
    html = page.text
    _accessible(html)
    assert "Prognosebeginn" in html and "<polygon" in html and 'fill-opacity="0.2"' in html
    assert "tatsächlich gezählt" in html  # data after the chosen Datenstand is shown for comparison
    assert "Treffsicherheit im Rückblick" in html and "MAE</abbr>" in html and "naiv" in html
    assert "21.07.2025, 00:00 Uhr" in html  # first forecast hour, Monday after the Datenstand
    assert _row_count(html, "Prognose der Tagessummen") == 3
    assert world.client.get(url, params={"tage": "99"}).status_code == 400


def _row_count(html: str, caption: str) -> int:
    table = re.search(rf"<caption>{re.escape(caption)}.*?</caption>(.*?)</table>", html, re.S)
    assert table, caption
    return table.group(1).count('<th scope="row">')


# --- gap filling ------------------------------------------------------------------------------------------------


def test_gaps_filled_json_flags_bounds_and_day_uncertainty(world: World) -> None:
    response = world.client.get(f"/api/v1/sensors/sites/{world.kaiserstrasse}/gaps-filled")
    assert response.status_code == 200, response.text
    body = response.json()
    # default: the last eight weeks with data
    assert body["period"] == {"first": "2025-06-02", "last": LAST.isoformat(), "days": 56}
    assert body["counts"] == {"hours": 56 * 24, "measured": 56 * 24 - 30, "filled": 30, "missing": 0}
    hours = body["hours"]
    assert len(hours) == 56 * 24 and dt.datetime.fromisoformat(hours[0]["start"]) == dt.datetime(
        2025, 6, 2, tzinfo=BERLIN
    )
    filled = [h for h in hours if h["status"] == "filled"]
    assert len(filled) == 30 and all(h["lower"] <= h["value"] <= h["upper"] for h in filled)
    assert dt.datetime.fromisoformat(filled[0]["start"]) == GAP_HOURS[0]
    measured = next(h for h in hours if h["status"] == "measured")
    assert measured["lower"] == measured["value"] == measured["upper"]
    assert [g["hours"] for g in body["gaps"]] == [6, 24] and all(g["filled"] for g in body["gaps"])
    days = {d["date"]: d for d in body["days"]}
    assert set(days) == {"2025-07-15", MISSING_DAY.isoformat()}
    whole = days[MISSING_DAY.isoformat()]
    assert whole["filled_hours"] == 24 and whole["measured_total"] == 0
    assert whole["lower"] < whole["total"] < whole["upper"]
    assert abs(whole["total"] / world.removed["day"] - 1) < 0.25
    part = days["2025-07-15"]
    assert part["filled_hours"] == 6 and part["measured_total"] > 0
    assert part["upper"] - part["lower"] < whole["upper"] - whole["lower"]
    assert abs(part["filled_total"] / world.removed["gap"] - 1) < 0.35
    assert body["day_error"][0] < 0 < body["day_error"][1] and "Auslassprüfung" in body["definition"]


def test_gaps_filled_bad_input(world: World) -> None:
    url = f"/api/v1/sensors/sites/{world.kaiserstrasse}/gaps-filled"
    _error(world.client.get(url, params={"von": "2025-07-01", "bis": "2025-06-01"}), 400, "liegt vor dem Anfang")
    _error(world.client.get(url, params={"von": "2024-01-01", "bis": "2025-07-01"}), 400, "höchstens 366 Tage")
    _error(world.client.get(url, params={"von": "2025-09-01", "bis": "2025-09-30"}), 400, "keine Zählwerte")
    _error(world.client.get(url, params={"modus": "sv"}), 400, "Schwerverkehr nicht gezählt")
    # ten days with a gap on the only Saturday: no Saturday profile to fill it from
    _error(world.client.get(f"/api/v1/sensors/sites/{world.westanlage}/gaps-filled"), 400, "Samstag: 1")


def test_gaps_page_shows_filled_hours_and_day_intervals(world: World) -> None:
    page = world.client.get(f"/verkehr/zaehlstellen/{world.kaiserstrasse}/luecken")
    assert page.status_code == 200, page.text
    html = page.text
    _accessible(html)
    assert "Von 1.344 Stunden im Zeitraum sind 1.314 gemessen und 30 geschätzt (2,2 %); 0 bleiben ohne Wert." in html
    assert _row_count(html, "Tagessummen mit geschätzten Stunden") == 2
    assert "16.07.2025" in html and "Auslassprüfung" in html
    assert html.count("<polygon") == 1  # 15. and 16.07. are adjacent: one band
    assert "/gaps-filled?modus=rad&amp;von=2025-06-02&amp;bis=2025-07-27" in html


# --- incidents --------------------------------------------------------------------------------------------------


def test_incidents_json_reports_the_gaps_and_the_silence_at_the_end(world: World) -> None:
    response = world.client.get(
        f"/api/v1/sensors/sites/{world.kaiserstrasse}/incidents", params={"von": "2025-07-01", "bis": "2025-07-31"}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["period"]["days"] == 31 and body["intervals"] == 31 * 24
    missing = [i for i in body["incidents"] if i["kind"] == "missing"]
    starts = [dt.datetime.fromisoformat(i["start"]) for i in missing]
    assert GAP_HOURS[0] in starts
    assert dt.datetime.combine(MISSING_DAY, dt.time(), BERLIN) in starts
    assert dt.datetime(2025, 7, 28, tzinfo=BERLIN) in starts  # the counter is silent after 27.07.
    assert body["count"] == len(body["incidents"])
    gap = next(i for i in missing if dt.datetime.fromisoformat(i["start"]) == GAP_HOURS[0])
    assert gap["duration_seconds"] == 6 * 3600 and gap["label"] == "Datenlücke" and gap["severity"] == "warning"
    assert gap["details"]["intervals"] == 6 and "Datenlücke" in gap["message"]
    assert any("Datenlücke" in rule for rule in body["rules"])

    default = world.client.get(f"/api/v1/sensors/sites/{world.kaiserstrasse}/incidents").json()
    assert default["period"] == {"first": FIRST.isoformat(), "last": LAST.isoformat(), "days": DAYS}
    _error(world.client.get(f"/api/v1/sensors/sites/{world.kaiserstrasse}/incidents?von=gestern"), 400, "von")


# --- rights and links -------------------------------------------------------------------------------------------


def test_invisible_or_unknown_sites_are_not_found(world: World) -> None:
    for site_id in (world.secret, 999999):
        for path in (
            f"/api/v1/sensors/sites/{site_id}/before-after?massnahme=2025-06-02",
            f"/api/v1/sensors/sites/{site_id}/forecast",
            f"/api/v1/sensors/sites/{site_id}/gaps-filled",
            f"/api/v1/sensors/sites/{site_id}/incidents",
            f"/verkehr/zaehlstellen/{site_id}/vorher-nachher?massnahme=2025-06-02",
            f"/verkehr/zaehlstellen/{site_id}/prognose",
            f"/verkehr/zaehlstellen/{site_id}/luecken",
        ):
            response = world.client.get(path)
            assert response.status_code == 404, path
            assert "Geheime Messstelle" not in response.text


def test_staff_with_rights_see_the_confidential_site(world: World) -> None:
    with TestClient(create_app(world.settings)) as staff:
        assert login(staff, "root@kikz.de").status_code == 303
        response = staff.get(f"/api/v1/sensors/sites/{world.secret}/incidents")
        assert response.status_code == 200 and response.json()["site"]["name"] == "Geheime Messstelle"
        page = staff.get(f"/verkehr/zaehlstellen/{world.kaiserstrasse}/vorher-nachher")
        assert "Wetzlar: Geheime Messstelle" in page.text


def test_site_page_links_to_the_analyses(world: World) -> None:
    html = world.client.get(f"/verkehr/zaehlstellen/{world.kaiserstrasse}").text
    for path in ("vorher-nachher", "prognose", "luecken"):
        assert f'href="/verkehr/zaehlstellen/{world.kaiserstrasse}/{path}"' in html
    assert f"/api/v1/sensors/sites/{world.kaiserstrasse}/incidents?von=" in html
    spec = world.client.get("/api/openapi.json").json()["paths"]
    for name in ("before-after", "forecast", "gaps-filled", "incidents"):
        assert f"/api/v1/sensors/sites/{{thing_id}}/{name}" in spec


# --- the chart --------------------------------------------------------------------------------------------------


def test_band_chart_draws_bands_bars_gaps_and_a_marker() -> None:
    svg = band_chart(
        chart_id="c",
        title="Titel <&>",
        description="Beschreibung",
        series=[Series("gemessen", [1.0, 2.0, None, 4.0, 5.0])],
        bands=[Band("Intervall", [0.5, None, None, 3.0, 4.0], [1.5, None, None, 5.0, 6.0])],
        x_labels=[(0, "Mo"), (4, "Fr")],
        unit="je Stunde",
        marker=Marker(2.5, "Beginn"),
    )
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert "Titel &lt;&amp;&gt;" in svg and 'role="img"' in svg
    assert svg.count("<polygon") == 1 and 'stroke-width="6"' in svg  # the lone first point is a bar
    assert svg.count("<polyline") == 2  # the gap splits the line
    assert ">Beginn</text>" in svg and 'stroke-dasharray="5 3"' in svg
    assert "style=" not in svg and "<script" not in svg
