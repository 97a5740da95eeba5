"""The admin guide's troubleshooting cases (sandbox fault switches): met during the setup, each
gives one sentence naming the problem and the fix, and both servers answer as before; met by
`doctor`, each is named with its remedy."""

from __future__ import annotations

import httpx
import pytest
from support.admin import admin_nep, enable_in_project, nextcloud, servers_state, setup_args

SETUP_FAILURES = [
    ({"nextcloud_maintenance": True}, "Check Nextcloud", "Nextcloud is in maintenance mode"),
    (
        {"nextcloud_strips_authorization": True},
        "Check Nextcloud",
        'does not receive the "Authorization" header',
    ),
    (
        {"nextcloud_integration_app": "missing"},
        "Check Nextcloud",
        "Please add the following dependency: Integration OpenProject",
    ),
    (
        {"nextcloud_integration_app": "2.6.4"},
        "Check Nextcloud",
        "The Integration OpenProject app version is not supported",
    ),
    (
        {"nextcloud_team_folders_app": "missing"},
        "Check Nextcloud",
        "Please add the following dependency: Team Folders",
    ),
    (
        {"nextcloud_team_folders_app": "14.0.9"},
        "Check Nextcloud",
        "The Team Folders app version is not supported",
    ),
    (
        {"nextcloud_openproject_user_exists": True},
        "Set up the OpenProject Integration app in Nextcloud",
        'The user "OpenProject" already exists',
    ),
    ({"workers_down": True}, "Check Nextcloud", "No good_job processes are active"),
]
RESET = {
    "nextcloud_maintenance": False,
    "nextcloud_strips_authorization": False,
    "nextcloud_integration_app": None,
    "nextcloud_team_folders_app": None,
    "nextcloud_openproject_user_exists": False,
    "nextcloud_terms_unsigned": False,
    "workers_down": False,
    "app_password_invalid": False,
}


@pytest.fixture
def bare(tmp_path):
    from nep_tui.sandbox.server import start_in_thread

    running = start_in_thread(tmp_path / "bare", seed="bare")
    yield running
    running.stop()


def poke(sandbox) -> None:
    """One request, so a fault that changes data (the half-made user) has done so."""
    httpx.get(f"{sandbox.nextcloud_url}/status.php", timeout=10)


@pytest.mark.parametrize(("fault", "step", "problem"), SETUP_FAILURES)
def test_a_failed_setup_names_step_problem_and_fix_and_leaves_nothing(bare, fault, step, problem):
    bare.set_faults(**fault)
    poke(bare)
    bare.set_faults(**RESET)
    before = servers_state(bare)
    bare.set_faults(**fault)
    run = admin_nep(bare, *setup_args(bare, "--managed-folders"))
    bare.set_faults(**RESET)
    assert run.exit_code == 8, run.stderr
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1, run.stderr
    assert lines[0].startswith(f"error: Setup failed at step “{step}”: "), lines[0]
    assert problem in lines[0]
    assert "Nothing was left behind on either server" in lines[0]
    assert lines[0].endswith(")"), "the fix is named in parentheses"
    assert servers_state(bare) == before


def test_an_invalid_app_password_is_named_and_undone(bare):
    """Past the project-folder step only the OpenProject user, group and team folder stay:
    Nextcloud offers no API to remove them, and the next setup reuses them."""
    before = servers_state(bare)
    bare.set_faults(app_password_invalid=True)
    run = admin_nep(bare, *setup_args(bare, "--managed-folders"))
    bare.set_faults(**RESET)
    assert run.exit_code == 8
    assert "Application password is not valid" in run.stderr
    assert "the OpenProject user, group and team folder stay in Nextcloud" in run.stderr
    after = servers_state(bare)
    assert after["storages"] == before["storages"] == []
    assert after["admin_config"] == before["admin_config"]
    again = admin_nep(bare, *setup_args(bare, "--managed-folders"))
    assert again.exit_code == 0, again.stderr


def test_unsigned_terms_are_signed_during_the_setup(bare):
    bare.set_faults(nextcloud_terms_unsigned=True)
    run = admin_nep(bare, "--json", *setup_args(bare, "--managed-folders"))
    assert run.exit_code == 0, run.stderr
    assert any("Terms of Service" in step for step in run.json["steps"])


DOCTOR_FINDINGS = [
    ({"nextcloud_maintenance": True}, "Nextcloud is in maintenance mode"),
    ({"nextcloud_strips_authorization": True}, 'does not receive the "Authorization" header'),
    ({"nextcloud_integration_app": "missing"}, "dependency: Integration OpenProject"),
    ({"nextcloud_integration_app": "2.6.4"}, "Integration OpenProject app version"),
    ({"nextcloud_team_folders_app": "missing"}, "dependency: Team Folders"),
    ({"nextcloud_team_folders_app": "14.0.9"}, "Team Folders app version is not supported"),
    ({"workers_down": True}, "No good_job processes are active"),
]


@pytest.fixture
def set_up(bare):
    run = admin_nep(bare, "--json", *setup_args(bare, "--managed-folders"))
    assert run.exit_code == 0, run.stderr
    return bare


def doctor(sandbox):
    run = admin_nep(sandbox, "--json", "doctor", "--nextcloud-admin", "admin")
    failed = [check for check in run.json if not check["ok"]]
    return run, failed


def test_doctor_passes_on_a_fresh_setup(set_up):
    enable_in_project(set_up, 1, 1, "automatic")
    run, failed = doctor(set_up)
    admin_checks = [
        check
        for check in run.json
        if check["name"].endswith((": setup", ": Nextcloud side", ": project folders in Nextcloud"))
    ]
    assert admin_checks
    assert [check for check in failed if check in admin_checks] == []


@pytest.mark.parametrize(("fault", "problem"), DOCTOR_FINDINGS)
def test_doctor_names_each_problem_with_its_fix(set_up, fault, problem):
    set_up.set_faults(**fault)
    run, failed = doctor(set_up)
    assert run.exit_code == 1
    found = [check for check in failed if problem in check["detail"]]
    assert found, failed
    assert all(check["hint"] for check in found)


@pytest.mark.parametrize(
    "fault",
    [{"app_password_invalid": True}, {"nextcloud_terms_unsigned": True}],
)
def test_doctor_sees_project_folders_that_could_not_be_made(set_up, fault):
    set_up.set_faults(**fault)
    enable_in_project(set_up, 1, 1, "automatic")
    _, failed = doctor(set_up)
    found = [c for c in failed if "Not all project folders have been created yet" in c["detail"]]
    assert found, failed
    assert "application password" in found[0]["hint"]


def test_managed_folders_on_names_the_half_made_openproject_user(bare):
    run = admin_nep(bare, "--json", *setup_args(bare))
    assert run.exit_code == 0, run.stderr
    bare.set_faults(nextcloud_openproject_user_exists=True)
    poke(bare)
    managed = admin_nep(bare, "admin", "managed-folders", "1", "on", "--nextcloud-admin", "admin")
    assert 'The user "OpenProject" already exists' in managed.stderr


def test_a_second_setup_of_the_same_nextcloud_is_refused_cleanly(bare):
    first = admin_nep(bare, *setup_args(bare))
    assert first.exit_code == 0, first.stderr
    before = servers_state(bare)
    second = admin_nep(bare, *setup_args(bare))
    assert second.exit_code == 8
    assert (
        "Setup failed at step “Check Nextcloud”: the OpenProject Integration app" in second.stderr
    )
    assert servers_state(bare) == before
    nextcloud(bare).delete("/index.php/apps/integration_openproject/setup")
    third = admin_nep(bare, *setup_args(bare))
    assert third.exit_code == 8
    assert "Name has already been taken" in third.stderr
    assert "Host has already been taken" in third.stderr
    assert "nep-tui admin delete ID" in third.stderr
