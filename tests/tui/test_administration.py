"""The administration screen and the setup wizard, pressed like an admin would, on a sandbox
without the integration (`--seed bare`); what they did is checked through both servers' APIs."""

from __future__ import annotations

import httpx
import pytest
from support.admin import api, enable_in_project, nextcloud_admin, servers_state, storages
from support.admin_tui import defaults, set_up, set_up_storage
from support.tui import app_for, settle, wait_for
from textual.widgets import Button, DataTable, Static

from nep_tui.api import admin_setup
from nep_tui.dialogs.ask_value import AskValueDialog
from nep_tui.dialogs.confirm import ConfirmDialog
from nep_tui.screens.administration import AdministrationScreen
from nep_tui.screens.projects import ProjectsScreen
from nep_tui.screens.setup_wizard import SetupWizardScreen


@pytest.fixture
def bare(tmp_path):
    from nep_tui.sandbox.server import start_in_thread

    running = start_in_thread(tmp_path / "bare", seed="bare")
    yield running
    running.stop()


async def open_wizard(pilot, sandbox) -> SetupWizardScreen:
    await pilot.app.push_screen(AdministrationScreen(defaults(sandbox)))
    await settle(pilot)
    return await open_wizard_here(pilot)


async def open_wizard_here(pilot) -> SetupWizardScreen:
    await pilot.press("s")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, SetupWizardScreen)
    return screen


async def accept_nextcloud_admin(pilot) -> None:
    """The Nextcloud admin's login, then password (masked), both prefilled: Enter on each."""
    for masked in (False, True):
        await wait_for(
            pilot,
            lambda masked=masked: (
                isinstance(pilot.app.screen, AskValueDialog) and pilot.app.screen.password is masked
            ),
        )
        await pilot.press("enter")


def text_of(screen, selector: str) -> str:
    return str(screen.query_one(selector, Static).render())


async def test_a_member_is_told_the_screen_is_for_admins(sandbox):
    app = app_for(sandbox, "member")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, ProjectsScreen)
        await pilot.press("ctrl+g")
        await settle(pilot)
        assert isinstance(app.screen, AdministrationScreen)
        assert app.screen.query_one("#admin-state").state == "error"
        assert "Only Nepenthes administrators" in text_of(app.screen, "#error-message")


async def test_the_wizard_sets_up_both_servers_and_shows_every_step_done(bare):
    app = app_for(bare, "admin")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        wizard = await open_wizard(pilot, bare)
        await pilot.click("#wizard-managed")
        await settle(pilot)
        assert wizard.managed_folders
        steps = admin_setup.setup_steps(managed_folders=True)
        assert all(wizard.steps.state_of(step) == "pending" for step in steps)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert [wizard.steps.state_of(step) for step in steps] == ["done"] * len(steps)
        assert "enable the storage in projects" in text_of(wizard, "#wizard-next")
        assert wizard.query_one("#wizard-password").value == ""
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, AdministrationScreen)
        assert app.screen.query_one(DataTable).row_count == 1
    [storage] = storages(bare)
    assert storage["name"] == "Nextcloud"
    assert storage["configured"] is True
    assert storage["hasApplicationPassword"] is True


def token_error(sandbox, client_id: str, secret: str) -> str:
    """What Nepenthes' token endpoint says to this client with a code it never issued: the
    secret is right when the client is accepted and only the code is refused."""
    answer = httpx.post(
        f"{sandbox.nepenthes_url}/oauth/token",
        data={"grant_type": "authorization_code", "code": "never-issued"},
        auth=(client_id, secret),
    )
    return answer.json()["error"]


async def test_the_wizard_shows_the_oauth_client_secret_only_when_asked(bare):
    app = app_for(bare, "admin")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        wizard = await open_wizard(pilot, bare)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert text_of(wizard, "#wizard-secret") == ""
        await pilot.click("#wizard-show-secret")
        await settle(pilot)
        note, secret = text_of(wizard, "#wizard-secret").splitlines()
        assert "shows it only once" in note
        assert app.clipboard == secret
    [storage] = storages(bare)
    application = storage["_links"]["oauthApplication"]["href"]
    client_id = api(bare, "admin").get(application).json()["clientId"]
    assert token_error(bare, client_id, secret) == "invalid_grant"
    assert token_error(bare, client_id, secret + "x") == "invalid_client"


async def test_a_failed_step_is_named_with_its_fix_and_both_servers_are_unchanged(bare):
    before = servers_state(bare)
    bare.set_faults(nextcloud_integration_app="missing")
    app = app_for(bare, "admin")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        wizard = await open_wizard(pilot, bare)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert wizard.steps.state_of(admin_setup.STEP_CHECK) == "failed"
        assert wizard.steps.state_of(admin_setup.STEP_STORAGE) == "pending"
        error = text_of(wizard, "#wizard-error")
        assert "Setup failed at step “Check Nextcloud”" in error
        assert "Please add the following dependency: Integration OpenProject" in error
        assert "What to do:" in error
        assert wizard.query_one("#wizard-run-button", Button).label.plain == "Retry"
        bare.set_faults(nextcloud_integration_app=None)
        assert servers_state(bare) == before
        await pilot.click("#wizard-run-button")
        await settle(pilot)
        assert wizard.steps.state_of(admin_setup.STEP_CREDENTIALS) == "done"
    assert [storage["configured"] for storage in storages(bare)] == [True]


async def test_delete_asks_first_and_says_the_file_links_go_with_it(bare):
    storage_id = await set_up_storage(bare)
    app = app_for(bare, "admin")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await app.push_screen(AdministrationScreen(defaults(bare)))
        await settle(pilot)
        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        assert "file link" in text_of(app.screen, "#confirm-detail")
        await pilot.press("n")
        await settle(pilot)
        assert [storage["id"] for storage in storages(bare)] == [storage_id]
        await pilot.press("d")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog))
        await pilot.press("y")
        await accept_nextcloud_admin(pilot)
        await settle(pilot)
        assert "Deleted storage" in text_of(app.screen, "#admin-status")
        assert app.screen.query_one("#admin-state").state == "empty"
    assert storages(bare) == []
    assert servers_state(bare)["admin_config"]["config_status_without_project_folder"] is False


async def test_managed_folders_are_turned_on_and_off(bare):
    await set_up_storage(bare)
    app = app_for(bare, "admin")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await app.push_screen(AdministrationScreen(defaults(bare)))
        await settle(pilot)
        for expected in (True, False):
            await pilot.press("m")
            await accept_nextcloud_admin(pilot)
            await settle(pilot)
            assert [s["hasApplicationPassword"] for s in storages(bare)] == [expected]


async def test_the_admin_demo_opens_here_with_the_sandbox_nextcloud_admin_prefilled(bare):
    from nep_tui import demo

    app = demo.AdminDemoApp(bare)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, AdministrationScreen)
        assert app.screen.query_one("#admin-state").state == "empty"
        wizard = await open_wizard_here(pilot)
        login, password = nextcloud_admin(bare)
        assert wizard.query_one("#wizard-url").value == bare.nextcloud_url
        assert wizard.query_one("#wizard-login").value == login
        field = wizard.query_one("#wizard-password")
        assert field.value == password and field.password


def test_demo_admin_starts_a_bare_sandbox(tmp_path, monkeypatch):
    from nep_tui import demo

    monkeypatch.setattr(demo, "demo_dir", lambda: tmp_path / "demo")
    seen = []
    monkeypatch.setattr(demo.AdminDemoApp, "run", lambda app: seen.append(storages(app.sandbox)))
    assert demo.run(admin=True) == 0
    assert seen == [[]]
    assert (tmp_path / "demo-admin" / "sandbox").is_dir()


async def test_each_storage_shows_its_projects_with_their_folder_modes(bare):
    storage_id = await set_up_storage(bare, managed_folders=True)
    for project_id, mode in ((2, "automatic"), (3, "inactive")):
        assert enable_in_project(bare, storage_id, project_id, mode).status_code < 400
    app = app_for(bare, "admin")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await app.push_screen(AdministrationScreen(defaults(bare)))
        await settle(pilot)
        detail = text_of(app.screen, "#admin-detail")
    assert "Website Relaunch: automatically managed folder" in detail
    assert "Mobile App: no specific folder" in detail
    assert f"/admin/settings/storages/{storage_id}/project_storages" in detail


async def replace_oauth(sandbox, secret: str) -> str:
    """Press o on the storage, give `secret` and the Nextcloud admin: the status line after."""
    app = app_for(sandbox, "admin")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await app.push_screen(AdministrationScreen(defaults(sandbox)))
        await settle(pilot)
        await pilot.press("o")
        await wait_for(pilot, lambda: isinstance(app.screen, AskValueDialog))
        assert app.screen.password
        app.screen.query_one("#ask-input").value = secret
        await pilot.press("enter")
        await accept_nextcloud_admin(pilot)
        await settle(pilot)
        return text_of(app.screen, "#admin-status")


async def test_replacing_the_nextcloud_oauth_values_gives_both_sides_a_new_client(bare):
    report = await set_up(bare)
    assert report.storage is not None and report.openproject_client_secret is not None
    before = storages(bare)[0]["_embedded"]["oauthClientCredentials"]["clientId"]
    status = await replace_oauth(bare, report.openproject_client_secret.get_secret_value())
    assert "new Nextcloud OAuth values" in status
    after = storages(bare)[0]
    assert after["configured"] is True
    assert after["_embedded"]["oauthClientCredentials"]["clientId"] != before


async def test_a_wrong_openproject_client_secret_changes_nothing(bare):
    report = await set_up(bare)
    assert report.openproject_client_secret is not None
    before = servers_state(bare), storages(bare)
    status = await replace_oauth(bare, report.openproject_client_secret.get_secret_value() + "x")
    assert "does not accept this OpenProject OAuth client secret" in status
    assert (servers_state(bare), storages(bare)) == before


async def test_the_wizard_says_which_field_is_missing_and_runs_nothing(bare):
    app = app_for(bare, "admin")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await app.push_screen(AdministrationScreen())
        await settle(pilot)
        wizard = await open_wizard_here(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "the Nextcloud URL" in text_of(wizard, "#wizard-next")
        assert "its password" in text_of(wizard, "#wizard-next")
        assert wizard.steps.state_of(admin_setup.STEP_CHECK) == "pending"
    assert storages(bare) == []


async def test_the_palette_offers_the_administration(sandbox):
    from nep_tui.commands import NepTuiCommands

    app = app_for(sandbox, "admin")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        [command] = [
            command
            for command in NepTuiCommands(app.screen)._commands()
            if command.title == "Administration"
        ]
        command.callback()
        await settle(pilot)
        assert isinstance(app.screen, AdministrationScreen)
        assert app.screen.query_one("#admin-state").state in ("content", "empty")
