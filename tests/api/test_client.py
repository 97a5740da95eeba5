"""NepenthesClient against the sandbox over real HTTP: reads on the shared demo sandbox,
changes and faults on a sandbox of this module's own."""

from __future__ import annotations

import socket

import pytest

from nep_tui.api import errors as err
from nep_tui.api import models as m
from nep_tui.api.client import NepenthesClient
from nep_tui.api.http import ApiTokenSource

DEMO_WP = 1  # "Prepare kickoff presentation", carries every file-link state


def client_for(sandbox, login: str = "member") -> NepenthesClient:
    return NepenthesClient(sandbox.nepenthes_url, ApiTokenSource(sandbox.user(login).api_token))


@pytest.fixture
async def member(sandbox):
    async with client_for(sandbox) as client:
        yield client


@pytest.fixture(scope="module")
def own_sandbox(tmp_path_factory):
    from nep_tui.sandbox.server import start_in_thread

    running = start_in_thread(tmp_path_factory.mktemp("api-client"), seed="demo")
    yield running
    running.stop()


@pytest.fixture
async def own(own_sandbox):
    """A member client on this module's own sandbox; faults are cleared afterwards."""
    async with client_for(own_sandbox) as client:
        yield client
    own_sandbox.set_faults(reset=True)


# --- reads on the shared demo sandbox ------------------------------------------------------------


async def test_me_and_configuration(member):
    me = await member.me()
    assert (me.login, me.admin) == ("member", False)
    configuration = await member.configuration()
    assert configuration.maximum_api_v3_page_size and configuration.maximum_api_v3_page_size > 0


async def test_projects_tree_search_and_identifier(member):
    projects = {p.identifier: p for p in await member.projects()}
    assert {"demo", "website", "mobile", "mobile-backend"} <= set(projects)
    assert "research" not in projects  # member is not a member there
    assert projects["mobile-backend"].parent_id == projects["mobile"].id
    assert projects["website"].parent_id == projects["demo"].id
    found = await member.projects(search="Mobile")
    assert {p.identifier for p in found} == {"mobile", "mobile-backend"}
    assert (await member.project("demo")).id == projects["demo"].id


async def test_work_packages_page_lazily(member):
    first = await member.work_packages_page(None, page=1, page_size=5, open_only=False)
    assert first.page == 1 and first.page_size == 5 and len(first.elements) == 5
    assert first.total > 5 and first.has_next
    everything = [wp async for wp in member.iter_work_packages(None, page_size=5, open_only=False)]
    assert len(everything) == first.total
    assert len({wp.id for wp in everything}) == first.total

    iterator = member.iter_work_packages(None, page_size=5, open_only=False)
    assert (await anext(iterator)).id == first.elements[0].id  # only one page fetched so far
    await iterator.aclose()


async def test_open_only_and_search_filters(member):
    everything = [wp async for wp in member.iter_work_packages("demo", open_only=False)]
    open_ones = [wp async for wp in member.iter_work_packages("demo")]
    assert any(wp.status_closed for wp in everything)
    assert open_ones and not any(wp.status_closed for wp in open_ones)
    assert len(open_ones) < len(everything)
    found = await member.work_packages_page("demo", search="kickoff presentation", open_only=False)
    assert DEMO_WP in {wp.id for wp in found.elements}
    mine = [
        wp async for wp in member.iter_work_packages(None, assigned_to_me=True, open_only=False)
    ]
    assert mine and {wp.assignee_name for wp in mine} == {(await member.me()).name}


async def test_work_package_details(member):
    wp = await member.work_package(DEMO_WP)
    assert wp.subject == "Prepare kickoff presentation" and wp.project_name == "Nepenthes Demo"
    assert wp.type_name and wp.status_name and wp.status_closed is False
    assert wp.can_add_file_link and wp.lock_version >= 0


async def test_work_package_schema_and_form(member):
    schema = await member.work_package_schema("demo", 1)
    assert "subject" in schema.required_writable and "type" in schema.required_writable
    assert schema.fields["subject"].label == "Subject"
    assert not schema.fields["id"].writable
    form = await member.work_package_form("demo", type_id=1, subject="")
    assert not form.valid and "subject" in form.validation_errors
    assert "subject" in form.required_fields


async def test_lookups(member):
    assert {t.name for t in await member.types("demo")} >= {"Task", "Bug", "Feature", "Milestone"}
    statuses = {s.name: s for s in await member.statuses()}
    assert statuses["Closed"].is_closed and not statuses["New"].is_closed
    priorities = {p.name: p for p in await member.priorities()}
    assert priorities["Normal"].is_default


async def test_file_links_carry_every_status(member):
    links = await member.file_links(DEMO_WP)
    statuses = {link.status for link in links}
    assert {
        m.FileLinkStatus.VIEW_ALLOWED,
        m.FileLinkStatus.NOT_FOUND,
        m.FileLinkStatus.VIEW_NOT_ALLOWED,
    } <= statuses
    assert any(link.is_folder for link in links)
    assert all(link.storage_id == 1 for link in links)


async def test_open_and_download_urls_are_read_from_303(member, sandbox):
    link = next(
        link
        for link in await member.file_links(DEMO_WP)
        if link.status is m.FileLinkStatus.VIEW_ALLOWED and not link.is_folder
    )
    open_url = await member.file_link_open_url(link.id)
    assert open_url.startswith(sandbox.nextcloud_url) and "openfile=1" in open_url
    assert "openfile=0" in await member.file_link_open_url(link.id, location=True)
    assert (await member.file_link_download_url(link.id)).startswith(sandbox.nextcloud_url)


async def test_storages_and_project_storages(member):
    storages = await member.storages()
    assert [(s.id, s.type) for s in storages] == [(1, "Nextcloud")]
    storage = await member.storage(1)
    assert storage.authorization_state is m.AuthorizationState.CONNECTED
    assert storage.can_upload_project_ids
    demo = await member.project("demo")
    [project_storage] = await member.project_storages(demo.id)
    assert project_storage.storage_id == 1 and project_storage.project_folder_id


async def test_storage_browsing_by_location(member):
    root = await member.storage_files(1, "/")
    assert root.parent.location == "/"
    folder = next(f for f in root.files if f.is_folder)
    inside = await member.storage_files(1, folder.location)
    assert inside.parent.location == folder.location
    assert [a.location for a in inside.ancestors][:1] == ["/"]


async def test_one_storage_file_by_id(member):
    root = await member.storage_files(1, "/")
    folder = next(f for f in root.files if f.is_folder)
    again = await member.storage_file(1, folder.id)
    assert (again.id, again.name, again.is_folder) == (folder.id, folder.name, True)


async def test_create_folder(own):
    demo, folder_id = await project_folder(own)
    created = await own.create_folder(1, parent_id=folder_id, name="Made by the API tests")
    assert created.is_folder and created.name == "Made by the API tests"
    listing = await own.storage_files(1, f"/OpenProject/{demo.name} ({demo.id})")
    assert created.id in {f.id for f in listing.files}


async def test_work_packages_of_a_linked_file(member):
    link = next(
        link
        for link in await member.file_links(DEMO_WP)
        if link.status is m.FileLinkStatus.VIEW_ALLOWED
    )
    linked = await member.work_packages_of_file(1, link.origin_id)
    assert DEMO_WP in {wp.id for wp in linked}


async def test_notifications_and_reasons(member):
    unread = await member.notifications(unread_only=True)
    assert unread and not any(n.read for n in unread)
    assert {
        "mentioned",
        "assigned",
        "responsible",
        "watched",
        "commented",
        "dateAlert",
        "shared",
    } <= {n.reason.value for n in unread}
    assert await member.unread_count() == len(unread)
    everything = await member.notifications()
    assert len(everything) > len(unread) and any(n.read for n in everything)


# --- errors from real faults -----------------------------------------------------------------------


async def test_not_found_and_hidden_projects(member):
    with pytest.raises(err.NotFound):
        await member.work_package(999999)
    with pytest.raises(err.NotFound):
        await member.project("research")


async def test_a_rejected_api_token(sandbox):
    async with NepenthesClient(
        sandbox.nepenthes_url, ApiTokenSource("opapi-" + "0" * 64)
    ) as client:
        with pytest.raises(err.NotLoggedIn) as caught:
            await client.me()
    assert "API token" in caught.value.message and "0000" not in str(caught.value)


async def test_nobody_listens_on_the_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]

    async def no_wait(_seconds: float) -> None:
        return None

    async with NepenthesClient(
        f"http://127.0.0.1:{port}", ApiTokenSource("x"), sleep=no_wait
    ) as client:
        with pytest.raises(err.NetworkUnreachable) as caught:
            await client.me()
    assert "127.0.0.1" in caught.value.message


async def test_invalid_query_is_a_bad_request(member):
    with pytest.raises(err.BadRequest):
        await member.http.request("GET", "/api/v3/work_packages", params={"filters": "[{"})


async def test_newcomer_is_not_connected_to_nextcloud(sandbox):
    async with client_for(sandbox, "newcomer") as newcomer:
        storage = await newcomer.storage(1)
        assert storage.authorization_state is m.AuthorizationState.NOT_CONNECTED
        assert storage.authorize_url
        with pytest.raises(err.NextcloudNotConnected) as caught:
            await newcomer.storage_files(1, "/")
        assert caught.value.authorize_url == storage.authorize_url
        link = (await newcomer.file_links(DEMO_WP))[0]
        with pytest.raises(err.NextcloudNotConnected):
            await newcomer.file_link_download_url(link.id)


async def test_nextcloud_unreachable(own, own_sandbox):
    own_sandbox.set_faults(nextcloud_unreachable=True)
    with pytest.raises(err.NextcloudUnreachable) as caught:
        await own.storage_files(1, "/")
    assert caught.value.hint
    assert (await own.storage(1)).authorization_state is m.AuthorizationState.ERROR
    statuses = {link.status for link in await own.file_links(DEMO_WP)}
    assert statuses == {m.FileLinkStatus.ERROR}


async def test_validation_failed_names_the_field(own):
    demo = await own.project("demo")
    task = next(t for t in await own.types(demo) if t.name == "Task")
    with pytest.raises(err.ValidationFailed) as caught:
        await own.create_work_package(demo, type_id=task.id, subject="")
    assert "subject" in caught.value.details


async def test_permission_denied(member):
    # Only the admin may flip the sandbox's fault switches: a real 403 MissingPermission.
    with pytest.raises(err.PermissionDenied):
        await member.http.request("POST", "/sandbox/faults", json={"delay_ms": 0})


# --- changes on this module's own sandbox ------------------------------------------------------


async def test_create_work_package(own):
    demo = await own.project("demo")
    task = next(t for t in await own.types(demo) if t.name == "Task")
    form = await own.work_package_form(demo, type_id=task.id, subject="Checked first")
    assert form.valid
    created = await own.create_work_package(
        demo, type_id=task.id, subject="Written by the API tests", description="Some *markdown*"
    )
    assert created.id and created.subject == "Written by the API tests"
    assert (await own.work_package(created.id)).description == "Some *markdown*"


async def project_folder(client: NepenthesClient) -> tuple[m.Project, str]:
    demo = await client.project("demo")
    [project_storage] = await client.project_storages(demo.id)
    return demo, project_storage.project_folder_id


async def test_upload_link_download_round_trip(own, tmp_path):
    demo, folder_id = await project_folder(own)
    source = tmp_path / "round trip.bin"
    source.write_bytes(b"nep-tui" * 50_000)
    seen: list[tuple[int, int | None]] = []
    uploaded = await own.upload_file(
        1,
        project_id=demo.id,
        folder_id=folder_id,
        path=source,
        progress=lambda done, total: seen.append((done, total)),
    )
    assert uploaded.file_name == "round trip.bin" and not uploaded.replaced
    assert seen[-1] == (source.stat().st_size, source.stat().st_size)

    with pytest.raises(err.FileNameExists):
        await own.upload_file(1, project_id=demo.id, folder_id=folder_id, path=source)
    both = await own.upload_file(
        1, project_id=demo.id, folder_id=folder_id, path=source, overwrite=False
    )
    assert both.file_name != uploaded.file_name and both.file_id != uploaded.file_id
    replaced = await own.upload_file(
        1, project_id=demo.id, folder_id=folder_id, path=source, overwrite=True
    )
    assert replaced.replaced and replaced.file_id == uploaded.file_id

    listing = await own.storage_files(1, f"/OpenProject/{demo.name} ({demo.id})")
    file = next(f for f in listing.files if f.id == uploaded.file_id)
    result = await own.create_file_links(DEMO_WP, 1, [file])
    assert not result.failed and result.linked[0].origin_id == uploaded.file_id

    out = tmp_path / "out"
    out.mkdir()
    path = await own.download_file_link(result.linked[0].id, out)
    assert path == out / "round trip.bin" and path.read_bytes() == source.read_bytes()
    with pytest.raises(err.DownloadTargetExists):
        await own.download_file_link(result.linked[0].id, out)
    assert path.read_bytes() == source.read_bytes()

    await own.delete_file_link(result.linked[0].id)
    assert result.linked[0].id not in {link.id for link in await own.file_links(DEMO_WP)}


async def test_too_large_and_quota(own, own_sandbox, tmp_path):
    demo, folder_id = await project_folder(own)
    source = tmp_path / "big.bin"
    source.write_bytes(b"x" * 4096)
    own_sandbox.set_faults(upload_limit_bytes=1000)
    with pytest.raises(err.TooLarge) as caught:
        await own.upload_file(1, project_id=demo.id, folder_id=folder_id, path=source)
    assert caught.value.limit_bytes == 1000
    own_sandbox.set_faults(reset=True)
    own_sandbox.set_faults(quota_bytes={"member": 100})
    with pytest.raises(err.QuotaExceeded):
        await own.upload_file(1, project_id=demo.id, folder_id=folder_id, path=source)


async def test_link_batches_report_failures_per_file(own):
    root = await own.storage_files(1, "/")
    demo = await own.project("demo")
    folder = await own.storage_files(1, f"/OpenProject/{demo.name} ({demo.id})")
    good = [f for f in folder.files + root.files if not f.name.startswith(".")][:3]
    bogus = m.StorageFile(id="", name="", mime_type="text/plain")
    files = good * 8 + [bogus]  # 25 entries: two batches, the second one has a bad file
    progress: list[tuple[int, int | None]] = []
    result = await own.create_file_links(
        DEMO_WP, 1, files, progress=lambda done, total: progress.append((done, total))
    )
    assert [file for file, _error in result.failed] == [bogus]
    assert isinstance(result.failed[0][1], (err.ValidationFailed, err.BadRequest))
    assert {link.origin_id for link in result.linked} == {f.id for f in good}
    assert progress == [(20, 25), (25, 25)]


async def test_attachments_round_trip(own, tmp_path):
    source = tmp_path / "notes.txt"
    source.write_text("attachment body\n")
    attachment = await own.upload_attachment(DEMO_WP, source)
    assert attachment.file_name == "notes.txt" and attachment.file_size == source.stat().st_size
    assert attachment.id in {a.id for a in await own.attachments(DEMO_WP)}
    target = await own.download_attachment(attachment.id, tmp_path / "copy.txt")
    assert target.read_text() == "attachment body\n"
    await own.delete_attachment(attachment.id)
    assert attachment.id not in {a.id for a in await own.attachments(DEMO_WP)}


async def test_mark_notifications_read(own):
    unread = await own.notifications(unread_only=True)
    await own.mark_notification_read(unread[0].id)
    assert await own.unread_count() == len(unread) - 1
    await own.mark_all_notifications_read()
    assert await own.unread_count() == 0


async def test_a_folder_is_never_overwritten_by_a_file(own, tmp_path):
    demo, folder_id = await project_folder(own)
    await own.create_folder(1, parent_id=folder_id, name="Clash")
    source = tmp_path / "Clash"
    source.write_text("a file named like a folder")
    with pytest.raises(err.Conflict) as caught:
        await own.upload_file(
            1, project_id=demo.id, folder_id=folder_id, path=source, overwrite=True
        )
    assert not isinstance(caught.value, err.FileNameExists) and "folder" in caught.value.message


async def test_local_files_that_cannot_be_read_or_written_are_typed_errors(own, tmp_path):
    with pytest.raises(err.LocalFileError) as gone:
        await own.upload_attachment(DEMO_WP, tmp_path / "gone.txt")
    assert "gone.txt" in gone.value.message
    with pytest.raises(err.LocalFileError):
        await own.upload_attachment(DEMO_WP, tmp_path)

    source = tmp_path / "kept.txt"
    source.write_text("kept\n")
    attachment = await own.upload_attachment(DEMO_WP, source)
    nowhere = tmp_path / "no such folder" / "copy.txt"
    with pytest.raises(err.LocalFileError) as unwritable:
        await own.download_attachment(attachment.id, nowhere)
    assert str(nowhere) in unwritable.value.message
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kept.txt"]
    await own.delete_attachment(attachment.id)
