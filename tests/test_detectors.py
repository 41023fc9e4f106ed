"""Detectors, one table of cases each: what counts, what does not, and that examples stay masked."""

from __future__ import annotations

import pytest

from kikz.governance.detectors import (
    Category,
    column_names,
    detect_column,
    free_text,
    person_name,
    postal_address,
)
from kikz.governance.detectors.birthdate import is_birth_date
from kikz.governance.detectors.email import is_personal_email
from kikz.governance.detectors.iban import is_iban
from kikz.governance.detectors.idcard import is_document_number
from kikz.governance.detectors.ip import is_ip
from kikz.governance.detectors.kvnr import is_kvnr
from kikz.governance.detectors.phone import is_phone
from kikz.governance.detectors.plate import is_plate
from kikz.governance.detectors.steuer_id import is_steuer_id
from kikz.governance.detectors.svnr import is_svnr
from kikz.governance.evalset.generators import Gen

CASES = [
    (is_personal_email, "anna.schmidt@web.de", True),
    (is_personal_email, "info@kita-waldstrasse.de", False),
    (is_personal_email, "poststelle@offenbach.de", False),
    (is_personal_email, "kein-at-zeichen.de", False),
    (is_iban, "DE89 3704 0044 0532 0130 00", True),
    (is_iban, "DE89370400440532013000", True),
    (is_iban, "DE88 3704 0044 0532 0130 00", False),  # check digits wrong
    (is_iban, "DE12ABCD5678901234567", False),
    (is_steuer_id, "36574261809", True),
    (is_steuer_id, "36574261890", False),
    (is_steuer_id, "12345678901", False),
    (is_kvnr, "A123456780", True),
    (is_kvnr, "A123456781", False),
    (is_document_number, "T220001293", True),
    (is_document_number, "T220001294", False),
    (is_plate, "OF-AB 123", True),
    (is_plate, "F-XY 4567E", True),
    (is_plate, "XQ-ZZ 999", False),  # no such district code
    (is_plate, "OF-AB 12345", False),
    (is_ip, "93.184.216.34", True),
    (is_ip, "2a02:810d:4b3f::1", True),
    (is_ip, "1.2.3", False),
    (is_ip, "999.1.1.1", False),
    (is_phone, "069 8065-2345", True),
    (is_phone, "+49 171 2345678", True),
    (is_phone, "63065", False),
    (is_phone, "2024", False),
    (is_birth_date, "03.07.1961", True),
    (is_birth_date, "2090-01-01", False),
    (is_birth_date, "31.02.1980", False),
    (postal_address.is_address, "Kaiserstraße 12a", True),
    (postal_address.is_address, "Am Markt 3, 63065 Offenbach", True),
    (postal_address.is_address, "Zählstelle Frankfurter Straße", False),
    (postal_address.is_address, "Kaiserstraße", False),
    (person_name.is_person_name, "Anna Schmidt", True),
    (person_name.is_person_name, "Schmidt, Anna", True),
    (person_name.is_person_name, "Dr. Mehmet Yılmaz", True),
    (person_name.is_person_name, "Anne-Frank-Straße", False),
    (person_name.is_person_name, "Bäckerei Schmidt GmbH", False),
    (person_name.is_person_name, "SPD-Fraktion", False),
    (person_name.is_person_name, "Rumpenheim", False),
    (person_name.is_person_name, "Winter-Linde", False),
]


@pytest.mark.parametrize(("check", "value", "expected"), CASES, ids=[f"{c.__name__}:{v}" for c, v, _ in CASES])
def test_value_checks(check, value, expected) -> None:  # type: ignore[no-untyped-def]
    assert check(value) is expected


def test_generated_identifiers_pass_their_own_checks() -> None:
    g = Gen(3)
    for _ in range(30):
        assert is_svnr(g.sv_nummer()) and is_kvnr(g.kvnr()) and is_iban(g.iban())
        assert is_steuer_id(g.steuer_id()) and is_document_number(g.ausweisnummer()) and is_plate(g.plate())


@pytest.mark.parametrize(
    ("header", "slug"),
    [
        ("Vorname", "personenname"),
        ("Geb.-Datum", "geburtsdatum"),
        ("Wohnanschrift", "postanschrift"),
        ("E-Mail", "email"),
        ("Tel.-Nr.", "telefonnummer"),
        ("IBAN", "iban"),
        ("Steuer-ID", "steuer_id"),
        ("SV-Nummer", "sv_nummer"),
        ("KVNR", "kvnr"),
        ("Pass-Nr.", "ausweisnummer"),
        ("Kennzeichen", "kfz_kennzeichen"),
        ("Client-IP", "ip_adresse"),
        ("Diagnose", "gesundheitsdaten"),
        ("Konfession", "religion"),
        ("Gewerkschaft", "gewerkschaft"),
        ("PLZ", "quasi_identifikator"),
        ("Bemerkung", "free_text"),
    ],
)
def test_column_names(header: str, slug: str) -> None:
    assert slug in {f.detector for f in column_names.match(header)}


@pytest.mark.parametrize("header", ["Haltestellenname", "Straßenname", "Name der Zählstelle", "Baumart", "Stadtteil"])
def test_place_headers_are_not_person_names(header: str) -> None:
    assert "personenname" not in {f.detector for f in column_names.match(header)}


def test_findings_are_typed_records_with_masked_examples() -> None:
    values = ["anna.schmidt@web.de", "m.yilmaz@gmx.de", "k.nowak@t-online.de", "info@stadt.de"]
    evidence = detect_column(name="E-Mail", values=values)
    found = [f for f in evidence.findings if f.source == "values"]
    assert [(f.detector, f.category, f.evidence_count, f.sample_size) for f in found] == [
        ("email", Category.PERSONAL, 3, 4)
    ]
    assert found[0].example_masked == "an***@***.de"
    assert "3 von 4" in found[0].message


def test_iban_example_keeps_only_country_check_digits_and_end() -> None:
    evidence = detect_column(name="Konto", values=["DE89 3704 0044 0532 0130 00"])
    example = next(f.example_masked for f in evidence.findings if f.detector == "iban")
    assert example == "DE89 **** **** **** **** 00"


def test_free_text_finds_persons_in_prose() -> None:
    texts = [
        "Herr Müller, Tel. 069 123456, wegen Diagnose Diabetes",
        "Baustelle seit Montag, Umleitung über die Kaiserstraße",
    ]
    assert free_text.kinds_in(texts[0]) == {"name", "telefon", "gesundheit"}
    assert free_text.kinds_in(texts[1]) == set()
    found = {f.detector: f for f in free_text.scan("Bemerkung", texts)}
    assert (found["freitext_personenbezug"].evidence_count, found["freitext_personenbezug"].sample_size) == (
        1,
        2,
    )
    assert found["freitext_gesundheit"].category == Category.ART9


def test_station_and_street_names_give_no_findings() -> None:
    stops = [
        "Marktplatz",
        "Kaiserstraße",
        "Offenbach Ost",
        "Rumpenheim Schloss",
        "Bürgel Rathaus",
        "Ledermuseum",
    ]
    assert detect_column(name="Haltestelle", values=stops).findings == []
