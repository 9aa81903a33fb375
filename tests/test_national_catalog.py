"""The national test catalogue (bench/national_catalog.py): 1,741 synthetic municipalities in the 47 prefectures with
valid 全国地方公共団体コード, and plans that vary as real ones do, generated from a seed, byte for byte the same each
time. A sample chosen at the extremes (fewest and most programmes and departments, 2 and 5 meetings, the earliest and
latest periods, the most components not yet implemented …) is validated as ``jyuso-kb validate`` validates a plan, with
no finding at all and no failed quality check, and is read together as several municipalities whose ids never collide.
"""

from __future__ import annotations

import importlib
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from rdflib import RDF, URIRef

from jyuso_kb.check import quality
from jyuso_kb.check.validation import Validation, validate
from jyuso_kb.namespaces import JY
from jyuso_kb.plan.municipalities import MunicipalPlan, load_plans
from jyuso_kb.plan.workbook.template import check_code

BENCH = Path(__file__).resolve().parents[1] / "bench"
sys.path.insert(0, str(BENCH))
catalog: Any = importlib.import_module("national_catalog")
vocab: Any = importlib.import_module("national_vocab")

FILES = {"plan.ttl", "organisation.ttl", "programs.ttl", "meetings.ttl", "schedule.ttl", "needs.ttl", "challenges.ttl"}
REQUIRED_ITEMS = {"1i", "1ro", "1ha", "1ni", "2", "4", "5", "6"}  # and item 3 by any of its sub-items


def _tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def full() -> list[Any]:
    return catalog.municipalities(1741, 0)


@pytest.fixture(scope="module")
def sample(full: list[Any]) -> list[Any]:
    """Plans at the extremes of what varies, each picked once."""

    def size(m: Any) -> tuple[int, int, int]:
        return len(m.programmes), len(m.departments), len(m.meetings)

    picks = [
        min(full, key=lambda m: (*size(m), m.start_year, m.code)),  # 4 programmes, 6 departments, 2 meetings
        max(full, key=lambda m: (*size(m), m.end_year, m.code)),  # 14, 20, 5
        min(full, key=lambda m: (len(m.departments), -len(m.programmes), m.start_year, m.code)),
        max(full, key=lambda m: (len(m.departments), -len(m.programmes), m.end_year, m.code)),
        max(full, key=lambda m: (m.start_year == 2021, len(m.not_yet), m.place.kind == "村", m.code)),
        max(
            full,
            key=lambda m: (
                bool(m.divisions and m.centre and m.existing_row),
                any(o.site for o in m.operators),
                m.place.kind == "区",
                m.code,
            ),
        ),
    ]
    return list(dict.fromkeys(picks))


@pytest.fixture(scope="module")
def loaded(sample: list[Any], tmp_path_factory: pytest.TempPathFactory) -> list[MunicipalPlan]:
    """The sample written as a catalogue folder and read back as several municipalities (``--data`` on the folder)."""
    out = tmp_path_factory.mktemp("catalogue")
    for m in sample:
        catalog.write_one(out, m)
    return load_plans([out])


@pytest.fixture(scope="module")
def validated(loaded: list[MunicipalPlan]) -> dict[str, tuple[Validation, tuple[quality.CheckResult, ...]]]:
    """Each sample plan's validation, with every quality check's result (``validate`` keeps only the failed errors)."""
    seen: list[tuple[quality.CheckResult, ...]] = []
    run = quality.run

    def spy(graph: Any) -> tuple[quality.CheckResult, ...]:
        seen.append(run(graph))
        return seen[-1]

    out = {}
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(quality, "run", spy)
        for plan in loaded:
            result = validate(plan.plan)
            out[plan.municipality.code] = (result, seen[-1])
    return out


# ---------------------------------------------------------------- determinism


def test_the_same_seed_writes_the_same_bytes(tmp_path: Path) -> None:
    first, again, other = (catalog.generate(tmp_path / name, 40, seed) for name, seed in (("a", 0), ("b", 0), ("c", 1)))
    assert first == again
    written = _tree(tmp_path / "a")
    assert written == _tree(tmp_path / "b")
    assert written != _tree(tmp_path / "c") and first != other
    assert {Path(name).parent.name for name in written} == {m.code for m in first}
    assert all({p.name for p in (tmp_path / "a" / m.code).iterdir()} == FILES for m in first)


def test_a_plan_depends_on_its_code_and_the_seed_not_on_the_count(full: list[Any]) -> None:
    by_code = {m.code: m for m in full}
    small = catalog.municipalities(50, 0)
    assert len(small) == 50 and len({m.place.prefecture for m in small}) == 47
    assert all(by_code[m.code] == m for m in small)
    assert catalog.plan_files(small[-1]) == catalog.plan_files(by_code[small[-1].code])


# ---------------------------------------------------------------- municipalities, prefectures and codes


def test_1741_municipalities_in_the_47_prefectures_as_many_as_really_are(full: list[Any]) -> None:
    assert len(full) == 1741
    per_prefecture = Counter(m.place.prefecture for m in full)
    assert per_prefecture == {name: total for _, name, _, total, _, _ in vocab.PREFECTURES}
    assert len(per_prefecture) == 47 and per_prefecture["北海道"] == 179 and per_prefecture["沖縄県"] == 41
    kinds = Counter(m.place.kind for m in full)
    assert kinds["市"] == 792 and kinds["区"] == 23 and kinds["町"] > kinds["村"] > 0
    assert {m.place.prefecture for m in full if m.place.kind == "区"} == {"東京都"}
    assert {(m.place.prefecture, m.place.prefecture_en) for m in full if m.code.startswith("16")} == {
        ("富山県", "Toyama Prefecture")
    }


def test_codes_are_unique_with_valid_check_digits_and_look_real(full: list[Any]) -> None:
    codes = [m.code for m in full]
    assert len(set(codes)) == len(codes)
    assert all(check_code(code) == code for code in codes)  # the project's own check (workbook template)
    assert [catalog.check_digit(c) for c in ("16204", "16201", "01100", "13101", "27100")] == [3, 9, 2, 6, 4]
    assert "162043" not in codes  # 魚津市, the embedded plan: the catalogue can be served beside it
    for m in full:
        number = int(m.code[2:5])
        assert m.code[:2] == f"{next(p[0] for p in vocab.PREFECTURES if p[1] == m.place.prefecture):02d}"
        assert {"区": 101 <= number <= 123, "市": number in (100, 130, 150) or 201 <= number < 300}.get(
            m.place.kind, 301 <= number < 1000
        )
        assert m.place.name.endswith(m.place.kind) and m.place.name_en.endswith(vocab.KIND_EN[m.place.kind])
    designated = {f"{p[0]:02d}": p[5] for p in vocab.PREFECTURES if p[5]}  # 政令指定都市: 100, then 130, 150
    assert Counter(m.code[:2] for m in full if m.code[2:5] in ("100", "130", "150")) == designated


def test_names_are_unique_within_a_prefecture_and_namespaces_everywhere(full: list[Any]) -> None:
    assert len({(m.place.prefecture, m.place.name) for m in full}) == len(full)
    assert len({m.namespace for m in full}) == len(full)
    assert all(m.namespace.isascii() and m.namespace.endswith(f"/data/{m.code}/") for m in full)


# ---------------------------------------------------------------- plans vary as real ones do


def test_plans_vary_in_size(full: list[Any]) -> None:
    assert {len(m.programmes) for m in full} == set(range(4, 15))  # 4: ② and ③ run as one programme
    assert {len(m.departments) for m in full} == set(range(6, 21))
    assert {len(m.meetings) for m in full} == {2, 3, 4, 5}
    assert {m.end_year - m.start_year + 1 for m in full} == {3, 4, 5}
    assert {m.start_year for m in full} == set(range(2021, 2027))


def test_every_plan_implements_every_required_item_and_component(full: list[Any]) -> None:
    for m in full:
        items = {i for g in m.programmes for i in g.items}
        assert REQUIRED_ITEMS <= items and items & {"3", "3i", "3ro", "3ha", "3ni"}, m.code
        assert {c for g in m.programmes for c in g.components} == set(vocab.COMPONENTS), m.code
        assert len({g.ja for g in m.programmes}) == len(m.programmes) and len({d.ja for d in m.departments}) == len(
            m.departments
        )
        assert {mt.kind for mt in m.meetings} >= {"consent", "noconsent"}


def test_programmes_are_run_directly_or_commissioned_with_operators(full: list[Any]) -> None:
    programmes = [g for m in full for g in m.programmes]
    modes = Counter(g.mode for g in programmes)
    assert (
        set(modes) == {"direct", "commissioned", "direct-and-commissioned"}
        and min(modes.values()) > len(programmes) // 10
    )
    assert all(g.operators for g in programmes if g.mode != "direct")
    operators = [o for m in full for o in m.operators]
    assert all(
        any(o.key == "org-shakyo" and o.ja == f"{m.place.name}社会福祉協議会" for o in m.operators) for m in full
    )
    assert any(o.ja.startswith("NPO法人") for o in operators) and any(
        o.ja.startswith("社会福祉法人") for o in operators
    )
    assert any(o.site for o in operators)
    assert {len({g.mode for g in m.programmes}) for m in full} >= {1, 2, 3}


def test_some_items_are_not_yet_implemented_and_the_matrix_varies(full: list[Any]) -> None:
    later = [m for m in full if m.not_yet]
    assert len(full) // 10 < len(later) < len(full) * 9 // 10
    assert {c for m in later for c, _ in m.not_yet} == {"multi", "outreach", "participation", "community"}
    assert all(
        m.start_year <= year < m.end_year for m in later for _, year in m.not_yet
    )  # the last year is implemented
    matrices = {tuple(d.cells for d in m.departments[1:]) for m in full}
    assert len(matrices) > len(full) * 0.95
    assert {cell for m in full for d in m.departments[1:] for cell in d.cells} == {True, False}


# ---------------------------------------------------------------- the sample validates and loads as several plans


def test_the_sample_covers_the_extremes(sample: list[Any]) -> None:
    assert {len(m.programmes) for m in sample} >= {4, 14} and {len(m.departments) for m in sample} >= {6, 20}
    assert {len(m.meetings) for m in sample} >= {2, 5} and {m.start_year for m in sample} >= {2021, 2026}
    assert {g.mode for m in sample for g in m.programmes} == {"direct", "commissioned", "direct-and-commissioned"}
    assert (
        max(len(m.not_yet) for m in sample) >= 4 and any(m.divisions for m in sample) and any(m.centre for m in sample)
    )
    assert any(m.existing_row for m in sample) and any(o.site for m in sample for o in m.operators)
    assert len({m.place.kind for m in sample}) >= 2


def test_every_sample_plan_validates_with_no_finding(validated: dict[str, tuple[Validation, Any]]) -> None:
    for code, (result, _) in validated.items():
        assert result.conforms, (code, [f.message for f in result.report.violations])
        assert result.report.findings == () and result.failed_checks == (), code


def test_every_sample_plan_passes_every_quality_check(validated: dict[str, tuple[Validation, Any]]) -> None:
    for code, (_, checks) in validated.items():
        assert {c.check.name for c in checks} == {c.name for c in quality.checks()}
        assert [(c.check.name, c.rows) for c in checks if not c.passed] == [], code


def test_the_sample_loads_as_several_municipalities_whose_ids_never_collide(
    sample: list[Any], loaded: list[MunicipalPlan]
) -> None:
    expected = {m.code: m for m in sample}
    assert sorted(p.municipality.code for p in loaded) == sorted(expected)
    subjects: list[set[URIRef]] = []
    for plan in loaded:
        m = expected[plan.municipality.code]
        assert (plan.municipality.name, plan.municipality.name_en, plan.municipality.prefecture) == (
            m.place.name,
            m.place.name_en,
            m.place.prefecture,
        )
        own = {s for s in plan.plan.data.subjects() if isinstance(s, URIRef)}
        assert all(str(s).startswith(m.namespace) and str(s).isascii() for s in own)
        data = plan.plan.data
        assert len(set(data.subjects(RDF.type, JY.ImplementingProgram))) == len(m.programmes)
        assert len(set(data.subjects(RDF.type, JY.Department))) == len(m.departments)
        assert len(set(data.subjects(RDF.type, JY.Meeting))) == len(m.meetings)
        design = {(e, y) for e in data.subjects(JY.status, JY["status-design"]) for y in data.objects(e, JY.fiscalYear)}
        assert len(design) == len(m.not_yet) + sum(
            s == "design" for s in m.schedule[1][1]
        )  # and the per-case meetings' row
        subjects.append(own)
    assert sum(map(len, subjects)) == len(set().union(*subjects))


def test_the_command_writes_the_catalogue(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert catalog.main(["--out", str(tmp_path), "--count", "3", "--seed", "7"]) == 0
    assert "3 municipalities in 3 prefectures" in capsys.readouterr().out
    assert sorted(p.name for p in tmp_path.iterdir()) == [m.code for m in catalog.municipalities(3, 7)]
