"""Demo content of the Digital Forum: four projects of the member cities, one reuse link, lessons learned, one past
and one upcoming forum event, and a short discussion. Loaded through the services (audit log included).

``actors`` are the principals the demo acts as per city slug (the cities' data stewards outside production,
a system superuser in production). Comments need a person, so they are only written when the actors are
real accounts.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from kikz.catalog.models import Dataset
from kikz.db import utcnow
from kikz.tenancy.permissions import Principal
from kikz.transfer import adoption, comments, events, projects
from kikz.transfer.models import ForumEvent, ForumProject
from kikz.transfer.schemas import (
    AgendaItemIn,
    CommentIn,
    ContactIn,
    EventIn,
    LessonIn,
    MaterialIn,
    ProjectCreate,
    ReuseIn,
)
from kikz.transfer.vocab import (
    EventFormat,
    FieldOfAction,
    LessonKind,
    MaterialKind,
    Maturity,
    Operation,
    Phase,
    ReuseStatus,
    Visibility,
)

PAST_EVENT_DAY = dt.date(2025, 6, 12)
"""The 7th forum in Gießen; the 8th is always a few weeks after the load, so the demo has an upcoming one."""


@dataclass
class ForumDemoSummary:
    projects: int = 0
    events: int = 0
    comments: int = 0
    reuses: int = 0
    lessons: int = 0


def _existing(session: Session, *names: str) -> list[str]:
    found = set(session.scalars(select(Dataset.name).where(Dataset.name.in_(names))))
    return [n for n in names if n in found]


def _projects(session: Session) -> list[ProjectCreate]:
    return [
        ProjectCreate(
            municipality="offenbach",
            title="Verkehrszählung mit Telraam-Sensoren",
            summary=(
                "Bürgerinnen und Bürger zählen mit kleinen Telraam-Geräten am Fenster Autos, Lkw, Räder und "
                "Fußgänger. Die Stadt übernimmt die Werte stündlich in die Datenplattform und veröffentlicht sie "
                "als offene Daten."
            ),
            partners=["giessen"],
            visibility=Visibility.PUBLIC,
            field_of_action=FieldOfAction.MOBILITY,
            phase=Phase.OPERATION,
            maturity=Maturity.TRANSFERABLE,
            problem=(
                "Feste Zählstellen mit Induktionsschleifen gibt es nur an wenigen Hauptstraßen. Für Wohnstraßen, "
                "Schulwege und den Radverkehr fehlten Zahlen, wenn über Tempo 30, Durchfahrtssperren oder neue "
                "Radwege entschieden wurde.\n\nEine Schleifenzählstelle kostet mit Einbau schnell über 10.000 €."
            ),
            solution=(
                "Telraam S2 ist ein Sensor mit Kamera und KI-Auswertung auf dem Gerät, der nur Zählwerte "
                "überträgt, keine Bilder. Freiwillige bringen ihn an einem Fenster zur Straße an.\n\n"
                "Ein Importer holt die Stundenwerte über die Telraam-API, rechnet sie wie Telraam auf die "
                "Verfügbarkeit hoch und speichert sie als Observations der SensorThings API. Daraus entstehen "
                "DTV, Spitzenstunde und v85 je Straßenabschnitt."
            ),
            data_used=(
                "Stunden- und Viertelstundenwerte je Segment (Pkw, Schwerverkehr, Rad, Fuß, je Richtung), "
                "Verfügbarkeit (uptime) und v85."
            ),
            datasets=_existing(
                session, "offenbach-verkehrszaehlstellen-sensornetz", "offenbach-radverkehrszaehlung-2024"
            ),
            technologies=["Telraam S2", "OGC SensorThings API", "Python", "PostgreSQL"],
            licence="EUPL-1.2",
            repository_url="https://gitlab.opencode.de/smart-kikz/telraam-import",
            website_url="https://telraam.net",
            costs=(
                "Gerät rund 250 € je Standort, Betrieb im vorhandenen Plattformbetrieb; etwa 2 Personentage je Monat."
            ),
            funding="Eigenmittel; Geräte teilweise über den Bürgerhaushalt.",
            operation=Operation.INTERNAL,
            operating_model=(
                "Das Smart-City-Büro betreut Freiwillige und Standorte; der Importer läuft auf der gemeinsamen "
                "Datenplattform, die Geräte bleiben Eigentum der Freiwilligen."
            ),
            started_on=dt.date(2023, 4, 1),
            contacts=[
                ContactIn(name="Smart-City-Büro Offenbach", role="Projektleitung", email="smartcity@offenbach.de")
            ],
        ),
        ProjectCreate(
            municipality="giessen",
            title="Open-Data-Portal mit DCAT-AP.de-Export",
            summary=(
                "Gießen veröffentlicht Daten der Verwaltung in einem Katalog, den GovData und das europäische "
                "Datenportal automatisch einsammeln. Wetzlar nutzt dieselbe Plattform."
            ),
            partners=["wetzlar"],
            visibility=Visibility.PUBLIC,
            field_of_action=FieldOfAction.DATA,
            phase=Phase.OPERATION,
            maturity=Maturity.PRODUCTIVE,
            problem=(
                "Daten lagen verstreut als Dateien auf Webseiten, ohne Lizenz und ohne maschinenlesbare Beschreibung."
            ),
            solution=(
                "Ein gemeinsamer Katalog mit Schutzklassen, Vier-Augen-Freigabe und Export nach DCAT-AP.de. Die "
                "Metadatenqualität wird nach dem MQA-Verfahren von data.europa.eu bewertet."
            ),
            data_used="Alle offenen Datensätze der beteiligten Städte.",
            technologies=["DCAT-AP.de", "CKAN-API", "GovData-Harvesting"],
            licence="EUPL-1.2",
            repository_url="https://gitlab.opencode.de/smart-kikz/kikz",
            costs="Betrieb auf einem städtischen Server; Pflege durch die Data Stewards der Ämter.",
            funding="Modellprojekte Smart Cities (Bund, KfW).",
            operation=Operation.INTERMUNICIPAL,
            operating_model="Gemeinsamer Betrieb für Gießen und Wetzlar, je Stadt eigene Rollen und Freigaben.",
            started_on=dt.date(2022, 9, 1),
            contacts=[ContactIn(name="Open-Data-Team Gießen", role="Data Governance", email="opendata@giessen.de")],
        ),
        ProjectCreate(
            municipality="wetzlar",
            title="KI-Assistent für den Bürgerservice",
            summary=(
                "Ein Assistent beantwortet im Bürgerbüro häufige Fragen zu Meldewesen, Parkausweisen und "
                "Abfall aus den geprüften Dienstleistungsbeschreibungen und nennt immer seine Quellen."
            ),
            partners=["fulda"],
            visibility=Visibility.FORUM,
            field_of_action=FieldOfAction.ADMINISTRATION,
            phase=Phase.PILOT,
            maturity=Maturity.TESTED,
            problem="Das Bürgertelefon ist zu Stoßzeiten überlastet; viele Anrufe betreffen dieselben zwanzig Fragen.",
            solution=(
                "Der Assistent sucht in den freigegebenen Leistungsbeschreibungen und formuliert eine kurze Antwort "
                "mit Quellenangabe. Er sagt zu Beginn, dass er eine KI ist (Art. 50 KI-Verordnung), und übergibt an "
                "Mitarbeitende, wenn er unsicher ist."
            ),
            data_used="Leistungsbeschreibungen des Bürgerbüros; anonymisierte Auswertung der häufigsten Anliegen.",
            datasets=_existing(session, "wetzlar-buergeranliegen-2024"),
            technologies=["Retrieval-Augmented Generation", "Open-Source-Sprachmodell", "Python"],
            licence="EUPL-1.2",
            costs="Pilot 6 Monate: rund 18.000 € (Hosting und Begleitung).",
            funding="Landesprogramm Starke Heimat Hessen.",
            operation=Operation.CONTRACT,
            operating_model=(
                "Betrieb im Rechenzentrum des kommunalen IT-Dienstleisters, keine Datenweitergabe an Dritte."
            ),
            started_on=dt.date(2025, 2, 1),
            contacts=[ContactIn(name="Digitalisierung Wetzlar", role="Projektleitung", email="digital@wetzlar.de")],
        ),
        ProjectCreate(
            municipality="fulda",
            title="Digitales Baumkataster",
            summary=(
                "Fulda erfasst alle Straßen- und Parkbäume mit Art, Zustand und Kontrollterminen digital. "
                "Die Baumkontrolle arbeitet mobil, die Stammdaten sind offene Daten."
            ),
            partners=["marburg"],
            visibility=Visibility.PUBLIC,
            field_of_action=FieldOfAction.ENVIRONMENT,
            phase=Phase.ROLLOUT,
            maturity=Maturity.TESTED,
            problem=(
                "Die Baumkontrolle lief über Papierlisten; Verkehrssicherungspflicht und Pflege waren schwer "
                "nachzuweisen."
            ),
            solution=(
                "Ein Geoinformationssystem mit mobiler Erfassung: Kontrolleure sehen vor Ort Baum, Historie und "
                "fällige Maßnahmen. Standort, Art und Pflanzjahr werden als offener Datensatz veröffentlicht."
            ),
            data_used="Baumstandorte (Punkte), Art, Pflanzjahr, Kronendurchmesser, Kontrollergebnisse (intern).",
            datasets=_existing(session, "fulda-baumkataster"),
            technologies=["QGIS", "PostGIS", "QField"],
            licence="GPL-2.0-or-later",
            costs="Erstaufnahme 2 Saisonkräfte; Software ohne Lizenzkosten.",
            funding="Eigenmittel des Grünflächenamts.",
            operation=Operation.INTERNAL,
            operating_model="Grünflächenamt pflegt die Daten, die städtische GIS-Stelle betreibt die Datenbank.",
            started_on=dt.date(2024, 3, 1),
            contacts=[ContactIn(name="Grünflächenamt Fulda", role="Baumkontrolle", email="gruenflaechen@fulda.de")],
        ),
    ]


LESSONS: dict[str, list[tuple[str, LessonKind, str]]] = {
    "verkehrszaehlung-mit-telraam-sensoren": [
        (
            "offenbach",
            LessonKind.WORKED,
            "Freiwillige finden sich schnell, wenn die Stadt die Geräte stellt und "
            "die Zahlen der eigenen Straße sofort online sichtbar sind.",
        ),
        (
            "offenbach",
            LessonKind.PITFALL,
            "Nachts und bei tief stehender Sonne sinkt die Verfügbarkeit unter 0,5. "
            "Solche Stunden markieren wir als unsicher, statt sie hochzurechnen.",
        ),
        (
            "giessen",
            LessonKind.ADVICE,
            "Vor dem Start an einer Schleifenzählstelle zwei Wochen parallel zählen: so "
            "sieht man, wie stark die Hochrechnung vom Messwert abweicht.",
        ),
    ],
    "ki-assistent-fuer-den-buergerservice": [
        (
            "wetzlar",
            LessonKind.PITFALL,
            "Die Datenschutz-Folgenabschätzung früh beginnen; sie hat den Pilotstart um zwei Monate verschoben.",
        ),
        (
            "fulda",
            LessonKind.ADVICE,
            "Nur geprüfte Leistungsbeschreibungen als Quelle zulassen und jede Antwort "
            "mit Link belegen – das schafft Vertrauen im Team.",
        ),
    ],
}


def _event_day(now: dt.datetime) -> dt.date:
    """A Thursday five to six weeks after ``now``."""
    day = now.date() + dt.timedelta(days=35)
    return day + dt.timedelta(days=(3 - day.weekday()) % 7)


def load_forum_demo(
    session: Session, actors: dict[str, Principal], *, now: dt.datetime | None = None
) -> ForumDemoSummary:
    summary = ForumDemoSummary()
    if session.scalar(select(ForumProject.id).limit(1)) is not None:
        return summary
    now = now or utcnow()
    made: dict[str, ForumProject] = {}
    for data in _projects(session):
        project = projects.create_project(session, principal=actors[data.municipality], data=data, now=now)
        made[project.slug] = project
        summary.projects += 1
    for slug, lessons in LESSONS.items():
        for city, kind, text in lessons:
            adoption.add_lesson(
                session,
                principal=actors[city],
                project=made[slug],
                data=LessonIn(municipality=city, kind=kind, text=text),
            )
            summary.lessons += 1
    telraam = made["verkehrszaehlung-mit-telraam-sensoren"]
    adoption.reuse(
        session,
        principal=actors["wetzlar"],
        project=telraam,
        data=ReuseIn(
            municipality="wetzlar",
            status=ReuseStatus.IN_PROGRESS,
            note="Zehn Geräte an Schulwegen in Niedergirmes und Dalheim, Start nach den Osterferien.",
        ),
    )
    summary.reuses += 1

    past = events.create_event(
        session,
        principal=actors["giessen"],
        data=EventIn(
            title="7. Digitalforum Smart-KIKZ: Verkehrsdaten gemeinsam nutzen",
            description=(
                "Die Städte zeigen, wie sie Verkehr zählen und die Daten veröffentlichen, und verabreden ein "
                "gemeinsames Format für Zählstellen."
            ),
            municipality="giessen",
            visibility=Visibility.PUBLIC,
            format=EventFormat.ON_SITE,
            location="Rathaus Gießen, Berliner Platz 1, Hermann-Levi-Saal",
            starts_at=dt.datetime.combine(PAST_EVENT_DAY, dt.time(10)),
            ends_at=dt.datetime.combine(PAST_EVENT_DAY, dt.time(15, 30)),
            agenda=[
                AgendaItemIn(time=dt.time(10), title="Begrüßung und Stand der Datenplattform", speaker="Stadt Gießen"),
                AgendaItemIn(
                    time=dt.time(10, 30),
                    title="Telraam in Offenbach: zwei Jahre Bürgerzählung",
                    speaker="Smart-City-Büro Offenbach",
                    project=telraam.slug,
                ),
                AgendaItemIn(time=dt.time(12), title="Mittagspause"),
                AgendaItemIn(
                    time=dt.time(13), title="Werkstatt: ein gemeinsames Zählstellenformat", speaker="alle Städte"
                ),
                AgendaItemIn(time=dt.time(15), title="Verabredungen und Ausblick"),
            ],
            materials=[
                MaterialIn(
                    title="Telraam: Beschreibung des Sensors", url="https://telraam.net", kind=MaterialKind.OTHER
                ),
                MaterialIn(title="DCAT-AP.de: Spezifikation", url="https://www.dcat-ap.de/", kind=MaterialKind.OTHER),
            ],
            participants=["offenbach", "giessen", "wetzlar", "fulda", "marburg"],
        ),
    )
    day = _event_day(now)
    upcoming = events.create_event(
        session,
        principal=actors["fulda"],
        data=EventIn(
            title="8. Digitalforum Smart-KIKZ: KI im Bürgerservice",
            description=(
                "Erfahrungen aus dem Wetzlarer Pilot, Anforderungen der KI-Verordnung und was die Städte "
                "gemeinsam beschaffen könnten."
            ),
            municipality="fulda",
            visibility=Visibility.FORUM,
            format=EventFormat.HYBRID,
            location="Stadtschloss Fulda, Schlossstraße 1, und online",
            starts_at=dt.datetime.combine(day, dt.time(10)),
            ends_at=dt.datetime.combine(day, dt.time(15)),
            agenda=[
                AgendaItemIn(time=dt.time(10), title="Begrüßung", speaker="Stadt Fulda"),
                AgendaItemIn(
                    time=dt.time(10, 15),
                    title="Der KI-Assistent im Wetzlarer Bürgerbüro",
                    speaker="Digitalisierung Wetzlar",
                    project=made["ki-assistent-fuer-den-buergerservice"].slug,
                ),
                AgendaItemIn(time=dt.time(11, 30), title="KI-Verordnung: Transparenzpflichten nach Art. 50"),
                AgendaItemIn(time=dt.time(13), title="Gemeinsame Beschaffung: Bedarf der Städte"),
            ],
            participants=["fulda", "wetzlar"],
        ),
    )
    summary.events += 2

    if all(a.user_id is not None for a in actors.values()):
        discussion: list[tuple[str, ForumProject | None, ForumEvent | None, str]] = [
            (
                "fulda",
                telraam,
                None,
                "Wie viele Geräte fallen bei euch im Jahr aus? Wir überlegen, Telraam an der "
                "Pacelliallee zusätzlich zur Eco-Counter-Stelle aufzuhängen.",
            ),
            (
                "offenbach",
                telraam,
                None,
                "Etwa jedes zehnte Gerät muss einmal im Jahr neu eingerichtet werden, meist "
                "nach einem Routerwechsel. Anleitung: https://telraam.net",
            ),
            (
                "wetzlar",
                None,
                upcoming,
                "Wir bringen die Auswertung der ersten sechs Pilotmonate mit, inklusive der "
                "Fragen, die der Assistent nicht beantworten konnte.",
            ),
        ]
        for minutes, (city, on_project, on_event, text) in enumerate(discussion):
            comment = comments.add_comment(
                session,
                principal=actors[city],
                data=CommentIn(body=text, municipality=city),
                project=on_project,
                event=on_event,
                now=now - dt.timedelta(days=3) + dt.timedelta(minutes=30 * minutes),
            )
            summary.comments += 1
            assert comment.id
    assert past.id and upcoming.id
    session.flush()
    return summary
