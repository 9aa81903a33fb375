"""The command line's argument parser, speaking Japanese: usage, help headings and every error argparse reports.

argparse composes its messages in English; :class:`JapaneseArgumentParser` keeps its parsing and its exit code (2)
and rewrites what it prints: 「使い方: …」, 「エラー: …」 and the message itself, translated by the patterns below.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable, Iterable
from typing import Any, NoReturn

USAGE = "使い方: "
HELP = "このヘルプを表示して終了する"
VERSION_HELP = "バージョンを表示して終了する"
TYPE_NAMES = {"int": "整数", "float": "数値"}  # the types argparse names in 'invalid int value'


def _quoted(text: str) -> str:
    """argparse's repr()s of values ('maybe', 'yes', 'no') as 「maybe」、「yes」、「no」."""
    return re.sub(r"'([^']*)'", r"「\1」", text).replace(", ", "、")


def _names(text: str) -> str:
    return text.replace(", ", "、")


def _invalid_value(match: re.Match[str]) -> str:
    kind = TYPE_NAMES.get(match.group(1))
    value = _quoted(match.group(2))
    return f"{value} は{kind}ではありません" if kind else f"{value} は読めない値です"


# (pattern over the whole English message, its Japanese); the first that matches is used.
MESSAGES: tuple[tuple[re.Pattern[str], Callable[[re.Match[str]], str]], ...] = (
    (re.compile(r"unrecognized arguments: (.*)", re.S), lambda m: f"認識できない引数があります: {m.group(1)}"),
    (
        re.compile(r"the following arguments are required: (.*)", re.S),
        lambda m: f"次の引数を指定してください: {_names(m.group(1))}",
    ),
    (
        re.compile(r"one of the arguments (.*) is required", re.S),
        lambda m: f"次のどれかを指定してください: {m.group(1)}",
    ),
    (
        re.compile(r"ambiguous option: (\S+) could match (.*)", re.S),
        lambda m: f"オプション {m.group(1)} がどれを指すか決まりません(候補: {_names(m.group(2))})",
    ),
    (re.compile(r"unexpected option string: (.*)", re.S), lambda m: f"ここにオプション {m.group(1)} は書けません"),
    (
        re.compile(r"invalid choice: (.*) \(choose from (.*)\)", re.S),
        lambda m: f"{_quoted(m.group(1))} は選べません(選べる値: {_quoted(m.group(2))})",
    ),
    (re.compile(r"expected one argument"), lambda m: "値を1つ指定してください"),
    (re.compile(r"expected at most one argument"), lambda m: "値は1つまでです"),
    (re.compile(r"expected at least one argument"), lambda m: "値を1つ以上指定してください"),
    (re.compile(r"expected (\d+) arguments?"), lambda m: f"値を{m.group(1)}つ指定してください"),
    (re.compile(r"invalid (\S+) value: (.*)", re.S), _invalid_value),
    (re.compile(r"not allowed with argument (.*)", re.S), lambda m: f"{m.group(1)} と一緒には指定できません"),
    (re.compile(r"ignored explicit argument (.*)", re.S), lambda m: f"値 {_quoted(m.group(1))} は受け付けません"),
)
ARGUMENT = re.compile(r"argument (.+?): (.*)", re.S)  # argparse's 'argument --consent: <message>'


def japanese(message: str) -> str:
    """An argparse error message in Japanese (a message no pattern knows, such as one a type function raised in
    Japanese, is kept as it is)."""
    about = ARGUMENT.fullmatch(message)
    if about is not None:
        return f"{about.group(1)} の指定が正しくありません: {japanese(about.group(2))}"
    for pattern, translate in MESSAGES:
        found = pattern.fullmatch(message)
        if found is not None:
            return translate(found)
    return message


class JapaneseHelpFormatter(argparse.HelpFormatter):
    def add_usage(
        self,
        usage: str | None,
        actions: Iterable[argparse.Action],
        groups: Iterable[argparse._MutuallyExclusiveGroup],
        prefix: str | None = None,
    ) -> None:
        super().add_usage(usage, actions, groups, USAGE if prefix is None else prefix)


class JapaneseArgumentParser(argparse.ArgumentParser):
    """An ArgumentParser whose usage, help headings and errors are Japanese; sub-commands' parsers are of this class
    too (argparse makes them of the parent's class)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", JapaneseHelpFormatter)
        super().__init__(*args, **kwargs)
        self._positionals.title = "引数"
        self._optionals.title = "オプション"
        for action in self._actions:
            if isinstance(action, argparse._HelpAction):
                action.help = HELP

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}: エラー: {japanese(message)}\n  ヒント: {self.prog} -h で使い方を表示します。\n")
