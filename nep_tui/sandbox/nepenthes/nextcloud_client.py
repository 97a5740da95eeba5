"""The Nepenthes side's HTTP client to Nextcloud: the calls OpenProject makes, over real HTTP,
with the user's token from Nextcloud's OAuth2 app (see notes/openproject-api.md §4).

Outcomes are exceptions the routes map to the real Nepenthes answers:
`StorageUnreachable` (connection failed, or the `nextcloud_unreachable` fault),
`StorageNotConnected` (the user has no token), `StorageUnauthorized` (the token was refused
and could not be refreshed) and `StorageFailure` (Nextcloud answered with another status).
"""

from __future__ import annotations

import asyncio
import sqlite3
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import quote, unquote, urlsplit

import httpx
from defusedxml import ElementTree

from nep_tui.sandbox.faults import FaultState
from nep_tui.sandbox.nepenthes import storage_store

DIRECTORY_MIME_TYPE = "application/x-op-directory"
DAV = "{DAV:}"
OC = "{http://owncloud.org/ns}"
PROPFIND_BODY = (
    '<?xml version="1.0"?>'
    '<d:propfind xmlns:d="DAV:" xmlns:oc="http://owncloud.org/ns" xmlns:nc="http://nextcloud.org/ns">'
    "<d:prop><oc:fileid/><oc:size/><d:getcontenttype/><d:getlastmodified/><oc:permissions/>"
    "<oc:owner-display-name/></d:prop></d:propfind>"
)
OCS_HEADERS = {"OCS-APIRequest": "true", "Accept": "application/json"}
TIMEOUT = httpx.Timeout(30.0)


class StorageProblem(Exception):
    """Base of the ways a call to Nextcloud can go wrong."""


class StorageUnreachable(StorageProblem):
    pass


class StorageNotConnected(StorageProblem):
    pass


class StorageUnauthorized(StorageProblem):
    pass


class StorageFailure(StorageProblem):
    def __init__(self, status: int, detail: str = "") -> None:
        super().__init__(f"Nextcloud answered {status} {detail}".strip())
        self.status = status


@dataclass
class DavEntry:
    """One PROPFIND answer entry, in the terms OpenProject keeps of it."""

    id: str
    name: str
    location: str
    size: int | None
    mime_type: str
    last_modified_at: str | None
    owner_name: str | None
    permissions: list[str]
    is_folder: bool


def dav_permissions(letters: str, is_folder: bool) -> list[str]:
    """OpenProject's reading of `oc:permissions`: G readable; W (files) or CK (folders) writeable."""
    permissions = []
    if "G" in letters:
        permissions.append("readable")
    if "W" in letters or (is_folder and "C" in letters and "K" in letters):
        permissions.append("writeable")
    return permissions


def _iso_from_http_date(value: str | None) -> str | None:
    if not value:
        return None
    moment = parsedate_to_datetime(value)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def parse_multistatus(body: bytes, dav_root: str) -> list[DavEntry]:
    """Entries of a 207 answer; `dav_root` is the user's `/remote.php/dav/files/<uid>` path."""
    entries = []
    for response in ElementTree.fromstring(body).iter(f"{DAV}response"):
        href = unquote(response.findtext(f"{DAV}href") or "")
        props: dict[str, Any] = {}
        for propstat in response.iter(f"{DAV}propstat"):
            if " 200 " not in (propstat.findtext(f"{DAV}status") or ""):
                continue
            for prop in propstat.find(f"{DAV}prop") or []:
                props[prop.tag] = prop
        # OpenProject asks for no resourcetype: what has no content type is a folder.
        resource_type = props.get(f"{DAV}resourcetype")
        is_folder = f"{DAV}getcontenttype" not in props or (
            resource_type is not None and resource_type.find(f"{DAV}collection") is not None
        )
        location = "/" + href.removeprefix(dav_root).strip("/")
        size = props.get(f"{OC}size")
        entries.append(
            DavEntry(
                id=(props[f"{OC}fileid"].text or "") if f"{OC}fileid" in props else "",
                name=location.rsplit("/", 1)[-1] or "Root",
                location=location,
                size=int(size.text) if size is not None and size.text else None,
                mime_type=DIRECTORY_MIME_TYPE
                if is_folder
                else _text(props, f"{DAV}getcontenttype") or "",
                last_modified_at=_iso_from_http_date(_text(props, f"{DAV}getlastmodified")),
                owner_name=_text(props, f"{OC}owner-display-name"),
                permissions=dav_permissions(_text(props, f"{OC}permissions") or "", is_folder),
                is_folder=is_folder,
            )
        )
    return entries


def _text(props: dict[str, Any], tag: str) -> str | None:
    element = props.get(tag)
    return element.text if element is not None else None


def dav_path(path: str) -> str:
    """A storage location (`/A/B c`) as the percent-encoded tail of a DAV URL."""
    return quote(path.strip("/"), safe="/")


class NextcloudClient:
    """Calls to the sandbox's Nextcloud for one storage, on behalf of its users."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        base_url: str,
        faults: FaultState,
        db: sqlite3.Connection,
        storage: dict[str, Any],
        callback_url: str,
        refresh_locks: dict[int, asyncio.Lock],
    ) -> None:
        self.http = http
        self.refresh_locks = refresh_locks
        self.base_url = base_url.rstrip("/")
        self.faults = faults
        self.db = db
        self.storage = storage
        self.callback_url = callback_url

    # --- plumbing -------------------------------------------------------------------------

    async def _send(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        if self.faults.nextcloud_unreachable:
            raise StorageUnreachable("Nextcloud is unreachable (sandbox fault)")
        try:
            return await self.http.request(method, self.base_url + path, timeout=TIMEOUT, **kwargs)
        except httpx.TransportError as error:
            raise StorageUnreachable(str(error)) from error

    async def _token_request(self, form: dict[str, str]) -> dict[str, Any]:
        response = await self._send(
            "POST",
            "/index.php/apps/oauth2/api/v1/token",
            data=form,
            auth=(self.storage["oauth_client_id"], self.storage["oauth_client_secret"]),
        )
        if response.status_code != 200:
            raise StorageUnauthorized(f"token endpoint answered {response.status_code}")
        token: dict[str, Any] = response.json()
        return token

    async def _refresh(self, user_id: int, token: dict[str, Any]) -> dict[str, Any]:
        """Refresh tokens rotate, so concurrent requests of one user refresh one at a time and
        a request that waited takes the token the other one got."""
        lock = self.refresh_locks.setdefault(user_id, asyncio.Lock())
        async with lock:
            current = storage_store.nextcloud_token(self.db, user_id)
            if current is None:
                raise StorageNotConnected("the user's Nextcloud token was forgotten")
            if current["access_token"] != token["access_token"]:
                return current
            if not current.get("refresh_token"):
                raise StorageUnauthorized("no refresh token")
            answer = await self._token_request(
                {
                    "grant_type": "refresh_token",
                    "scope": "",
                    "refresh_token": current["refresh_token"],
                }
            )
            answer.setdefault("user_id", current.get("origin_user_id"))
            storage_store.save_nextcloud_token(self.db, user_id, answer)
            refreshed = storage_store.nextcloud_token(self.db, user_id)
            assert refreshed is not None
            return refreshed

    async def _user_request(
        self, user_id: int, method: str, path: str, **kwargs: Any
    ) -> httpx.Response:
        """A call with the user's Bearer token; an expired or refused token is refreshed once,
        as OpenProject does, and a refused refresh means the authorization failed."""
        token = storage_store.nextcloud_token(self.db, user_id)
        if token is None:
            raise StorageNotConnected("the user has no Nextcloud token")
        if storage_store.token_expired(token):
            token = await self._refresh(user_id, token)
        headers = {**kwargs.pop("headers", {}), "Authorization": f"Bearer {token['access_token']}"}
        response = await self._send(method, path, headers=headers, **kwargs)
        if response.status_code != 401:
            return response
        token = await self._refresh(user_id, token)
        headers["Authorization"] = f"Bearer {token['access_token']}"
        response = await self._send(method, path, headers=headers, **kwargs)
        if response.status_code == 401:
            raise StorageUnauthorized("Nextcloud refused the refreshed token")
        return response

    async def _ocs_data(self, user_id: int, method: str, path: str, **kwargs: Any) -> Any:
        response = await self._user_request(
            user_id, method, path, headers=dict(OCS_HEADERS), **kwargs
        )
        if response.status_code >= 400:
            raise StorageFailure(response.status_code)
        return response.json()["ocs"]["data"]

    async def origin_user_id(self, user_id: int) -> str:
        token = storage_store.nextcloud_token(self.db, user_id)
        if token and token.get("origin_user_id"):
            return str(token["origin_user_id"])
        data = await self._ocs_data(user_id, "GET", "/ocs/v1.php/cloud/user")
        return str(data["id"])

    # --- the queries OpenProject makes ------------------------------------------------------

    async def check_user(self, user_id: int) -> None:
        """`GET /ocs/v1.php/cloud/user`: raises unless the user's token works."""
        response = await self._user_request(
            user_id, "GET", "/ocs/v1.php/cloud/user", headers={"OCS-APIRequest": "true"}
        )
        if response.status_code != 200:
            raise StorageFailure(response.status_code)

    async def file_info(self, user_id: int, file_id: str) -> dict[str, Any]:
        """`fileinfo`: the file's data, or StorageFailure with the per-file statuscode."""
        data: dict[str, Any] = await self._ocs_data(
            user_id,
            "GET",
            f"/ocs/v1.php/apps/integration_openproject/fileinfo/{quote(file_id, safe='')}",
        )
        if data.get("statuscode") != 200:
            raise StorageFailure(int(data.get("statuscode") or 500), str(data.get("status", "")))
        return data

    async def files_info(self, user_id: int, file_ids: list[str]) -> dict[str, dict[str, Any]]:
        """`filesinfo`: per requested id the entry with its own statuscode (200/403/404)."""
        ids: list[int | str] = [int(i) if i.isdigit() else i for i in file_ids]
        data = await self._ocs_data(
            user_id,
            "POST",
            "/ocs/v1.php/apps/integration_openproject/filesinfo",
            json={"fileIds": ids},
        )
        return {str(key): value for key, value in (data or {}).items()}

    async def list_folder(self, user_id: int, location: str, *, depth: int = 1) -> list[DavEntry]:
        """`PROPFIND` of a location (Depth 1: with its children); the location comes first."""
        uid = await self.origin_user_id(user_id)
        dav_root = f"/remote.php/dav/files/{uid}"
        response = await self._user_request(
            user_id,
            "PROPFIND",
            f"{quote(dav_root)}/{dav_path(location)}",
            headers={"Depth": str(depth), "Content-Type": "application/xml; charset=utf-8"},
            content=PROPFIND_BODY,
        )
        if response.status_code != 207:
            raise StorageFailure(response.status_code)
        return parse_multistatus(response.content, dav_root)

    async def create_folder(self, user_id: int, parent_location: str, name: str) -> DavEntry:
        """`MKCOL`, then `PROPFIND` Depth 0 for the new folder's id, as OpenProject does."""
        uid = await self.origin_user_id(user_id)
        dav_root = f"/remote.php/dav/files/{uid}"
        location = f"{parent_location.rstrip('/')}/{name}"
        response = await self._user_request(
            user_id, "MKCOL", f"{quote(dav_root)}/{dav_path(location)}"
        )
        if response.status_code != 201:
            raise StorageFailure(response.status_code)
        return (await self.list_folder(user_id, location, depth=0))[0]

    async def upload_token(self, user_id: int, folder_id: str) -> str:
        """`direct-upload-token` for a folder id: the one-time upload URL on Nextcloud."""
        folder: int | str = int(folder_id) if folder_id.isdigit() else folder_id
        response = await self._user_request(
            user_id,
            "POST",
            "/index.php/apps/integration_openproject/direct-upload-token",
            json={"folder_id": folder},
        )
        if response.is_success and not response.content:
            # OpenProject reads a 2xx without a body as "not authorized".
            raise StorageUnauthorized("direct-upload-token answered without a token")
        if response.status_code != 200:
            raise StorageFailure(response.status_code)
        token = response.json()["token"]
        return f"{self.base_url}/index.php/apps/integration_openproject/direct-upload/{token}"

    async def download_url(self, user_id: int, file_id: str) -> str:
        """`fileinfo` for the name, then a core direct link whose token goes into the app's
        nicely named download route."""
        info = await self.file_info(user_id, file_id)
        data = await self._ocs_data(
            user_id, "POST", "/ocs/v2.php/apps/dav/api/v1/direct", json={"fileId": int(info["id"])}
        )
        token = urlsplit(data["url"]).path.rstrip("/").rsplit("/", 1)[-1]
        return f"{self.base_url}/index.php/apps/integration_openproject/direct/{token}/{quote(str(info['name']), safe='')}"

    async def exchange_code(self, code: str) -> dict[str, Any]:
        """The authorization code of the consent page, traded for the user's tokens."""
        return await self._token_request(
            {"grant_type": "authorization_code", "code": code, "redirect_uri": self.callback_url}
        )

    # --- URLs that need no call -------------------------------------------------------------

    def open_file_url(self, file_id: str, *, location: bool = False) -> str:
        return (
            f"{self.base_url}/index.php/f/{quote(file_id, safe='')}?openfile={0 if location else 1}"
        )

    def open_storage_url(self) -> str:
        return f"{self.base_url}/index.php/apps/files"

    def authorize_url(self, state: str) -> str:
        query = httpx.QueryParams(
            {
                "client_id": self.storage["oauth_client_id"],
                "redirect_uri": self.callback_url,
                "response_type": "code",
                "state": state,
            }
        )
        return f"{self.base_url}/index.php/apps/oauth2/authorize?{query}"
