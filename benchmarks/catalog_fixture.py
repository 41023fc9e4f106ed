"""A large, realistic catalogue for benchmarks: the six Smart-KIKZ cities and n German municipal datasets.

    from benchmarks.catalog_fixture import load_datasets
    load_datasets(engine, 100_000, seed=1)

The schema must exist (``kikz.models.Base.metadata.create_all`` and ``ensure_reference_data``). Rows go in
with bulk inserts in chunks; search postings and facets are built by the real indexer in bulk form. The same
seed gives the same catalogue.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from typing import Any

from sqlalchemy import Engine, func, insert, select

from kikz.catalog import indexing
from kikz.catalog.models import Dataset, Distribution
from kikz.catalog.service import slugify
from kikz.catalog.vocabularies import FILE_TYPES
from kikz.db import Base, make_sessionmaker
from kikz.tenancy.models import Municipality
from kikz.types import DatasetStatus, MunicipalityKind, ProtectionClass

CITIES: dict[str, tuple[str, str, str, str, MunicipalityKind, list[str]]] = {
    "offenbach": (
        "Offenbach am Main",
        "Stadt Offenbach am Main",
        "06413000",
        "064130000000",
        MunicipalityKind.MEMBER,
        ["Innenstadt", "Bieber", "Bürgel", "Rumpenheim", "Tempelsee", "Lauterborn", "Nordend", "Kaiserlei"],
    ),
    "giessen": (
        "Gießen",
        "Universitätsstadt Gießen",
        "06531005",
        "065310005005",
        MunicipalityKind.MEMBER,
        ["Innenstadt", "Wieseck", "Kleinlinden", "Allendorf", "Lützellinden", "Rödgen", "Nordstadt"],
    ),
    "wetzlar": (
        "Wetzlar",
        "Stadt Wetzlar",
        "06532023",
        "065320023023",
        MunicipalityKind.MEMBER,
        ["Altstadt", "Büblingshausen", "Dalheim", "Hermannstein", "Naunheim", "Niedergirmes"],
    ),
    "fulda": (
        "Fulda",
        "Stadt Fulda",
        "06631009",
        "066310009009",
        MunicipalityKind.MEMBER,
        ["Innenstadt", "Horas", "Lehnerz", "Neuenberg", "Ziehers-Nord", "Aschenberg", "Edelzell"],
    ),
    "marburg": (
        "Marburg",
        "Universitätsstadt Marburg",
        "06534014",
        "065340014014",
        MunicipalityKind.PARTNER,
        ["Oberstadt", "Weidenhausen", "Cappel", "Marbach", "Wehrda", "Richtsberg"],
    ),
    "limburg": (
        "Limburg",
        "Kreisstadt Limburg a. d. Lahn",
        "06533009",
        "065330009009",
        MunicipalityKind.PARTNER,
        ["Altstadt", "Blumenrod", "Dietkirchen", "Lindenholzhausen", "Staffel"],
    ),
}

# (title pattern, keywords, themes, formats, columns, description sentence)
TOPICS: list[tuple[str, list[str], list[str], list[str], list[str], str]] = [
    (
        "Radverkehrszählung {place}",
        ["Radverkehr", "Zählstelle", "Mobilität"],
        ["TRAN"],
        ["CSV", "JSON"],
        ["datum", "uhrzeit", "zaehlstelle", "richtung", "anzahl_fahrraeder"],
        "Stündliche Zählwerte der automatischen Radverkehrszählstellen",
    ),
    (
        "Kfz-Verkehrszählung {place}",
        ["Verkehr", "Verkehrszählung", "Kfz"],
        ["TRAN"],
        ["CSV", "XLSX"],
        ["zeitstempel", "messquerschnitt", "kfz", "lkw", "geschwindigkeit_v85"],
        "Verkehrsmengen an den Dauerzählstellen im Stadtgebiet",
    ),
    (
        "Baumkataster {place}",
        ["Bäume", "Stadtgrün", "Baumpflege"],
        ["ENVI"],
        ["CSV", "GEOJSON", "SHP"],
        ["baumnummer", "baumart", "pflanzjahr", "stammumfang", "kronendurchmesser", "lat", "lon"],
        "Standorte und Merkmale der städtischen Straßenbäume",
    ),
    (
        "Kindertagesstätten {place}",
        ["Kita", "Kinderbetreuung", "Bildung"],
        ["EDUC", "SOCI"],
        ["CSV", "GEOJSON"],
        ["name", "traeger", "plaetze", "oeffnungszeiten", "adresse"],
        "Verzeichnis der Kindertagesstätten mit Trägern und Betreuungsplätzen",
    ),
    (
        "Haltestellen des ÖPNV {place}",
        ["Bus", "Nahverkehr", "Haltestelle"],
        ["TRAN"],
        ["CSV", "GEOJSON"],
        ["haltestellen_id", "name", "linien", "barrierefrei", "lat", "lon"],
        "Haltestellen des öffentlichen Personennahverkehrs mit Linien",
    ),
    (
        "Parkhausbelegung {place}",
        ["Parken", "Parkhaus", "Echtzeit"],
        ["TRAN"],
        ["JSON", "CSV"],
        ["parkhaus", "freie_plaetze", "kapazitaet", "zeitstempel"],
        "Aktuelle Belegung der Parkhäuser",
    ),
    (
        "Wahlergebnisse Kommunalwahl {year}",
        ["Wahl", "Kommunalwahl", "Wahlbezirk"],
        ["GOVE"],
        ["CSV", "XLSX"],
        ["wahlbezirk", "wahlberechtigte", "waehler", "partei", "stimmen"],
        "Ergebnisse der Kommunalwahl nach Wahlbezirken",
    ),
    (
        "Bevölkerung nach Stadtteilen {year}",
        ["Einwohner", "Bevölkerung", "Statistik"],
        ["SOCI", "REGI"],
        ["CSV", "XLSX"],
        ["stadtteil", "einwohner", "maennlich", "weiblich", "altersgruppe"],
        "Einwohnerzahlen nach Stadtteil, Geschlecht und Altersgruppe",
    ),
    (
        "Haushaltsplan {year}",
        ["Haushalt", "Finanzen", "Produktbereich"],
        ["ECON", "GOVE"],
        ["CSV", "PDF"],
        ["produktbereich", "ertraege", "aufwendungen", "ansatz"],
        "Ansätze des Ergebnishaushalts nach Produktbereichen",
    ),
    (
        "Luftqualität Messstation {place}",
        ["Luft", "Stickstoffdioxid", "Feinstaub"],
        ["ENVI", "HEAL"],
        ["CSV", "JSON"],
        ["zeitstempel", "no2", "pm10", "pm25", "ozon"],
        "Halbstündliche Messwerte der Luftqualität",
    ),
    (
        "Lärmkartierung {year}",
        ["Lärm", "Umgebungslärm", "Lärmaktionsplan"],
        ["ENVI"],
        ["GEOJSON", "PDF", "WMS_SRVC"],
        ["strasse", "lden", "lnight", "betroffene"],
        "Ergebnisse der Lärmkartierung nach EU-Umgebungslärmrichtlinie",
    ),
    (
        "Straßenverzeichnis",
        ["Straße", "Adressen", "Straßenschlüssel"],
        ["REGI"],
        ["CSV"],
        ["strassenschluessel", "strassenname", "stadtteil", "plz"],
        "Amtliches Verzeichnis der Straßennamen",
    ),
    (
        "Bebauungspläne {place}",
        ["Bauleitplanung", "Bebauungsplan", "Stadtplanung"],
        ["REGI"],
        ["GML", "PDF", "WMS_SRVC"],
        ["planname", "rechtskraft", "art_der_nutzung"],
        "Rechtskräftige Bebauungspläne",
    ),
    (
        "Abfallkalender {year}",
        ["Müll", "Abfuhr", "Entsorgung"],
        ["ENVI"],
        ["CSV", "JSON"],
        ["strasse", "abfallart", "abholtermin"],
        "Abholtermine für Restmüll, Biotonne, Papier und Gelbe Tonne",
    ),
    (
        "Spielplätze {place}",
        ["Spielplatz", "Kinder", "Freizeit"],
        ["SOCI"],
        ["GEOJSON", "CSV"],
        ["name", "spielgeraete", "altersgruppe", "lat", "lon"],
        "Öffentliche Spielplätze mit Ausstattung",
    ),
    (
        "Schulen",
        ["Schule", "Grundschule", "Bildung"],
        ["EDUC"],
        ["CSV", "GEOJSON"],
        ["schulname", "schulform", "schueler", "adresse"],
        "Allgemeinbildende und berufliche Schulen",
    ),
    (
        "Sportstätten {place}",
        ["Sport", "Sporthalle", "Sportplatz"],
        ["EDUC"],
        ["CSV"],
        ["anlage", "sportart", "belegung", "adresse"],
        "Sporthallen, Sportplätze und Schwimmbäder",
    ),
    (
        "Trinkbrunnen",
        ["Wasser", "Trinkwasser", "Hitze"],
        ["HEAL", "ENVI"],
        ["GEOJSON"],
        ["standort", "betriebszeit", "lat", "lon"],
        "Öffentliche Trinkbrunnen im Stadtgebiet",
    ),
    (
        "Defibrillatoren (AED)",
        ["Defibrillator", "Notfall", "Erste Hilfe"],
        ["HEAL"],
        ["CSV", "GEOJSON"],
        ["standort", "zugang", "lat", "lon"],
        "Standorte öffentlich zugänglicher Defibrillatoren",
    ),
    (
        "Ladesäulen für Elektrofahrzeuge",
        ["Elektromobilität", "Ladesäule", "Energie"],
        ["ENER", "TRAN"],
        ["CSV", "JSON"],
        ["betreiber", "ladepunkte", "leistung_kw", "lat", "lon"],
        "Öffentliche Ladeinfrastruktur",
    ),
    (
        "Photovoltaik-Potenzial der Dachflächen",
        ["Solar", "Photovoltaik", "Klimaschutz"],
        ["ENER", "ENVI"],
        ["GEOJSON", "WMS_SRVC"],
        ["gebaeude_id", "dachflaeche", "eignung", "ertrag_kwh"],
        "Eignung der Dachflächen für Solaranlagen",
    ),
    (
        "Hochwassergefahrenkarte {place}",
        ["Hochwasser", "Starkregen", "Gefahrenkarte"],
        ["ENVI", "JUST"],
        ["GEOJSON", "PDF"],
        ["gebiet", "wassertiefe", "jaehrlichkeit"],
        "Überflutungsflächen bei Hochwasser",
    ),
    (
        "Feuerwehreinsätze {year}",
        ["Feuerwehr", "Einsatz", "Brandschutz"],
        ["JUST"],
        ["CSV"],
        ["einsatznummer", "einsatzart", "alarmzeit", "stadtteil"],
        "Einsätze der Berufs- und Freiwilligen Feuerwehr",
    ),
    (
        "Gewerbeanmeldungen {year}",
        ["Gewerbe", "Wirtschaft", "Gründung"],
        ["ECON"],
        ["CSV", "XLSX"],
        ["monat", "anmeldungen", "abmeldungen", "wirtschaftszweig"],
        "Gewerbean- und -abmeldungen nach Monat",
    ),
    (
        "Radwegenetz",
        ["Radweg", "Fahrrad", "Radverkehr"],
        ["TRAN"],
        ["GEOJSON", "SHP"],
        ["abschnitt", "radwegtyp", "breite", "oberflaeche"],
        "Radwege, Radfahrstreifen und Fahrradstraßen",
    ),
    (
        "Verkehrsunfälle {year}",
        ["Unfall", "Verkehrssicherheit", "Polizei"],
        ["TRAN", "JUST"],
        ["CSV"],
        ["unfallzeit", "unfallart", "beteiligte", "lat", "lon"],
        "Polizeilich erfasste Straßenverkehrsunfälle",
    ),
    (
        "Baustellen {place}",
        ["Baustelle", "Verkehrsbehinderung", "Sperrung"],
        ["TRAN"],
        ["JSON", "GEOJSON"],
        ["baustelle", "beginn", "ende", "sperrung"],
        "Aktuelle Baustellen und Straßensperrungen",
    ),
    (
        "Friedhöfe",
        ["Friedhof", "Bestattung"],
        ["SOCI"],
        ["CSV"],
        ["friedhof", "grabarten", "flaeche"],
        "Städtische Friedhöfe mit Grabarten",
    ),
    (
        "Öffentliche Toiletten",
        ["Toilette", "Barrierefreiheit"],
        ["HEAL"],
        ["GEOJSON"],
        ["standort", "barrierefrei", "oeffnungszeiten"],
        "Öffentliche Toilettenanlagen",
    ),
    (
        "WLAN-Hotspots",
        ["WLAN", "Digitalisierung", "Internet"],
        ["TECH"],
        ["CSV", "GEOJSON"],
        ["hotspot", "standort", "nutzer_pro_tag"],
        "Standorte des freien städtischen WLAN",
    ),
    (
        "Ausleihen der Stadtbibliothek {year}",
        ["Bibliothek", "Medien", "Kultur"],
        ["EDUC"],
        ["CSV"],
        ["monat", "medienart", "ausleihen"],
        "Monatliche Ausleihzahlen nach Medienart",
    ),
    (
        "Sitzungen der Stadtverordnetenversammlung {year}",
        ["Ratsinformation", "Politik", "Sitzung"],
        ["GOVE"],
        ["JSON", "PDF"],
        ["sitzung", "gremium", "datum", "tagesordnung"],
        "Sitzungstermine und Tagesordnungen",
    ),
    (
        "Wasserverbrauch städtischer Liegenschaften {year}",
        ["Wasser", "Verbrauch", "Liegenschaften"],
        ["ENVI", "GOVE"],
        ["CSV"],
        ["liegenschaft", "jahr", "verbrauch_m3"],
        "Jährlicher Wasserverbrauch",
    ),
    (
        "Energieverbrauch städtischer Gebäude {year}",
        ["Energie", "Strom", "Wärme"],
        ["ENER"],
        ["CSV", "XLSX"],
        ["gebaeude", "strom_kwh", "waerme_kwh", "co2_t"],
        "Energie- und Wärmeverbrauch der Gebäude",
    ),
    (
        "Grünflächenkataster",
        ["Grünfläche", "Park", "Stadtgrün"],
        ["ENVI"],
        ["GEOJSON", "SHP"],
        ["flaechen_id", "art", "flaeche_m2", "pflegeklasse"],
        "Öffentliche Grün- und Parkanlagen",
    ),
    (
        "Geschwindigkeitsmessungen {place}",
        ["Blitzer", "Tempo", "Verkehrssicherheit"],
        ["TRAN", "JUST"],
        ["CSV"],
        ["messstelle", "datum", "gemessen", "verstoesse"],
        "Ergebnisse der kommunalen Geschwindigkeitsüberwachung",
    ),
    (
        "Wanderwege und Naherholung",
        ["Wandern", "Tourismus", "Freizeit"],
        ["EDUC", "ENVI"],
        ["GEOJSON", "KML"],
        ["route", "laenge_km", "schwierigkeit"],
        "Ausgewiesene Wanderwege rund um die Stadt",
    ),
    (
        "Hundesteuer-Statistik {year}",
        ["Hund", "Steuer", "Statistik"],
        ["ECON"],
        ["CSV"],
        ["jahr", "hunde", "steuereinnahmen"],
        "Anzahl der angemeldeten Hunde und Einnahmen",
    ),
    (
        "Denkmalliste",
        ["Denkmal", "Kulturdenkmal", "Denkmalschutz"],
        ["EDUC", "REGI"],
        ["CSV", "GEOJSON"],
        ["objekt", "adresse", "baujahr", "schutzstatus"],
        "Eingetragene Kulturdenkmäler",
    ),
    (
        "Straßenbeleuchtung",
        ["Beleuchtung", "Laterne", "Energie"],
        ["ENER", "TRAN"],
        ["GEOJSON", "CSV"],
        ["leuchten_id", "leuchtmittel", "leistung_w"],
        "Standorte und Leuchtmittel der Straßenbeleuchtung",
    ),
]

QUALIFIERS = [
    "",
    "",
    "",
    " (Archiv)",
    " – Zeitreihe",
    " – Monatswerte",
    " – Jahreswerte",
    " aktuell",
    " nach Stadtteilen",
    " – Rohdaten",
]
FILLERS = [
    "Die Daten werden vom Fachamt gepflegt und regelmäßig aktualisiert.",
    "Grundlage sind die Erhebungen der Stadtverwaltung.",
    "Hinweise zur Methodik finden sich in der beigefügten Dokumentation.",
    "Werte vor dem Jahr 2019 wurden mit einem anderen Verfahren erhoben.",
    "Der Datensatz ist Teil des Open-Data-Angebots der Stadt.",
    "Personenbezogene Angaben wurden vor der Veröffentlichung entfernt.",
    "Koordinaten im Bezugssystem ETRS89 / UTM Zone 32N.",
    "Bei Fragen wenden Sie sich an die Open-Data-Koordination.",
]
LICENSES = ["dl-by-de/2.0", "dl-by-de/2.0", "dl-zero-de/2.0", "cc-by/4.0", "cc-zero", "odbl", None]
CLASSES: list[tuple[ProtectionClass | None, float]] = [
    (ProtectionClass.OEFFENTLICH, 0.66),
    (ProtectionClass.INTERN, 0.18),
    (ProtectionClass.VERTRAULICH, 0.08),
    (ProtectionClass.STRENG_VERTRAULICH, 0.03),
    (None, 0.05),
]
STATUSES = [(DatasetStatus.PUBLISHED, 0.78), (DatasetStatus.DRAFT, 0.15), (DatasetStatus.ARCHIVED, 0.07)]
FREQS = ["DAILY", "MONTHLY", "ANNUAL", "IRREG", "HOURLY", "QUARTERLY", ""]
CHUNK = 5000


def _weighted(rng: random.Random, options: list[tuple[Any, float]]) -> Any:
    return rng.choices([o for o, _ in options], weights=[w for _, w in options])[0]


def ensure_cities(engine: Engine) -> dict[str, tuple[int, str]]:
    """The six cities (created if missing): slug → (id, name)."""
    with make_sessionmaker(engine).begin() as session:
        existing = {
            slug: (mid, name)
            for mid, slug, name in session.execute(select(Municipality.id, Municipality.slug, Municipality.name))
        }
        for slug, (name, official, ags, ars, kind, _) in CITIES.items():
            if slug not in existing:
                city = Municipality(
                    slug=slug,
                    name=name,
                    official_name=official,
                    ags=ags,
                    ars=ars,
                    kind=kind,
                    email=f"opendata@{slug}.de",
                    website=f"https://{slug}.de",
                )
                session.add(city)
                session.flush()
                existing[slug] = (city.id, name)
        return existing


def load_datasets(engine: Engine, n: int, *, seed: int = 1) -> None:
    """Add the six cities (if missing) and ``n`` datasets with 1–3 distributions each, indexed for search."""
    rng = random.Random(seed)
    cities = ensure_cities(engine)
    slugs = sorted(CITIES)
    base_time = dt.datetime(2024, 6, 1, tzinfo=dt.UTC)
    factory = make_sessionmaker(engine)
    with factory() as session:
        next_id = (session.scalar(select(func.max(Dataset.id))) or 0) + 1
        next_dist = (session.scalar(select(func.max(Distribution.id))) or 0) + 1
    run = uuid.UUID(int=rng.getrandbits(128)).hex[:8]
    for start in range(0, n, CHUNK):
        datasets: list[dict[str, Any]] = []
        distributions: list[dict[str, Any]] = []
        for _ in range(start, min(n, start + CHUNK)):
            slug = rng.choice(slugs)
            city_id, city_name = cities[slug]
            pattern, keywords, themes, formats, columns, sentence = rng.choice(TOPICS)
            place = rng.choice(CITIES[slug][5])
            year = rng.randint(2012, 2025)
            title = pattern.format(place=place, year=year) + rng.choice(QUALIFIERS)
            if "{" not in pattern:
                title = f"{title} {city_name}"
            description = " ".join(
                [f"{sentence} in {city_name} ({place}, {year}).", *rng.sample(FILLERS, rng.randint(1, 4))]
            )
            modified = base_time - dt.timedelta(minutes=rng.randint(0, 60 * 24 * 365 * 6))
            dataset_id = next_id
            next_id += 1
            pclass = _weighted(rng, CLASSES)
            datasets.append(
                {
                    "id": dataset_id,
                    "identifier": f"bench-{run}-{dataset_id}",
                    "name": f"{slug}-{slugify(title, max_length=80)}-{run}-{dataset_id}",
                    "title": title,
                    "description": description,
                    "keywords": [*keywords, place] if rng.random() < 0.5 else list(keywords),
                    "themes": list(themes),
                    "publisher_name": CITIES[slug][1],
                    "publisher_uri": f"https://www.{slug}.de",
                    "contact_name": "Open-Data-Koordination",
                    "contact_email": f"opendata@{slug}.de",
                    "license_id": rng.choice(LICENSES),
                    "accrual_periodicity": rng.choice(FREQS),
                    "issued": modified - dt.timedelta(days=rng.randint(0, 900)),
                    "modified": modified,
                    "municipality_id": city_id,
                    "protection_class": pclass,
                    "status": _weighted(rng, STATUSES),
                    "shared_in_network": pclass is ProtectionClass.INTERN and rng.random() < 0.3,
                    "version": 1,
                    "created_at": modified,
                    "updated_at": modified,
                }
            )
            for k in range(rng.randint(1, 3)):
                fmt = formats[k % len(formats)] if k < len(formats) else rng.choice(formats)
                tabular = fmt in ("CSV", "XLSX", "JSON", "PARQUET")
                distributions.append(
                    {
                        "id": next_dist,
                        "identifier": f"bench-{run}-d{next_dist}",
                        "dataset_id": dataset_id,
                        "title": f"{title} ({fmt})",
                        "description": "",
                        "access_url": f"https://opendata.{slug}.de/files/{dataset_id}-{k}.{fmt.lower()}",
                        "download_url": f"https://opendata.{slug}.de/files/{dataset_id}-{k}.{fmt.lower()}",
                        "format": fmt,
                        "media_type": FILE_TYPES[fmt][0],
                        "byte_size": rng.randint(2_000, 50_000_000),
                        "columns": [{"name": c, "type": "string"} for c in columns] if tabular else [],
                        "row_count": rng.randint(10, 500_000) if tabular else None,
                        "issued": modified,
                        "modified": modified,
                        "created_at": modified,
                    }
                )
                next_dist += 1
        with factory.begin() as session:
            # Core inserts (not ORM bulk) keep this at executemany speed.
            session.execute(insert(Base.metadata.tables["dataset"]), datasets)
            session.execute(insert(Base.metadata.tables["distribution"]), distributions)
            indexing.index_many(session, [d["id"] for d in datasets])
