"""Traffic pages, JSON reports, charts and the council report (HTML and PDF), read through the caller's rights."""

from __future__ import annotations

import datetime as dt
import io
import re
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from pypdf import PdfReader
from sqlalchemy.orm import Session

from kikz.app import SECURITY_HEADERS, create_app
from kikz.sensors import charts
from kikz.sensors.models import Datastream, Location, ObservedProperty, Sensor, Thing, thing_location
from kikz.sensors.reports import BadRequest, DataExtent, Period, default_period, parse_period
from kikz.sensors.store import NewObservation, store_observations
from kikz.settings import Settings
from kikz.types import ProtectionClass
from tests import factories
from tests.webutil import login, parse

COUNT = "http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_CountObservation"
FIRST = dt.date(2025, 6, 2)  # a Monday
DAYS = 14
LOCAL_MIDNIGHT = dt.datetime(2025, 6, 1, 22, tzinfo=dt.UTC)  # 2025-06-02 00:00 CEST
# quarter-hour counts on working days (weekends half); 07:00–08:00 UTC (09:00 local) doubled
WEEKDAY_DAILY = {"nord": 8 * 92 + 16 * 4, "sued": 4 * 92 + 8 * 4, "rad": 2 * 92 + 4 * 4}  # 800, 400, 200


@dataclass
class World:
    westanlage: int
    wetzlar_bikes: int
    secret: int


def _dtv(weekday_total: float) -> float:
    """DTV over the two weeks: ten working days and four weekend days at half the volume."""
    return (10 * weekday_total + 4 * weekday_total / 2) / DAYS


def build_site(
    session: Session,
    *,
    city: str,
    name: str,
    point: tuple[float, float],
    streams: dict[str, tuple[str, str, int]],
    protection: ProtectionClass = ProtectionClass.OEFFENTLICH,
    with_counts: bool = True,
) -> int:
    """A counting site with quarter-hourly counts for two weeks; ``streams``: key → (mode, direction, base)."""
    network = factories.dataset(
        session,
        municipality=city,
        title=f"Verkehrszählung {name}",
        name=f"zaehlung-{city}-{len(name)}-{protection.value}",
        protection_class=protection,
        license_id="dl-by-de/2.0",
    )
    thing = Thing(dataset_id=network.id, name=name, description="Seitenradar am Fahrbahnrand.")
    location = Location(
        dataset_id=network.id,
        name=name,
        location={"type": "Point", "coordinates": list(point)},
        lon=point[0],
        lat=point[1],
    )
    sensor = Sensor(dataset_id=network.id, name="Seitenradar")
    prop = ObservedProperty(dataset_id=network.id, name="Anzahl")
    session.add_all([thing, location, sensor, prop])
    session.flush()
    session.execute(thing_location.insert(), [{"thing_id": thing.id, "location_id": location.id}])
    items = []
    for key, (mode, direction, base) in streams.items():
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
        for q in range(DAYS * 96 if with_counts else 0):
            moment = LOCAL_MIDNIGHT + dt.timedelta(minutes=15 * q)
            factor = 1.0 if (FIRST + dt.timedelta(days=q // 96)).weekday() < 5 else 0.5
            factor *= 2 if moment.hour == 7 else 1
            items.append(
                NewObservation(
                    stream.id,
                    network.id,
                    moment,
                    int(base * factor),
                    phenomenon_time_end=moment + dt.timedelta(minutes=15),
                )
            )
    if items:
        store_observations(session, items)
    return thing.id


@pytest.fixture
def world(session: Session) -> World:
    westanlage = build_site(
        session,
        city="giessen",
        name="Westanlage",
        point=(8.6682, 50.5841),
        streams={"nord": ("kfz", "Nord", 8), "sued": ("kfz", "Süd", 4), "rad": ("rad", "gesamt", 2)},
    )
    bikes = build_site(
        session,
        city="wetzlar",
        name="Karl-Kellner-Ring Radweg",
        point=(8.5049, 50.5571),
        streams={"rad": ("rad", "gesamt", 4)},
    )
    secret = build_site(
        session,
        city="offenbach",
        name="Geheime Messstelle",
        point=(8.76, 50.1),
        streams={"kfz": ("kfz", "gesamt", 8)},
        protection=ProtectionClass.VERTRAULICH,
    )
    factories.user(session, "root@kikz.de", superuser=True)
    session.commit()
    return World(westanlage, bikes, secret)


def _accessible(html: str) -> None:
    page = parse(html)
    assert len(page.h1) == 1
    assert page.tables == page.captions
    assert all(scope in ("col", "row") for scope in page.th_scopes)
    assert page.inline_scripts == 0 and page.inline_styles == 0
    assert not page.unlabelled_controls()
    assert len(page.ids) == len(set(page.ids)), "duplicate ids"


def _cells(html: str, row_label: str) -> list[str]:
    """The cells of the table row headed ``row_label`` (first match)."""
    found = re.search(
        rf"<th scope=\"row\">(?:<abbr[^>]*>)?{re.escape(row_label)}(?:</abbr>)?</th>(.*?)</tr>", html, re.S
    )
    assert found, row_label
    return [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", found.group(1), re.S)]


# --- overview and map -------------------------------------------------------------------------------------------


def test_overview_lists_the_visible_sites_on_map_and_table(client: TestClient, world: World) -> None:
    response = client.get("/verkehr")
    assert response.status_code == 200
    html = response.text
    _accessible(html)
    assert "Westanlage" in html and "Karl-Kellner-Ring Radweg" in html
    assert "Geheime Messstelle" not in html
    assert 'data-lat="50.584100" data-lon="8.668200"' in html
    assert "/static/vendor/leaflet/leaflet.js" in html and "data-tiles" not in html
    assert response.headers["content-security-policy"] == SECURITY_HEADERS["content-security-policy"]
    assert "Kfz, Rad" in html and "02.06.2025 – 15.06.2025" in html

    only_wetzlar = client.get("/verkehr", params={"kommune": "wetzlar"}).text
    assert "Karl-Kellner-Ring Radweg" in only_wetzlar and 'data-name="Westanlage"' not in only_wetzlar


def test_the_vendored_map_library_is_served_with_its_licence(client: TestClient) -> None:
    assert client.get("/static/vendor/leaflet/leaflet.js").status_code == 200
    assert "Redistribution and use in source and binary forms" in client.get("/static/vendor/leaflet/LICENSE").text
    assert client.get("/static/vendor/dejavu-fonts/LICENSE").status_code == 200
    assert "L.map(" in client.get("/static/verkehr.js").text


def test_a_tile_url_switches_tiles_on_and_only_then_widens_the_csp(settings: Settings, world: World) -> None:
    tiled = settings.model_copy(
        update={"map_tile_url": "https://{s}.tiles.example.de/{z}/{x}/{y}.png", "map_tile_attribution": "© Beispiel"}
    )
    with TestClient(create_app(tiled)) as client:
        response = client.get("/verkehr")
    assert 'data-tiles="https://{s}.tiles.example.de/{z}/{x}/{y}.png"' in response.text
    assert "© Beispiel" in response.text
    policy = response.headers["content-security-policy"]
    assert "img-src 'self' data: https://*.tiles.example.de;" in policy
    assert "script-src 'self';" in policy and "connect-src 'self';" in policy


def test_a_tile_url_that_could_inject_into_the_csp_is_refused() -> None:
    with pytest.raises(ValueError, match="KIKZ_MAP_TILE_URL"):
        Settings(map_tile_url="https://evil.de; script-src *;/{z}/{x}/{y}", _env_file=None)  # type: ignore[call-arg]


# --- one site -------------------------------------------------------------------------------------------------


def test_site_page_shows_kpis_directions_charts_and_heatmap(client: TestClient, world: World) -> None:
    response = client.get(f"/verkehr/zaehlstellen/{world.westanlage}")
    assert response.status_code == 200
    html = response.text
    _accessible(html)
    # no full calendar year of data: the default period is the data's span
    assert "Zeitraum: 02.06.2025 – 15.06.2025" in html
    kfz = WEEKDAY_DAILY["nord"] + WEEKDAY_DAILY["sued"]
    assert _cells(html, "DTV Kfz")[:3] == [f"{_dtv(kfz):,.0f}".replace(",", "."), "Fz/24h", "14"]
    assert _cells(html, "DTVw")[:3] == ["1.200", "Fz/24h", "9"]  # Whit Monday (9 June 2025) is no working day
    assert _cells(html, "Nord") == [f"{_dtv(800):.0f}", "Fz/24h", "14"]
    assert _cells(html, "Süd") == [f"{_dtv(400):.0f}", "Fz/24h", "14"]
    peak = _cells(html, "Spitzenstunde")
    assert peak[0] == "96" and "02.06.2025, 09:00 Uhr" in peak[3]
    assert "Kfz 85,7 % · Rad 14,3 %" in html  # modal split 1028.6 : 171.4
    assert "Mittel der Tagessummen über alle Tage" in html  # the DTV definition
    # charts: accessible SVG and their data tables
    assert html.count('role="img"') == 2
    assert '<title id="chart-daily-title">Tagessummen an der Zählstelle Westanlage</title>' in html
    assert _cells(html, "02.06.2025") == ["1.200", "200"]
    assert _cells(html, "09:00–10:00")[0] == "96"
    # heatmap: Monday at 09:00 local has four doubled quarter-hours of 16 + 8
    monday = _cells(html, "Mo")
    assert len(monday) == 24 and monday[9] == "96" and monday[0] == "48"
    assert re.search(r'<td class="heat-7">96</td>', html)
    assert "14 von 14 Tagen des Zeitraums sind gültig (100,0 %)" in html
    assert f'href="/verkehr/zaehlstellen/{world.westanlage}/bericht.pdf?von=2025-06-02&amp;bis=2025-06-15"' in html


def test_site_page_period_picker_and_bad_dates(client: TestClient, world: World) -> None:
    week = client.get(f"/verkehr/zaehlstellen/{world.westanlage}", params={"von": "2025-06-02", "bis": "2025-06-06"})
    assert week.status_code == 200
    assert _cells(week.text, "DTV Kfz")[:3] == ["1.200", "Fz/24h", "5"]
    assert 'value="2025-06-06"' in week.text

    bad = client.get(f"/verkehr/zaehlstellen/{world.westanlage}", params={"von": "2025-13-01"})
    assert bad.status_code == 400
    assert "kein gültiges Datum" in bad.text
    backwards = client.get(
        f"/verkehr/zaehlstellen/{world.westanlage}", params={"von": "2025-06-10", "bis": "2025-06-01"}
    )
    assert backwards.status_code == 400 and "liegt vor dem Anfang" in backwards.text


def test_invisible_networks_are_not_found_anywhere(client: TestClient, world: World) -> None:
    for url in (
        f"/verkehr/zaehlstellen/{world.secret}",
        f"/verkehr/zaehlstellen/{world.secret}/bericht",
        f"/verkehr/zaehlstellen/{world.secret}/bericht.pdf",
        f"/api/v1/sensors/sites/{world.secret}",
        f"/api/v1/sensors/sites/{world.secret}/report",
        "/verkehr/zaehlstellen/999999",
    ):
        assert client.get(url).status_code == 404, url
    assert "Geheime Messstelle" not in client.get("/verkehr/vergleich").text
    assert "Geheime Messstelle" not in client.get("/api/v1/sensors/comparison").text

    assert login(client, "root@kikz.de").status_code == 303
    page = client.get(f"/verkehr/zaehlstellen/{world.secret}")
    assert page.status_code == 200 and "Geheime Messstelle" in page.text
    assert page.headers["cache-control"] == "private, no-store"


def test_a_site_without_counts_still_renders_page_report_and_pdf(
    client: TestClient, world: World, session: Session
) -> None:
    empty = build_site(
        session,
        city="fulda",
        name="Neue Zählstelle",
        point=(9.68, 50.55),
        streams={"rad": ("rad", "gesamt", 2)},
        with_counts=False,
    )
    session.commit()
    page = client.get(f"/verkehr/zaehlstellen/{empty}")
    assert page.status_code == 200
    _accessible(page.text)
    assert "Für diesen Zeitraum liegen keine auswertbaren Zählwerte vor." in page.text
    assert "noch keine Daten" in page.text
    assert client.get(f"/verkehr/zaehlstellen/{empty}/bericht").status_code == 200
    pdf = client.get(f"/verkehr/zaehlstellen/{empty}/bericht.pdf")
    assert pdf.status_code == 200 and "Neue Zählstelle" in _pdf_text(pdf.content)
    assert client.get(f"/api/v1/sensors/sites/{empty}/report").json()["kpis"] == []
    assert client.get("/verkehr/zaehlstellen/99999999999").status_code == 422


# --- council report ---------------------------------------------------------------------------------------------


def test_council_report_prints_figures_definitions_source_and_completeness(client: TestClient, world: World) -> None:
    response = client.get(
        f"/verkehr/zaehlstellen/{world.westanlage}/bericht", params={"von": "2025-06-02", "bis": "2025-06-15"}
    )
    assert response.status_code == 200
    html = response.text
    _accessible(html)
    assert "Bericht für Ausschuss und Stadtverordnetenversammlung" in html
    assert "DTV Kfz" in html and "1.029" in html
    assert "DTVw: Mittel der Tagessummen an Werktagen Montag–Freitag" in html
    assert "Datenquelle: Verkehrszählung Westanlage, herausgegeben von Gießen" in html
    assert "14 von 14 Tagen des Zeitraums sind gültig" in html
    assert "Datenlizenz Deutschland Namensnennung 2.0" in html
    assert "@media print" in client.get("/static/verkehr.css").text

    english = client.get(f"/verkehr/zaehlstellen/{world.westanlage}/bericht", params={"lang": "en"}).text
    assert "Key figures" in english and "Kennwerte" not in english
    assert "14 of 14 days in the period are valid" in english


def _pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return "\n".join(page.extract_text() for page in reader.pages)


def test_council_report_pdf_has_the_same_figures(client: TestClient, world: World) -> None:
    response = client.get(f"/verkehr/zaehlstellen/{world.westanlage}/bericht.pdf")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert "zaehlstelle-" in response.headers["content-disposition"]
    text = _pdf_text(response.content)
    assert "Westanlage" in text
    for expected in ("DTV Kfz", "1.029", "1.200", "Spitzenstunde", "Nord", "686", "Süd", "343"):
        assert expected in text, expected
    assert "14 von 14 Tagen des Zeitraums sind gültig" in re.sub(r"\s+", " ", text)
    assert "Lizenz" in text and "Datenquelle" in text
    assert "Mittel der Tagessummen" in re.sub(r"\s+", " ", text)  # definitions
    english = _pdf_text(client.get(f"/verkehr/zaehlstellen/{world.westanlage}/bericht.pdf?lang=en").content)
    assert "Key figures" in english and "Data source" in english


# --- comparison -------------------------------------------------------------------------------------------------


def test_comparison_page_per_city_and_mode_sortable(client: TestClient, world: World) -> None:
    response = client.get("/verkehr/vergleich", params={"von": "2025-06-02", "bis": "2025-06-15"})
    assert response.status_code == 200
    html = response.text
    _accessible(html)
    bikes = html.split('id="mode-rad"')[1]
    assert bikes.index("Gießen") < bikes.index("Wetzlar")  # sorted by city
    by_dtv = client.get(
        "/verkehr/vergleich", params={"von": "2025-06-02", "bis": "2025-06-15", "sortierung": "dtv"}
    ).text.split('id="mode-rad"')[1]
    assert by_dtv.index("Karl-Kellner-Ring Radweg") < by_dtv.index("Westanlage")  # 343 before 171
    assert 'aria-sort="descending"' in by_dtv
    assert f"{_dtv(400):.0f}" in bikes and f"{_dtv(200):.0f}" in bikes
    assert 'id="chart-compare-kfz"' in html and 'id="chart-compare-rad"' in html


# --- JSON API ---------------------------------------------------------------------------------------------------


def test_api_lists_sites_with_point_and_streams(client: TestClient, world: World) -> None:
    body = client.get("/api/v1/sensors/sites").json()
    assert body["count"] == 2
    site = next(s for s in body["sites"] if s["id"] == world.westanlage)
    assert site["point"] == {"type": "Point", "coordinates": [8.6682, 50.5841]}
    assert site["city"] == {"slug": "giessen", "name": "Gießen"}
    assert {(s["mode"], s["direction"]) for s in site["streams"]} == {
        ("kfz", "Nord"),
        ("kfz", "Süd"),
        ("rad", "gesamt"),
    }
    assert site["modes"] == ["kfz", "rad"]
    assert site["data"] == {"first": "2025-06-02", "last": "2025-06-15"}
    only = client.get("/api/v1/sensors/sites", params={"city": "wetzlar"}).json()
    assert [s["name"] for s in only["sites"]] == ["Karl-Kellner-Ring Radweg"]


def test_api_site_report_and_errors(client: TestClient, world: World) -> None:
    body = client.get(
        f"/api/v1/sensors/sites/{world.westanlage}/report", params={"von": "2025-06-02", "bis": "2025-06-15"}
    ).json()
    kpis = {k["name"]: k for k in body["kpis"]}
    assert kpis["DTV Kfz"]["value"] == pytest.approx(_dtv(1200))
    assert kpis["DTV Kfz"]["valid_days"] == 14 and "Mittel der Tagessummen" in kpis["DTV Kfz"]["definition"]
    assert kpis["Spitzenstunde"]["details"]["begins"].startswith("2025-06-02T09:00:00+02:00")
    assert {d["direction"]: round(d["value"]) for d in body["directions"]} == {"Nord": 686, "Süd": 343}
    assert body["heatmap"]["values"][0][9] == pytest.approx(96)
    assert body["period"] == {"first": "2025-06-02", "last": "2025-06-15", "days": 14}
    assert body["completeness"] == pytest.approx(1.0)
    assert body["daily_totals"]["Rad"][0] == {"date": "2025-06-02", "value": 200.0}
    assert body["source"]["license"] and body["source"]["network"] == "Verkehrszählung Westanlage"

    bad = client.get(f"/api/v1/sensors/sites/{world.westanlage}/report", params={"bis": "gestern"})
    assert bad.status_code == 400
    assert bad.json()["error"]["code"] == "bad_request" and "kein gültiges Datum" in bad.json()["error"]["message"]
    too_long = client.get(
        f"/api/v1/sensors/sites/{world.westanlage}/report", params={"von": "2020-01-01", "bis": "2025-01-01"}
    )
    assert too_long.status_code == 400 and "drei Jahre" in too_long.json()["error"]["message"]


def test_api_comparison(client: TestClient, world: World) -> None:
    body = client.get(
        "/api/v1/sensors/comparison", params={"von": "2025-06-02", "bis": "2025-06-15", "mode": "rad", "sort": "dtv"}
    ).json()
    assert body["modes"] == ["rad"]
    assert [(r["site"], round(r["dtv"])) for r in body["rows"]] == [
        ("Karl-Kellner-Ring Radweg", round(_dtv(400))),
        ("Westanlage", round(_dtv(200))),
    ]
    assert {c["city"]["slug"]: c["sites"] for c in body["cities"]} == {"giessen": 1, "wetzlar": 1}
    assert client.get("/api/v1/sensors/comparison", params={"von": "1.6.2025"}).status_code == 400


# --- periods and charts (no database) ------------------------------------------------------------------------------


def test_default_period_is_the_last_full_year_with_data() -> None:
    two_years = DataExtent(dt.date(2023, 3, 5), dt.date(2025, 6, 15))
    assert default_period(two_years) == Period(dt.date(2024, 1, 1), dt.date(2024, 12, 31))
    ends_new_year = DataExtent(dt.date(2024, 1, 1), dt.date(2024, 12, 31))
    assert default_period(ends_new_year) == Period(dt.date(2024, 1, 1), dt.date(2024, 12, 31))
    short = DataExtent(dt.date(2024, 3, 1), dt.date(2025, 6, 15))
    assert default_period(short) == Period(dt.date(2024, 6, 16), dt.date(2025, 6, 15))
    assert default_period(DataExtent(None, None), today=dt.date(2026, 2, 1)) == Period(
        dt.date(2025, 1, 1), dt.date(2025, 12, 31)
    )


def test_parse_period_fills_a_missing_end_and_refuses_nonsense() -> None:
    default = Period(dt.date(2024, 1, 1), dt.date(2024, 12, 31))
    assert parse_period(None, None, default) == default
    assert parse_period("2025-03-01", None, default) == Period(dt.date(2025, 3, 1), dt.date(2025, 12, 31))
    assert parse_period(None, "2025-03-01", default) == Period(dt.date(2025, 1, 1), dt.date(2025, 3, 1))
    with pytest.raises(BadRequest, match="kein gültiges Datum"):
        parse_period("morgen", None, default)


def test_line_chart_leaves_gaps_and_is_labelled() -> None:
    svg = charts.line_chart(
        chart_id="c",
        title="Tagessummen",
        description="Beschreibung",
        series=[charts.Series("Kfz", [10, 20, None, 30, 40]), charts.Series("Rad", [1, None, 3, None, 5])],
        x_labels=[(0, "Mo"), (4, "Fr")],
        unit="je Tag",
    )
    assert svg.count("<polyline") == 2  # Kfz in two runs; Rad has single points only
    assert svg.count("<circle") == 3
    assert '<title id="c-title">Tagessummen</title>' in svg and 'aria-labelledby="c-title c-desc"' in svg
    assert 'stroke-dasharray="8 4"' in svg  # the second series differs by more than colour
    assert "style=" not in svg and "<script" not in svg
    assert charts.nice_ticks(1234) == [0, 250, 500, 750, 1000, 1250]
    assert charts.number(12345.678, 1) == "12.345,7" and charts.number(12345.678, 1, "en") == "12,345.7"


def test_bar_chart_draws_one_bar_per_site_coloured_by_city() -> None:
    svg = charts.bar_chart(
        chart_id="b",
        title="DTV",
        description="Vergleich",
        bars=[charts.Bar("A", 1000, "Gießen"), charts.Bar("B", 500, "Wetzlar"), charts.Bar("C", 250, "Gießen")],
        unit="je Tag",
    )
    assert svg.count("<rect") == 5  # three bars and a legend swatch per city
    assert svg.count(f'fill="{charts.PALETTE[0]}"') == 3 and svg.count(f'fill="{charts.PALETTE[1]}"') == 2
    assert ">1.000<" in svg and ">Wetzlar<" in svg
    # a fixed city order keeps each city's colour across the charts of several modes
    only_wetzlar = charts.bar_chart(
        chart_id="w",
        title="DTV",
        description="Vergleich",
        bars=[charts.Bar("B", 500, "Wetzlar")],
        unit="je Tag",
        groups=["Gießen", "Wetzlar"],
    )
    assert f'fill="{charts.PALETTE[1]}"' in only_wetzlar and f'fill="{charts.PALETTE[0]}"' not in only_wetzlar
    assert ">Gießen<" not in only_wetzlar
