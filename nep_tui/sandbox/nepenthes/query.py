"""`filters` and `sortBy` query parameters, parsed and checked the way the real server does.

Filter names may be camelCase or snake_case (`project` / `project_id`, `readIAN` / `read_ian`);
they are normalised to one camelCase name without an `Id` suffix. A filter that is malformed,
unknown, used with an operator it does not support or given values it does not know raises
`InvalidQuery` (400) whose message is a list of sentences: the real endpoints raise
`InvalidQuery.new(query.errors.full_messages)`, each sentence "Filters <filter> <problem>".
Operators that take no values (`o`, `c`, `*`, `!*`, `t`, `w`) accept `"values": null` or none,
as the real `values=` turns anything into `Array(values)`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request

from nep_tui.sandbox.nepenthes.errors import ApiError


@dataclass(frozen=True)
class Filter:
    name: str  # canonical
    operator: str
    values: list[str]
    label: str = ""  # as the client spelled it, for messages

    def __str__(self) -> str:
        return self.label or self.name


def canonical_name(name: str, known: Mapping[str, Any]) -> str:
    """`parent_id`, `parentId`, `parent` → `parent`; `readIAN`, `read_ian` → `readian`.

    Names are compared without underscores and case; an `Id` suffix names the same filter as
    the bare name (`status_id` = `status`) unless the name with the suffix is itself known.
    """
    key = name.replace("_", "").lower()
    if key not in known and key.endswith("id") and key[:-2] in known:
        key = key[:-2]
    return key


# Operators whose real `requires_value?` is false: status open/closed, any/none, today, this week.
VALUELESS_OPERATORS = frozenset({"o", "c", "*", "!*", "t", "w"})
_CAMEL_HUMP = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def _error(message: str) -> ApiError:
    return ApiError(400, "InvalidQuery", [message])


def human_name(name: str) -> str:
    """Rails' `humanize` of the snake_case name, as `errors.full_message` prints a filter:
    `resourceId` → `Resource`, `name_and_identifier` → `Name and identifier`."""
    snake = _CAMEL_HUMP.sub("_", name).lower().removesuffix("_id")
    words = snake.replace("_", " ").strip()
    return words[:1].upper() + words[1:]


def invalid_values(flt: Filter) -> ApiError:
    """The values name nothing the filter knows (the list strategies' inclusion check)."""
    return _error(f"Filters {human_name(flt.label or flt.name)} filter has invalid values.")


def _values(spec: dict[str, Any], name: str) -> list[str]:
    values = spec.get("values")
    if values is None:
        return []
    if not isinstance(values, list) or not all(isinstance(value, (str, int)) for value in values):
        raise _error(f"Filters {human_name(name)} filter has invalid values.")
    return [str(value) for value in values]


def parse_filters(
    request: Request,
    allowed: Mapping[str, set[str]],
    *,
    default: list[Filter] | None = None,
) -> list[Filter]:
    """The request's filters; `allowed` maps canonical names (lowercase, no underscores) to the
    operators they accept."""
    raw = request.query_params.get("filters")
    if raw is None:
        return list(default or [])
    try:
        parsed = json.loads(raw)
    except ValueError:
        raise _error("Filters are not valid JSON.") from None
    if not isinstance(parsed, list):
        raise _error("Filters must be a JSON array.")
    filters: list[Filter] = []
    for entry in parsed:
        if not isinstance(entry, dict) or len(entry) != 1:
            raise _error("Each filter must be an object with exactly one filter name.")
        ((name, spec),) = entry.items()
        name = str(name)
        canonical = canonical_name(name, allowed)
        if canonical not in allowed:
            raise _error(f"Filters {human_name(name)} filter does not exist.")
        operator = spec.get("operator") if isinstance(spec, dict) else None
        if not isinstance(operator, str) or operator not in allowed[canonical]:
            raise _error(
                f"Filters {human_name(name)} Operator is not set to one of the allowed values."
            )
        assert isinstance(spec, dict)
        values = _values(spec, name)
        if operator in VALUELESS_OPERATORS:
            values = []
        elif not any(value.strip() for value in values):
            raise _error(f"Filters {human_name(name)} can't be blank.")
        filters.append(Filter(canonical, operator, values, name))
    return filters


def integer_values(flt: Filter) -> list[int]:
    """Ids of an id-valued filter; `me` is resolved by the caller before this."""
    try:
        ids = [int(value) for value in flt.values]
    except ValueError:
        raise invalid_values(flt) from None
    if not all(0 <= value < 2**63 for value in ids):
        raise invalid_values(flt)
    return ids


def known_ids(flt: Filter, known: set[int] | list[int]) -> list[int]:
    """The filter's ids, each of which must be among `known` (what the user may see)."""
    ids = integer_values(flt)
    if not set(ids) <= set(known):
        raise invalid_values(flt)
    return ids


def boolean_value(flt: Filter) -> bool:
    if len(flt.values) != 1 or flt.values[0] not in ("t", "f", "true", "false"):
        raise invalid_values(flt)
    return flt.values[0] in ("t", "true")


_SORT_DIRECTIONS = {"asc", "desc"}


def parse_sort(
    request: Request,
    allowed: Mapping[str, str],
    default: list[tuple[str, str]],
) -> str:
    """An SQL ORDER BY clause from `sortBy`; `allowed` maps canonical names to SQL columns."""
    raw = request.query_params.get("sortBy")
    pairs: list[tuple[str, str]] = default
    if raw is not None:
        try:
            parsed: Any = json.loads(raw)
        except ValueError:
            raise _error("sortBy is not valid JSON.") from None
        if not isinstance(parsed, list) or not all(
            isinstance(pair, list)
            and len(pair) == 2
            and all(isinstance(part, str) for part in pair)
            for pair in parsed
        ):
            raise _error("sortBy must be a list of [name, direction] pairs.")
        pairs = [(canonical_name(name, allowed), direction) for name, direction in parsed]
    clauses = []
    for name, direction in pairs:
        if name not in allowed:
            raise _error(f"Cannot sort by {name}.")
        if direction.lower() not in _SORT_DIRECTIONS:
            raise _error(f"Sort direction {direction} is not valid.")
        clauses.append(f"{allowed[name]} {direction.upper()}")
    return ", ".join(clauses) if clauses else "1"


_LIKE_ESCAPE = re.compile(r"([\\%_])")


def like_pattern(text: str) -> str:
    """`%text%` for `LIKE ... ESCAPE '\\'`, with the user's wildcards taken literally."""
    return "%" + _LIKE_ESCAPE.sub(r"\\\1", text) + "%"
