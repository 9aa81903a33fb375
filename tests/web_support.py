"""Helpers for the browser tests: Debian's Chromium, a page that records what it asks the network for and what it
stores, and WCAG contrast arithmetic (the real server is ``api_support.RealServer``, shared with the API tests).

Everything talks to 127.0.0.1 only; the browser is launched with background networking off.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from playwright.sync_api import Browser, ConsoleMessage, Page, Request, Response, expect

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
TIMEOUT_MS = 30_000

UOZU = "162043"  # 魚津市, the embedded plan (the default municipality)
KASOU = "999008"  # 架空町, the fictional municipality of tests/fixtures/plans/kasou
# JYUSO_KB_DATA of a service with both: 魚津市 and 架空町
BOTH_TOWNS = f"{ROOT / 'data' / 'uozu'}:{ROOT / 'tests' / 'fixtures' / 'plans' / 'kasou'}"
STORAGE_KEY = "jyuso-kb.municipality"  # the one thing the page may store: the chosen municipality's code
UNSCOPED_API = ("/v1/municipalities", "/v1/workbook/template")  # the same for every municipality


@contextlib.contextmanager
def chromium() -> Iterator[Browser]:
    """The machine's Chromium, headless, closed at the end (installed by .ci/run-deps)."""
    from playwright.sync_api import sync_playwright

    assert CHROMIUM.exists(), f"{CHROMIUM} is missing: run .ci/run-deps (apt-get install -y chromium)"
    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            yield launched
        finally:
            launched.close()


def scoped(code: str, path: str) -> str:
    """``/v1/route`` as the page sends it for one municipality: ``/v1/municipalities/CODE/route``."""
    assert path.startswith("/v1/"), path
    return f"/v1/municipalities/{code}/{path[len('/v1/') :]}"


# ---- a recorded page ----------------------------------------------------------------------------------------------


@dataclass
class Recorder:
    """What the page asked the network for, and what went wrong in its scripts."""

    origin: str
    requests: list[Request] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def request(self, request: Request) -> None:
        self.requests.append(request)

    def console(self, message: ConsoleMessage) -> None:
        # API answers 4xx on purpose in some tests (and the page shows them); the browser logs each as an error.
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            self.errors.append(message.text)

    def response(self, response: Response) -> None:
        asset = not response.url.startswith(self.origin + "/v1/")
        if response.status >= 500 or (asset and response.status >= 400):
            self.errors.append(f"{response.status} {response.url}")

    def posts(self, path: str, code: str = UOZU) -> list[Request]:
        """The POSTs to ``path`` (``/v1/route``) for one municipality."""
        return [r for r in self.requests if r.method == "POST" and r.url == self.origin + scoped(code, path)]

    def api_paths(self) -> list[str]:
        return [urlsplit(r.url).path for r in self.requests if urlsplit(r.url).path.startswith("/v1/")]

    def check(self) -> None:
        foreign = [r.url for r in self.requests if not r.url.startswith(self.origin + "/")]
        assert not foreign, f"requests outside the test server: {foreign}"
        # Household data must never be in a URL: the only queries are the page's municipality and the template's.
        with_query = [r.url for r in self.requests if "?" in r.url and not allowed_query(r)]
        assert not with_query, f"URLs with a query string: {with_query}"
        # Every API call is for one municipality (or the same for all of them).
        unscoped = [
            p for p in self.api_paths() if not re.match(r"/v1/municipalities/\d{6}/", p) and p not in UNSCOPED_API
        ]
        assert not unscoped, f"API calls not for a municipality: {unscoped}"
        assert not self.errors, f"script errors: {self.errors}"


def allowed_query(request: Request) -> bool:
    parts = urlsplit(request.url)
    query = parse_qs(parts.query, keep_blank_values=True)
    if parts.path == "/" and request.resource_type == "document":
        return list(query) == ["municipality"] and all(re.fullmatch(r"\d{6}", v) for v in query["municipality"])
    return parts.path == "/v1/workbook/template" and sorted(query) == ["code", "name"]


STORAGE = """() => [Object.fromEntries(Object.entries(localStorage)), sessionStorage.length, document.cookie]"""


def stored(page: Page) -> dict[str, str]:
    """What the page keeps in localStorage (sessionStorage and cookies are checked to stay empty)."""
    local, session, cookie = page.evaluate(STORAGE)
    assert (session, cookie) == (0, ""), f"the page stored something: {session} {cookie}"
    return dict(local)


DESKTOP = (1280, 900)
PHONE = (390, 844)  # a small phone held upright


@contextlib.contextmanager
def recorded_page(
    browser: Browser, base_url: str, viewport: tuple[int, int] = DESKTOP, **options: Any
) -> Iterator[tuple[Page, Recorder]]:
    """A fresh browser context (nothing stored) on the server, ``viewport`` (width, height) CSS pixels wide and high
    (``options`` go to the context, e.g. ``accept_downloads``); on leaving, no request left the server, no URL held
    anything but a municipality code, no script failed and nothing but the chosen municipality's code was stored."""
    width, height = viewport
    context = browser.new_context(
        locale="ja-JP",
        viewport={"width": width, "height": height},
        service_workers="block",
        base_url=base_url,
        **options,
    )
    context.set_default_timeout(TIMEOUT_MS)
    recorder = Recorder(base_url)
    opened = context.new_page()
    opened.on("request", recorder.request)
    opened.on("pageerror", lambda exc: recorder.errors.append(str(exc)))
    opened.on("console", recorder.console)
    opened.on("response", recorder.response)
    try:
        yield opened, recorder
        recorder.check()
        local = stored(opened)
        assert set(local) <= {STORAGE_KEY}, f"the page stored something: {local}"
        assert all(re.fullmatch(r"\d{6}", v) for v in local.values()), f"the page stored something: {local}"
    finally:
        context.close()


# ---- audits run in the page: labels, names, one h1, no positive tabindex; text contrast of what is shown ----------

AUDIT = """() => {
  const problems = [];
  if (document.documentElement.lang !== 'ja') problems.push('html lang is not ja');
  for (const el of document.querySelectorAll('input, select, textarea')) {
    if (el.type === 'hidden') continue;
    const labels = [...(el.labels || [])].filter((l) => l.textContent.trim());
    if (!labels.length) problems.push(`no <label> for ${el.id || el.name || el.outerHTML.slice(0, 60)}`);
  }
  for (const el of document.querySelectorAll('button, a[href]')) {
    const name = (el.getAttribute('aria-label') || el.textContent || '').trim();
    if (!name) problems.push(`unnamed ${el.tagName.toLowerCase()}`);
  }
  if (document.querySelectorAll('main h1').length !== 1) problems.push('main has not exactly one h1');
  if (!document.querySelector('a.skip-link[href="#main"]')) problems.push('no skip link');
  for (const el of document.querySelectorAll('[onclick], [onmousedown], [onmouseover]'))
    problems.push(`inline mouse handler on ${el.tagName}`);
  for (const el of document.querySelectorAll('[tabindex]'))
    if (Number(el.getAttribute('tabindex')) > 0) problems.push('positive tabindex');
  return problems;
}"""

CONTRAST = """() => {
  const parse = (c) => { const m = c.match(/[\\d.]+/g).map(Number); return m.length > 3 ? m : [...m, 1]; };
  const lum = ([r, g, b]) => { const f = (v) => { v /= 255; return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b); };
  const background = (el) => { for (let e = el; e; e = e.parentElement) { const c = parse(getComputedStyle(e).backgroundColor);
    if (c[3] > 0) return c; } return [255, 255, 255, 1]; };
  const worst = [];
  for (const el of document.querySelectorAll('body *')) {
    if (!el.checkVisibility || !el.checkVisibility()) continue;
    if (el.closest('.visually-hidden')) continue;
    const text = [...el.childNodes].filter((n) => n.nodeType === 3 && n.textContent.trim()).map((n) => n.textContent).join('');
    if (!text.trim()) continue;
    const fg = parse(getComputedStyle(el).color), bg = background(el);
    const a = lum(fg), b = lum(bg); const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    if (ratio < 4.5) worst.push(`${ratio.toFixed(2)} ${el.tagName} ${text.trim().slice(0, 20)}`);
  }
  return worst;
}"""


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


def settled(pg: Page) -> None:
    """The view has its title and is no longer loading."""
    expect(pg.locator("main h1")).to_be_visible()
    expect(pg.locator("main")).not_to_have_attribute("aria-busy", "true")
