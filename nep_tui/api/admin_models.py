"""Models of the administrator's half: the storage as an admin sees it, the answers of Nextcloud's
integration app, health lines. Secrets are `SecretStr`, so no repr, log or traceback shows them.
"""

from __future__ import annotations

from typing import Any, Self

from pydantic import BaseModel, ConfigDict, SecretStr

from nep_tui.api.models import Json, href

HEALTH_SUFFIX = " (OPTIONAL)"


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


def _id_from_href(value: str | None) -> int | None:
    tail = value.rstrip("/").rsplit("/", 1)[-1] if value else ""
    return int(tail) if tail.isdigit() else None


class AdminStorage(_Model):
    id: int
    name: str
    origin_url: str | None
    configured: bool
    has_application_password: bool
    oauth_application_id: int | None = None
    nextcloud_client_id: str | None = None

    @classmethod
    def from_hal(cls, data: Json) -> Self:
        embedded = data.get("_embedded") if isinstance(data.get("_embedded"), dict) else {}
        credentials = embedded.get("oauthClientCredentials") if embedded else None
        return cls(
            id=data["id"],
            name=data["name"],
            origin_url=href(data, "origin"),
            configured=bool(data.get("configured")),
            has_application_password=bool(data.get("hasApplicationPassword")),
            oauth_application_id=_id_from_href(href(data, "oauthApplication")),
            nextcloud_client_id=(
                credentials.get("clientId") if isinstance(credentials, dict) else None
            ),
        )

    def as_json(self) -> dict[str, Any]:
        return self.model_dump()


class CreatedStorage(_Model):
    """The create answer: the only one that carries the OpenProject OAuth client secret."""

    storage: AdminStorage
    openproject_client_id: str
    openproject_client_secret: SecretStr

    @classmethod
    def from_hal(cls, data: Json) -> Self:
        application = data["_embedded"]["oauthApplication"]
        return cls(
            storage=AdminStorage.from_hal(data),
            openproject_client_id=application["clientId"],
            openproject_client_secret=SecretStr(application["clientSecret"]),
        )


class ClientCredentials(_Model):
    id: int
    client_id: str

    @classmethod
    def from_hal(cls, data: Json) -> Self:
        return cls(id=data["id"], client_id=data["clientId"])


class NextcloudSetupAnswer(_Model):
    """What `/setup` hands back; the secret and app password only when Nextcloud made them."""

    client_id: str | None = None
    client_secret: SecretStr | None = None
    app_password: SecretStr | None = None

    @classmethod
    def from_json(cls, data: Json) -> Self:
        secret = data.get("nextcloud_client_secret")
        password = data.get("openproject_user_app_password")
        return cls(
            client_id=data.get("nextcloud_client_id"),
            client_secret=SecretStr(secret) if isinstance(secret, str) else None,
            app_password=SecretStr(password) if isinstance(password, str) else None,
        )


class Capabilities(_Model):
    major: int | None
    integration_app_version: str | None
    team_folders_enabled: bool
    team_folders_version: str | None


class HealthLine(_Model):
    """One check of OkComputer's text answer: `  name: PASSED message (0.001s) (OPTIONAL)`."""

    name: str
    passed: bool
    message: str
    optional: bool

    @classmethod
    def parse(cls, line: str) -> Self | None:
        name, sep, rest = line.strip().partition(": ")
        if not sep or not rest.startswith(("PASSED ", "FAILED ")):
            return None
        optional = rest.endswith(HEALTH_SUFFIX)
        if optional:
            rest = rest[: -len(HEALTH_SUFFIX)]
        state, _, message = rest.partition(" ")
        if message.endswith("s)") and " (" in message:
            message = message.rsplit(" (", 1)[0]
        return cls(name=name, passed=state == "PASSED", message=message, optional=optional)


def version_tuple(text: str | None) -> tuple[int, ...]:
    parts = (text or "").split("-", 1)[0].split(".")
    return tuple(int(part) if part.isdigit() else 0 for part in parts)
