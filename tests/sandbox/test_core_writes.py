"""Writes against the sandbox core: work package form/create, notifications read state,
attachments. Each test has a sandbox of its own, so shared totals stay put."""

from __future__ import annotations

import hashlib
import json
import os

import httpx
import pytest

from nep_tui.api.errors import ReadOnlyField
from nep_tui.api.http import error_from_response


class Api:
    def __init__(self, sandbox, login: str) -> None:
        self.client = httpx.Client(
            base_url=f"{sandbox.nepenthes_url}/api/v3",
            headers={"Authorization": f"Bearer {sandbox.user(login).api_token}"},
        )

    def __getattr__(self, name):
        return getattr(self.client, name)


def error_id(answer: httpx.Response) -> str:
    return answer.json()["errorIdentifier"].rsplit(":", 1)[1]


# --- work packages ---------------------------------------------------------------------------


def test_form_then_create_then_read(fresh_sandbox):
    api = Api(fresh_sandbox, "member")
    body = {
        "subject": "Write the release notes",
        "description": {"raw": "For **1.0**"},
        "startDate": "2026-03-02",
        "dueDate": "2026-03-06",
        "_links": {"type": {"href": "/api/v3/types/3"}, "assignee": {"href": "/api/v3/users/3"}},
    }
    form = api.post("/projects/website/work_packages/form", json=body)
    assert form.status_code == 200, form.text
    assert form.json()["_type"] == "Form"
    assert form.json()["_embedded"]["validationErrors"] == {}
    assert form.json()["_links"]["commit"]["href"] == "/api/v3/projects/website/work_packages"
    assert form.json()["_embedded"]["payload"]["_links"]["type"]["href"] == "/api/v3/types/3"

    created = api.post("/projects/website/work_packages", json=body)
    assert created.status_code == 201, created.text
    wp = created.json()
    assert wp["subject"] == "Write the release notes"
    assert wp["_links"]["type"]["title"] == "Feature"
    assert wp["_links"]["status"]["title"] == "New"  # the default
    assert wp["_links"]["priority"]["title"] == "Normal"
    assert wp["_links"]["author"]["title"] == "Max Member"
    assert wp["_links"]["assignee"]["title"] == "Nora Newcomer"
    assert wp["description"]["raw"] == "For **1.0**"
    assert api.get(f"/work_packages/{wp['id']}").json()["subject"] == "Write the release notes"

    global_create = api.post(
        "/work_packages",
        json={"subject": "Global", "_links": {"project": {"href": "/api/v3/projects/2"}}},
    )
    assert global_create.status_code == 201
    assert global_create.json()["_links"]["project"]["href"] == "/api/v3/projects/2"


def test_invalid_work_packages_are_422_with_details(fresh_sandbox):
    api = Api(fresh_sandbox, "member")
    blank = api.post("/projects/demo/work_packages", json={"subject": "  "})
    assert blank.status_code == 422 and error_id(blank) == "PropertyConstraintViolation"
    assert blank.json()["_embedded"]["details"]["attribute"] == "subject"

    no_project = api.post("/work_packages", json={"subject": "Where?"})
    assert no_project.status_code == 422
    assert no_project.json()["_embedded"]["details"]["attribute"] == "project"

    several = api.post(
        "/projects/demo/work_packages",
        json={"subject": "", "_links": {"status": {"href": "/api/v3/statuses/99"}}},
    )
    assert several.status_code == 422 and error_id(several) == "MultipleErrors"
    attributes = {
        e["_embedded"]["details"]["attribute"] for e in several.json()["_embedded"]["errors"]
    }
    assert attributes == {"subject", "status"}

    wrong_link = api.post(
        "/projects/demo/work_packages",
        json={"subject": "x", "_links": {"type": {"href": "/api/v3/users/1"}}},
    )
    assert wrong_link.status_code == 422 and error_id(wrong_link) == "ResourceTypeMismatch"

    huge = api.post(
        "/projects/demo/work_packages",
        json={"subject": "x", "_links": {"assignee": {"href": "/api/v3/users/" + "9" * 30}}},
    )
    assert (
        huge.status_code == 422 and huge.json()["_embedded"]["details"]["attribute"] == "assignee"
    )

    bad_date = api.post(
        "/projects/demo/work_packages", json={"subject": "x", "startDate": "tomorrow"}
    )
    assert bad_date.status_code == 422 and error_id(bad_date) == "PropertyFormatError"

    form = api.post("/projects/demo/work_packages/form", json={"subject": ""})
    assert form.status_code == 200
    assert "commit" not in form.json()["_links"]
    assert form.json()["_embedded"]["validationErrors"]["subject"]["_type"] == "Error"

    listed = api.get("/work_packages", params={"filters": "[]", "pageSize": 100}).json()
    assert listed["total"] == 26, (
        "nothing invalid was created (fresh sandbox: only the seeded ones)"
    )


def test_body_content_type_rules(fresh_sandbox):
    api = Api(fresh_sandbox, "member")
    missing = api.post("/projects/demo/work_packages", content=b'{"subject":"x"}')
    assert missing.status_code == 406 and missing.text == "Missing content-type header"
    wrong = api.post(
        "/projects/demo/work_packages", content=b"subject=x", headers={"Content-Type": "text/plain"}
    )
    assert wrong.status_code == 415 and error_id(wrong) == "TypeNotSupported"
    for raw in (b"{", b"[1, 2]", b'"text"'):
        bad = api.post(
            "/projects/demo/work_packages",
            content=raw,
            headers={"Content-Type": "application/json"},
        )
        assert bad.status_code == 400 and error_id(bad) == "InvalidRequestBody"
    hal = api.post(
        "/projects/demo/work_packages",
        content=b'{"subject":"hal"}',
        headers={"Content-Type": "application/hal+json"},
    )
    assert hal.status_code == 201


def test_create_in_an_invisible_project_is_404(fresh_sandbox):
    api = Api(fresh_sandbox, "member")
    assert api.post("/projects/research/work_packages", json={"subject": "x"}).status_code == 404
    hidden = api.post(
        "/work_packages",
        json={"subject": "x", "_links": {"project": {"href": "/api/v3/projects/5"}}},
    )
    assert (
        hidden.status_code == 422
        and hidden.json()["_embedded"]["details"]["attribute"] == "project"
    )


# --- notifications ---------------------------------------------------------------------------

UNREAD = json.dumps([{"readIAN": {"operator": "=", "values": ["f"]}}])


def test_notifications_list_filters_and_embeds(sandbox, member_token):
    api = httpx.Client(
        base_url=f"{sandbox.nepenthes_url}/api/v3",
        headers={"Authorization": f"Bearer {member_token}"},
    )
    everything = api.get("/notifications", params={"pageSize": 100}).json()
    assert everything["total"] == 10
    unread = api.get("/notifications", params={"filters": UNREAD, "pageSize": 100}).json()
    reasons = {n["reason"] for n in unread["_embedded"]["elements"]}
    assert reasons == {
        "mentioned",
        "assigned",
        "responsible",
        "watched",
        "commented",
        "dateAlert",
        "shared",
    }
    first = unread["_embedded"]["elements"][0]
    assert first["_embedded"]["resource"]["_type"] == "WorkPackage"
    assert first["_embedded"]["project"]["_type"] == "Project"
    assert first["_embedded"]["actor"]["_type"] == "User"
    assert first["_links"]["readIAN"]["method"] == "post" and "unreadIAN" not in first["_links"]
    date_alert = next(n for n in unread["_embedded"]["elements"] if n["reason"] == "dateAlert")
    assert (
        date_alert["details"][0]["property"] == "dueDate"
        and date_alert["_links"]["actor"]["href"] is None
    )
    assert unread["_embedded"]["detailsSchemas"][0]["_type"] == "Schema"
    by_reason = api.get(
        "/notifications",
        params={"filters": json.dumps([{"reason": {"operator": "=", "values": ["assigned"]}}])},
    )
    assert [n["id"] for n in by_reason.json()["_embedded"]["elements"]] == [2]
    by_resource = api.get(
        "/notifications",
        params={"filters": json.dumps([{"resource_id": {"operator": "=", "values": ["22"]}}])},
    )
    assert [n["id"] for n in by_resource.json()["_embedded"]["elements"]] == [5]
    by_project = api.get(
        "/notifications",
        params={"filters": json.dumps([{"project": {"operator": "=", "values": ["4"]}}])},
    )
    assert sorted(n["id"] for n in by_project.json()["_embedded"]["elements"]) == [5, 10]
    by_id = api.get(
        "/notifications",
        params={"filters": json.dumps([{"id": {"operator": "=", "values": ["3"]}}])},
    )
    assert by_id.json()["total"] == 1
    # Another user's notification does not exist for member.
    assert api.get("/notifications/11").status_code == 404
    assert api.get("/notifications/1").json()["id"] == 1


@pytest.mark.parametrize(
    "filters",
    [
        "{",
        json.dumps([{"readIAN": {"operator": "=", "values": ["maybe"]}}]),
        json.dumps([{"nope": {"operator": "=", "values": ["1"]}}]),
    ],
)
def test_bad_notification_filters_are_400(sandbox, member_token, filters):
    answer = httpx.get(
        f"{sandbox.nepenthes_url}/api/v3/notifications",
        params={"filters": filters},
        headers={"Authorization": f"Bearer {member_token}"},
    )
    assert answer.status_code == 400 and error_id(answer) == "InvalidQuery"


def test_notifications_need_login(sandbox):
    assert httpx.get(f"{sandbox.nepenthes_url}/api/v3/notifications").status_code == 401


def test_read_and_unread_one_and_all(fresh_sandbox):
    api = Api(fresh_sandbox, "member")
    newcomer = Api(fresh_sandbox, "newcomer")

    def unread_total() -> int:
        return api.get("/notifications", params={"filters": UNREAD}).json()["total"]

    assert unread_total() == 7
    assert api.post("/notifications/1/read_ian").status_code == 204
    assert unread_total() == 6
    assert api.get("/notifications/1").json()["_links"]["unreadIAN"]["method"] == "post"
    assert api.post("/notifications/1/unread_ian").status_code == 204
    assert unread_total() == 7
    assert api.post("/notifications/11/read_ian").status_code == 404  # newcomer's

    assigned = json.dumps([{"reason": {"operator": "=", "values": ["assigned"]}}])
    assert api.post("/notifications/read_ian", params={"filters": assigned}).status_code == 204
    assert unread_total() == 6
    assert api.post("/notifications/read_ian").status_code == 204
    assert unread_total() == 0
    # Bulk actions only ever touch the caller's own notifications.
    assert newcomer.get("/notifications", params={"filters": UNREAD}).json()["total"] == 1
    assert api.post("/notifications/unread_ian").status_code == 204
    assert unread_total() == 10


# --- attachments -----------------------------------------------------------------------------


def upload(api, wp_id: int, name: str, content: bytes, mime: str = "text/plain") -> httpx.Response:
    return api.post(
        f"/work_packages/{wp_id}/attachments",
        files={
            "metadata": (None, json.dumps({"fileName": name}), "application/json"),
            "file": ("ignored", content, mime),
        },
    )


def test_attachment_round_trip(fresh_sandbox, tmp_path):
    api = Api(fresh_sandbox, "member")
    content = os.urandom(3 * 1024 * 1024 + 17)
    created = upload(api, 3, "report.bin", content, "application/octet-stream")
    assert created.status_code == 200, created.text
    attachment = created.json()
    assert attachment["fileName"] == "report.bin" and attachment["fileSize"] == len(content)
    assert attachment["digest"] == {"algorithm": "md5", "hash": hashlib.md5(content).hexdigest()}
    assert attachment["_links"]["delete"]["method"] == "delete"
    listed = api.get("/work_packages/3/attachments").json()
    assert [a["id"] for a in listed["_embedded"]["elements"]] == [attachment["id"]]
    assert api.get(f"/attachments/{attachment['id']}").json()["fileName"] == "report.bin"

    with api.stream(
        "GET", attachment["_links"]["downloadLocation"]["href"].removeprefix("/api/v3")
    ) as download:
        assert download.status_code == 200
        assert 'filename="report.bin"' in download.headers["content-disposition"]
        assert b"".join(download.iter_bytes()) == content

    stored = list((fresh_sandbox.data_dir / "attachments").iterdir())
    assert len(stored) == 1 and stored[0].read_bytes() == content

    assert api.delete(f"/attachments/{attachment['id']}").status_code == 204
    assert api.get(f"/attachments/{attachment['id']}").status_code == 404
    assert list((fresh_sandbox.data_dir / "attachments").iterdir()) == []


def test_search_finds_work_packages_by_attachment_name(fresh_sandbox):
    api = Api(fresh_sandbox, "member")
    assert upload(api, 6, "quarterly-figures.ods", b"x").status_code == 200
    search = json.dumps([{"search": {"operator": "**", "values": ["quarterly-fig"]}}])
    found = api.get("/work_packages", params={"filters": search}).json()
    assert [e["id"] for e in found["_embedded"]["elements"]] == [6]


def test_attachment_names_are_data_not_paths(fresh_sandbox):
    api = Api(fresh_sandbox, "member")
    created = upload(api, 1, "../../../etc/passwd", b"root")
    assert created.status_code == 200
    assert created.json()["fileName"] == "passwd"
    assert not (fresh_sandbox.data_dir.parent / "etc").exists()
    blank = upload(api, 1, "../", b"x")
    assert (
        blank.status_code == 422 and blank.json()["_embedded"]["details"]["attribute"] == "fileName"
    )


def test_bad_attachment_uploads(fresh_sandbox):
    api = Api(fresh_sandbox, "member")
    no_metadata = api.post(
        "/work_packages/1/attachments", files={"file": ("a.txt", b"x", "text/plain")}
    )
    assert no_metadata.status_code == 400 and error_id(no_metadata) == "InvalidRequestBody"
    bad_metadata = api.post(
        "/work_packages/1/attachments",
        files={"metadata": (None, "{", "application/json"), "file": ("a", b"x")},
    )
    assert bad_metadata.status_code == 400
    no_file = api.post(
        "/work_packages/1/attachments",
        files={"metadata": (None, '{"fileName":"a"}', "application/json")},
    )
    assert no_file.status_code == 400
    wrong_type = api.post("/work_packages/1/attachments", json={"fileName": "a"})
    assert wrong_type.status_code == 415
    assert api.post("/work_packages/1/attachments", content=b"x").status_code == 406
    assert upload(api, 27, "a.txt", b"x").status_code == 404  # Research Lab
    assert api.get("/work_packages/27/attachments").status_code == 404


def test_attachment_over_the_limit_is_refused(fresh_sandbox):
    fresh_sandbox._nepenthes_app.state.config.max_attachment_bytes = 1000
    api = Api(fresh_sandbox, "member")
    assert api.get("/configuration").json()["maximumAttachmentFileSize"] == 1000
    too_large = upload(api, 1, "big.bin", b"x" * 1001)
    assert too_large.status_code == 422 and "too large" in too_large.json()["message"]
    declared_huge = upload(api, 1, "huge.bin", b"x" * 200_000)
    assert declared_huge.status_code == 422
    assert list((fresh_sandbox.data_dir / "attachments").iterdir()) == []
    assert upload(api, 1, "fits.bin", b"x" * 1000).status_code == 200


# --- update and delete -----------------------------------------------------------------------


def test_update_with_optimistic_locking(fresh_sandbox):
    api = Api(fresh_sandbox, "member")
    before = api.get("/work_packages/3").json()
    form = api.post(
        "/work_packages/3/form", json={"lockVersion": before["lockVersion"], "subject": "Renamed"}
    )
    assert form.status_code == 200 and form.json()["_links"]["commit"] == {
        "href": "/api/v3/work_packages/3",
        "method": "patch",
    }

    changed = api.patch(
        "/work_packages/3",
        json={
            "lockVersion": before["lockVersion"],
            "subject": "Collect requirements from everyone",
            "percentageDone": 30,
            "_links": {"status": {"href": "/api/v3/statuses/2"}, "assignee": {"href": None}},
        },
    )
    assert changed.status_code == 200, changed.text
    after = changed.json()
    assert after["subject"] == "Collect requirements from everyone"
    assert after["lockVersion"] == before["lockVersion"] + 1
    assert after["_links"]["status"]["title"] == "In progress"
    assert after["_links"]["assignee"] == {"href": None}
    assert after["percentageDone"] == 30
    assert after["dueDate"] == before["dueDate"], "fields not sent stay as they were"

    stale = api.patch(
        "/work_packages/3", json={"lockVersion": before["lockVersion"], "subject": "Lost update"}
    )
    assert stale.status_code == 409 and error_id(stale) == "UpdateConflict"
    missing = api.patch("/work_packages/3", json={"subject": "No lock"})
    assert (
        missing.status_code == 422
        and missing.json()["_embedded"]["details"]["attribute"] == "lockVersion"
    )
    invalid = api.patch(
        "/work_packages/3", json={"lockVersion": after["lockVersion"], "subject": ""}
    )
    assert invalid.status_code == 422 and error_id(invalid) == "PropertyConstraintViolation"
    assert api.get("/work_packages/3").json()["subject"] == "Collect requirements from everyone"
    hidden = api.patch("/work_packages/27", json={"lockVersion": 0, "subject": "x"})
    assert hidden.status_code == 404


def test_a_changed_read_only_property_is_refused_as_the_real_contract_refuses_it(fresh_sandbox):
    api = Api(fresh_sandbox, "member")
    before = api.get("/work_packages/3").json()
    echoed = {key: before[key] for key in ("id", "createdAt", "updatedAt")}
    author = before["_links"]["author"]
    unchanged = api.patch(
        "/work_packages/3",
        json={
            **echoed,
            "lockVersion": before["lockVersion"],
            "subject": "Sent back as read",
            "_links": {"author": author},
        },
    )
    assert unchanged.status_code == 200, "what was read may be sent back unchanged"
    lock = unchanged.json()["lockVersion"]

    created = api.patch(
        "/work_packages/3",
        json={"lockVersion": lock, "createdAt": "2020-01-01T00:00:00Z", "subject": "Not this"},
    )
    assert created.status_code == 422 and error_id(created) == "PropertyIsReadOnly"
    assert (
        created.json()["message"] == "Created on was attempted to be written but is not writable."
    )
    assert created.json()["_embedded"]["details"]["attribute"] == "createdAt"
    refused = error_from_response(created, "PATCH /api/v3/work_packages/3")
    assert isinstance(refused, ReadOnlyField) and "Created on was attempted" in str(refused)

    both = api.patch(
        "/work_packages/3",
        json={"lockVersion": lock, "_links": {"author": {"href": "/api/v3/users/1"}}, "id": 99},
    )
    assert both.status_code == 422 and error_id(both) == "MultipleErrors"
    messages = [e["message"] for e in both.json()["_embedded"]["errors"]]
    assert messages == [
        "ID was attempted to be written but is not writable.",
        "Author was attempted to be written but is not writable.",
    ]
    assert api.get("/work_packages/3").json()["subject"] == "Sent back as read"


def test_delete_removes_the_work_package_and_its_attachments(fresh_sandbox):
    api = Api(fresh_sandbox, "member")
    assert upload(api, 8, "notes.txt", b"bye").status_code == 200
    assert api.delete("/work_packages/8").status_code == 204
    assert api.get("/work_packages/8").status_code == 404
    assert list((fresh_sandbox.data_dir / "attachments").iterdir()) == []
    newcomer = Api(fresh_sandbox, "newcomer")
    unread = newcomer.get("/notifications", params={"filters": UNREAD}).json()
    assert unread["total"] == 0, "the notification about the deleted work package went with it"
    assert api.delete("/work_packages/8").status_code == 404


@pytest.mark.slow
def test_big_attachments_stream_through_without_growing_memory(fresh_sandbox, tmp_path):
    psutil = pytest.importorskip("psutil")
    size = 96 * 1024 * 1024
    source = tmp_path / "big.bin"
    chunk = os.urandom(1024 * 1024)
    expected = hashlib.md5()
    with source.open("wb") as out:
        for _ in range(size // len(chunk)):
            out.write(chunk)
            expected.update(chunk)
    api = Api(fresh_sandbox, "member")
    process = psutil.Process()
    before = process.memory_info().rss
    with source.open("rb") as handle:
        created = api.post(
            "/work_packages/1/attachments",
            files={
                "metadata": (None, '{"fileName":"big.bin"}', "application/json"),
                "file": ("big.bin", handle),
            },
            timeout=120,
        )
    assert created.status_code == 200, created.text
    assert created.json()["digest"]["hash"] == expected.hexdigest()
    received = hashlib.md5()
    with api.stream("GET", f"/attachments/{created.json()['id']}/content", timeout=120) as download:
        for part in download.iter_bytes():
            received.update(part)
    assert received.hexdigest() == expected.hexdigest()
    # Client and server share this process: neither may hold the file in memory.
    assert process.memory_info().rss - before < size // 3
