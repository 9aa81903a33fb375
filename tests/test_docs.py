"""A test that fails when something users can run is undocumented."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from jyuso_kb import cli, resources
from jyuso_kb.check import quality

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _subcommands() -> dict[str, argparse.ArgumentParser]:
    parser = cli.build_parser()
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


def test_every_command_and_option_is_in_the_readme() -> None:
    missing = []
    for name, sub in _subcommands().items():
        if f"jyuso-kb {name}" not in README:
            missing.append(name)
        for action in sub._actions:
            for flag in action.option_strings:
                if flag.startswith("--") and flag != "--help" and flag not in README:
                    missing.append(f"{name} {flag}")
    assert missing == []


def test_every_data_and_ontology_file_is_in_the_readme() -> None:
    names = [p.name for p in resources.municipality_dir().glob("*.ttl")]
    names += [p.name for p in (ROOT / "ontology").glob("*") if p.is_file()]
    assert [n for n in names if n not in README] == []


def test_every_rule_is_in_the_readme() -> None:
    rules = sorted(p.stem for p in (ROOT / "rules").glob("*.rq"))
    assert rules
    assert [r for r in rules if f"`{r}`" not in README] == []


def test_every_check_is_in_the_readme_with_its_severity() -> None:
    """The checks table names every check of checks/ once, with the severity its header gives."""
    rows = dict(re.findall(r"^\| `([\w-]+)` \| (error|warning) \|", README, re.M))
    checks = {check.name: check.severity for check in quality.checks()}
    assert sorted(checks) == sorted(p.stem for p in (ROOT / "checks").glob("*.rq"))
    assert rows == checks


def test_quick_start_is_two_commands_and_ci_runs_the_test_one() -> None:
    block = re.search(r"## Quick start\n\n```sh\n(.*?)```", README, re.S)
    assert block is not None
    commands = [line.split("#")[0].strip() for line in block.group(1).splitlines() if line.strip()]
    assert len(commands) == 2
    assert commands[1] in (ROOT / ".ci" / "run").read_text(encoding="utf-8")
