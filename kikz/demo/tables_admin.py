"""Generated administrative tables: council business and the registers that hold personal data.

All people here are invented (see ``people``); the registers look like the real exports so that the
governance checks (personal-data detection, classification) have something true to life to work on.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from kikz.demo import people
from kikz.demo.cities import City
from kikz.demo.files import Table

COMMITTEES = (
    "Stadtverordnetenversammlung",
    "Haupt- und Finanzausschuss",
    "Ausschuss für Planen, Bauen und Umwelt",
    "Ausschuss für Soziales, Jugend und Sport",
    "Ausschuss für Kultur und Bildung",
    "Ausschuss für Mobilität",
)
TOPICS = (
    "Bebauungsplan Nr. {n} „{street}“ – Aufstellungsbeschluss",
    "Sanierung der {street} – Baubeschluss",
    "Haushaltssatzung und Haushaltsplan 2026",
    "Fortschreibung des Radverkehrskonzepts",
    "Neubau der Kita {street}",
    "Zuschuss an den Sportverein {district} e. V.",
    "Klimaschutzkonzept – Sachstandsbericht",
    "Parkraumbewirtschaftung im Stadtteil {district}",
    "Anfrage der Fraktion zur Straßenbeleuchtung in {district}",
    "Jahresabschluss der Stadtwerke",
    "Umbenennung eines Platzes in {district}",
    "Beitritt zur interkommunalen Datenplattform Smart KIKZ",
    "Satzung über die Erhebung von Gebühren für Bewohnerparkausweise",
)


def _topic(rng: random.Random, city: City) -> str:
    return rng.choice(TOPICS).format(
        n=rng.randint(100, 480), street=rng.choice(city.streets), district=rng.choice(city.districts).name
    )


def council_sessions(city: City, rng: random.Random) -> Table:
    """Session calendar 2025 with agenda items (nested JSON, as council information systems deliver it)."""
    sessions: list[dict[str, Any]] = []
    for committee in COMMITTEES:
        per_year = 9 if committee == COMMITTEES[0] else 7
        for k in range(per_year):
            day = dt.date(2025, 1, 20) + dt.timedelta(days=round(k * 330 / per_year) + rng.randint(0, 6))
            day -= dt.timedelta(days=day.weekday() % 4)  # Mon–Thu
            agenda = [
                {"top": str(i + 1), "betreff": _topic(rng, city), "oeffentlich": rng.random() < 0.85}
                for i in range(rng.randint(4, 12))
            ]
            sessions.append(
                {
                    "gremium": committee,
                    "datum": day.isoformat(),
                    "beginn": "17:00" if committee == COMMITTEES[0] else "18:00",
                    "ort": "Rathaus, Sitzungssaal" if k % 3 else "Stadthalle, Saal 1",
                    "tagesordnung": agenda,
                }
            )
    sessions.sort(key=lambda s: (s["datum"], s["gremium"]))
    rows = [(s["gremium"], s["datum"], s["beginn"], s["ort"], len(s["tagesordnung"])) for s in sessions]
    return Table(["gremium", "datum", "beginn", "ort", "tagesordnung"], rows, nested=sessions)


def council_decisions(city: City, rng: random.Random, *, count: int = 140) -> Table:
    rows = []
    for i in range(count):
        day = dt.date(2024, 1, 15) + dt.timedelta(days=rng.randrange(700))
        yes = rng.randint(20, 59)
        no = rng.randint(0, 59 - yes) if rng.random() < 0.7 else 0
        abstain = rng.randint(0, max(0, 59 - yes - no) // 3)
        result = "einstimmig angenommen" if no == 0 and abstain == 0 else ("angenommen" if yes > no else "abgelehnt")
        rows.append(
            (
                f"{day.year}/{i + 100:04d}",
                day,
                rng.choice(COMMITTEES),
                _topic(rng, city),
                result,
                yes,
                no,
                abstain,
            )
        )
    rows.sort(key=lambda r: (r[1], r[0]))
    return Table(["Drucksache", "Sitzungsdatum", "Gremium", "Betreff", "Ergebnis", "Ja", "Nein", "Enthaltungen"], rows)


def business_registrations(city: City, rng: random.Random, *, count: int = 420) -> Table:
    """Gewerbeanmeldungen (§ 14 GewO) with the owner's personal data, as trade offices export them."""
    trades = (
        "Einzelhandel mit Textilien",
        "Gastronomie (Imbiss)",
        "Hausmeisterservice",
        "IT-Dienstleistungen",
        "Friseursalon",
        "Kurierdienst",
        "Reinigungsdienst",
        "Online-Handel",
        "Kosmetikstudio",
        "Baunebengewerbe (Fliesenlegerarbeiten)",
        "Unternehmensberatung",
        "Fahrradwerkstatt",
    )
    rows = []
    for i in range(count):
        p = people.person(rng, city, min_age=19, max_age=68)
        day = dt.date(2024, 1, 2) + dt.timedelta(days=rng.randrange(360))
        rows.append(
            (
                f"GA-{day.year}-{i + 1:05d}",
                day,
                rng.choice(("Neuerrichtung", "Neuerrichtung", "Übernahme", "Zuzug")),
                p.last_name,
                p.first_name,
                p.birth_date,
                rng.choice(
                    (
                        "deutsch",
                        "deutsch",
                        "deutsch",
                        "türkisch",
                        "polnisch",
                        "rumänisch",
                        "italienisch",
                        "griechisch",
                    )
                ),
                p.address,
                f"{rng.choice(city.streets)} {rng.randint(1, 150)}, {rng.choice(city.postcodes)} {city.name}",
                rng.choice(trades),
                rng.choice(("Einzelunternehmen", "Einzelunternehmen", "GbR", "UG (haftungsbeschränkt)")),
                p.phone,
                p.email,
                rng.choice((0, 0, 1, 2, 3, 5)),
            )
        )
    return Table(
        [
            "Vorgangsnummer",
            "Eingangsdatum",
            "Anmeldegrund",
            "Nachname",
            "Vorname",
            "Geburtsdatum",
            "Staatsangehörigkeit",
            "Wohnanschrift",
            "Betriebsstätte",
            "Tätigkeit",
            "Rechtsform",
            "Telefon",
            "E-Mail",
            "Beschäftigte",
        ],
        rows,
    )


def citizen_requests(city: City, rng: random.Random, *, count: int = 320) -> Table:
    """Complaints and requests with free text in which people leave their names and phone numbers."""
    # fmt: off
    issues = {
        "Straßenbeleuchtung": "seit {n} Tagen ist die Straßenlaterne vor Hausnummer {h} in der {street} "
                              "dunkel",
        "Schlagloch": "in der {street} auf Höhe Hausnummer {h} ist ein tiefes Schlagloch, mein Fahrrad ist "
                      "beschädigt",
        "Wilder Müll": "an der Ecke {street} wurden Sperrmüll und Altreifen abgeladen",
        "Lärm": "die Baustelle in der {street} beginnt jeden Morgen schon um 6 Uhr",
        "Grünpflege": "die Hecke an der {street} ragt weit auf den Gehweg, mit dem Kinderwagen kommt man "
                      "nicht vorbei",
        "Parken": "in der {street} wird ständig auf dem Radweg geparkt, zuletzt ein Auto mit Kennzeichen "
                  "{plate}",
        "Spielplatz": "auf dem Spielplatz in {district} ist die Schaukel kaputt",
    }
    # fmt: on
    records: list[dict[str, Any]] = []
    for i in range(count):
        p = people.person(rng, city)
        kind = rng.choice(list(issues))
        text = issues[kind].format(
            n=rng.randint(2, 30),
            h=rng.randint(1, 120),
            street=rng.choice(city.streets),
            plate=people.plate(rng, city),
            district=p.district,
        )
        closing = rng.choice(
            (
                f"Rufen Sie mich gerne an unter {p.phone}.",
                f"Erreichbar bin ich unter {p.phone} oder {p.email}.",
                f"Ich wohne selbst in der {p.street} {p.house_number}.",
                "",
            )
        )
        body = f"Sehr geehrte Damen und Herren, {text}. {closing} Mit freundlichen Grüßen {p.full_name}".replace(
            "  ", " "
        )
        received = dt.datetime(2024, 1, 1, 7) + dt.timedelta(minutes=rng.randrange(365 * 24 * 60))
        status = rng.choice(("erledigt", "erledigt", "in Bearbeitung", "weitergeleitet", "neu"))
        records.append(
            {
                "vorgang": f"M-{received.year}-{i + 1:05d}",
                "eingang": received.isoformat(timespec="minutes"),
                "kanal": rng.choice(("Mängelmelder-App", "E-Mail", "Telefon", "Bürgerbüro")),
                "kategorie": kind,
                "stadtteil": p.district,
                "text": body,
                "status": status,
                "bearbeitungstage": rng.randint(1, 40) if status == "erledigt" else None,
            }
        )
    cols = list(records[0])
    return Table(cols, [tuple(r[c] for c in cols) for r in records], nested=records)


def social_security_number(rng: random.Random, p: people.Person) -> str:
    """Rentenversicherungsnummer: area, birth date, initial, serial and check digit (DRV weights)."""
    area = rng.choice(("13", "15", "16", "65", "66"))
    serial = f"{rng.randint(0, 49) if p.sex == 'm' else rng.randint(50, 99):02d}"
    body = area + p.birth_date.strftime("%d%m%y") + f"{ord(p.last_name[0].upper()[0]) - 64:02d}" + serial
    if not body.isdigit() or len(body) != 12:
        body = area + p.birth_date.strftime("%d%m%y") + "01" + serial
    weights = (2, 1, 2, 5, 7, 1, 2, 1, 2, 1, 2, 1)
    total = sum(sum(divmod(int(d) * w, 10)) for d, w in zip(body, weights, strict=True))
    letter = chr(int(body[8:10]) + 64)
    return f"{body[:8]}{letter}{body[10:]}{total % 10}"


def staff_records(city: City, rng: random.Random, *, count: int = 700) -> Table:
    """Personalstammdaten of the administration: identity, bank account, tax id, pay grade, church tax."""
    units = (
        "Hauptamt",
        "Personalamt",
        "Kämmerei",
        "Ordnungsamt",
        "Bürgerbüro",
        "Jugendamt",
        "Sozialamt",
        "Amt für Stadtplanung",
        "Tiefbauamt",
        "Hochbauamt",
        "Feuerwehr",
        "Kitas",
        "Stadtbibliothek",
        "Bauhof",
    )
    rows = []
    for i in range(count):
        p = people.person(rng, city, min_age=18, max_age=66)
        unit = rng.choice(units)
        grade = (
            rng.choice(("S 8a", "S 8b", "S 11b"))
            if unit == "Kitas"
            else f"E {rng.choice(('5', '6', '8', '9a', '9b', '9c', '10', '11', '12', '13', '15'))}"
        )
        entry = max(
            p.birth_date + dt.timedelta(days=365 * 18),
            dt.date(1985, 1, 1) + dt.timedelta(days=rng.randrange(14000)),
        )
        rows.append(
            (
                f"{70000 + i}",
                p.last_name,
                p.first_name,
                p.sex,
                p.birth_date,
                p.street + " " + p.house_number,
                p.postcode,
                p.city,
                p.iban,
                p.tax_id,
                social_security_number(rng, p),
                rng.choice(("rk", "ev", "--", "--", "--")),
                unit,
                grade,
                rng.randint(1, 6),
                rng.choice((39.0, 39.0, 39.0, 30.0, 19.5, 25.0)),
                min(entry, dt.date(2024, 12, 1)),
            )
        )
    return Table(
        [
            "Personalnummer",
            "Nachname",
            "Vorname",
            "Geschlecht",
            "Geburtsdatum",
            "Straße",
            "PLZ",
            "Ort",
            "IBAN",
            "Steuer-ID",
            "Sozialversicherungsnummer",
            "Konfession",
            "Organisationseinheit",
            "Entgeltgruppe",
            "Stufe",
            "Wochenstunden",
            "Eintritt",
        ],
        rows,
    )


def daycare_applications(city: City, rng: random.Random, *, count: int = 360) -> Table:
    """Kita-Anmeldungen: child and parent data, preferences and free-text notes (some about health)."""
    notes = (
        "",
        "",
        "",
        "Geschwisterkind bereits in der Einrichtung",
        "Allergie gegen Erdnüsse",
        "Kind hat Diabetes Typ 1, Betreuung muss Blutzucker messen",
        "Mutter alleinerziehend, berufstätig",
        "bitte Rückruf nachmittags",
        "Sprachförderung gewünscht",
    )
    rows = []
    for i in range(count):
        child = people.person(rng, city, min_age=0, max_age=4, ref_year=2025)
        parent = people.person(rng, city, min_age=24, max_age=45)
        start = dt.date(2025, rng.choice((8, 8, 9, 10, 11, 1 + rng.randint(0, 6))), 1)
        rows.append(
            (
                f"KA-2025-{i + 1:04d}",
                child.first_name,
                parent.last_name,
                child.birth_date,
                child.sex,
                parent.full_name,
                parent.address,
                parent.phone,
                parent.email,
                parent.district,
                start,
                rng.choice((25, 35, 45)),
                rng.choice(notes) or None,
                dt.date(2024, 9, 1) + dt.timedelta(days=rng.randrange(200)),
            )
        )
    return Table(
        [
            "Anmeldenummer",
            "Vorname Kind",
            "Nachname Kind",
            "Geburtsdatum Kind",
            "Geschlecht",
            "Erziehungsberechtigte/r",
            "Anschrift",
            "Telefon",
            "E-Mail",
            "Stadtteil",
            "Betreuungsbeginn",
            "Wochenstunden",
            "Bemerkung",
            "Eingangsdatum",
        ],
        rows,
    )


def resident_parking(city: City, rng: random.Random, *, count: int = 1100) -> Table:
    """Bewohnerparkausweise with holder and number plate, by parking zone."""
    zones = [f"Zone {chr(65 + i)} ({d.name})" for i, d in enumerate(city.districts[:6])]
    rows = []
    for i in range(count):
        p = people.person(rng, city)
        valid = dt.date(2024, 1, 1) + dt.timedelta(days=rng.randrange(365))
        rows.append(
            (
                f"BP-{valid.year}-{i + 1:05d}",
                rng.choice(zones),
                p.last_name,
                p.first_name,
                f"{p.street} {p.house_number}",
                p.postcode,
                people.plate(rng, city),
                rng.choice(("Pkw", "Pkw", "Pkw", "Kombi", "Motorrad")),
                valid,
                valid + dt.timedelta(days=365),
                rng.choice((60.0, 60.0, 120.0)),
                rng.choice(("Lastschrift", "Überweisung", "EC-Karte")),
            )
        )
    return Table(
        [
            "Ausweisnummer",
            "Parkzone",
            "Nachname",
            "Vorname",
            "Straße",
            "PLZ",
            "Kennzeichen",
            "Fahrzeugart",
            "gültig ab",
            "gültig bis",
            "Gebühr EUR",
            "Zahlungsart",
        ],
        rows,
    )


def absence_records(city: City, rng: random.Random, *, staff: int = 180) -> Table:
    """Monthly absences per employee with reason: health data under Art. 9 GDPR."""
    rows = []
    for i in range(staff):
        p = people.person(rng, city, min_age=20, max_age=64)
        unit = rng.choice(("Bürgerbüro", "Bauhof", "Kitas", "Ordnungsamt", "Kämmerei", "Feuerwehr"))
        for month in range(1, 13):
            if rng.random() < 0.35:
                days = rng.randint(1, 12)
                reason = rng.choice(
                    ("Erkrankung", "Erkrankung", "Erkrankung", "Kind krank", "Arbeitsunfall", "Reha-Maßnahme")
                )
                rows.append(
                    (
                        f"{70000 + i}",
                        p.full_name,
                        unit,
                        f"2024-{month:02d}",
                        days,
                        days if days > 3 else rng.randint(0, days),
                        reason,
                        days >= 6 and rng.random() < 0.5,
                    )
                )
    return Table(
        [
            "Personalnummer",
            "Name",
            "Organisationseinheit",
            "Monat",
            "Fehltage",
            "davon mit AU-Bescheinigung",
            "Grund",
            "BEM angeboten",
        ],
        rows,
    )
