"""The public Python API: README's example runs as written and prints what its comments say."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import jyuso_kb

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def test_readme_example_runs_and_prints_what_it_says() -> None:
    block = re.search(r"## Python API\n.*?```python\n(.*?)```", README, re.S)
    assert block is not None
    code = block.group(1)
    expected = [line.split("# ", 1)[1] for line in code.splitlines() if line.startswith("print(")]
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, "README.md", "exec"), {})
    assert out.getvalue().splitlines() == expected


def test_public_names_are_the_documented_few() -> None:
    assert set(jyuso_kb.__all__) == {
        "EXPORT_FORMATS", "Household", "InputError", "Member", "PlanSource", "RoutingIndex", "Validation",
        "__version__", "build_index", "export", "load_plan", "route", "validate", "who_handles",
    }  # fmt: skip
    for name in jyuso_kb.__all__:
        assert name in README or name.startswith("_") or name[0].isupper(), name


def test_route_takes_members_and_the_export_is_the_cli_s(uozu: jyuso_kb.PlanSource) -> None:
    index = jyuso_kb.build_index(uozu)
    answer = jyuso_kb.route(index, ["借金が返せない"], members=[(1, ["乳幼児健診"]), (65, [])], consent=True)
    assert {n["id"] for n in answer["needs"]} == {"debt", "maternal-child-health"}
    assert "prog-ippan-kaigoyobo" in {p["id"] for p in answer["programs"]}
    assert jyuso_kb.export(uozu, "csv").startswith("id,label,")


def test_unreadable_input_raises_the_documented_error(tmp_path: Path) -> None:
    broken = tmp_path / "plan.ttl"
    broken.write_text("@prefix x: <y> .\nx:a x:b", encoding="utf-8")
    try:
        jyuso_kb.load_plan([broken])
    except jyuso_kb.InputError as err:
        assert err.code and err.message and "plan.ttl" in err.where
    else:
        raise AssertionError("no InputError")
