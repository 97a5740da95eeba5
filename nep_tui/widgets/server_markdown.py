"""Markdown written by users of the server (a work package description), shown safely.

The text is data from the server: terminal escapes and control characters are removed before
and after parsing (character references such as `&#x202E;` decode to them), markup brackets
stay literal text, and links only ever reach the app's safe opener.

OpenProject stores rich text as Markdown with inline HTML in it, mostly mention tags
(`<mention class="mention" data-id="3" data-type="user" data-text="@Max">@Max</mention>`).
A terminal cannot show HTML, so tags are dropped and the text between them is kept: a mention
reads `@Max`, `<b>x</b>` reads `x`. Block-level HTML is not parsed as a block either (Textual
would drop such a block with all its text); its lines are read as a paragraph instead.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import NamedTuple
from urllib.parse import quote, unquote, urlsplit

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.token import Token
from textual import on
from textual.await_complete import AwaitComplete
from textual.binding import Binding
from textual.widgets import Markdown

from nep_tui.formatting import plain
from nep_tui.services import app_services, current_client

# The schemes a click may hand to a browser; others (file:, ssh:, custom handlers) could
# launch local programs.
WEB_SCHEMES = frozenset({"http", "https"})
# Characters a URL may carry as they are; Textual unquotes the href, so everything else
# (spaces, control characters, bidi marks, non-ASCII) is percent-encoded again.
_URL_SAFE = "!#$%&'()*+,/:;=?@[]~"
_LINE_BREAK_TAG = re.compile(r"<br\s*/?>", re.IGNORECASE)
# Tags whose boundary separates words, so dropping them must not glue `a</td><td>b` into `ab`.
_SEPARATING_TAG = re.compile(
    r"</?(?:p|div|li|ul|ol|dl|dt|dd|table|thead|tbody|tr|td|th|h[1-6]|figure|figcaption|"
    r"blockquote|pre|hr)\b",
    re.IGNORECASE,
)


def _clean_inline(children: list[Token]) -> list[Token]:
    """Inline tokens without HTML tags, with terminal-safe text."""
    cleaned: list[Token] = []
    for child in children:
        if child.type == "html_inline":
            if _LINE_BREAK_TAG.match(child.content):
                cleaned.append(Token("hardbreak", "br", 0))
            elif _SEPARATING_TAG.match(child.content) and cleaned and cleaned[-1].type == "text":
                cleaned.append(Token("text", "", 0, content=" "))
            continue
        child.content = plain(child.content)
        if child.children:
            child.children = _clean_inline(child.children)  # an image's alt text
        cleaned.append(child)
    return cleaned


def _server_text(state: StateCore) -> None:
    """Core rule: make every parsed token safe to show (see the module docstring)."""
    for token in state.tokens:
        if token.children is not None:
            token.children = _clean_inline(token.children)
        else:
            token.content = plain(token.content)  # fences show their text as it is


def server_markdown_parser() -> MarkdownIt:
    parser = MarkdownIt("gfm-like").disable("html_block")
    # Before text_join, so the text left where tags were merges with its neighbours.
    parser.core.ruler.before("text_join", "server_text", _server_text)
    return parser


class WebLink(NamedTuple):
    """A web link in the text: what it reads (plain) and its absolute URL."""

    text: str
    url: str


def _links_in(tokens: list[Token]) -> Iterator[tuple[str, str]]:
    """(text, href) of the links of a parsed text and its images, which are clickable too."""
    for token in tokens:
        text: list[str] | None = None  # inside a link while not None
        href = ""
        for child in token.children or ():
            if child.type == "link_open":
                href, text = str(child.attrs.get("href", "")), []
            elif child.type == "link_close" and text is not None:
                yield "".join(text).strip(), href
                text = None
            elif child.type == "image":
                alt = "".join(grandchild.content for grandchild in child.children or ())
                yield alt.strip(), str(child.attrs.get("src", ""))
            elif text is not None:
                text.append(" " if child.type in ("softbreak", "hardbreak") else child.content)


def link_url(href: str, absolute: Callable[[str], str]) -> str:
    """A clicked `href` as a full URL (relative ones resolved by `absolute`), safe to show."""
    return absolute(quote(href, safe=_URL_SAFE))


def is_web_url(url: str) -> bool:
    return urlsplit(url).scheme.lower() in WEB_SCHEMES


class ServerMarkdown(Markdown):
    """Server Markdown; focusable only when it overflows, so its keys can scroll it."""

    BINDINGS = [
        Binding(
            "up",
            "scroll_up",
            "Scroll up",
            show=False,
            id="markdown-scroll-up",
            tooltip="Scroll the text up.",
        ),
        Binding(
            "down",
            "scroll_down",
            "Scroll down",
            show=False,
            id="markdown-scroll-down",
            tooltip="Scroll the text down.",
        ),
        Binding(
            "pageup",
            "page_up",
            "Page up",
            show=False,
            id="markdown-page-up",
            tooltip="Scroll the text up by a page.",
        ),
        Binding(
            "pagedown",
            "page_down",
            "Page down",
            show=False,
            id="markdown-page-down",
            tooltip="Scroll the text down by a page.",
        ),
        Binding(
            "home",
            "scroll_home",
            "Top",
            show=False,
            id="markdown-top",
            tooltip="Go to the start of the text.",
        ),
        Binding(
            "end",
            "scroll_end",
            "End",
            show=False,
            id="markdown-end",
            tooltip="Go to the end of the text.",
        ),
    ]

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes, parser_factory=self._parser, open_links=False)
        self._links: tuple[tuple[str, str], ...] = ()

    def _parser(self) -> MarkdownIt:
        parser = server_markdown_parser()
        # Taken from the very parse the shown blocks are built from, so the two always agree
        # and the text is parsed once (in Textual's parsing thread).
        parser.core.ruler.push("collect_links", self._collect_links)
        return parser

    def _collect_links(self, state: StateCore) -> None:
        self._links = tuple(_links_in(state.tokens))

    @property
    def web_links(self) -> list[WebLink]:
        """The distinct web links of the text, as a click would open them, first one first.

        For the keyboard, which cannot click them.
        """
        links: dict[str, WebLink] = {}
        for text, href in self._links:
            # Textual unquotes a clicked href before it reaches `_open_link`; do the same.
            url = self._url(unquote(href))
            if is_web_url(url):
                links.setdefault(url, WebLink(text, url))
        return list(links.values())

    def allow_focus(self) -> bool:
        return self.max_scroll_y > 0

    def show(self, text: str, *, placeholder: str) -> AwaitComplete:
        """Show server `text`, or the (trusted, plain) `placeholder` in italics when empty."""
        text = plain(text).strip()
        return self.update(text if text else f"*{placeholder}*")

    def _url(self, href: str) -> str:
        return link_url(href, current_client(self).http.absolute)

    @on(Markdown.LinkClicked)
    def _open_link(self, event: Markdown.LinkClicked) -> None:
        event.stop()
        self.open_link(self._url(event.href))

    def open_link(self, url: str) -> None:
        """Hand the (absolute) `url` to the browser if it is a web link; say so if not."""
        if not is_web_url(url):
            self.notify(
                f"Only web links are opened from here; not opened: {url}",
                title="Link not opened",
                severity="warning",
                markup=False,
            )
            return
        app_services(self).safe_open_url(url)
