"""Typed filter and sort builders for API v3 collections.

API v3 takes `filters` as a JSON array of single-key objects (`[{"status":{"operator":"o",
"values":[]}}]`) and `sortBy` as a JSON array of pairs. They are always built with
`json.dumps`, never by pasting strings together, so user input cannot break the query.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Literal


class Operator(StrEnum):
    EQUALS = "="
    NOT_EQUALS = "!"
    CONTAINS = "~"
    NOT_CONTAINS = "!~"
    SEARCH = "**"
    ANY = "*"
    NONE = "!*"
    OPEN = "o"
    CLOSED = "c"
    GREATER_OR_EQUAL = ">="
    LESS_OR_EQUAL = "<="


FilterValue = str | int | bool


def _as_api_value(value: FilterValue) -> str:
    """API v3 filter values are strings; booleans are `t`/`f`."""
    if isinstance(value, bool):
        return "t" if value else "f"
    return str(value)


@dataclass(frozen=True)
class Filter:
    name: str
    operator: Operator | str
    values: tuple[FilterValue, ...] = ()

    def __init__(
        self, name: str, operator: Operator | str, values: Iterable[FilterValue] = ()
    ) -> None:
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "operator", Operator(operator))
        object.__setattr__(self, "values", tuple(values))

    def as_json(self) -> dict[str, dict[str, object]]:
        return {
            self.name: {
                "operator": str(self.operator),
                "values": [_as_api_value(value) for value in self.values],
            }
        }


SortDirection = Literal["asc", "desc"]


@dataclass(frozen=True)
class Sort:
    name: str
    direction: SortDirection = "asc"


@dataclass(frozen=True)
class Query:
    """Filters (ANDed) and sort order; `params()` gives the query parameters."""

    filters: tuple[Filter, ...] = ()
    sort: tuple[Sort, ...] = field(default_factory=tuple)

    def params(self, *, always_send_filters: bool = False) -> dict[str, str]:
        params: dict[str, str] = {}
        if self.filters or always_send_filters:
            params["filters"] = filters_param(self.filters)
        if self.sort:
            params["sortBy"] = json.dumps(
                [[item.name, item.direction] for item in self.sort], separators=(",", ":")
            )
        return params


def filters_param(filters: Iterable[Filter]) -> str:
    return json.dumps([item.as_json() for item in filters], separators=(",", ":"))


# Shorthands for the filters the client uses.


def equals(name: str, *values: FilterValue) -> Filter:
    return Filter(name, Operator.EQUALS, values)


def search(name: str, text: str) -> Filter:
    return Filter(name, Operator.SEARCH, [text.strip()])


def status_open() -> Filter:
    return Filter("status", Operator.OPEN)


def flag(name: str, value: bool) -> Filter:
    return Filter(name, Operator.EQUALS, [value])
