"""Generated tables on public services: schools, day care, elections, budget, business, health, culture."""

from __future__ import annotations

import datetime as dt
import math
import random

from kikz.demo import geo
from kikz.demo.cities import City, split_words
from kikz.demo.files import Table, Value
from kikz.demo.tables_city import district_people

# fmt: off
MUSEUMS = {
    "offenbach": ("Deutsches Ledermuseum", "Haus der Stadtgeschichte", "Klingspor Museum"),
    "giessen": ("Oberhessisches Museum", "Liebig-Museum", "Mathematikum"),
    "wetzlar": ("Viseum", "Lottehaus", "Stadt- und Industriemuseum", "Reichskammergerichtsmuseum"),
    "fulda": ("Vonderau Museum", "Dommuseum", "Deutsches Feuerwehr-Museum", "Kinder-Akademie Fulda"),
    "marburg": ("Kunstmuseum Marburg", "Museum für Kulturgeschichte im Landgrafenschloss",
                "Mineralogisches Museum"),
    "limburg": ("Diözesanmuseum", "Domschatz", "Kunstsammlungen Limburg", "Historisches Rathaus"),
}
# fmt: on

SCHOOL_NAMES = split_words(
    "Pestalozzischule Goetheschule Erich-Kästner-Schule Astrid-Lindgren-Schule Brüder-Grimm-Schule "
    "Anne-Frank-Schule Sophie-Scholl-Schule Friedrich-Ebert-Schule Albert-Schweitzer-Schule "
    "Mosaikschule Eichendorffschule Humboldtschule"
)

PHARMACY_PREFIXES = split_words(
    "Löwen Adler Stern Einhorn Hirsch Rathaus Bahnhof Markt Sonnen Park Linden Rosen Brunnen Schwanen"
)

PARTIES = ("CDU", "AfD", "SPD", "GRÜNE", "Die Linke", "BSW", "FDP", "Volt", "Sonstige")

PARTY_SHARES = (0.27, 0.15, 0.18, 0.14, 0.09, 0.04, 0.045, 0.02, 0.055)


def schools(city: City, rng: random.Random) -> Table:
    rows = []
    names = [(f"Grundschule {d.name}", "Grundschule") for d in city.districts[1:]]
    names += [(n, rng.choice(("Grundschule", "Grundschule", "Förderschule"))) for n in SCHOOL_NAMES[:6]]
    names += [(f"Gesamtschule {city.name}-{r}", "Integrierte Gesamtschule") for r in ("Ost", "West")]
    names += [(n, "Gymnasium") for n in SCHOOL_NAMES[6:9]] + [(f"Berufliche Schulen {city.name}", "Berufliche Schule")]
    for name, kind in names:
        district = name.removeprefix("Grundschule ") if name.startswith("Grundschule ") else None
        lat, lon, district = geo.random_point(
            rng, city, district if district in {d.name for d in city.districts} else None
        )
        pupils = {"Grundschule": (120, 420), "Förderschule": (60, 160), "Gymnasium": (700, 1300)}.get(kind, (600, 1600))
        n = rng.randint(*pupils)
        rows.append(
            (
                name,
                kind,
                "Stadt " + city.name if kind != "Berufliche Schule" else "Landkreis",
                f"{rng.choice(city.streets)} {rng.randint(1, 80)}",
                rng.choice(city.postcodes),
                district,
                n,
                max(4, round(n / rng.uniform(21, 27))),
                rng.choice(("Profil 1", "Profil 2", "Pakt für den Ganztag", "kein Ganztag")),
                lat,
                lon,
            )
        )
    return Table(
        [
            "Schule",
            "Schulform",
            "Schulträger",
            "Anschrift",
            "PLZ",
            "Stadtteil",
            "Schülerzahl",
            "Klassen",
            "Ganztagsangebot",
            "lat",
            "lon",
        ],
        rows,
    )


def daycare_centres(city: City, rng: random.Random) -> Table:
    carriers = (
        "Stadt",
        "Ev. Kirchengemeinde",
        "Kath. Kirchengemeinde",
        "AWO",
        "DRK",
        "Elterninitiative",
        "Lebenshilfe",
    )
    names = (
        "Sonnenschein",
        "Regenbogen",
        "Pusteblume",
        "Löwenzahn",
        "Kleine Strolche",
        "Villa Kunterbunt",
        "Sternschnuppe",
        "Arche Noah",
        "Wirbelwind",
        "Schatzkiste",
        "Spatzennest",
        "Zwergenland",
    )
    rows = []
    for d in city.districts:
        for _ in range(rng.randint(2, 4)):
            carrier = rng.choice(carriers)
            lat, lon, _ = geo.random_point(rng, city, d.name)
            name = f"Kita {rng.choice(names)}" if carrier != "Stadt" else f"Städtische Kita {rng.choice(city.streets)}"
            rows.append(
                (
                    name,
                    carrier,
                    f"{rng.choice(city.streets)} {rng.randint(1, 120)}",
                    d.name,
                    rng.choice((0, 10, 12, 20, 24)),
                    rng.choice((25, 40, 50, 60, 75, 100)),
                    rng.choice(("07:00–17:00", "07:30–16:30", "07:00–15:00")),
                    rng.random() < 0.5,
                    lat,
                    lon,
                )
            )
    return Table(
        [
            "Einrichtung",
            "Träger",
            "Anschrift",
            "Stadtteil",
            "Plätze unter 3",
            "Plätze über 3",
            "Öffnungszeiten",
            "Integrationsplätze",
            "lat",
            "lon",
        ],
        rows,
    )


def election_results(city: City, rng: random.Random) -> Table:
    """Bundestagswahl 23.02.2025, Zweitstimmen per polling district incl. postal-vote districts."""
    rows: list[tuple[Value, ...]] = []
    n = 0
    for name, people in district_people(city):
        for k in range(max(1, people // 2600)):
            n += 1
            electorate = rng.randint(900, 1900)
            voters = round(electorate * rng.uniform(0.62, 0.86))
            invalid = round(voters * rng.uniform(0.003, 0.012))
            shares = [s * rng.uniform(0.7, 1.3) for s in PARTY_SHARES]
            valid = voters - invalid
            votes = [round(valid * s / sum(shares)) for s in shares]
            votes[-1] += valid - sum(votes)
            rows.append(
                (
                    f"{n:03d}",
                    f"{name} {k + 1}",
                    name,
                    electorate,
                    voters,
                    round(100 * voters / electorate, 1),
                    invalid,
                    valid,
                    *votes,
                )
            )
    cols = [
        "Wahlbezirk",
        "Bezeichnung",
        "Stadtteil",
        "Wahlberechtigte",
        "Wählende",
        "Wahlbeteiligung %",
        "ungültig",
        "gültig",
        *PARTIES,
    ]
    return Table(cols, rows)


def budget(city: City, rng: random.Random) -> Table:
    """Ergebnishaushalt by Produktbereich (Hessian NKHR), Ertrag and Aufwand, plan and actual in EUR."""
    areas = (
        "Innere Verwaltung",
        "Sicherheit und Ordnung",
        "Schulträgeraufgaben",
        "Kultur und Wissenschaft",
        "Soziale Leistungen",
        "Kinder-, Jugend- und Familienhilfe",
        "Gesundheitsdienste",
        "Sportförderung",
        "Räumliche Planung und Entwicklung",
        "Bauen und Wohnen",
        "Ver- und Entsorgung",
        "Verkehrsflächen und -anlagen, ÖPNV",
        "Natur- und Landschaftspflege",
        "Umweltschutz",
        "Wirtschaft und Tourismus",
        "Allgemeine Finanzwirtschaft",
    )
    scale = city.population * 3_900
    rows = []
    for i, area in enumerate(areas, start=1):
        weight = rng.uniform(0.2, 1.6) * (3.5 if i in (5, 6) else 1.0)
        for kind, share in (("Ertrag", rng.uniform(0.2, 0.7) if i != 16 else 8.0), ("Aufwand", 1.0)):
            plan = scale * weight * share / 18
            rows.append(
                (
                    f"{i:02d}",
                    area,
                    kind,
                    round(plan * rng.uniform(0.92, 1.04), 2),
                    round(plan * rng.uniform(0.97, 1.03), 2),
                    round(plan * rng.uniform(1.0, 1.06), 2),
                )
            )
    return Table(
        ["Produktbereich", "Bezeichnung", "Art", "Ergebnis 2023 EUR", "Ansatz 2024 EUR", "Ansatz 2025 EUR"],
        rows,
    )


def business_parcels(city: City, rng: random.Random) -> Table:
    rows = []
    for park in city.business_parks:
        kind = rng.choice(("GE", "GE", "GI", "MU"))
        for n in range(rng.randint(3, 7)):
            lat, lon, district = geo.random_point(rng, city)
            rows.append(
                (
                    park,
                    f"Flur {rng.randint(1, 40)}, Flurstück {rng.randint(10, 999)}/{n + 1}",
                    district,
                    kind,
                    round(rng.uniform(0.15, 4.5), 2),
                    rng.choice((120, 140, 160, 185, 210, 260)),
                    rng.choice(("sofort", "ab 2026", "nach Erschließung")),
                    lat,
                    lon,
                )
            )
    return Table(
        [
            "Gewerbegebiet",
            "Flurstück",
            "Stadtteil",
            "Gebietsart",
            "Fläche ha",
            "Bodenrichtwert EUR/m²",
            "verfügbar",
            "lat",
            "lon",
        ],
        rows,
    )


def pharmacies(city: City, rng: random.Random) -> Table:
    rows = []
    for prefix in PHARMACY_PREFIXES[: 6 + len(city.districts) // 2]:
        lat, lon, district = geo.random_point(rng, city)
        rows.append(
            (
                f"{prefix}-Apotheke",
                f"{rng.choice(city.streets)} {rng.randint(1, 90)}",
                rng.choice(city.postcodes),
                district,
                f"+49 {city.phone_area} {rng.randint(100000, 999999)}",
                "Mo–Fr 08:00–18:30, Sa 08:30–13:00",
                lat,
                lon,
            )
        )
    return Table(["Apotheke", "Anschrift", "PLZ", "Stadtteil", "Telefon", "Öffnungszeiten", "lat", "lon"], rows)


def pharmacy_duty(city: City, rng: random.Random) -> Table:
    """Emergency duty roster: one pharmacy from 08:30 to 08:30 the next morning, every day of 2025."""
    names = [f"{prefix}-Apotheke" for prefix in PHARMACY_PREFIXES[: 6 + len(city.districts) // 2]]
    rows = []
    day = dt.date(2025, 1, 1)
    while day.year == 2025:
        start = dt.datetime.combine(day, dt.time(8, 30))
        rows.append((day, rng.choice(names), start, start + dt.timedelta(days=1)))
        day += dt.timedelta(days=1)
    return Table(["Datum", "Apotheke", "Notdienst von", "Notdienst bis"], rows)


def events(city: City, rng: random.Random, *, count: int = 160) -> Table:
    kinds = {
        "Konzert": ("Sommerkonzert", "Orgelmatinee", "Jazz am Abend", "Chorkonzert"),
        "Markt": ("Wochenmarkt spezial", "Flohmarkt", "Bauernmarkt", "Weihnachtsmarkt"),
        "Führung": ("Stadtführung", "Nachtwächterführung", "Architekturspaziergang"),
        "Ausstellung": ("Fotoausstellung", "Kunst im Rathaus", "Sonderausstellung"),
        "Kinder": ("Kindertheater", "Vorlesestunde", "Ferienspiele"),
        "Sport": ("Stadtlauf", "Radtour", "Lauftreff"),
    }
    rows = []
    for i in range(count):
        kind = rng.choice(list(kinds))
        title = (
            f"{rng.choice(kinds[kind])} {rng.choice(city.landmarks)}" if kind != "Markt" else rng.choice(kinds[kind])
        )
        day = dt.date(2025, 1, 1) + dt.timedelta(days=rng.randrange(365))
        if title == "Weihnachtsmarkt":
            day = dt.date(2025, 12, rng.randint(1, 22))
        start = dt.datetime.combine(day, dt.time(rng.choice((10, 11, 15, 18, 19, 20))))
        rows.append(
            (
                f"VA-2025-{i + 1:04d}",
                title,
                kind,
                start,
                start + dt.timedelta(hours=rng.choice((1, 2, 3, 5))),
                rng.choice(city.landmarks),
                rng.choice(("Kulturamt", "Stadtmarketing", "Verein", "Kirchengemeinde")),
                "frei" if rng.random() < 0.55 else f"{rng.choice((5, 8, 12, 15, 25))} EUR",
            )
        )
    rows.sort(key=lambda r: (r[3], r[0]))
    return Table(["ID", "Titel", "Kategorie", "Beginn", "Ende", "Ort", "Veranstalter", "Eintritt"], rows)


def museums(city: City, rng: random.Random) -> Table:
    rows = []
    for name in MUSEUMS[city.slug]:
        lat, lon, district = geo.random_point(rng, city, city.districts[0].name)
        rows.append(
            (
                name,
                f"{rng.choice(city.streets)} {rng.randint(1, 40)}",
                district,
                rng.choice(("Di–So 10:00–17:00", "Mi–So 11:00–18:00", "Di–Fr 10:00–17:00, Sa–So 11:00–18:00")),
                rng.choice((0.0, 3.0, 4.0, 5.0, 6.5, 8.0)),
                rng.random() < 0.6,
                lat,
                lon,
            )
        )
    return Table(
        ["Name", "Anschrift", "Stadtteil", "Öffnungszeiten", "Eintritt EUR", "barrierefrei", "lat", "lon"],
        rows,
    )


def school_forecast(city: City, rng: random.Random) -> Table:
    """Pupil forecast per primary-school district for the school development plan (internal working data)."""
    rows = []
    for d in city.districts[1:]:
        now = rng.randint(90, 420)
        for year in range(2025, 2036):
            now = max(40, round(now * rng.uniform(0.97, 1.05)))
            rows.append(
                (
                    f"Grundschulbezirk {d.name}",
                    f"{year}/{(year + 1) % 100:02d}",
                    now,
                    math.ceil(now / 25),
                    round(now / 25 / max(1, round(now / 25 * rng.uniform(0.85, 1.1))), 2),
                )
            )
    return Table(["Schulbezirk", "Schuljahr", "Schülerprognose", "Klassen benötigt", "Auslastung Räume"], rows)
