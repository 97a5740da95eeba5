"""The projects the user can see, as a tree; type to filter, Enter opens the work packages."""

from __future__ import annotations

from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer, Input, Static

from nep_tui.api import shelves
from nep_tui.api.cache import recall
from nep_tui.api.errors import NepError, NetworkUnreachable
from nep_tui.api.models import Elements, Project
from nep_tui.formatting import unreadable
from nep_tui.services import current_client
from nep_tui.widgets.app_header import AppHeader
from nep_tui.widgets.error_state import ErrorState
from nep_tui.widgets.offline import NeedsServer
from nep_tui.widgets.project_tree import ProjectTree
from nep_tui.widgets.state_view import StateView
from nep_tui.widgets.worker_failures import ReportsWorkerFailures


class ProjectsScreen(NeedsServer, ReportsWorkerFailures, Screen[None]):
    CSS_PATH = "projects.tcss"
    AUTO_FOCUS = ""
    TITLE = "Projects"
    BINDINGS = [
        Binding(
            "ctrl+r", "reload", "Reload", id="projects-reload", tooltip="Load the projects again."
        ),
        Binding(
            "slash,ctrl+f",
            "focus_filter",
            "Filter",
            id="projects-filter",
            tooltip="Type to narrow the tree to matching projects.",
        ),
        Binding(
            "ctrl+g",
            "app.administration",
            "Administration",
            id="projects-administration",
            tooltip="File storages and the Nextcloud setup (administrators only).",
            show=False,
        ),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.projects: Elements[Project] = Elements()

    def compose(self) -> ComposeResult:
        yield AppHeader()
        yield Input(placeholder="Filter projects by name or identifier…", id="project-filter")
        yield StateView(
            ProjectTree(id="project-tree"),
            loading_text="Loading projects…",
            empty_text="You are not a member of any project yet.",
            id="projects-state",
        )
        yield Static(id="projects-count")
        yield Footer()

    def on_mount(self) -> None:
        self.load_projects()

    @property
    def project_tree(self) -> ProjectTree:
        return self.query_one(ProjectTree)

    @property
    def filter_input(self) -> Input:
        return self.query_one("#project-filter", Input)

    @property
    def state_view(self) -> StateView:
        return self.query_one(StateView)

    @work(exclusive=True, exit_on_error=False, group="projects", description="loading the projects")
    async def load_projects(self) -> None:
        client = current_client(self)
        header = self.query_one(AppHeader)
        cached = recall(client, shelves.PROJECTS)
        if cached is not None:
            self._show_projects(cached.value)
            header.show_cached(cached.fetched_at)
        else:
            self.state_view.show_loading()
        try:
            projects = await client.projects()
        except NetworkUnreachable as error:
            if cached is None:
                self._show_error(error)
            return  # what was last seen stays, under the offline banner
        except NepError as error:
            self._show_error(error)
            return
        header.show_cached(None)
        self._show_projects(projects)

    def server_back(self) -> None:
        self.load_projects()

    def _show_error(self, error: NepError) -> None:
        self.state_view.show_error(error)
        self.query_one("#error-retry").focus()

    def _show_projects(self, projects: Elements[Project]) -> None:
        self.projects = projects
        self._show_filtered()
        if self.projects and self.focused is not self.filter_input:
            self.project_tree.focus()

    def _show_filtered(self) -> None:
        lost = unreadable(self.projects.skipped, "project", "projects")
        if not self.projects:
            self.state_view.show_empty(f"{lost}." if lost else None)
            self.query_one("#projects-count", Static).update("")
            return
        needle = self.filter_input.value
        matched = self.project_tree.show_projects(self.projects, needle)
        if matched == 0:
            self.state_view.show_empty(f"No project matches “{needle.strip()}”.")
        else:
            self.state_view.show_content()
        count = (
            f"{len(self.projects)} projects"
            if not needle.strip()
            else (f"{matched} of {len(self.projects)} projects match")
        )
        self.query_one("#projects-count", Static).update(f"{count} · {lost}" if lost else count)

    @on(Input.Changed, "#project-filter")
    def _filter_changed(self) -> None:
        if self.projects:
            self._show_filtered()

    @on(Input.Submitted, "#project-filter")
    def _filter_submitted(self) -> None:
        project = self.project_tree.highlighted_project
        if project is not None:
            self.open_project(project)

    @on(ProjectTree.TypedAhead)
    def _typed_on_tree(self, event: ProjectTree.TypedAhead) -> None:
        self.filter_input.focus()
        self.filter_input.insert_text_at_cursor(event.character)

    @on(ProjectTree.ProjectChosen)
    def _project_chosen(self, event: ProjectTree.ProjectChosen) -> None:
        self.open_project(event.project)

    def open_project(self, project: Project) -> None:
        from nep_tui.screens.work_packages import WorkPackagesScreen

        self.app.push_screen(WorkPackagesScreen(project))

    def on_key(self, event: events.Key) -> None:
        # Down from the filter walks into the tree, as in a search box with results.
        if event.key == "down" and self.focused is self.filter_input:
            event.stop()
            self.project_tree.focus()

    @on(ErrorState.RetryRequested)
    def action_reload(self) -> None:
        self.load_projects()

    def action_focus_filter(self) -> None:
        self.filter_input.focus()
