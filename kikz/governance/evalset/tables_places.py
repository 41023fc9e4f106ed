"""Tricky tables from open-data practice that once looked personal to the scanner, and their positive twins.

Negatives: population counts by age band or single year of age, district keys that happen to be
dialable numbers, registers of pharmacies, museums and charging stations with business address and
phone, and 15-minute vehicle counts with single lorries. Each carries ``max_class`` öffentlich: not
only no column may be flagged personal, the table-level proposal must not be stricter either.
Positives: the same shapes with persons in them (complainants at home, jubilarians with age and
address), so the rules above cannot simply switch detection off.
"""

from __future__ import annotations

from typing import Any

from kikz.governance.evalset.generators import DISTRICTS, POSTCODES, STREETS, Gen
from kikz.types import ProtectionClass

PHARMACIES = (
    "Löwen-Apotheke",
    "Adler-Apotheke",
    "Stern-Apotheke",
    "Einhorn-Apotheke",
    "Rosen-Apotheke",
    "Hirsch-Apotheke",
    "Apotheke am Markt",
    "Sonnen-Apotheke",
    "Bahnhof-Apotheke",
    "Mohren-Apotheke",
)
MUSEUMS = (
    "Stadtmuseum",
    "Domschatz",
    "Kunstsammlungen",
    "Historisches Rathaus",
    "Mathematikum",
    "Oberhessisches Museum",
    "Klingspor-Museum",
    "Ledermuseum",
    "Vonderau Museum",
    "Kunsthalle",
)
OPERATORS = ("EVO Energieversorgung", "Mainova", "Shell Recharge", "Tesla Supercharger", "EnBW", "Stadtwerke")
AGE_BANDS = ("0 bis 5", "6 bis 14", "15 bis 17", "18 bis 24", "25 bis 44", "45 bis 64", "65 bis 79", "80 und älter")


def _rows(n: int, make: Any) -> list[list[str]]:
    return [[str(v) for v in make(i)] for i in range(n)]


def PLACE_TABLES() -> list[dict[str, Any]]:
    g = Gen(303)
    specs: list[dict[str, Any]] = []

    def add(name: str, description: str, columns: list[str], rows: list[list[str]], **labels: Any) -> None:
        specs.append(
            {
                "name": name,
                "description": description,
                "columns": columns,
                "rows": rows,
                "personal": frozenset(labels.get("personal", ())),
                "art9": frozenset(),
                "kinds": labels.get("kinds", {}),
                "max_class": labels.get("max_class"),
            }
        )

    public = ProtectionClass.OEFFENTLICH
    add(
        "einwohner_altersgruppen",
        "Einwohnerinnen und Einwohner nach Stadtteil und Altersgruppe",
        ["Stadtteil", "Einwohner insgesamt", "weiblich", "männlich", *(f"Alter {b}" for b in AGE_BANDS), "Anteil %"],
        _rows(
            len(DISTRICTS),
            lambda i: [
                DISTRICTS[i],
                g.r.randint(3000, 20000),
                g.r.randint(1500, 10000),
                g.r.randint(1500, 10000),
                *(g.r.randint(90, 5000) for _ in AGE_BANDS),
                round(g.r.uniform(5, 45), 1),
            ],
        ),
        max_class=public,
    )
    add(
        "altersstruktur_einzeljahre",
        "Bevölkerung nach einzelnen Altersjahren und Geschlecht",
        ["Stichtag", "Alter", "männlich", "weiblich", "insgesamt"],
        _rows(
            95,
            lambda i: (lambda m, w: ["31.12.2024", i, m, w, m + w])(g.r.randint(3, 600), g.r.randint(3, 600)),
        ),
        max_class=public,
    )
    add(
        "stadtteile_flaechen",
        "Stadtteile mit amtlichem Schlüssel, Fläche und Einwohnerdichte",
        ["Stadtteil-Schlüssel", "Statistischer Bezirk", "Stadtteil", "Fläche km²", "Einwohner", "Einwohner je km²"],
        _rows(
            len(DISTRICTS),
            lambda i: [
                f"06413000{i + 1:03d}",
                f"0641300{i + 10:03d}",
                DISTRICTS[i],
                round(g.r.uniform(0.3, 12), 2),
                g.r.randint(2000, 20000),
                g.r.randint(300, 12000),
            ],
        ),
        max_class=public,
    )
    add(
        "apotheken_notdienst",
        "Apotheken mit Anschrift, Telefon und Notdienst",
        ["Apotheke", "Anschrift", "PLZ", "Stadtteil", "Telefon", "Notdienst", "lat", "lon"],
        _rows(
            len(PHARMACIES),
            lambda i: [
                PHARMACIES[i],
                g.street_address(),
                g.pick(POSTCODES),
                g.pick(DISTRICTS),
                f"+49 6421 {g.r.randint(100000, 999999)}",
                g.date(2025),
                g.coordinate(50.80),
                g.coordinate(8.77),
            ],
        ),
        max_class=public,
    )
    add(
        "museen",
        "Museen mit Anschrift, Öffnungszeiten und Eintritt",
        ["Name", "Anschrift", "Stadtteil", "Öffnungszeiten", "Eintritt EUR", "lat", "lon"],
        _rows(
            len(MUSEUMS),
            lambda i: [
                MUSEUMS[i],
                g.street_address(),
                g.pick(DISTRICTS),
                g.pick(["Di–So 10:00–17:00", "Mi–So 11:00–18:00"]),
                g.pick(["5.0", "6.5", "0"]),
                g.coordinate(50.38),
                g.coordinate(8.06),
            ],
        ),
        max_class=public,
    )
    add(
        "ladesaeulen",
        "Öffentliche Ladesäulen für Elektrofahrzeuge",
        ["Ladestation", "Betreiber", "Straße", "Hausnummer", "PLZ", "Ladepunkte", "Nennleistung kW", "lat", "lon"],
        _rows(
            40,
            lambda i: [
                f"OF-LS-{i + 1:03d}",
                g.pick(OPERATORS),
                g.pick(STREETS),
                g.r.randint(1, 120),
                g.pick(POSTCODES),
                g.pick(["2", "4", "6"]),
                g.pick(["11.0", "22.0", "50.0", "150.0"]),
                g.coordinate(50.10),
                g.coordinate(8.76),
            ],
        ),
        max_class=public,
    )
    add(
        "zaehlstelle_viertelstunde",
        "Kfz-Zählung je Viertelstunde, nachts mit einzelnen Fahrzeugen",
        ["Zählstelle", "Zeitpunkt", "Pkw", "Lkw", "Bus", "Kfz gesamt"],
        _rows(
            96,
            lambda i: (
                lambda p, lk, b: [g.pick(STREETS), f"2024-03-04 {i // 4:02d}:{i % 4 * 15:02d}", p, lk, b, p + lk + b]
            )(g.r.randint(1, 40), g.r.randint(0, 3), g.r.randint(0, 1)),
        ),
        max_class=public,
    )
    # positive twins: the same shapes where the rows are persons
    add(
        "laermbeschwerden",
        "Lärmbeschwerden mit Name, Wohnanschrift und Rückrufnummer",
        ["Eingang", "Name", "Anschrift", "PLZ", "Telefon", "Lärmquelle"],
        _rows(
            60,
            lambda i: [
                g.date(),
                g.full_name(),
                g.street_address(),
                g.pick(POSTCODES),
                g.phone(),
                g.pick(["Gaststätte", "Baustelle", "Nachbarschaft", "Veranstaltung"]),
            ],
        ),
        personal={"Name", "Anschrift", "Telefon"},
        kinds={"Name": "personenname", "Anschrift": "postanschrift", "Telefon": "telefonnummer"},
    )
    add(
        "altersjubilare",
        "Altersjubilare für Glückwünsche des Oberbürgermeisters",
        ["Vorname", "Nachname", "Geburtsdatum", "Alter", "Anschrift", "Stadtteil"],
        _rows(
            50,
            lambda i: [
                g.first(),
                g.last(),
                g.birth_date(1925, 1945),
                g.pick(["80", "85", "90", "95", "100"]),
                g.street_address(),
                g.pick(DISTRICTS),
            ],
        ),
        personal={"Vorname", "Nachname", "Geburtsdatum", "Anschrift"},
        kinds={
            "Vorname": "personenname",
            "Nachname": "personenname",
            "Geburtsdatum": "geburtsdatum",
            "Anschrift": "postanschrift",
        },
    )
    return specs
