"""The HTML pages: rendering, accessibility basics, search facets, visibility, staff forms, uploads, i18n."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kikz.catalog.models import Dataset, Distribution
from kikz.settings import Settings
from kikz.types import ProtectionClass, Role
from kikz.web import templating
from tests import factories as f
from tests.webutil import csrf_token, login, parse

MAX_UPLOAD = 4000
CSV = "Zählstelle;Datum;Anzahl\nKaiserstraße;2024-05-01;412\nMarktplatz;2024-05-01;233\nHafen;2024-05-02;97\n"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"max_upload_bytes": MAX_UPLOAD})


@pytest.fixture
def world(session: Session) -> dict[str, str]:
    """Public, confidential, unclassified and internal datasets, a data steward and a plain staff user."""
    f.dataset(
        session,
        title="Radverkehrszählung Innenstadt",
        themes=["TRAN"],
        license_id="dl-by-de/2.0",
        keywords=["Fahrrad"],
        identifier="ob-rad-2024",
    )
    f.dataset(session, title="Parkhausbelegung", themes=["TRAN"], license_id="dl-zero-de/2.0")
    f.dataset(session, title="Luftmessstationen", themes=["ENVI"], license_id="dl-by-de/2.0")
    f.dataset(session, municipality="giessen", title="Haushaltsplan Gießen", themes=["ECON"])
    f.dataset(session, title="Personalakten Bauamt", themes=["TRAN"], protection_class=ProtectionClass.VERTRAULICH)
    f.dataset(session, title="Unklare Meldedaten", themes=["TRAN"], protection_class=None)
    f.dataset(session, title="Interne Baustellenplanung", protection_class=ProtectionClass.INTERN)
    f.user(session, "steward@offenbach.de", roles={"offenbach": [Role.DATA_STEWARD]})
    f.user(session, "staff@offenbach.de", roles={"offenbach": [Role.STAFF]})
    session.commit()
    return {"steward": "steward@offenbach.de", "staff": "staff@offenbach.de"}


def _dataset_name(session: Session, title: str) -> str:
    name = session.scalar(select(Dataset.name).where(Dataset.title == title))
    assert name
    return name


PUBLIC_PAGES = [
    "/",
    "/datensaetze",
    "/datensaetze?q=Rad",
    "/datensaetze?thema=TRAN&kommune=offenbach&sortierung=title",
    "/kommunen/offenbach",
    "/impressum",
    "/datenschutz",
    "/barrierefreiheit",
    "/leichte-sprache",
    "/schnittstellen",
    "/?lang=en",
    "/datensaetze?lang=en",
]
STAFF_PAGES = ["/verwaltung", "/verwaltung/datensaetze/neu", "/konto"]


def _check_structure(html: str, url: str = "") -> None:
    page = parse(html)
    assert page.html_lang in ("de", "en"), url
    assert len(page.h1) == 1, (url, page.h1)
    assert {"header", "main", "footer", "nav"} <= page.landmarks, url
    assert "#main" in page.links, url  # skip link
    assert not page.unlabelled_controls(), (url, page.unlabelled_controls())
    assert len(page.ids) == len(set(page.ids)), (url, "duplicate ids")
    assert page.tables == page.captions, url
    assert all(scope in ("col", "row") for scope in page.th_scopes), url
    assert page.inline_scripts == 0 and page.inline_styles == 0, url
    assert {"/impressum", "/datenschutz", "/barrierefreiheit"} <= set(page.links), url


def test_public_pages_render_accessibly_for_anonymous(client: TestClient, world: dict) -> None:
    for url in PUBLIC_PAGES:
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.headers["content-type"].startswith("text/html"), url
        assert "default-src 'self'" in response.headers["content-security-policy"], url
        _check_structure(response.text, url)


def test_every_page_renders_for_staff(client: TestClient, world: dict, session: Session) -> None:
    assert login(client, world["steward"]).status_code == 303
    own = [f"/datensaetze/{_dataset_name(session, t)}" for t in ("Unklare Meldedaten", "Personalakten Bauamt")]
    edit = f"/verwaltung/datensaetze/{_dataset_name(session, 'Parkhausbelegung')}/bearbeiten"
    for url in [*PUBLIC_PAGES, *STAFF_PAGES, *own, edit]:
        response = client.get(url)
        assert response.status_code == 200, url
        _check_structure(response.text, url)
        assert "Abmelden" in response.text or "Log out" in response.text, url


def test_dataset_page_shows_metadata_badge_downloads_and_api_examples(
    client: TestClient, world: dict, session: Session
) -> None:
    name = _dataset_name(session, "Radverkehrszählung Innenstadt")
    response = client.get(f"/datensaetze/{name}")
    assert response.status_code == 200
    _check_structure(response.text)
    text = response.text
    assert "badge-oeffentlich" in text and ">öffentlich<" in text
    assert "Datenlizenz Deutschland" in text  # licence title from the vocabulary
    assert f"/api/v1/datasets/{name}" in text
    assert f"package_show?id={name}" in text
    assert "/kommunen/offenbach/catalog.ttl" in text
    assert "Änderungsverlauf" not in text  # history is for staff
    assert "/bearbeiten" not in text


def test_staff_sees_unclassified_badge_history_and_edit_button(
    client: TestClient, world: dict, session: Session
) -> None:
    name = _dataset_name(session, "Unklare Meldedaten")
    login(client, world["steward"])
    text = client.get(f"/datensaetze/{name}").text
    assert "nicht klassifiziert – wird als vertraulich behandelt" in text
    assert "Änderungsverlauf" in text
    assert f"/verwaltung/datensaetze/{name}/bearbeiten" in text


def test_search_shows_facet_counts_and_filters(client: TestClient, world: dict) -> None:
    response = client.get("/datensaetze")
    page = response.text
    # anonymous: 3 public datasets in Offenbach (confidential, unclassified and internal ones are not counted)
    assert re.search(r"Offenbach am Main <span class=\"count\">\(3\)</span>", page)
    assert re.search(r"Verkehr <span class=\"count\">\(2\)</span>", page)
    assert "4 Datensätze gefunden" in page

    filtered = client.get("/datensaetze", params={"thema": "TRAN"}).text
    assert "2 Datensätze gefunden" in filtered
    assert "Radverkehrszählung Innenstadt" in filtered and "Parkhausbelegung" in filtered
    assert "Luftmessstationen" not in filtered
    assert 'name="thema" value="TRAN" checked' in filtered
    assert "Filter entfernen" in filtered

    both = client.get("/datensaetze", params=[("kommune", "offenbach"), ("kommune", "giessen")]).text
    assert "4 Datensätze gefunden" in both
    giessen = client.get("/datensaetze", params={"kommune": "giessen"}).text
    assert "1 Datensatz gefunden" in giessen and "Haushaltsplan Gießen" in giessen


def test_search_sorting_and_paging_without_javascript(client: TestClient, world: dict) -> None:
    by_title = client.get("/datensaetze", params={"sortierung": "title"}).text
    titles = re.findall(r'class="card-title"><a href="/datensaetze/[^"]+">([^<]+)</a>', by_title)
    assert titles == sorted(titles, key=str.lower)
    assert client.get("/datensaetze", params={"seite": "999999999"}).status_code == 200
    assert client.get("/datensaetze", params={"sortierung": "quatsch"}).status_code == 200


@pytest.mark.parametrize("title", ["Personalakten Bauamt", "Unklare Meldedaten", "Interne Baustellenplanung"])
def test_protected_dataset_is_never_shown_to_anonymous(
    client: TestClient, world: dict, session: Session, title: str
) -> None:
    name = _dataset_name(session, title)
    assert client.get(f"/datensaetze/{name}").status_code == 404
    word = title.split()[0]
    assert title not in client.get("/datensaetze", params={"q": word}).text
    assert title not in client.get("/").text
    assert title not in client.get("/kommunen/offenbach").text


def test_start_page_counts_only_visible_datasets(client: TestClient, world: dict) -> None:
    anonymous = client.get("/").text
    assert re.search(r"Offenbach am Main</a></th>\s*<td>Mitgliedsstadt</td>\s*<td class=\"num\">3</td>", anonymous)
    login(client, world["steward"])
    steward = client.get("/").text
    # the steward also sees the internal, the confidential and the unclassified dataset of the own city
    assert re.search(r"Offenbach am Main</a></th>\s*<td>Mitgliedsstadt</td>\s*<td class=\"num\">6</td>", steward)


def test_unknown_city_is_404(client: TestClient, world: dict) -> None:
    response = client.get("/kommunen/atlantis")
    assert response.status_code == 404
    assert "Unbekannte Kommune" in response.text


def _new_dataset_form(client: TestClient, **fields: str | list[str]) -> dict[str, str | list[str]]:
    token = csrf_token(client.get("/verwaltung/datensaetze/neu"))
    data: dict[str, str | list[str]] = {
        "csrf_token": token,
        "municipality": "offenbach",
        "title": "Baumkataster Offenbach",
        "description": "Alle Straßenbäume mit Art und Pflanzjahr.",
        "keywords": "Bäume, Grünflächen",
        "themes": ["ENVI", "REGI"],
        "license_id": "dl-by-de/2.0",
        "protection_class": "oeffentlich",
        "contains_personal_data": "nein",
        "accrual_periodicity": "ANNUAL",
    }
    data.update(fields)
    return data


def test_staff_creates_dataset_uploads_csv_and_sees_preview(client: TestClient, world: dict, session: Session) -> None:
    login(client, world["steward"])
    created = client.post("/verwaltung/datensaetze/neu", data=_new_dataset_form(client), follow_redirects=False)
    assert created.status_code == 303
    edit_url = created.headers["location"].split("?")[0]
    assert edit_url == "/verwaltung/datensaetze/offenbach-baumkataster-offenbach/bearbeiten"
    edit = client.get(created.headers["location"])
    assert "Der Datensatz wurde angelegt" in edit.text
    ds = session.scalars(select(Dataset).where(Dataset.name == "offenbach-baumkataster-offenbach")).one()
    assert ds.keywords == ["Bäume", "Grünflächen"] and ds.themes == ["ENVI", "REGI"]
    assert ds.protection_class is ProtectionClass.OEFFENTLICH and ds.contains_personal_data is False

    uploaded = client.post(
        "/verwaltung/datensaetze/offenbach-baumkataster-offenbach/dateien",
        data={"csrf_token": csrf_token(edit), "file_title": "Zählwerte Mai"},
        files={"file": ("zaehlung.csv", CSV.encode("utf-8"), "text/csv")},
        follow_redirects=False,
    )
    assert uploaded.status_code == 303, uploaded.text
    page = client.get("/datensaetze/offenbach-baumkataster-offenbach")
    html = page.text
    assert "Zählwerte Mai" in html and "Vorschau" in html
    assert "Zählwerte Mai: die ersten 3 von 3 Zeilen" in html
    assert '<th scope="col">Zählstelle</th>' in html and "<td>Kaiserstraße</td>" in html
    _check_structure(html)
    dist = session.scalars(select(Distribution)).one()
    assert f'href="http://testserver/dateien/{dist.identifier}/zaehlung.csv"' in html
    assert client.get(f"/dateien/{dist.identifier}/zaehlung.csv").content == CSV.encode("utf-8")


def test_upload_in_windows_encoding_is_read_correctly(client: TestClient, world: dict, session: Session) -> None:
    name = _dataset_name(session, "Parkhausbelegung")
    login(client, world["steward"])
    edit = client.get(f"/verwaltung/datensaetze/{name}/bearbeiten")
    uploaded = client.post(
        f"/verwaltung/datensaetze/{name}/dateien",
        data={"csrf_token": csrf_token(edit)},
        files={"file": ("alt.csv", CSV.encode("cp1252"), "text/csv")},
        follow_redirects=False,
    )
    assert uploaded.status_code == 303
    html = client.get(f"/datensaetze/{name}").text
    assert '<th scope="col">Zählstelle</th>' in html and "<td>Kaiserstraße</td>" in html


def test_staff_edits_dataset_and_history_records_it(client: TestClient, world: dict, session: Session) -> None:
    name = _dataset_name(session, "Unklare Meldedaten")
    login(client, world["steward"])
    form_page = client.get(f"/verwaltung/datensaetze/{name}/bearbeiten")
    assert form_page.status_code == 200
    values = parse(form_page.text).inputs
    assert values["title"] == "Unklare Meldedaten"
    response = client.post(
        f"/verwaltung/datensaetze/{name}/bearbeiten",
        data={
            "csrf_token": csrf_token(form_page),
            "title": "Meldedaten (geprüft)",
            "description": "Geprüft.",
            "protection_class": "vertraulich",
            "contains_personal_data": "ja",
            "status": "published",
            "change_note": "eingestuft",
        },
        follow_redirects=False,
    )
    assert response.status_code == 303
    session.expire_all()
    ds = session.scalars(select(Dataset).where(Dataset.name == name)).one()
    assert ds.title == "Meldedaten (geprüft)" and ds.protection_class is ProtectionClass.VERTRAULICH
    assert ds.contains_personal_data is True
    assert "eingestuft" in client.get(f"/datensaetze/{name}").text

    # A milder class is a four-eyes decision: the form refuses it and changes nothing.
    form_page = client.get(f"/verwaltung/datensaetze/{name}/bearbeiten")
    refused = client.post(
        f"/verwaltung/datensaetze/{name}/bearbeiten",
        data={
            "csrf_token": csrf_token(form_page),
            "title": "Meldedaten (geprüft)",
            "description": "Geprüft.",
            "protection_class": "intern",
            "contains_personal_data": "ja",
            "status": "published",
        },
        follow_redirects=False,
    )
    assert refused.status_code == 409
    assert "Vier-Augen" in refused.text
    session.expire_all()
    assert session.scalars(select(Dataset).where(Dataset.name == name)).one().protection_class is (
        ProtectionClass.VERTRAULICH
    )


def test_plain_staff_cannot_edit_or_change_classification(client: TestClient, world: dict, session: Session) -> None:
    name = _dataset_name(session, "Interne Baustellenplanung")
    login(client, world["staff"])
    assert client.get(f"/datensaetze/{name}").status_code == 200
    assert client.get(f"/verwaltung/datensaetze/{name}/bearbeiten").status_code == 403
    token = csrf_token(client.get("/verwaltung"))
    denied = client.post(
        f"/verwaltung/datensaetze/{name}/bearbeiten",
        data={"csrf_token": token, "title": "Gekapert", "description": "x"},
    )
    assert denied.status_code == 403
    session.expire_all()
    assert session.scalar(select(Dataset.title).where(Dataset.name == name)) == "Interne Baustellenplanung"


def test_form_post_without_csrf_token_is_refused(client: TestClient, world: dict, session: Session) -> None:
    login(client, world["steward"])
    data = _new_dataset_form(client)
    del data["csrf_token"]
    response = client.post("/verwaltung/datensaetze/neu", data=data)
    assert response.status_code == 403
    assert "CSRF" in response.text
    forged = client.post("/verwaltung/datensaetze/neu", data={**data, "csrf_token": "0" * 64})
    assert forged.status_code == 403
    assert session.scalar(select(func.count()).select_from(Dataset).where(Dataset.title.like("Baum%"))) == 0


def _count(session: Session, model: type) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(model)) or 0


@pytest.mark.parametrize(
    ("fields", "status", "message", "field"),
    [
        ({"license_id": "meine-eigene-lizenz"}, 422, "Unbekannte Lizenz", "license_id"),
        ({"name": "offenbach-radverkehrszaehlung-innenstadt"}, 409, "existiert bereits", "name"),
        ({"identifier": "ob-rad-2024"}, 409, "Kennung", "identifier"),
        ({"title": "ab"}, 422, "mindestens 3 Zeichen", "title"),
        ({"contact_email": "keine-adresse"}, 422, "gültige E-Mail-Adresse", "contact_email"),
        (
            {"temporal_start": "2024-05-01", "temporal_end": "2023-01-01"},
            422,
            "vor dem Beginn",
            "temporal_end",
        ),
        ({"temporal_start": "1.5.2024"}, 422, "JJJJ-MM-TT", "temporal_start"),
        ({"themes": ["QUATSCH"]}, 422, "unbekanntes EU-Datenthema", "themes"),
        ({"municipality": "giessen"}, 403, "Berechtigung", None),
    ],
)
def test_bad_dataset_input_shows_message_keeps_values_and_creates_nothing(
    client: TestClient,
    world: dict,
    session: Session,
    fields: dict,
    status: int,
    message: str,
    field: str | None,
) -> None:
    login(client, world["steward"])
    before = _count(session, Dataset)
    response = client.post("/verwaltung/datensaetze/neu", data=_new_dataset_form(client, **fields))
    assert response.status_code == status
    assert message in response.text
    assert 'role="alert"' in response.text
    if field:
        assert f'href="#f-{field}"' in response.text
        assert f'id="f-{field}"' in response.text
    assert "Alle Straßenbäume mit Art und Pflanzjahr." in response.text  # entered values are kept
    assert _count(session, Dataset) == before


@pytest.mark.parametrize(
    ("filename", "content", "status", "message"),
    [
        ("kaputt.csv", b"\x00\x01\x02\x03binary\x00\xff" * 20, 422, "Binärdaten"),
        ("kaputt.xlsx", b"das ist kein Excel", 422, "XLSX"),
        ("leer.csv", b"", 422, "leer"),
        ("programm.exe", b"MZ\x90\x00", 422, "wird nicht unterstützt"),
        ("riesig.csv", b"a;b\n" + b"1;2\n" * 2000, 413, "Limit"),
    ],
)
def test_bad_upload_shows_message_and_adds_no_file(
    client: TestClient,
    world: dict,
    session: Session,
    filename: str,
    content: bytes,
    status: int,
    message: str,
) -> None:
    name = _dataset_name(session, "Parkhausbelegung")
    login(client, world["steward"])
    edit = client.get(f"/verwaltung/datensaetze/{name}/bearbeiten")
    version = session.scalar(select(Dataset.version).where(Dataset.name == name))
    response = client.post(
        f"/verwaltung/datensaetze/{name}/dateien",
        data={"csrf_token": csrf_token(edit), "file_title": "Mein Titel"},
        files={"file": (filename, content, "application/octet-stream")},
    )
    assert response.status_code == status
    assert message in response.text
    assert 'href="#f-file"' in response.text
    assert 'value="Mein Titel"' in response.text
    assert _count(session, Distribution) == 0
    assert session.scalar(select(Dataset.version).where(Dataset.name == name)) == version


def test_link_distribution_and_bad_link(client: TestClient, world: dict, session: Session) -> None:
    name = _dataset_name(session, "Parkhausbelegung")
    login(client, world["steward"])
    token = csrf_token(client.get(f"/verwaltung/datensaetze/{name}/bearbeiten"))
    link = {"csrf_token": token, "access_url": "ftp://irgendwo", "link_title": "Dienst"}
    bad = client.post(f"/verwaltung/datensaetze/{name}/links", data=link)
    assert bad.status_code == 422 and "http://" in bad.text and 'href="#f-access_url"' in bad.text
    assert _count(session, Distribution) == 0
    good = client.post(
        f"/verwaltung/datensaetze/{name}/links",
        data={
            "csrf_token": token,
            "access_url": "https://geo.offenbach.de/wms",
            "link_title": "Kartendienst",
            "link_format": "WMS_SRVC",
        },
        follow_redirects=False,
    )
    assert good.status_code == 303
    assert "Kartendienst" in client.get(f"/datensaetze/{name}").text


def test_staff_area_needs_login(client: TestClient, world: dict) -> None:
    for url in STAFF_PAGES:
        response = client.get(url, follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"].startswith("/anmelden?weiter=")


def test_english_pages_and_language_cookie(client: TestClient, world: dict) -> None:
    response = client.get("/?lang=en")
    page = parse(response.text)
    assert page.html_lang == "en"
    assert page.h1 == ["Open data of the Smart KIKZ cities"]
    assert response.cookies.get(templating.LANG_COOKIE) == "en"
    follow_up = client.get("/datensaetze")
    assert parse(follow_up.text).html_lang == "en" and "Find datasets" in follow_up.text
    back = client.get("/datensaetze?lang=de")
    assert parse(back.text).html_lang == "de" and "Datensätze finden" in back.text


TEMPLATES = Path(templating.TEMPLATE_DIR)
# links to other sites that the text of a page documents (not loaded resources)
DOCUMENTED_EXTERNAL: set[str] = set()


def test_templates_reference_no_external_urls_and_no_inline_code() -> None:
    for path in TEMPLATES.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        for match in re.finditer(r"""(?:src|href|action)\s*=\s*["'](https?:)?//([^"']*)""", text):
            assert match.group(0) in DOCUMENTED_EXTERNAL, f"{path.name}: {match.group(0)}"
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text), path.name
        assert " style=" not in text and "<style" not in text, path.name
        assert not re.search(r"\bon[a-z]+\s*=", text), f"{path.name}: inline event handler"
    css = (TEMPLATES.parent / "static" / "kikz.css").read_text(encoding="utf-8")
    assert "@import" not in css and "url(http" not in css


def _used_keys() -> set[str]:
    keys: set[str] = set()
    for path in TEMPLATES.rglob("*.html"):
        keys.update(re.findall(r"""_\(["']([a-z0-9_.]+)["']""", path.read_text(encoding="utf-8")))
    keys = {k for k in keys if not k.endswith(".")}
    dynamic = {
        "class": [*(c.value for c in ProtectionClass), "none"],
        "status": ["draft", "published", "archived"],
        "kind": ["member", "partner", "guest"],
        "role": [r.value for r in Role],
        "sort": ["relevance", "modified", "title"],
        "facet": ["city", "theme", "class", "format", "license"],
        "notice": sorted(templating.NOTICES),
    }
    keys.update(f"{prefix}.{value}" for prefix, values in dynamic.items() for value in values)
    return keys


@pytest.mark.parametrize("lang", ["de", "en"])
def test_message_catalogues_cover_every_key(lang: str) -> None:
    catalogue = templating.catalogue(lang)  # the main catalogue merged with the domains' own
    missing = sorted(_used_keys() - catalogue.keys())
    assert not missing, missing
    for key, text in catalogue.items():
        assert text.strip(), key


def test_static_assets_are_served_by_the_app(client: TestClient) -> None:
    for name, kind in (("kikz.css", "text/css"), ("kikz.js", "javascript"), ("favicon.svg", "image/svg+xml")):
        response = client.get(f"/static/{name}")
        assert response.status_code == 200 and kind in response.headers["content-type"]


def test_served_assets_reference_nothing_outside() -> None:
    """No script, stylesheet or image we serve names an address on the internet (XML namespaces aside)."""
    static = TEMPLATES.parent / "static"
    namespace = "http://www.w3.org/"
    offenders = []
    for path in sorted(static.rglob("*")):
        if path.suffix not in {".js", ".css", ".svg", ".html"}:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            cleaned = line.replace(namespace, "")
            if "http://" in cleaned or "https://" in cleaned or "//cdn" in cleaned:
                offenders.append(f"{path.relative_to(static)}:{number}")
    assert offenders == []
