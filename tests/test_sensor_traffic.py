"""Counting sites and their KPIs computed from the stored rollups, through the caller's rights."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.orm import Session

from kikz.errors import NotFound
from kikz.sensors.models import Datastream, Location, ObservedProperty, Sensor, Thing, thing_location
from kikz.sensors.store import NewObservation, store_observations
from kikz.sensors.traffic import Mode, network_dtv, site_report, sites
from kikz.tenancy.permissions import Principal
from kikz.types import ProtectionClass
from tests import factories

COUNT = "http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_CountObservation"
UTC = dt.UTC
FIRST = dt.date(2025, 6, 2)  # a Monday
DAYS = 14


def build_site(session: Session, *, protection: ProtectionClass = ProtectionClass.OEFFENTLICH) -> Thing:
    network = factories.dataset(
        session, title="Verkehrszählung Wetzlar", name=f"zaehlung-{protection.value}", protection_class=protection
    )
    thing = Thing(dataset_id=network.id, name="Zählstelle Karl-Kellner-Ring")
    location = Location(
        dataset_id=network.id,
        name="Karl-Kellner-Ring",
        location={"type": "Point", "coordinates": [8.5, 50.56]},
        lon=8.5,
        lat=50.56,
    )
    thing_sensor = Sensor(dataset_id=network.id, name="Seitenradar")
    prop = ObservedProperty(dataset_id=network.id, name="Anzahl")
    session.add_all([thing, location, thing_sensor, prop])
    session.flush()
    session.execute(thing_location.insert(), [{"thing_id": thing.id, "location_id": location.id}])
    streams = {}
    for key, mode, direction in [
        ("nord", "kfz", "Nord"),
        ("sued", "kfz", "Süd"),
        ("sv", "sv", "gesamt"),
        ("rad", "rad", "gesamt"),
    ]:
        stream = Datastream(
            dataset_id=network.id,
            name=key,
            observation_type=COUNT,
            unit_of_measurement={"name": "Anzahl", "symbol": "1"},
            thing_id=thing.id,
            sensor_id=thing_sensor.id,
            observed_property_id=prop.id,
            properties={"traffic": {"mode": mode, "direction": direction, "quantity": "count"}},
        )
        session.add(stream)
        session.flush()
        streams[key] = stream
    # per quarter-hour: weekdays Nord 10, Süd 5, SV 1, Rad 2; weekends half of that; 07:00-08:00 UTC doubled
    items = []
    start = dt.datetime(2025, 6, 1, 22, tzinfo=UTC)  # local midnight of FIRST
    for q in range(DAYS * 96):
        moment = start + dt.timedelta(minutes=15 * q)
        local_day = FIRST + dt.timedelta(days=q // 96)
        factor = 1.0 if local_day.weekday() < 5 else 0.5
        if moment.hour == 7:
            factor *= 2
        for key, base in (("nord", 10), ("sued", 5), ("sv", 1), ("rad", 2)):
            stream = streams[key]
            items.append(
                NewObservation(
                    stream.id,
                    stream.dataset_id,
                    moment,
                    round(base * factor),
                    phenomenon_time_end=moment + dt.timedelta(minutes=15),
                )
            )
    store_observations(session, items)
    session.commit()
    return thing


def expected_daily(base: float, weekday: bool) -> float:
    factor = 1.0 if weekday else 0.5
    return round(base * factor) * 92 + round(base * factor * 2) * 4


def test_site_report_figures(session: Session) -> None:
    thing = build_site(session)
    admin = factories.admin_principal(session)
    report = site_report(session, admin, thing.id, FIRST, FIRST + dt.timedelta(days=DAYS - 1))
    figures = {k.name: k for k in report.kpis}
    weekday = expected_daily(10, True) + expected_daily(5, True)
    weekend = expected_daily(10, False) + expected_daily(5, False)
    assert figures["DTV Kfz"].value == pytest.approx((10 * weekday + 4 * weekend) / 14)
    assert figures["DTV Kfz"].valid_days == 14
    assert figures["DTVw"].value == pytest.approx(weekday)
    assert set(report.directions) == {"Nord", "Süd"}
    assert report.directions["Nord"].value == pytest.approx(
        (10 * expected_daily(10, True) + 4 * expected_daily(10, False)) / 14
    )
    sv_share = figures["pSV"].value
    assert sv_share is not None and 0 < sv_share < 10
    peak = figures["Spitzenstunde"]
    assert peak.value == pytest.approx(4 * (20 + 10))
    assert peak.details["begins"].hour == 9  # 07:00 UTC is 09:00 CEST
    assert "Modal Split" in figures
    assert report.heatmap_mode == Mode.MOTOR_VEHICLE
    assert report.heatmap[0][9] == pytest.approx(4 * 30)  # Monday 09:00 local, per hour
    assert report.completeness == pytest.approx(1.0)


def test_network_dtv_matches_the_report_and_uses_rights(session: Session) -> None:
    thing = build_site(session)
    secret = build_site(session, protection=ProtectionClass.VERTRAULICH)
    admin = factories.admin_principal(session)
    period = (FIRST, FIRST + dt.timedelta(days=DAYS - 1))
    all_sites = sites(session, admin)
    dtvs = network_dtv(session, admin, all_sites, *period, Mode.MOTOR_VEHICLE)
    report = site_report(session, admin, thing.id, *period)
    assert dtvs[thing.id].value == pytest.approx(next(k.value for k in report.kpis if k.name == "DTV Kfz"))
    bikes = network_dtv(session, admin, all_sites, *period, Mode.BICYCLE)
    assert bikes[thing.id].value == pytest.approx((10 * expected_daily(2, True) + 4 * expected_daily(2, False)) / 14)
    anonymous = Principal(display_name="Gast")
    visible_sites = sites(session, anonymous)
    assert [s.id for s in visible_sites] == [thing.id]
    with pytest.raises(NotFound):
        site_report(session, anonymous, secret.id, *period)


def test_an_incomplete_day_is_not_counted(session: Session) -> None:
    thing = build_site(session)
    admin = factories.admin_principal(session)
    # the day after the data ends has no values: a period reaching into it keeps 14 valid days of 15
    report = site_report(session, admin, thing.id, FIRST, FIRST + dt.timedelta(days=DAYS))
    dtv = next(k for k in report.kpis if k.name == "DTV Kfz")
    assert dtv.valid_days == 14
    assert report.completeness == pytest.approx(14 / 15)
