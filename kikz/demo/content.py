"""Open-data datasets of the demo: what each city publishes on its portal (metadata as data)."""

from __future__ import annotations

import datetime as dt

from kikz.demo import tables_admin as adm
from kikz.demo import tables_city as tc
from kikz.demo import tables_services as ts
from kikz.demo.cities import City
from kikz.demo.files import CSV_DE, CSV_UTF8, GEOJSON, JSON, XLSX
from kikz.demo.specs import DatasetSpec, FileSpec, LinkSpec

D = dt.date


def trees(c: City) -> DatasetSpec:
    return DatasetSpec(
        key="baumkataster",
        title=f"Baumkataster {c.name}",
        description=(
            f"Alle Straßen- und Parkbäume im Bestand der Stadt {c.name} mit Art, Pflanzjahr, Stammumfang, "
            "Kronendurchmesser, Höhe und Vitalitätsstufe (0 = gesund bis 4 = absterbend). Das Kataster wird "
            "bei den Regelkontrollen zur Verkehrssicherung fortgeschrieben. Private Bäume sind nicht "
            "enthalten."
        ),
        keywords=("Baumkataster", "Stadtbäume", "Stadtgrün", "Klimaanpassung", "Verkehrssicherung"),
        themes=("ENVI",),
        office="Grünflächenamt",
        mailbox="gruenflaechen",
        periodicity="ANNUAL",
        start=D(2024, 1, 1),
        end=D(2024, 12, 31),
        table=tc.tree_register,
        files=(
            FileSpec("baumkataster.geojson", GEOJSON, "Bäume (GeoJSON)"),
            FileSpec("baumkataster.csv", CSV_DE, "Bäume (CSV, Excel)"),
        ),
        legal_basis="Verkehrssicherungspflicht (§ 823 BGB)",
    )


def air(c: City) -> DatasetSpec:
    return DatasetSpec(
        key="luftmessstation",
        title=f"Luftmessstation {c.name} – Stundenwerte 2024",
        description=(
            f"Stundenmittelwerte der verkehrsnahen Luftmessstation in {c.name} für Stickstoffdioxid, "
            "Feinstaub (PM10, PM2,5) und Ozon in µg/m³ sowie die Lufttemperatur. Lücken entstehen durch "
            "Kalibrierung und Wartung. Die Werte sind vorläufig und nicht amtlich geprüft."
        ),
        keywords=("Luftqualität", "Stickstoffdioxid", "Feinstaub", "Ozon", "Umwelt", "Messstation"),
        themes=("ENVI", "HEAL"),
        office="Umweltamt",
        mailbox="umwelt",
        periodicity="HOURLY",
        start=D(2024, 1, 1),
        end=D(2024, 12, 31),
        table=tc.air_quality,
        files=(FileSpec("luftmessstation_2024.csv", CSV_DE, "Stundenwerte 2024 (CSV, Excel)"),),
        license_id="dl-zero-de/2.0",
    )


def noise(c: City) -> DatasetSpec:
    return DatasetSpec(
        key="laermkartierung",
        title=f"Lärmkartierung {c.name} – Hauptverkehrsstraßen",
        description=(
            "Ergebnisse der Lärmkartierung nach der EU-Umgebungslärmrichtlinie für die Hauptverkehrsstraßen "
            f"in {c.name}: Verkehrsmenge, Lärmindizes Lden und Lnight je Straßenabschnitt und die Zahl der "
            "belasteten Einwohnerinnen und Einwohner. Die Daten sind Grundlage des Lärmaktionsplans."
        ),
        keywords=("Lärm", "Lärmkartierung", "Umgebungslärm", "Lärmaktionsplan", "Straßenverkehr"),
        themes=("ENVI", "HEAL"),
        office="Umweltamt, Immissionsschutz",
        mailbox="umwelt",
        periodicity="OTHER",
        start=D(2022, 1, 1),
        end=D(2022, 12, 31),
        table=tc.noise_mapping,
        files=(FileSpec("laermkartierung_hauptverkehrsstrassen.csv", CSV_UTF8, "Straßenabschnitte (CSV)"),),
        legal_basis="§ 47c BImSchG, Richtlinie 2002/49/EG",
    )


def population(c: City) -> DatasetSpec:
    return DatasetSpec(
        key="einwohner-stadtteile",
        title=f"Einwohnerinnen und Einwohner nach Stadtteilen {c.name} 2024",
        description=(
            f"Bevölkerung mit Hauptwohnsitz in den Stadtteilen von {c.name} am 31.12.2024 nach Geschlecht "
            "und Altersgruppen, mit dem Anteil nichtdeutscher Einwohnerinnen und Einwohner und der Zahl der "
            "Haushalte. Quelle ist das Melderegister; Abweichungen zur amtlichen Fortschreibung sind "
            "methodisch bedingt."
        ),
        keywords=("Bevölkerung", "Einwohner", "Stadtteile", "Altersgruppen", "Statistik"),
        themes=("SOCI", "REGI"),
        office="Statistik und Wahlen",
        mailbox="statistik",
        periodicity="ANNUAL",
        start=D(2024, 12, 31),
        end=D(2024, 12, 31),
        table=tc.population_by_district,
        files=(
            FileSpec("einwohner_stadtteile_2024.xlsx", XLSX, "Tabelle (Excel)"),
            FileSpec("einwohner_stadtteile_2024.csv", CSV_DE, "Tabelle (CSV, Excel)"),
        ),
    )


def ages(c: City) -> DatasetSpec:
    return DatasetSpec(
        key="altersstruktur",
        title=f"Altersstruktur der Bevölkerung {c.name} 2020–2024",
        description=(
            f"Einwohnerinnen und Einwohner von {c.name} nach Einzelaltersjahren und Geschlecht zu den "
            "Stichtagen 31.12.2020 bis 31.12.2024. Die Tabelle eignet sich für Alterspyramiden und "
            "Bedarfsplanungen, etwa für Kitas, Schulen und Pflege."
        ),
        keywords=("Bevölkerung", "Altersstruktur", "Alterspyramide", "Demografie"),
        themes=("SOCI",),
        office="Statistik und Wahlen",
        mailbox="statistik",
        periodicity="ANNUAL",
        start=D(2020, 12, 31),
        end=D(2024, 12, 31),
        table=tc.age_structure,
        files=(FileSpec("altersstruktur_2020_2024.xlsx", XLSX, "Einzelaltersjahre (Excel)"),),
        license_id="dl-zero-de/2.0",
    )


def districts(c: City) -> DatasetSpec:
    return DatasetSpec(
        key="stadtteilgrenzen",
        title=f"Stadtteilgrenzen {c.name}",
        description=(
            f"Grenzen der {len(c.districts)} Stadtteile von {c.name} als Polygone (WGS 84) mit Schlüssel, "
            "Fläche und Einwohnerzahl. Die Geometrien sind für Übersichtskarten generalisiert; die amtliche "
            "Abgrenzung liefert der WMS/WFS-Dienst des städtischen Geoportals."
        ),
        keywords=("Stadtteile", "Grenzen", "Geodaten", "Verwaltungsgrenzen", "GeoJSON"),
        themes=("REGI",),
        office="Vermessung und Geoinformation",
        mailbox="geodaten",
        periodicity="IRREG",
        start=None,
        end=None,
        table=tc.district_boundaries,
        files=(FileSpec("stadtteilgrenzen.geojson", GEOJSON, "Stadtteile (GeoJSON)"),),
        links=(
            LinkSpec(
                f"{c.geoportal}/wms/stadtteile?SERVICE=WMS&REQUEST=GetCapabilities",
                "WMS_SRVC",
                "WMS-Dienst Stadtteile",
            ),
            LinkSpec(
                f"{c.geoportal}/wfs/stadtteile?SERVICE=WFS&REQUEST=GetCapabilities",
                "WFS_SRVC",
                "WFS-Dienst Stadtteile",
            ),
        ),
        license_id="dl-zero-de/2.0",
    )


def schools(c: City) -> DatasetSpec:
    return DatasetSpec(
        key="schulen",
        title=f"Schulen in {c.name}",
        description=(
            f"Allgemeinbildende und berufliche Schulen in {c.name} mit Schulform, Schulträger, Anschrift, "
            "Schülerzahl, Klassen und Ganztagsangebot zum Schuljahr 2024/25. Die Standorte sind als Punkte "
            "erfasst."
        ),
        keywords=("Schulen", "Bildung", "Schulstandorte", "Ganztag", "Schülerzahlen"),
        themes=("EDUC",),
        office="Schulamt",
        mailbox="schulamt",
        periodicity="ANNUAL",
        start=D(2024, 8, 1),
        end=D(2025, 7, 31),
        table=ts.schools,
        files=(
            FileSpec("schulen.geojson", GEOJSON, "Schulen (GeoJSON)"),
            FileSpec("schulen.csv", CSV_UTF8, "Schulen (CSV)"),
        ),
    )


def daycare(c: City) -> DatasetSpec:
    return DatasetSpec(
        key="kitas",
        title=f"Kindertageseinrichtungen in {c.name}",
        description=(
            f"Kindertagesstätten in {c.name} mit Träger, Anschrift, genehmigten Plätzen für Kinder unter und "
            "über drei Jahren, Öffnungszeiten und Integrationsplätzen. Die Übersicht hilft Eltern bei der "
            "Suche und zeigt die Versorgung je Stadtteil."
        ),
        keywords=("Kita", "Kinderbetreuung", "U3", "Ü3", "Familie"),
        themes=("EDUC", "SOCI"),
        office="Amt für Kinderbetreuung",
        mailbox="kita",
        periodicity="BIANNUAL",
        start=D(2025, 1, 1),
        end=None,
        table=ts.daycare_centres,
        files=(
            FileSpec("kitas.csv", CSV_DE, "Kitas (CSV, Excel)"),
            FileSpec("kitas.geojson", GEOJSON, "Kitas (GeoJSON)"),
        ),
    )


def elections(c: City) -> DatasetSpec:
    return DatasetSpec(
        key="bundestagswahl-2025",
        title=f"Bundestagswahl 2025 in {c.name} – Ergebnisse nach Wahlbezirken",
        description=(
            f"Endgültige Ergebnisse der Zweitstimmen der Bundestagswahl vom 23.02.2025 in {c.name} für jeden "
            "Wahlbezirk: Wahlberechtigte, Wählende, Wahlbeteiligung, ungültige und gültige Stimmen sowie die "
            "Stimmen der Parteien. Briefwahlstimmen sind den Urnenwahlbezirken zugeordnet."
        ),
        keywords=("Wahlen", "Bundestagswahl", "Wahlergebnis", "Wahlbezirk", "Wahlbeteiligung"),
        themes=("GOVE",),
        office="Statistik und Wahlen",
        mailbox="wahlen",
        periodicity="IRREG",
        start=D(2025, 2, 23),
        end=D(2025, 2, 23),
        table=ts.election_results,
        files=(
            FileSpec("btw2025_zweitstimmen.csv", CSV_DE, "Zweitstimmen (CSV, Excel)"),
            FileSpec("btw2025_zweitstimmen.xlsx", XLSX, "Zweitstimmen (Excel)"),
        ),
        license_id="dl-zero-de/2.0",
        legal_basis="Bundeswahlgesetz, Bundeswahlordnung",
    )


def sessions(c: City) -> DatasetSpec:
    return DatasetSpec(
        key="sitzungskalender-2025",
        title=f"Sitzungskalender der Stadtverordnetenversammlung {c.name} 2025",
        description=(
            "Termine der Stadtverordnetenversammlung und ihrer Ausschüsse im Jahr 2025 mit Sitzungsort und "
            "Tagesordnung. Öffentliche und nichtöffentliche Tagesordnungspunkte sind gekennzeichnet; Inhalte "
            "nichtöffentlicher Punkte werden nicht veröffentlicht."
        ),
        keywords=(
            "Ratsinformation",
            "Sitzungen",
            "Stadtverordnetenversammlung",
            "Ausschüsse",
            "Tagesordnung",
        ),
        themes=("GOVE",),
        office="Büro der Stadtverordnetenversammlung",
        mailbox="gremien",
        periodicity="MONTHLY",
        start=D(2025, 1, 1),
        end=D(2025, 12, 31),
        table=adm.council_sessions,
        files=(FileSpec("sitzungskalender_2025.json", JSON, "Sitzungen mit Tagesordnung (JSON)"),),
        license_id="cc-by/4.0",
        legal_basis="§ 58 HGO",
    )


def decisions(c: City) -> DatasetSpec:
    return DatasetSpec(
        key="beschluesse",
        title=f"Beschlüsse der Stadtverordnetenversammlung {c.name} 2024–2025",
        description=(
            "Beschlüsse der Stadtverordnetenversammlung und ihrer Ausschüsse mit Drucksachennummer, Datum, "
            "Betreff, Ergebnis und Stimmenverhältnis. Die Liste ergänzt das Ratsinformationssystem und "
            "erleichtert Auswertungen über längere Zeiträume."
        ),
        keywords=("Ratsbeschlüsse", "Drucksachen", "Stadtverordnetenversammlung", "Abstimmungen"),
        themes=("GOVE",),
        office="Büro der Stadtverordnetenversammlung",
        mailbox="gremien",
        periodicity="MONTHLY",
        start=D(2024, 1, 15),
        end=D(2025, 12, 15),
        table=adm.council_decisions,
        files=(FileSpec("beschluesse_2024_2025.csv", CSV_UTF8, "Beschlüsse (CSV)"),),
        license_id="cc-by/4.0",
    )


def budget(c: City) -> DatasetSpec:
    return DatasetSpec(
        key="haushaltsplan-2025",
        title=f"Haushaltsplan {c.name} 2025 – Ergebnishaushalt nach Produktbereichen",
        description=(
            f"Erträge und Aufwendungen des Ergebnishaushalts der Stadt {c.name} nach den 16 Produktbereichen "
            "des hessischen Produktplans: Ergebnis 2023 sowie Ansätze 2024 und 2025 in Euro. Die Werte "
            "entsprechen dem von der Stadtverordnetenversammlung beschlossenen Haushaltsplan."
        ),
        keywords=("Haushalt", "Haushaltsplan", "Finanzen", "Produktbereiche", "Doppik"),
        themes=("GOVE", "ECON"),
        office="Kämmerei",
        mailbox="kaemmerei",
        periodicity="ANNUAL",
        start=D(2023, 1, 1),
        end=D(2025, 12, 31),
        table=ts.budget,
        files=(FileSpec("haushaltsplan_2025_ergebnishaushalt.csv", CSV_DE, "Ergebnishaushalt (CSV, Excel)"),),
        legal_basis="§ 97 HGO, GemHVO Hessen",
    )


def business_parcels(c: City) -> DatasetSpec:
    return DatasetSpec(
        key="gewerbeflaechen",
        title=f"Freie Gewerbeflächen in {c.name}",
        description=(
            f"Verfügbare Gewerbe- und Industrieflächen in den Gewerbegebieten {', '.join(c.business_parks)} "
            "mit Flurstück, Gebietsart nach Baunutzungsverordnung, Fläche und Bodenrichtwert. Die "
            "Wirtschaftsförderung aktualisiert die Liste bei jeder Vermarktung."
        ),
        keywords=("Gewerbeflächen", "Wirtschaftsförderung", "Gewerbegebiet", "Ansiedlung", "Bodenrichtwert"),
        themes=("ECON",),
        office="Wirtschaftsförderung",
        mailbox="wirtschaft",
        periodicity="QUARTERLY",
        start=D(2025, 1, 1),
        end=None,
        table=ts.business_parcels,
        files=(
            FileSpec("gewerbeflaechen.geojson", GEOJSON, "Flächen (GeoJSON)"),
            FileSpec("gewerbeflaechen.xlsx", XLSX, "Flächen (Excel)"),
        ),
    )


def pharmacies(c: City) -> DatasetSpec:
    return DatasetSpec(
        key="apotheken-notdienste",
        title=f"Apotheken und Notdienste in {c.name} 2025",
        description=(
            f"Apotheken in {c.name} mit Anschrift, Telefon und Öffnungszeiten sowie der Notdienstplan 2025. "
            "Der Notdienst wechselt täglich um 8:30 Uhr. Kurzfristige Änderungen veröffentlicht die "
            "Landesapothekerkammer Hessen."
        ),
        keywords=("Apotheken", "Notdienst", "Gesundheit", "Notfall"),
        themes=("HEAL",),
        office="Gesundheitsamt",
        mailbox="gesundheit",
        periodicity="ANNUAL",
        start=D(2025, 1, 1),
        end=D(2025, 12, 31),
        table=ts.pharmacies,
        files=(
            FileSpec("apotheken.csv", CSV_UTF8, "Apotheken (CSV)"),
            FileSpec(
                "apotheken_notdienstplan_2025.csv",
                CSV_DE,
                "Notdienstplan 2025 (CSV, Excel)",
                ts.pharmacy_duty,
            ),
        ),
        license_id="cc-by/4.0",
    )


def events(c: City) -> DatasetSpec:
    return DatasetSpec(
        key="veranstaltungen-2025",
        title=f"Veranstaltungskalender {c.name} 2025",
        description=(
            f"Konzerte, Märkte, Führungen, Ausstellungen, Kinder- und Sportveranstaltungen in {c.name} im "
            f"Jahr 2025, u. a. am {c.landmarks[0]} und am {c.landmarks[1]}. Die Einträge stammen vom "
            "Kulturamt, vom Stadtmarketing und von Vereinen."
        ),
        keywords=("Veranstaltungen", "Kultur", "Termine", "Freizeit", "Tourismus"),
        themes=("EDUC",),
        office="Kulturamt",
        mailbox="kultur",
        periodicity="WEEKLY",
        start=D(2025, 1, 1),
        end=D(2025, 12, 31),
        table=ts.events,
        files=(FileSpec("veranstaltungen_2025.json", JSON, "Veranstaltungen (JSON)"),),
        license_id="cc-by/4.0",
    )


def museums(c: City) -> DatasetSpec:
    return DatasetSpec(
        key="museen",
        title=f"Museen und Ausstellungshäuser in {c.name}",
        description=(
            f"Museen in {c.name} ({', '.join(ts.MUSEUMS[c.slug])}) mit Anschrift, Öffnungszeiten, "
            "Eintrittspreis und Angaben zur Barrierefreiheit. Die Daten pflegt das Kulturamt gemeinsam mit "
            "den Häusern."
        ),
        keywords=("Museen", "Kultur", "Tourismus", "Barrierefreiheit"),
        themes=("EDUC",),
        office="Kulturamt",
        mailbox="kultur",
        periodicity="ANNUAL",
        start=D(2025, 1, 1),
        end=None,
        table=ts.museums,
        files=(FileSpec("museen.geojson", GEOJSON, "Museen (GeoJSON)"),),
    )
