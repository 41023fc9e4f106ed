"""Spatial functions for point columns against WKT literals, as plain SQL arithmetic (no spatial extension).

Stored geometries are filterable where they are points (``lon``/``lat`` columns); a stored line or polygon has
no point and yields null (unknown), so such rows never match. Literals may be POINT, LINESTRING or POLYGON
(with holes). Coordinates are plain numbers in the CRS of the data (WGS 84 degrees): ``geo.distance`` and
``geo.length`` answer in degrees, as the spec's CRS units and FROST do; they rank nearby stations well but
are not metres.

Every relation (``st_within``, ``st_touches``, … ``st_relate``) follows from the DE-9IM matrix of a point
against the literal. That matrix depends only on where the point lies – in the literal's interior, on its
boundary or outside – so each relation becomes "the point's position is one of …", decided in Python and
tested in SQL with exact comparisons (a point counts as on a slanted edge only if it lies on it in double
arithmetic, as in PostGIS).
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Sequence

from sqlalchemy import Float, and_, case, false, func, literal, null, or_

from kikz.sensors.odata.errors import NotImplementedOption, QueryError
from kikz.sensors.odata.parser import Coord, Geography
from kikz.sensors.odata.values import SqlExpr, Value, boolean, number

INTERIOR, BOUNDARY, EXTERIOR = 0, 1, 2
RELATIONS = (
    "st_equals",
    "st_disjoint",
    "st_touches",
    "st_within",
    "st_overlaps",
    "st_crosses",
    "st_intersects",
    "st_contains",
    "st_relate",
    "geo.intersects",
)
_DIMENSION = {"POINT": 0, "LINESTRING": 1, "POLYGON": 2}


def _num(value: float) -> SqlExpr:
    return literal(value, Float)


class PointShape:
    """A point column pair (``lon``, ``lat``) and the SQL that places it relative to a literal."""

    def __init__(self, lon: SqlExpr, lat: SqlExpr, dialect: str) -> None:
        self.lon, self.lat, self.dialect = lon, lat, dialect

    def present(self) -> SqlExpr:
        return and_(self.lon.is_not(None), self.lat.is_not(None))

    def at(self, point: Coord) -> SqlExpr:
        return and_(self.lon == _num(point[0]), self.lat == _num(point[1]))

    def on_segment(self, a: Coord, b: Coord) -> SqlExpr:
        (ax, ay), (bx, by) = a, b
        if a == b:
            return self.at(a)
        in_box = and_(
            self.lon.between(_num(min(ax, bx)), _num(max(ax, bx))),
            self.lat.between(_num(min(ay, by)), _num(max(ay, by))),
        )
        if ax == bx or ay == by:
            return in_box  # an axis-parallel segment is its own bounding box
        collinear = (self.lon - _num(ax)) * _num(by - ay) == (self.lat - _num(ay)) * _num(bx - ax)
        return and_(in_box, collinear)

    def inside_rings(self, rings: Sequence[Sequence[Coord]]) -> SqlExpr:
        """Even-odd rule over all rings (outer and holes): a horizontal ray from the point crosses an odd number."""
        crossings = []
        for ring in rings:
            for (xi, yi), (xj, yj) in itertools.pairwise(ring):
                if yi == yj:
                    continue  # a horizontal edge never crosses the horizontal ray
                straddles = (self.lat > _num(yi)) != (self.lat > _num(yj))
                x_cross = _num(xi) + (self.lat - _num(yi)) * _num((xj - xi) / (yj - yi))
                crossings.append(case((and_(straddles, self.lon < x_cross), 1), else_=0))
        if not crossings:
            return false()
        total: SqlExpr = crossings[0]
        for term in crossings[1:]:
            total = total + term
        return total % 2 == 1

    def position(self, shape: Geography) -> SqlExpr:
        """0 interior, 1 boundary, 2 exterior of ``shape`` (null when the row has no point)."""
        if shape.kind == "POINT":
            placed = case((self.at(shape.coords[0]), INTERIOR), else_=EXTERIOR)
        elif shape.kind == "LINESTRING":
            ends = [] if shape.coords[0] == shape.coords[-1] else [shape.coords[0], shape.coords[-1]]
            on_line = or_(*[self.on_segment(a, b) for a, b in itertools.pairwise(shape.coords)])
            whens = [(or_(*[self.at(e) for e in ends]), BOUNDARY)] if ends else []
            placed = case(*whens, (on_line, INTERIOR), else_=EXTERIOR)
        else:
            rings = (shape.coords, *shape.holes)
            edges = [self.on_segment(a, b) for ring in rings for a, b in itertools.pairwise(ring)]
            placed = case((or_(*edges), BOUNDARY), (self.inside_rings(rings), INTERIOR), else_=EXTERIOR)
        return case((self.present(), placed), else_=null())

    # --- distances ----------------------------------------------------------------------------------------
    def distance_to_point(self, point: Coord) -> SqlExpr:
        dx, dy = self.lon - _num(point[0]), self.lat - _num(point[1])
        return func.sqrt(dx * dx + dy * dy)

    def distance_to_segment(self, a: Coord, b: Coord) -> SqlExpr:
        (ax, ay), (bx, by) = a, b
        dx, dy = bx - ax, by - ay
        length2 = dx * dx + dy * dy
        if length2 == 0:
            return self.distance_to_point(a)
        along = ((self.lon - _num(ax)) * _num(dx) + (self.lat - _num(ay)) * _num(dy)) / _num(length2)
        across = func.abs((self.lon - _num(ax)) * _num(dy) - (self.lat - _num(ay)) * _num(dx)) / _num(
            math.sqrt(length2)
        )
        return case((along <= 0, self.distance_to_point(a)), (along >= 1, self.distance_to_point(b)), else_=across)

    def least(self, exprs: list[SqlExpr]) -> SqlExpr:
        while len(exprs) > 1:
            # SQLite's scalar min() takes at most 127 arguments
            chunks = [exprs[i : i + 100] for i in range(0, len(exprs), 100)]
            exprs = [
                chunk[0]
                if len(chunk) == 1
                else (func.least(*chunk) if self.dialect == "postgresql" else func.min(*chunk))
                for chunk in chunks
            ]
        return exprs[0]

    def distance(self, shape: Geography) -> SqlExpr:
        if shape.kind == "POINT":
            return self.distance_to_point(shape.coords[0])
        rings = (shape.coords, *shape.holes)
        edges = [self.distance_to_segment(a, b) for ring in rings for a, b in itertools.pairwise(ring)]
        nearest = self.least(edges)
        if shape.kind == "LINESTRING":
            return nearest
        return case((self.position(shape).in_([INTERIOR, BOUNDARY]), literal(0.0, Float)), else_=nearest)


# --- DE-9IM ---------------------------------------------------------------------------------------------------


def _matrix(position: int, shape: Geography) -> str:
    """DE-9IM of a point against ``shape`` (rows: the point's interior, boundary, exterior)."""
    first = ["F", "F", "F"]
    first[position] = "0"
    dimension = _DIMENSION[shape.kind]
    if shape.kind == "POINT":
        exterior = ["F" if position == INTERIOR else "0", "F", "2"]
    elif shape.kind == "LINESTRING":
        closed = shape.coords[0] == shape.coords[-1]
        exterior = [str(dimension), "F" if closed else "0", "2"]
    else:
        exterior = [str(dimension), "1", "2"]
    return "".join(first) + "FFF" + "".join(exterior)


def _transpose(matrix: str) -> str:
    return "".join(matrix[3 * col + row] for row in range(3) for col in range(3))


def matches(matrix: str, pattern: str) -> bool:
    for have, want in zip(matrix, pattern, strict=True):
        if want == "*":
            continue
        if want == "T" and have == "F":
            return False
        if want in "F012" and have != want:
            return False
    return True


def _relation(name: str, matrix: str, dim_a: int, dim_b: int, pattern: str | None) -> bool:
    if name == "st_relate":
        assert pattern is not None
        return matches(matrix, pattern)
    if name in ("st_intersects", "geo.intersects"):
        return not matches(matrix, "FF*FF****")
    if name == "st_disjoint":
        return matches(matrix, "FF*FF****")
    if name == "st_equals":
        return matches(matrix, "T*F**FFF*")
    if name == "st_within":
        return matches(matrix, "T*F**F***")
    if name == "st_contains":
        return matches(matrix, "T*****FF*")
    if name == "st_touches":
        return any(matches(matrix, p) for p in ("FT*******", "F**T*****", "F***T****"))
    if name == "st_crosses":
        if dim_a < dim_b:
            return matches(matrix, "T*T******")
        if dim_a > dim_b:
            return matches(matrix, "T*****T**")
        return dim_a == 1 and matches(matrix, "0********")
    if name == "st_overlaps":
        if dim_a != dim_b:
            return False
        return matches(matrix, "1*T***T**" if dim_a == 1 else "T*T***T**")
    raise QueryError(f"Unbekannte Raumfunktion {name!r}. / Unknown spatial function.")


def relation(name: str, point: PointShape, shape: Geography, point_first: bool, pattern: str | None) -> Value:
    if name == "st_relate" and (pattern is None or not re.fullmatch(r"[TF*012]{9}", pattern)):
        raise QueryError("st_relate erwartet ein DE-9IM-Muster aus 9 Zeichen T, F, *, 0, 1, 2. / Invalid pattern.")
    dims = (0, _DIMENSION[shape.kind]) if point_first else (_DIMENSION[shape.kind], 0)
    holds = []
    for position in (INTERIOR, BOUNDARY, EXTERIOR):
        matrix = _matrix(position, shape)
        if not point_first:
            matrix = _transpose(matrix)
        if _relation(name, matrix, dims[0], dims[1], pattern):
            holds.append(position)
    if not holds:
        return boolean(false())
    if len(holds) == 3:
        return boolean(point.present())
    return boolean(point.position(shape).in_(holds))


def length(shape: Geography | None, point: PointShape | None) -> Value:
    """``geo.length``: a literal LINESTRING's length; a point (or a POINT) has length 0."""
    if point is not None:
        return number(case((point.present(), literal(0.0, Float))))
    assert shape is not None
    if shape.kind == "POLYGON":
        raise QueryError("geo.length erwartet eine Linie. / geo.length expects a LINESTRING.")
    total = sum(math.dist(a, b) for a, b in itertools.pairwise(shape.coords))
    return number(literal(total, Float))


def unsupported(name: str) -> NotImplementedOption:
    return NotImplementedOption(
        f"{name} geht nur zwischen einer Punkt-Eigenschaft und einer Geometrie-Konstante (geography'…'); "
        "zwei Eigenschaften oder zwei Konstanten werden nicht unterstützt. / Only a point property against a "
        "geometry literal is supported."
    )
