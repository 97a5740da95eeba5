"""One work package: attributes and description, its attachments, its linked files, then its
activity with a comment box; keys change its fields through the server's update form."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from functools import partial
from pathlib import Path

from rich.table import Table
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Footer, Label, Static
from textual.worker import Worker, WorkerState

from nep_tui.api.activity import WorkPackageConflict, WorkPackageEdit
from nep_tui.api.detail import WorkPackageDetail, cached_work_package_detail, work_package_detail
from nep_tui.api.errors import NepError, NetworkUnreachable, ValidationFailed
from nep_tui.api.models import StorageFile, WorkPackage
from nep_tui.dialogs.ask_value import AskValueDialog
from nep_tui.dialogs.choose_value import Choice, ChooseValueDialog
from nep_tui.dialogs.confirm import ConfirmDialog
from nep_tui.dialogs.conflict import ConflictDialog
from nep_tui.dialogs.download_folder import DownloadFolderDialog
from nep_tui.dialogs.edit_text import EditTextDialog
from nep_tui.failures import sentence
from nep_tui.formatting import format_date, format_datetime, plain
from nep_tui.messages import UnreadCountChanged
from nep_tui.palette import PaletteCommand, work_package_link_commands
from nep_tui.screens.connect_nextcloud import ConnectNextcloudScreen
from nep_tui.screens.field_edits import (
    DATE_HINT,
    PERCENT_HINT,
    allowed_choices,
    check_date,
    check_percent,
    check_subject,
    describe_edit,
    linked_edit,
    parsed_date,
    parsed_percent,
    user_choices,
)
from nep_tui.screens.folder_picker import FolderPickerScreen, PickerPurpose
from nep_tui.screens.link_report import LinkFilesScreen
from nep_tui.screens.storage_browser import StorageBrowserScreen
from nep_tui.screens.upload import UploadScreen
from nep_tui.services import current_client
from nep_tui.widgets.activity_timeline import ActivityTimeline
from nep_tui.widgets.app_header import AppHeader
from nep_tui.widgets.attachments_pane import AttachmentsPane
from nep_tui.widgets.comment_box import CommentBox
from nep_tui.widgets.error_state import ErrorState
from nep_tui.widgets.files_pane import FilesPane
from nep_tui.widgets.offline import NeedsServer
from nep_tui.widgets.server_markdown import ServerMarkdown
from nep_tui.widgets.transfer_pane import TransferPane
from nep_tui.widgets.worker_failures import ReportsWorkerFailures


def attributes_table(work_package: WorkPackage) -> Table:
    """Label/value pairs in two columns; every value is server text, so plain Text only."""
    pairs = [
        ("Type", work_package.type_name),
        (
            "Status",
            (work_package.status_name or "") + (" (closed)" if work_package.status_closed else ""),
        ),
        ("Priority", work_package.priority_name),
        ("Version", work_package.version_name),
        ("Assignee", work_package.assignee_name or "Unassigned"),
        ("Accountable", work_package.responsible_name),
        ("Project", work_package.project_name),
        ("Start", format_date(work_package.start_date)),
        ("Due", format_date(work_package.due_date)),
        (
            "Done",
            f"{work_package.percentage_done} %" if work_package.percentage_done is not None else "",
        ),
        ("Updated", format_datetime(work_package.updated_at)),
    ]
    shown = [(label, value) for label, value in pairs if value]
    grid = Table.grid(padding=(0, 2))
    for _ in range(2):
        grid.add_column(style="bold", no_wrap=True)
        grid.add_column(overflow="ellipsis", no_wrap=True, max_width=30)
    for index in range(0, len(shown), 2):
        cells: list[Text] = []
        for label, value in shown[index : index + 2]:
            cells += [Text(label), Text(plain(value))]
        grid.add_row(*cells)
    return grid


class WorkPackageScreen(NeedsServer, ReportsWorkerFailures, Screen[None]):
    CSS_PATH = "work_package.tcss"
    # The panes focus their first list once it has loaded.
    AUTO_FOCUS = ""
    EDIT_ACTIONS = frozenset(
        {
            "edit_status",
            "edit_priority",
            "edit_assignee",
            "edit_responsible",
            "edit_type",
            "edit_version",
            "edit_done",
            "edit_subject",
            "edit_description",
            "edit_start_date",
            "edit_due_date",
        }
    )
    SERVER_ACTIONS = frozenset({"attach", "comment"}) | EDIT_ACTIONS

    BINDINGS = [
        Binding(
            "ctrl+r", "reload", "Reload", id="wp-reload", tooltip="Load the work package again."
        ),
        Binding(
            "tab",
            "app.focus_next",
            "Next pane",
            show=False,
            id="wp-next-pane",
            tooltip="Move to the next list.",
        ),
        # The pane's own "a" needs focus inside it, and a pane without attachments has nothing
        # to focus, though it tells the user to press a.
        Binding(
            "a",
            "attach",
            "Attach",
            show=False,
            id="wp-attach",
            tooltip="Upload local files as attachments of this work package.",
        ),
        # Letters the panes' lists do not take; dates in capitals next to s for status.
        Binding("s", "edit_status", "Status", id="wp-status", tooltip="Change the status."),
        Binding("w", "edit_assignee", "Assignee", id="wp-assignee", tooltip="Assign it."),
        Binding("p", "edit_priority", "Priority", id="wp-priority", tooltip="Change the priority."),
        Binding("m", "comment", "Comment", id="wp-comment", tooltip="Write a comment."),
        Binding(
            "W",
            "edit_responsible",
            "Accountable",
            show=False,
            id="wp-responsible",
            tooltip="Change who is accountable.",
        ),
        Binding("y", "edit_type", "Type", show=False, id="wp-type", tooltip="Change the type."),
        Binding(
            "v",
            "edit_version",
            "Version",
            show=False,
            id="wp-version",
            tooltip="Change the version it is planned for.",
        ),
        Binding(
            "percent_sign",
            "edit_done",
            "% done",
            show=False,
            id="wp-done",
            tooltip="Change how much of it is done.",
        ),
        Binding(
            "t",
            "edit_subject",
            "Subject",
            show=False,
            id="wp-subject",
            tooltip="Change the subject.",
        ),
        Binding(
            "e",
            "edit_description",
            "Description",
            show=False,
            id="wp-description-edit",
            tooltip="Change the description.",
        ),
        Binding(
            "S",
            "edit_start_date",
            "Start date",
            show=False,
            id="wp-start",
            tooltip="Change the start date.",
        ),
        Binding(
            "D",
            "edit_due_date",
            "Finish date",
            show=False,
            id="wp-due",
            tooltip="Change the finish date.",
        ),
    ]

    def __init__(self, work_package_id: int, *, at_activity: bool = False) -> None:
        super().__init__()
        self.work_package_id = work_package_id
        self.work_package: WorkPackage | None = None
        self.focus_to_restore: Widget | None = None
        # Opened from a notification: the comment box gets the focus once the activity is in.
        self.at_activity = at_activity

    def compose(self) -> ComposeResult:
        yield AppHeader()
        with VerticalScroll(id="wp-body"):
            yield Label(f"#{self.work_package_id}", id="wp-heading")
            yield ErrorState(id="wp-error")
            yield Static(id="wp-attributes")
            yield ServerMarkdown(id="wp-description")
            yield AttachmentsPane(id="wp-attachments")
            yield FilesPane(id="wp-files")
            yield Label("Activity", classes="pane-title")
            yield ActivityTimeline(id="wp-activity")
            yield CommentBox(id="wp-comment")
        yield Footer()

    def on_mount(self) -> None:
        # Focus belongs to the lists inside; the scrolling body itself is not a stop.
        self.query_one("#wp-body").can_focus = False
        self.query_one("#wp-error").display = False
        self.query_one(CommentBox).work_package_id = self.work_package_id
        self.action_reload()

    def action_reload(self) -> None:
        # Loading takes the focus away; once loaded, it goes back where the user was.
        self.focus_to_restore = self.focused
        self.query_one("#wp-body").loading = True
        self._load()

    @work(
        exclusive=True,
        group="work-package",
        exit_on_error=False,
        description="loading the work package",
    )
    async def _load(self) -> WorkPackageDetail | None:
        client = current_client(self)
        cached = cached_work_package_detail(client, self.work_package_id)
        if cached is not None:
            await self._show(cached.value)
            self.query_one(AppHeader).show_cached(cached.fetched_at)
            self.query_one("#wp-body").loading = False
        try:
            return await work_package_detail(client, self.work_package_id)
        except NetworkUnreachable:
            if cached is None:
                raise
            return None  # what was last seen stays, under the offline banner

    def server_back(self) -> None:
        self.action_reload()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in self.EDIT_ACTIONS and (
            self.work_package is None or not self.work_package.can_update
        ):
            return False
        return self.server_action_state(action)

    @on(Worker.StateChanged)
    async def _loaded(self, event: Worker.StateChanged) -> None:
        if event.worker.group != "work-package" or not event.worker.is_finished:
            return
        self.query_one("#wp-body").loading = False
        # After the work package, which is what the screen opens on: never delayed by it.
        self.query_one(ActivityTimeline).reload(self.work_package_id)
        error = self.query_one("#wp-error", ErrorState)
        error.display = event.state is WorkerState.ERROR
        if event.state is WorkerState.ERROR and event.worker.error is not None:
            error.show_error(event.worker.error)
            return
        if event.state is WorkerState.SUCCESS and isinstance(
            event.worker.result, WorkPackageDetail
        ):
            self.query_one(AppHeader).show_cached(None)
            await self._show(event.worker.result)
            # Counted once the screen is complete: it never delays the work package.
            self.post_message(UnreadCountChanged())

    def action_attach(self) -> None:
        if self.refused_offline():
            return
        self.query_one(AttachmentsPane).action_add_attachment()

    @on(ErrorState.RetryRequested)
    def _retry(self) -> None:
        self.action_reload()

    async def _show(self, detail: WorkPackageDetail) -> None:
        work_package = self.work_package = detail.work_package
        self.sub_title = f"#{work_package.display_id}"
        heading = f"{plain(work_package.type_name or '')} #{work_package.display_id} · "
        self.query_one("#wp-heading", Label).update(Content(heading + plain(work_package.subject)))
        self.query_one("#wp-attributes", Static).update(attributes_table(work_package))
        attachments, files = self.query_one(AttachmentsPane), self.query_one(FilesPane)
        # Decided before either pane changes: replacing a focused list moves the focus on.
        # A screen just opened starts in the files.
        was_on = self.focused or self.focus_to_restore
        in_attachments = was_on is not None and attachments in was_on.ancestors_with_self
        in_files = was_on is None or files in was_on.ancestors_with_self
        await attachments.show(work_package, detail.attachments, take_focus=in_attachments)
        await files.show(work_package, detail.file_sections, take_focus=in_files)
        if was_on is not None and not (in_attachments or in_files) and was_on.is_attached:
            was_on.focus()
        self.focus_to_restore = None
        # Awaited: Markdown parses in a thread, and the load is handled once all of it is shown.
        await self.query_one("#wp-description", ServerMarkdown).show(
            work_package.description, placeholder="No description."
        )

    # --- activity and comments ----------------------------------------------------------------

    def action_comment(self) -> None:
        box = self.query_one(CommentBox)
        box.focus_text()
        box.scroll_visible(animate=False)

    @on(ActivityTimeline.Loaded)
    def _activity_loaded(self) -> None:
        if self.at_activity:
            self.at_activity = False
            self.action_comment()

    @on(CommentBox.Sent)
    def _comment_sent(self) -> None:
        self.query_one(ActivityTimeline).reload(self.work_package_id)

    # --- field edits, through the update form ----------------------------------------------

    def action_edit_status(self) -> None:
        self._choose_allowed("status")

    def action_edit_priority(self) -> None:
        self._choose_allowed("priority")

    def action_edit_type(self) -> None:
        self._choose_allowed("type")

    def action_edit_version(self) -> None:
        self._choose_allowed("version", none_label="No version")

    @work(group="wp-edit", exit_on_error=False, description="asking which values are allowed")
    async def _choose_allowed(self, field: str, none_label: str | None = None) -> None:
        """`none_label`: the field may be unset, and this choice does it."""
        work_package = self.work_package
        if work_package is None or self.refused_offline():
            return
        try:
            form = await current_client(self).update_form(work_package, WorkPackageEdit())
        except NepError as error:
            self._not_saved(error)
            return
        if not form.has_field(field):
            self.notify(
                f"This server has no {field} for #{work_package.display_id}.",
                title="Nothing to change",
                markup=False,
            )
            return
        current = getattr(work_package, f"{field}_id")
        choices = allowed_choices(form.allowed_values(field), current, none_label=none_label)

        def chosen(choice: Choice[int | None] | None) -> None:
            if choice is not None and not choice.current:
                self._save(linked_edit(field, choice.value), choice.label)

        title = f"{field.capitalize()} of #{work_package.display_id}"
        self.app.push_screen(ChooseValueDialog(title, choices), chosen)

    def action_edit_assignee(self) -> None:
        self._choose_user("assignee", "Assignee", "Nobody (unassign)")

    def action_edit_responsible(self) -> None:
        self._choose_user("responsible", "Accountable", "Nobody")

    @work(group="wp-edit", exit_on_error=False, description="loading the available assignees")
    async def _choose_user(self, field: str, name: str, none_label: str) -> None:
        """Assignee and accountable are chosen among the same assignable members, as the
        real schema links both to the work package's available assignees."""
        work_package = self.work_package
        if work_package is None or self.refused_offline():
            return
        try:
            users = await current_client(self).available_assignees(work_package.id)
        except NepError as error:
            self._not_saved(error)
            return

        def chosen(choice: Choice[int | None] | None) -> None:
            if choice is not None and not choice.current:
                self._save(linked_edit(field, choice.value), choice.label)

        self.app.push_screen(
            ChooseValueDialog(
                f"{name} of #{work_package.display_id}",
                user_choices(users, getattr(work_package, f"{field}_id"), none_label),
            ),
            chosen,
        )

    def action_edit_subject(self) -> None:
        work_package = self.work_package
        if work_package is None:
            return

        def typed(value: str | None) -> None:
            if value is not None and value.strip() != work_package.subject:
                self._save(WorkPackageEdit(subject=value.strip()), value.strip())

        self.app.push_screen(
            AskValueDialog(
                f"Subject of #{work_package.display_id}",
                plain(work_package.subject),
                check=check_subject,
            ),
            typed,
        )

    def action_edit_start_date(self) -> None:
        if self.work_package is not None:
            start = self.work_package.start_date
            self._ask_date("Start date", start, lambda day: WorkPackageEdit(start_date=day))

    def action_edit_due_date(self) -> None:
        if self.work_package is not None:
            due = self.work_package.due_date
            self._ask_date("Finish date", due, lambda day: WorkPackageEdit(due_date=day))

    def _ask_date(
        self, name: str, current: date | None, edit: Callable[[date | None], WorkPackageEdit]
    ) -> None:
        work_package = self.work_package
        if work_package is None:
            return

        def typed(value: str | None) -> None:
            if value is not None and parsed_date(value) != current:
                self._save(edit(parsed_date(value)), value.strip() or "(empty)")

        self.app.push_screen(
            AskValueDialog(
                f"{name} of #{work_package.display_id}",
                format_date(current),
                hint=DATE_HINT,
                check=check_date,
            ),
            typed,
        )

    def action_edit_done(self) -> None:
        work_package = self.work_package
        if work_package is None:
            return
        current = work_package.percentage_done

        def typed(value: str | None) -> None:
            if value is not None and parsed_percent(value) != current:
                done = parsed_percent(value)
                self._save(
                    WorkPackageEdit(percentage_done=done),
                    "(empty)" if done is None else f"{done} %",
                )

        self.app.push_screen(
            AskValueDialog(
                f"% done of #{work_package.display_id}",
                "" if current is None else str(current),
                hint=PERCENT_HINT,
                check=check_percent,
            ),
            typed,
        )

    def action_edit_description(self) -> None:
        work_package = self.work_package
        if work_package is None:
            return

        def written(text: str | None) -> None:
            if text is not None and text != work_package.description:
                self._save(WorkPackageEdit(description=text), "the new text")

        self.app.push_screen(
            EditTextDialog(
                f"Description of #{work_package.display_id}", plain(work_package.description)
            ),
            written,
        )

    @work(group="wp-save", exit_on_error=False, description="saving a change")
    async def _save(self, edit: WorkPackageEdit, label: str, on: WorkPackage | None = None) -> None:
        base = on or self.work_package
        if base is None or self.refused_offline():
            return
        mine = describe_edit(edit, label)
        try:
            await current_client(self).update_work_package(base, edit)
        except WorkPackageConflict as conflict:
            current = conflict.current

            def answered(reapply: bool | None) -> None:
                if reapply:
                    self._save(edit, label, on=current)
                else:
                    self.notify(f"Dropped: {mine}", title="Not saved", markup=False)
                    self.action_reload()

            self.app.push_screen(ConflictDialog(conflict, mine), answered)
            return
        except NepError as error:
            self._not_saved(error)
            return
        self.notify(f"Saved: {mine}", markup=False)
        self.action_reload()

    def _not_saved(self, error: NepError) -> None:
        title = "Not saved"
        if isinstance(error, ValidationFailed) and error.details:
            title = f"Not saved: {', '.join(plain(field) for field in error.details)}"
        self.notify(sentence(error), title=title, severity="error", markup=False)

    # --- what the panes ask for ------------------------------------------------------------

    @on(TransferPane.RemovalRequested)
    def _confirm_removal(self, event: TransferPane.RemovalRequested) -> None:
        removal, pane = event.removal, event.pane

        def answered(yes: bool | None) -> None:
            if yes:
                pane.remove_confirmed(removal)

        self.app.push_screen(
            ConfirmDialog(
                removal.question,
                plain(removal.name),
                detail=removal.detail,
                confirm_label=removal.confirm_label,
            ),
            answered,
        )

    @on(TransferPane.DownloadRequested)
    def _ask_download_folder(self, event: TransferPane.DownloadRequested) -> None:
        name, fetch, pane = event.name, event.fetch, event.pane
        self._ask_where(name, lambda folder: pane.download(name, folder, fetch))

    @on(TransferPane.FolderDownloadRequested)
    def _ask_folder_download_folder(self, event: TransferPane.FolderDownloadRequested) -> None:
        name, fetch, pane = event.name, event.fetch, event.pane
        self._ask_where(name, lambda folder: pane.download_folder(name, folder, fetch))

    def _ask_where(self, name: str, start: Callable[[Path], object]) -> None:
        def chosen(folder: Path | None) -> None:
            if folder is not None:
                start(folder)

        self.app.push_screen(DownloadFolderDialog(name), chosen)

    @on(TransferPane.UploadRequested)
    def _upload(self, event: TransferPane.UploadRequested) -> None:
        pane = event.pane
        self.app.push_screen(
            UploadScreen(event.work_package, event.storage), lambda _: pane.action_reload()
        )

    @on(FilesPane.ConnectRequested)
    def _connect(self, event: FilesPane.ConnectRequested) -> None:
        pane = event.pane
        self.app.push_screen(
            ConnectNextcloudScreen(event.storage),
            lambda connected: pane.action_reload() if connected else None,
        )

    @on(FilesPane.BrowseRequested)
    def _browse(self, event: FilesPane.BrowseRequested) -> None:
        self.app.push_screen(StorageBrowserScreen(event.storage.id, project_id=event.project_id))

    @on(FilesPane.LinkExistingRequested)
    def _link_existing(self, event: FilesPane.LinkExistingRequested) -> None:
        pane, work_package, storage = event.pane, event.work_package, event.storage

        def picked(files: list[StorageFile] | None) -> None:
            if files:
                self.app.push_screen(
                    LinkFilesScreen(work_package, storage, files), lambda _: pane.action_reload()
                )

        self.app.push_screen(
            FolderPickerScreen(
                storage.id,
                purpose=PickerPurpose.LINK_FILES,
                project_id=work_package.project_id,
                title=f"Link existing files to #{work_package.display_id}",
                linked_ids=event.linked_ids,
            ),
            picked,
        )

    # --- command palette -----------------------------------------------------------------

    def palette_commands(self) -> Iterable[PaletteCommand]:
        yield from work_package_link_commands(self, self.work_package_id)
        number = f"#{self.work_package_id}"
        yield PaletteCommand(
            f"Comment on {number}", "Write in the comment box.", self.action_comment
        )
        yield PaletteCommand(
            "Show earlier activity",
            "Add the previous entries to the timeline.",
            self.query_one(ActivityTimeline).action_earlier,
        )
        yield PaletteCommand(f"Reload {number}", "Load it again.", self.action_reload)
        yield PaletteCommand(f"Attach files to {number}", "Upload local files.", self.action_attach)
        for binding in self.BINDINGS:
            if isinstance(binding, Binding) and binding.action in self.EDIT_ACTIONS:
                if self.check_action(binding.action, ()):
                    yield PaletteCommand(
                        f"Change {binding.description.lower()} of {number}",
                        binding.tooltip,
                        getattr(self, f"action_{binding.action}"),
                    )
        description = self.query_one("#wp-description", ServerMarkdown)
        for link in description.web_links:
            label = f"{link.text} — {link.url}" if link.text else link.url
            yield PaletteCommand(
                plain(f"Open link: {label}"),
                "Open this link of the description.",
                partial(description.open_link, link.url),
            )
