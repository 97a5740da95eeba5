"""The work package's own attachments: upload, download, delete (after confirmation)."""

from __future__ import annotations

from pathlib import Path

from textual import on, work
from textual.binding import Binding
from textual.content import Content
from textual.widgets import Button, Label, OptionList
from textual.widgets.option_list import Option

from nep_tui.api.models import Attachment
from nep_tui.failures import sentence
from nep_tui.services import current_client
from nep_tui.widgets.file_row import attachment_row
from nep_tui.widgets.transfer_pane import Progress, Removal, TransferPane


class AttachmentList(OptionList):
    def __init__(self, attachments: list[Attachment]) -> None:
        super().__init__(
            *(Option(attachment_row(a), id=str(a.id)) for a in attachments), classes="attachments"
        )
        self.attachments = attachments

    @property
    def highlighted_attachment(self) -> Attachment | None:
        return None if self.highlighted is None else self.attachments[self.highlighted]


class AttachmentsPane(TransferPane):
    BINDINGS = [
        Binding(
            "a",
            "add_attachment",
            "Attach",
            id="attachment-add",
            tooltip="Upload local files as attachments of this work package.",
        ),
        Binding(
            "d",
            "download_attachment",
            "Download",
            id="attachment-download",
            tooltip="Download the attachment to a folder of your choice.",
        ),
        Binding(
            "x,delete",
            "delete_attachment",
            "Delete",
            id="attachment-delete",
            tooltip="Delete the attachment (asks first).",
        ),
        Binding(
            "r", "reload", "Reload", id="attachment-reload", tooltip="Load the attachments again."
        ),
    ]

    TITLE = "Attachments"
    SERVER_ACTIONS = frozenset({"add_attachment", "download_attachment", "delete_attachment"})
    LOAD_GROUP = "attachments"

    def action_reload(self) -> None:
        if self.work_package is None:
            return
        self.query_one(".pane-body").loading = True
        self._load(self.work_package.id)

    @work(exclusive=True, group=LOAD_GROUP, exit_on_error=False, description="loading attachments")
    async def _load(self, work_package_id: int) -> list[Attachment]:
        return await current_client(self).attachments(work_package_id)

    async def show_outcome(self, outcome: object, *, take_focus: bool) -> None:
        body = self.query_one(".pane-body")
        body.loading = False
        # The list's own highlight: while the screen loads, nothing has the focus.
        shown = next(iter(self.query(AttachmentList)), None)
        kept = shown.highlighted_attachment if shown else None
        await body.remove_children()
        if isinstance(outcome, BaseException):
            await body.mount(
                Label(
                    Content(f"The attachments could not be fetched. {sentence(outcome)}"),
                    classes="pane-error",
                ),
                Button("Retry", id="attachments-retry", classes="pane-retry"),
            )
        elif isinstance(outcome, list) and outcome:
            attachments = AttachmentList(outcome)
            await body.mount(attachments)
            if take_focus:
                ids = [each.id for each in outcome]
                attachments.highlighted = ids.index(kept.id) if kept and kept.id in ids else 0
                attachments.focus()
        else:
            await body.mount(
                Label("No attachments. Press a to attach files.", classes="pane-empty")
            )
        self.refresh_bindings()

    @property
    def highlighted_attachment(self) -> Attachment | None:
        focused = self.screen.focused
        return focused.highlighted_attachment if isinstance(focused, AttachmentList) else None

    @on(OptionList.OptionHighlighted)
    def _highlight_changed(self) -> None:
        self.refresh_bindings()

    def on_descendant_focus(self) -> None:
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if not self.server_action_state(action):
            return None
        if action == "download_attachment":
            return self.highlighted_attachment is not None
        if action == "delete_attachment":
            attachment = self.highlighted_attachment
            return attachment is not None and attachment.can_delete
        if action == "add_attachment":
            return self.work_package is not None
        return True

    @on(Button.Pressed, "#attachments-retry")
    def _retry(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_reload()

    def action_download_attachment(self) -> None:
        attachment = self.highlighted_attachment
        if attachment is None:
            return
        client = current_client(self)

        async def fetch(target: Path, progress: Progress) -> Path:
            return await client.download_attachment(attachment.id, target, progress=progress)

        self.request_download(attachment.file_name, fetch)

    def action_delete_attachment(self) -> None:
        attachment = self.highlighted_attachment
        if attachment is None:
            return
        client = current_client(self)
        self.request_removal(
            Removal(
                "Delete this attachment?",
                attachment.file_name,
                detail="It is removed from the work package for everyone.",
                confirm_label="Delete",
                remove=lambda: client.delete_attachment(attachment.id),
                done="Deleted",
                failed_title="Not deleted",
            )
        )

    def action_add_attachment(self) -> None:
        # Also called by the screen's own key, which the footer does not guard.
        if self.work_package is not None and not self.refused_offline():
            self.post_message(self.UploadRequested(self, self.work_package, None))
