"""Open mobility datasets of the demo: counts, parking, charging points and stops (metadata as data)."""

from __future__ import annotations

import datetime as dt

from kikz.demo import tables_mobility as mob
from kikz.demo.cities import City
from kikz.demo.files import CSV_DE, CSV_UTF8, GEOJSON, JSON, PARQUET
from kikz.demo.specs import DatasetSpec, FileSpec

D = dt.date


def bike_counts(c: City) -> DatasetSpec:
    sites = " und ".join(c.bike_sites[:2])
    return DatasetSpec(
        key="radverkehrszaehlung-2024",
        title=f"Radverkehrszählung {c.name} 2024 – stündliche Zählwerte",
        description=(
            f"Stündliche Zählwerte der automatischen Radverkehrszählstellen {sites} für das Jahr 2024, "
            "getrennt nach Fahrtrichtung. Die Zählstellen arbeiten mit Induktionsschleifen im Radweg und "
            "erfassen Fahrräder, Pedelecs und Lastenräder. Die Daten dienen der Radverkehrsplanung und der "
            "Bewertung neuer Radverbindungen; Ausfälle einzelner Stunden sind nicht ergänzt."
        ),
        keywords=("Radverkehr", "Fahrrad", "Zählstelle", "Verkehrszählung", "Mobilität", c.river),
        themes=("TRAN",),
        office="Straßenverkehrsbehörde, Sachgebiet Verkehrsplanung",
        mailbox="verkehrsplanung",
        periodicity="DAILY",
        start=D(2024, 1, 1),
        end=D(2024, 12, 31),
        table=mob.bike_counts,
        files=(
            FileSpec("radverkehr_zaehlstellen_2024.csv", CSV_UTF8, "Stundenwerte 2024 (CSV)"),
            FileSpec("radverkehr_zaehlstellen_2024.parquet", PARQUET, "Stundenwerte 2024 (Parquet)"),
        ),
        license_id="dl-zero-de/2.0",
    )


def traffic_counts(c: City) -> DatasetSpec:
    return DatasetSpec(
        key="kfz-zaehlstellen",
        title=f"Kfz-Zählstellen {c.name} – Verkehrsmengen im 15-Minuten-Takt",
        description=(
            f"Verkehrsmengen an den Dauerzählstellen {', '.join(c.traffic_sites)} im 15-Minuten-Intervall, "
            "aufgeschlüsselt nach Fahrzeugklassen (Pkw, Lieferwagen, Lkw, Bus, Krad) mit der Geschwindigkeit "
            "v85. Der Auszug umfasst drei Wochen im März 2024. Intervalle mit Gerätestörung sind in der "
            "Spalte Status gekennzeichnet."
        ),
        keywords=("Kfz-Verkehr", "Verkehrszählung", "Zählstelle", "Schwerverkehr", "v85", "DTV"),
        themes=("TRAN",),
        office="Straßenverkehrsbehörde, Verkehrsrechner",
        mailbox="verkehrsrechner",
        periodicity="CONT",
        start=D(2024, 3, 4),
        end=D(2024, 3, 24),
        table=mob.traffic_counts,
        files=(
            FileSpec("kfz_zaehlstellen_maerz_2024.parquet", PARQUET, "15-Minuten-Werte (Parquet)"),
            FileSpec("kfz_zaehlstellen_maerz_2024.csv", CSV_UTF8, "15-Minuten-Werte (CSV)"),
        ),
        license_id="cc-by/4.0",
    )


def car_parks(c: City) -> DatasetSpec:
    names = ", ".join(n for n, _ in c.car_parks[:3])
    return DatasetSpec(
        key="parkhausbelegung",
        title=f"Parkhausbelegung {c.name}",
        description=(
            f"Stündliche Belegung der Parkhäuser und Tiefgaragen im Parkleitsystem {c.name} (u. a. {names}) "
            "über vier Wochen im November 2024. Angegeben sind Stellplätze, belegte und freie Plätze sowie "
            "die Auslastung in Prozent. Die Stammdaten der Parkhäuser mit Lage, Öffnungszeiten und Tarif "
            "liegen als JSON bei."
        ),
        keywords=("Parken", "Parkhaus", "Parkleitsystem", "Auslastung", "Innenstadt"),
        themes=("TRAN",),
        office="Ordnungsamt, Verkehrslenkung",
        mailbox="parken",
        periodicity="HOURLY",
        start=D(2024, 11, 4),
        end=D(2024, 12, 1),
        table=mob.car_park_occupancy,
        files=(FileSpec("parkhausbelegung_november_2024.csv", CSV_DE, "Belegung stündlich (CSV, Excel)"),),
    )


def car_park_master(c: City) -> DatasetSpec:
    return DatasetSpec(
        key="parkhaeuser-stammdaten",
        title=f"Parkhäuser {c.name} – Lage, Kapazität und Tarife",
        description=(
            f"Stammdaten der öffentlichen Parkhäuser und Tiefgaragen in {c.name}: Adresse, Stellplätze, "
            "Frauenparkplätze, Stundentarif und Öffnungszeiten mit Koordinaten. Der Datensatz ergänzt die "
            "Belegungsdaten des Parkleitsystems."
        ),
        keywords=("Parken", "Parkhaus", "Tarif", "Stellplätze"),
        themes=("TRAN",),
        office="Ordnungsamt, Verkehrslenkung",
        mailbox="parken",
        periodicity="ANNUAL",
        start=D(2024, 1, 1),
        end=None,
        table=mob.car_parks,
        files=(
            FileSpec("parkhaeuser.json", JSON, "Parkhäuser (JSON)"),
            FileSpec("parkhaeuser.geojson", GEOJSON, "Parkhäuser (GeoJSON)"),
        ),
    )


def charging(c: City) -> DatasetSpec:
    return DatasetSpec(
        key="ladesaeulen",
        title=f"Ladesäulen für Elektrofahrzeuge in {c.name}",
        description=(
            f"Öffentlich zugängliche Ladestationen für Elektrofahrzeuge im Stadtgebiet {c.name} mit "
            "Betreiber, Anzahl der Ladepunkte, Nennleistung und Steckertypen. Grundlage sind die Meldungen "
            "der Betreiber an die Stadt und das Ladesäulenregister. Schnellladepunkte ab 150 kW sind "
            "gesondert erkennbar."
        ),
        keywords=("Elektromobilität", "Ladesäule", "Ladeinfrastruktur", "E-Auto", "Energie"),
        themes=("TRAN", "ENER"),
        office="Stabsstelle Klimaschutz und Mobilität",
        mailbox="klimaschutz",
        periodicity="QUARTERLY",
        start=D(2014, 1, 1),
        end=D(2024, 12, 31),
        table=mob.charging_points,
        files=(
            FileSpec("ladesaeulen.geojson", GEOJSON, "Standorte (GeoJSON)"),
            FileSpec("ladesaeulen.csv", CSV_UTF8, "Standorte (CSV)"),
        ),
        license_id="dl-zero-de/2.0",
    )


def stops(c: City) -> DatasetSpec:
    return DatasetSpec(
        key="oepnv-haltestellen",
        title=f"ÖPNV-Haltestellen {c.name}",
        description=(
            f"Bushaltestellen im Stadtgebiet {c.name} mit bundesweit eindeutiger Haltestellen-ID (DHID), "
            "bedienten Linien, Ausbauzustand der Barrierefreiheit und dynamischer Fahrgastinformation. Die "
            "Daten stammen aus dem Haltestellenkataster und werden mit dem Rhein-Main-Verkehrsverbund "
            "abgeglichen."
        ),
        keywords=("ÖPNV", "Bus", "Haltestelle", "Barrierefreiheit", "DHID", "RMV"),
        themes=("TRAN",),
        office="Amt für Mobilität, Nahverkehrsplanung",
        mailbox="nahverkehr",
        periodicity="BIANNUAL",
        start=D(2025, 1, 1),
        end=None,
        table=mob.transit_stops,
        files=(
            FileSpec("haltestellen.geojson", GEOJSON, "Haltestellen (GeoJSON)"),
            FileSpec("haltestellen.csv", CSV_DE, "Haltestellen (CSV, Excel)"),
        ),
    )
