"""A schematic district map per city and points that fall inside it.

The central district is a disc; every other district is the ring sector around its bearing from the
centre, split halfway to its neighbours. The shapes are not the official boundaries, but they tile the
city without gaps or overlaps, so a point's district is always the polygon it lies in.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from functools import lru_cache

from kikz.demo.cities import City, District

KM_PER_DEG_LAT = 111.32
STEP_DEG = 6.0


@dataclass(frozen=True)
class Shape:
    district: District
    ring: tuple[tuple[float, float], ...]  # (lon, lat), closed
    inner_km: float
    outer_km: float
    start_deg: float  # bearing range, clockwise from north; start may exceed end across 360
    span_deg: float
    area_km2: float


def _km_per_deg_lon(lat: float) -> float:
    return KM_PER_DEG_LAT * math.cos(math.radians(lat))


def _offset(city: City, bearing_deg: float, dist_km: float) -> tuple[float, float]:
    rad = math.radians(bearing_deg)
    lat = city.lat + dist_km * math.cos(rad) / KM_PER_DEG_LAT
    lon = city.lon + dist_km * math.sin(rad) / _km_per_deg_lon(city.lat)
    return round(lon, 6), round(lat, 6)


def _polar(city: City, district: District) -> tuple[float, float]:
    dy = (district.lat - city.lat) * KM_PER_DEG_LAT
    dx = (district.lon - city.lon) * _km_per_deg_lon(city.lat)
    return math.degrees(math.atan2(dx, dy)) % 360, math.hypot(dx, dy)


def _arc(start: float, span: float) -> list[float]:
    steps = max(2, math.ceil(span / STEP_DEG))
    return [start + span * i / steps for i in range(steps + 1)]


@lru_cache(maxsize=16)
def shapes(city: City) -> tuple[Shape, ...]:
    centre, *outer = city.districts
    polar = sorted(((*_polar(city, d), d) for d in outer), key=lambda t: t[0])
    inner_km = max(0.45, 0.8 * min(dist for _, dist, _ in polar))
    out = [
        Shape(
            centre,
            tuple(_offset(city, b, inner_km) for b in _arc(0.0, 360.0)),
            0.0,
            inner_km,
            0.0,
            360.0,
            math.pi * inner_km**2,
        )
    ]
    n = len(polar)
    for i, (bearing, dist, district) in enumerate(polar):
        prev_b = polar[i - 1][0] - (360 if i == 0 else 0)
        next_b = polar[(i + 1) % n][0] + (360 if i == n - 1 else 0)
        start = (bearing + prev_b) / 2
        span = (next_b + bearing) / 2 - start
        outer_km = min(city.radius_km, max(dist * 1.45, inner_km + 0.9))
        arc = _arc(start, span)
        ring = [_offset(city, b, outer_km) for b in arc] + [_offset(city, b, inner_km) for b in reversed(arc)]
        ring.append(ring[0])
        area = math.pi * (outer_km**2 - inner_km**2) * span / 360
        out.append(Shape(district, tuple(ring), inner_km, outer_km, start % 360, span, area))
    order = {d.name: i for i, d in enumerate(city.districts)}
    return tuple(sorted(out, key=lambda s: order[s.district.name]))


def point_in(rng: random.Random, city: City, shape: Shape) -> tuple[float, float]:
    """A random (lat, lon) inside ``shape``, kept off its edges."""
    bearing = shape.start_deg + shape.span_deg * (0.1 + 0.8 * rng.random())
    lo, hi = shape.inner_km, shape.outer_km
    dist = math.sqrt(lo**2 + (hi**2 - lo**2) * (0.05 + 0.9 * rng.random()))
    lon, lat = _offset(city, bearing, dist)
    return lat, lon


def random_point(rng: random.Random, city: City, district: str | None = None) -> tuple[float, float, str]:
    """(lat, lon, district name); the district is drawn by population weight unless given."""
    all_shapes = shapes(city)
    if district is None:
        shape = rng.choices(all_shapes, weights=[s.district.weight for s in all_shapes])[0]
    else:
        shape = next(s for s in all_shapes if s.district.name == district)
    lat, lon = point_in(rng, city, shape)
    return lat, lon, shape.district.name


def district_of(city: City, lat: float, lon: float) -> str | None:
    """Which district polygon holds the point (None outside the city)."""
    all_shapes = shapes(city)
    bearing, dist = _polar(city, District("", lat, lon, 0.0))
    for shape in all_shapes:
        if shape.span_deg >= 360:
            if dist <= shape.outer_km:
                return shape.district.name
            continue
        rel = (bearing - shape.start_deg) % 360
        if rel <= shape.span_deg and shape.inner_km <= dist <= shape.outer_km:
            return shape.district.name
    return None
