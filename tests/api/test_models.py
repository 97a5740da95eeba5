"""The models parse the official spec's own examples, or fail with a typed error naming the
endpoint; never with a traceback."""

from __future__ import annotations

import json
from datetime import datetime

import pytest

from nep_tui.api import models as m
from nep_tui.api.errors import MalformedResponse

# (model factory, where the example lives in the spec, is-a-collection)
SPEC_EXAMPLES = [
    (m.WorkPackage.from_hal, ("schemas", "WorkPackageModel"), False),
    (m.WorkPackage.from_hal, ("schemas", "Work_PackagesModel"), True),
    (m.FileLink.from_hal, ("schemas", "FileLinkReadModel"), False),
    (m.FileLink.from_hal, ("schemas", "FileLinkCollectionReadModel"), True),
    (m.Attachment.from_hal, ("schemas", "AttachmentModel"), False),
    (m.StorageFiles.from_hal, ("schemas", "StorageFilesModel"), False),
    (m.StorageFile.from_hal, ("schemas", "StorageFileModel"), False),
    (m.ProjectStorage.from_hal, ("schemas", "ProjectStorageModel"), False),
    (m.ProjectStorage.from_hal, ("schemas", "ProjectStorageCollectionModel"), True),
    (m.Priority.from_hal, ("schemas", "PriorityModel"), False),
    (m.WorkPackageSchema.from_hal, ("schemas", "Example_SchemaModel"), False),
    (m.WorkPackageForm.from_hal, ("schemas", "Example_FormModel"), False),
    (m.Type.from_hal, ("schemas", "TypeModel"), False),
    (m.Type.from_hal, ("schemas", "TypesModel"), True),
    (m.User.from_hal, ("schemas", "UserCollectionModel"), True),
    (m.Project.from_hal, ("examples", "Project"), False),
    (m.Project.from_hal, ("examples", "ProjectCollection"), True),
    (m.User.from_hal, ("examples", "UserResponse"), False),
    (m.Status.from_hal, ("examples", "StatusResponse"), False),
    (m.Status.from_hal, ("examples", "StatusCollection"), True),
    (m.Priority.from_hal, ("examples", "PriorityCollection"), True),
    (m.Storage.from_hal, ("examples", "StorageNextcloudResponse"), False),
    (m.Storage.from_hal, ("examples", "StorageNextcloudUnauthorizedResponse"), False),
    (m.Storage.from_hal, ("examples", "StorageOneDriveResponse"), False),
    (m.Storage.from_hal, ("examples", "StoragesSimpleCollectionModel"), True),
    (m.Notification.from_hal, ("examples", "MentionedNotification"), False),
    (m.Notification.from_hal, ("examples", "DateAlertNotification"), False),
    (m.Notification.from_hal, ("examples", "NotificationCollection"), True),
]


@pytest.fixture(scope="module")
def spec(openapi_spec_path):
    return json.loads(openapi_spec_path.read_text())


def example(spec, where):
    kind, name = where
    if kind == "schemas":
        return spec["components"]["schemas"][name]["example"]
    return spec["components"]["examples"][name]["value"]


@pytest.mark.parametrize(
    ("factory", "where", "is_collection"),
    SPEC_EXAMPLES,
    ids=[where[1] for _, where, _ in SPEC_EXAMPLES],
)
def test_spec_example_parses_or_fails_typed(spec, factory, where, is_collection):
    data = example(spec, where)
    endpoint = f"GET example {where[1]}"
    try:
        if is_collection:
            parsed = m.parse_collection(factory, data, endpoint)
            assert isinstance(parsed, list)
        else:
            parsed = m.parse(factory, data, endpoint)
            assert parsed is not None
    except MalformedResponse as exc:
        assert exc.endpoint == endpoint


def test_the_central_spec_examples_parse_completely(spec):
    wp = m.parse(m.WorkPackage.from_hal, example(spec, ("schemas", "WorkPackageModel")), "wp")
    assert wp.id == 1528 and wp.subject == "Develop API"
    assert wp.priority_name == "Normal" and wp.can_update

    link = m.parse(m.FileLink.from_hal, example(spec, ("schemas", "FileLinkReadModel")), "fl")
    assert link.origin_id == "5503" and link.name == "logo.png"
    assert link.status is m.FileLinkStatus.VIEW_ALLOWED and link.can_delete
    assert link.storage_name == "It's no moon" and link.last_modified_by == "Anakin Skywalker"

    files = m.parse(m.StorageFiles.from_hal, example(spec, ("schemas", "StorageFilesModel")), "sf")
    assert [f.name for f in files.files] == ["readme.md", "readme.pdf"]
    assert files.parent.is_folder and files.parent.location == "/"

    storage = m.parse(
        m.Storage.from_hal, example(spec, ("examples", "StorageNextcloudResponse")), "s"
    )
    assert storage.type == "Nextcloud"
    assert storage.authorization_state is m.AuthorizationState.CONNECTED

    unauthorized = m.parse(
        m.Storage.from_hal, example(spec, ("examples", "StorageNextcloudUnauthorizedResponse")), "s"
    )
    assert unauthorized.authorization_state is not m.AuthorizationState.CONNECTED
    assert unauthorized.can_upload_project_ids == []

    note = m.parse(
        m.Notification.from_hal, example(spec, ("examples", "MentionedNotification")), "n"
    )
    assert note.reason is m.NotificationReason.MENTIONED and note.read is False
    assert note.resource_id == 77 and note.resource_title == "Educate Visas Marr"
    assert note.actor_name == "Darth Nihilus" and note.project_name == "Jedi Remnant Locator"

    project = m.parse(m.Project.from_hal, example(spec, ("examples", "Project")), "p")
    assert project.parent_id == 123 and project.description.startswith("Lorem")

    storage_project = m.parse(
        m.ProjectStorage.from_hal, example(spec, ("schemas", "ProjectStorageModel")), "ps"
    )
    assert (
        storage_project.project_id,
        storage_project.storage_id,
        storage_project.project_folder_id,
    ) == (11, 81, "30")


def test_missing_required_field_names_the_endpoint():
    with pytest.raises(MalformedResponse) as caught:
        m.parse(
            m.WorkPackage.from_hal, {"_type": "WorkPackage", "id": 3}, "GET /api/v3/work_packages/3"
        )
    assert caught.value.endpoint == "GET /api/v3/work_packages/3"
    assert "subject" in caught.value.message


@pytest.mark.parametrize("bad", [None, [], "text", 5, {"_embedded": {"elements": "x"}}])
def test_collections_of_the_wrong_shape_are_malformed(bad):
    with pytest.raises(MalformedResponse):
        m.parse_collection(m.Project.from_hal, bad, "GET /api/v3/projects")


def test_wrong_field_types_are_malformed_not_a_crash():
    with pytest.raises(MalformedResponse):
        m.parse(m.Project.from_hal, {"id": "one", "identifier": "x", "name": "X"}, "p")
    with pytest.raises(MalformedResponse):
        m.parse(m.WorkPackage.from_hal, {"id": 1, "subject": "x", "updatedAt": "yesterday"}, "w")


def test_unknown_fields_and_types_are_ignored_and_optional_links_stay_optional():
    user = m.parse(
        m.User.from_hal,
        {"_type": "Principal::Something", "id": 4, "name": "Ann", "shinyNewField": {"x": 1}},
        "u",
    )
    assert user == m.User(id=4, name="Ann")
    wp = m.parse(
        m.WorkPackage.from_hal,
        {
            "id": 9,
            "subject": "s",
            "_links": {
                "assignee": {"href": None},
                "type": {"href": "/api/v3/types/2", "title": "Bug"},
            },
        },
        "w",
    )
    assert wp.assignee_id is None and wp.assignee_name is None
    assert wp.type_id == 2 and wp.type_name == "Bug" and wp.display_id == "9"
    assert not wp.can_add_file_link and not wp.can_update


@pytest.mark.parametrize(
    ("urn", "expected"),
    [
        (
            "urn:openproject-org:api:v3:file-links:permission:ViewAllowed",
            m.FileLinkStatus.VIEW_ALLOWED,
        ),
        (
            "urn:openproject-org:api:v3:file-links:permission:viewnotallowed",
            m.FileLinkStatus.VIEW_NOT_ALLOWED,
        ),
        ("urn:openproject-org:api:v3:file-links:NotFound", m.FileLinkStatus.NOT_FOUND),
        ("URN:OPENPROJECT-ORG:API:V3:FILE-LINKS:ERROR", m.FileLinkStatus.ERROR),
        ("urn:openproject-org:api:v3:file-links:SomethingNew", m.FileLinkStatus.UNKNOWN),
        (None, m.FileLinkStatus.UNKNOWN),
    ],
)
def test_file_link_status_urns(urn, expected):
    data = {
        "id": 1,
        "originData": {"id": 5, "name": "a.txt"},
        "_links": {"status": {"href": urn}} if urn else {},
    }
    assert m.parse(m.FileLink.from_hal, data, "fl").status is expected


@pytest.mark.parametrize(
    ("urn", "expected"),
    [
        (
            "urn:openproject-org:api:v3:storages:authorization:Connected",
            m.AuthorizationState.CONNECTED,
        ),
        (
            "urn:openproject-org:api:v3:storages:authorization:NotConnected",
            m.AuthorizationState.NOT_CONNECTED,
        ),
        (
            "urn:openproject-org:api:v3:storages:authorization:FailedAuthorization",
            m.AuthorizationState.FAILED_AUTHORIZATION,
        ),
        ("urn:openproject-org:api:v3:storages:authorization:error", m.AuthorizationState.ERROR),
        ("urn:x:Weird", m.AuthorizationState.UNKNOWN),
    ],
)
def test_storage_authorization_states(urn, expected):
    data = {
        "id": 1,
        "name": "NC",
        "_links": {
            "type": {"href": "urn:openproject-org:api:v3:storages:nextcloud"},
            "authorizationState": {"href": urn},
            "authorize": {"href": "https://nc.example/index.php/apps/oauth2/authorize?x=1"},
        },
    }
    storage = m.parse(m.Storage.from_hal, data, "s")
    assert storage.authorization_state is expected
    assert storage.type == "Nextcloud"  # older servers spell the type URN in lowercase
    assert storage.authorize_url.startswith("https://nc.example/")


@pytest.mark.parametrize(
    "reason",
    [
        "mentioned",
        "assigned",
        "responsible",
        "watched",
        "subscribed",
        "commented",
        "created",
        "processed",
        "prioritized",
        "scheduled",
        "dateAlert",
        "shared",
        "reminder",
    ],
)
def test_every_notification_reason_is_known(reason):
    note = m.parse(m.Notification.from_hal, {"id": 1, "readIAN": True, "reason": reason}, "n")
    assert note.reason.value == reason and note.reason is not m.NotificationReason.UNKNOWN


def test_unknown_and_snake_case_notification_reasons():
    assert m.NotificationReason.parse("date_alert_due_date") is m.NotificationReason.DATE_ALERT
    assert m.NotificationReason.parse("somethingNew") is m.NotificationReason.UNKNOWN


def test_older_file_links_with_origin_open_and_folders():
    data = {
        "id": 7,
        "originData": {
            "id": "12",
            "name": "Docs",
            "mimeType": "application/x-op-directory",
            "lastModifiedAt": "2026-01-02T03:04:05Z",
        },
        "_links": {
            "originOpen": {"href": "https://nc.example/index.php/f/12"},
            "storage": {"href": "/api/v3/storages/1", "title": "Nextcloud"},
        },
    }
    link = m.parse(m.FileLink.from_hal, data, "fl")
    assert link.is_folder and link.storage_id == 1 and link.storage_name == "Nextcloud"
    assert link.last_modified_at == datetime.fromisoformat("2026-01-02T03:04:05+00:00")


def test_page_knows_whether_more_pages_follow():
    collection = {
        "_type": "Collection",
        "total": 45,
        "count": 20,
        "pageSize": 20,
        "offset": 2,
        "_embedded": {"elements": [{"id": i, "name": f"S{i}"} for i in range(20)]},
    }
    page = m.parse_page(m.Status.from_hal, collection, "s", 2, 20)
    assert page.page == 2 and page.total == 45 and page.has_next
    last = m.parse_page(m.Status.from_hal, {**collection, "offset": 3}, "s", 3, 20)
    assert not last.has_next
