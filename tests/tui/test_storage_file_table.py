"""The storage file table draws only what is on screen, so a 10,000-entry folder costs nothing
more to show than a small one; keys move the cursor, typing goes to the filter."""

from __future__ import annotations

from datetime import UTC, datetime

from textual.app import App, ComposeResult

from nep_tui.api.models import StorageFile
from nep_tui.widgets.storage_file_table import StorageFileTable

SIZE = (80, 12)
ENTRIES = 10_000
MODIFIED = datetime(2026, 1, 14, 10, 0, tzinfo=UTC)


def entries(count: int) -> list[StorageFile]:
    return [
        StorageFile(
            id=str(index),
            name=f"file-{index:05d}.txt",
            size=index,
            location=f"/big/file-{index:05d}.txt",
            readable=True,
            last_modified_at=MODIFIED,
        )
        for index in range(count)
    ]


class TableApp(App[None]):
    def __init__(self, files: list[StorageFile]) -> None:
        super().__init__()
        self.files = files
        self.messages: list[object] = []
        self.lines_rendered = 0

    def compose(self) -> ComposeResult:
        yield StorageFileTable(id="table")

    def on_mount(self) -> None:
        table = self.query_one(StorageFileTable)
        table.focus()
        table.show(self.files, frozenset({"1"}))

    def on_storage_file_table_highlighted(self, message: StorageFileTable.Highlighted) -> None:
        self.messages.append(message)

    def on_storage_file_table_selected(self, message: StorageFileTable.Selected) -> None:
        self.messages.append(message)

    def on_storage_file_table_filter_key(self, message: StorageFileTable.FilterKey) -> None:
        self.messages.append(message)


def screen_text(app: App) -> str:
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


async def test_a_huge_folder_renders_only_the_lines_on_screen(monkeypatch):
    rendered: list[int] = []
    original = StorageFileTable.render_line

    def counting(self, y):
        rendered.append(y)
        return original(self, y)

    monkeypatch.setattr(StorageFileTable, "render_line", counting)
    app = TableApp(entries(ENTRIES))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        table = app.query_one(StorageFileTable)
        assert table.virtual_size.height == ENTRIES + 1
        assert max(rendered) < SIZE[1]
        rendered.clear()
        await pilot.press("end")
        await pilot.pause()
        assert table.cursor_row == ENTRIES - 1
        assert "file-09999.txt" in screen_text(app)
        assert 0 < len(rendered) <= 3 * SIZE[1]


async def test_keys_move_the_cursor_and_keep_it_on_screen():
    app = TableApp(entries(100))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        table = app.query_one(StorageFileTable)
        text = screen_text(app)
        assert "Name" in text and "Modified" in text
        assert "✓ · file-00001.txt" in text
        await pilot.press("down", "down")
        assert table.cursor_row == 2
        await pilot.press("pagedown")
        assert table.cursor_row == 2 + table.page_rows
        await pilot.press("end")
        await pilot.pause()
        assert table.cursor_row == 99
        assert table.scroll_y == 100 + 1 - SIZE[1]
        await pilot.press("up", "home")
        await pilot.pause()
        assert table.cursor_row == 0 and table.scroll_y == 0
        await pilot.press("up")
        assert table.cursor_row == 0
        highlighted = [m.index for m in app.messages if isinstance(m, StorageFileTable.Highlighted)]
        assert highlighted[-1] == 0 and 99 in highlighted


async def test_the_cursor_stays_on_screen_when_the_window_gets_lower():
    app = TableApp(entries(100))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("end")
        await pilot.resize_terminal(SIZE[0], SIZE[1] - 4)
        await pilot.pause()
        assert "file-00099.txt" in screen_text(app)


async def test_typing_goes_to_the_filter_and_enter_or_click_selects():
    app = TableApp(entries(20))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("a", "space", "left", "enter")
        await pilot.click(StorageFileTable, offset=(10, 3))
        await pilot.pause()
        kinds = [
            (type(m).__name__, getattr(m, "character", getattr(m, "index", None)))
            for m in app.messages
            if not isinstance(m, StorageFileTable.Highlighted)
        ]
        assert kinds == [("FilterKey", "a"), ("FilterKey", "\b"), ("Selected", 0), ("Selected", 2)]
        # Space is not a filter character: it marks, one level up.
        assert app.query_one(StorageFileTable).cursor_row == 2


async def test_server_text_is_shown_literally_on_one_line():
    odd = StorageFile(
        id="x",
        name="[bold]not bold[/bold]\nsecond\x1b[31m line",
        size=1,
        readable=True,
        last_modified_at=MODIFIED,
    )
    locked = StorageFile(id="y", name="secret.txt", size=1, readable=False)
    app = TableApp([odd, locked])
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        text = screen_text(app)
        assert "[bold]not bold[/bold] second line" in text
        assert "secret.txt  (no permission)" in text
