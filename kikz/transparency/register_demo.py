"""Demo entries of the AI register: the platform's own algorithms, described as a city would register them.

The kikz assistant comes first (register number KIKZ-0001, with its EU AI Act Art. 50 notice), then the
classification proposals of the governance scan, the categorisation model, the traffic forecast and the
outage detection of the counters; one more entry stays a draft, so editors see the publication step.
Entries are created and published through ``register_service`` (audited like any editor's work).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kikz.catalog.models import Dataset
from kikz.tenancy.models import Municipality
from kikz.tenancy.permissions import Principal
from kikz.transparency import register_service as register
from kikz.transparency.register_models import AlgorithmEntry
from kikz.transparency.register_schemas import EntryInput

ASSISTANT_SLUG = "kikz-ki-assistent"
SYSTEM = Principal(display_name="Demodaten", is_superuser=True)

ASSISTANT_NOTICE = (
    "Sie sprechen mit einem KI-System, nicht mit einem Menschen. Der Assistent sucht in den Daten, die Sie sehen "
    "dürfen, und nennt seine Quellen; seine Antworten können trotzdem falsch oder unvollständig sein. Er trifft "
    "keine Entscheidungen über Sie. Bitte geben Sie keine persönlichen Daten ein."
)


@dataclass(frozen=True)
class DemoEntry:
    city: str
    slug: str
    publish: bool
    fields: dict[str, Any] = field(default_factory=dict)
    network_dataset: bool = False  # link the city's counter network dataset


def _entries(base_url: str) -> list[DemoEntry]:
    base = base_url.rstrip("/")
    return [
        DemoEntry(
            city="offenbach",
            slug=ASSISTANT_SLUG,
            publish=True,
            fields={
                "name": "KI-Assistent der Datenplattform beantwortet Fragen zu Daten",
                "description_short": (
                    "Der KI-Assistent beantwortet Fragen zu den Datensätzen, Verkehrszählungen und Regeln der "
                    "Smart-KIKZ-Städte. Er sucht nur in Daten, die die fragende Person sehen darf, und nennt zu "
                    "jeder Antwort die Quellen."
                ),
                "themes": ["organisation", "verkehr"],
                "lifecycle": "in_use",
                "begin_date": "2025-10",
                "website": f"{base}/informationen/ki-assistent",
                "publication_category": "other",
                "interacts_with_people": True,
                "ai_notice": ASSISTANT_NOTICE,
                "goal": (
                    "Bürgerinnen und Bürger, Unternehmen und Mitarbeitende sollen die offenen Daten der Städte "
                    "schneller finden und verstehen. Statt Kataloge zu durchsuchen, stellen sie eine Frage in eigenen "
                    "Worten und erhalten die passenden Datensätze, Kennzahlen (etwa den DTV einer Zählstelle) und "
                    "Regeln mit Quellenangabe.\n\nDer Assistent entscheidet nichts über Menschen. Er ersetzt keine "
                    "Auskunft der Verwaltung und keine Rechtsberatung."
                ),
                "proportionality": (
                    "Vorteil: Die Daten werden auch für Menschen nutzbar, die sich mit Katalogen und Schnittstellen "
                    "nicht auskennen. Nachteil: Antworten können falsch sein. Deshalb antwortet der Assistent "
                    "standardmäßig extraktiv (er setzt gefundene Textstellen und Zahlen zusammen, statt Text zu "
                    "erzeugen) und zeigt immer die Quellen. Ein Sprachmodell wird nur angebunden, wenn eine Stadt es "
                    "ausdrücklich einschaltet; es formuliert dann nur aus den gefundenen Quellen.\n\nAlternative war "
                    "eine reine Stichwortsuche; sie bleibt verfügbar und ist oft die bessere Wahl für genaue Suchen."
                ),
                "human_intervention": (
                    "Der Assistent gibt nur Auskünfte; jede Entscheidung treffen Menschen. Die Data Stewards der "
                    "Städte sehen gemeldete Fehler (Rückmeldeformular), prüfen sie und korrigieren die Daten oder die "
                    "Regeln. Die Plattform-Administration kann den Assistenten jederzeit abschalten."
                ),
                "risks": (
                    "Falsche oder veraltete Antworten: Quellenangaben zu jeder Antwort, regelmäßige Prüfung mit einem "
                    "festen Fragenkatalog mit bekannten richtigen Antworten, Hinweis auf die Grenzen vor der Nutzung."
                    "\n\nPreisgabe geschützter Daten: Die Suche läuft durch dieselbe Berechtigungsprüfung wie die "
                    "ganze Plattform, bevor etwas gelesen wird; Bürgerinnen und Bürger erreichen nur veröffentlichte "
                    "Open Data.\n\nPersonenbezogene Eingaben: Die Oberfläche bittet, keine persönlichen Daten "
                    "einzugeben; Fragen zu einzelnen Personen lehnt der Assistent ab."
                ),
                "lawful_basis": (
                    "Bereitstellung offener Daten und Information der Öffentlichkeit als Aufgabe der Kommunen "
                    "(Hessisches Datenschutz- und Informationsfreiheitsgesetz, E-Government-Gesetz). "
                    "Transparenzpflicht nach Art. 50 der KI-Verordnung (EU) 2024/1689."
                ),
                "impact_assessment_notes": (
                    "Keine Datenschutz-Folgenabschätzung nötig: Der Assistent verarbeitet nur veröffentlichte Daten "
                    "ohne Personenbezug bzw. die Daten, die angemeldete Mitarbeitende ohnehin sehen dürfen."
                ),
                "source_data": (
                    "Die Metadaten und veröffentlichten Dateien des Katalogs, die Zählwerte der Verkehrszählstellen "
                    "und die dokumentierten Regeln der Plattform – jeweils nur, soweit die fragende Person sie sehen "
                    "darf. Es werden keine Daten zum Training eines Modells verwendet."
                ),
                "methods_and_models": (
                    "Abruf (Retrieval) über den Suchindex des Katalogs, gefiltert mit der Berechtigungsregel der "
                    "Plattform; Werkzeuge für Datensatzsuche, Zählstellenstatistik und Regelnachschlag; Antwort "
                    "standardmäßig extraktiv aus den gefundenen Passagen. Optional ein Sprachmodell über eine "
                    "OpenAI-kompatible Schnittstelle, das nur die gefundenen Quellen erhält. Nicht selbstlernend: "
                    "Fragen werden nicht zum Training verwendet."
                ),
                "provider": "Eigenentwicklung im Smart-KIKZ-Verbund (Open Source, EUPL-1.2)",
                "tags": "Assistent, Chat, Suche, Open Data, KI-Verordnung",
            },
        ),
        DemoEntry(
            city="offenbach",
            slug="offenbach-klassifizierungsvorschlaege",
            publish=True,
            fields={
                "name": "Governance-Scan schlägt Schutzklassen für neue Tabellen vor",
                "description_short": (
                    "Jede hochgeladene Tabelle wird auf Hinweise auf personenbezogene Daten geprüft, etwa Namen, "
                    "Anschriften oder Bankverbindungen. Daraus entsteht ein Vorschlag für die Schutzklasse. Ein Data "
                    "Steward entscheidet; veröffentlicht wird erst nach Freigabe durch eine zweite Person."
                ),
                "themes": ["organisation"],
                "lifecycle": "in_use",
                "begin_date": "2025-06",
                "website": f"{base}/informationen/daten",
                "publication_category": "impactful",
                "goal": (
                    "Personenbezogene Daten sollen nicht versehentlich veröffentlicht oder zu weit geteilt werden. "
                    "Der Scan hilft den Data Stewards, viele Tabellen schnell und einheitlich einzuschätzen.\n\n"
                    "Die Wirkung auf Bürgerinnen und Bürger ist mittelbar: Übersieht der Scan personenbezogene Daten, "
                    "könnte ein Datensatz zu weit geteilt werden; deshalb gilt er als Algorithmus mit erheblicher "
                    "Wirkung."
                ),
                "proportionality": (
                    "Ohne Scan müssten Menschen jede Spalte jeder Tabelle lesen; das gelingt bei vielen Dateien nicht "
                    "verlässlich. Der Scan ersetzt das Urteil nicht, sondern lenkt es: Er schlägt im Zweifel die "
                    "strengere Klasse vor, und ein fehlgeschlagener Scan schlägt „vertraulich“ vor."
                ),
                "human_intervention": (
                    "Der Scan entscheidet nichts. Ein Data Steward übernimmt, ändert oder verwirft den Vorschlag; "
                    "eine Veröffentlichung braucht zusätzlich die Freigabe des Data Owners und bei personenbezogenen "
                    "Daten der oder des Datenschutzbeauftragten (Vier-Augen-Prinzip). Ein Scan lockert nie eine "
                    "Entscheidung, die ein Mensch getroffen hat."
                ),
                "risks": (
                    "Übersehene personenbezogene Daten (falsch negativ): Nicht eingestufte Daten gelten als "
                    "vertraulich; Veröffentlichung nur mit festgehaltenem „kein Personenbezug“ und vier Augen; "
                    "Messung von Genauigkeit und Trefferquote auf einem Prüfdatensatz von 45 Tabellen (zuletzt 1,00 / "
                    "1,00 auf Spaltenebene). Zu strenge Vorschläge (falsch positiv) kosten nur Prüfzeit."
                ),
                "lawful_basis": (
                    "Art. 5 Abs. 1 lit. f und Art. 25 DSGVO (Integrität und Vertraulichkeit, Datenschutz durch "
                    "Technikgestaltung); Hessisches Datenschutz- und Informationsfreiheitsgesetz."
                ),
                "impact_assessment_notes": (
                    "Der Scan liest Tabellen, die personenbezogene Daten enthalten können, nur innerhalb der "
                    "Plattform und speichert zu Funktionsfunden nur Spalte, Art und Anzahl, keine Werte."
                ),
                "source_data": (
                    "Die Tabellen, die Mitarbeitende hochladen (CSV, Excel, JSON, Parquet), und ihre Spaltennamen. "
                    "Namenslisten für Vor- und Nachnamen. Es werden keine Daten an Dritte übermittelt."
                ),
                "methods_and_models": (
                    "Regelbasiert, nicht selbstlernend: Detektoren je Spalte (Muster und Prüfziffern für IBAN, "
                    "Steuer-ID, Sozialversicherungs-, Kranken- und Ausweisnummern, E-Mail, Telefon, Kfz-Kennzeichen, "
                    "IP-Adressen; Namenslisten; Anschriften mit Hausnummer; Geburtsdaten; Art.-9-Begriffe), dann "
                    "Regeln auf Tabellenebene (Personenbezug nur, wenn die Werte einen Spaltennamen bestätigen; "
                    "Zählstatistiken und Einrichtungsregister sind keine Personendaten). Ergebnis: Art. 9 → streng "
                    "vertraulich, sonstiger Personenbezug → vertraulich, nur Quasi-Identifikatoren → intern, "
                    "nichts → öffentlich (als Kandidat)."
                ),
                "provider": "Eigenentwicklung im Smart-KIKZ-Verbund (Open Source, EUPL-1.2)",
                "tags": "Datenschutz, Klassifizierung, personenbezogene Daten, DSGVO",
            },
        ),
        DemoEntry(
            city="giessen",
            slug="giessen-kategorisierung-musterdatenkatalog",
            publish=True,
            fields={
                "name": "Kategorisierung ordnet Datensätze Themen und dem Musterdatenkatalog zu",
                "description_short": (
                    "Ein lernendes Modell schlägt für jeden Datensatz Themen vor: die EU-Datenthemen, das Thema und "
                    "den Musterdatensatz des kommunalen Musterdatenkatalogs. So werden die Daten der Städte "
                    "vergleichbar und leichter zu finden. Ein Data Steward bestätigt die Vorschläge."
                ),
                "themes": ["organisation"],
                "lifecycle": "in_use",
                "begin_date": "2025-07",
                "publication_category": "other",
                "goal": (
                    "Datensätze sollen in allen Städten gleich eingeordnet sein, damit man sie findet und vergleichen "
                    "kann. Das Modell spart den Data Stewards das Nachschlagen in einer Liste von über 240 "
                    "Datensatztypen. Bürgerinnen und Bürger merken es nur an besseren Suchergebnissen."
                ),
                "proportionality": (
                    "Eine Zuordnung von Hand ist möglich, aber langsam und uneinheitlich. Ein falscher Vorschlag "
                    "schadet wenig: Er wird vor der Übernahme geprüft und kann jederzeit geändert werden."
                ),
                "human_intervention": (
                    "Vorschläge werden nur mit Zustimmung eines Data Stewards übernommen; jede Entscheidung wird mit "
                    "Person und Zeit gespeichert. Eine automatische Übernahme gibt es nur, wenn jemand sie "
                    "ausdrücklich mit einer Mindestsicherheit aufruft."
                ),
                "risks": (
                    "Falsche Zuordnung: Die Genauigkeit wird auf zurückgehaltenen, echten kommunalen Datensätzen "
                    "gemessen (zuletzt Musterdatensatz top-1 0,79, top-3 0,91; Thema top-1 0,87). Vorschläge unter "
                    "der Schwelle werden nicht angezeigt."
                ),
                "lawful_basis": "Bereitstellung offener Daten als kommunale Aufgabe; keine personenbezogenen Daten.",
                "impact_assessment_notes": (
                    "Nicht nötig: Es werden nur Titel und Beschreibungen von Datensätzen verarbeitet."
                ),
                "source_data": (
                    "Titel, Beschreibung und Schlagworte der Datensätze. Trainiert auf der Taxonomie des "
                    "Musterdatenkatalogs (Bertelsmann Stiftung / KGSt) und 2 298 dort zugeordneten echten "
                    "Datensätzen."
                ),
                "methods_and_models": (
                    "TF-IDF über deutsche Wortstämme und Zeichen-N-Gramme; eine lineare Support-Vector-Machine für "
                    "den Musterdatensatz (Wahrscheinlichkeiten über eine auf Validierungsdaten angepasste Softmax), "
                    "eine logistische Regression je EU-Thema. Einmal trainiert und zwischengespeichert, lernt im "
                    "Betrieb nicht weiter."
                ),
                "provider": "Eigenentwicklung im Smart-KIKZ-Verbund (Open Source, EUPL-1.2)",
                "tags": "Kategorisierung, Musterdatenkatalog, Themen, maschinelles Lernen",
            },
        ),
        DemoEntry(
            city="wetzlar",
            slug="wetzlar-verkehrsprognose",
            publish=True,
            network_dataset=True,
            fields={
                "name": "Kurzfristige Verkehrsprognose für die Zählstellen",
                "description_short": (
                    "Für jede Zählstelle wird der Verkehr der nächsten Stunden bis 14 Tage vorhergesagt, mit einem "
                    "Bereich, in dem der Wert wahrscheinlich liegt. Die Verkehrsplanung nutzt das zur Vorbereitung "
                    "von Baustellen und Umleitungen."
                ),
                "themes": ["verkehr"],
                "lifecycle": "in_use",
                "begin_date": "2025-11",
                "publication_category": "other",
                "goal": (
                    "Die Verkehrsplanung will wissen, wie viel Verkehr in den nächsten Tagen zu erwarten ist, etwa "
                    "um eine Baustelle in eine ruhige Zeit zu legen oder eine Umleitung zu planen. Die Prognose "
                    "betrifft Fahrzeugmengen, nicht Personen."
                ),
                "proportionality": (
                    "Bisher wurde mit Erfahrungswerten geplant. Die Prognose ist nur sinnvoll, wenn sie besser ist "
                    "als die einfache Annahme „wie vor einer Woche“; deshalb wird sie laufend daran gemessen."
                ),
                "human_intervention": (
                    "Die Prognose ist eine Planungshilfe. Entscheidungen über Baustellen und Umleitungen treffen die "
                    "Fachleute der Verkehrsplanung mit weiteren Informationen (Veranstaltungen, Ferien, Wetter)."
                ),
                "risks": (
                    "Ungewöhnliche Ereignisse (Unfälle, Großveranstaltungen, neue Baustellen) kennt das Modell nicht. "
                    "Jede Prognose zeigt ihren Unsicherheitsbereich und einen Rückblicktest (MAE, MAPE, WAPE) gegen "
                    "die Vorwoche; Ausfälle der Zählstelle werden als Lücken behandelt, nicht als Nullwerte."
                ),
                "lawful_basis": "Straßenverkehrsplanung als kommunale Aufgabe (Hessisches Straßengesetz).",
                "impact_assessment_notes": "Nicht nötig: Zählwerte sind Summen ohne Personenbezug.",
                "source_data": (
                    "Die 15-Minuten-Zählwerte der Verkehrszählstellen der Stadt, der Kalender der hessischen "
                    "Feiertage und Schulferien."
                ),
                "methods_and_models": (
                    "Tagessummen: Regression auf den Logarithmus mit Wochentags- und Ferienvariablen und AR(1)-Fehlern "
                    "(ARIMA mit exogenen Variablen, statsmodels), angepasst auf die letzten Wochen; Intervalle aus "
                    "dem Modell. Stunden: Aufteilung nach dem Median-Tagesgang gleichartiger Tage, Intervalle per "
                    "Monte-Carlo mit festem Startwert. Wird bei jeder Abfrage neu angepasst; kein dauerhaftes Lernen."
                ),
                "provider": "Eigenentwicklung im Smart-KIKZ-Verbund (Open Source, EUPL-1.2)",
                "tags": "Verkehr, Prognose, Zählstellen, Planung",
            },
        ),
        DemoEntry(
            city="fulda",
            slug="fulda-ausfallerkennung-zaehlstellen",
            publish=True,
            network_dataset=True,
            fields={
                "name": "Ausfälle und Lücken an Zählstellen erkennen und schätzen",
                "description_short": (
                    "Ein Prüfprogramm findet in den Zählreihen Ausfälle, hängende Sensoren und ungewöhnliche Werte. "
                    "Kurze Lücken werden mit einem Schätzwert und Unsicherheitsbereich gefüllt und als geschätzt "
                    "gekennzeichnet."
                ),
                "themes": ["verkehr"],
                "lifecycle": "in_use",
                "begin_date": "2025-08",
                "publication_category": "other",
                "goal": (
                    "Defekte Zählgeräte sollen schnell auffallen, und Kennzahlen wie der DTV sollen nicht durch "
                    "Ausfälle verfälscht werden."
                ),
                "proportionality": (
                    "Ohne automatische Prüfung fallen Ausfälle oft erst Wochen später auf. Geschätzte Werte werden "
                    "nie als gemessen ausgegeben."
                ),
                "human_intervention": (
                    "Gemeldete Auffälligkeiten prüft die Verkehrsplanung; sie entscheidet, ob ein Gerät repariert, "
                    "ein Zeitraum ausgeschlossen oder eine Schätzung verwendet wird."
                ),
                "risks": (
                    "Echte Ereignisse (Ferien, Baustellen) können als Auffälligkeit gemeldet werden; die Schwellen "
                    "sind so gewählt, dass die übliche Ferienabsenkung darunter bleibt. Lange Lücken (über 14 Tage) "
                    "werden nicht gefüllt."
                ),
                "lawful_basis": "Straßenverkehrsplanung als kommunale Aufgabe (Hessisches Straßengesetz).",
                "impact_assessment_notes": "Nicht nötig: Zählwerte sind Summen ohne Personenbezug.",
                "source_data": "Die 15-Minuten-Zählwerte und die Geräteverfügbarkeit der Zählstellen der Stadt.",
                "methods_and_models": (
                    "Regelbasiert: Lücken, konstante Werte und Nullfolgen gegen ein Tagestyp-Uhrzeit-Profil "
                    "(Median), robuste z-Werte (Median und MAD) über 2-Stunden-Summen; Lückenfüllung aus dem Profil, "
                    "skaliert auf das Niveau um die Lücke, mit empirischen Unsicherheitsbereichen. Nicht selbstlernend."
                ),
                "provider": "Eigenentwicklung im Smart-KIKZ-Verbund (Open Source, EUPL-1.2)",
                "tags": "Verkehr, Datenqualität, Ausfall, Zählstellen",
            },
        ),
        DemoEntry(
            city="giessen",
            slug="giessen-vorher-nachher-auswertung",
            publish=False,
            fields={
                "name": "Vorher-nachher-Auswertung von Verkehrsmaßnahmen",
                "description_short": (
                    "Misst, wie sich eine Maßnahme (etwa ein neuer Radfahrstreifen) auf die Zählwerte auswirkt, "
                    "bereinigt um Saison und Wetter mit einer Vergleichszählstelle."
                ),
                "themes": ["verkehr"],
                "lifecycle": "in_development",
                "publication_category": "other",
                "goal": "Wirkung von Verkehrsmaßnahmen nachvollziehbar belegen.",
                "source_data": "Zählwerte der Stadt und einer Vergleichszählstelle.",
                "provider": "Eigenentwicklung im Smart-KIKZ-Verbund (Open Source, EUPL-1.2)",
            },
        ),
    ]


def load_register_demo(session: Session, *, base_url: str, actors: dict[str, Principal] | None = None) -> int:
    """Create the demo register entries (once); ``actors`` are the cities' stewards. Returns how many were made."""
    if session.scalar(select(AlgorithmEntry.id).limit(1)) is not None:
        return 0
    made = 0
    for spec in _entries(base_url):
        city = session.scalar(select(Municipality).where(Municipality.slug == spec.city))
        if city is None:
            continue
        actor = (actors or {}).get(spec.city, SYSTEM)
        data: dict[str, Any] = {"municipality": spec.city, "organisation": city.official_name or city.name}
        data["contact"] = city.email or f"opendata@{spec.city}.de"
        data.update(spec.fields)
        if spec.network_dataset:
            name = f"{spec.city}-verkehrszaehlstellen-sensornetz"
            if session.scalar(select(Dataset.id).where(Dataset.name == name)) is not None:
                data["dataset"] = name
        entry = register.create_entry(session, principal=actor, data=EntryInput(**data), slug=spec.slug)
        if spec.publish:
            register.publish_entry(session, principal=actor, entry=entry)
        made += 1
    return made
