"""Matching on words: SudachiPy (sudachidict_core, split mode C) reads a question and the thesaurus labels alike.

A word's keys are its normalised form (Sudachi folds inflection and spelling: 殴られる → 殴る, 払えず → 払う,
障がい → 障害, 子ども → 子供), the dictionary's synonym group ids (雇う / 雇用 / 採用 share one) and, for a word
written in kana, its reading (はらえない → はらう = 払う). Negation (ない, 無い, ず, ぬ) is one word, ない. Particles,
auxiliaries, prefixes, suffixes, symbols, the light verbs (いる, する, なる, ある, できる) and the dependent verbs right
after て/で (出ていく, 壊れてしまう) carry no meaning of their own here and are left out, so 「税金を払っていない」 has
the words 税金, 払う, ない.

A label matches when every one of its words is among the question's words (in any order); its hit says which words
of the question matched. Where a word of the question is kana that Sudachi could not split (ぜいきんがはらえない),
a label word whose reading (three kana or more) occurs in that stretch counts as found.

The tokenizer is made once per process, on first use, and used under a lock (a Sudachi tokenizer is not meant to be
shared between threads). Nothing here reads or writes files but the dictionary the package ships.
"""

from __future__ import annotations

import threading
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache, lru_cache

from sudachipy import Dictionary, SplitMode

_CONTENT = frozenset({"名詞", "動詞", "形容詞", "形状詞"})
_NEGATION = frozenset({"ない", "無い", "ず", "ぬ"})
_DEPENDENT = "非自立可能"
_FUNCTION = frozenset({"助詞", "助動詞", "補助記号", "空白", "接頭辞"})
# Dependent verbs that never carry the meaning (する, なる, ある, いる, できる); the other dependent ones (行く, 来る,
# 見る, しまう …) do, except right after て/で, where they are auxiliary (出ていく, 調べてみる, 壊れてしまう).
_LIGHT = frozenset({"為る", "成る", "有る", "在る", "居る", "出来る"})
_AFTER = frozenset({"て", "で"})
_MIN_COVER = 0.5  # a label whose words cover less of its characters is read too loosely to match by words
_MIN_READING = 3  # kana: a shorter reading found inside kana text is too often a coincidence
_KATAKANA = {c: c - 0x60 for c in range(0x30A1, 0x30F7)}


def _hiragana(text: str) -> str:
    return unicodedata.normalize("NFKC", text).translate(_KATAKANA)


def _is_kana(text: str) -> bool:
    return bool(text) and all("\u3041" <= c <= "\u309f" or c == "ー" for c in _hiragana(text))


@dataclass(frozen=True)
class Word:
    """One meaningful word: what was typed, its normalised form, and the keys it matches by."""

    surface: str
    lemma: str
    keys: frozenset[str]


@dataclass(frozen=True)
class Reading:
    """A text as words; its kana stretches that no word of three kana or more came out of; and whether every part
    of it was understood (a word, a particle, an auxiliary, a dependent word or a symbol; not a word outside the
    dictionary, a prefix, a suffix or an interjection, which is how Sudachi reads kana it cannot split)."""

    words: tuple[Word, ...]
    kana: tuple[str, ...]
    complete: bool
    reading: str  # the whole text's reading in hiragana (税務課 → ぜいむか)


class _Tokenizer:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._tokenizer = Dictionary(dict="core").tokenizer(mode=SplitMode.C)

    def morphemes(self, text: str) -> list[tuple[str, str, str, tuple[str, ...], tuple[int, ...], bool]]:
        with self._lock:
            return [
                (
                    m.surface(),
                    m.normalized_form(),
                    m.reading_form(),
                    tuple(m.part_of_speech()),
                    tuple(m.synonym_group_ids()),
                    m.is_oov(),
                )
                for m in self._tokenizer.tokenize(text)
            ]


@lru_cache(maxsize=1)
def _tokenizer() -> _Tokenizer:
    return _Tokenizer()


@cache
def _lemma_reading(lemma: str) -> str:
    """The reading of a label word's normalised form (払う → はらう), for matching words typed in kana. Called while
    labels are read (at load), never for a question: the cache holds the plan's words only."""
    return _hiragana("".join(m[2] for m in _tokenizer().morphemes(lemma)))


def read(text: str, label: bool = False) -> Reading:
    """The meaningful words of a text, and its kana stretches Sudachi left in pieces. A label's words also carry the
    reading of their normalised form; a question's words written in kana carry theirs (so the two meet)."""
    text = unicodedata.normalize("NFKC", text)
    words: list[Word] = []
    kana: list[str] = []
    stretch = ""
    complete = True
    whole = []
    previous = ""
    for surface, lemma, reading, pos, groups, unknown in _tokenizer().morphemes(text):
        whole.append(_hiragana(reading))
        word = _word(surface, lemma, reading, pos, groups, previous, label)
        previous = surface
        if unknown or (word is None and pos[0] not in _FUNCTION and pos[1] != _DEPENDENT):
            complete = False
        if _is_kana(surface) and (word is None or len(surface) < _MIN_READING):
            stretch += _hiragana(surface)
        else:
            if len(stretch) >= _MIN_READING:
                kana.append(stretch)
            stretch = ""
        if word is not None:
            words.append(word)
    if len(stretch) >= _MIN_READING:
        kana.append(stretch)
    return Reading(tuple(words), tuple(kana), complete, "".join(whole))


@lru_cache(maxsize=65536)
def read_label(text: str) -> Reading:
    """A label read as words, once per process: the thesaurus is the same in every municipality and revision, and
    upload jobs fork from a process that has read it (labels are plan data, never a request's words)."""
    return read(text, label=True)


def _word(
    surface: str, lemma: str, reading: str, pos: tuple[str, ...], groups: tuple[int, ...], previous: str, label: bool
) -> Word | None:
    if lemma in _NEGATION and pos[0] in ("助動詞", "形容詞"):
        return Word(surface, "ない", frozenset({"w:ない"}))
    if pos[0] not in _CONTENT or (pos[1] == "数詞" and not surface.isdigit()):
        return None
    if pos[1] == _DEPENDENT and (lemma in _LIGHT or previous in _AFTER or pos[0] != "動詞"):
        return None
    keys = {f"w:{lemma}", *(f"g:{g}" for g in groups)}
    if label:
        keys.add(f"r:{_lemma_reading(lemma)}")
    if _is_kana(surface):
        keys.add(f"r:{_hiragana(reading)}")
        if _is_kana(lemma):
            keys.add(f"r:{_hiragana(lemma)}")
    return Word(surface, lemma, frozenset(keys))


@dataclass(frozen=True)
class WordLabel:
    """A label as words: what it names (``target``), how strongly (``weight``) and the words a question must have."""

    original: str
    target: str
    weight: float
    words: tuple[Word, ...]


@dataclass(frozen=True)
class WordHit:
    label: WordLabel
    matched: tuple[str, ...]  # the question's words, as typed, that matched the label's words
    positions: frozenset[int]  # which of the question's words (by index; -1 - i for the i-th kana stretch)


class WordMatcher:
    """Labels found in a question by their words. Built once at load (each label read once); read-only afterwards.
    A label written in kana only, one Sudachi does not wholly understand (生活のしづらさ), or one whose words cover
    less than half of it (電気がつけっぱなし) is left to matching as text."""

    def __init__(self, labels: Iterable[tuple[str, str, float]]) -> None:
        """``labels``: (text, target, weight) triples."""
        prepared: list[WordLabel] = []
        readings: list[tuple[str, str, str, float]] = []
        for text, target, weight in labels:
            reading = read_label(text)
            if reading.complete and not _is_kana(text):
                readings.append((reading.reading, text, target, weight))
            words = reading.words
            cover = sum(len(w.surface) for w in words) / max(len(text), 1)
            if (
                reading.complete
                and not _is_kana(text)
                and cover >= _MIN_COVER
                and any(w.lemma != "ない" for w in words)
            ):
                prepared.append(WordLabel(text, target, weight, words))
        self.labels = tuple(prepared)
        self.readings = tuple(readings)  # (reading, text, target, weight) of the labels not written in kana
        often: dict[str, int] = {}
        for label in self.labels:
            for key in {k for w in label.words for k in w.keys}:
                often[key] = often.get(key, 0) + 1
        # a label is a candidate only when the question has its rarest word (it needs every word anyway)
        by_key: dict[str, list[int]] = {}
        for number, label in enumerate(self.labels):
            rarest = min(label.words, key=lambda w: (sum(often[k] for k in w.keys), w.lemma))
            for key in rarest.keys:
                by_key.setdefault(key, []).append(number)
        self._by_key: Mapping[str, tuple[int, ...]] = {k: tuple(v) for k, v in by_key.items()}
        self._readings = frozenset(
            k[2:] for label in self.labels for w in label.words for k in w.keys if k.startswith("r:")
        )
        self._reading_lengths = sorted({len(r) for r in self._readings if len(r) >= _MIN_READING})

    def find(self, text: str) -> list[WordHit]:
        """Every label all of whose words the question has (see :func:`most_specific` for the ones to keep)."""
        reading = read(text)
        found_keys: dict[str, list[int]] = {}
        for position, word in enumerate(reading.words):
            for key in word.keys:
                found_keys.setdefault(key, []).append(position)
        for number, stretch in enumerate(reading.kana):
            inside = {
                stretch[start : start + length]
                for length in self._reading_lengths
                for start in range(len(stretch) - length + 1)
            }
            for kana_word in sorted(inside & self._readings):
                found_keys.setdefault(f"r:{kana_word}", []).append(-1 - number)
        first = {key: min(at) for key, at in found_keys.items()}  # where each key first occurs
        present = first.keys()
        candidates = sorted({n for key in found_keys for n in self._by_key.get(key, ())})
        hits: list[WordHit] = []
        for number in candidates:
            label = self.labels[number]
            if any(present.isdisjoint(word.keys) for word in label.words):
                continue  # a word of the label is not in the question
            positions = frozenset(min(first[key] for key in word.keys if key in first) for word in label.words)
            matched = tuple(reading.words[p].surface if p >= 0 else reading.kana[-1 - p] for p in sorted(positions))
            hits.append(WordHit(label, matched, positions))
        return hits


def most_specific(hits: list[WordHit]) -> list[WordHit]:
    """The hits whose words no other hit's words include (夫に殴られる over 殴られる)."""
    return [h for h in hits if not any(h.positions < other.positions for other in hits)]
