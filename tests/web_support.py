"""Helpers for the browser tests: Debian's Chromium and WCAG contrast arithmetic (the real server is
``api_support.RealServer``, shared with the API tests).

Everything talks to 127.0.0.1 only; the browser is launched with background networking off.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WEB = ROOT / "src" / "jyuso_kb" / "serve" / "web"
SCREENSHOTS = ROOT / "test-output" / "screenshots"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--lang=ja-JP",
]


# ---- WCAG 2.x contrast ------------------------------------------------------------------------------------------


def parse_colour(text: str) -> tuple[float, float, float]:
    """#rgb, #rrggbb (alpha forms are refused: contrast needs an opaque colour) or rgb()/rgba() with alpha 1."""
    text = text.strip().lower()
    if text.startswith("#"):
        digits = text[1:]
        if len(digits) == 3:
            digits = "".join(c * 2 for c in digits)
        if len(digits) != 6:
            raise ValueError(f"not an opaque hex colour: {text}")
        return (int(digits[0:2], 16), int(digits[2:4], 16), int(digits[4:6], 16))
    match = re.fullmatch(r"rgba?\(\s*([\d.]+)[,\s]+([\d.]+)[,\s]+([\d.]+)(?:[,/\s]+([\d.]+))?\s*\)", text)
    if not match or (match.group(4) is not None and float(match.group(4)) != 1.0):
        raise ValueError(f"not an opaque colour: {text}")
    return (float(match.group(1)), float(match.group(2)), float(match.group(3)))


def luminance(rgb: tuple[float, float, float]) -> float:
    def channel(c: float) -> float:
        c = c / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    la, lb = sorted((luminance(parse_colour(a)), luminance(parse_colour(b))), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def css_variables(css: str) -> dict[str, str]:
    """The custom properties of the stylesheet's ``:root`` block."""
    block = re.search(r":root\s*\{(.*?)\}", css, re.S)
    assert block, "style.css has no :root block"
    return dict(re.findall(r"--([\w-]+)\s*:\s*([^;]+);", block.group(1)))
