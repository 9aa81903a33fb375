"""Security headers: ``X-Content-Type-Options: nosniff`` on every kind of response, and a Content-Security-Policy on
the /docs pages (Swagger UI) that allows their one inline script by its hash, proved to work in a real browser."""

from __future__ import annotations

import base64
import contextlib
import hashlib
import socket
import time
from collections.abc import Iterator
from html.parser import HTMLParser
from typing import Any

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import ConsoleMessage, expect

from jyuso_kb.serve.h11_errors import BODY

from .api_support import RealServer
from .web_support import chromium as launch_chromium

MiB = 1024 * 1024
TTL = {"content-type": "text/turtle"}

# (what, method, path, keyword arguments, status, content type it starts with)
RESPONSES: list[tuple[str, str, str, dict[str, Any], int, str]] = [
    ("json", "GET", "/v1/programs", {}, 200, "application/json"),
    ("json-ld", "GET", "/v1/catalog", {"headers": {"accept": "application/ld+json"}}, 200, "application/ld+json"),
    ("csv", "GET", "/v1/catalog", {"headers": {"accept": "text/csv"}}, 200, "text/csv"),
    ("turtle", "GET", "/v1/catalog", {"headers": {"accept": "text/turtle"}}, 200, "text/turtle"),
    ("health", "GET", "/health", {}, 200, "application/json"),
    ("route (plain ASGI endpoint)", "POST", "/v1/route", {"json": {"needs": ["親の介護"]}}, 200, "application/json"),
    ("web page", "GET", "/", {}, 200, "text/html"),
    ("web asset", "GET", "/web/app.js", {}, 200, "text/javascript"),
    ("docs page", "GET", "/docs", {}, 200, "text/html"),
    ("docs asset", "GET", "/docs/assets/swagger-ui-bundle.js", {}, 200, "text/javascript"),
    ("openapi", "GET", "/openapi.json", {}, 200, "application/json"),
    ("options", "OPTIONS", "/v1/programs", {}, 204, ""),
    ("error 400", "POST", "/v1/validate", {"content": b"<urn:a> <urn:b> .", "headers": TTL}, 400, "application/json"),
    ("error 404", "GET", "/v1/no-such-endpoint", {}, 404, "application/json"),
    ("error 404 of an id", "GET", "/v1/programs/nope", {}, 404, "application/json"),
    ("error 405", "DELETE", "/v1/needs", {}, 405, "application/json"),
    ("error 413", "POST", "/v1/validate", {"content": b"#" * (10 * MiB + 1), "headers": TTL}, 413, "application/json"),
    ("error 414", "GET", "/v1/programs", {"params": {"q": "x" * 5000}}, 414, "application/json"),
    (
        "error 415",
        "POST",
        "/v1/validate",
        {"content": b"<a/>", "headers": {"content-type": "text/xml"}},
        415,
        "application/json",
    ),
    (
        "error 422",
        "POST",
        "/v1/route",
        {"content": b"{", "headers": {"content-type": "application/json"}},
        422,
        "application/json",
    ),
]


@pytest.mark.parametrize(
    ("what", "method", "path", "kwargs", "status", "content_type"), RESPONSES, ids=[r[0] for r in RESPONSES]
)
def test_every_kind_of_response_says_nosniff_once(
    api: TestClient, what: str, method: str, path: str, kwargs: dict[str, Any], status: int, content_type: str
) -> None:
    response = api.request(method, path, **kwargs)
    assert response.status_code == status, response.text[:300]
    assert response.headers.get("content-type", "").startswith(content_type)
    assert response.headers.get_list("x-content-type-options") == ["nosniff"]


class _InlineScripts(HTMLParser):
    """The text of every <script> without ``src`` (what a CSP hash covers: the element's text, byte for byte)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.scripts: list[str] = []
        self._inside = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "script" and not any(name == "src" for name, _ in attrs):
            self._inside = True
            self.scripts.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._inside = False

    def handle_data(self, data: str) -> None:
        if self._inside:
            self.scripts[-1] += data


def _hash(script: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode() + "'"


@pytest.mark.parametrize("path", ["/docs", "/docs/oauth2-redirect"])
def test_docs_pages_allow_their_inline_script_by_its_hash(api: TestClient, path: str) -> None:
    response = api.get(path)
    assert response.status_code == 200
    parser = _InlineScripts()
    parser.feed(response.text)
    assert len(parser.scripts) == 1, parser.scripts  # the page as fastapi_offline serves it
    assert response.headers.get_list("content-security-policy") == [
        "default-src 'self'; "
        f"script-src 'self' {_hash(parser.scripts[0])}; "
        "style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; "
        "form-action 'self'; frame-ancestors 'none'"
    ]
    assert int(response.headers["content-length"]) == len(response.content)


def test_only_the_docs_pages_get_the_docs_policy(api: TestClient) -> None:
    assert "content-security-policy" not in api.get("/docs/assets/swagger-ui-bundle.js").headers
    assert "content-security-policy" not in api.get("/openapi.json").headers
    assert "'sha256-" not in api.get("/").headers["content-security-policy"]  # the web page keeps its own policy


# ---- in a real browser --------------------------------------------------------------------------------------------

RECORD_VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__violations.push(e.violatedDirective + " " + (e.blockedURI || "inline"));
});
"""


@pytest.fixture(scope="module")
def chromium() -> Iterator[Any]:
    with launch_chromium() as browser:
        yield browser


@pytest.mark.slow
def test_docs_render_in_a_browser_under_their_policy(chromium: Any, real_server: RealServer) -> None:
    """Swagger UI lists the operations, expands one and calls the API with "Try it out", and the browser reports no
    CSP violation (neither as an event nor on the console) and no script error."""
    context = chromium.new_context(locale="ja-JP", base_url=real_server.base_url, service_workers="block")
    context.set_default_timeout(30_000)
    console: list[str] = []
    errors: list[str] = []
    page = context.new_page()
    page.add_init_script(RECORD_VIOLATIONS)
    page.on("console", lambda m: console.append(f"{m.type}: {m.text}") if _worth_noting(m) else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        response = page.goto("/docs")
        assert response is not None and "script-src 'self' 'sha256-" in response.headers["content-security-policy"]
        route = page.locator("#operations-routing-route_v1_route_post")
        expect(route).to_be_visible()
        expect(page.locator("#operations-catalog-programs_v1_programs_get")).to_be_visible()
        expect(page.locator(".info .title")).to_contain_text("jyuso-kb")
        route.locator(".opblock-summary").click()  # expanding an operation renders its schema and example
        expect(route.locator(".opblock-body")).to_be_visible()
        expect(page.locator(".models")).to_be_visible()
        health = page.locator("#operations-service-health_health_get")
        health.locator(".opblock-summary").click()  # "Try it out" calls the API from the page (connect-src)
        health.get_by_role("button", name="Try it out").click()
        health.get_by_role("button", name="Execute").click()
        expect(health.locator(".live-responses-table tbody .response-col_status")).to_have_text("200")
        violations = page.evaluate("window.__violations")
    finally:
        context.close()
    assert violations == []
    assert not [line for line in console if "Content Security Policy" in line or "Refused to" in line], console
    assert errors == []


def _worth_noting(message: ConsoleMessage) -> bool:
    return message.type in ("error", "warning")


# ---- slow and many clients: the limits of jyuso-kb serve ----------------------------------------------------------


class LimitedServer(RealServer):
    """``jyuso-kb serve`` with small limits, to see each one act."""

    def command(self) -> list[str]:
        limits = ["--timeout-keep-alive", "1", "--limit-concurrency", "3", "--h11-max-incomplete-event-size", "4096"]
        return [*super().command(), *limits]


@pytest.fixture(scope="module")
def limited(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LimitedServer]:
    server = LimitedServer(tmp_path_factory.mktemp("limited") / "server.log", {"JYUSO_KB_SPARQL_WORKERS": "1"})
    with server:
        yield server


def _connect(server: RealServer) -> socket.socket:
    return socket.create_connection(("127.0.0.1", server.port), timeout=15)


def _stalled(server: RealServer) -> socket.socket:
    """A client that sent half a request line and headers, and then nothing (uvicorn waits for it)."""
    sock = _connect(server)
    sock.sendall(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n")
    return sock


def _status(server: RealServer, extra: bytes = b"") -> int:
    """The status of one whole request on a new connection (closed after the answer)."""
    with _connect(server) as sock:
        sock.sendall(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n" + extra + b"\r\n")
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    return int(answer.split(b" ", 2)[1])


def _eventually(server: RealServer, status: int) -> int:
    """The status of a request, asked again for a few seconds while the server still counts a connection that was
    just closed (it notices a close on its next turn of the event loop)."""
    deadline = time.monotonic() + 10
    while (got := _status(server)) != status and time.monotonic() < deadline:
        time.sleep(0.1)
    return got


@pytest.mark.slow
def test_limit_concurrency_answers_503_while_that_many_connections_are_open(limited: LimitedServer) -> None:
    """``--limit-concurrency 3``: a request arriving while 3 connections are open (its own included) gets 503."""
    first = _stalled(limited)
    try:
        assert _eventually(limited, 200) == 200  # 2 connections open
        second = _stalled(limited)
        try:
            assert _status(limited) == 503  # 3 open
            assert _status(limited) == 503
        finally:
            second.close()
        assert _eventually(limited, 200) == 200
    finally:
        first.close()
    assert "Exceeded concurrency limit." in limited.log()


@pytest.mark.slow
def test_timeout_keep_alive_closes_an_idle_connection(limited: LimitedServer) -> None:
    """``--timeout-keep-alive 1``: the server closes a kept-alive connection about a second after its last answer
    (uvicorn's default would keep it 5 s)."""
    _eventually(limited, 200)
    with _connect(limited) as sock:
        sock.sendall(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        answer = b""
        while b"\r\n\r\n" not in answer:
            answer += sock.recv(65536)
        head, body = answer.split(b"\r\n\r\n", 1)
        length = int(next(h for h in head.split(b"\r\n") if h.lower().startswith(b"content-length:")).split(b":")[1])
        while len(body) < length:
            body += sock.recv(65536)
        answered = time.monotonic()
        assert head.startswith(b"HTTP/1.1 200 ")
        assert sock.recv(65536) == b""  # blocks until the server closes the connection
        idle = time.monotonic() - answered
    assert 0.8 <= idle < 4.0, idle


def _answer_to_headers_arriving_slowly(server: RealServer, pad: int) -> bytes:
    """A request whose header arrives in two parts: ``pad`` bytes first, the end of the headers 0.5 s later (if the
    server has not answered and closed by then)."""
    with _connect(server) as sock:
        sock.sendall(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nX-Pad: " + b"a" * pad)
        time.sleep(0.5)
        with contextlib.suppress(OSError):  # the server may have closed the connection already
            sock.sendall(b"\r\n\r\n")
        answer = b""
        with contextlib.suppress(ConnectionResetError):
            while chunk := sock.recv(65536):
                answer += chunk
    return answer


@pytest.mark.slow
def test_h11_max_incomplete_event_size_refuses_long_headers(limited: LimitedServer) -> None:
    """``--h11-max-incomplete-event-size 4096``: once more than 4 KiB of request line and headers have arrived
    without their end, the server answers 400 and closes (h11 checks what it holds of an unfinished request)."""
    _eventually(limited, 200)
    assert _answer_to_headers_arriving_slowly(limited, 3000).startswith(b"HTTP/1.1 200 ")
    refused = _answer_to_headers_arriving_slowly(limited, 5000)
    assert refused.startswith(b"HTTP/1.1 400 "), refused[:200]
    assert refused.endswith(b"\r\n\r\n" + BODY)  # in the error shape: {"error": {"code": "bad_request", …}}


def test_serve_defaults_and_refused_limits(capsys: pytest.CaptureFixture[str]) -> None:
    from jyuso_kb.cli import build_parser

    args = build_parser().parse_args(["serve"])
    assert (args.timeout_keep_alive, args.limit_concurrency, args.h11_max_incomplete_event_size) == (5, 200, 16384)
    assert (args.workers, args.proxy_headers, args.forwarded_allow_ips) == (1, True, None)
    with pytest.raises(SystemExit) as exited:
        build_parser().parse_args(["serve", "--limit-concurrency", "1"])
    assert exited.value.code == 2
    assert "--limit-concurrency の指定が正しくありません: 2 以上にしてください: 1" in capsys.readouterr().err
