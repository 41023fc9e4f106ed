"""Internal and confidential datasets of the demo: working data of the departments, some with personal data.

Their descriptions say what the data is for and why it is protected, as a data steward would write them.
"""

from __future__ import annotations

import datetime as dt

from kikz.demo import tables_admin as adm
from kikz.demo import tables_city as tc
from kikz.demo import tables_mobility as mob
from kikz.demo import tables_services as ts
from kikz.demo.cities import City
from kikz.demo.files import CSV_DE, CSV_UTF8, JSON, PARQUET, XLSX
from kikz.demo.specs import CONFIDENTIAL, INTERNAL, SECRET, SHARED, UNCLASSIFIED, DatasetSpec, FileSpec

D = dt.date


def energy(c: City) -> DatasetSpec:
    return DatasetSpec(
        key="energieverbrauch-gebaeude-2024",
        title=f"Strom- und Wärmeverbrauch städtischer Gebäude {c.name} 2024",
        description=(
            "Monatliche Zählerstände des kommunalen Energiemanagements für Rathaus, Schulen, Kitas, Bäder "
            f"und weitere Liegenschaften der Stadt {c.name}: Strom und Wärme in kWh, Kosten und CO2. Die "
            "Daten dienen dem Energiebericht und dem Vergleich mit den Partnerstädten im "
            "Smart-KIKZ-Netzwerk."
        ),
        keywords=("Energie", "Stromverbrauch", "Wärme", "Energiemanagement", "Liegenschaften", "Klimaschutz"),
        themes=("ENER", "GOVE"),
        office="Hochbauamt, Energiemanagement",
        mailbox="energiemanagement",
        periodicity="MONTHLY",
        start=D(2024, 1, 1),
        end=D(2024, 12, 31),
        table=tc.building_energy,
        files=(FileSpec("energieverbrauch_liegenschaften_2024.xlsx", XLSX, "Monatswerte (Excel)"),),
        protection=SHARED,
        license_id="other-closed",
    )


def road_works(c: City) -> DatasetSpec:
    return DatasetSpec(
        key="baustellenkoordination-2025",
        title=f"Baustellenkoordination {c.name} 2025",
        description=(
            "Geplante Aufbrüche und Baumaßnahmen im öffentlichen Straßenraum mit Vorhabenträger, Zeitraum "
            "und Verkehrsführung, abgestimmt zwischen Tiefbauamt, Versorgern und "
            "Telekommunikationsunternehmen. Die Liste enthält noch nicht vergebene Maßnahmen und ist deshalb "
            "nur für den Dienstgebrauch bestimmt."
        ),
        keywords=("Baustellen", "Straßenbau", "Koordination", "Verkehrsführung", "Aufbruch"),
        themes=("TRAN",),
        office="Tiefbauamt",
        mailbox="tiefbau",
        periodicity="WEEKLY",
        start=D(2025, 1, 1),
        end=D(2025, 12, 31),
        table=mob.road_works,
        files=(FileSpec("baustellen_2025.xlsx", XLSX, "Maßnahmen (Excel)"),),
        protection=SHARED,
        license_id="other-closed",
    )


def school_forecast(c: City) -> DatasetSpec:
    return DatasetSpec(
        key="schuelerprognose",
        title=f"Schülerprognose Grundschulen {c.name} 2025–2035",
        description=(
            "Arbeitsstand der Schülerzahlprognose je Grundschulbezirk für den Schulentwicklungsplan. Die "
            "Werte beruhen auf Geburten, Zuzügen und geplanten Baugebieten und sind vor dem Beschluss der "
            "Stadtverordnetenversammlung nicht zur Veröffentlichung bestimmt."
        ),
        keywords=("Schulentwicklungsplanung", "Prognose", "Grundschule", "Schülerzahlen"),
        themes=("EDUC",),
        office="Schulamt, Schulentwicklungsplanung",
        mailbox="schulamt",
        periodicity="ANNUAL",
        start=D(2025, 8, 1),
        end=D(2036, 7, 31),
        table=ts.school_forecast,
        files=(FileSpec("schuelerprognose_2025_2035.csv", CSV_DE, "Prognose (CSV, Excel)"),),
        protection=INTERNAL,
        license_id=None,
    )


def winter_service(c: City) -> DatasetSpec:
    return DatasetSpec(
        key="winterdienst-2024-25",
        title=f"Winterdienst {c.name} – Einsatzprotokolle 2024/25",
        description=(
            "Tägliche Einsätze des Winterdienstes im Winter 2024/25 je Räumtour mit Anlass, Beginn, Dauer "
            "und Verbrauch an Streusalz und Sole. Die Protokolle dienen der Abrechnung und der Planung des "
            "Streugutvorrats."
        ),
        keywords=("Winterdienst", "Streusalz", "Bauhof", "Straßenreinigung"),
        themes=("TRAN", "GOVE"),
        office="Bauhof",
        mailbox="bauhof",
        periodicity="DAILY",
        start=D(2024, 11, 15),
        end=D(2025, 3, 15),
        table=mob.winter_service,
        files=(FileSpec("winterdienst_2024_25.csv", CSV_DE, "Einsätze (CSV, Excel)"),),
        protection=INTERNAL,
        license_id="other-closed",
    )


def road_condition(c: City) -> DatasetSpec:
    return DatasetSpec(
        key="strassenzustand",
        title=f"Straßenzustandserfassung {c.name} 2024",
        description=(
            "Zustandsnoten der Gemeindestraßen je Abschnitt aus der messtechnischen Erfassung 2024 (1,0 = "
            "sehr gut bis 5,0 = sehr schlecht) mit Bauweise, letzter Erneuerung und Maßnahmenvorschlag. "
            "Grundlage für das Erhaltungsmanagement und die Investitionsplanung."
        ),
        keywords=("Straßenzustand", "Erhaltungsmanagement", "Straßen", "Investitionsplanung"),
        themes=("TRAN",),
        office="Tiefbauamt, Straßenerhaltung",
        mailbox="tiefbau",
        periodicity="BIENNIAL",
        start=D(2024, 4, 1),
        end=D(2024, 10, 31),
        table=tc.road_condition,
        files=(FileSpec("strassenzustand_2024.parquet", PARQUET, "Abschnitte (Parquet)"),),
        protection=INTERNAL,
        license_id="other-closed",
    )


def traffic_signals(c: City) -> DatasetSpec:
    return DatasetSpec(
        key="lichtsignalanlagen",
        title=f"Lichtsignalanlagen {c.name}",
        description=(
            "Bestand der Lichtsignalanlagen mit Knotenpunkt, Steuerungsart, Umlaufzeit, Zahl der "
            "Signalprogramme, Baujahr, Busbevorrechtigung und Blindenakustik. Der Datensatz ist aus dem "
            "Fachverfahren übernommen und noch nicht klassifiziert."
        ),
        keywords=("Ampel", "Lichtsignalanlage", "Verkehrssteuerung", "Barrierefreiheit"),
        themes=("TRAN",),
        office="Straßenverkehrsbehörde, Verkehrstechnik",
        mailbox="verkehrstechnik",
        periodicity="IRREG",
        start=None,
        end=None,
        table=mob.traffic_signals,
        files=(FileSpec("lichtsignalanlagen.csv", CSV_UTF8, "Anlagen (CSV)"),),
        protection=UNCLASSIFIED,
        license_id=None,
        personal=None,
    )


def business_registrations(c: City) -> DatasetSpec:
    return DatasetSpec(
        key="gewerbeanmeldungen-2024",
        title=f"Gewerbeanmeldungen {c.name} 2024",
        description=(
            "Export der Gewerbeanmeldungen des Jahres 2024 aus dem Gewerbefachverfahren mit Name, "
            "Geburtsdatum, Staatsangehörigkeit und Wohnanschrift der Gewerbetreibenden, Betriebsstätte, "
            "Tätigkeit und Kontaktdaten. Der Datensatz enthält personenbezogene Daten; veröffentlicht wird "
            "nur die anonymisierte Statistik nach Wirtschaftszweigen."
        ),
        keywords=("Gewerbe", "Gewerbeanmeldung", "Gewerbeamt", "Wirtschaft", "personenbezogen"),
        themes=("ECON",),
        office="Ordnungsamt, Gewerbeangelegenheiten",
        mailbox="gewerbe",
        periodicity="MONTHLY",
        start=D(2024, 1, 1),
        end=D(2024, 12, 31),
        table=adm.business_registrations,
        files=(FileSpec("gewerbeanmeldungen_2024.csv", CSV_DE, "Export Fachverfahren (CSV, Excel)"),),
        protection=CONFIDENTIAL,
        license_id="other-closed",
        personal=True,
        legal_basis="§ 14 GewO",
    )


def citizen_requests(c: City) -> DatasetSpec:
    return DatasetSpec(
        key="buergeranliegen-2024",
        title=f"Bürgeranliegen und Beschwerden {c.name} 2024 (Mängelmelder)",
        description=(
            "Meldungen von Bürgerinnen und Bürgern über Mängelmelder-App, E-Mail, Telefon und Bürgerbüro mit "
            "Kategorie, Stadtteil, Bearbeitungsstand und dem Meldungstext. Die Freitexte enthalten häufig "
            "Namen, Telefonnummern, E-Mail-Adressen und Kfz-Kennzeichen und sind deshalb vertraulich."
        ),
        keywords=("Bürgeranliegen", "Beschwerden", "Mängelmelder", "Bürgerservice", "Freitext"),
        themes=("GOVE",),
        office="Bürgerservice",
        mailbox="buergerservice",
        periodicity="DAILY",
        start=D(2024, 1, 1),
        end=D(2024, 12, 31),
        table=adm.citizen_requests,
        files=(FileSpec("buergeranliegen_2024.json", JSON, "Meldungen (JSON)"),),
        protection=CONFIDENTIAL,
        license_id="other-closed",
        personal=True,
    )


def staff_records(c: City) -> DatasetSpec:
    return DatasetSpec(
        key="personalstammdaten",
        title=f"Personalstammdaten der Stadtverwaltung {c.name}",
        description=(
            "Stammdaten aller Beschäftigten aus dem Personalwirtschaftssystem: Name, Geburtsdatum, "
            "Anschrift, Bankverbindung, Steuer-Identifikationsnummer, Sozialversicherungsnummer, Konfession "
            "(Kirchensteuermerkmal), Organisationseinheit und Entgeltgruppe. Zugriff nur für das Personalamt "
            "und die Datenschutzbeauftragte."
        ),
        keywords=("Personal", "Beschäftigte", "Entgelt", "Personalwirtschaft"),
        themes=("GOVE",),
        office="Personalamt",
        mailbox="personalamt",
        periodicity="MONTHLY",
        start=D(2024, 12, 31),
        end=D(2024, 12, 31),
        table=adm.staff_records,
        files=(FileSpec("personalstammdaten.parquet", PARQUET, "Stammdaten (Parquet)"),),
        protection=SECRET,
        license_id="other-closed",
        personal=True,
        legal_basis="Art. 88 DSGVO, § 23 HDSIG",
    )


def daycare_applications(c: City) -> DatasetSpec:
    return DatasetSpec(
        key="kita-anmeldungen-2025",
        title=f"Kita-Anmeldungen {c.name} für das Kitajahr 2025/26",
        description=(
            "Anmeldungen für einen Betreuungsplatz mit Name und Geburtsdatum des Kindes, "
            "Erziehungsberechtigten, Anschrift, Kontaktdaten, Wunscheinrichtung, Betreuungsbeginn und "
            "-umfang. Bemerkungen können Gesundheitsangaben enthalten. Grundlage der Platzvergabe durch das "
            "Amt für Kinderbetreuung."
        ),
        keywords=("Kita", "Anmeldung", "Platzvergabe", "Kinderbetreuung", "personenbezogen"),
        themes=("EDUC", "SOCI"),
        office="Amt für Kinderbetreuung",
        mailbox="kita",
        periodicity="DAILY",
        start=D(2024, 9, 1),
        end=D(2025, 7, 31),
        table=adm.daycare_applications,
        files=(FileSpec("kita_anmeldungen_2025.xlsx", XLSX, "Anmeldungen (Excel)"),),
        protection=CONFIDENTIAL,
        license_id="other-closed",
        personal=True,
        legal_basis="§ 24 SGB VIII, HKJGB",
    )


def resident_parking(c: City) -> DatasetSpec:
    return DatasetSpec(
        key="bewohnerparkausweise-2024",
        title=f"Bewohnerparkausweise {c.name} 2024",
        description=(
            "Ausgestellte Bewohnerparkausweise mit Parkzone, Name und Anschrift der Inhaberinnen und "
            f"Inhaber, amtlichem Kennzeichen ({c.kfz}-…), Gültigkeit und Gebühr. Für die Parkraumplanung "
            "wird nur die Zahl der Ausweise je Zone weitergegeben."
        ),
        keywords=("Bewohnerparken", "Parkausweis", "Parkraumbewirtschaftung", "Kennzeichen"),
        themes=("TRAN",),
        office="Ordnungsamt, Straßenverkehrsbehörde",
        mailbox="parken",
        periodicity="DAILY",
        start=D(2024, 1, 1),
        end=D(2025, 12, 31),
        table=adm.resident_parking,
        files=(FileSpec("bewohnerparkausweise_2024.csv", CSV_DE, "Ausweise (CSV, Excel)"),),
        protection=CONFIDENTIAL,
        license_id="other-closed",
        personal=True,
        legal_basis="§ 45 Abs. 1b Nr. 2a StVO",
    )


def absences(c: City) -> DatasetSpec:
    return DatasetSpec(
        key="fehlzeiten-2024",
        title=f"Fehlzeiten der Beschäftigten {c.name} 2024",
        description=(
            "Monatliche Fehltage je Beschäftigter und Beschäftigtem mit Grund (Erkrankung, Arbeitsunfall, "
            "Reha-Maßnahme, Kind krank) und Angebot eines betrieblichen Eingliederungsmanagements. Enthält "
            "Gesundheitsdaten im Sinne von Art. 9 DSGVO; Zugriff nur für Personalamt und Datenschutz."
        ),
        keywords=("Fehlzeiten", "Krankenstand", "BEM", "Personal", "Gesundheitsdaten"),
        themes=("GOVE", "HEAL"),
        office="Personalamt, Gesundheitsmanagement",
        mailbox="personalamt",
        periodicity="MONTHLY",
        start=D(2024, 1, 1),
        end=D(2024, 12, 31),
        table=adm.absence_records,
        files=(FileSpec("fehlzeiten_2024.csv", CSV_UTF8, "Fehlzeiten (CSV)"),),
        protection=SECRET,
        license_id="other-closed",
        personal=True,
        legal_basis="§ 167 Abs. 2 SGB IX, Art. 9 DSGVO",
    )
