"""The access log cannot be forged through a request's path: every control, separator, format character and space
of the (percent-decoded) path is escaped, and so is the backslash, so that one request is always one line of four
fields whose escapes read back unambiguously."""

from __future__ import annotations

import logging
import re
import socket
import time

import pytest
from fastapi.testclient import TestClient

from jyuso_kb.serve.logsafety import printable

from .api_support import RealServer

ELAPSED = r"[0-9]+\.[0-9]ms"  # the one field that differs from run to run


@pytest.mark.parametrize(
    ("text", "logged"),
    [
        ("/v1/programs", "/v1/programs"),
        ("/v1/programs/prog-outreach", "/v1/programs/prog-outreach"),
        ("/福祉/課", "/福祉/課"),  # Japanese stays readable
        ("/a\r\nb", "/a\\x0d\\x0ab"),
        ("/a\x00b", "/a\\x00b"),
        ("/a\tb", "/a\\x09b"),
        ("/a\x1bb", "/a\\x1bb"),  # ESC: terminal escape sequences
        ("/a\x7fb", "/a\\x7fb"),  # DEL
        ("/a\x85b", "/a\\x85b"),  # NEL (C1)
        ("/a\x9fb", "/a\\x9fb"),
        ("/a\u2028b\u2029c", "/a\\u2028b\\u2029c"),
        ("/a\u202eb\u2066c", "/a\\u202eb\\u2066c"),  # bidi override and isolate (Cf)
        ("/a\u200bb\ufeffc", "/a\\u200bb\\ufeffc"),  # zero-width space and BOM (Cf)
        ("/a\U000e0041b", "/a\\U000e0041b"),  # a tag character (Cf) beyond the BMP
        ("/a\ud800b", "/a\\ud800b"),  # a lone surrogate
        ("/a\u0378b", "/a\\u0378b"),  # unassigned
        ("/a b\u3000c\xa0d", "/a\\x20b\\u3000c\\xa0d"),  # spaces would split or fake the line's fields
        ("/a\\x0db", "/a\\\\x0db"),  # a backslash typed by the client is not an escape
        ("/a\\", "/a\\\\"),
    ],
)
def test_printable_escapes_what_could_forge_a_line_or_a_field(text: str, logged: str) -> None:
    assert printable(text) == logged


def _access_messages(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "jyuso_kb.access"]


@pytest.mark.parametrize(
    ("url", "logged"),
    [
        ("/v1/programs%0D%0Afake", "GET /v1/programs\\x0d\\x0afake 404 "),
        ("/v1/programs%0Ajyuso_kb.access%20INFO%20GET%20/health%20200%200.1ms", None),
        ("/v1/programs%00%7F", "GET /v1/programs\\x00\\x7f 404 "),
        ("/v1/programs%C2%85%E2%80%A8%E2%80%A9", "GET /v1/programs\\x85\\u2028\\u2029 404 "),
        ("/v1/programs%E2%80%AEtxt.exe", "GET /v1/programs\\u202etxt.exe 404 "),
        ("/v1/programs%20200%200.1ms", "GET /v1/programs\\x20200\\x200.1ms 404 "),
        ("/v1/programs%5Cx0d%5Cx0a", "GET /v1/programs\\\\x0d\\\\x0a 404 "),
    ],
)
def test_a_request_logs_one_escaped_line(
    api: TestClient, caplog: pytest.LogCaptureFixture, url: str, logged: str | None
) -> None:
    with caplog.at_level(logging.INFO, logger="jyuso_kb.access"):
        response = api.get(url)
    assert response.status_code == 404
    (message,) = _access_messages(caplog)
    if logged is None:  # a whole forged access line after a line feed stays inside the one line
        logged = "GET /v1/programs\\x0ajyuso_kb.access\\x20INFO\\x20GET\\x20/health\\x20200\\x200.1ms 404 "
    assert re.fullmatch(re.escape(logged) + ELAPSED, message), message
    assert "\n" not in message and "\r" not in message


def _raw_get(server: RealServer, target: bytes) -> bytes:
    """One request sent as bytes on its own connection (httpx would normalise the target)."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=15) as sock:
        sock.sendall(b"GET " + target + b" HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def _access_lines(server: RealServer, mark: int, count: int) -> list[str]:
    """The server's access-log lines of /v1/programs… written after ``mark``, once ``count`` of them are there (the
    server logs a request just after answering it; a shared server may still log its readiness check then)."""
    deadline = time.monotonic() + 15
    while True:
        lines = [line for line in server.log_since(mark).splitlines() if " jyuso_kb.access INFO GET /v1/" in line]
        if len(lines) >= count or time.monotonic() > deadline:
            return lines
        time.sleep(0.05)


@pytest.mark.slow
def test_the_real_server_logs_a_forged_path_as_one_escaped_line(real_server: RealServer) -> None:
    """Through uvicorn: the request line holds the percent-encoded path, uvicorn decodes it, the Guard escapes it."""
    mark = real_server.mark()
    first = _raw_get(real_server, b"/v1/programs%0D%0Afake%20200%200.1ms")
    second = _raw_get(real_server, b"/v1/programs%E2%80%A8%C2%85%00%E2%80%AE")
    assert first.startswith(b"HTTP/1.1 404 ") and second.startswith(b"HTTP/1.1 404 ")
    lines = _access_lines(real_server, mark, 2)
    stamp = r"[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:]{8},[0-9]{3} jyuso_kb\.access INFO "
    assert len(lines) == 2, lines
    assert re.fullmatch(stamp + re.escape("GET /v1/programs\\x0d\\x0afake\\x20200\\x200.1ms 404 ") + ELAPSED, lines[0])
    assert re.fullmatch(stamp + re.escape("GET /v1/programs\\u2028\\x85\\x00\\u202e 404 ") + ELAPSED, lines[1])
    written = real_server.log_since(mark)
    assert not any(line.startswith("fake") for line in written.splitlines())
    assert not re.search("[\x00\x85\u2028\u202e]", written)
