"""QR codes for the terminal, so a phone can open a login link shown over SSH.

Two modules share one character cell (Unicode upper/lower half blocks). The code is drawn
dark-on-light with explicit colours (black on bright white), so it scans on dark and light
terminal themes alike. With NO_COLOR the light modules are drawn as blocks instead, which
scans on the usual light-text-on-dark terminal.
"""

from __future__ import annotations

import segno

QUIET_ZONE = 2  # modules; the standard asks for 4, scanners are content with 2 on a screen
DARK_ON_LIGHT = "\x1b[30;107m"
RESET = "\x1b[0m"
# (top is drawn, bottom is drawn) -> character
_HALF_BLOCKS = {(False, False): " ", (True, False): "▀", (False, True): "▄", (True, True): "█"}


def qr_lines(data: str, *, color: bool = True) -> list[str]:
    """The QR code of `data` as terminal lines (each line covers two rows of modules)."""
    code = segno.make(data, error="l", micro=False)
    rows = [[bool(module) for module in row] for row in code.matrix_iter(border=QUIET_ZONE)]
    # With colours, dark modules are drawn in black; without, the light ones are drawn.
    drawn = [[module if color else not module for module in row] for row in rows]
    if len(drawn) % 2:
        drawn.append([not color] * len(drawn[0]))
    lines = []
    for top, bottom in zip(drawn[0::2], drawn[1::2], strict=True):
        text = "".join(_HALF_BLOCKS[pair] for pair in zip(top, bottom, strict=True))
        lines.append(f"{DARK_ON_LIGHT}{text}{RESET}" if color else text)
    return lines
