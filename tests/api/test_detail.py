"""The work-package detail in one API call: independent requests at once, failures per part."""

from __future__ import annotations

import httpx

from nep_tui.api.client import NepenthesClient
from nep_tui.api.detail import work_package_detail
from nep_tui.api.errors import NepError
from nep_tui.api.http import ApiTokenSource

WITH_FILES = 1


class RecordingTransport(httpx.AsyncBaseTransport):
    """Passes every request to the real transport and notes when each started and ended."""

    def __init__(self) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.events: list[tuple[str, str]] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.events.append(("start", request.url.path))
        response = await self.inner.handle_async_request(request)
        await response.aread()
        self.events.append(("end", request.url.path))
        return response

    async def aclose(self) -> None:
        await self.inner.aclose()


async def test_detail_fetches_the_independent_parts_at_once(sandbox, member_token):
    transport = RecordingTransport()
    client = NepenthesClient(
        sandbox.nepenthes_url, ApiTokenSource(member_token), transport=transport
    )
    async with client:
        detail = await work_package_detail(client, WITH_FILES)
    assert detail.work_package.id == WITH_FILES
    assert not isinstance(detail.attachments, NepError)
    assert not isinstance(detail.file_sections, NepError)
    assert any(section.links for section in detail.file_sections)

    paths = [path for kind, path in transport.events if kind == "start"]
    assert "/api/v3/projects" not in paths
    first_answer = next(i for i, (kind, _) in enumerate(transport.events) if kind == "end")
    asked_at_once = {path for _, path in transport.events[:first_answer]}
    wp = f"/api/v3/work_packages/{WITH_FILES}"
    assert {wp, f"{wp}/attachments"} <= asked_at_once
    # The file links' first request (the page size, or the links themselves) goes out too.
    assert asked_at_once & {"/api/v3/configuration", f"{wp}/file_links"}


async def test_a_failing_part_leaves_the_others(sandbox, member_token):
    class FileLinksRefused(RecordingTransport):
        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            # A real server refuses file links only for a missing permission, which the demo
            # seed's member has everywhere, hence this one refusal made up here.
            if request.url.path.endswith("/file_links"):
                return httpx.Response(
                    403,
                    json={
                        "_type": "Error",
                        "errorIdentifier": "urn:openproject-org:api:v3:errors:MissingPermission",
                        "message": "You are not authorized to access this resource.",
                    },
                )
            return await super().handle_async_request(request)

    client = NepenthesClient(
        sandbox.nepenthes_url, ApiTokenSource(member_token), transport=FileLinksRefused()
    )
    async with client:
        detail = await work_package_detail(client, WITH_FILES)
        assert isinstance(detail.file_sections, NepError)
        assert not isinstance(detail.attachments, NepError)
        assert detail.work_package.id == WITH_FILES


async def test_the_work_package_failing_is_raised(sandbox, member_token):
    async with NepenthesClient(sandbox.nepenthes_url, ApiTokenSource(member_token)) as client:
        try:
            await work_package_detail(client, 999_999)
        except NepError as error:
            assert "not" in str(error).lower()
        else:
            raise AssertionError("a missing work package must raise")
