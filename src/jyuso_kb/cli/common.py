"""What every command shares: exit codes, JSON output, how a failed quality check is printed."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from jyuso_kb.check import quality
from jyuso_kb.errors import InputError

EXIT_OK, EXIT_NOT_CONFORMING, EXIT_BAD_INPUT = 0, 1, 2


def dump(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")


def render_check(result: quality.CheckResult) -> str:
    kind = "違反" if result.check.severity == "error" else "警告"
    lines = ["", f"[{kind}] 品質チェック {result.check.name}: {result.check.title}"]
    lines += [f"  対象: {' '.join(row)}" for row in result.rows[:20]]
    if len(result.rows) > 20:
        lines.append(f"  …ほか {len(result.rows) - 20} 件")
    if result.check.hint:
        lines.append(f"  直し方: {result.check.hint}")
    return "\n".join(lines) + "\n"


def unwritable(path: Path) -> InputError:
    """The error for an output file or folder that cannot be written (exit 2)."""
    return InputError("unwritable", "書き出せません。", str(path), "フォルダの有無と書き込み権限を確認してください。")
