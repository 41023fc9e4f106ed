"""Synthetic people: realistic in form (names, IBANs, tax ids, phones, plates), made up from a seeded random.

Every name is written in characters Windows-1252 can hold, because several demo files use that encoding,
just as municipal specialist software still exports it.
"""

from __future__ import annotations

import datetime as dt
import random
import string
from dataclasses import dataclass

from kikz.demo.cities import City, split_words

# fmt: off
FIRST_FEMALE = split_words(
    "Anna Sabine Petra Julia Katharina Monika Laura Sophie Marie Lena Claudia Andrea Nicole Stefanie "
    "Birgit Ursula Elif Ayşe Zeynep Fatma Agnieszka Ioana Elena Maria Hannah Mia Emilia Leonie "
    "Johanna Christina Gabriele Renate Melanie Yasemin Amira Natalia Sandra Tanja Carolin Franziska"
)
FIRST_MALE = split_words(
    "Thomas Michael Andreas Stefan Markus Jan Lukas Felix Jonas Paul Peter Klaus Jürgen Wolfgang "
    "Frank Matthias Mehmet Ahmet Emre Can Piotr Marek Andrei Luca Marco Tobias Sebastian Daniel "
    "Florian Ben Noah Elias Leon Dieter Rainer Uwe Karim Yusuf Dimitrios Nikolaos"
)
LAST = split_words(
    "Müller Schmidt Schneider Fischer Weber Meyer Wagner Becker Schulz Hoffmann Koch Richter Klein "
    "Wolf Schröder Neumann Schwarz Braun Hofmann Zimmermann Schmitt Hartmann Krüger Lange Werner "
    "Krause Lehmann Köhler Herrmann König Walter Mayer Huber Kaiser Fuchs Peters Möller Weiß Jung "
    "Hahn Vogel Keller Günther Frank Berger Roth Beck Lorenz Baumann Franke Albrecht Schuster Simon "
    "Ludwig Böhm Winter Kraus Martin Schumacher Krämer Vogt Stein Jäger Otto Sommer Groß Seidel "
    "Heinrich Brandt Haas Schreiber Yilmaz Kaya Demir Öztürk Çelik Arslan Nowak Kowalski Wiśniewski "
    "Popescu Ionescu Papadopoulos Rossi Russo Hadžić Kovač Ahmadi Haddad"
)
# fmt: on


def cp1252_safe(names: tuple[str, ...]) -> tuple[str, ...]:
    out = []
    for name in names:
        try:
            name.encode("cp1252")
        except UnicodeEncodeError:
            continue
        out.append(name)
    return tuple(out)


# Names outside Windows-1252 (ş, ś, ž …) would break the cp1252 exports; they are dropped here once.
FIRST_FEMALE = cp1252_safe(FIRST_FEMALE)
FIRST_MALE = cp1252_safe(FIRST_MALE)
LAST = cp1252_safe(LAST)

# Made-up bank codes with random account numbers: the IBANs are valid in form (mod 97) and nothing more.
DEMO_BLZ = ("50070010", "51320042", "51540037", "53060011")


@dataclass(frozen=True)
class Person:
    first_name: str
    last_name: str
    sex: str  # "w" / "m"
    birth_date: dt.date
    street: str
    house_number: str
    postcode: str
    city: str
    district: str
    phone: str
    email: str
    iban: str
    tax_id: str

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def address(self) -> str:
        return f"{self.street} {self.house_number}, {self.postcode} {self.city}"


def iban_de(blz: str, account: str) -> str:
    """German IBAN with correct ISO 13616 mod-97 check digits."""
    bban = blz + account.zfill(10)
    numeric = bban + "131400"  # "DE" -> 13 14, then "00"
    check = 98 - int(numeric) % 97
    return f"DE{check:02d}{bban}"


def iban_valid(iban: str) -> bool:
    iban = iban.replace(" ", "")
    moved = iban[4:] + iban[:4]
    digits = "".join(str(int(c, 36)) for c in moved)
    return int(digits) % 97 == 1


def tax_id_check_digit(first_ten: str) -> int:
    """Check digit of the Steuer-Identifikationsnummer (ISO/IEC 7064, MOD 11,10)."""
    product = 10
    for ch in first_ten:
        total = (int(ch) + product) % 10 or 10
        product = (total * 2) % 11
    check = 11 - product
    return 0 if check == 10 else check


def tax_id(rng: random.Random) -> str:
    """Eleven digits, first not 0, one digit used twice in the first ten (the official structure rule)."""
    digits = rng.sample(string.digits, 9)
    if digits[0] == "0":
        digits[0], digits[1] = digits[1], digits[0]
    doubled = rng.choice(digits[1:])
    pos = rng.randrange(1, 10)
    ten = [*digits[:pos], doubled, *digits[pos:]]
    if ten[0] == "0":
        ten[0], ten[1] = ten[1], ten[0]
    first = "".join(ten)
    return first + str(tax_id_check_digit(first))


def phone(rng: random.Random, city: City, *, mobile: bool = False) -> str:
    if mobile:
        prefix = rng.choice(("151", "152", "160", "170", "171", "176", "157"))
        return f"+49 {prefix} {rng.randrange(10_000_000, 99_999_999)}"
    length = 8 - len(city.phone_area) + 1
    return f"+49 {city.phone_area} {rng.randrange(10 ** (length - 1), 10**length)}"


def plate(rng: random.Random, city: City) -> str:
    letters = "".join(rng.choice("ABCDEFGHJKLMNPRSTUVWXYZ") for _ in range(rng.choice((1, 2))))
    max_digits = 4 if len(city.kfz) + len(letters) < 5 else 3
    return f"{city.kfz}-{letters} {rng.randrange(1, 10**max_digits)}"


def _ascii(text: str) -> str:
    table = str.maketrans(
        {
            "ä": "ae",
            "ö": "oe",
            "ü": "ue",
            "ß": "ss",
            "Ä": "Ae",
            "Ö": "Oe",
            "Ü": "Ue",
            "é": "e",
            "ç": "c",
            "Ç": "C",
            "ć": "c",
        }
    )
    return "".join(c for c in text.translate(table).lower() if c.isalnum() or c in ".-")


def person(rng: random.Random, city: City, *, min_age: int = 18, max_age: int = 85, ref_year: int = 2024) -> Person:
    sex = rng.choice("wm")
    first = rng.choice(FIRST_FEMALE if sex == "w" else FIRST_MALE)
    last = rng.choice(LAST)
    age = rng.randint(min_age, max_age)
    birth = dt.date(ref_year - age, 1, 1) + dt.timedelta(days=rng.randrange(365))
    district = rng.choices(city.districts, weights=[d.weight for d in city.districts])[0]
    provider = rng.choice(("web.de", "gmx.de", "t-online.de", "gmail.com", "posteo.de", "outlook.de"))
    return Person(
        first_name=first,
        last_name=last,
        sex=sex,
        birth_date=birth,
        street=rng.choice(city.streets),
        house_number=str(rng.randint(1, 180)) + (rng.choice("abc") if rng.random() < 0.08 else ""),
        postcode=rng.choice(city.postcodes),
        city=city.name,
        district=district.name,
        phone=phone(rng, city, mobile=rng.random() < 0.5),
        email=f"{_ascii(first)}.{_ascii(last)}{rng.randint(1, 99)}@{provider}",
        iban=iban_de(rng.choice(DEMO_BLZ), str(rng.randrange(10**9, 10**10))),
        tax_id=tax_id(rng),
    )
