"""Tables without personal data, many of them tricky: streets, stops, trees, councils, businesses."""

from __future__ import annotations

from typing import Any

from kikz.governance.evalset.generators import DISTRICTS, POSTCODES, STREETS, Gen

TREES = (
    "Winter-Linde",
    "Sommer-Linde",
    "Spitz-Ahorn",
    "Berg-Ahorn",
    "Robinie",
    "Platane",
    "Stiel-Eiche",
    "Hainbuche",
    "Rosskastanie",
    "Gemeine Esche",
    "Sand-Birke",
    "Vogelkirsche",
    "Magnolie",
    "Ginkgo",
)
BOTANIC = (
    "Tilia cordata",
    "Tilia platyphyllos",
    "Acer platanoides",
    "Acer pseudoplatanus",
    "Robinia pseudoacacia",
    "Platanus x hispanica",
    "Quercus robur",
    "Carpinus betulus",
    "Aesculus hippocastanum",
    "Fraxinus excelsior",
    "Betula pendula",
    "Prunus avium",
    "Magnolia kobus",
    "Ginkgo biloba",
)
STOPS = (
    "Marktplatz",
    "Kaiserstraße",
    "Offenbach Ost",
    "Stadtkrankenhaus",
    "Rumpenheim Schloss",
    "Bürgel Rathaus",
    "Hauptbahnhof",
    "Ledermuseum",
    "Waldhof",
    "Buchrainweiher",
    "Lauterborn Mitte",
    "Tempelsee",
    "Kaiserlei",
    "Berliner Platz",
    "Bieber Waldhof",
    "Goetheplatz",
    "Wilhelmsplatz",
    "Hospitalstraße",
)
BUSINESSES = (
    "Bäckerei Schmidt GmbH",
    "Autohaus Müller KG",
    "Café am Markt",
    "Metzgerei Becker e.K.",
    "Apotheke am Wilhelmsplatz",
    "Elektro Wagner GmbH & Co. KG",
    "Friseursalon Haarmonie",
    "Buchhandlung Hoffmann OHG",
    "Stadtwerke Offenbach Holding GmbH",
    "Pizzeria Da Marco",
    "Reisebüro Sonnenschein GmbH",
    "Blumen Klein e.K.",
    "Gießener Brauhaus GmbH",
    "Optik Krause GmbH",
)


def _rows(n: int, make: Any) -> list[list[str]]:
    return [[str(v) for v in make(i)] for i in range(n)]


def NEGATIVE_TABLES() -> list[dict[str, Any]]:
    g = Gen(101)
    specs: list[dict[str, Any]] = []

    def add(name: str, description: str, columns: list[str], rows: list[list[str]]) -> None:
        specs.append(
            {
                "name": name,
                "description": description,
                "columns": columns,
                "rows": rows,
                "personal": frozenset(),
                "art9": frozenset(),
            }
        )

    add(
        "verkehrszaehlung_kfz",
        "Stündliche Kfz-Zählung an Zählstellen in Hauptverkehrsstraßen",
        ["Zählstelle", "Straße", "Richtung", "Datum", "Stunde", "Kfz", "Lkw", "Rad"],
        _rows(
            300,
            lambda i: [
                f"Zählstelle {g.pick(STREETS)}",
                g.pick(STREETS),
                g.pick(["stadteinwärts", "stadtauswärts"]),
                g.date(),
                i % 24,
                g.r.randint(50, 2400),
                g.r.randint(0, 180),
                g.r.randint(0, 300),
            ],
        ),
    )
    add(
        "telraam_segmente",
        "Telraam-Zählungen je Straßensegment und Stunde",
        ["segment_id", "strasse", "date", "car", "heavy", "bike", "pedestrian", "uptime", "v85"],
        _rows(
            200,
            lambda i: [
                9000000000 + i % 12,
                g.pick(STREETS),
                f"2024-05-{1 + i % 28:02d} {i % 24:02d}:00:00",
                round(g.r.uniform(0, 400), 2),
                round(g.r.uniform(0, 30), 2),
                round(g.r.uniform(0, 90), 2),
                round(g.r.uniform(0, 120), 2),
                round(g.r.uniform(0.3, 1), 3),
                round(g.r.uniform(25, 60), 1),
            ],
        ),
    )
    add(
        "haltestellen",
        "Haltestellen des ÖPNV mit Koordinaten",
        ["Haltestelle", "Linien", "Lat", "Lon", "Barrierefrei"],
        _rows(
            len(STOPS),
            lambda i: [
                STOPS[i],
                g.pick(["101, 102", "103", "104, 107", "S1, S2, S8", "108"]),
                g.coordinate(50.10),
                g.coordinate(8.76),
                g.pick(["ja", "nein"]),
            ],
        ),
    )
    add(
        "baumkataster",
        "Straßenbäume mit Art, Pflanzjahr und Standort",
        ["Baum-Nr", "Gattung/Art", "Art deutsch", "Pflanzjahr", "Stammumfang cm", "Standort", "Lat", "Lon"],
        _rows(
            250,
            lambda i: [
                f"B-{10000 + i}",
                *(lambda k: (BOTANIC[k], TREES[k]))(g.r.randrange(len(TREES))),
                g.r.randint(1950, 2022),
                g.r.randint(20, 380),
                g.pick(STREETS),
                g.coordinate(50.10),
                g.coordinate(8.76),
            ],
        ),
    )
    add(
        "ratsbeschluesse",
        "Beschlüsse der Stadtverordnetenversammlung",
        ["Drucksache", "Titel", "Antragsteller", "Beschlussdatum", "Ergebnis"],
        _rows(
            120,
            lambda i: [
                f"2024-{i + 1:03d}/DS-I(A)",
                g.pick(
                    [
                        "Sanierung der Kaiserstraße",
                        "Radweg Berliner Straße",
                        "Haushaltssatzung 2025",
                        "Bebauungsplan Hafen",
                        "Kita-Ausbau Bürgel",
                    ]
                ),
                g.pick(
                    [
                        "SPD-Fraktion",
                        "Fraktion Bündnis 90/Die Grünen",
                        "CDU-Fraktion",
                        "Magistrat",
                        "Ortsbeirat 3",
                        "FDP-Fraktion",
                        "Fraktion Die Linke",
                    ]
                ),
                g.date(),
                g.pick(["angenommen", "abgelehnt", "vertagt"]),
            ],
        ),
    )
    add(
        "bevoelkerung_stadtteile",
        "Einwohner nach Stadtteil und Geschlecht",
        ["Stadtteil", "Jahr", "Einwohner insgesamt", "männlich", "weiblich", "Anteil Ausländer %"],
        _rows(
            56,
            lambda i: [
                DISTRICTS[i % len(DISTRICTS)],
                2020 + i // 14,
                g.r.randint(3000, 25000),
                g.r.randint(1500, 12000),
                g.r.randint(1500, 12000),
                f"{g.r.uniform(8, 45):.1f}".replace(".", ","),
            ],
        ),
    )
    add(
        "einwohner_plz",
        "Einwohner nach Postleitzahl und Altersgruppe",
        ["PLZ", "Altersgruppe", "Anzahl"],
        _rows(
            60,
            lambda i: [
                POSTCODES[i % len(POSTCODES)],
                g.pick(["0-17", "18-29", "30-49", "50-64", "65+"]),
                g.r.randint(40, 9000),
            ],
        ),
    )
    add(
        "pflegestatistik",
        "Pflegebedürftige nach Stadtteil und Pflegegrad (aggregiert)",
        ["Stadtteil", "Pflegegrad", "Anzahl Pflegebedürftige"],
        _rows(70, lambda i: [DISTRICTS[i % len(DISTRICTS)], f"Pflegegrad {1 + i % 5}", g.r.randint(3, 400)]),
    )
    add(
        "konfession_statistik",
        "Einwohner nach Konfession und Stadtteil",
        ["Stadtteil", "Konfession", "Anzahl"],
        _rows(
            42,
            lambda i: [
                DISTRICTS[i % len(DISTRICTS)],
                ["evangelisch", "römisch-katholisch", "sonstige/ohne"][i % 3],
                g.r.randint(500, 9000),
            ],
        ),
    )
    add(
        "gewerbeverzeichnis",
        "Gewerbebetriebe mit Geschäftsanschrift",
        ["Betrieb", "Branche", "Geschäftsanschrift", "PLZ", "Telefon"],
        _rows(
            len(BUSINESSES) * 3,
            lambda i: [
                BUSINESSES[i % len(BUSINESSES)],
                g.pick(["Handel", "Handwerk", "Gastronomie"]),
                g.street_address(),
                g.pick(POSTCODES),
                g.phone(),
            ],
        ),
    )
    add(
        "kita_verzeichnis",
        "Kindertagesstätten mit Kontaktdaten",
        ["Einrichtung", "Träger", "Adresse", "Telefon", "E-Mail", "Plätze"],
        _rows(
            40,
            lambda i: [
                f"Kita {g.pick(STREETS).replace('straße', '')} {i}",
                g.pick(["Stadt Offenbach", "AWO", "Caritas", "Ev. Kirche"]),
                g.street_address(),
                g.phone(),
                g.pick(["info", "kontakt", "kita", "leitung"]) + f"@kita{i}.offenbach.de",
                g.r.randint(20, 120),
            ],
        ),
    )
    add(
        "produktcodes",
        "Lagerartikel mit Codes, die wie IBAN oder Kennzeichen aussehen",
        ["Artikelnummer", "Charge", "Lagerplatz", "Menge"],
        _rows(
            80,
            lambda i: [
                f"DE{g.r.randint(10, 99)}{g.r.randint(10**17, 10**18 - 1)}"[:22],
                f"{g.pick(['XQ', 'QQ', 'ZX', 'JJ'])}-{g.pick(['AB', 'ZZ', 'KL'])} {g.r.randint(100, 999)}",
                f"R{g.r.randint(1, 40):02d}-F{g.r.randint(1, 9)}",
                g.r.randint(1, 500),
            ],
        ),
    )
    add(
        "meldungen_ohne_personen",
        "Mängelmeldungen ohne Personenbezug",
        ["ID", "Kategorie", "Beschreibung", "Ort", "Status"],
        _rows(
            90,
            lambda i: [
                i + 1,
                g.pick(["Straßenschaden", "Beleuchtung", "Müll", "Grünpflege"]),
                g.pick(
                    [
                        "Schlagloch vor der Einfahrt, ca. 30 cm tief und gefährlich für Radfahrer",
                        "Straßenlaterne flackert seit mehreren Tagen am späten Abend",
                        "Wilder Müll neben dem Glascontainer, bitte zeitnah abholen",
                        "Hecke ragt weit in den Gehweg, Kinderwagen kommen nicht vorbei",
                        "Ampel an der Kreuzung schaltet nachts nicht auf Grün",
                    ]
                ),
                g.pick(STREETS),
                g.pick(["offen", "in Bearbeitung", "erledigt"]),
            ],
        ),
    )
    add(
        "zulassungen_statistik",
        "Kfz-Neuzulassungen nach Monat und Fahrzeugart",
        ["Monat", "Fahrzeugart", "Unterscheidungszeichen", "Anzahl"],
        _rows(
            48,
            lambda i: [
                f"2024-{1 + i % 12:02d}",
                g.pick(["Pkw", "Lkw", "Krad", "E-Pkw"]),
                g.pick(["OF", "GI", "WZ", "FD"]),
                g.r.randint(20, 900),
            ],
        ),
    )
    add(
        "einbuergerungen",
        "Einbürgerungen nach Herkunftsland (aggregiert)",
        ["Jahr", "Herkunftsland", "Anzahl"],
        _rows(
            40,
            lambda i: [
                2019 + i % 5,
                g.pick(
                    [
                        "Türkei",
                        "Syrien",
                        "Polen",
                        "Italien",
                        "Griechenland",
                        "Kroatien",
                        "Ukraine",
                        "Afghanistan",
                    ]
                ),
                g.r.randint(5, 300),
            ],
        ),
    )
    add(
        "wahlergebnisse",
        "Ergebnisse der Kommunalwahl nach Wahlbezirk",
        ["Wahlbezirk", "Partei", "Stimmen", "Anteil %"],
        _rows(
            80,
            lambda i: [
                f"{101 + i // 8} {DISTRICTS[i % len(DISTRICTS)]}",
                g.pick(["SPD", "CDU", "GRÜNE", "FDP", "LINKE", "AfD"]),
                g.r.randint(20, 1500),
                f"{g.r.uniform(2, 40):.1f}".replace(".", ","),
            ],
        ),
    )
    add(
        "veranstaltungen",
        "Veranstaltungskalender",
        ["Titel", "Ort", "Datum", "Veranstalter", "Kontakt"],
        _rows(
            60,
            lambda i: [
                g.pick(["Wochenmarkt", "Stadtfest", "Lesung in der Stadtbibliothek", "Konzert im Büsing-Park"]),
                g.pick(["Stadthalle Offenbach", "Wilhelmsplatz", "Büsing-Palais", "Capitol"]),
                g.date(),
                g.pick(["Kulturamt", "Offenbach Marketing GmbH", "Musikverein Bürgel e.V."]),
                g.pick(["kultur@offenbach.de", "info@of-marketing.de", "presse@offenbach.de"]),
            ],
        ),
    )
    add(
        "luftsensoren",
        "Feinstaub- und NO2-Messungen",
        ["Sensor-ID", "Lat", "Lon", "Zeit", "PM10", "NO2"],
        _rows(
            150,
            lambda i: [
                f"S{i % 9:03d}",
                g.coordinate(50.10),
                g.coordinate(8.76),
                f"2024-06-01T{i % 24:02d}:00:00Z",
                round(g.r.uniform(5, 60), 1),
                round(g.r.uniform(10, 80), 1),
            ],
        ),
    )
    add(
        "strassenverzeichnis",
        "Straßenverzeichnis mit Stadtteil",
        ["Straßenname", "Stadtteil", "Länge m", "PLZ"],
        _rows(len(STREETS), lambda i: [STREETS[i], g.pick(DISTRICTS), g.r.randint(80, 3000), g.pick(POSTCODES)]),
    )
    return specs
