"""The Attachments pane of a work package (attach, download, delete), downloads that fail, and
server names carrying markup and escape sequences in both panes.

Every test that writes runs on a sandbox of its own; assertions look at the screen and at the
server (through NepenthesClient), so a pane that only pretends to have done something fails.
"""

from __future__ import annotations

import asyncio
import os
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest
import respx
from support.tui import (
    dav_client,
    make_app,
    quit_once_the_part_file_is_there,
    settle,
    settle_on_work_package,
    start_download,
)
from textual import events
from textual.geometry import Region
from textual.widget import Widget

from nep_tui.api import transfers
from nep_tui.api.client import NepenthesClient
from nep_tui.api.errors import NotFound
from nep_tui.api.http import ApiTokenSource
from nep_tui.api.models import Attachment
from nep_tui.dialogs.confirm import ConfirmDialog
from nep_tui.screens.upload import UploadScreen
from nep_tui.screens.work_package import WorkPackageScreen
from nep_tui.widgets.attachments_pane import AttachmentList, AttachmentsPane
from nep_tui.widgets.files_pane import FileLinkList
from nep_tui.widgets.local_path_input import LocalPathInput
from nep_tui.widgets.transfer_progress import TransferProgress

SIZE = (100, 34)
# Room for the attributes, both panes and every linked file of work package 1 at once.
EVIL_SIZE = (120, 40)
# The demo seed gives work package 2 no attachments, so what the tests attach is all there is.
PLAIN_WP = 2
# Work package 1 links "Kickoff presentation.pdf", in the demo project's folder.
LINKED_WP = 1
DEMO_FOLDER = "OpenProject/Nepenthes Demo (1)"

# Nextcloud refuses C0 controls (ESC, BEL) and "/" in names but takes C1 controls, so the OSC 8
# hyperlink is spelled with its 8-bit introducer and terminator; U+202E would flip the text.
EVIL_FILE = "[bold red]x[reverse] \x9d8;;http:evil\x9cclick\x9d8;;\x9c \u202e[link=http:evil]y.txt"
EVIL_FILE_SHOWN = "[bold red]x[reverse] click [link=http:evil]y.txt"
# The attachment endpoint drops every unprintable character and keeps only the part after
# the last "/", so only markup reaches an attachment's name.
EVIL_ATTACHMENT = "[bold red]x[reverse] [link=http:evil]y.txt"


@asynccontextmanager
async def member_client(sandbox):
    token = sandbox.user("member").api_token
    async with NepenthesClient(sandbox.nepenthes_url, ApiTokenSource(token)) as client:
        yield client


async def attach(sandbox, wp_id: int, name: str, content: bytes, folder: Path) -> Attachment:
    """An attachment made the way the CLI makes one (the TUI's own upload is tested below)."""
    source = folder / name
    source.write_bytes(content)
    async with member_client(sandbox) as client:
        return await client.upload_attachment(wp_id, source)


async def attach_raw_name(sandbox, wp_id: int, name: str) -> Attachment:
    """Sends `name` as the server-side name untouched (the client would sanitise it), the way
    another client could."""
    source = Path(os.devnull)
    async with member_client(sandbox) as client:
        body = transfers.attachment_multipart(source, name)
        response = await client.http.request(
            "POST",
            f"/api/v3/work_packages/{wp_id}/attachments",
            headers=body.headers,
            content=body.body(),
        )
        return Attachment.from_hal(response.json())


async def server_bytes(sandbox, attachment_id: int, folder: Path) -> bytes:
    folder.mkdir(exist_ok=True)
    async with member_client(sandbox) as client:
        return (await client.download_attachment(attachment_id, folder)).read_bytes()


def rename_in_nextcloud(sandbox, folder: str, old: str, new: str) -> None:
    """A rename in Nextcloud keeps the file id (so the link follows) and its time (so the
    snapshot does not depend on when it runs)."""
    destination = f"{sandbox.nextcloud_url}/remote.php/dav/files/member/{quote(f'{folder}/{new}')}"
    with dav_client(sandbox, "member") as dav:
        response = dav.request("MOVE", f"/{folder}/{old}", headers={"Destination": destination})
        assert response.status_code == 201, response.text


def attachment_list(app) -> AttachmentList:
    return app.screen.query_one(AttachmentList)


def highlight_attachment(app, name: str) -> None:
    listing = attachment_list(app)
    listing.focus()
    listing.highlighted = next(i for i, a in enumerate(listing.attachments) if a.file_name == name)


def shown_lines(widget: Widget) -> list[str]:
    """The text the widget paints, line by line (what the terminal would show)."""
    width, height = widget.size
    return [strip.text for strip in widget.render_lines(Region(0, 0, width, height))]


def transfer_outcomes(app) -> list[str]:
    return [str(label.render()) for label in app.screen.query(".pane-transfers .transfer-detail")]


async def download_to(pilot, folder: Path) -> None:
    """Download what is highlighted into `folder`, to the end."""
    await start_download(pilot, folder)
    await settle(pilot)


# --- attach, download, delete -------------------------------------------------------------------


async def test_attach_uploads_the_chosen_file(fresh_sandbox, tmp_path, monkeypatch):
    # A small home keeps the upload screen's directory tree quick and the same everywhere.
    monkeypatch.setenv("HOME", str(tmp_path))
    source = tmp_path / "minutes.txt"
    source.write_bytes(b"minutes of the kickoff\n" * 100)
    app = make_app(
        fresh_sandbox.nepenthes_url, fresh_sandbox.user("member").api_token, start_at=PLAIN_WP
    )
    async with app.run_test(size=SIZE) as pilot:
        await settle_on_work_package(pilot)
        # No attachments yet, so nothing in the pane can have focus: "a" must work anyway,
        # as the empty pane tells the user.
        assert not app.screen.query(AttachmentList)
        await pilot.press("a")
        await settle(pilot)
        assert isinstance(app.screen, UploadScreen) and app.screen.storage is None
        app.screen.query_one(LocalPathInput).focus()
        app.post_message(events.Paste(str(source)))
        await pilot.pause()
        await pilot.press("ctrl+s")  # attachments need no destination folder: this uploads
        await settle(pilot)
        assert isinstance(app.screen, UploadScreen)
        rows = [
            str(row.query_one(".transfer-detail").render())
            for row in app.screen.query(TransferProgress)
            if row.id != "upload-batch"
        ]
        assert rows == ["Attached minutes.txt."]
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, WorkPackageScreen)
        assert [a.file_name for a in attachment_list(app).attachments] == ["minutes.txt"]
    async with member_client(fresh_sandbox) as client:
        (attachment,) = await client.attachments(PLAIN_WP)
    assert attachment.file_name == "minutes.txt"
    assert (
        await server_bytes(fresh_sandbox, attachment.id, tmp_path / "check") == source.read_bytes()
    )


async def test_download_attachment_keeps_an_existing_file(fresh_sandbox, tmp_path):
    content = os.urandom(300_000)  # more than one chunk, so the file is really streamed
    attachment = await attach(fresh_sandbox, PLAIN_WP, "report.bin", content, tmp_path)
    target = tmp_path / "downloads"
    target.mkdir()
    (target / "report.bin").write_bytes(b"mine, keep me")
    app = make_app(
        fresh_sandbox.nepenthes_url, fresh_sandbox.user("member").api_token, start_at=PLAIN_WP
    )
    async with app.run_test(size=SIZE) as pilot:
        await settle_on_work_package(pilot)
        highlight_attachment(app, "report.bin")
        await download_to(pilot, target)
        (outcome,) = transfer_outcomes(app)
    assert "report.bin already existed and was kept" in outcome
    assert (target / "report.bin").read_bytes() == b"mine, keep me"
    assert (target / "report (1).bin").read_bytes() == await server_bytes(
        fresh_sandbox, attachment.id, tmp_path / "check"
    )
    assert sorted(p.name for p in target.iterdir()) == ["report (1).bin", "report.bin"]


async def test_reload_keeps_the_focus_on_the_attachment_the_user_was_on(fresh_sandbox, tmp_path):
    for name in ("first.txt", "second.txt", "third.txt"):
        await attach(fresh_sandbox, PLAIN_WP, name, name.encode(), tmp_path)
    app = make_app(
        fresh_sandbox.nepenthes_url, fresh_sandbox.user("member").api_token, start_at=PLAIN_WP
    )
    async with app.run_test(size=SIZE) as pilot:
        await settle_on_work_package(pilot)
        highlight_attachment(app, "second.txt")
        await pilot.press("ctrl+r")
        await settle(pilot)
        listing = attachment_list(app)
        assert app.focused is listing  # not the comment box, where keys would become text
        assert listing.highlighted_attachment.file_name == "second.txt"


async def test_delete_attachment_asks_first(fresh_sandbox, tmp_path):
    await attach(fresh_sandbox, PLAIN_WP, "keep.txt", b"keep", tmp_path)
    doomed = await attach(fresh_sandbox, PLAIN_WP, "doomed.txt", b"doomed", tmp_path)
    app = make_app(
        fresh_sandbox.nepenthes_url, fresh_sandbox.user("member").api_token, start_at=PLAIN_WP
    )

    async def names_on_server() -> list[str]:
        async with member_client(fresh_sandbox) as client:
            return [a.file_name for a in await client.attachments(PLAIN_WP)]

    async with app.run_test(size=SIZE) as pilot:
        await settle_on_work_package(pilot)
        highlight_attachment(app, "doomed.txt")
        await pilot.press("x")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)
        assert str(app.screen.query_one("#confirm-subject").render()) == "doomed.txt"
        await pilot.press("n")
        await settle(pilot)
        assert await names_on_server() == ["keep.txt", "doomed.txt"]
        assert [a.file_name for a in attachment_list(app).attachments] == ["keep.txt", "doomed.txt"]

        await pilot.press("x")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("y")
        await settle(pilot)
        assert await names_on_server() == ["keep.txt"]
        assert [a.file_name for a in attachment_list(app).attachments] == ["keep.txt"]
    async with member_client(fresh_sandbox) as client:
        with pytest.raises(NotFound):
            await client.attachment(doomed.id)


# --- downloads that fail ------------------------------------------------------------------------


class BrokenOff(httpx.AsyncByteStream):
    """A body that loses the connection after its first part."""

    def __init__(self, first_part: bytes) -> None:
        self.first_part = first_part

    async def __aiter__(self):
        yield self.first_part
        raise httpx.ReadError("Connection reset by peer")


async def test_download_broken_off_part_way_leaves_nothing(fresh_sandbox, tmp_path):
    attachment = await attach(fresh_sandbox, PLAIN_WP, "video.bin", os.urandom(200_000), tmp_path)
    target = tmp_path / "downloads"
    target.mkdir()
    app = make_app(
        fresh_sandbox.nepenthes_url, fresh_sandbox.user("member").api_token, start_at=PLAIN_WP
    )
    # The sandbox always finishes what it starts sending; only a mocked transport can drop
    # the connection in the middle of a body. Everything else still goes to the sandbox.
    with respx.mock(assert_all_called=True) as mock:
        mock.get(url__regex=rf"/api/v3/attachments/{attachment.id}/content$").mock(
            return_value=httpx.Response(
                200, headers={"Content-Length": "200000"}, stream=BrokenOff(b"x" * 50_000)
            )
        )
        mock.route().pass_through()
        async with app.run_test(size=SIZE) as pilot:
            await settle_on_work_package(pilot)
            highlight_attachment(app, "video.bin")
            await download_to(pilot, target)
            (outcome,) = transfer_outcomes(app)
            (row,) = app.screen.query(".pane-transfers TransferProgress")
            assert row.has_class("-failed")
    assert outcome.startswith("Not downloaded:")
    assert list(target.iterdir()) == []


async def _link_then_nextcloud_down(sandbox, app) -> None:
    file_list = app.screen.query_one(FileLinkList)
    file_list.focus()
    file_list.highlighted = next(
        i
        for i, link in enumerate(file_list.section.links)
        if link.name == "Kickoff presentation.pdf"
    )
    # Shown while Nextcloud was reachable; by the time d is pressed it is not (500).
    sandbox.set_faults(nextcloud_unreachable=True)


async def _attachment_then_deleted(sandbox, app) -> None:
    highlight_attachment(app, "gone.txt")
    # Someone else deletes it after the pane showed it (404).
    async with member_client(sandbox) as client:
        await client.delete_attachment(attachment_list(app).highlighted_attachment.id)


@pytest.mark.parametrize(
    ("wp_id", "arrange"),
    [
        (LINKED_WP, _link_then_nextcloud_down),
        (PLAIN_WP, _attachment_then_deleted),
    ],
    ids=["file-link-nextcloud-down", "attachment-deleted-meanwhile"],
)
async def test_refused_download_leaves_nothing(fresh_sandbox, tmp_path, wp_id, arrange):
    await attach(fresh_sandbox, PLAIN_WP, "gone.txt", b"soon gone", tmp_path)
    target = tmp_path / "downloads"
    target.mkdir()
    app = make_app(
        fresh_sandbox.nepenthes_url, fresh_sandbox.user("member").api_token, start_at=wp_id
    )
    async with app.run_test(size=SIZE) as pilot:
        await settle_on_work_package(pilot)
        await arrange(fresh_sandbox, app)
        await download_to(pilot, target)
        (outcome,) = transfer_outcomes(app)
    assert outcome.startswith("Not downloaded:")
    assert list(target.iterdir()) == []


# --- names with markup and escape sequences -----------------------------------------------------


async def _evil_names(sandbox) -> None:
    rename_in_nextcloud(sandbox, DEMO_FOLDER, "Kickoff presentation.pdf", EVIL_FILE)
    await attach_raw_name(sandbox, LINKED_WP, EVIL_ATTACHMENT)


def _row_text(widget: Widget, name: str) -> str:
    lines = shown_lines(widget)
    matches = [line for line in lines if name in line]
    assert len(matches) == 1, f"{name!r} is not shown literally in {lines!r}"
    return matches[0]


async def test_names_are_shown_literally(fresh_sandbox):
    await _evil_names(fresh_sandbox)
    app = make_app(
        fresh_sandbox.nepenthes_url, fresh_sandbox.user("member").api_token, start_at=LINKED_WP
    )
    async with app.run_test(size=EVIL_SIZE) as pilot:
        await settle_on_work_package(pilot)
        attachments = app.screen.query_one(AttachmentsPane).query_one(AttachmentList)
        files = app.screen.query_one(FileLinkList)
        for widget, shown in ((attachments, EVIL_ATTACHMENT), (files, EVIL_FILE_SHOWN)):
            line = _row_text(widget, shown)
            assert not any(char in line for char in "\x1b\x07\x9b\x9c\x9d\u202e"), repr(line)
            strips = widget.render_lines(Region(0, 0, *widget.size))
            styles = [segment.style for strip in strips for segment in strip if segment.style]
            assert not any(style.link for style in styles), "a name became a hyperlink"


def test_names_snapshot(snap_compare, fresh_sandbox, monkeypatch):
    # An attachment's creation time is the upload's, and so is that of the journal the upload
    # writes (in the activity); a fixed clock keeps the snapshot stable.
    from nep_tui.sandbox.nepenthes import attachments as sandbox_attachments
    from nep_tui.sandbox.nepenthes import journals as sandbox_journals

    for module in (sandbox_attachments, sandbox_journals):
        monkeypatch.setattr(module, "now_iso", lambda: "2026-02-03T09:15:00Z")
    asyncio.run(_evil_names(fresh_sandbox))
    app = make_app(
        fresh_sandbox.nepenthes_url, fresh_sandbox.user("member").api_token, start_at=LINKED_WP
    )
    assert snap_compare(app, terminal_size=EVIL_SIZE, run_before=settle_on_work_package)


async def test_quitting_during_a_download_leaves_no_part_file_and_keeps_the_users_file(
    fresh_sandbox, tmp_path
):
    from support.fault_proxy import FaultProxy

    await attach(fresh_sandbox, PLAIN_WP, "report.bin", os.urandom(300_000), tmp_path)
    target = tmp_path / "downloads"
    target.mkdir()
    (target / "report.bin").write_bytes(b"mine, keep me")
    proxy = FaultProxy(fresh_sandbox.nepenthes_url, fresh_sandbox.nextcloud_url)
    # The body drips in, so the download is still under way when the user quits.
    proxy.add("drip", path=r"/api/v3/attachments/\d+/content", interval=0.3)
    try:
        app = make_app(
            proxy.nepenthes_url, fresh_sandbox.user("member").api_token, start_at=PLAIN_WP
        )
        async with app.run_test(size=SIZE) as pilot:
            await settle_on_work_package(pilot)
            highlight_attachment(app, "report.bin")
            await start_download(pilot, target)
            await quit_once_the_part_file_is_there(pilot, target)
    finally:
        proxy.stop()
    assert [p.name for p in target.iterdir()] == ["report.bin"]
    assert (target / "report.bin").read_bytes() == b"mine, keep me"
