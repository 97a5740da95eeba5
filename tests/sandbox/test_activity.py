"""The sandbox's work-package activity: journals for changes and attachments, own-comment
edits, notifications linking their journal."""

from __future__ import annotations

import httpx


def _api(sandbox, login: str) -> httpx.Client:
    return httpx.Client(
        base_url=sandbox.nepenthes_url,
        headers={"Authorization": f"Bearer {sandbox.user(login).api_token}"},
    )


def test_change_details_have_the_formatters_html(fresh_sandbox):
    member = _api(fresh_sandbox, "member")
    lock = member.get("/api/v3/work_packages/3").json()["lockVersion"]
    member.patch(
        "/api/v3/work_packages/3",
        json={"lockVersion": lock, "_links": {"status": {"href": "/api/v3/statuses/2"}}},
    ).raise_for_status()
    last = member.get("/api/v3/work_packages/3/activities").json()["_embedded"]["elements"][-1]
    assert last["_type"] == "Activity"
    assert last["details"] == [
        {
            "format": "markdown",
            "raw": "**Status** changed from *New* to *In progress*",
            "html": "<strong>Status</strong> changed from <i>New</i> to <i>In progress</i>",
        }
    ]
    # Saving the same values again writes no journal and keeps the lock version.
    again = member.patch(
        "/api/v3/work_packages/3",
        json={"lockVersion": lock + 1, "_links": {"status": {"href": "/api/v3/statuses/2"}}},
    )
    assert again.json()["lockVersion"] == lock + 1
    assert member.get("/api/v3/work_packages/3/activities").json()["total"] == 2


def test_attachments_are_journaled(fresh_sandbox):
    member = _api(fresh_sandbox, "member")
    uploaded = member.post(
        "/api/v3/work_packages/3/attachments",
        files={
            "metadata": (None, '{"fileName":"notes.txt"}', "application/json"),
            "file": ("notes.txt", b"abc", "text/plain"),
        },
    ).json()
    member.delete(f"/api/v3/attachments/{uploaded['id']}").raise_for_status()
    elements = member.get("/api/v3/work_packages/3/activities").json()["_embedded"]["elements"]
    assert [item["details"][0]["raw"] for item in elements[-2:]] == [
        "**Attachment** notes.txt added",
        "**Attachment** deleted (~~*notes.txt*~~)",
    ]


def test_only_ones_own_comment_can_be_edited_and_the_feed_links_it(fresh_sandbox):
    member, newcomer = _api(fresh_sandbox, "member"), _api(fresh_sandbox, "newcomer")
    comment = member.post(
        "/api/v3/work_packages/3/activities", json={"comment": {"raw": "Ping user#3"}}
    ).json()
    assert comment["_links"]["update"]["method"] == "patch"
    assert "update" not in newcomer.get(f"/api/v3/activities/{comment['id']}").json()["_links"]
    refused = newcomer.patch(f"/api/v3/activities/{comment['id']}", json={"comment": {"raw": "x"}})
    assert refused.status_code == 403
    edited = member.patch(f"/api/v3/activities/{comment['id']}", json={"comment": {"raw": "Pong"}})
    assert edited.json()["comment"]["raw"] == "Pong"
    feed = newcomer.get("/api/v3/notifications", params={"sortBy": '[["id","desc"]]'}).json()
    newest = feed["_embedded"]["elements"][0]
    assert newest["reason"] == "mentioned"
    assert newest["_links"]["activity"]["href"] == f"/api/v3/activities/{comment['id']}"
    assert newest["_embedded"]["activity"]["comment"]["raw"] == "Pong"
