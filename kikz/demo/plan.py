"""Which datasets each city has and how each is protected: the demo catalogue at a glance.

The mix follows what the cities actually hold: a little more than half open data, a fifth internal
working data (some shared in the network), the rest confidential or strictly confidential registers with
personal data, and a few datasets that nobody has classified yet.
"""

from __future__ import annotations

from collections.abc import Callable

from kikz.demo import content as o
from kikz.demo import content_internal as i
from kikz.demo import content_mobility as m
from kikz.demo import sensors as sn
from kikz.demo.cities import BY_SLUG, City
from kikz.demo.specs import INTERNAL, OPEN_DRAFT, UNCLASSIFIED, DatasetSpec, Protection

Template = Callable[[City], DatasetSpec]
Entry = Template | tuple[Template, Protection]

PLAN: dict[str, tuple[Entry, ...]] = {
    "offenbach": (
        m.bike_counts,
        m.car_parks,
        m.car_park_master,
        sn.network_spec,
        o.trees,
        o.population,
        o.districts,
        o.budget,
        m.charging,
        (o.noise, UNCLASSIFIED),
        i.energy,
        i.business_registrations,
        i.citizen_requests,
        i.staff_records,
    ),
    "giessen": (
        m.traffic_counts,
        o.air,
        sn.network_spec,
        o.schools,
        o.daycare,
        o.elections,
        o.districts,
        o.sessions,
        (i.energy, INTERNAL),
        i.road_works,
        i.school_forecast,
        i.daycare_applications,
        i.resident_parking,
    ),
    "wetzlar": (
        m.bike_counts,
        m.stops,
        sn.network_spec,
        o.events,
        o.population,
        o.districts,
        o.business_parcels,
        o.decisions,
        i.road_works,
        i.winter_service,
        i.citizen_requests,
        i.absences,
        i.traffic_signals,
    ),
    "fulda": (
        m.car_parks,
        m.traffic_counts,
        sn.network_spec,
        o.trees,
        o.ages,
        o.budget,
        o.districts,
        (o.noise, OPEN_DRAFT),
        i.energy,
        i.road_condition,
        i.business_registrations,
        i.resident_parking,
        i.staff_records,
    ),
    "marburg": (m.bike_counts, o.districts, o.elections, o.pharmacies, i.energy, i.road_condition),
    "limburg": (m.car_parks, o.museums, m.stops, i.winter_service, i.business_registrations),
}


def specs_for(slug: str) -> list[DatasetSpec]:
    city = BY_SLUG[slug]
    out = []
    for entry in PLAN[slug]:
        if isinstance(entry, tuple):
            template, protection = entry
            out.append(template(city).classed(protection))
        else:
            out.append(entry(city))
    return out
