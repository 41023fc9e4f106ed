"""The six Smart-KIKZ cities: official keys and the local facts the demo content is built from.

AGS and ARS follow the Gemeindeverzeichnis (Destatis): ARS = Land(2) + Regierungsbezirk(1) + Kreis(2) +
Gemeindeverband(4) + Gemeinde(3). A kreisfreie Stadt has Gemeindeverband 0000 and Gemeinde 000; a
verbandsfreie kreisangehörige Gemeinde in Hessen has Gemeindeverband "0" + its three-digit Gemeindekennziffer.
District coordinates are approximate centres (WGS 84), good enough for demo maps.
"""

from __future__ import annotations

from dataclasses import dataclass

from kikz.types import MunicipalityKind


@dataclass(frozen=True)
class District:
    name: str
    lat: float
    lon: float
    weight: float  # share of the city's population, relative


@dataclass(frozen=True)
class City:
    slug: str
    name: str
    official_name: str
    ags: str
    ars: str
    kind: MunicipalityKind
    email: str
    website: str
    description: str
    population: int
    lat: float
    lon: float
    radius_km: float  # of the demo district map around (lat, lon)
    kfz: str  # Unterscheidungszeichen on number plates
    phone_area: str  # without the leading 0
    postcodes: tuple[str, ...]
    river: str
    districts: tuple[District, ...]
    streets: tuple[str, ...]
    landmarks: tuple[str, ...]
    bike_sites: tuple[str, ...] = ()
    traffic_sites: tuple[str, ...] = ()
    car_parks: tuple[tuple[str, int], ...] = ()
    business_parks: tuple[str, ...] = ()
    geoportal: str = ""

    @property
    def is_member(self) -> bool:
        return self.kind is MunicipalityKind.MEMBER

    def ars_matches_ags(self) -> bool:
        return self.ars[:5] == self.ags[:5] and self.ars[-3:] == self.ags[-3:]


def _d(name: str, lat: float, lon: float, weight: float = 1.0) -> District:
    return District(name, lat, lon, weight)


def _names(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in text.split(","))


def split_words(text: str) -> tuple[str, ...]:
    """Single-word names written as one string (compact data tables)."""
    return tuple(text.split())


# fmt: off
OFFENBACH = City(
    slug="offenbach", name="Offenbach am Main", official_name="Stadt Offenbach am Main",
    ags="06413000", ars="064130000000", kind=MunicipalityKind.MEMBER,
    email="opendata@offenbach.de", website="https://www.offenbach.de",
    description="Kreisfreie Stadt am Main im Regierungsbezirk Darmstadt, Teil der Metropolregion "
                "FrankfurtRheinMain.",
    population=139_000, lat=50.1040, lon=8.7660, radius_km=4.6, kfz="OF", phone_area="69",
    postcodes=("63065", "63067", "63069", "63071", "63073", "63075"), river="Main",
    districts=(
        _d("Innenstadt", 50.1040, 8.7640, 1.6), _d("Nordend", 50.1120, 8.7640, 1.3),
        _d("Westend", 50.1030, 8.7500, 1.1), _d("Kaiserlei", 50.1075, 8.7350, 0.3),
        _d("Hafen", 50.1125, 8.7520, 0.4), _d("Mathildenviertel", 50.1070, 8.7770, 0.9),
        _d("Senefelderquartier", 50.0990, 8.7610, 1.0), _d("Buchhügel", 50.0900, 8.7560, 0.8),
        _d("Lauterborn", 50.0920, 8.7430, 1.1), _d("Rosenhöhe", 50.0885, 8.7770, 0.5),
        _d("Tempelsee", 50.0840, 8.7900, 0.9), _d("Bieber", 50.0900, 8.8080, 1.2),
        _d("Waldheim", 50.1000, 8.8150, 0.4), _d("Bürgel", 50.1165, 8.7900, 1.0),
        _d("Rumpenheim", 50.1305, 8.7950, 0.5),
    ),
    streets=_names(
        "Frankfurter Straße, Kaiserstraße, Berliner Straße, Waldstraße, Sprendlinger Landstraße, "
        "Mühlheimer Straße, Bieberer Straße, Goethering, Odenwaldring, Herrnstraße, Domstraße, "
        "Große Marktstraße, Taunusring, Senefelderstraße, Luisenstraße, Ludwigstraße, Nordring, "
        "Strahlenbergerstraße, Buchhügelallee, Seligenstädter Straße, Aschaffenburger Straße, Geleitsstraße, "
        "Schlossstraße, Rumpenheimer Straße, Offenbacher Straße, Friedhofstraße"
    ),
    landmarks=_names("Isenburger Schloss, Büsing-Palais, Deutsches Ledermuseum, Hafen Offenbach, "
                     "Wilhelmsplatz, Mainufer, Schloss Rumpenheim"),
    bike_sites=("Mainuferweg Hafen", "Kaiserstraße / Marktplatz", "Carl-Ulrich-Brücke"),
    traffic_sites=("Berliner Straße (Kaiserstraße)", "Sprendlinger Landstraße", "Mühlheimer Straße",
                   "Carl-Ulrich-Brücke"),
    car_parks=(("Parkhaus Stadthof", 395), ("Parkhaus KOMM", 760), ("Parkhaus Wilhelmsplatz", 345),
               ("Parkhaus City-Center", 420), ("Tiefgarage Rathaus", 280)),
    business_parks=("Kaiserlei", "Hafen Offenbach", "Offenbach-Ost (Mühlheimer Straße)", "Waldhof"),
    geoportal="https://geoportal.offenbach.de",
)

GIESSEN = City(
    slug="giessen", name="Gießen", official_name="Universitätsstadt Gießen",
    ags="06531005", ars="065310005005", kind=MunicipalityKind.MEMBER,
    email="opendata@giessen.de", website="https://www.giessen.de",
    description="Universitätsstadt an der Lahn und Sitz des Regierungspräsidiums Gießen (Sonderstatusstadt).",
    population=92_000, lat=50.5840, lon=8.6780, radius_km=4.8, kfz="GI", phone_area="641",
    postcodes=("35390", "35392", "35394", "35396", "35398"), river="Lahn",
    districts=(
        _d("Innenstadt", 50.5840, 8.6760, 1.4), _d("Nordstadt", 50.5945, 8.6700, 1.2),
        _d("Weststadt", 50.5855, 8.6550, 1.0), _d("Südviertel", 50.5720, 8.6800, 1.1),
        _d("Schiffenberger Tal", 50.5700, 8.6960, 0.7), _d("Wieseck", 50.6010, 8.7000, 1.2),
        _d("Rödgen", 50.6060, 8.7400, 0.4), _d("Kleinlinden", 50.5580, 8.6480, 0.8),
        _d("Allendorf", 50.5530, 8.6240, 0.5), _d("Lützellinden", 50.5450, 8.6100, 0.4),
    ),
    streets=_names(
        "Seltersweg, Bahnhofstraße, Frankfurter Straße, Marburger Straße, Grünberger Straße, Licher Straße, "
        "Schiffenberger Weg, Ludwigstraße, Westanlage, Ostanlage, Nordanlage, Südanlage, Rodheimer Straße, "
        "Krofdorfer Straße, Wiesecker Weg, Ringallee, Moltkestraße, Leihgesterner Weg, Gutfleischstraße, "
        "Liebigstraße, Goethestraße, Alter Wetzlarer Weg"
    ),
    landmarks=_names("Schiffenberg, Liebig-Museum, Mathematikum, Botanischer Garten, Stadtkirchenturm, "
                     "Hessenhallen, Lahnufer"),
    bike_sites=("Lahnbrücke Rodheimer Straße", "Anlagenring Westanlage", "Wieseckaue"),
    traffic_sites=("Westanlage", "Frankfurter Straße", "Marburger Straße", "Licher Straße"),
    car_parks=(("Parkhaus Galerie Neustädter Tor", 1100), ("Parkhaus Rathaus Berliner Platz", 400),
               ("Parkhaus Katharinengasse", 300), ("Parkhaus Bahnhof", 350)),
    business_parks=("Gewerbegebiet West", "Gießen-Ost (Europaviertel)", "Schiffenberger Tal",
                    "Am Alten Flughafen"),
    geoportal="https://geoportal.giessen.de",
)

WETZLAR = City(
    slug="wetzlar", name="Wetzlar", official_name="Stadt Wetzlar",
    ags="06532023", ars="065320023023", kind=MunicipalityKind.MEMBER,
    email="opendata@wetzlar.de", website="https://www.wetzlar.de",
    description="Kreisstadt des Lahn-Dill-Kreises an Lahn und Dill, Standort der optischen Industrie.",
    population=53_000, lat=50.5560, lon=8.5040, radius_km=5.2, kfz="LDK", phone_area="6441",
    postcodes=("35576", "35578", "35579", "35580", "35581", "35582", "35583", "35584", "35585", "35586"),
    river="Lahn",
    districts=(
        _d("Altstadt", 50.5545, 8.5040, 0.8), _d("Niedergirmes", 50.5655, 8.4900, 1.3),
        _d("Dalheim", 50.5480, 8.4850, 1.0), _d("Büblingshausen", 50.5420, 8.5020, 0.9),
        _d("Hermannstein", 50.5800, 8.4700, 0.7), _d("Blasbach", 50.5950, 8.5050, 0.3),
        _d("Naunheim", 50.5760, 8.5350, 0.7), _d("Garbenheim", 50.5640, 8.5320, 0.4),
        _d("Münchholzhausen", 50.5560, 8.5600, 0.5), _d("Dutenhofen", 50.5640, 8.5850, 0.6),
        _d("Nauborn", 50.5240, 8.5040, 0.6), _d("Steindorf", 50.5400, 8.4600, 0.4),
    ),
    streets=_names(
        "Bahnhofstraße, Karl-Kellner-Ring, Brühlsbachstraße, Hermannsteiner Straße, Langgasse, Domplatz, "
        "Kornmarkt, Schillerplatz, Eisenmarkt, Frankfurter Straße, Gloelstraße, Philosophenweg, "
        "Ernst-Leitz-Straße, Hauser Gasse, Sportparkstraße, Spilburgstraße, Dillfeld, Nauborner Straße, "
        "Steinbühlstraße, Braunfelser Straße, Naunheimer Straße"
    ),
    landmarks=_names("Wetzlarer Dom, Alte Lahnbrücke, Viseum, Leitz-Park, Lottehaus, Buderus Arena, "
                     "Lahnufer"),
    bike_sites=("Alte Lahnbrücke", "Karl-Kellner-Ring", "Lahnradweg Dutenhofen"),
    traffic_sites=("Karl-Kellner-Ring", "Hermannsteiner Straße", "Frankfurter Straße"),
    car_parks=(("Parkhaus Forum", 1600), ("Parkhaus Altstadt", 260), ("Parkhaus Stadthaus am Dom", 180)),
    business_parks=("Spilburg", "Dillfeld", "Hermannstein-Nord", "Münchholzhausen-West"),
    geoportal="https://geoportal.wetzlar.de",
)

FULDA = City(
    slug="fulda", name="Fulda", official_name="Stadt Fulda",
    ags="06631009", ars="066310009009", kind=MunicipalityKind.MEMBER,
    email="opendata@fulda.de", website="https://www.fulda.de",
    description="Barockstadt an der Fulda im Regierungsbezirk Kassel, Oberzentrum Osthessens.",
    population=70_000, lat=50.5540, lon=9.6800, radius_km=5.0, kfz="FD", phone_area="661",
    postcodes=("36037", "36039", "36041", "36043"), river="Fulda",
    districts=(
        _d("Innenstadt", 50.5530, 9.6780, 1.0), _d("Nordend", 50.5645, 9.6830, 1.0),
        _d("Ostend", 50.5560, 9.6950, 0.9), _d("Südend", 50.5440, 9.6760, 1.0),
        _d("Westend", 50.5545, 9.6600, 0.8), _d("Ziehers-Nord", 50.5625, 9.6990, 0.9),
        _d("Ziehers-Süd", 50.5480, 9.7010, 0.9), _d("Aschenberg", 50.5660, 9.7100, 1.0),
        _d("Horas", 50.5780, 9.6750, 0.8), _d("Lehnerz", 50.5800, 9.7050, 0.6),
        _d("Neuenberg", 50.5370, 9.6700, 0.5), _d("Haimbach", 50.5350, 9.6450, 0.4),
        _d("Johannesberg", 50.5290, 9.6900, 0.3),
    ),
    streets=_names(
        "Bahnhofstraße, Friedrichstraße, Marktstraße, Universitätsplatz, Heinrichstraße, "
        "Petersberger Straße, Leipziger Straße, Frankfurter Straße, Kurfürstenstraße, Rabanusstraße, "
        "Löherstraße, Dalbergstraße, "
        "Pacelliallee, Künzeller Straße, Langebrückenstraße, Bonifatiusplatz, Schlossstraße, "
        "Magdeburger Straße, Kohlhäuser Straße, Edelzeller Straße"
    ),
    landmarks=_names("Dom St. Salvator, Stadtschloss, Michaelskirche, Schlossgarten, Orangerie, "
                     "Vonderau Museum, Esperantohalle, Frauenberg, Aueweiher"),
    bike_sites=("Fuldaaue Langebrückenstraße", "Pacelliallee", "Heinrichstraße"),
    traffic_sites=("Petersberger Straße", "Frankfurter Straße", "Leipziger Straße", "Pacelliallee"),
    car_parks=(("Parkhaus Am Emaillierwerk", 700), ("Parkhaus Kaiserwiesen", 500),
               ("Parkhaus Ochsenwiese", 380), ("Parkhaus Heertor", 410), ("Tiefgarage Stadtschloss", 220)),
    business_parks=("Fulda-West", "Münsterfeld", "Eichenzell-Nord (interkommunal)", "Kohlhaus"),
    geoportal="https://geoportal.fulda.de",
)

MARBURG = City(
    slug="marburg", name="Marburg", official_name="Universitätsstadt Marburg",
    ags="06534014", ars="065340014014", kind=MunicipalityKind.PARTNER,
    email="opendata@marburg.de", website="https://www.marburg.de",
    description="Universitätsstadt an der Lahn, Kreisstadt des Landkreises Marburg-Biedenkopf.",
    population=77_000, lat=50.8100, lon=8.7700, radius_km=5.0, kfz="MR", phone_area="6421",
    postcodes=("35037", "35039", "35041", "35043"), river="Lahn",
    districts=(
        _d("Oberstadt", 50.8105, 8.7670, 0.6), _d("Weidenhausen", 50.8070, 8.7750, 0.5),
        _d("Nordstadt", 50.8200, 8.7720, 1.2), _d("Südviertel", 50.8010, 8.7690, 1.0),
        _d("Ockershausen", 50.8050, 8.7500, 0.8), _d("Marbach", 50.8200, 8.7450, 0.6),
        _d("Wehrda", 50.8400, 8.7600, 0.9), _d("Cappel", 50.7850, 8.7700, 0.9),
        _d("Richtsberg", 50.7900, 8.7850, 1.0), _d("Stadtwald", 50.7930, 8.7400, 0.4),
    ),
    streets=_names(
        "Universitätsstraße, Biegenstraße, Rudolf-Bultmann-Straße, Bahnhofstraße, Wettergasse, Reitgasse, "
        "Markt, Ketzerbach, Elisabethstraße, Deutschhausstraße, Frankfurter Straße, Cappeler Straße, "
        "Pilgrimstein, Am Grün, Afföller, Gutenbergstraße"
    ),
    landmarks=_names("Landgrafenschloss, Elisabethkirche, Alte Universität, Botanischer Garten Lahnberge, "
                     "Erwin-Piscator-Haus, Lahnufer"),
    bike_sites=("Weidenhäuser Brücke", "Lahnradweg Afföller"),
    geoportal="https://geoportal.marburg.de",
)

LIMBURG = City(
    slug="limburg", name="Limburg a. d. Lahn", official_name="Kreisstadt Limburg a. d. Lahn",
    ags="06533009", ars="065330009009", kind=MunicipalityKind.PARTNER,
    email="opendata@limburg.de", website="https://www.limburg.de",
    description="Domstadt an der Lahn, Kreisstadt des Landkreises Limburg-Weilburg.",
    population=36_000, lat=50.3840, lon=8.0630, radius_km=4.2, kfz="LM", phone_area="6431",
    postcodes=("65549", "65550", "65551", "65552", "65553", "65554", "65555", "65556"), river="Lahn",
    districts=(
        _d("Kernstadt", 50.3850, 8.0620, 2.2), _d("Blumenrod", 50.3720, 8.0500, 1.0),
        _d("Dietkirchen", 50.3985, 8.0900, 0.5), _d("Eschhofen", 50.3930, 8.1100, 0.5),
        _d("Lindenholzhausen", 50.3650, 8.1200, 0.6), _d("Linter", 50.3720, 8.0800, 0.5),
        _d("Offheim", 50.3960, 8.0400, 0.5), _d("Staffel", 50.4030, 8.0550, 0.5),
        _d("Ahlbach", 50.4080, 8.0200, 0.3),
    ),
    streets=_names(
        "Bahnhofstraße, Grabenstraße, Frankfurter Straße, Diezer Straße, Schiede, Werner-Senger-Straße, "
        "Wiesbadener Straße, Neumarkt, Kornmarkt, Domplatz, Fischmarkt, Hospitalstraße, Westerwaldstraße, "
        "Holzheimer Straße"
    ),
    landmarks=_names("Limburger Dom, Schloss Limburg, Alte Lahnbrücke, Diözesanmuseum, Domschatz"),
    car_parks=(("Parkhaus WerkStadt", 900), ("Parkhaus Altstadt", 350), ("Parkhaus Stadthalle", 300),
               ("Tiefgarage Neumarkt", 260)),
    geoportal="https://geoportal.limburg.de",
)
# fmt: on

CITIES: tuple[City, ...] = (OFFENBACH, GIESSEN, WETZLAR, FULDA, MARBURG, LIMBURG)
BY_SLUG = {c.slug: c for c in CITIES}
