"""Header rules: what a column's name says about its content (German and English, with variants).

Each rule is data: a slug shared with the value detector it supports, a category, a regular
expression on the normalised name and a strength. ``needs_values`` rules ("Name", "Adresse") are
only hints: the values must confirm them, because "Name" heads street and stop names too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kikz.governance.detectors import Category, Finding

_FOLD = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})


def normalise(name: str) -> str:
    """ "Geb.-Datum" → "geb_datum", "Straße/Hausnr." → "strasse_hausnr"."""
    return re.sub(r"[^a-z0-9]+", "_", name.casefold().translate(_FOLD)).strip("_")


@dataclass(frozen=True)
class NameRule:
    slug: str
    title: str
    category: Category
    pattern: re.Pattern[str]
    strength: float
    needs_values: bool = False
    unless: re.Pattern[str] | None = None

    def applies(self, normalised: str) -> bool:
        if not self.pattern.search(normalised):
            return False
        return self.unless is None or not self.unless.search(normalised)


def _rx(text: str) -> re.Pattern[str]:
    return re.compile(text)


NOT_A_PERSON_NAME = _rx(
    r"strasse|str_|haltestelle|station|(zaehl|mess|halte|dienst|fund|bau|lade|tank)stelle|baum|gattung|sorte|ort(s|e)?(_|$)|ortsteil|gemeinde|stadtteil"
    r"|bezirk|produkt|firma|betrieb|einrichtung|schule|kita|objekt|gebaeude|datei|spalte|linie|park|platz"
    r"|gewaesser|projekt|verein|fraktion|ausschuss|art(_|$)|anlage|standort|bahnhof|kategorie|quartier"
    r"|gebiet|(^|_)land(_|$)|bundesland|kreis|dienst|(^|_)amt(_|$)|traeger|veranstaltung|massnahme|strecke|route|zone|typ|gremium|partei"
)
RULES: tuple[NameRule, ...] = (
    NameRule(
        "personenname",
        "Personenname",
        Category.PERSONAL,
        _rx(
            r"(^|_)(vor|nach|familien|geburts|ruf|zu|mädchen|maedchen)?name(n)?(_|$)|vorname|nachname"
            r"|familienname|firstname|lastname|surname|fullname|full_name"
        ),
        0.55,
        needs_values=True,
        unless=NOT_A_PERSON_NAME,
    ),
    NameRule(
        "personenname",
        "Personenname",
        Category.PERSONAL,
        _rx(r"vorname|nachname|familienname|geburtsname|first_?name|last_?name|surname"),
        0.9,
        unless=NOT_A_PERSON_NAME,
    ),
    NameRule(
        "personenname",
        "Person (Rolle)",
        Category.PERSONAL,
        _rx(
            r"antragsteller|buerger(in)?(_|$)|patient|klient|mieter|bewerber|schueler|kontaktperson"
            r"|ansprechpartner|melder|inhaber|halter|empfaenger|verstorben|betroffene|beschuldigt"
            r"|zeuge|erziehungsberechtigt|sorgeberechtigt|mitarbeiter(in)?_?name|bearbeiter"
        ),
        0.6,
        needs_values=True,
        unless=_rx(r"anzahl|zahl|summe|quote|anteil|^n_|_n$|typ|art$"),
    ),
    NameRule(
        "geburtsdatum",
        "Geburtsdatum",
        Category.PERSONAL,
        _rx(r"geburtsdatum|geb_?dat|geboren|geburtstag|birth|(^|_)dob(_|$)|(^|_)geb(_|$)"),
        0.9,
    ),
    NameRule(
        "postanschrift",
        "Wohnanschrift",
        Category.PERSONAL,
        _rx(
            r"wohnanschrift|wohnadresse|meldeanschrift|meldeadresse|privatanschrift|privatadresse"
            r"|heimatanschrift|wohnort|wohnsitz|home_?address"
        ),
        0.85,
    ),
    NameRule(
        "postanschrift",
        "Anschrift",
        Category.PERSONAL,
        _rx(r"anschrift|adresse|strasse_?(und|u)?_?(haus)?n(umme)?r|hausnummer|hausnr|address"),
        0.4,
        needs_values=True,
        unless=_rx(r"mail|ip_|web|url|internet"),
    ),
    NameRule(
        "email",
        "E-Mail-Adresse",
        Category.PERSONAL,
        _rx(r"e_?mail|mail_?adresse|(^|_)mail(_|$)"),
        0.5,
        needs_values=True,
    ),
    NameRule(
        "telefonnummer",
        "Telefonnummer",
        Category.PERSONAL,
        _rx(r"telefon|(^|_)tel(_|$)|tel_?nr|mobil(nummer|_|$)|handy|rufnummer|phone|(^|_)fax"),
        0.5,
        needs_values=True,
    ),
    NameRule("iban", "Bankverbindung", Category.PERSONAL, _rx(r"iban|bankverbindung|kontonummer|konto_?nr"), 0.8),
    NameRule(
        "steuer_id",
        "Steuer-Identifikationsnummer",
        Category.PERSONAL,
        _rx(r"steuer_?id|(^|_)idnr|steuerliche_?identifikation|identifikationsnummer|(^|_)tin(_|$)"),
        0.9,
    ),
    NameRule(
        "sv_nummer",
        "Sozialversicherungsnummer",
        Category.PERSONAL,
        _rx(r"sv_?n(umme)?r|sozialversicherungs|rv_?n(umme)?r|rentenversicherungs"),
        0.9,
    ),
    NameRule(
        "kvnr",
        "Krankenversichertennummer",
        Category.PERSONAL,
        _rx(r"kvnr|kv_?nummer|versichertennummer|versicherten_?nr|krankenversichertennummer"),
        0.9,
    ),
    NameRule(
        "ausweisnummer",
        "Ausweis- oder Passnummer",
        Category.PERSONAL,
        _rx(r"ausweis|reisepass|pass_?n(umme)?r|passnummer|dokumentennummer"),
        0.9,
    ),
    NameRule(
        "kfz_kennzeichen",
        "Kfz-Kennzeichen",
        Category.PERSONAL,
        _rx(r"kennzeichen|nummernschild|license_?plate"),
        0.6,
        needs_values=True,
        unless=_rx(r"flurstueck|gemarkung|objekt|grundstueck|merkmal"),
    ),
    NameRule(
        "ip_adresse",
        "IP-Adresse",
        Category.PERSONAL,
        _rx(r"(^|_)ip(_|$)|ip_?adresse|ipv4|ipv6|client_ip"),
        0.7,
    ),
    NameRule(
        "gesundheitsdaten",
        "Gesundheitsdaten",
        Category.ART9,
        _rx(
            r"diagnose|krankheit|erkrankung|behinderung|schwerbehindert|(^|_)gdb(_|$)|pflegegrad"
            r"|pflegestufe|gesundheit|medikament|medikation|therapie|befund|(^|_)icd|impfstatus"
            r"|schwanger|allergie|merkzeichen"
        ),
        0.8,
    ),
    NameRule(
        "religion",
        "Religionszugehörigkeit",
        Category.ART9,
        _rx(r"religion|konfession|glaubens|bekenntnis"),
        0.85,
    ),
    NameRule(
        "herkunft",
        "Ethnische Herkunft",
        Category.ART9,
        _rx(r"ethni|migrationshintergrund|hautfarbe|volkszugehoerigkeit|abstammung"),
        0.85,
    ),
    NameRule(
        "politische_meinung",
        "Politische Meinung",
        Category.ART9,
        _rx(r"parteimitglied|parteizugehoerigkeit|politische|wahlverhalten|gewaehlt_?hat"),
        0.85,
    ),
    NameRule("gewerkschaft", "Gewerkschaftszugehörigkeit", Category.ART9, _rx(r"gewerkschaft"), 0.85),
    NameRule(
        "sexuelle_orientierung",
        "Sexuelle Orientierung",
        Category.ART9,
        _rx(r"sexuell|orientierung_sex|sex_orient"),
        0.9,
    ),
    NameRule(
        "biometrie",
        "Biometrische oder genetische Daten",
        Category.ART9,
        _rx(r"biometri|genetisch|fingerabdruck|(^|_)dna(_|$)|gesichtsbild|iris_?scan"),
        0.9,
    ),
    NameRule(
        "quasi_identifikator",
        "Quasi-Identifikator",
        Category.QUASI_IDENTIFIER,
        _rx(
            r"geschlecht|(^|_)alter(_|$)|geburtsjahr|(^|_)plz(_|$)|postleitzahl|staatsangehoerigkeit"
            r"|nationalitaet|familienstand|beruf(_|$)|herkunftsland"
        ),
        0.5,
        # "Alter 0 bis 5", "Männer unter 18", "Anzahl nach Geschlecht": a band or a count is a statistic
        unless=_rx(
            r"(^|_)\d+_(bis|unter|und)_|(^|_)(unter|ueber|ab|bis)_\d+|und_aelter|und_mehr|_plus(_|$)"
            r"|anzahl|summe|insgesamt|anteil|quote|prozent"
        ),
    ),
    NameRule(
        "free_text",
        "Freitext",
        Category.PERSONAL,
        _rx(
            r"bemerkung|kommentar|freitext|anmerkung|notiz|hinweis|anliegen|nachricht|sachverhalt"
            r"|begruendung|beschwerde|meldungstext|(^|_)text(_|$)"
        ),
        0.0,
    ),
)


def match(name: str) -> list[Finding]:
    """Header findings for one column; at most one per slug (the strongest rule wins)."""
    normalised = normalise(name)
    best: dict[str, NameRule] = {}
    for rule in RULES:
        if rule.applies(normalised) and (rule.slug not in best or rule.strength > best[rule.slug].strength):
            best[rule.slug] = rule
    return [
        Finding(
            detector=rule.slug,
            title=rule.title,
            column=name,
            category=rule.category,
            evidence_count=0,
            sample_size=0,
            confidence=rule.strength,
            message=f"Der Spaltenname '{name}' deutet auf {rule.title} hin.",
            source="name-hint" if rule.needs_values else "name",
        )
        for rule in best.values()
    ]


def mentions(name: str, words: tuple[str, ...]) -> bool:
    """Whether the header contains one of the words (short words only as a whole word: "tel", "ip")."""
    normalised = normalise(name)
    return any(
        (w in normalised) if len(w) > 3 else re.search(rf"(^|_){re.escape(w)}(_|$)", normalised) is not None
        for w in words
    )
