"""`NepenthesClient`: the high-level calls the CLI and the TUI make (see ARCHITECTURE.md).

It builds every URL and query here, parses every answer into `nep_tui.api.models`, and raises
only `NepError`s. One client per profile; use it as an async context manager.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
from collections.abc import AsyncIterator, Callable
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote, unquote, urlsplit

import httpx

from nep_tui.api import activity as act
from nep_tui.api import errors as err
from nep_tui.api import filters as flt
from nep_tui.api import models as m
from nep_tui.api import shelves, transfers
from nep_tui.api.cache import LastSeen, remembered
from nep_tui.api.http import ApiHttp, Notice, Sleep, TokenSource, origin_of
from nep_tui.api.limits import Limits
from nep_tui.formatting import safe_file_name

API = "/api/v3"
DEFAULT_MAX_PAGE_SIZE = 1000
LINK_BATCH_LIMIT = 20

ProjectRef = int | str | m.Project
Progress = transfers.Progress
M = TypeVar("M")


def _project_key(project: ProjectRef) -> str:
    if isinstance(project, m.Project):
        return str(project.id)
    return quote(str(project), safe="")


def _iso(value: datetime | None) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value else None


def _direct_upload_error(http: ApiHttp, response: httpx.Response, file_name: str) -> err.NepError:
    """Nextcloud's direct-upload answers (integration_openproject DirectUploadController)."""
    status = response.status_code
    try:
        reason = str(response.json().get("error") or "")
    except (ValueError, AttributeError):
        reason = ""
    if status == 409:
        if "overwrite" in reason.lower():
            return err.Conflict(
                f"{file_name!r} is a folder and cannot be overwritten by a file.",
                hint="Keep both instead, or rename the file.",
            )
        return err.FileNameExists(file_name=file_name)
    if status == 404 and "folder" in reason.lower():
        return err.NotFound(
            "The target folder no longer exists in Nextcloud.", hint="Pick the folder again."
        )
    if status in (401, 404):
        return err.ServerError(
            "Nextcloud rejected the one-time upload link (expired or used).",
            hint="Start the upload again.",
            status_code=status,
        )
    if status == 423:
        return err.Conflict("The file is locked in Nextcloud.", hint="Try again later.")
    # Direct upload links are integration_openproject's: Nextcloud's own.
    return http.foreign_error(response, "POST direct-upload", name="Nextcloud")


class NepenthesClient:
    """Async client for one Nepenthes server and one user."""

    def __init__(
        self,
        server_url: str,
        token_source: TokenSource | None,
        *,
        profile_name: str | None = None,
        verify: ssl.SSLContext | bool = True,
        limits: Limits | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        foreign_transport: httpx.AsyncBaseTransport | None = None,
        sleep: Sleep = asyncio.sleep,
        last_seen: LastSeen | None = None,
        on_reachable: Callable[[bool], None] | None = None,
        notice: Notice | None = None,
    ) -> None:
        self.profile_name = profile_name
        self.last_seen = last_seen
        """Where the answers the user has seen are kept (None: nowhere)."""
        self.on_reachable = on_reachable
        """Told whether the server answered, each time a remembered call succeeds or fails."""
        self.http = ApiHttp(
            server_url,
            token_source,
            verify=verify,
            limits=limits,
            transport=transport,
            foreign_transport=foreign_transport,
            sleep=sleep,
            notice=notice,
        )
        self._storages: dict[int, m.Storage] = {}
        self._configuration: m.Configuration | None = None
        self._closed_status_ids: frozenset[int] | None = None

    def report_reachable(self, reachable: bool) -> None:
        if self.on_reachable is not None:
            self.on_reachable(reachable)

    @property
    def server_url(self) -> str:
        return self.http.server_url

    def __repr__(self) -> str:
        return f"NepenthesClient({self.server_url!r}, profile={self.profile_name!r})"

    def work_package_web_url(self, work_package_id: int) -> str:
        """The work package's page in the server's web UI (the route every version serves)."""
        return f"{self.server_url.rstrip('/')}/work_packages/{work_package_id}"

    async def __aenter__(self) -> NepenthesClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self.http.aclose()

    # --- plumbing ------------------------------------------------------------------------------

    async def _get(
        self, factory: Callable[[m.Json], M], path: str, params: dict[str, Any] | None = None
    ) -> M:
        data = await self.http.json("GET", path, params=params)
        return m.parse(factory, data, f"GET {path}")

    async def _get_list(
        self, factory: Callable[[m.Json], M], path: str, params: dict[str, Any] | None = None
    ) -> m.Elements[M]:
        data = await self.http.json("GET", path, params=params)
        return m.parse_collection(factory, data, f"GET {path}")

    async def _page(
        self,
        factory: Callable[[m.Json], M],
        path: str,
        params: dict[str, Any],
        page: int,
        page_size: int,
    ) -> m.Page[M]:
        data = await self.http.json(
            "GET", path, params={**params, "offset": page, "pageSize": page_size}
        )
        return m.parse_page(factory, data, f"GET {path}", page, page_size)

    async def _pages(
        self,
        factory: Callable[[m.Json], M],
        path: str,
        params: dict[str, Any],
        page_size: int | None = None,
    ) -> AsyncIterator[m.Page[M]]:
        """Lazily walk every page (`offset` is the 1-based page number)."""
        # Servers cap the page size at their maximum and say which size they used, so
        # asking for the largest usual maximum needs no round trip for the configuration.
        size = page_size or DEFAULT_MAX_PAGE_SIZE
        page = 1
        while True:
            current = await self._page(factory, path, params, page, size)
            yield current
            if not (current.elements or current.skipped) or not current.has_next:
                return
            page += 1

    async def _iter(
        self,
        factory: Callable[[m.Json], M],
        path: str,
        params: dict[str, Any],
        page_size: int | None = None,
    ) -> AsyncIterator[M]:
        async for current in self._pages(factory, path, params, page_size):
            for element in current.elements:
                yield element

    async def _all(
        self,
        factory: Callable[[m.Json], M],
        path: str,
        params: dict[str, Any] | None = None,
        *,
        page_size: int | None = None,
        limit: int | None = None,
    ) -> m.Elements[M]:
        """Every page's readable elements (the first `limit` of them), and how many were not."""
        found: m.Elements[M] = m.Elements()
        async for current in self._pages(factory, path, params or {}, page_size):
            found.extend(current.elements)
            found.skipped += current.skipped
            if limit is not None and len(found) >= limit:
                del found[limit:]
                break
        return found

    async def _with_closed_flag(self, work_package: m.WorkPackage) -> m.WorkPackage:
        """Servers that do not embed the status still link it; the status list says if it is closed."""
        if work_package.status_closed is not None or work_package.status_id is None:
            return work_package
        if self._closed_status_ids is None:
            self._closed_status_ids = frozenset(
                status.id for status in await self.statuses() if status.is_closed
            )
        return work_package.model_copy(
            update={"status_closed": work_package.status_id in self._closed_status_ids}
        )

    async def _send_json(self, method: str, path: str, body: Any | None = None) -> Any:
        response = await self.http.request(method, path, json=body)
        if response.status_code == 204 or not response.content:
            return None
        return self.http.decode(response)

    # --- user and configuration -------------------------------------------------------------------

    async def me(self) -> m.User:
        return await self._get(m.User.from_hal, f"{API}/users/me")

    async def configuration(self) -> m.Configuration:
        if self._configuration is None:
            self._configuration = await self._get(m.Configuration.from_hal, f"{API}/configuration")
        return self._configuration

    # --- projects ----------------------------------------------------------------------------------

    @remembered(shelves.PROJECTS)
    async def projects(self, search: str | None = None) -> m.Elements[m.Project]:
        query = flt.Query(
            filters=(flt.Filter("name_and_identifier", flt.Operator.CONTAINS, [search]),)
            if search
            else (),
            sort=(flt.Sort("id"),),
        )
        return await self._all(m.Project.from_hal, f"{API}/projects", query.params())

    async def project(self, id_or_identifier: ProjectRef) -> m.Project:
        return await self._get(
            m.Project.from_hal, f"{API}/projects/{_project_key(id_or_identifier)}"
        )

    # --- work packages ---------------------------------------------------------------------------

    @staticmethod
    def _work_package_query(
        project: ProjectRef | None, search: str | None, open_only: bool, assigned_to_me: bool
    ) -> tuple[str, dict[str, str]]:
        path = (
            f"{API}/projects/{_project_key(project)}/work_packages"
            if project is not None
            else f"{API}/work_packages"
        )
        conditions: list[flt.Filter] = []
        if open_only:
            conditions.append(flt.status_open())
        if search and search.strip():
            conditions.append(flt.search("search", search))
        if assigned_to_me:
            conditions.append(flt.equals("assignee", "me"))
        # Without `filters` the server silently applies "status open"; always send ours.
        query = flt.Query(filters=tuple(conditions), sort=(flt.Sort("id"),))
        return path, query.params(always_send_filters=True)

    @remembered(shelves.WORK_PACKAGES_PAGE)
    async def work_packages_page(
        self,
        project: ProjectRef | None = None,
        *,
        page: int = 1,
        page_size: int = 100,
        search: str | None = None,
        open_only: bool = True,
        assigned_to_me: bool = False,
    ) -> m.Page[m.WorkPackage]:
        path, params = self._work_package_query(project, search, open_only, assigned_to_me)
        found = await self._page(m.WorkPackage.from_hal, path, params, page, page_size)
        return found.model_copy(
            update={"elements": [await self._with_closed_flag(item) for item in found.elements]}
        )

    async def work_packages(
        self,
        project: ProjectRef | None = None,
        *,
        limit: int | None = None,
        page_size: int = 100,
        search: str | None = None,
        open_only: bool = True,
        assigned_to_me: bool = False,
    ) -> m.Elements[m.WorkPackage]:
        """The first `limit` work packages (all without one), with the count of unreadable ones."""
        path, params = self._work_package_query(project, search, open_only, assigned_to_me)
        found = await self._all(
            m.WorkPackage.from_hal, path, params, page_size=page_size, limit=limit
        )
        return m.Elements([await self._with_closed_flag(item) for item in found], found.skipped)

    async def iter_work_packages(
        self,
        project: ProjectRef | None = None,
        *,
        page_size: int = 100,
        search: str | None = None,
        open_only: bool = True,
        assigned_to_me: bool = False,
    ) -> AsyncIterator[m.WorkPackage]:
        path, params = self._work_package_query(project, search, open_only, assigned_to_me)
        async for item in self._iter(m.WorkPackage.from_hal, path, params, page_size):
            yield await self._with_closed_flag(item)

    @remembered(shelves.WORK_PACKAGE)
    async def work_package(self, id: int) -> m.WorkPackage:
        return await self._with_closed_flag(
            await self._get(m.WorkPackage.from_hal, f"{API}/work_packages/{int(id)}")
        )

    async def types(self, project: ProjectRef | None = None) -> m.Elements[m.Type]:
        path = (
            f"{API}/projects/{_project_key(project)}/types"
            if project is not None
            else f"{API}/types"
        )
        return await self._get_list(m.Type.from_hal, path)

    async def statuses(self) -> m.Elements[m.Status]:
        return await self._get_list(m.Status.from_hal, f"{API}/statuses")

    async def priorities(self) -> m.Elements[m.Priority]:
        return await self._get_list(m.Priority.from_hal, f"{API}/priorities")

    @staticmethod
    def _work_package_body(type_id: int, subject: str, description: str | None) -> dict[str, Any]:
        body: dict[str, Any] = {
            "subject": subject,
            "_links": {"type": {"href": f"{API}/types/{int(type_id)}"}},
        }
        if description:
            body["description"] = {"format": "markdown", "raw": description}
        return body

    async def work_package_schema(self, project: ProjectRef, type_id: int) -> m.WorkPackageSchema:
        if not isinstance(project, (int, m.Project)):
            project = await self.project(project)  # schema ids need the numeric project id
        project_id = project.id if isinstance(project, m.Project) else int(project)
        return await self._get(
            m.WorkPackageSchema.from_hal, f"{API}/work_packages/schemas/{project_id}-{int(type_id)}"
        )

    async def work_package_form(
        self, project: ProjectRef, *, type_id: int, subject: str, description: str | None = None
    ) -> m.WorkPackageForm:
        """Validate a new work package without creating it."""
        path = f"{API}/projects/{_project_key(project)}/work_packages/form"
        data = await self._send_json(
            "POST", path, self._work_package_body(type_id, subject, description)
        )
        return m.parse(m.WorkPackageForm.from_hal, data, f"POST {path}")

    async def create_work_package(
        self, project: ProjectRef, *, type_id: int, subject: str, description: str | None = None
    ) -> m.WorkPackage:
        path = f"{API}/projects/{_project_key(project)}/work_packages"
        data = await self._send_json(
            "POST", path, self._work_package_body(type_id, subject, description)
        )
        return await self._with_closed_flag(m.parse(m.WorkPackage.from_hal, data, f"POST {path}"))

    # --- activity, comments, edits, watchers ----------------------------------------------------

    async def _named(self, activities: list[act.Activity]) -> list[act.Activity]:
        """Activities with their authors' names (the server's `user` link has no title)."""
        names: dict[int, str | None] = {}
        for user_id in {item.user_id for item in activities if item.user_id is not None}:
            try:
                names[user_id] = (await self.user(user_id)).name
            except err.NotFound:  # a user one may not see
                names[user_id] = None
        return [
            item.model_copy(update={"user_name": names.get(item.user_id)})
            if item.user_id is not None
            else item
            for item in activities
        ]

    async def user(self, id: int) -> m.User:
        return await self._get(m.User.from_hal, f"{API}/users/{int(id)}")

    async def activities(self, wp_id: int) -> list[act.Activity]:
        """Oldest first, as the server lists them."""
        return await self._named(
            await self._get_list(
                act.Activity.from_hal, f"{API}/work_packages/{int(wp_id)}/activities"
            )
        )

    async def _comment(self, method: str, path: str, text: str) -> act.Activity:
        data = await self._send_json(method, path, {"comment": {"raw": text}})
        return (await self._named([m.parse(act.Activity.from_hal, data, f"{method} {path}")]))[0]

    async def add_comment(self, wp_id: int, text: str) -> act.Activity:
        return await self._comment("POST", f"{API}/work_packages/{int(wp_id)}/activities", text)

    async def edit_comment(self, activity_id: int, text: str) -> act.Activity:
        return await self._comment("PATCH", f"{API}/activities/{int(activity_id)}", text)

    async def update_form(
        self, work_package: m.WorkPackage, edit: act.WorkPackageEdit
    ) -> m.WorkPackageForm:
        """The edit validated without saving; its schema lists the values allowed per field
        (statuses as the workflow allows them from the current one)."""
        path = f"{API}/work_packages/{work_package.id}/form"
        data = await self._send_json("POST", path, edit.body(work_package.lock_version))
        return m.parse(m.WorkPackageForm.from_hal, data, f"POST {path}")

    async def update_work_package(
        self, work_package: m.WorkPackage, edit: act.WorkPackageEdit
    ) -> m.WorkPackage:
        """Save the edit on top of `work_package` as loaded. A stale lock version raises
        `WorkPackageConflict` with the current state and the changes made since."""
        path = f"{API}/work_packages/{work_package.id}"
        try:
            data = await self._send_json("PATCH", path, edit.body(work_package.lock_version))
        except err.UpdateConflict:
            current = await self.work_package(work_package.id)
            seen = work_package.updated_at
            since = [
                item
                for item in await self.activities(work_package.id)
                if seen is None or item.created_at > seen
            ]
            raise act.WorkPackageConflict(current, since) from None
        return await self._with_closed_flag(m.parse(m.WorkPackage.from_hal, data, f"PATCH {path}"))

    async def available_assignees(self, wp_id: int) -> m.Elements[m.User]:
        return await self._get_list(
            m.User.from_hal, f"{API}/work_packages/{int(wp_id)}/available_assignees"
        )

    async def watchers(self, wp_id: int) -> m.Elements[m.User]:
        return await self._get_list(m.User.from_hal, f"{API}/work_packages/{int(wp_id)}/watchers")

    async def watch(self, wp_id: int, user_id: int | None = None) -> None:
        """Add a watcher: oneself unless `user_id` names another user."""
        watcher = user_id if user_id is not None else (await self.me()).id
        await self._send_json(
            "POST",
            f"{API}/work_packages/{int(wp_id)}/watchers",
            {"user": {"href": f"{API}/users/{int(watcher)}"}},
        )

    async def unwatch(self, wp_id: int, user_id: int | None = None) -> None:
        watcher = user_id if user_id is not None else (await self.me()).id
        await self._send_json("DELETE", f"{API}/work_packages/{int(wp_id)}/watchers/{int(watcher)}")

    # --- file links ------------------------------------------------------------------------------

    @remembered(shelves.FILE_LINKS)
    async def file_links(self, wp_id: int) -> m.Elements[m.FileLink]:
        return await self._all(m.FileLink.from_hal, f"{API}/work_packages/{int(wp_id)}/file_links")

    @staticmethod
    def _file_link_element(storage_id: int, file: m.StorageFile) -> dict[str, Any]:
        origin = {
            "id": file.id,
            "name": file.name,
            "mimeType": m.FOLDER_MIME_TYPE if file.is_folder else file.mime_type,
            "createdAt": _iso(file.created_at),
            "lastModifiedAt": _iso(file.last_modified_at),
            "createdByName": file.created_by,
            "lastModifiedByName": file.last_modified_by,
        }
        return {
            "originData": {key: value for key, value in origin.items() if value is not None},
            "_links": {"storage": {"href": f"{API}/storages/{int(storage_id)}"}},
        }

    async def _post_file_links(
        self, path: str, storage_id: int, files: list[m.StorageFile]
    ) -> m.Elements[m.FileLink]:
        body = {
            "_type": "Collection",
            "_embedded": {
                "elements": [self._file_link_element(storage_id, file) for file in files]
            },
        }
        data = await self._send_json("POST", path, body)
        return m.parse_collection(m.FileLink.from_hal, data, f"POST {path}")

    @staticmethod
    def _links_path(wp_id: int) -> str:
        return f"{API}/work_packages/{int(wp_id)}/file_links"

    async def create_unattached_file_links(
        self, storage_id: int, files: list[m.StorageFile]
    ) -> m.Elements[m.FileLink]:
        """Links without a work package (`POST /api/v3/file_links`, at most 20 at once),
        visible to their creator only: the API's one way to a download link for a storage file
        no work package links. Delete them when done."""
        return await self._post_file_links(f"{API}/file_links", storage_id, files)

    async def create_file_links(
        self,
        wp_id: int,
        storage_id: int,
        files: list[m.StorageFile],
        *,
        batch_size: int = LINK_BATCH_LIMIT,
        progress: Progress | None = None,
        stop_requested: Callable[[], bool] | None = None,
    ) -> m.LinkBatchResult:
        """Link files in batches (the server takes at most 20 per request, all or nothing).
        A rejected batch is retried file by file so one bad file does not sink the others.
        `stop_requested` is asked before each batch: a request under way is never cut off
        (its links would exist without the caller knowing), the files after it fail `Stopped`."""
        size = max(1, min(batch_size, LINK_BATCH_LIMIT))
        result = m.LinkBatchResult(linked=[], failed=[])
        done = 0
        for start in range(0, len(files), size):
            if stop_requested is not None and stop_requested():
                result.failed.extend((file, err.Stopped()) for file in files[start:])
                break
            batch = files[start : start + size]
            lost_login: err.NotLoggedIn | None = None
            try:
                await self._link(wp_id, storage_id, batch, result)
            except err.NotLoggedIn as exc:
                result.failed.extend((file, exc) for file in batch)
                lost_login = exc
            except err.AnswerLost as exc:
                await self._look_for_links(wp_id, storage_id, batch, result, exc)
            except err.ValidationFailed as exc:
                if len(batch) == 1:
                    result.failed.append((batch[0], exc))
                else:
                    lost_login = await self._link_one_by_one(wp_id, storage_id, batch, result)
            except err.NepError as exc:
                result.failed.extend((file, exc) for file in batch)
            if lost_login is not None:
                # Every later request would be refused as well. What was linked stays in the
                # result (it is linked on the server); the rest fails with the reason.
                result.failed.extend((file, lost_login) for file in files[start + size :])
                break
            done += len(batch)
            if progress:
                progress(done, len(files))
        return result

    async def _link(
        self, wp_id: int, storage_id: int, batch: list[m.StorageFile], result: m.LinkBatchResult
    ) -> None:
        """One link request. The server makes a request's links all or none, so a file missing
        from its answer is linked, only its link could not be read: it is said so."""
        path = self._links_path(wp_id)
        created = await self._post_file_links(path, storage_id, batch)
        result.linked.extend(created)
        if not created.skipped:
            return
        readable = {link.origin_id for link in created}
        result.failed.extend(
            (
                file,
                err.MalformedResponse(
                    f"POST {path}",
                    f"the link to {file.name!r} was made, but the answer for it could not be read",
                    hint="Reload the work package's files: the link is there.",
                ),
            )
            for file in batch
            if file.id not in readable
        )

    async def _link_one_by_one(
        self, wp_id: int, storage_id: int, batch: list[m.StorageFile], result: m.LinkBatchResult
    ) -> err.NotLoggedIn | None:
        """Link each file alone; at a lost login the rest of the batch fails with it, and it
        is returned so that the caller stops too."""
        for index, file in enumerate(batch):
            try:
                await self._link(wp_id, storage_id, [file], result)
            except err.NotLoggedIn as exc:
                result.failed.extend((rest, exc) for rest in batch[index:])
                return exc
            except err.NepError as exc:
                result.failed.append((file, exc))
        return None

    async def file_link(self, link_id: int) -> m.FileLink:
        return await self._get(m.FileLink.from_hal, f"{API}/file_links/{int(link_id)}")

    async def _look_for_links(
        self,
        wp_id: int,
        storage_id: int,
        batch: list[m.StorageFile],
        result: m.LinkBatchResult,
        lost: err.AnswerLost,
    ) -> None:
        """After a link request whose answer was lost: which of the files are linked now."""
        try:
            existing = {
                link.origin_id: link
                for link in await self.file_links(wp_id)
                if link.storage_id in (None, storage_id)
            }
        except err.NepError:
            result.failed.extend((file, lost) for file in batch)
            return
        for file in batch:
            if file.id in existing:
                result.linked.append(existing[file.id])
            else:
                result.failed.append(
                    (
                        file,
                        err.AnswerLost(
                            f"The link request for {file.name!r} broke off, and the work "
                            "package has no link to it: it was not linked.",
                            hint="Link it again.",
                        ),
                    )
                )

    async def delete_file_link(self, link_id: int) -> None:
        await self.http.request("DELETE", f"{API}/file_links/{int(link_id)}")

    async def file_link_open_url(self, link_id: int, *, location: bool = False) -> str:
        params = {"location": "true"} if location else None
        try:
            return await self.http.redirect_location(
                f"{API}/file_links/{int(link_id)}/open", params=params
            )
        except err.NotFound:
            # Older servers have no /open endpoint but link Nextcloud directly (`originOpen`).
            link = await self.file_link(link_id)
            if link.origin_open_url and not location:
                return self.http.absolute(link.origin_open_url)
            raise

    async def file_link_download_url(self, link_id: int) -> str:
        path = f"{API}/file_links/{int(link_id)}/download"
        try:
            return await self.http.redirect_location(path)
        except self._STORAGE_SYMPTOMS as failure:
            link = await self.file_link(link_id)
            raise await self._explained(link.storage_id, failure) from None

    async def download_file_link(
        self,
        link_id: int,
        dest: Path | str,
        *,
        overwrite: bool = False,
        progress: Progress | None = None,
    ) -> Path:
        """Download a linked file. Only the link's own storage may serve it: a redirect to any
        other host is refused, and the body is checked against the size it was promised.

        A storage without a host of its own (OneDrive: the files are served from SharePoint
        hosts the server picks) may send it on to any https host."""
        link = await self._get(m.FileLink.from_hal, f"{API}/file_links/{int(link_id)}")
        storage_origins = set()
        any_https_host = False
        if link.storage_id is not None:
            with contextlib.suppress(err.NepError):
                storage = await self.storage(link.storage_id)
                if storage.origin_url:
                    storage_origins.add(origin_of(storage.origin_url))
                else:
                    any_https_host = True

        def allowed(to: httpx.URL) -> bool:
            return origin_of(to) in storage_origins or (any_https_host and to.scheme == "https")

        url = await self.file_link_download_url(link_id)
        server_name = unquote(urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1]) or None
        target = transfers.resolve_target(dest, server_name or link.name)

        async def current_size() -> int | None:
            if link.storage_id is None:
                return None
            return (await self.storage_file(link.storage_id, link.origin_id)).size

        expected = transfers.Expected(content_type=link.mime_type, size_lookup=current_size)
        return await self._save_download(url, allowed, target, expected, overwrite, progress)

    async def _save_download(
        self,
        url: str,
        allow: Callable[[httpx.URL], bool],
        target: Path,
        expected: transfers.Expected,
        overwrite: bool,
        progress: Progress | None,
    ) -> Path:
        async with self.http.stream("GET", url, allow=allow) as response:
            return await transfers.save_stream(
                response,
                target,
                overwrite=overwrite,
                progress=progress,
                limits=self.http.limits,
                expected=expected,
            )

    # --- storages --------------------------------------------------------------------------------

    async def storages(self) -> m.Elements[m.Storage]:
        return await self._get_list(m.Storage.from_hal, f"{API}/storages")

    async def storage(self, id: int) -> m.Storage:
        storage = await self._get(m.Storage.from_hal, f"{API}/storages/{int(id)}")
        if storage.origin_url:
            self.http.name_origin(storage.origin_url, storage.type)
        return storage

    async def project_storages(self, project_id: int | None = None) -> m.Elements[m.ProjectStorage]:
        query = flt.Query(
            filters=(flt.equals("project_id", int(project_id)),) if project_id is not None else ()
        )
        return await self._all(m.ProjectStorage.from_hal, f"{API}/project_storages", query.params())

    async def storage_files(self, storage_id: int, location: str = "/") -> m.StorageFiles:
        path = f"{API}/storages/{int(storage_id)}/files"
        async with self._storage_failures_explained(storage_id):
            return await self._get(m.StorageFiles.from_hal, path, {"parent": location or "/"})

    async def storage_file(self, storage_id: int, file_id: str) -> m.StorageFile:
        """One file's current metadata, by its Nextcloud file id."""
        path = f"{API}/storages/{int(storage_id)}/files/{quote(str(file_id), safe='')}"
        async with self._storage_failures_explained(storage_id):
            return await self._get(m.StorageFile.from_hal, path)

    async def storage_files_at(self, storage_id: int, locations: list[str]) -> list[m.StorageFile]:
        """The files or folders at these paths of the storage (`/Folder/name`), in order.

        The API finds files by id only, so each path is looked up in its folder's listing;
        a folder is listed once however many of the paths are in it."""
        listings: dict[str, m.StorageFiles] = {}
        found = []
        for location in locations:
            parent, _, name = ("/" + location.strip("/")).rpartition("/")
            parent = parent or "/"
            if parent not in listings and name:
                listings[parent] = await self.storage_files(storage_id, parent)
            match = (
                next((file for file in listings[parent].files if file.name == name), None)
                if name
                else None
            )
            if match is None:
                raise err.NotFound(
                    f"There is nothing called {name or location!r} in {parent}.",
                    hint="Check the name and the folder; listing the folder shows what is in it.",
                )
            found.append(match)
        return found

    async def create_folder(self, storage_id: int, *, parent_id: str, name: str) -> m.StorageFile:
        """Create a folder in Nextcloud below the folder with file id `parent_id`."""
        path = f"{API}/storages/{int(storage_id)}/folders"
        # The real server's params are `parent_id` and `name` (the spec's `parentId` is wrong).
        async with self._storage_failures_explained(storage_id):
            data = await self._send_json("POST", path, {"parent_id": str(parent_id), "name": name})
        return m.parse(m.StorageFile.from_hal, data, f"POST {path}")

    _STORAGE_SYMPTOMS = (err.NotLoggedIn, err.PermissionDenied, err.ServerError)

    async def _explained(self, storage_id: int | None, failure: err.NepError) -> err.NepError:
        """The server answers Nextcloud trouble with a bare 401/403/500; the storage's live
        authorization state tells "not connected" and "unreachable" apart from the rest."""
        if storage_id is None:
            return failure
        try:
            storage = await self.storage(storage_id)
        except err.NepError:
            return failure
        state = storage.authorization_state
        if state in (m.AuthorizationState.NOT_CONNECTED, m.AuthorizationState.FAILED_AUTHORIZATION):
            return err.NextcloudNotConnected(authorize_url=storage.authorize_url)
        if state is m.AuthorizationState.ERROR:
            return err.NextcloudUnreachable()
        return failure

    @contextlib.asynccontextmanager
    async def _storage_failures_explained(self, storage_id: int) -> AsyncIterator[None]:
        try:
            yield
        except self._STORAGE_SYMPTOMS as failure:
            raise await self._explained(storage_id, failure) from None

    async def prepare_upload(
        self, storage_id: int, *, project_id: int, file_name: str, parent_id: str
    ) -> m.UploadLink:
        path = f"{API}/storages/{int(storage_id)}/files/prepare_upload"
        body = {"projectId": int(project_id), "fileName": file_name, "parent": str(parent_id)}
        async with self._storage_failures_explained(storage_id):
            # Refused (429/503) means not done: asking again cannot make a second link.
            response = await self.http.request("POST", path, json=body, retry_refused=True)
        return m.parse(m.UploadLink.from_hal, self.http.decode(response), f"POST {path}")

    async def upload_file(
        self,
        storage_id: int,
        *,
        project_id: int,
        folder_id: str,
        path: Path | str,
        overwrite: bool | None = None,
        progress: Progress | None = None,
    ) -> m.UploadResult:
        """Upload straight to Nextcloud through a one-time link. `overwrite=None` asks the
        caller: an existing name raises `FileNameExists`; True replaces; False keeps both."""
        source = transfers.readable_upload_source(path)
        file_name = safe_file_name(source.name)
        link = await self.prepare_upload(
            storage_id, project_id=project_id, file_name=file_name, parent_id=folder_id
        )
        fields = (
            (("overwrite", "true" if overwrite else "false", None),)
            if overwrite is not None
            else ()
        )
        body = transfers.MultipartFile(source, file_name=file_name, fields=fields)
        # The one-time link needs no auth (and must never get ours), wherever it points.
        try:
            response = await self.http.foreign(
                "POST",
                self.http.absolute(link.url),
                headers=body.headers,
                content=body.body(progress),
            )
        except err.AnswerLost:
            # Nextcloud may hold the file already: look, so that nobody uploads it twice.
            return await self._arrived_upload(
                storage_id, folder_id, file_name, body.file_size, replaced=bool(overwrite)
            )
        if not response.is_success:
            raise _direct_upload_error(self.http, response, file_name)
        data = self.http.decode(response)
        if not isinstance(data, dict) or "file_id" not in data:
            raise err.MalformedResponse("POST direct-upload", "no file_id in the answer")
        return m.UploadResult(
            file_id=str(data["file_id"]),
            file_name=str(data.get("file_name") or file_name),
            replaced=response.status_code == 200,
        )

    async def _arrived_upload(
        self, storage_id: int, folder_id: str, file_name: str, size: int, *, replaced: bool
    ) -> m.UploadResult:
        """After an upload whose answer was lost: the file if it is in the folder, in full;
        otherwise an error that says exactly what is known."""
        try:
            folder = await self.storage_file(storage_id, folder_id)
            listing = await self.storage_files(storage_id, folder.location or "/")
        except err.NepError:
            raise err.AnswerLost(
                f"The upload of {file_name!r} broke off before Nextcloud answered, and the "
                "folder could not be checked: the file may or may not be there.",
                hint="Look in the folder before uploading it again.",
            ) from None
        for file in listing.files:
            if file.name == file_name and file.size == size:
                return m.UploadResult(file_id=file.id, file_name=file.name, replaced=replaced)
        raise err.AnswerLost(
            f"The upload of {file_name!r} broke off before Nextcloud answered; the file is "
            "not in the folder, so nothing was uploaded.",
            hint="Upload it again.",
        )

    async def work_packages_of_file(
        self, storage_id: int, file_id: str
    ) -> m.Elements[m.WorkPackage]:
        query = flt.Query(
            filters=(
                flt.equals("file_link_origin_id", str(file_id)),
                flt.equals("linkable_to_storage_id", int(storage_id)),
            ),
            sort=(flt.Sort("id"),),
        )
        found = await self._all(m.WorkPackage.from_hal, f"{API}/work_packages", query.params())
        return m.Elements([await self._with_closed_flag(item) for item in found], found.skipped)

    # --- notifications ------------------------------------------------------------------------------

    @staticmethod
    def _notification_params(unread_only: bool) -> dict[str, str]:
        query = flt.Query(
            filters=(flt.flag("readIAN", False),) if unread_only else (),
            sort=(flt.Sort("id", "desc"),),
        )
        return query.params()

    @remembered(shelves.NOTIFICATIONS)
    async def notifications(self, *, unread_only: bool = False) -> m.Elements[m.Notification]:
        return await self._all(
            m.Notification.from_hal, f"{API}/notifications", self._notification_params(unread_only)
        )

    async def unread_count(self) -> int:
        page = await self._page(
            m.Notification.from_hal, f"{API}/notifications", self._notification_params(True), 1, 1
        )
        return page.total

    async def mark_notification_read(self, id: int) -> None:
        try:
            await self.http.request("POST", f"{API}/notifications/{int(id)}/read_ian")
        except err.AnswerLost:
            # Marking twice is harmless, but the answer must come from the server's state.
            notification = await self._get(
                m.Notification.from_hal, f"{API}/notifications/{int(id)}"
            )
            if not notification.read:
                raise err.AnswerLost(
                    f"The connection broke before the server answered, and notification {id} "
                    "is still unread: it was not marked.",
                    hint="Try again.",
                ) from None

    async def mark_all_notifications_read(self) -> None:
        try:
            await self.http.request("POST", f"{API}/notifications/read_ian")
        except err.AnswerLost:
            left = await self.unread_count()
            if left:
                raise err.AnswerLost(
                    f"The connection broke before the server answered, and {left} "
                    "notification(s) are still unread: they were not marked.",
                    hint="Try again.",
                ) from None

    # --- attachments -----------------------------------------------------------------------------

    @remembered(shelves.ATTACHMENTS)
    async def attachments(self, wp_id: int) -> m.Elements[m.Attachment]:
        return await self._get_list(
            m.Attachment.from_hal, f"{API}/work_packages/{int(wp_id)}/attachments"
        )

    async def attachment(self, attachment_id: int) -> m.Attachment:
        return await self._get(m.Attachment.from_hal, f"{API}/attachments/{int(attachment_id)}")

    async def upload_attachment(
        self, wp_id: int, path: Path | str, *, progress: Progress | None = None
    ) -> m.Attachment:
        source = transfers.readable_upload_source(path)
        limit = (await self.configuration()).maximum_attachment_file_size
        if limit and source.stat().st_size > limit:
            raise err.TooLarge(limit_bytes=limit)
        endpoint = f"{API}/work_packages/{int(wp_id)}/attachments"
        body = transfers.attachment_multipart(source, safe_file_name(source.name))
        response = await self.http.request(
            "POST", endpoint, headers=body.headers, content=body.body(progress)
        )
        return m.parse(m.Attachment.from_hal, self.http.decode(response), f"POST {endpoint}")

    async def download_attachment(
        self,
        attachment_id: int,
        dest: Path | str,
        *,
        overwrite: bool = False,
        progress: Progress | None = None,
    ) -> Path:
        attachment = await self.attachment(attachment_id)
        url = attachment.download_href or f"{API}/attachments/{int(attachment_id)}/content"
        target = transfers.resolve_target(dest, attachment.file_name)
        expected = transfers.Expected(
            size=attachment.file_size, content_type=attachment.content_type
        )
        # Attachments kept in object storage are served from there: a signed https URL,
        # reached without our credentials, its body checked against the attachment's size.
        return await self._save_download(
            url, lambda to: to.scheme == "https", target, expected, overwrite, progress
        )

    async def delete_attachment(self, attachment_id: int) -> None:
        await self.http.request("DELETE", f"{API}/attachments/{int(attachment_id)}")
