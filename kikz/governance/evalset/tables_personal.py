"""Tables with personal data and Art. 9 categories, as municipal offices keep them."""

from __future__ import annotations

from typing import Any

from kikz.governance.evalset.generators import CITIES, DISTRICTS, POSTCODES, STREETS, Gen

DIAGNOSES = (
    "Demenz",
    "Diabetes mellitus Typ 2",
    "Z. n. Schlaganfall",
    "Depression",
    "Parkinson",
    "Multiple Sklerose",
    "Herzinsuffizienz, Erkrankung",
    "COPD",
    "F32.1",
    "G30.1",
    "I63.9",
    "E11.9",
)
NATIONALITIES = (
    "deutsch",
    "türkisch",
    "polnisch",
    "italienisch",
    "griechisch",
    "kroatisch",
    "syrisch",
    "ukrainisch",
)
RELIGION_CODES = ("ev", "rk", "--", "ak", "is", "ev", "rk", "--")


def _rows(n: int, make: Any) -> list[list[str]]:
    return [[str(v) for v in make(i)] for i in range(n)]


def PERSONAL_TABLES() -> list[dict[str, Any]]:
    g = Gen(202)
    specs: list[dict[str, Any]] = []

    def add(
        name: str,
        description: str,
        columns: list[str],
        rows: list[list[str]],
        personal: dict[str, str],
        art9: dict[str, str] | None = None,
    ) -> None:
        """personal/art9: {column: the detector expected to find it}."""
        specs.append(
            {
                "name": name,
                "description": description,
                "columns": columns,
                "rows": rows,
                "personal": frozenset(personal),
                "art9": frozenset(art9 or {}),
                "kinds": {**personal, **(art9 or {})},
            }
        )

    def antrag(i: int) -> list[object]:
        first, last = g.first(), g.last()
        return [
            first,
            last,
            g.birth_date(),
            g.street_address(),
            g.pick(POSTCODES),
            g.pick(CITIES),
            g.phone(),
            g.email(first, last),
            g.pick(["Erstantrag", "Verlängerung"]),
            g.date(),
        ]

    def staff_entry(i: int) -> list[object]:
        first, last = g.first(), g.last()
        address = f"{first}.{last}".casefold()
        fold = str.maketrans(
            {
                "ü": "ue",
                "ö": "oe",
                "ä": "ae",
                "ß": "ss",
                "ı": "i",
                "ş": "s",
                "ç": "c",
                "ś": "s",
                "ć": "c",
                "č": "c",
            }
        )
        return [
            f"{last}, {first}",
            g.pick(["Ordnungsamt", "Bauaufsicht", "Kämmerei", "Jugendamt"]),
            f"069 8065-{g.r.randint(1000, 4999)}",
            f"{address.translate(fold)}@offenbach.de",
        ]

    add(
        "stadtverordnete",
        "Mitglieder der Stadtverordnetenversammlung (öffentliche Funktion)",
        ["Name", "Fraktion", "Funktion", "Ausschüsse"],
        _rows(
            71,
            lambda i: [
                f"{g.pick(['', '', 'Dr. '])}{g.full_name()}",
                g.pick(["SPD", "CDU", "GRÜNE", "FDP", "LINKE"]),
                g.pick(["Stadtverordnete/r", "Fraktionsvorsitz", "Stadtverordnetenvorsteher/in"]),
                g.pick(["Haupt- und Finanzausschuss", "Bauausschuss", "Sozialausschuss"]),
            ],
        ),
        {"Name": "personenname"},
    )
    add(
        "parkverstoesse",
        "Verwarnungen im ruhenden Verkehr",
        ["Tatzeit", "Tatort", "Kennzeichen", "Tatbestand", "Betrag EUR"],
        _rows(
            150,
            lambda i: [
                f"{g.date()} {i % 24:02d}:{i % 60:02d}",
                g.pick(STREETS),
                g.plate(),
                g.pick(["Parken im Halteverbot", "Parken auf Gehweg", "Parkzeit überschritten"]),
                g.pick(["20", "25", "55"]),
            ],
        ),
        {"Kennzeichen": "kfz_kennzeichen"},
    )
    add(
        "buergerantraege",
        "Anträge auf Anwohnerparkausweis",
        [
            "Vorname",
            "Nachname",
            "Geburtsdatum",
            "Straße und Hausnummer",
            "PLZ",
            "Ort",
            "Telefon",
            "E-Mail",
            "Antragsart",
            "Eingangsdatum",
        ],
        _rows(
            120,
            antrag,
        ),
        {
            "Vorname": "personenname",
            "Nachname": "personenname",
            "Geburtsdatum": "geburtsdatum",
            "Straße und Hausnummer": "postanschrift",
            "Telefon": "telefonnummer",
            "E-Mail": "email",
        },
    )
    add(
        "wohngeld",
        "Wohngeldbescheide",
        ["Antragsteller", "IBAN", "Steuer-ID", "Haushaltsgröße", "Betrag"],
        _rows(
            90,
            lambda i: [
                g.full_name(),
                g.iban(),
                g.steuer_id(),
                g.r.randint(1, 6),
                f"{g.r.uniform(80, 600):.2f}".replace(".", ","),
            ],
        ),
        {"Antragsteller": "personenname", "IBAN": "iban", "Steuer-ID": "steuer_id"},
    )
    add(
        "schwerbehindertenausweise",
        "Schwerbehindertenausweise (Versorgungsamt)",
        ["Name", "Geb.-Datum", "GdB", "Merkzeichen", "Gültig bis"],
        _rows(
            80,
            lambda i: [
                g.full_name(),
                g.birth_date(),
                g.pick(["50", "60", "70", "80", "100"]),
                g.pick(["G", "aG", "B", "H", "Bl", "G, B"]),
                g.date(2028),
            ],
        ),
        {"Name": "personenname", "Geb.-Datum": "geburtsdatum"},
        {"GdB": "gesundheitsdaten", "Merkzeichen": "gesundheitsdaten"},
    )
    add(
        "pflegeberatung_faelle",
        "Pflegeberatung: pseudonymisierte Fälle",
        ["Fall-Nr", "Alter", "Geschlecht", "PLZ", "Pflegegrad", "Diagnose"],
        _rows(
            110,
            lambda i: [
                f"PB-2024-{i + 1:04d}",
                g.r.randint(60, 98),
                g.pick(["w", "m", "d"]),
                g.pick(POSTCODES),
                g.pick(["1", "2", "3", "4", "5"]),
                g.pick(DIAGNOSES),
            ],
        ),
        {},
        {"Pflegegrad": "gesundheitsdaten", "Diagnose": "gesundheitsdaten"},
    )
    add(
        "buergermeldungen",
        "Mängelmelder mit Freitext der Meldenden",
        ["Meldungs-ID", "Kategorie", "Beschreibung", "Ort", "Status"],
        _rows(
            100,
            lambda i: [
                10000 + i,
                g.pick(["Lärm", "Müll", "Straßenschaden"]),
                g.pick(
                    [
                        f"Herr {g.last()} meldet Lärm nachts, Rückruf unter {g.phone()} erbeten",
                        f"Frau {g.last()} bittet um Abholung des Sperrmülls, "
                        f"erreichbar per Mail {g.email(g.first(), g.last())}",
                        "Schlagloch vor Hausnummer 12, bitte dringend reparieren, Gefahr für Radfahrende",
                        f"Anruf von {g.full_name()}: Gehweg seit Wochen blockiert durch Baustelle",
                        "Container überfüllt, Müll liegt seit Tagen daneben auf dem Gehweg",
                    ]
                ),
                g.pick(STREETS),
                g.pick(["offen", "erledigt"]),
            ],
        ),
        {"Beschreibung": "freitext_personenbezug"},
    )
    add(
        "wlan_log",
        "Protokoll des städtischen WLAN",
        ["Zeitstempel", "Client-IP", "Hotspot", "Bytes"],
        _rows(
            200,
            lambda i: [
                f"2024-06-01T{i % 24:02d}:{i % 60:02d}:00Z",
                g.ip(),
                g.pick(["Rathaus", "Marktplatz", "Stadtbibliothek"]),
                g.r.randint(1000, 10**8),
            ],
        ),
        {"Client-IP": "ip_adresse"},
    )
    add(
        "schuelerliste",
        "Schülerliste mit Religionsunterricht",
        ["Schüler", "Klasse", "Geburtsdatum", "Religion"],
        _rows(
            120,
            lambda i: [
                g.full_name(),
                f"{g.r.randint(5, 10)}{g.pick(['a', 'b', 'c'])}",
                g.birth_date(2008, 2014),
                g.pick(["evangelisch", "katholisch", "islamisch", "Ethik"]),
            ],
        ),
        {"Schüler": "personenname", "Geburtsdatum": "geburtsdatum"},
        {"Religion": "religion"},
    )
    add(
        "telefonverzeichnis_intern",
        "Internes Telefonverzeichnis der Verwaltung",
        ["Name", "Amt", "Telefon", "E-Mail"],
        _rows(
            90,
            staff_entry,
        ),
        {"Name": "personenname", "Telefon": "telefonnummer", "E-Mail": "email"},
    )
    add(
        "personalrat_mitglieder",
        "Mitglieder des Personalrats mit Gewerkschaft",
        ["Name", "Personalnummer", "Gewerkschaft", "Amt"],
        _rows(
            25,
            lambda i: [
                g.full_name(),
                f"P{g.r.randint(10000, 99999)}",
                g.pick(["ver.di", "komba", "GEW", "keine"]),
                g.pick(["Hauptamt", "Ordnungsamt", "Jugendamt"]),
            ],
        ),
        {"Name": "personenname"},
        {"Gewerkschaft": "gewerkschaft"},
    )
    add(
        "melderegister_auszug",
        "Auszug aus dem Melderegister",
        ["Familienname", "Vornamen", "Geburtsdatum", "Staatsangehörigkeit", "Wohnanschrift", "Religion"],
        _rows(
            150,
            lambda i: [
                g.last(),
                g.first(),
                g.birth_date(),
                g.pick(NATIONALITIES),
                f"{g.street_address()}, {g.pick(POSTCODES)} Offenbach",
                g.pick(RELIGION_CODES),
            ],
        ),
        {
            "Familienname": "personenname",
            "Vornamen": "personenname",
            "Geburtsdatum": "geburtsdatum",
            "Wohnanschrift": "postanschrift",
        },
        {"Religion": "religion"},
    )
    add(
        "impfungen",
        "Impfungen des Gesundheitsamts",
        ["Versichertennummer", "Name", "Impfdatum", "Impfstatus"],
        _rows(
            100,
            lambda i: [
                g.kvnr(),
                g.full_name(),
                g.date(),
                g.pick(["vollständig geimpft", "Erstimpfung", "Infektion genesen"]),
            ],
        ),
        {"Versichertennummer": "kvnr", "Name": "personenname"},
        {"Impfstatus": "gesundheitsdaten"},
    )
    add(
        "grundsicherung",
        "Leistungsempfänger Grundsicherung",
        ["Name", "SV-Nummer", "Geburtsdatum", "Leistungsart", "Betrag"],
        _rows(
            80,
            lambda i: [
                g.full_name(),
                g.sv_nummer(),
                g.birth_date(1940, 1960),
                g.pick(["Grundsicherung im Alter", "Hilfe zum Lebensunterhalt"]),
                f"{g.r.uniform(300, 900):.2f}".replace(".", ","),
            ],
        ),
        {"Name": "personenname", "SV-Nummer": "sv_nummer", "Geburtsdatum": "geburtsdatum"},
    )
    add(
        "ausweisausgabe",
        "Ausgabe von Personalausweisen im Bürgerbüro",
        ["Ausweisnummer", "Ausgabedatum", "Nachname", "Abholstatus"],
        _rows(100, lambda i: [g.ausweisnummer(), g.date(), g.last(), g.pick(["abgeholt", "liegt bereit"])]),
        {"Ausweisnummer": "ausweisnummer", "Nachname": "personenname"},
    )
    add(
        "hausbesuche_sozialdienst",
        "Hausbesuche des Sozialdienstes mit Wohnort-Koordinaten",
        ["Klient", "Breitengrad", "Längengrad", "Besuchsdatum", "Stadtteil"],
        _rows(
            70,
            lambda i: [g.full_name(), g.coordinate(50.10), g.coordinate(8.76), g.date(), g.pick(DISTRICTS)],
        ),
        {"Klient": "personenname", "Breitengrad": "wohnort_koordinaten", "Längengrad": "wohnort_koordinaten"},
    )
    add(
        "fundbuero",
        "Fundsachen mit Bemerkungen",
        ["Fundgegenstand", "Fundort", "Funddatum", "Bemerkung"],
        _rows(
            80,
            lambda i: [
                g.pick(["Geldbörse", "Schlüsselbund", "Rucksack", "Handy"]),
                g.pick(STREETS),
                g.date(),
                g.pick(
                    [
                        f"Ausweis auf den Namen Frau {g.last()} enthalten, Eigentümerin informiert",
                        "Schwarzer Rucksack mit Sportkleidung und Trinkflasche, ohne Hinweise",
                        f"Abgegeben von Herrn {g.last()}, Telefon {g.phone()}",
                        "Schlüsselbund mit drei Schlüsseln und rotem Anhänger gefunden",
                        "Geldbörse ohne Ausweis, mit etwas Bargeld und Kundenkarten",
                    ]
                ),
            ],
        ),
        {"Bemerkung": "freitext_personenbezug"},
    )
    return specs
