"""What the query compiler needs to know about the entity types: their fields and how they hang together.

Fields name mapped *attributes* rather than columns so the compiler can read them from an alias: a path such as
``Datastreams/Thing/name`` inside ``Things?$filter=…`` needs a second, independent copy of the Thing table.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, Table, and_, false, select

# (alias, compared value) → the column to use; Observation/result picks the text or the number column
TypedField = Callable[[Any, Any], Any]


@dataclass(frozen=True)
class Fields:
    """What ``$filter``/``$orderby`` may name on one entity type."""

    columns: Mapping[str, str]  # property name → attribute name on the model
    points: Mapping[str, tuple[str, str]] = field(default_factory=dict)  # geometry → (lon, lat) attributes
    typed: Mapping[str, TypedField] = field(default_factory=dict)
    json: Mapping[str, str] = field(default_factory=dict)  # JSON property (``properties/a/b``) → attribute


@dataclass(frozen=True)
class Nav:
    """A navigation property. Exactly one way of linking is given:

    ``fk``: the parent holds the target's id (to-one); ``back``: the target holds the parent's id;
    ``table`` with ``mine``/``theirs``: an association table naming the parent and the target.
    """

    target: str  # entity set name
    many: bool
    fk: str | None = None
    back: str | None = None
    table: Table | None = None
    mine: str = ""
    theirs: str = ""

    def join(self, target: Any, parent: Any) -> ColumnElement[bool]:
        """Condition tying rows of ``target`` (model or alias) to the row of ``parent`` (model or alias)."""
        if self.fk is not None:
            result: ColumnElement[bool] = target.id == getattr(parent, self.fk)
            return result
        if self.back is not None:
            result = getattr(target, self.back) == parent.id
            return result
        assert self.table is not None
        # the association table joins the enclosing query's FROM (a nested IN would not correlate two levels up)
        pair = self.table.alias()
        return and_(pair.c[self.mine] == parent.id, pair.c[self.theirs] == target.id)

    def of_row(self, target: Any, row: Any) -> ColumnElement[bool]:
        """Condition on ``target`` rows related to one loaded parent ``row``."""
        if self.fk is not None:
            value = getattr(row, self.fk)
            return false() if value is None else target.id == value
        return self.link_id(target, row.id)

    def link_id(self, target: Any, parent_id: int, parent_model: Any = None) -> ColumnElement[bool]:
        """Condition on ``target`` rows related to the parent with id ``parent_id``."""
        if self.fk is not None:
            assert parent_model is not None, "a to-one navigation by id needs the parent model"
            fk = select(getattr(parent_model, self.fk)).where(parent_model.id == parent_id).scalar_subquery()
            result: ColumnElement[bool] = target.id == fk
            return result
        if self.back is not None:
            result = getattr(target, self.back) == parent_id
            return result
        assert self.table is not None
        return target.id.in_(select(self.table.c[self.theirs]).where(self.table.c[self.mine] == parent_id))


@dataclass(frozen=True)
class EntityType:
    set_name: str
    model: type[Any]
    fields: Fields
    properties: Callable[[Any], dict[str, Any]]
    navs: dict[str, Nav]
