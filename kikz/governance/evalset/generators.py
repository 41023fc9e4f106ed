"""Value generators for the evaluation tables: names, identifiers with valid check digits, places.

Names are written here by hand (common names in Offenbach, Gießen, Wetzlar and Fulda, several
origins) and deliberately not taken from the detector's own name lists, so that recall is measured
on names the detector was not built from.
"""

from __future__ import annotations

import datetime as dt
import random
import string

from stdnum import iban as stdnum_iban
from stdnum.de import idnr
from stdnum.iso7064 import mod_11_10

FIRST_NAMES = [
    "Anna",
    "Lukas",
    "Marie",
    "Jonas",
    "Sophie",
    "Leon",
    "Emma",
    "Paul",
    "Mia",
    "Ben",
    "Hannah",
    "Finn",
    "Lea",
    "Elias",
    "Lena",
    "Noah",
    "Laura",
    "Felix",
    "Julia",
    "Maximilian",
    "Sarah",
    "Tim",
    "Katharina",
    "Jan",
    "Ayşe",
    "Mehmet",
    "Fatma",
    "Mustafa",
    "Emine",
    "Ahmet",
    "Elif",
    "Yusuf",
    "Zeynep",
    "Can",
    "Hatice",
    "Ali",
    "Aleksandra",
    "Piotr",
    "Katarzyna",
    "Tomasz",
    "Agnieszka",
    "Marco",
    "Giulia",
    "Francesco",
    "Chiara",
    "Luca",
    "Ivana",
    "Marko",
    "Dragan",
    "Nikola",
    "Ioannis",
    "Eleni",
    "Dimitrios",
    "Omar",
    "Fatima",
    "Mohammed",
    "Amira",
    "Karim",
    "Layla",
    "Olena",
    "Andrii",
    "Svetlana",
    "Dmitri",
    "Ursula",
    "Helga",
    "Gerhard",
    "Wolfgang",
    "Renate",
    "Jürgen",
    "Brigitte",
    "Klaus",
    "Monika",
    "Dieter",
    "Sabine",
    "Thomas",
    "Andrea",
    "Michael",
    "Petra",
    "Stefan",
    "Claudia",
    "Andreas",
    "Susanne",
    "Frank",
    "Birgit",
    "Uwe",
    "Heike",
]
LAST_NAMES = [
    "Müller",
    "Schmidt",
    "Schneider",
    "Fischer",
    "Weber",
    "Meyer",
    "Wagner",
    "Becker",
    "Schulz",
    "Hoffmann",
    "Koch",
    "Richter",
    "Klein",
    "Wolf",
    "Schröder",
    "Neumann",
    "Schwarz",
    "Zimmermann",
    "Braun",
    "Krüger",
    "Hofmann",
    "Hartmann",
    "Lange",
    "Werner",
    "Krause",
    "Lehmann",
    "Köhler",
    "Herrmann",
    "Walter",
    "König",
    "Yılmaz",
    "Kaya",
    "Demir",
    "Şahin",
    "Çelik",
    "Yıldız",
    "Öztürk",
    "Aydın",
    "Arslan",
    "Kowalski",
    "Nowak",
    "Wiśniewski",
    "Wójcik",
    "Rossi",
    "Russo",
    "Esposito",
    "Bianchi",
    "Romano",
    "Petrović",
    "Horvat",
    "Kovačević",
    "Papadopoulos",
    "Georgiou",
    "Haddad",
    "Khalil",
    "Nasser",
    "Mansour",
    "Shevchenko",
    "Bondarenko",
    "Kuznetsov",
    "Ivanova",
    "Heß",
    "Dietz",
    "Rühl",
    "Schäfer",
    "Jäger",
    "Faust",
    "Lotz",
    "Seipel",
    "Euler",
    "Hild",
    "Pfeiffer",
    "Dörr",
    "Kraus",
    "Bender",
]
STREETS = (
    "Frankfurter Straße",
    "Kaiserstraße",
    "Berliner Straße",
    "Waldstraße",
    "Marktplatz",
    "Bieberer Straße",
    "Mühlheimer Straße",
    "Goethestraße",
    "Schillerstraße",
    "Karl-Marx-Straße",
    "Anne-Frank-Straße",
    "Sprendlinger Landstraße",
    "Taunusring",
    "Luisenstraße",
    "Hospitalstraße",
    "Am Wilhelmsplatz",
    "Seligenstädter Straße",
    "Bahnhofstraße",
    "Domplatz",
    "Lahnstraße",
    "Gießener Straße",
    "Ludwigsplatz",
)
DISTRICTS = (
    "Rumpenheim",
    "Bürgel",
    "Bieber",
    "Lauterborn",
    "Tempelsee",
    "Waldhof",
    "Buchhügel",
    "Innenstadt",
    "Westend",
    "Nordend",
    "Kaiserlei",
    "Hafen",
    "Vorderwald",
    "Rosenhöhe",
)
POSTCODES = (
    "63065",
    "63067",
    "63069",
    "63071",
    "63073",
    "63075",
    "35390",
    "35392",
    "35394",
    "35576",
    "35578",
    "36037",
    "36039",
    "36041",
    "36043",
)
CITIES = ("Offenbach am Main", "Gießen", "Wetzlar", "Fulda", "Marburg", "Limburg an der Lahn")
PLATE_CODES = ("OF", "F", "DA", "GI", "WZ", "FD", "MR", "LM", "HU", "MKK", "LDK", "VB", "HG", "GG")
DOC_ALPHABET = "CFGHJKLMNPRTVWXYZ0123456789"


class Gen:
    """All values of one table come from one seeded generator, so the set is the same on every run."""

    def __init__(self, seed: int) -> None:
        self.r = random.Random(seed)

    def pick(self, items: tuple[str, ...] | list[str]) -> str:
        return self.r.choice(list(items))

    def first(self) -> str:
        return self.pick(FIRST_NAMES)

    def last(self) -> str:
        return self.pick(LAST_NAMES)

    def full_name(self) -> str:
        return f"{self.first()} {self.last()}"

    def street_address(self) -> str:
        suffix = self.pick(["", "", "", "a", "b"])
        return f"{self.pick(STREETS)} {self.r.randint(1, 180)}{suffix}"

    def birth_date(self, lo: int = 1935, hi: int = 2008) -> str:
        day = dt.date(lo, 1, 1) + dt.timedelta(days=self.r.randint(0, (hi - lo) * 365))
        return day.strftime("%d.%m.%Y")

    def date(self, year: int = 2024) -> str:
        day = dt.date(year, 1, 1) + dt.timedelta(days=self.r.randint(0, 364))
        return day.strftime("%d.%m.%Y")

    def phone(self) -> str:
        return self.pick(
            [
                f"069 {self.r.randint(800000, 899999)}",
                f"0641 {self.r.randint(10000, 99999)}-{self.r.randint(10, 99)}",
                f"0171 {self.r.randint(1000000, 9999999)}",
                f"+49 6441 {self.r.randint(100000, 999999)}",
                f"0661 / {self.r.randint(100000, 999999)}",
            ]
        )

    def email(self, first: str, last: str) -> str:
        fold = str.maketrans(
            {
                "ä": "ae",
                "ö": "oe",
                "ü": "ue",
                "ß": "ss",
                "ı": "i",
                "ş": "s",
                "ç": "c",
                "ğ": "g",
                "ś": "s",
                "ć": "c",
                "č": "c",
            }
        )
        local = self.pick([f"{first}.{last}", f"{first[0]}.{last}", f"{first}{self.r.randint(1, 99)}"])
        domain = self.pick(["web.de", "gmx.de", "t-online.de", "gmail.com"])
        return f"{local.casefold().translate(fold)}@{domain}"

    def iban(self) -> str:
        bban = f"{self.r.randint(10000000, 99999999)}{self.r.randint(0, 9999999999):010d}"
        raw = f"DE{stdnum_iban.calc_check_digits(f'DE00{bban}')}{bban}"
        assert stdnum_iban.is_valid(raw)
        return " ".join(raw[i : i + 4] for i in range(0, len(raw), 4))

    def steuer_id(self) -> str:
        while True:
            digits = self.r.sample(range(10), 9)
            digits.insert(self.r.randint(1, 9), digits[self.r.randint(0, 8)])
            if digits[0] == 0:
                continue
            body = "".join(map(str, digits))
            number = body + mod_11_10.calc_check_digit(body)
            if idnr.is_valid(number):
                return number

    def sv_nummer(self) -> str:
        from kikz.governance.detectors.svnr import WEIGHTS

        birth = dt.date(1940, 1, 1) + dt.timedelta(days=self.r.randint(0, 25000))
        letter = self.pick(list("ABCDEFGHKLMNPRSTWZ"))
        head = f"{self.pick(['12', '13', '53', '65', '66'])}{birth:%d%m%y}"
        serial = f"{self.r.randint(0, 49):02d}"
        digits = head + f"{ord(letter) - 64:02d}" + serial
        check = sum(sum(divmod(int(d) * w, 10)) for d, w in zip(digits, WEIGHTS, strict=True)) % 10
        return f"{head}{letter}{serial}{check}"

    def kvnr(self) -> str:
        letter = self.pick(list(string.ascii_uppercase))
        body = f"{self.r.randint(0, 99999999):08d}"
        digits = f"{ord(letter) - 64:02d}" + body
        check = sum(sum(divmod(int(d) * (1 if i % 2 == 0 else 2), 10)) for i, d in enumerate(digits)) % 10
        return f"{letter}{body}{check}"

    def ausweisnummer(self) -> str:
        from kikz.governance.detectors.idcard import icao_check_digit

        body = self.pick(list("CFGHJKLMNPRTVWXYZ")) + "".join(self.r.choice(DOC_ALPHABET) for _ in range(7))
        body += str(self.r.randint(0, 9))
        return body + str(icao_check_digit(body))

    def plate(self) -> str:
        code = self.pick(PLATE_CODES)
        letters = "".join(self.r.choice(string.ascii_uppercase) for _ in range(self.r.randint(1, 2)))
        digits = self.r.randint(1, 10 ** min(4, 8 - len(code) - len(letters)) - 1)
        return f"{code}-{letters} {digits}{self.pick(['', '', '', 'E'])}"

    def coordinate(self, base: float, spread: float = 0.03) -> str:
        return f"{base + self.r.uniform(-spread, spread):.6f}"

    def ip(self) -> str:
        return self.pick(
            [
                f"10.{self.r.randint(0, 255)}.{self.r.randint(0, 255)}.{self.r.randint(1, 254)}",
                f"93.{self.r.randint(128, 255)}.{self.r.randint(0, 255)}.{self.r.randint(1, 254)}",
                f"2a02:810d:{self.r.randint(4096, 65535):x}:{self.r.randint(4096, 65535):x}"
                f"::{self.r.randint(1, 255):x}",
            ]
        )
