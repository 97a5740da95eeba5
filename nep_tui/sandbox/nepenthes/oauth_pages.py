"""The HTML pages of the OAuth flows: login + consent, the out-of-band code, device verification.

Templates are `templates/oauth_*.html` (string.Template); every value is HTML-escaped unless it
is `Html` that this module built from escaped parts.
"""

from __future__ import annotations

import html
from functools import cache
from importlib import resources
from string import Template

from starlette.responses import HTMLResponse


class Html(str):
    """Markup built here from escaped parts; inserted into a template as is."""


@cache
def _template(name: str) -> Template:
    text = (
        resources.files(__package__).joinpath("templates", f"oauth_{name}.html").read_text("utf-8")
    )
    return Template(text)


def _fill(name: str, **values: str) -> Html:
    escaped = {
        key: value if isinstance(value, Html) else html.escape(value)
        for key, value in values.items()
    }
    return Html(_template(name).substitute(escaped))


def page(title: str, body: Html, *, status: int = 200) -> HTMLResponse:
    # Consent pages must never be framed by another site (clickjacking) nor cached.
    headers = {"X-Frame-Options": "DENY", "Cache-Control": "no-store"}
    return HTMLResponse(
        _fill("layout", title=title, body=body), status_code=status, headers=headers
    )


def error_block(message: str | None) -> Html:
    return _fill("message", kind="error", message=message) if message else Html("")


def message_page(
    title: str, message: str, *, status: int = 200, error: bool = False
) -> HTMLResponse:
    return page(
        title, _fill("message", kind="error" if error else "result", message=message), status=status
    )


def authorize_page(
    *,
    action: str,
    client_name: str,
    scope: str,
    params: dict[str, str],
    login: str = "",
    error: str | None = None,
    status: int = 200,
) -> HTMLResponse:
    hidden = Html(
        "\n".join(
            f'<input type="hidden" name="{html.escape(key)}" value="{html.escape(value)}">'
            for key, value in params.items()
        )
    )
    body = _fill(
        "authorize",
        client_name=client_name,
        scope=scope,
        action=action,
        hidden_fields=hidden,
        login=login,
        error=error_block(error),
    )
    return page("Authorize application", body, status=status)


def code_page(code: str) -> HTMLResponse:
    return page("Authorization code", _fill("code", code=code))


def device_page(
    *,
    action: str,
    user_code: str = "",
    login: str = "",
    error: str | None = None,
    status: int = 200,
) -> HTMLResponse:
    body = _fill(
        "device", action=action, user_code=user_code, login=login, error=error_block(error)
    )
    return page("Connect a device", body, status=status)
