"""Typed models of the Nepenthes API v3 (HAL+JSON), validated at the edge.

Each model has a `from_hal(data)` constructor that reads the HAL shape (fields, `_links`,
`_embedded`) into flat, typed attributes. Use `parse(Model, data, endpoint)` to turn any shape
or validation failure into `MalformedResponse(endpoint)`; `parse_collection` reads every element
it can and counts the others (`Elements.skipped`). Unknown extra fields are ignored; links the
server may omit stay optional.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Iterable
from datetime import date, datetime
from enum import StrEnum
from typing import Any, Generic, Self, TypeVar, get_args

from pydantic import BaseModel, ConfigDict, Field, GetCoreSchemaHandler, ValidationError
from pydantic_core import CoreSchema, core_schema

from nep_tui.api.errors import MalformedResponse, NepError

log = logging.getLogger(__name__)
# Where skipped elements are told is the application's choice; without a handler Python's
# last-resort one would print them over the TUI's screen.
log.addHandler(logging.NullHandler())

FOLDER_MIME_TYPE = "application/x-op-directory"

Json = dict[str, Any]


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, defer_build=True)


# --- HAL helpers ---------------------------------------------------------------------------


def json_object(data: Json, key: str) -> Json:
    """The object under `key`, or an empty one when the server sent something else there."""
    value = data.get(key)
    return value if isinstance(value, dict) else {}


def sentences(value: Any) -> list[str]:
    """The sentences of a server `message`: a string, or (query errors) a list of them."""
    if isinstance(value, str):
        text = " ".join(value.split())
        return [text if text.endswith((".", "!", "?")) else text + "."] if text else []
    if isinstance(value, list):
        return [sentence for item in value for sentence in sentences(item)]
    return []


def _links(data: Json) -> Json:
    return json_object(data, "_links")


def _embedded(data: Json, name: str) -> Json | None:
    embedded = json_object(data, "_embedded")
    found = embedded.get(name)
    return found if isinstance(found, dict) else None


def link(data: Json, name: str) -> Json | None:
    """The named link object, or None when absent (or when its href is explicitly null)."""
    value = _links(data).get(name)
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict) and value.get("href") is not None:
        return value
    return None


def href(data: Json, name: str) -> str | None:
    found = link(data, name)
    return found["href"] if found else None


def _title(data: Json, name: str) -> str | None:
    """The link's title, also when it has no href (real answers send `{"title": ...}` alone)."""
    value = _links(data).get(name)
    if isinstance(value, list):
        value = value[0] if value else None
    title = value.get("title") if isinstance(value, dict) else None
    return title if isinstance(title, str) else None


def id_from_href(value: str | None) -> int | None:
    """`/api/v3/projects/12` → 12; anything without a trailing integer → None."""
    if not value:
        return None
    last = value.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]
    return int(last) if last.isdigit() else None


def _linked_id(data: Json, name: str) -> int | None:
    return id_from_href(href(data, name))


def _raw_text(value: Any) -> str:
    """A Formattable `{format, raw, html}` (or a plain string) → its raw text."""
    if isinstance(value, dict):
        return value.get("raw") or ""
    return value if isinstance(value, str) else ""


def _urn_tail(value: str | None) -> str:
    """`urn:openproject-org:api:v3:storages:authorization:Connected` → `connected`."""
    if not value:
        return ""
    return value.rsplit(":", 1)[-1].strip().lower()


def _embedded_name(data: Json, name: str) -> str | None:
    embedded = _embedded(data, name)
    found = embedded.get("name") if embedded else None
    return found if isinstance(found, str) else _title(data, name)


# --- enums --------------------------------------------------------------------------------


class FileLinkStatus(StrEnum):
    VIEW_ALLOWED = "ViewAllowed"
    VIEW_NOT_ALLOWED = "ViewNotAllowed"
    NOT_FOUND = "NotFound"
    ERROR = "Error"
    UNKNOWN = "Unknown"

    @classmethod
    def from_urn(cls, urn: str | None) -> FileLinkStatus:
        tail = _urn_tail(urn)
        for member in cls:
            if member.value.lower() == tail:
                return member
        return cls.UNKNOWN


class AuthorizationState(StrEnum):
    CONNECTED = "Connected"
    NOT_CONNECTED = "NotConnected"
    FAILED_AUTHORIZATION = "FailedAuthorization"
    ERROR = "Error"
    UNKNOWN = "Unknown"

    @classmethod
    def from_urn(cls, urn: str | None) -> AuthorizationState:
        tail = _urn_tail(urn)
        for member in cls:
            if member.value.lower() == tail:
                return member
        return cls.UNKNOWN


class NotificationReason(StrEnum):
    MENTIONED = "mentioned"
    ASSIGNED = "assigned"
    RESPONSIBLE = "responsible"
    WATCHED = "watched"
    SUBSCRIBED = "subscribed"
    COMMENTED = "commented"
    CREATED = "created"
    PROCESSED = "processed"
    PRIORITIZED = "prioritized"
    SCHEDULED = "scheduled"
    DATE_ALERT = "dateAlert"
    SHARED = "shared"
    REMINDER = "reminder"
    UNKNOWN = "unknown"

    @classmethod
    def parse(cls, value: Any) -> NotificationReason:
        if not isinstance(value, str):
            return cls.UNKNOWN
        folded = value.replace("_", "").lower()
        if folded.startswith("datealert"):  # date_alert_start_date / date_alert_due_date
            return cls.DATE_ALERT
        for member in cls:
            if member.value.lower() == folded:
                return member
        return cls.UNKNOWN


# --- resources ----------------------------------------------------------------------------


class User(_Model):
    id: int
    login: str | None = None
    name: str
    admin: bool = False

    @classmethod
    def from_hal(cls, data: Json) -> Self:
        # Older servers (and the spec's examples) give only the first and last name.
        full_name = " ".join(
            part for part in (data.get("firstName"), data.get("lastName")) if isinstance(part, str)
        )
        return cls(
            id=data["id"],
            login=data.get("login"),
            name=data.get("name") or full_name or data["name"],
            admin=bool(data.get("admin", False)),
        )


class Configuration(_Model):
    maximum_attachment_file_size: int | None = None
    maximum_api_v3_page_size: int | None = None
    per_page_options: list[int] = []
    host_name: str | None = None

    @classmethod
    def from_hal(cls, data: Json) -> Self:
        return cls(
            maximum_attachment_file_size=data.get("maximumAttachmentFileSize"),
            maximum_api_v3_page_size=data.get("maximumApiV3PageSize"),
            per_page_options=data.get("perPageOptions") or [],
            host_name=data.get("hostName"),
        )


class Project(_Model):
    id: int
    identifier: str
    name: str
    description: str = ""
    parent_id: int | None = None
    active: bool = True
    public: bool = False

    @classmethod
    def from_hal(cls, data: Json) -> Self:
        return cls(
            id=data["id"],
            identifier=data["identifier"],
            name=data["name"],
            description=_raw_text(data.get("description")),
            parent_id=_linked_id(data, "parent"),
            active=data.get("active", True),
            public=data.get("public", False),
        )


class Status(_Model):
    id: int
    name: str
    is_closed: bool = False
    is_default: bool = False
    color: str | None = None
    position: int | None = None

    @classmethod
    def from_hal(cls, data: Json) -> Self:
        return cls(
            id=data["id"],
            name=data["name"],
            is_closed=data.get("isClosed", False),
            is_default=data.get("isDefault", False),
            color=data.get("color"),
            position=data.get("position"),
        )


class Type(_Model):
    id: int
    name: str
    color: str | None = None
    is_default: bool = False
    is_milestone: bool = False
    position: int | None = None

    @classmethod
    def from_hal(cls, data: Json) -> Self:
        return cls(
            id=data["id"],
            name=data["name"],
            color=data.get("color"),
            is_default=data.get("isDefault", False),
            is_milestone=data.get("isMilestone", False),
            position=data.get("position"),
        )


class Priority(_Model):
    id: int
    name: str
    is_default: bool = False
    is_active: bool = True
    position: int | None = None

    @classmethod
    def from_hal(cls, data: Json) -> Self:
        return cls(
            id=data["id"],
            name=data["name"],
            is_default=data.get("isDefault", False),
            is_active=data.get("isActive", True),
            position=data.get("position"),
        )


class WorkPackage(_Model):
    id: int
    display_id: str
    subject: str
    description: str = ""
    type_id: int | None = None
    type_name: str | None = None
    status_id: int | None = None
    status_name: str | None = None
    status_closed: bool | None = None
    assignee_id: int | None = None
    assignee_name: str | None = None
    responsible_id: int | None = None
    responsible_name: str | None = None
    version_id: int | None = None
    version_name: str | None = None
    project_id: int | None = None
    project_name: str | None = None
    priority_id: int | None = None
    priority_name: str | None = None
    updated_at: datetime | None = None
    created_at: datetime | None = None
    lock_version: int = 0
    start_date: date | None = None
    due_date: date | None = None
    percentage_done: int | None = None
    can_add_file_link: bool = False
    can_update: bool = False

    @classmethod
    def from_hal(cls, data: Json) -> Self:
        status = _embedded(data, "status") or {}
        closed = status.get("isClosed")
        return cls(
            id=data["id"],
            display_id=str(data.get("displayId") or data["id"]),
            subject=data["subject"],
            description=_raw_text(data.get("description")),
            type_id=_linked_id(data, "type"),
            type_name=_embedded_name(data, "type"),
            status_id=_linked_id(data, "status"),
            status_name=_embedded_name(data, "status"),
            status_closed=closed if isinstance(closed, bool) else None,
            assignee_id=_linked_id(data, "assignee"),
            assignee_name=_embedded_name(data, "assignee"),
            responsible_id=_linked_id(data, "responsible"),
            responsible_name=_embedded_name(data, "responsible"),
            version_id=_linked_id(data, "version"),
            version_name=_embedded_name(data, "version"),
            project_id=_linked_id(data, "project"),
            project_name=_embedded_name(data, "project"),
            priority_id=_linked_id(data, "priority"),
            priority_name=_embedded_name(data, "priority"),
            updated_at=data.get("updatedAt"),
            created_at=data.get("createdAt"),
            lock_version=data.get("lockVersion", 0),
            start_date=data.get("startDate") or data.get("date"),
            due_date=data.get("dueDate"),
            percentage_done=data.get("percentageDone"),
            can_add_file_link=link(data, "addFileLink") is not None,
            can_update=(link(data, "update") or link(data, "updateImmediately")) is not None,
        )


class FileLink(_Model):
    id: int
    origin_id: str
    name: str
    mime_type: str | None = None
    last_modified_at: datetime | None = None
    last_modified_by: str | None = None
    created_by: str | None = None
    storage_id: int | None = None
    storage_name: str | None = None
    status: FileLinkStatus = FileLinkStatus.UNKNOWN
    can_delete: bool = False
    is_folder: bool = False
    container_id: int | None = None
    origin_open_url: str | None = None  # older servers link Nextcloud directly (`originOpen`)
    # The storage as the link embeds it (with the user's authorization state): the files pane
    # needs no request of its own for it. Not part of the JSON output.
    embedded_storage: Storage | None = Field(default=None, exclude=True)

    @classmethod
    def from_hal(cls, data: Json) -> Self:
        origin = data["originData"]
        mime_type = origin.get("mimeType")
        storage = _embedded(data, "storage") or {}
        status_link = _links(data).get("status")
        return cls(
            id=data["id"],
            origin_id=str(origin["id"]),
            name=origin["name"],
            mime_type=mime_type,
            last_modified_at=origin.get("lastModifiedAt"),
            last_modified_by=origin.get("lastModifiedByName"),
            created_by=origin.get("createdByName"),
            storage_id=_linked_id(data, "storage"),
            storage_name=storage.get("name") or _title(data, "storage"),
            status=FileLinkStatus.from_urn(
                status_link.get("href") if isinstance(status_link, dict) else None
            ),
            can_delete=link(data, "delete") is not None,
            is_folder=mime_type == FOLDER_MIME_TYPE,
            container_id=_linked_id(data, "container"),
            origin_open_url=href(data, "originOpen"),
            embedded_storage=_storage_or_none(storage),
        )


class Attachment(_Model):
    id: int
    file_name: str
    file_size: int | None = None
    content_type: str | None = None
    created_at: datetime | None = None
    author_name: str | None = None
    can_delete: bool = False
    download_href: str | None = None

    @classmethod
    def from_hal(cls, data: Json) -> Self:
        return cls(
            id=data["id"],
            file_name=data["fileName"],
            file_size=data.get("fileSize"),
            content_type=data.get("contentType"),
            created_at=data.get("createdAt"),
            author_name=_embedded_name(data, "author"),
            can_delete=link(data, "delete") is not None,
            download_href=href(data, "staticDownloadLocation") or href(data, "downloadLocation"),
        )


class Storage(_Model):
    id: int
    name: str
    type: str
    origin_url: str | None = None
    authorization_state: AuthorizationState = AuthorizationState.UNKNOWN
    authorize_url: str | None = None
    can_upload_project_ids: list[int] = []

    @classmethod
    def from_hal(cls, data: Json) -> Self:
        upload_links = _links(data).get("prepareUpload") or []
        if isinstance(upload_links, dict):
            upload_links = [upload_links]
        project_ids = [
            entry["payload"]["projectId"]
            for entry in upload_links
            if isinstance(entry, dict)
            and isinstance(entry.get("payload"), dict)
            and isinstance(entry["payload"].get("projectId"), int)
        ]
        state_link = _links(data).get("authorizationState")
        return cls(
            id=data["id"],
            name=data["name"],
            type=_storage_type(href(data, "type")),
            origin_url=href(data, "origin"),
            authorization_state=AuthorizationState.from_urn(
                state_link.get("href") if isinstance(state_link, dict) else None
            ),
            authorize_url=href(data, "authorize"),
            can_upload_project_ids=project_ids,
        )


def _storage_or_none(data: Json) -> Storage | None:
    """An embedded storage when it is whole enough to stand for `GET /storages/{id}`."""
    try:
        storage = Storage.from_hal(data)
    except (KeyError, TypeError, ValueError, AttributeError):
        return None
    return storage if storage.authorization_state is not AuthorizationState.UNKNOWN else None


def _storage_type(urn: str | None) -> str:
    """The provider name from the type URN; older servers spell it in lowercase."""
    tail = _urn_tail(urn)
    known = {"nextcloud": "Nextcloud", "onedrive": "OneDrive", "sharepoint": "Sharepoint"}
    return known.get(tail, tail or "unknown")


class StorageFile(_Model):
    id: str
    name: str
    size: int | None = None
    mime_type: str | None = None
    location: str | None = None
    is_folder: bool = False
    readable: bool = False
    writeable: bool = False
    last_modified_at: datetime | None = None
    last_modified_by: str | None = None
    created_at: datetime | None = None
    created_by: str | None = None

    @classmethod
    def from_hal(cls, data: Json) -> Self:
        permissions = data.get("permissions") or []
        return cls(
            id=str(data["id"]),
            name=data["name"],
            size=data.get("size"),
            mime_type=data.get("mimeType"),
            location=data.get("location"),
            is_folder=data.get("mimeType") == FOLDER_MIME_TYPE,
            readable="readable" in permissions,
            writeable="writeable" in permissions,
            last_modified_at=data.get("lastModifiedAt"),
            last_modified_by=data.get("lastModifiedByName"),
            created_at=data.get("createdAt"),
            created_by=data.get("createdByName"),
        )


class StorageFiles(_Model):
    files: list[StorageFile]
    parent: StorageFile
    ancestors: list[StorageFile] = []

    @classmethod
    def from_hal(cls, data: Json) -> Self:
        return cls(
            files=[StorageFile.from_hal(item) for item in data["files"]],
            parent=StorageFile.from_hal(data["parent"]),
            ancestors=[StorageFile.from_hal(item) for item in data.get("ancestors", [])],
        )


class ProjectStorage(_Model):
    id: int
    project_id: int | None = None
    storage_id: int | None = None
    project_folder_mode: str | None = None
    project_folder_id: str | None = None

    @classmethod
    def from_hal(cls, data: Json) -> Self:
        folder_href = href(data, "projectFolder")
        return cls(
            id=data["id"],
            project_id=_linked_id(data, "project"),
            storage_id=_linked_id(data, "storage"),
            project_folder_mode=data.get("projectFolderMode"),
            project_folder_id=folder_href.rstrip("/").rsplit("/", 1)[-1] if folder_href else None,
        )


class UploadLink(_Model):
    url: str

    @classmethod
    def from_hal(cls, data: Json) -> Self:
        destination = link(data, "destination")
        if destination is None:
            raise KeyError("destination")
        return cls(url=destination["href"])


class UploadResult(_Model):
    file_id: str
    file_name: str
    replaced: bool = False


class Notification(_Model):
    id: int
    read: bool
    reason: NotificationReason
    reasons: list[NotificationReason] = []
    actor_name: str | None = None
    project_id: int | None = None
    project_name: str | None = None
    resource_id: int | None = None
    resource_title: str | None = None
    created_at: datetime | None = None

    @classmethod
    def from_hal(cls, data: Json) -> Self:
        reason = NotificationReason.parse(data.get("reason"))
        resource = _embedded(data, "resource") or {}
        return cls(
            id=data["id"],
            read=bool(data["readIAN"]),
            reason=reason,
            reasons=[reason],
            actor_name=_embedded_name(data, "actor"),
            project_id=_linked_id(data, "project"),
            project_name=_embedded_name(data, "project"),
            resource_id=_linked_id(data, "resource"),
            resource_title=resource.get("subject") or _title(data, "resource"),
            created_at=data.get("createdAt"),
        )


class AllowedValue(_Model):
    id: int | None
    title: str


class SchemaField(_Model):
    key: str
    label: str
    type: str
    required: bool = False
    writable: bool = False
    allowed_values: list[AllowedValue] = []
    allowed_values_href: str | None = None

    @classmethod
    def from_hal(cls, key: str, data: Json) -> Self:
        values: list[AllowedValue] = []
        collection_href = None
        embedded = (data.get("_embedded") or {}).get("allowedValues")
        linked = _links(data).get("allowedValues")
        if isinstance(embedded, list):
            values = [
                AllowedValue(id=item.get("id"), title=str(item.get("name") or item.get("id")))
                for item in embedded
                if isinstance(item, dict)
            ]
        elif isinstance(linked, list):
            values = [
                AllowedValue(id=id_from_href(item.get("href")), title=str(item.get("title") or ""))
                for item in linked
                if isinstance(item, dict)
            ]
        elif isinstance(linked, dict):
            collection_href = linked.get("href")
        return cls(
            key=key,
            label=str(data.get("name") or key),
            type=str(data["type"]),
            required=bool(data.get("required")),
            writable=bool(data.get("writable")),
            allowed_values=values,
            allowed_values_href=collection_href,
        )


class WorkPackageSchema(_Model):
    """Which fields a work package of one project and type has, and which are required."""

    fields: dict[str, SchemaField]

    @property
    def required_writable(self) -> list[str]:
        return [key for key, field in self.fields.items() if field.required and field.writable]

    @classmethod
    def from_hal(cls, data: Json) -> Self:
        return cls(
            fields={
                key: SchemaField.from_hal(key, value)
                for key, value in data.items()
                if not key.startswith("_") and isinstance(value, dict) and "type" in value
            }
        )


class WorkPackageForm(_Model):
    """The answer of a create form: whether the payload may be committed, and why not."""

    valid: bool
    validation_errors: dict[str, str] = {}
    work_package_schema: WorkPackageSchema | None = None

    @property
    def required_fields(self) -> list[str]:
        return self.work_package_schema.required_writable if self.work_package_schema else []

    def has_field(self, key: str) -> bool:
        """Whether the work package has this field at all (a server may lack versions)."""
        schema = self.work_package_schema
        return schema is not None and key in schema.fields

    def allowed_values(self, key: str) -> list[AllowedValue]:
        """What the form offers for a linked field (`status`: only what the workflow allows)."""
        schema = self.work_package_schema
        found = schema.fields.get(key) if schema else None
        return found.allowed_values if found else []

    @classmethod
    def from_hal(cls, data: Json) -> Self:
        embedded = data["_embedded"]
        # PHP-made answers send an empty object as `[]`.
        errors = json_object(embedded, "validationErrors")
        schema = embedded.get("schema")
        return cls(
            valid=link(data, "commit") is not None,
            validation_errors={
                name: " ".join(sentences(err.get("message"))) or "invalid"
                for name, err in errors.items()
                if isinstance(err, dict)
            },
            work_package_schema=WorkPackageSchema.from_hal(schema)
            if isinstance(schema, dict)
            else None,
        )


T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    model_config = ConfigDict(arbitrary_types_allowed=True, frozen=True, defer_build=True)

    elements: list[T]
    total: int
    page: int
    page_size: int
    # Elements of this page that could not be read (they are not in `elements`).
    skipped: int = 0

    @property
    def has_next(self) -> bool:
        return self.page * self.page_size < self.total


@dataclasses.dataclass
class LinkBatchResult:
    linked: list[FileLink]
    failed: list[tuple[StorageFile, NepError]]


# --- parsing entry points ---------------------------------------------------------------------

M = TypeVar("M")


def parse(factory: Callable[[Json], M], data: Any, endpoint: str) -> M:
    """Build a model from a HAL document; any shape problem becomes MalformedResponse."""
    if not isinstance(data, dict):
        raise MalformedResponse(endpoint, "expected a JSON object")
    try:
        return factory(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first.get("loc", ()))
        raise MalformedResponse(endpoint, f"{where or 'a field'} is invalid") from None
    except KeyError as exc:
        raise MalformedResponse(endpoint, f"the field {exc.args[0]!r} is missing") from None
    except (TypeError, ValueError, AttributeError, IndexError):
        raise MalformedResponse(endpoint, "the document has the wrong shape") from None


class Elements(list[M]):
    """A collection's readable elements; `skipped` counts those that could not be read.

    One malformed element (the spec's own examples abbreviate some) must not hide the rest, and
    the reader must still learn that something is missing."""

    def __init__(self, items: Iterable[M] = (), skipped: int = 0) -> None:
        super().__init__(items)
        self.skipped = skipped

    def __repr__(self) -> str:
        return f"Elements({list.__repr__(self)}, skipped={self.skipped})"

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        """Kept (last-seen data) as the plain list of its items: the count belongs to the one
        answer it came with."""
        item = (get_args(source) or (Any,))[0]
        return core_schema.no_info_after_validator_function(
            cls, core_schema.list_schema(handler.generate_schema(item))
        )


def collection_elements(data: Any, endpoint: str) -> list[Any]:
    if not isinstance(data, dict):
        raise MalformedResponse(endpoint, "expected a JSON object")
    elements = json_object(data, "_embedded").get("elements")
    if not isinstance(elements, list):
        raise MalformedResponse(endpoint, "the collection has no elements")
    return elements


def parse_collection(factory: Callable[[Json], M], data: Any, endpoint: str) -> Elements[M]:
    """Every readable element; each unreadable one is logged (position and reason, never its
    content) and counted in `skipped`."""
    found: Elements[M] = Elements()
    for position, element in enumerate(collection_elements(data, endpoint), start=1):
        try:
            found.append(parse(factory, element, endpoint))
        except MalformedResponse as exc:
            found.skipped += 1
            log.warning("element %d skipped: %s", position, exc.message)
    return found


def parse_page(
    factory: Callable[[Json], M], data: Any, endpoint: str, page: int, page_size: int
) -> Page[M]:
    elements = parse_collection(factory, data, endpoint)
    total = data.get("total")
    if not isinstance(total, int):
        total = len(elements) + elements.skipped
    size = data.get("pageSize") if isinstance(data.get("pageSize"), int) else page_size
    offset = data.get("offset") if isinstance(data.get("offset"), int) else page
    return Page[Any](
        elements=list(elements),
        total=total,
        page=offset,
        page_size=size or page_size,
        skipped=elements.skipped,
    )
