"""The engine's layout follows its flow: inner stages never reach out to the service or the command line.

Stages: plan → reason → index → answer; check, formats and store beside them; serve (web API) and cli (command line)
on the outside. Top-level modules (errors, namespaces, resources, formula) are shared by all; ``jyuso_kb/__init__``
is the public API (a facade over the inner stages).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "jyuso_kb"
CORE = "core"
ALLOWED = {  # stage → the stages it may import (besides itself and the shared top-level modules)
    "plan": set(),
    "reason": {"plan"},
    "index": {"plan", "reason"},
    "answer": {"plan", "reason", "index"},
    "check": {"plan", "reason"},
    "formats": {"plan", "reason", "index", "check"},
    "store": {"plan"},
    "serve": {"plan", "reason", "index", "answer", "check", "formats", "store"},
    "cli": {"plan", "reason", "index", "answer", "check", "formats", "store"},
    CORE: set(),
    "api": {"plan", "reason", "index", "answer", "check", "formats", "store"},
}
BRIDGE = "cli/serve.py"  # the one command that starts the web service


def stage_of(path: Path) -> str:
    parts = path.relative_to(SRC).parts
    if len(parts) == 1:
        return "api" if parts[0] == "__init__.py" else CORE
    return parts[0]


def imported_stages(path: Path) -> set[tuple[str, int]]:
    """(stage, line) of every jyuso_kb import in the file, including imports inside functions."""
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names: list[str] = []
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [f"{node.module}.{a.name}" if node.module == "jyuso_kb" else node.module for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level > 0:
            names = ["<relative>"]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        for name in names:
            if name == "<relative>":
                out.add(("<relative>", node.lineno))
                continue
            parts = name.split(".")
            if parts[0] != "jyuso_kb" or len(parts) < 2:
                continue
            target = parts[1]
            is_stage = (SRC / target).is_dir()
            out.add((target if is_stage else CORE, node.lineno))
    return out


MODULES = sorted(SRC.rglob("*.py"))


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(SRC)))
def test_module_imports_only_what_its_stage_may(path: Path) -> None:
    stage = stage_of(path)
    allowed = ALLOWED[stage] | {stage, CORE}
    if str(path.relative_to(SRC)) == BRIDGE:
        allowed = allowed | {"serve"}
    bad = sorted((target, line) for target, line in imported_stages(path) if target not in allowed)
    assert not bad, f"{path.relative_to(SRC)} ({stage}) imports {bad}"


def test_every_stage_is_known() -> None:
    stages = {p.name for p in SRC.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert stages == set(ALLOWED) - {CORE, "api"}


def test_the_layer_rule_catches_a_forbidden_import(tmp_path: Path) -> None:
    """An inner stage importing serve/ or cli/, or serve/ importing cli/, is found (the check can fail)."""
    for stage, target in (("plan", "serve"), ("answer", "cli"), ("serve", "cli"), ("cli", "serve")):
        module = SRC / stage / "_layer_probe.py"
        module.write_text(f"from jyuso_kb.{target} import app\n", encoding="utf-8")
        try:
            assert (target, 1) in imported_stages(module)
            assert target not in ALLOWED[stage] | {stage, CORE}
        finally:
            module.unlink()


def test_modules_stay_small() -> None:
    """No module over ≈400 lines: each concern has its own home."""
    sizes = {str(p.relative_to(SRC)): len(p.read_text(encoding="utf-8").splitlines()) for p in MODULES}
    assert {name: n for name, n in sizes.items() if n > 420} == {}
