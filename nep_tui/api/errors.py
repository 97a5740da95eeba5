"""Typed errors of the client core: each one is a sentence a screen or the CLI can show as is.

`message` says what happened, `hint` says what to do. Neither ever contains a token: errors
are built from status codes, URNs and server messages, never from request headers.
"""

from __future__ import annotations

from typing import Any

from nep_tui.api.redact import redact


class NepError(Exception):
    """Base of every error the client core raises on purpose."""

    default_message = "Something went wrong."
    default_hint = ""

    def __init__(self, message: str | None = None, *, hint: str | None = None) -> None:
        self.message = redact(message or self.default_message)
        self.hint = redact(self.default_hint if hint is None else hint)
        super().__init__(self.message)

    def __str__(self) -> str:
        return f"{self.message} {self.hint}".strip()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r})"


class NotLoggedIn(NepError):
    default_message = "You are not logged in to this server."
    default_hint = "Run `nep-tui login SERVER_URL`, or pass --token / set NEP_TUI_TOKEN."


class LoggedOut(NotLoggedIn):
    """The session ended on the server side: the token was rejected and could not be refreshed."""

    default_message = "You have been logged out (the token expired or was revoked)."
    default_hint = "Run `nep-tui login` to log in again."


class InsecureServer(NepError):
    default_message = "Refusing to send credentials to a server over plain http://."
    default_hint = "Use an https:// URL, or pass --insecure-http if you trust the network."


class PermissionDenied(NepError):
    default_message = "You are not allowed to do this."
    default_hint = "Ask a project administrator for the missing permission."


class NotFound(NepError):
    default_message = "The requested resource could not be found."
    default_hint = "It may have been deleted, or you may not be allowed to see it."


class Conflict(NepError):
    default_message = "The change conflicts with the current state on the server."
    default_hint = "Reload and try again."


class UpdateConflict(Conflict):
    default_message = "Someone else changed this in the meantime."
    default_hint = "Reload to see their change, then make yours again."


class FileNameExists(Conflict):
    default_message = "A file with this name already exists in the folder."
    default_hint = "Choose to overwrite it or to keep both files."

    def __init__(
        self, message: str | None = None, *, hint: str | None = None, file_name: str | None = None
    ) -> None:
        if message is None and file_name:
            message = f"A file named {file_name!r} already exists in the folder."
        super().__init__(message, hint=hint)
        self.file_name = file_name


class TooLarge(NepError):
    default_hint = "Upload a smaller file, or ask the administrator to raise the limit."

    def __init__(
        self, message: str | None = None, *, hint: str | None = None, limit_bytes: int | None = None
    ) -> None:
        if message is None:
            message = "The file is larger than the server accepts" + (
                f" (limit: {limit_bytes} bytes)." if limit_bytes else "."
            )
        super().__init__(message, hint=hint)
        self.limit_bytes = limit_bytes


class QuotaExceeded(NepError):
    default_message = "There is not enough storage quota left for this file."
    default_hint = "Free some space in Nextcloud or ask the administrator for more quota."


class NextcloudNotConnected(NepError):
    default_message = "Your account is not connected to this Nextcloud storage."
    default_hint = "Open the authorize link in a browser where you are logged in, then retry."

    def __init__(
        self,
        message: str | None = None,
        *,
        hint: str | None = None,
        authorize_url: str | None = None,
    ) -> None:
        super().__init__(message, hint=hint)
        self.authorize_url = authorize_url


class NextcloudUnreachable(NepError):
    default_message = "The server could not reach its Nextcloud storage."
    default_hint = "Try again later; if it persists, tell the administrator."


class NextcloudSetupFailed(NepError):
    """The administrator's setup could not finish; the message names the step and the cause."""

    default_message = "The Nextcloud integration could not be set up."
    default_hint = "Fix the cause named above and run the setup again."


class ValidationFailed(NepError):
    default_message = "The server rejected the data."
    default_hint = "Correct the highlighted fields and try again."

    def __init__(
        self,
        message: str | None = None,
        *,
        hint: str | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message, hint=hint)
        self.details = details or {}


class ReadOnlyField(ValidationFailed):
    """422 `PropertyIsReadOnly`: the field cannot be changed (by this user, in this state)."""

    default_message = "That field cannot be changed."
    default_hint = "Leave it as it is."


class BadRequest(NepError):
    default_message = "The server did not understand the request."
    default_hint = "This is probably a bug in nep-tui or a server version mismatch."


class ServerError(NepError):
    default_message = "The server had an internal error."
    default_hint = "Try again later; if it persists, tell the administrator."

    def __init__(
        self,
        message: str | None = None,
        *,
        hint: str | None = None,
        status_code: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message, hint=hint)
        self.status_code = status_code
        self.retry_after = retry_after  # seconds the server asked to wait (Retry-After)


class NetworkUnreachable(NepError):
    default_message = "The server could not be reached."
    default_hint = "Check the server address and your network connection."


class AnswerCutOff(NetworkUnreachable):
    """The server was reached and began to answer, but the answer broke off or stopped."""

    default_message = "The server's answer was cut off before it was complete."
    default_hint = "Try again; if it keeps happening, the network or a proxy drops connections."


class AnswerLost(NepError):
    """A change was sent but its answer never came: the server may or may not have made it."""

    default_message = (
        "The connection broke before the server answered: the change may or may not have been made."
    )
    default_hint = "Check the current state before trying again."


class SignInPage(NepError):
    default_message = "The server answered a sign-in page: a proxy or single sign-on is in the way."
    default_hint = (
        "Nothing was saved or changed; ask the administrator to let nep-tui's requests through."
    )


class AnswerTooLarge(NepError):
    default_message = "The server's answer was far larger than expected; nep-tui stopped reading."
    default_hint = "A proxy may be in the way; set NEP_TUI_MAX_ANSWER_MB if the answer is real."


class RedirectRefused(NepError):
    default_message = "The server sent the request on to another host; nep-tui did not follow."
    default_hint = "Ask the administrator whether that host belongs to the server."


class StorageRefused(NepError):
    """A request straight to the file storage (a one-time link) failed there."""

    default_message = "The file storage refused the request."
    default_hint = "Try again; your login to the server is not affected."

    def __init__(
        self, message: str | None = None, *, hint: str | None = None, status_code: int | None = None
    ) -> None:
        super().__init__(message, hint=hint)
        self.status_code = status_code


class BadSetting(NepError):
    default_message = "A setting has a value nep-tui cannot use."
    default_hint = "Correct it and try again."


class ClientSecretRefused(BadSetting):
    default_message = "Nepenthes does not accept this OpenProject OAuth client secret."
    default_hint = (
        "Give the secret shown when the storage was made; if it is lost, replace the"
        " OpenProject OAuth values on the storage's web page first. Nothing was changed."
    )


class TLSVerificationFailed(NetworkUnreachable):
    default_message = "The server's TLS certificate could not be verified."
    default_hint = (
        "If the server uses a private CA, pass --ca-bundle PATH "
        "or set SSL_CERT_FILE to its certificate bundle."
    )


class MalformedResponse(NepError):
    default_hint = "The server answered something nep-tui does not understand; check its version."

    def __init__(self, endpoint: str, reason: str = "", *, hint: str | None = None) -> None:
        message = f"The server sent an unexpected answer for {endpoint}" + (
            f": {reason}." if reason else "."
        )
        super().__init__(message, hint=hint)
        self.endpoint = endpoint


class Stopped(NepError):
    """The user stopped a batch before this part of it was done."""

    default_message = "You stopped before this was done."
    default_hint = "Start it again to do the rest."


class LocalFileError(NepError):
    """A file on this computer could not be read (to upload) or written (a download)."""

    default_message = "A local file could not be read or written."
    default_hint = "Check that the file exists, that you may use it, and that the disk has room."


class DownloadTargetExists(NepError):
    """A download would replace an existing file and overwrite was not asked for."""

    default_hint = "Pass overwrite (-f) or choose another destination."

    def __init__(self, path: str) -> None:
        super().__init__(f"{path} already exists; it was left untouched.")
        self.path = path


# OAuth flow outcomes (RFC 8628 §3.5 and token endpoint errors).
class AuthError(NepError):
    default_message = "Logging in failed."
    default_hint = "Try again, or log in with an API token (--token)."


class DeviceFlowExpired(AuthError):
    default_message = "The login code expired before it was approved."
    default_hint = "Run `nep-tui login` again and approve the new code in time."


class AccessDenied(AuthError):
    default_message = "The login was denied in the browser."
    default_hint = "Run `nep-tui login` again and approve the request."


class FlowNotSupported(AuthError):
    default_message = "The server does not offer this login method."
    default_hint = "Use another login method or an API token (--token)."
