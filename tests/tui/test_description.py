"""The work package description: Markdown rendered, server text kept inert, links opened safely."""

from __future__ import annotations

from support.tui import make_app, settle, wait_for
from textual.command import CommandList, CommandPalette
from textual.widgets import Markdown

from nep_tui.api.client import NepenthesClient
from nep_tui.api.http import ApiTokenSource
from nep_tui.screens.work_package import WorkPackageScreen
from nep_tui.widgets.server_markdown import ServerMarkdown, is_web_url, link_url

MENTION = (
    '<mention class="mention" data-id="3" data-type="user" data-text="@Max Member">'
    "@Max Member</mention>"
)
DESCRIPTION = (
    "Kickoff on **26 January**, see [the plan](/work_packages/5).\n"
    "\n"
    f"- slides by {MENTION}\n"
    "- [bold red]not red[/] and [link=https://evil.example]click[/link]\n"
    "\n"
    "\x1b]8;;https://evil.example\x1b\\sneaky\x1b]8;;\x1b\\ \x1b[31mtext\x1b[0m &#x202E;end"
    " <div>in <b>html</b></div>\n"
)


def rendered_lines(app, widget) -> list[str]:
    """What the screen shows inside `widget` (without its border), one string per row."""
    region = widget.content_region
    strips = app.screen._compositor.render_strips()
    return [
        strips[y].crop(region.x, region.right).text.rstrip() for y in range(region.y, region.bottom)
    ]


async def app_with_description(sandbox, description: str):
    """The app as `member`, opening at a new work package with this description."""
    token = sandbox.user("member").api_token
    async with NepenthesClient(sandbox.nepenthes_url, ApiTokenSource(token)) as client:
        created = await client.create_work_package(
            "demo", type_id=1, subject="Described", description=description
        )
    return make_app(sandbox.nepenthes_url, token, start_at=created.id)


async def test_description_is_rendered_markdown_with_server_text_inert(fresh_sandbox):
    app = await app_with_description(fresh_sandbox, DESCRIPTION)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, WorkPackageScreen)
        description = app.screen.query_one("#wp-description", ServerMarkdown)
        text = "\n".join(rendered_lines(app, description))

        assert "Kickoff on 26 January, see the plan." in text  # no ** left, no link syntax
        assert "• slides by @Max Member" in text
        assert "<mention" not in text and "data-text" not in text
        assert "[bold red]not red[/] and [link=https://evil.example]click[/link]" in text
        assert "sneaky text end in html" in text  # escapes, bidi override and tags gone
        assert "\x1b" not in app.export_screenshot()

        strips = app.screen._compositor.render_strips()
        segments = [
            segment
            for y in range(description.region.y, description.region.bottom)
            for segment in strips[y]
            if segment.style
        ]
        # Only the Markdown link may be clickable, and it is an app action, never an OSC 8 link.
        assert not any(segment.style.link for segment in segments)
        bold = "".join(segment.text for segment in segments if segment.style.bold)
        assert bold == "26 January"

        paragraph = description.query("MarkdownParagraph").first()
        column = paragraph._content.plain.index("the plan")
        await pilot.click(paragraph, offset=(column + 1, 0))
        await pilot.pause()
        assert app.opened_urls == [f"{fresh_sandbox.nepenthes_url}/work_packages/5"]


async def test_empty_description_says_so_in_italics(fresh_sandbox):
    app = await app_with_description(fresh_sandbox, "  \n")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        description = app.screen.query_one("#wp-description", ServerMarkdown)
        assert rendered_lines(app, description) == ["No description."]
        assert description.query_one("MarkdownParagraph")._content.spans  # the italics


async def test_a_long_description_scrolls_inside_a_capped_block(fresh_sandbox):
    app = await app_with_description(
        fresh_sandbox, "\n\n".join(f"Paragraph {n}" for n in range(1, 31))
    )
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        description = app.screen.query_one("#wp-description", ServerMarkdown)
        assert description.outer_size.height <= 10
        assert app.screen.query_one("#wp-attachments").region.y < 22  # still in view below it
        # Overflowing, it becomes a stop for the keyboard, which then scrolls it.
        description.focus()
        await pilot.press("end")
        await pilot.pause()
        assert description.has_focus and description.scroll_y == description.max_scroll_y > 0
        assert "Paragraph 30" in "\n".join(rendered_lines(app, description))


async def test_links_other_than_web_links_are_not_opened(fresh_sandbox):
    app = await app_with_description(fresh_sandbox, "[run](ssh://evil.example/x)")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        description = app.screen.query_one("#wp-description", ServerMarkdown)
        description.post_message(Markdown.LinkClicked(description, "ssh://evil.example/x"))
        await pilot.pause()
        assert app.opened_urls == []


async def choose_in_palette(pilot, query: str) -> str:
    """Open the palette, type `query` and press enter; the chosen entry as shown."""
    await pilot.press("ctrl+p")
    await wait_for(pilot, lambda: isinstance(pilot.app.screen, CommandPalette))
    await pilot.press(*query)
    results = pilot.app.screen.query_one(CommandList)
    await wait_for(pilot, lambda: results.option_count > 0)
    shown = str(results.get_option_at_index(0).prompt)
    await pilot.press("enter")
    await wait_for(pilot, lambda: not isinstance(pilot.app.screen, CommandPalette))
    await pilot.pause()
    return shown


async def test_description_links_are_opened_from_the_palette(fresh_sandbox):
    app = await app_with_description(
        fresh_sandbox,
        "See [the plan](/work_packages/5), [the [b]spec[/b]](https://docs.example/spec?a=1)"
        " and [a shell](ssh://evil.example/x).\n\nThe [plan again](/work_packages/5).\n",
    )
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, WorkPackageScreen)
        # One entry per distinct web link; the ssh: link is not one.
        titles = [command.title for command in app.screen.palette_commands()]
        assert [title for title in titles if title.startswith("Open link:")] == [
            f"Open link: the plan — {fresh_sandbox.nepenthes_url}/work_packages/5",
            "Open link: the [b]spec[/b] — https://docs.example/spec?a=1",
        ]

        await choose_in_palette(pilot, "link the plan")
        assert app.opened_urls == [f"{fresh_sandbox.nepenthes_url}/work_packages/5"]

        shown = await choose_in_palette(pilot, "link spec")
        assert "the [b]spec[/b]" in shown  # the server's link text is never read as markup
        assert app.opened_urls[1:] == ["https://docs.example/spec?a=1"]


def absolute(path: str) -> str:
    from urllib.parse import urljoin

    return urljoin("https://op.example/", path)


def test_link_urls_are_absolute_and_free_of_control_characters():
    assert link_url("/work_packages/5", absolute) == "https://op.example/work_packages/5"
    assert link_url("https://x.example/a?b=1#c", absolute) == "https://x.example/a?b=1#c"
    # Textual unquotes hrefs; what reaches the opener (and the toast) is quoted again.
    assert link_url("https://x.example/\x1b]8;;\u202e a", absolute) == (
        "https://x.example/%1B]8;;%E2%80%AE%20a"
    )
    assert is_web_url("http://x.example/") and is_web_url("HTTPS://x.example/")
    assert not any(
        is_web_url(url) for url in ("ssh://h/x", "mailto:a@b.example", "file:///etc/passwd")
    )
