"""Filters are JSON built from typed values; links to work packages are recognised."""

from __future__ import annotations

import json

import pytest

from nep_tui.api import filters as flt
from nep_tui.api.links import work_package_id_from_url


def test_filters_and_sort_are_json_not_string_pasting():
    hostile = 'x"}]},{"id":{"operator":"*'
    query = flt.Query(
        filters=(
            flt.search("search", f"  {hostile} "),
            flt.status_open(),
            flt.flag("readIAN", False),
            flt.equals("project_id", 12),
        ),
        sort=(flt.Sort("updatedAt", "desc"), flt.Sort("id")),
    )
    params = query.params()
    assert json.loads(params["filters"]) == [
        {"search": {"operator": "**", "values": [hostile]}},
        {"status": {"operator": "o", "values": []}},
        {"readIAN": {"operator": "=", "values": ["f"]}},
        {"project_id": {"operator": "=", "values": ["12"]}},
    ]
    assert json.loads(params["sortBy"]) == [["updatedAt", "desc"], ["id", "asc"]]


def test_empty_filters_are_sent_only_when_asked():
    assert flt.Query().params() == {}
    assert flt.Query().params(always_send_filters=True) == {"filters": "[]"}


def test_unknown_operators_are_refused():
    with pytest.raises(ValueError):
        flt.Filter("status", "LIKE", ["x"])


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://pm.example/work_packages/12", 12),
        ("https://pm.example/work_packages/12/activity", 12),
        ("https://pm.example/projects/demo/work_packages/12", 12),
        ("https://pm.example/projects/demo/work_packages/12/files/", 12),
        ("https://pm.example/wp/7", 7),
        ("https://pm.example/projects/demo/work_packages/details/33/overview", 33),
        ("https://pm.example/notifications/details/33/activity", 33),
        ("https://pm.example/projects/demo/work_packages?query_id=3", None),
        ("https://pm.example/projects/demo/work_packages/new", None),
        ("https://pm.example/work_packages/12/relations/5", None),
        ("https://pm.example/projects/demo", None),
        ("#42", 42),
        ("42", 42),
        ("not a link", None),
    ],
)
def test_work_package_links(url, expected):
    assert work_package_id_from_url(url) == expected


def test_links_below_the_servers_base_path_and_to_other_servers():
    server = "https://example.org/pm/"
    assert work_package_id_from_url("https://example.org/pm/work_packages/5", server) == 5
    assert work_package_id_from_url("https://example.org/pm/projects/a/wp/6/activity", server) == 6
    assert work_package_id_from_url("https://elsewhere.org/work_packages/5", server) is None
    assert work_package_id_from_url("/pm/work_packages/8", server) == 8
