"""JSON API of the decision analytics of one counting site under ``/api/v1/sensors/sites/{id}``.

Before/after comparison of a measure, forecast with backtest, gap filling and incidents; the same service as the
pages (:mod:`kikz.sensors.analysis`), so the same rights apply: an invisible site or control site is answered 404
like a missing one, bad input and too little data 400 with a German message. The answers are described in
:mod:`kikz.sensors.analysis_schemas`.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from kikz.sensors import analysis
from kikz.sensors.analysis_schemas import (
    BeforeAfterPublic,
    ForecastPublic,
    GapFillPublic,
    IncidentsPublic,
    before_after_public,
    forecast_public,
    gap_fill_public,
    incidents_public,
)
from kikz.web.deps import PrincipalDep, SessionDep, SettingsDep

router = APIRouter(prefix="/api/v1/sensors", tags=["Verkehrszählung: Analysen / Traffic analytics"])

SiteId = Annotated[int, Path(ge=1, le=2**31 - 1, description="Id der Zählstelle (Thing) / site (Thing) id")]
DateParam = Annotated[
    str | None, Query(max_length=20, description="Datum JJJJ-MM-TT (einschließlich) / date YYYY-MM-DD (inclusive)")
]
ModeParam = Annotated[
    str | None,
    Query(
        max_length=10,
        description="Verkehrsart kfz, pkw, sv, rad oder fuss; Standard: Kfz, sonst die erste gezählte "
        "/ mode; default: motor vehicles, else the first counted",
    ),
]


@router.get(
    "/sites/{thing_id}/before-after",
    response_model=BeforeAfterPublic,
    summary="Vorher-Nachher-Vergleich einer Maßnahme / Before/after comparison of a measure",
    description="Wirkung einer Maßnahme (z. B. Radfahrstreifen) auf die Tagessummen: Regression des Logarithmus "
    "mit Wochentag, Feiertagen, Schulferien, Jahreszeit und optional einer Vergleichszählstelle; Effekt in % mit "
    "95-%-Konfidenzintervall, p-Wert, Mittelwerten je Tagestyp, Warnungen und Zusammenfassung. Standardzeitraum: "
    "bis zu ein Jahr vor und nach der Maßnahme. / Effect of a measure on daily totals with a 95 % confidence "
    "interval; default period up to one year on each side.",
)
def before_after(
    thing_id: SiteId,
    session: SessionDep,
    principal: PrincipalDep,
    settings: SettingsDep,
    massnahme: Annotated[
        str | None, Query(max_length=20, description="Datum der Maßnahme JJJJ-MM-TT (Pflicht) / date of the measure")
    ] = None,
    modus: ModeParam = None,
    kontrolle: Annotated[
        str | None, Query(max_length=20, description="Id einer Vergleichszählstelle ohne Maßnahme / control site id")
    ] = None,
    von: DateParam = None,
    bis: DateParam = None,
    ausschluss_tage: Annotated[
        str | None,
        Query(max_length=20, description="Übergangszeit ab der Maßnahme in Tagen (0–90) / transition days left out"),
    ] = None,
    ausschluss_daten: Annotated[
        str | None,
        Query(
            max_length=1000,
            description="Weitere auszuschließende Tage, z. B. 2025-05-01,2025-05-10..2025-05-12 / days to leave out",
        ),
    ] = None,
) -> BeforeAfterPublic:
    view = analysis.before_after(
        session,
        principal,
        thing_id,
        massnahme=massnahme,
        modus=modus,
        kontrolle=kontrolle,
        von=von,
        bis=bis,
        ausschluss_tage=ausschluss_tage,
        ausschluss_daten=ausschluss_daten,
    )
    return before_after_public(view, settings.base_url.rstrip("/"))


@router.get(
    "/sites/{thing_id}/forecast",
    response_model=ForecastPublic,
    summary="Kurzfristprognose mit Rückblicktest / Short-term forecast with backtest",
    description="Prognose ab dem Ende der Daten (oder ab dem Tag nach „bis“) für 1–14 Tage, stündlich oder als "
    "Tagessummen, mit 90-%-Vorhersageintervall; dazu die Güte im Rückblicktest (MAE, MAPE, WAPE) gegen die "
    "saisonal-naive Prognose „wie vor einer Woche“. / Forecast for 1–14 days with prediction interval and backtest "
    "against the seasonal-naive forecast.",
)
def forecast(
    thing_id: SiteId,
    session: SessionDep,
    principal: PrincipalDep,
    settings: SettingsDep,
    modus: ModeParam = None,
    tage: Annotated[str | None, Query(max_length=20, description="Horizont in Tagen 1–14 (Standard 7)")] = None,
    aufloesung: Annotated[
        str | None, Query(max_length=10, description="stunde (Standard) oder tag / hour (default) or day")
    ] = None,
    bis: Annotated[
        str | None,
        Query(max_length=20, description="Datenstand: nur Daten bis zu diesem Tag verwenden / use data up to this day"),
    ] = None,
) -> ForecastPublic:
    resolution = analysis.parse_resolution(aufloesung)
    view = analysis.site_forecast(session, principal, thing_id, modus=modus, tage=tage, bis=bis, resolution=resolution)
    return forecast_public(view, settings.base_url.rstrip("/"))


@router.get(
    "/sites/{thing_id}/gaps-filled",
    response_model=GapFillPublic,
    summary="Lückengefüllte Stundenreihe / Gap-filled hourly series",
    description="Die Stundenwerte einer Verkehrsart (alle Richtungen) im Zeitraum (Standard: die letzten acht "
    "Wochen mit Daten, höchstens 366 Tage), Lücken bis 14 Tage aus dem Tagestyp-Profil geschätzt, je Stunde mit "
    "Kennzeichen (measured/filled/missing) und 90-%-Vorhersageintervall, dazu die Unsicherheit der betroffenen "
    "Tagessummen. / Hourly series with filled gaps, flags and prediction intervals.",
)
def gaps_filled(
    thing_id: SiteId,
    session: SessionDep,
    principal: PrincipalDep,
    settings: SettingsDep,
    modus: ModeParam = None,
    von: DateParam = None,
    bis: DateParam = None,
) -> GapFillPublic:
    view = analysis.gap_fill(session, principal, thing_id, modus=modus, von=von, bis=bis)
    return gap_fill_public(view, settings.base_url.rstrip("/"))


@router.get(
    "/sites/{thing_id}/incidents",
    response_model=IncidentsPublic,
    summary="Ausfälle und Auffälligkeiten / Outages and anomalies",
    description="Datenlücken, konstante Werte, Nullwerte zur Verkehrszeit und Abweichungen vom Wochenprofil in der "
    "Stundenreihe einer Verkehrsart (Standard: die Hauptverkehrsart, Zeitraum wie die Seite der Zählstelle), mit den "
    "angewandten Regeln. / Gaps, flatlines, zero runs and profile deviations with the rules applied.",
)
def incidents(
    thing_id: SiteId,
    session: SessionDep,
    principal: PrincipalDep,
    settings: SettingsDep,
    modus: ModeParam = None,
    von: DateParam = None,
    bis: DateParam = None,
) -> IncidentsPublic:
    view = analysis.incidents(session, principal, thing_id, modus=modus, von=von, bis=bis)
    return incidents_public(view, settings.base_url.rstrip("/"))
