"""Tables with personal data and Art. 9 categories, as municipal offices keep them."""

from __future__ import annotations

from typing import Any

from kikz.governance.evalset.generators import CITIES, DISTRICTS, POSTCODES, STREETS, Gen

DIAGNOSES = ("Demenz", "Diabetes mellitus Typ 2", "Z. n. Schlaganfall", "Depression", "Parkinson", "Multiple Sklerose",
             "Herzinsuffizienz, Erkrankung", "COPD", "F32.1", "G30.1", "I63.9", "E11.9")  # fmt: skip
NATIONALITIES = ("deutsch", "türkisch", "polnisch", "italienisch", "griechisch", "kroatisch", "syrisch", "ukrainisch")
RELIGION_CODES = ("ev", "rk", "--", "ak", "is", "ev", "rk", "--")


def _rows(n: int, make: Any) -> list[list[str]]:
    return [[str(v) for v in make(i)] for i in range(n)]


def PERSONAL_TABLES() -> list[dict[str, Any]]:  # noqa: N802 - a constant-like list built on call
    g = Gen(202)
    specs: list[dict[str, Any]] = []

    def add(name: str, description: str, columns: list[str], rows: list[list[str]], personal: set[str],
            art9: set[str] | None = None) -> None:  # fmt: skip
        specs.append({"name": name, "description": description, "columns": columns, "rows": rows,
                      "personal": frozenset(personal), "art9": frozenset(art9 or set())})  # fmt: skip

    def person(i: int) -> tuple[str, str]:
        return g.first(), g.last()

    add("stadtverordnete", "Mitglieder der Stadtverordnetenversammlung (öffentliche Funktion)",
        ["Name", "Fraktion", "Funktion", "Ausschüsse"],
        _rows(71, lambda i: [f"{g.pick(['', '', 'Dr. '])}{g.full_name()}", g.pick(["SPD", "CDU", "GRÜNE", "FDP", "LINKE"]),
                             g.pick(["Stadtverordnete/r", "Fraktionsvorsitz", "Stadtverordnetenvorsteher/in"]),
                             g.pick(["Haupt- und Finanzausschuss", "Bauausschuss", "Sozialausschuss"])]),
        {"Name"})
    add("parkverstoesse", "Verwarnungen im ruhenden Verkehr",
        ["Tatzeit", "Tatort", "Kennzeichen", "Tatbestand", "Betrag EUR"],
        _rows(150, lambda i: [f"{g.date()} {i % 24:02d}:{i % 60:02d}", g.pick(STREETS), g.plate(),
                              g.pick(["Parken im Halteverbot", "Parken auf Gehweg", "Parkzeit überschritten"]),
                              g.pick(["20", "25", "55"])]),
        {"Kennzeichen"})
    add("buergerantraege", "Anträge auf Anwohnerparkausweis",
        ["Vorname", "Nachname", "Geburtsdatum", "Straße und Hausnummer", "PLZ", "Ort", "Telefon", "E-Mail",
         "Antragsart", "Eingangsdatum"],
        _rows(120, lambda i: (lambda f, last: [f, last, g.birth_date(), g.street_address(), g.pick(POSTCODES),
                                               g.pick(CITIES), g.phone(), g.email(f, last),
                                               g.pick(["Erstantrag", "Verlängerung"]), g.date()])(*person(i))),
        {"Vorname", "Nachname", "Geburtsdatum", "Straße und Hausnummer", "Telefon", "E-Mail"})
    add("wohngeld", "Wohngeldbescheide",
        ["Antragsteller", "IBAN", "Steuer-ID", "Haushaltsgröße", "Betrag"],
        _rows(90, lambda i: [g.full_name(), g.iban(), g.steuer_id(), g.r.randint(1, 6), f"{g.r.uniform(80, 600):.2f}".replace(".", ",")]),
        {"Antragsteller", "IBAN", "Steuer-ID"})
    add("schwerbehindertenausweise", "Schwerbehindertenausweise (Versorgungsamt)",
        ["Name", "Geb.-Datum", "GdB", "Merkzeichen", "Gültig bis"],
        _rows(80, lambda i: [g.full_name(), g.birth_date(), g.pick(["50", "60", "70", "80", "100"]),
                             g.pick(["G", "aG", "B", "H", "Bl", "G, B"]), g.date(2028)]),
        {"Name", "Geb.-Datum"}, {"GdB", "Merkzeichen"})
    add("pflegeberatung_faelle", "Pflegeberatung: pseudonymisierte Fälle",
        ["Fall-Nr", "Alter", "Geschlecht", "PLZ", "Pflegegrad", "Diagnose"],
        _rows(110, lambda i: [f"PB-2024-{i + 1:04d}", g.r.randint(60, 98), g.pick(["w", "m", "d"]), g.pick(POSTCODES),
                              g.pick(["1", "2", "3", "4", "5"]), g.pick(DIAGNOSES)]),
        set(), {"Pflegegrad", "Diagnose"})
    add("buergermeldungen", "Mängelmelder mit Freitext der Meldenden",
        ["Meldungs-ID", "Kategorie", "Beschreibung", "Ort", "Status"],
        _rows(100, lambda i: [10000 + i, g.pick(["Lärm", "Müll", "Straßenschaden"]), g.pick([
            f"Herr {g.last()} meldet Lärm nachts, Rückruf unter {g.phone()} erbeten",
            f"Frau {g.last()} bittet um Abholung des Sperrmülls, erreichbar per Mail {g.email(g.first(), g.last())}",
            "Schlagloch vor Hausnummer 12, bitte dringend reparieren, Gefahr für Radfahrende",
            f"Anruf von {g.full_name()}: Gehweg seit Wochen blockiert durch Baustelle",
            "Container überfüllt, Müll liegt seit Tagen daneben auf dem Gehweg"]),
            g.pick(STREETS), g.pick(["offen", "erledigt"])]),
        {"Beschreibung"})
    add("wlan_log", "Protokoll des städtischen WLAN",
        ["Zeitstempel", "Client-IP", "Hotspot", "Bytes"],
        _rows(200, lambda i: [f"2024-06-01T{i % 24:02d}:{i % 60:02d}:00Z", g.ip(), g.pick(["Rathaus", "Marktplatz", "Stadtbibliothek"]),
                              g.r.randint(1000, 10**8)]),
        {"Client-IP"})
    add("schuelerliste", "Schülerliste mit Religionsunterricht",
        ["Schüler", "Klasse", "Geburtsdatum", "Religion"],
        _rows(120, lambda i: [g.full_name(), f"{g.r.randint(5, 10)}{g.pick('abc')}", g.birth_date(2008, 2014),
                              g.pick(["evangelisch", "katholisch", "islamisch", "Ethik"])]),
        {"Schüler", "Geburtsdatum"}, {"Religion"})
    add("telefonverzeichnis_intern", "Internes Telefonverzeichnis der Verwaltung",
        ["Name", "Amt", "Telefon", "E-Mail"],
        _rows(90, lambda i: (lambda f, last: [f"{last}, {f}", g.pick(["Ordnungsamt", "Bauaufsicht", "Kämmerei", "Jugendamt"]),
                                              f"069 8065-{g.r.randint(1000, 4999)}",
                                              f"{f.lower()}.{last.lower()}@offenbach.de".replace("ü", "ue").replace("ö", "oe")
                                              .replace("ä", "ae").replace("ß", "ss").replace("ı", "i").replace("ş", "s")
                                              .replace("ç", "c").replace("ś", "s").replace("ć", "c").replace("č", "c")])(*person(i))),
        {"Name", "Telefon", "E-Mail"})
    add("personalrat_mitglieder", "Mitglieder des Personalrats mit Gewerkschaft",
        ["Name", "Personalnummer", "Gewerkschaft", "Amt"],
        _rows(25, lambda i: [g.full_name(), f"P{g.r.randint(10000, 99999)}", g.pick(["ver.di", "komba", "GEW", "keine"]),
                             g.pick(["Hauptamt", "Ordnungsamt", "Jugendamt"])]),
        {"Name"}, {"Gewerkschaft"})
    add("melderegister_auszug", "Auszug aus dem Melderegister",
        ["Familienname", "Vornamen", "Geburtsdatum", "Staatsangehörigkeit", "Wohnanschrift", "Religion"],
        _rows(150, lambda i: [g.last(), g.first(), g.birth_date(), g.pick(NATIONALITIES), f"{g.street_address()}, {g.pick(POSTCODES)} Offenbach",
                              g.pick(RELIGION_CODES)]),
        {"Familienname", "Vornamen", "Geburtsdatum", "Wohnanschrift"}, {"Religion"})
    add("impfungen", "Impfungen des Gesundheitsamts",
        ["Versichertennummer", "Name", "Impfdatum", "Impfstatus"],
        _rows(100, lambda i: [g.kvnr(), g.full_name(), g.date(), g.pick(["vollständig geimpft", "Erstimpfung", "Infektion genesen"])]),
        {"Versichertennummer", "Name"}, {"Impfstatus"})
    add("grundsicherung", "Leistungsempfänger Grundsicherung",
        ["Name", "SV-Nummer", "Geburtsdatum", "Leistungsart", "Betrag"],
        _rows(80, lambda i: [g.full_name(), g.sv_nummer(), g.birth_date(1940, 1960), g.pick(["Grundsicherung im Alter", "Hilfe zum Lebensunterhalt"]),
                             f"{g.r.uniform(300, 900):.2f}".replace(".", ",")]),
        {"Name", "SV-Nummer", "Geburtsdatum"})
    add("ausweisausgabe", "Ausgabe von Personalausweisen im Bürgerbüro",
        ["Ausweisnummer", "Ausgabedatum", "Nachname", "Abholstatus"],
        _rows(100, lambda i: [g.ausweisnummer(), g.date(), g.last(), g.pick(["abgeholt", "liegt bereit"])]),
        {"Ausweisnummer", "Nachname"})
    add("hausbesuche_sozialdienst", "Hausbesuche des Sozialdienstes mit Wohnort-Koordinaten",
        ["Klient", "Breitengrad", "Längengrad", "Besuchsdatum", "Stadtteil"],
        _rows(70, lambda i: [g.full_name(), g.coordinate(50.10), g.coordinate(8.76), g.date(), g.pick(DISTRICTS)]),
        {"Klient", "Breitengrad", "Längengrad"})
    add("fundbuero", "Fundsachen mit Bemerkungen",
        ["Fundgegenstand", "Fundort", "Funddatum", "Bemerkung"],
        _rows(80, lambda i: [g.pick(["Geldbörse", "Schlüsselbund", "Rucksack", "Handy"]), g.pick(STREETS), g.date(),
                             g.pick([f"Ausweis auf den Namen Frau {g.last()} enthalten, Eigentümerin informiert",
                                     "Schwarzer Rucksack mit Sportkleidung und Trinkflasche, ohne Hinweise",
                                     f"Abgegeben von Herrn {g.last()}, Telefon {g.phone()}",
                                     "Schlüsselbund mit drei Schlüsseln und rotem Anhänger gefunden",
                                     "Geldbörse ohne Ausweis, mit etwas Bargeld und Kundenkarten"])]),
        {"Bemerkung"})
    return specs
