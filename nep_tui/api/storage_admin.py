"""Storage administration in API v3 (admins only; notes/admin-setup.md §3): create, change and
delete storages, give a storage Nextcloud's OAuth client, and read `/health_checks/all`."""

from __future__ import annotations

from typing import Any

from nep_tui.api import admin_models as am
from nep_tui.api import errors as err
from nep_tui.api import models as m
from nep_tui.api.client import API, NepenthesClient

NEXTCLOUD_TYPE = "urn:openproject-org:api:v3:storages:Nextcloud"
# Sent as the setup script sends it: the real server answers hal+json to this kind of request.
WRITE_HEADERS = {"X-Requested-With": "XMLHttpRequest"}
TOKEN_PATH = "/oauth/token"  # Doorkeeper's, fixed in OpenProject's routes


class StorageAdmin:
    def __init__(self, client: NepenthesClient) -> None:
        self.client = client
        self.http = client.http

    async def storages(self) -> list[am.AdminStorage]:
        data = await self.http.json("GET", f"{API}/storages")
        return m.parse_collection(am.AdminStorage.from_hal, data, f"GET {API}/storages")

    async def storage(self, storage_id: int) -> am.AdminStorage:
        path = f"{API}/storages/{int(storage_id)}"
        return m.parse(am.AdminStorage.from_hal, await self.http.json("GET", path), f"GET {path}")

    async def create_storage(self, *, name: str, host: str) -> am.CreatedStorage:
        body = {
            "name": name,
            "applicationPassword": "",
            "_links": {"origin": {"href": host}, "type": {"href": NEXTCLOUD_TYPE}},
        }
        path = f"{API}/storages"
        data = await self.http.json("POST", path, json=body, headers=WRITE_HEADERS)
        return m.parse(am.CreatedStorage.from_hal, data, f"POST {path}")

    async def update_storage(self, storage_id: int, **fields: Any) -> am.AdminStorage:
        """`name`, `host`, `application_password` (a str, or "" to turn managed folders off)."""
        body: dict[str, Any] = {}
        if "name" in fields:
            body["name"] = fields["name"]
        if "host" in fields:
            body["_links"] = {"origin": {"href": fields["host"]}}
        if "application_password" in fields:
            body["applicationPassword"] = fields["application_password"]
        path = f"{API}/storages/{int(storage_id)}"
        data = await self.http.json("PATCH", path, json=body, headers=WRITE_HEADERS)
        return m.parse(am.AdminStorage.from_hal, data, f"PATCH {path}")

    async def delete_storage(self, storage_id: int) -> None:
        await self.http.request("DELETE", f"{API}/storages/{int(storage_id)}")

    async def set_client_credentials(
        self, storage_id: int, *, client_id: str, client_secret: str
    ) -> am.ClientCredentials:
        path = f"{API}/storages/{int(storage_id)}/oauth_client_credentials"
        body = {"clientId": client_id, "clientSecret": client_secret}
        data = await self.http.json("POST", path, json=body, headers=WRITE_HEADERS)
        return m.parse(am.ClientCredentials.from_hal, data, f"POST {path}")

    async def openproject_client_id(self, application_id: int) -> str:
        """The OAuth application's client id (its secret is never readable again)."""
        path = f"{API}/oauth_applications/{int(application_id)}"
        data = await self.http.json("GET", path)
        client_id = data.get("clientId") if isinstance(data, dict) else None
        if not isinstance(client_id, str):
            raise err.MalformedResponse(f"GET {path}", "the clientId is missing")
        return client_id

    async def client_secret_refused(self, client_id: str, secret: str, redirect_uri: str) -> bool:
        """Whether Nepenthes refuses this OAuth application's secret, which it never shows
        again. Its token endpoint authenticates the client before it looks at the grant
        (RFC 6749 §5.2), so with a code it never issued a wrong secret gets `invalid_client`
        and the right one only `invalid_grant`. Sent without the user's token: it is the
        application that signs in here."""
        form = {
            "grant_type": "authorization_code",
            "code": "nep-tui-checks-the-client-secret",
            "redirect_uri": redirect_uri,
            "client_id": client_id,
            "client_secret": secret,
        }
        response = await self.http.foreign("POST", self.http.absolute(TOKEN_PATH), data=form)
        try:
            answer = response.json()
        except ValueError:
            return False  # not the OAuth answer; the change itself will say what is wrong
        return isinstance(answer, dict) and answer.get("error") == "invalid_client"

    async def health_checks(self) -> list[am.HealthLine]:
        """OkComputer answers 500 when a check failed, with the same text."""
        response = await self.http.request(
            "GET", "/health_checks/all", expected=frozenset({500}), headers={"Accept": "text/plain"}
        )
        return [
            line
            for raw in response.text.splitlines()[1:]
            if (line := am.HealthLine.parse(raw)) is not None
        ]

    async def project_storages(self, storage_id: int) -> list[m.ProjectStorage]:
        return [
            row for row in await self.client.project_storages() if row.storage_id == int(storage_id)
        ]

    def web_url(self, path: str) -> str:
        return f"{self.client.server_url}{path}"

    def project_storages_page(self, storage_id: int) -> str:
        """[WEB] only: enabling a storage in projects with a project folder mode."""
        return self.web_url(f"/admin/settings/storages/{int(storage_id)}/project_storages")

    def edit_page(self, storage_id: int) -> str:
        """[WEB] only: "Replace OpenProject OAuth values"."""
        return self.web_url(f"/admin/settings/storages/{int(storage_id)}/edit")
