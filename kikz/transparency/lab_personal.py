"""Lesson "Sind das personenbezogene Daten?": invented table snippets judged live by the platform's classifier.

Each example is a small table (made up, harmless: the e-mail addresses end in example.org, the plates are not
looked up anywhere). The learner answers first; then the same pipeline that checks every uploaded file
(profile → detectors → table context → proposal, :mod:`kikz.governance.scan`) classifies the table, and the
page shows its answer, the protection class it proposes and its reasons per column.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from kikz.errors import NotFound
from kikz.governance.classification import ClassificationProposal
from kikz.governance.detectors import Category, Finding
from kikz.governance.profiling import profile_batches, text_batches
from kikz.governance.scan import analyse_profile


@dataclass(frozen=True)
class Example:
    key: str
    title_de: str
    title_en: str
    story_de: str
    story_en: str
    lesson_de: str
    """What the example teaches, shown with the answer."""
    lesson_en: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]

    def title(self, lang: str) -> str:
        return self.title_en if lang == "en" else self.title_de

    def story(self, lang: str) -> str:
        return self.story_en if lang == "en" else self.story_de

    def lesson(self, lang: str) -> str:
        return self.lesson_en if lang == "en" else self.lesson_de


EXAMPLES: tuple[Example, ...] = (
    Example(
        "radzaehlung",
        "Radzählung an zwei Zählstellen",
        "Bicycle counts at two counters",
        "Zählgeräte am Straßenrand zählen, wie viele Räder pro Stunde vorbeifahren.",
        "Counters at the roadside count how many bikes pass per hour.",
        "Zählwerte sagen, wie viele Räder vorbeifuhren, aber nicht, wer fuhr. Straßennamen sind Orte, keine "
        "Personen. Solche Daten dürfen offen sein.",
        "Counts say how many bikes passed, not who rode them. Street names are places, not people. Such data "
        "can be open.",
        ("Datum", "Uhrzeit", "Zählstelle", "Anzahl Räder"),
        (
            ("2025-06-03", "07:00", "Kaiserstraße", "212"),
            ("2025-06-03", "08:00", "Kaiserstraße", "187"),
            ("2025-06-03", "07:00", "Mainuferweg", "95"),
            ("2025-06-03", "08:00", "Mainuferweg", "120"),
            ("2025-06-04", "07:00", "Kaiserstraße", "230"),
            ("2025-06-04", "08:00", "Kaiserstraße", "176"),
        ),
    ),
    Example(
        "ferienkurs",
        "Anmeldeliste für einen Ferienkurs",
        "Sign-up list for a holiday course",
        "Eine Liste, wer sich für welchen Kurs in den Ferien angemeldet hat.",
        "A list of who signed up for which holiday course.",
        "Namen, E-Mail-Adressen und Geburtsdaten gehören zu einzelnen Menschen: Das sind personenbezogene Daten. "
        "Die Stadt darf so eine Liste nie veröffentlichen.",
        "Names, e-mail addresses and birth dates belong to individual people: this is personal data. The city "
        "must never publish such a list.",
        ("Vorname", "Nachname", "E-Mail", "Geburtsdatum", "Kurs"),
        (
            ("Lena", "Hoffmann", "lena.hoffmann@example.org", "14.03.2011", "Roboter bauen"),
            ("Jonas", "Becker", "jonas.becker@example.org", "02.09.2010", "Roboter bauen"),
            ("Mia", "Schulz", "mia.schulz@example.org", "27.11.2012", "Stadtrallye"),
            ("Paul", "Wagner", "p.wagner@example.org", "08.01.2011", "Stadtrallye"),
            ("Emma", "Krüger", "emma.krueger@example.org", "19.06.2010", "Trickfilm"),
        ),
    ),
    Example(
        "spielplaetze",
        "Spielplätze der Stadt",
        "The city's playgrounds",
        "Wo gibt es Spielplätze, und wie viele Spielgeräte haben sie?",
        "Where are playgrounds, and how many play items do they have?",
        "Hier stehen Adressen mit Hausnummer, aber es sind Adressen von Spielplätzen, nicht von Menschen. "
        "Darum kein Personenbezug. Ob eine Adresse personenbezogen ist, hängt davon ab, wen sie beschreibt.",
        "There are addresses with house numbers, but they are addresses of playgrounds, not of people. So no "
        "personal data. Whether an address is personal depends on whom it describes.",
        ("Name", "Straße", "PLZ", "Anzahl Spielgeräte", "Baujahr"),
        (
            ("Spielplatz am Schlossgraben", "Schlossgraben 4", "63065", "7", "2015"),
            ("Wasserspielplatz Mainufer", "Mainstraße 20", "63065", "5", "2019"),
            ("Abenteuerspielplatz Lauterborn", "Lauterbornstraße 12", "63069", "11", "2008"),
            ("Spielplatz Buchhügel", "Buchhügelallee 1", "63071", "6", "2012"),
        ),
    ),
    Example(
        "parkverstoesse",
        "Strafzettel für Falschparker",
        "Parking tickets",
        "Das Ordnungsamt notiert, welches Auto wo falsch geparkt hat.",
        "The public order office notes which car was parked wrongly where.",
        "Ein Kfz-Kennzeichen gehört zu einem Auto, und über das Register zu dessen Halterin oder Halter. Darum "
        "gilt es als personenbezogen, auch ohne Namen in der Tabelle.",
        "A number plate belongs to a car and, through the vehicle register, to its keeper. So it counts as "
        "personal data, even without a name in the table.",
        ("Kennzeichen", "Straße", "Uhrzeit", "Verstoß"),
        (
            ("OF-AB 123", "Frankfurter Straße", "08:12", "Parken im Halteverbot"),
            ("F-XY 4521", "Kaiserstraße", "09:40", "Parken auf dem Radweg"),
            ("OF-K 77", "Herrnstraße", "10:05", "Parkscheibe fehlt"),
            ("MKK-LS 908", "Geleitsstraße", "11:31", "Parken im Halteverbot"),
            ("OF-ZZ 3002", "Bieberer Straße", "12:15", "Parken auf dem Gehweg"),
        ),
    ),
    Example(
        "einwohner",
        "Junge Menschen je Stadtteil",
        "Young people per district",
        "Wie viele 10- bis 17-Jährige wohnen in welchem Stadtteil?",
        "How many 10 to 17 year-olds live in which district?",
        "Es werden Menschen gezählt, aber zusammengefasst: Keine Zeile beschreibt eine einzelne Person. "
        "Vorsicht wäre nur bei sehr kleinen Zahlen nötig (z. B. 1 oder 2), weil man dann erraten könnte, wer "
        "gemeint ist.",
        "People are counted, but in groups: no row describes a single person. Only very small numbers (such as "
        "1 or 2) would need care, because then one could guess who is meant.",
        ("Stadtteil", "Altersgruppe", "Anzahl Einwohnerinnen und Einwohner"),
        (
            ("Innenstadt", "10 bis 14", "1204"),
            ("Innenstadt", "15 bis 17", "811"),
            ("Bieber", "10 bis 14", "958"),
            ("Bieber", "15 bis 17", "602"),
            ("Rumpenheim", "10 bis 14", "311"),
            ("Rumpenheim", "15 bis 17", "207"),
        ),
    ),
    Example(
        "buergertelefon",
        "Notizen vom Bürgertelefon",
        "Notes from the citizens' hotline",
        "Was Anruferinnen und Anrufer am Bürgertelefon wollten, in freien Notizen.",
        "What callers to the citizens' hotline wanted, as free-text notes.",
        "Die Spalte heißt nur „Bemerkung“, aber im Text stehen Namen und eine Telefonnummer. Freitext versteckt "
        "oft personenbezogene Daten, deshalb liest der Prüfer auch den Text selbst.",
        "The column is only called 'Bemerkung' (remark), but the text holds names and a phone number. Free text "
        "often hides personal data, so the checker reads the text itself.",
        ("Datum", "Bemerkung"),
        (
            ("2025-05-06", "Herr Peter Müller fragt nach seinem Antrag auf Wohngeld, Telefon 069 12345678"),
            ("2025-05-06", "Frau Sabine Yilmaz meldet einen kaputten Laternenmast in der Hauptstraße"),
            ("2025-05-07", "Anruf von Thomas Weber wegen Sperrmüll-Termin"),
            ("2025-05-08", "Frage zur Öffnungszeit des Schwimmbads"),
        ),
    ),
)
BY_KEY = {e.key: e for e in EXAMPLES}


def example(key: str) -> Example:
    found = BY_KEY.get(key)
    if found is None:
        raise NotFound("Dieses Beispiel gibt es nicht. / No such example.")
    return found


@dataclass(frozen=True)
class ColumnVerdict:
    column: str
    personal: bool
    reasons: list[Finding]


@dataclass(frozen=True)
class Classified:
    example: Example
    proposal: ClassificationProposal
    columns: list[ColumnVerdict]

    @property
    def personal(self) -> bool:
        return bool(self.proposal.contains_personal_data)


COUNTED = 0.5
"""Findings from this confidence on count (the classifier's own threshold); weaker ones are shown as hints."""


def classify(item: Example) -> Classified:
    """Run the platform's scan pipeline on the example table, exactly as on an uploaded file."""
    profile = profile_batches(
        text_batches(item.rows, len(item.columns)),
        names=list(item.columns),
        types=["" for _ in item.columns],  # inferred from the values, as for a CSV file
        source=f"lab:{item.key}",
        fmt="CSV",
    )
    findings, proposal = analyse_profile(profile)
    return Classified(item, proposal, _per_column(item.columns, findings))


def _per_column(columns: Sequence[str], findings: Sequence[Finding]) -> list[ColumnVerdict]:
    out = []
    for name in columns:
        reasons = [f for f in findings if f.column == name]
        personal = any(f.category in (Category.PERSONAL, Category.ART9) and f.confidence >= COUNTED for f in reasons)
        out.append(ColumnVerdict(name, personal, reasons))
    return out
