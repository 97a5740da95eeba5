"""One unreadable element of a collection does not fail the list: the rest is read, and the
result says how many were skipped (logged by position and reason, never by content)."""

from __future__ import annotations

import logging

from pydantic import TypeAdapter
from support.collections import SHORTENED, collection, project, serve, work_package

from nep_tui.api import models as m

SECRET = "opapi-" + "f" * 64


def test_the_readable_elements_are_kept_and_the_others_counted(caplog):
    broken = {**SHORTENED, "description": {"raw": SECRET}}
    data = {"_embedded": {"elements": [project(1), broken, "not an object", project(2)]}}
    with caplog.at_level(logging.WARNING, logger="nep_tui.api.models"):
        found = m.parse_collection(m.Project.from_hal, data, "GET /api/v3/projects")
    assert [p.id for p in found] == [1, 2]
    assert found.skipped == 2
    assert isinstance(found, list)
    assert [record.getMessage() for record in caplog.records] == [
        "element 2 skipped: The server sent an unexpected answer for GET /api/v3/projects: "
        "the field 'identifier' is missing.",
        "element 3 skipped: The server sent an unexpected answer for GET /api/v3/projects: "
        "expected a JSON object.",
    ]
    assert SECRET not in caplog.text


def test_a_whole_collection_still_has_none_skipped():
    found = m.parse_collection(
        m.Project.from_hal, {"_embedded": {"elements": [project(1)]}}, "GET /api/v3/projects"
    )
    assert found == [m.Project.from_hal(project(1))] and found.skipped == 0


def test_a_page_counts_its_skipped_elements_in_its_total():
    data = {"_embedded": {"elements": [project(1), SHORTENED]}}
    page = m.parse_page(m.Project.from_hal, data, "GET /api/v3/projects", 1, 20)
    assert [p.id for p in page.elements] == [1]
    assert (page.skipped, page.total, page.has_next) == (1, 2, False)


def test_last_seen_data_keeps_the_items_not_the_count():
    adapter = TypeAdapter(m.Elements[m.Project])
    kept = adapter.validate_json(adapter.dump_json(m.Elements([m.Project.from_hal(project(1))], 3)))
    assert isinstance(kept, m.Elements)
    assert [p.id for p in kept] == [1] and kept.skipped == 0


async def test_every_page_of_a_list_is_read_and_the_skipped_ones_add_up(through_proxy, fault_proxy):
    first = collection([project(1), SHORTENED], total=4)
    second = collection([SHORTENED, project(4)], total=4, page=2)
    serve(fault_proxy, r"/api/v3/projects\?.*offset=1&", first)
    serve(fault_proxy, r"/api/v3/projects\?.*offset=2&", second)
    found = await through_proxy.projects()
    assert [p.id for p in found] == [1, 4]
    assert found.skipped == 2


async def test_a_page_of_nothing_but_unreadable_elements_does_not_end_the_walk(
    through_proxy, fault_proxy
):
    serve(fault_proxy, r"/api/v3/projects\?.*offset=1&", collection([SHORTENED], total=2))
    serve(fault_proxy, r"/api/v3/projects\?.*offset=2&", collection([project(2)], total=2, page=2))
    found = await through_proxy.projects()
    assert [p.id for p in found] == [2] and found.skipped == 1


async def test_the_work_package_list_counts_unreadable_ones_up_to_its_limit(
    through_proxy, fault_proxy
):
    shortened = {"_type": "WorkPackage", "id": 7}
    body = collection([work_package(1), shortened, work_package(3), work_package(4)])
    serve(fault_proxy, r"/api/v3/work_packages\?", body)
    found = await through_proxy.work_packages(limit=2)
    assert [wp.id for wp in found] == [1, 3]
    assert found.skipped == 1
    assert all(wp.status_closed is False for wp in found)


async def test_a_made_link_whose_answer_cannot_be_read_is_reported_as_made(
    through_proxy, fault_proxy
):
    files = [m.StorageFile(id=origin, name=f"{origin}.pdf") for origin in ("10", "11")]
    made = {"_type": "FileLink", "id": 1, "originData": {"id": "10", "name": "10.pdf"}}
    body = collection([made, {"_type": "FileLink", "id": 2}])
    serve(fault_proxy, r"/api/v3/work_packages/1/file_links$", body, method="POST", status=201)
    result = await through_proxy.create_file_links(1, 1, files)
    assert [link.origin_id for link in result.linked] == ["10"]
    [(file, error)] = result.failed
    assert file.id == "11"
    assert "the link to '11.pdf' was made" in error.message
    assert "the link is there" in error.hint
