"""Citizen Lab lessons: guess and check on stored counts, the classifier lesson, the chart builder, progress cookie."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from fastapi.testclient import TestClient
from itsdangerous import URLSafeSerializer
from sqlalchemy.orm import Session

from kikz.catalog import service as catalog
from kikz.errors import InvalidInput, NotFound
from kikz.sensors.models import Datastream, Location, ObservedProperty, Sensor, Thing, thing_location
from kikz.sensors.store import NewObservation, store_observations
from kikz.settings import Settings
from kikz.storage import FileStore
from kikz.transparency import lab_chart, lab_guess, lab_personal, lab_progress
from kikz.types import ProtectionClass
from tests import factories
from tests.webutil import csrf_token, login, parse

COUNT = "http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_CountObservation"
FIRST = dt.date(2025, 7, 1)  # a Tuesday; the Hessian summer holidays 2025 start on Monday 7 July
DAYS = 14
GAP_DAY = dt.date(2025, 7, 3)  # one quarter-hour of the 7 o'clock hour is missing here
BERLIN = dt.timezone(dt.timedelta(hours=2))  # CEST all of July


def build_bike_counter(
    session: Session, *, name: str = "Zählstelle Mainuferweg", protection: ProtectionClass = ProtectionClass.OEFFENTLICH
) -> Thing:
    """A bicycle counter with two directions and 15-minute counts from FIRST for DAYS days.

    Per quarter-hour 07:00–08:00 local: school days Ost 30 + West 20, holiday weekdays 10 + 5, weekend 2 + 1;
    all other quarters 1 + 1. So the 7 o'clock hour has 200 / 60 / 12 cyclists.
    """
    network = factories.dataset(
        session, title=f"Radzählung {name}", name=f"rad-{protection.value}-{len(name)}", protection_class=protection
    )
    thing = Thing(dataset_id=network.id, name=name)
    location = Location(
        dataset_id=network.id,
        name=name,
        location={"type": "Point", "coordinates": [8.77, 50.1]},
        lon=8.77,
        lat=50.1,
    )
    sensor = Sensor(dataset_id=network.id, name="Eco-Counter")
    prop = ObservedProperty(dataset_id=network.id, name="Anzahl Räder")
    session.add_all([thing, location, sensor, prop])
    session.flush()
    session.execute(thing_location.insert(), [{"thing_id": thing.id, "location_id": location.id}])
    streams = {}
    for direction in ("Ost", "West"):
        stream = Datastream(
            dataset_id=network.id,
            name=f"Rad {direction}",
            observation_type=COUNT,
            unit_of_measurement={"name": "Anzahl", "symbol": "1"},
            thing_id=thing.id,
            sensor_id=sensor.id,
            observed_property_id=prop.id,
            properties={"traffic": {"mode": "rad", "direction": direction, "quantity": "count"}},
        )
        session.add(stream)
        session.flush()
        streams[direction] = stream
    items = []
    for day_index in range(DAYS):
        day = FIRST + dt.timedelta(days=day_index)
        kind = lab_guess.day_kind(day)
        morning = {"school": (30, 20), "holiday": (10, 5), "free": (2, 1)}[kind.value]
        for quarter in range(96):
            start = dt.datetime.combine(day, dt.time(), BERLIN) + dt.timedelta(minutes=15 * quarter)
            in_morning = start.hour == 7
            for index, direction in enumerate(("Ost", "West")):
                if day == GAP_DAY and in_morning and start.minute == 15 and direction == "West":
                    continue
                stream = streams[direction]
                value = morning[index] if in_morning else 1
                items.append(
                    NewObservation(
                        stream.id,
                        stream.dataset_id,
                        start.astimezone(dt.UTC),
                        value,
                        phenomenon_time_end=(start + dt.timedelta(minutes=15)).astimezone(dt.UTC),
                    )
                )
    store_observations(session, items)
    session.commit()
    return thing


# --- 1. Schätzen, dann prüfen -------------------------------------------------------------------------------------


def test_school_morning_is_computed_from_the_stored_counts(session: Session) -> None:
    thing = build_bike_counter(session)
    facts = lab_guess.school_morning(session, thing.id)
    assert facts.day == dt.date(2025, 7, 4)  # the last school day before the summer holidays
    assert facts.count == 200
    # 1, 2 and 4 July: the 3rd lacks a quarter-hour in one direction and does not count
    assert (facts.school.value, facts.school.days) == (200, 3)
    assert (facts.holiday.value, facts.holiday.days) == (60, 6)  # 7-11 and 14 July
    assert (facts.free.value, facts.free.days) == (12, 4)
    assert facts.holiday_name == "Sommerferien 2025"
    assert facts.counter.directions == ("Ost", "West")


def test_only_public_counters_take_part_whoever_asks(session: Session) -> None:
    public = build_bike_counter(session)
    secret = build_bike_counter(session, name="Zählstelle Intern", protection=ProtectionClass.VERTRAULICH)
    assert [c.thing_id for c in lab_guess.bike_counters(session)] == [public.id]
    with pytest.raises(NotFound, match="Radzählstelle"):
        lab_guess.school_morning(session, secret.id)


def test_judge_the_guess() -> None:
    assert lab_guess.judge(200, 200).verdict == lab_guess.Verdict.EXACT
    assert lab_guess.judge(181, 200).verdict == lab_guess.Verdict.EXACT
    close = lab_guess.judge(160, 200)
    assert (close.verdict, close.difference, close.percent) == (lab_guess.Verdict.CLOSE, -40, -20.0)
    assert lab_guess.judge(400, 200).verdict == lab_guess.Verdict.TOO_HIGH
    assert lab_guess.judge(20, 200).verdict == lab_guess.Verdict.TOO_LOW
    assert lab_guess.judge(0, 0).verdict == lab_guess.Verdict.EXACT
    with pytest.raises(InvalidInput, match=r"zwischen 0 und 100\.000"):
        lab_guess.judge(100_001, 200)


def _check_structure(html: str, url: str = "") -> None:
    page = parse(html)
    assert page.html_lang in ("de", "en"), url
    assert len(page.h1) == 1, (url, page.h1)
    assert {"header", "main", "footer", "nav"} <= page.landmarks, url
    assert not page.unlabelled_controls(), (url, page.unlabelled_controls())
    assert len(page.ids) == len(set(page.ids)), (url, "duplicate ids")
    assert page.tables == page.captions, url
    assert all(scope in ("col", "row") for scope in page.th_scopes), url
    assert page.inline_scripts == 0 and page.inline_styles == 0, url


def test_guess_then_check_over_http(client: TestClient, session: Session) -> None:
    thing = build_bike_counter(session)
    question = client.get(f"/lab/schaetzen?zaehlstelle={thing.id}")
    assert question.status_code == 200
    _check_structure(question.text)
    assert "Freitag, 4. Juli 2025" in question.text
    token = csrf_token(question)
    answer = client.post("/lab/schaetzen", data={"csrf_token": token, "zaehlstelle": str(thing.id), "tipp": "170"})
    assert answer.status_code == 200
    _check_structure(answer.text)
    assert "Gezählt wurden <strong>200</strong> Räder" in answer.text
    assert "Du hast <strong>170</strong> geschätzt" in answer.text
    assert "lab-guess-chart" in answer.text and "<svg" in answer.text
    assert "Sommerferien 2025" in answer.text
    assert "70 % weniger" in answer.text  # holiday mornings 60 against 200 on school days
    assert lab_progress.PROGRESS_COOKIE in answer.cookies
    overview = client.get("/lab")
    assert "<strong>1 von 3</strong>" in overview.text

    english = client.post(
        "/lab/schaetzen?lang=en", data={"csrf_token": token, "zaehlstelle": str(thing.id), "tipp": "400"}
    )
    assert "The counter counted <strong>200</strong> bikes" in english.text
    assert "too high" in english.text


def test_guess_needs_a_number_and_csrf(client: TestClient, session: Session) -> None:
    thing = build_bike_counter(session)
    token = csrf_token(client.get(f"/lab/schaetzen?zaehlstelle={thing.id}"))
    bad = client.post("/lab/schaetzen", data={"csrf_token": token, "zaehlstelle": str(thing.id), "tipp": "viele"})
    assert bad.status_code == 422
    assert "Bitte eine ganze Zahl schätzen" in bad.text
    assert 'value="viele"' in bad.text
    assert lab_progress.PROGRESS_COOKIE not in bad.cookies
    no_counter = client.post("/lab/schaetzen", data={"csrf_token": token, "zaehlstelle": "999999", "tipp": "5"})
    assert no_counter.status_code == 422
    assert "Bitte eine Zählstelle wählen" in no_counter.text
    forged = client.post("/lab/schaetzen", data={"csrf_token": "x", "zaehlstelle": str(thing.id), "tipp": "5"})
    assert forged.status_code == 403


def test_guess_page_without_counters(client: TestClient) -> None:
    page = client.get("/lab/schaetzen")
    assert page.status_code == 200
    assert "keine öffentliche Radzählstelle" in page.text


# --- 2. Sind das personenbezogene Daten? --------------------------------------------------------------------------

EXPECTED = {
    "radzaehlung": False,
    "ferienkurs": True,
    "spielplaetze": False,
    "parkverstoesse": True,
    "einwohner": False,
    "buergertelefon": True,
}


def test_examples_are_classified_by_the_platform_classifier() -> None:
    assert {e.key for e in lab_personal.EXAMPLES} == set(EXPECTED)
    for example in lab_personal.EXAMPLES:
        result = lab_personal.classify(example)
        assert result.personal is EXPECTED[example.key], example.key
        assert [c.column for c in result.columns] == list(example.columns)
    holiday_course = lab_personal.classify(lab_personal.example("ferienkurs"))
    personal_columns = {c.column for c in holiday_course.columns if c.personal}
    assert {"Vorname", "E-Mail"} <= personal_columns and "Kurs" not in personal_columns
    assert holiday_course.proposal.protection_class == ProtectionClass.VERTRAULICH
    plates = lab_personal.classify(lab_personal.example("parkverstoesse"))
    assert [c.column for c in plates.columns if c.personal] == ["Kennzeichen"]


def test_personal_data_lesson_answer_first_then_classifier(client: TestClient) -> None:
    page = client.get("/lab/personenbezug?beispiel=ferienkurs")
    _check_structure(page.text)
    assert "Was sagt das Prüfprogramm?" not in page.text
    token = csrf_token(page)
    missing = client.post("/lab/personenbezug", data={"csrf_token": token, "beispiel": "ferienkurs"})
    assert missing.status_code == 422
    assert "Bitte zuerst selbst antworten" in missing.text
    wrong = client.post("/lab/personenbezug", data={"csrf_token": token, "beispiel": "ferienkurs", "antwort": "nein"})
    assert wrong.status_code == 200
    _check_structure(wrong.text)
    assert "unterschiedlicher Meinung" in wrong.text
    assert "persönliche E-Mail-Adressen" in wrong.text  # the detector's own reason
    assert "Nächstes Beispiel" in wrong.text
    right = client.post("/lab/personenbezug", data={"csrf_token": token, "beispiel": "spielplaetze", "antwort": "nein"})
    assert "Richtig!" in right.text
    assert "Geschäftsanschriften" in right.text
    unknown = client.post("/lab/personenbezug", data={"csrf_token": token, "beispiel": "gibtsnicht", "antwort": "ja"})
    assert unknown.status_code == 422


def test_personal_lesson_is_done_after_every_example(client: TestClient) -> None:
    token = csrf_token(client.get("/lab/personenbezug?beispiel=radzaehlung"))
    for key in EXPECTED:
        client.post("/lab/personenbezug", data={"csrf_token": token, "beispiel": key, "antwort": "ja"})
        overview = client.get("/lab")
        done = key == list(EXPECTED)[-1]
        assert ("<strong>1 von 3</strong>" in overview.text) is done, key


# --- 3. Baue dein Diagramm ----------------------------------------------------------------------------------------

CSV = (
    "Stadtteil;Jahr;Anzahl Bäume\n"
    "Innenstadt;2023;120\nInnenstadt;2024;130\nBieber;2023;80\nBieber;2024;95\nRumpenheim;2024;40\n"
    "Rumpenheim;2023;k. A.\n"
)


def _csv_dataset(session: Session, settings: Settings, *, protection: ProtectionClass, text: str = CSV) -> str:
    dataset = factories.dataset(
        session, title=f"Stadtbäume {protection.value}", name=f"baeume-{protection.value}", protection_class=protection
    )
    store = FileStore(settings.files_dir)
    dist = catalog.add_file_distribution(
        session,
        principal=factories.admin_principal(session),
        dataset=dataset,
        store=store,
        filename="baeume.csv",
        stream=io.BytesIO(text.encode()),
        max_bytes=settings.max_upload_bytes,
    )
    session.commit()
    return dist.identifier


def test_chart_lesson_draws_a_chart_from_an_open_csv(client: TestClient, session: Session, settings: Settings) -> None:
    public = _csv_dataset(session, settings, protection=ProtectionClass.OEFFENTLICH)
    secret = _csv_dataset(session, settings, protection=ProtectionClass.INTERN)
    chooser = client.get("/lab/diagramm")
    assert public in chooser.text and secret not in chooser.text
    columns = client.get(f"/lab/diagramm?datei={public}")
    _check_structure(columns.text)
    assert 'value="Anzahl Bäume"' in columns.text
    chart = client.get(
        "/lab/diagramm",
        params={"datei": public, "x": "Stadtteil", "y": "Anzahl Bäume", "rechnen": "summe", "art": "balken"},
    )
    assert chart.status_code == 200
    _check_structure(chart.text)
    assert '<svg xmlns="http://www.w3.org/2000/svg"' in chart.text
    assert "Summe von „Anzahl Bäume“ je „Stadtteil“" in chart.text
    table = re.findall(r'<th scope="row">([^<]+)</th><td class="num">([^<]+)</td>', chart.text)
    assert table == [("Innenstadt", "250"), ("Bieber", "175"), ("Rumpenheim", "40")]  # largest first
    assert "nicht mitgerechnet" in chart.text  # the "k. A." row
    assert lab_progress.PROGRESS_COOKIE in chart.cookies

    line = client.get(
        "/lab/diagramm", params={"datei": public, "x": "Jahr", "y": "Anzahl Bäume", "rechnen": "mittel", "art": "linie"}
    )
    table = re.findall(r'<th scope="row">([^<]+)</th><td class="num">([^<]+)</td>', line.text)
    assert table == [("2023", "100"), ("2024", "88,33")]  # in order of the x values
    assert "<polyline" in line.text

    hidden = client.get(f"/lab/diagramm?datei={secret}")
    assert hidden.status_code == 404
    assert "offene CSV-Datei" in hidden.text
    not_numeric = client.get(
        "/lab/diagramm", params={"datei": public, "x": "Jahr", "y": "Stadtteil", "rechnen": "summe"}
    )
    assert not_numeric.status_code == 422
    assert "Spalte mit Zahlen" in not_numeric.text


def test_chart_reads_at_most_max_rows(session: Session, settings: Settings) -> None:
    rows = "".join(f"Gruppe {i % 3};{i}\n" for i in range(lab_chart.MAX_ROWS + 25))
    identifier = _csv_dataset(session, settings, protection=ProtectionClass.OEFFENTLICH, text="Gruppe;Wert\n" + rows)
    store = FileStore(settings.files_dir)
    source = lab_chart.open_csv_source(session, identifier)
    columns = lab_chart.columns_of(store, source)
    request = lab_chart.parse_request(columns, "Gruppe", "", "anzahl", "balken")
    data = lab_chart.build(store, source, request)
    assert data.rows_read == lab_chart.MAX_ROWS and data.more_rows
    assert sum(data.values) == lab_chart.MAX_ROWS


def test_chart_bars_are_limited(session: Session, settings: Settings) -> None:
    rows = "".join(f"Straße {i};{i}\n" for i in range(60))
    identifier = _csv_dataset(session, settings, protection=ProtectionClass.OEFFENTLICH, text="Straße;Wert\n" + rows)
    store = FileStore(settings.files_dir)
    source = lab_chart.open_csv_source(session, identifier)
    request = lab_chart.parse_request(lab_chart.columns_of(store, source), "Straße", "Wert", "summe", "balken")
    data = lab_chart.build(store, source, request)
    assert (data.groups, data.shown) == (60, lab_chart.MAX_BARS)
    assert data.values[0] == 59


# --- progress -----------------------------------------------------------------------------------------------------


def test_progress_cookie_tampering_is_ignored(client: TestClient, settings: Settings) -> None:
    valid = lab_progress.dump(["schaetzen", "diagramm"], settings)
    client.cookies.set(lab_progress.PROGRESS_COOKIE, valid)
    assert "<strong>2 von 3</strong>" in client.get("/lab").text

    payload, _, signature = valid.rpartition(".")
    forged_payload = URLSafeSerializer("anderes-geheimnis", salt=lab_progress.SALT).dumps(
        ["schaetzen", "diagramm", "personenbezug/radzaehlung"]
    )
    for forged in (
        forged_payload,  # signed with another key
        payload + "x." + signature,  # changed content
        "kaputt",
        "",
    ):
        client.cookies.set(lab_progress.PROGRESS_COOKIE, forged)
        assert "<strong>0 von 3</strong>" in client.get("/lab").text, forged

    unknown = lab_progress.dump(["schaetzen", "admin", "x" * 50], settings)
    client.cookies.set(lab_progress.PROGRESS_COOKIE, unknown)
    response = client.get("/lab/personenbezug?beispiel=einwohner")
    token = csrf_token(response)
    answered = client.post("/lab/personenbezug", data={"csrf_token": token, "beispiel": "einwohner", "antwort": "nein"})
    stored = URLSafeSerializer(settings.secret_key, salt=lab_progress.SALT).loads(
        answered.cookies[lab_progress.PROGRESS_COOKIE]
    )
    assert stored == ["personenbezug/einwohner", "schaetzen"]  # unknown keys dropped


def test_progress_can_be_deleted(client: TestClient, settings: Settings) -> None:
    client.cookies.set(lab_progress.PROGRESS_COOKIE, lab_progress.dump(["schaetzen"], settings))
    page = client.get("/lab")
    response = client.post("/lab/fortschritt/loeschen", data={"csrf_token": csrf_token(page)}, follow_redirects=False)
    assert response.status_code == 303
    assert f'{lab_progress.PROGRESS_COOKIE}=""' in response.headers["set-cookie"]


def test_lessons_read_open_data_even_for_staff(client: TestClient, session: Session) -> None:
    build_bike_counter(session)
    secret = build_bike_counter(session, name="Zählstelle Intern", protection=ProtectionClass.INTERN)
    factories.user(session, "admin@offenbach.de", superuser=True)
    session.commit()
    assert login(client, "admin@offenbach.de").status_code == 303
    page = client.get("/lab/schaetzen")
    assert "Offenbach am Main: Mainuferweg</option>" in page.text and ": Intern</option>" not in page.text
    assert client.get(f"/lab/schaetzen?zaehlstelle={secret.id}").status_code == 200
    assert "Freitag" not in client.get(f"/lab/schaetzen?zaehlstelle={secret.id}").text


@pytest.mark.parametrize("url", ["/lab", "/lab/schaetzen", "/lab/personenbezug", "/lab/diagramm", "/lab?lang=en"])
def test_lesson_pages_are_accessible(client: TestClient, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 200
    _check_structure(response.text, url)
    assert 'href="/lab" aria-current="page"' in response.text or url != "/lab"
