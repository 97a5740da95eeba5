"""Exit codes of the CLI, one per class of failure, so scripts can react without parsing text.

The table is documented in README.md ("Exit codes"); keep the two in step.
"""

from __future__ import annotations

from enum import IntEnum

from nep_tui.api import errors


class ExitCode(IntEnum):
    OK = 0
    GENERIC = 1
    USAGE = 2
    NOT_LOGGED_IN = 3
    PERMISSION_DENIED = 4
    NOT_FOUND = 5
    CONFLICT = 6
    TOO_LARGE = 7
    NEXTCLOUD = 8
    NETWORK = 9
    SERVER = 10
    INTERRUPTED = 130


_BY_ERROR_CLASS: dict[type[errors.NepError], ExitCode] = {
    errors.ValidationFailed: ExitCode.USAGE,
    errors.NotLoggedIn: ExitCode.NOT_LOGGED_IN,  # also LoggedOut
    errors.AuthError: ExitCode.NOT_LOGGED_IN,
    errors.PermissionDenied: ExitCode.PERMISSION_DENIED,
    errors.NotFound: ExitCode.NOT_FOUND,
    errors.Conflict: ExitCode.CONFLICT,
    errors.DownloadTargetExists: ExitCode.CONFLICT,
    errors.TooLarge: ExitCode.TOO_LARGE,
    errors.QuotaExceeded: ExitCode.TOO_LARGE,
    errors.NextcloudNotConnected: ExitCode.NEXTCLOUD,
    errors.NextcloudUnreachable: ExitCode.NEXTCLOUD,
    errors.NextcloudSetupFailed: ExitCode.NEXTCLOUD,
    errors.NetworkUnreachable: ExitCode.NETWORK,  # also TLSVerificationFailed
    errors.InsecureServer: ExitCode.NETWORK,
    errors.ServerError: ExitCode.SERVER,
    errors.MalformedResponse: ExitCode.SERVER,
    errors.BadRequest: ExitCode.SERVER,
    errors.AnswerLost: ExitCode.NETWORK,
    errors.SignInPage: ExitCode.NETWORK,
    errors.RedirectRefused: ExitCode.NETWORK,
    errors.AnswerTooLarge: ExitCode.SERVER,
    errors.StorageRefused: ExitCode.NEXTCLOUD,
    errors.BadSetting: ExitCode.USAGE,
}


def exit_code_for(error: errors.NepError) -> ExitCode:
    """The code of the most specific listed class the error belongs to."""
    for cls in type(error).__mro__:
        if cls in _BY_ERROR_CLASS:
            return _BY_ERROR_CLASS[cls]
    return ExitCode.GENERIC
