"""The few HTML pages of the Nextcloud sandbox. Every piece of user data goes through escape()."""

from __future__ import annotations

from html import escape

from starlette.responses import HTMLResponse

_SHELL = """<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>{title} - Nextcloud</title>
<style>body{{font-family:sans-serif;max-width:32em;margin:3em auto;color:#222}}
.error{{color:#b00}} label{{display:block;margin:.6em 0}} button{{padding:.4em 1.2em}}</style></head>
<body>
<h1>{title}</h1>
{body}
</body>
</html>
"""


def page(title: str, body_html: str, status: int = 200) -> HTMLResponse:
    """`body_html` must already be escaped; the title is escaped here."""
    return HTMLResponse(_SHELL.format(title=escape(title), body=body_html), status)


def message_page(title: str, message: str, status: int) -> HTMLResponse:
    return page(title, f"<p>{escape(message)}</p>", status)


def direct_link_invalid(status: int) -> HTMLResponse:
    return page(
        "Direct download error.",
        "<p>This direct download link is invalid or has expired.</p>",
        status,
    )


def not_found_page() -> HTMLResponse:
    return message_page("Page not found", "The page could not be found on the server.", 404)


def authorize_page(
    *,
    client_name: str,
    action: str,
    hidden: dict[str, str],
    error: str | None = None,
    login: str = "",
    status: int = 200,
) -> HTMLResponse:
    fields = "".join(
        f'<input type="hidden" name="{escape(key)}" value="{escape(value)}">'
        for key, value in hidden.items()
    )
    error_html = f'<p class="error">{escape(error)}</p>' if error else ""
    body = (
        f"<p>{escape(client_name)} wants to access your Nextcloud account.</p>{error_html}"
        f'<form method="post" action="{escape(action)}">{fields}'
        f'<label>Login <input name="login" value="{escape(login)}" autocomplete="username"></label>'
        '<label>Password <input name="password" type="password" autocomplete="current-password"></label>'
        '<button type="submit" name="grant" value="1">Grant access</button></form>'
    )
    return page("Connect to your account", body, status)


def file_page(*, name: str, folder: str, is_dir: bool, file_id: int) -> HTMLResponse:
    kind = "Folder" if is_dir else "File"
    body = (
        f'<p>{kind} <strong class="file-name">{escape(name)}</strong></p>'
        f'<p>in folder <span class="folder">{escape(folder)}</span></p>'
        f"<p>File id {file_id}</p>"
    )
    return page(name or "Files", body)
