"""`filters` and `sortBy` query parameters, parsed and checked the way the real server does.

Filter names may be camelCase or snake_case (`project` / `project_id`, `readIAN` / `read_ian`);
they are normalised to one camelCase name without an `Id` suffix. A filter that is malformed,
unknown or used with an operator it does not support raises `InvalidQuery` (400), or 422 for
the endpoints that answer so (notifications).
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


def _error(message: str, status: int) -> ApiError:
    identifier = "InvalidQuery"
    return ApiError(status, identifier, message)


def parse_filters(
    request: Request,
    allowed: Mapping[str, set[str]],
    *,
    default: list[Filter] | None = None,
    error_status: int = 400,
) -> list[Filter]:
    """The request's filters; `allowed` maps canonical names (lowercase, no underscores) to the
    operators they accept."""
    raw = request.query_params.get("filters")
    if raw is None:
        return list(default or [])
    try:
        parsed = json.loads(raw)
    except ValueError:
        raise _error("Filters are not valid JSON.", error_status) from None
    if not isinstance(parsed, list):
        raise _error("Filters must be a JSON array.", error_status)
    filters: list[Filter] = []
    for entry in parsed:
        if not isinstance(entry, dict) or len(entry) != 1:
            raise _error(
                "Each filter must be an object with exactly one filter name.", error_status
            )
        ((name, spec),) = entry.items()
        canonical = canonical_name(str(name), allowed)
        if canonical not in allowed:
            raise _error(f"Filter {name} does not exist.", error_status)
        if not isinstance(spec, dict) or not isinstance(spec.get("operator"), str):
            raise _error(f"{name}: the filter needs an operator.", error_status)
        operator = spec["operator"]
        if operator not in allowed[canonical]:
            raise _error(f"{name}: operator {operator} is not valid for this filter.", error_status)
        values = spec.get("values", [])
        if not isinstance(values, list) or not all(
            isinstance(value, (str, int)) for value in values
        ):
            raise _error(f"{name}: values must be a list of strings.", error_status)
        values = [str(value) for value in values]
        if operator not in ("o", "c", "*", "!*") and not values:
            raise _error(f"{name}: the filter needs a value.", error_status)
        filters.append(Filter(canonical, operator, values, str(name)))
    return filters


def integer_values(flt: Filter, error_status: int = 400) -> list[int]:
    """Ids of an id-valued filter; `me` is resolved by the caller before this."""
    try:
        ids = [int(value) for value in flt.values]
    except ValueError:
        raise _error(f"{flt}: the values must be ids.", error_status) from None
    if not all(0 <= value < 2**63 for value in ids):
        raise _error(f"{flt}: the values must be ids.", error_status)
    return ids


def boolean_value(flt: Filter, error_status: int = 400) -> bool:
    if len(flt.values) != 1 or flt.values[0] not in ("t", "f", "true", "false"):
        raise _error(f"{flt}: the value must be t or f.", error_status)
    return flt.values[0] in ("t", "true")


_SORT_DIRECTIONS = {"asc", "desc"}


def parse_sort(
    request: Request,
    allowed: Mapping[str, str],
    default: list[tuple[str, str]],
    *,
    error_status: int = 400,
) -> str:
    """An SQL ORDER BY clause from `sortBy`; `allowed` maps canonical names to SQL columns."""
    raw = request.query_params.get("sortBy")
    pairs: list[tuple[str, str]] = default
    if raw is not None:
        try:
            parsed: Any = json.loads(raw)
        except ValueError:
            raise _error("sortBy is not valid JSON.", error_status) from None
        if not isinstance(parsed, list) or not all(
            isinstance(pair, list)
            and len(pair) == 2
            and all(isinstance(part, str) for part in pair)
            for pair in parsed
        ):
            raise _error("sortBy must be a list of [name, direction] pairs.", error_status)
        pairs = [(canonical_name(name, allowed), direction) for name, direction in parsed]
    clauses = []
    for name, direction in pairs:
        if name not in allowed:
            raise _error(f"Cannot sort by {name}.", error_status)
        if direction.lower() not in _SORT_DIRECTIONS:
            raise _error(f"Sort direction {direction} is not valid.", error_status)
        clauses.append(f"{allowed[name]} {direction.upper()}")
    return ", ".join(clauses) if clauses else "1"


_LIKE_ESCAPE = re.compile(r"([\\%_])")


def like_pattern(text: str) -> str:
    """`%text%` for `LIKE ... ESCAPE '\\'`, with the user's wildcards taken literally."""
    return "%" + _LIKE_ESCAPE.sub(r"\\\1", text) + "%"
