"""README's curl commands work as written: Japanese in a query string goes through ``-G --data-urlencode`` (a URL
with raw UTF-8 is refused by the HTTP parser before the service), and the quick start's question is answered."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

from fastapi.testclient import TestClient

ROOT = Path(__file__).resolve().parents[1]
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
SERVER = "http://127.0.0.1:8000"


def curl_commands(text: str) -> list[str]:
    """Every curl command: the lines of fenced blocks and the inline code spans that start with ``curl``."""
    found = [line.strip() for line in text.splitlines() if line.strip().startswith("curl ")]
    found += re.findall(r"`(curl [^`]+)`", text)
    return found


def test_every_curl_command_keeps_non_ascii_out_of_the_url() -> None:
    commands = [(path.name, c) for path in DOCUMENTS for c in curl_commands(path.read_text(encoding="utf-8"))]
    assert len(commands) >= 10
    wrong = []
    for name, command in commands:
        words = shlex.split(command, comments=True)
        urls = [w for w in words if "://" in w or w.startswith("localhost")]
        assert urls, command
        if not all(url.isascii() for url in urls):
            wrong.append((name, command))
        encoded = [words[i + 1] for i, w in enumerate(words[:-1]) if w == "--data-urlencode"]
        if encoded:  # a query string, so a GET: -G (or -sG …) must come with it
            assert any(re.fullmatch(r"-[a-zA-Z]*G[a-zA-Z]*", w) for w in words), command
    assert wrong == []


def test_the_quick_start_question_is_answered_as_written(api: TestClient) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    quick = re.search(r"^## Quick start\n(.*?)^## ", readme, re.M | re.S)
    assert quick is not None
    assert "http://127.0.0.1:8000/" in quick.group(1) and "staff page" in quick.group(1)
    [command] = [c for c in curl_commands(quick.group(1)) if "who-handles" in c]
    words = shlex.split(command)
    assert words[:3] == ["curl", "-sG", "--data-urlencode"]
    name, _, value = words[3].partition("=")
    assert words[4].startswith(SERVER)
    response = api.get(words[4][len(SERVER) :], params={name: value})
    assert response.status_code == 200
    body = response.json()
    assert body["query"] == "隣の空き家が心配"
    assert body["results"][0]["department"]["label"] == "都市計画課"
