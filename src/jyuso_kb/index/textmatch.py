"""Matching what residents and staff type against the thesaurus labels.

Normalisation: format characters dropped (Unicode category Cf — zero-width spaces and joiners, the word joiner, BOM,
soft hyphen, bidi marks — and variation selectors: invisible, they must not split a word), NFKC, lower case,
katakana → hiragana, spaces (the ideographic space too) and punctuation dropped, then the spelling variants of
``data/thesaurus/orthography.ttl`` folded (子ども → こども, 障害 → 障がい …). Labels are normalised the same way.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace

from rdflib import Graph

from jyuso_kb.index.parameters import Parameters, parameters
from jyuso_kb.index.words import WordMatcher, most_specific
from jyuso_kb.namespaces import JY

_DROP = re.compile(r"[\s、。，．,.・!！?？「」『』（）()\[\]【】〜~\-ー－―…:：;；\"'`]+")
_KATAKANA = {c: c - 0x60 for c in range(0x30A1, 0x30F7)}
# Variation selectors (VS1–16, and VS17–256 of ideographic variation sequences) are marks (Mn), not Cf.
_VARIATION_SELECTORS = re.compile("[\ufe00-\ufe0f\U000e0100-\U000e01ef]")


def spelling_table(graph: Graph) -> tuple[tuple[str, str], ...]:
    """(variant, canonical) pairs from the data, longest variant first; variants are kana-folded like queries."""
    pairs = []
    for spelling in graph.subjects(JY.canonicalForm, None):
        canonical = _fold(str(graph.value(spelling, JY.canonicalForm)))
        for variant in graph.objects(spelling, JY.variantForm):
            pairs.append((_fold(str(variant)), canonical))
    return tuple(sorted(pairs, key=lambda p: (-len(p[0]), p[0])))


def strip_format(text: str) -> str:
    """The text without its format characters (category Cf) and variation selectors, which show nothing."""
    text = _VARIATION_SELECTORS.sub("", text)
    if text.isprintable():  # no Cf character (the usual case: one C-level scan)
        return text
    return "".join(char for char in text if unicodedata.category(char) != "Cf")


def is_blank(text: str) -> bool:
    """Nothing but spaces and format characters: as empty as the empty string."""
    return not strip_format(text).strip()


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKC", strip_format(text)).lower().translate(_KATAKANA)
    return _DROP.sub("", text)


def normalize(text: str, spellings: Iterable[tuple[str, str]] = ()) -> str:
    """The matching form of a text. The long-vowel mark ー is dropped too (ごみやしき = ゴミ屋敷)."""
    out = _fold(text)
    for variant, canonical in spellings:
        if variant and variant in out:
            out = out.replace(variant, canonical)
    return out


def _is_hiragana(char: str) -> bool:
    return "\u3041" <= char <= "\u309f"


def bigrams(text: str) -> frozenset[str]:
    return frozenset(text[i : i + 2] for i in range(len(text) - 1)) if len(text) > 1 else frozenset({text})


@dataclass(frozen=True)
class Label:
    """One searchable label: its normalised form, what it names, and how strongly (prefLabel > altLabel …)."""

    text: str
    original: str
    target: str
    weight: float


@dataclass(frozen=True)
class Hit:
    label: Label
    start: int


@dataclass(frozen=True)
class Found:
    """A label found in a question, how (``label``: it occurs in the text; ``words``: all its words are among the
    question's; ``similar``: its characters are close to a stretch of the text) and which of the question's words
    matched it (for ``words``)."""

    label: Label
    how: str
    words: tuple[str, ...] = ()


class LabelMatcher:
    """Finds labels in a normalised text. Built once at load; read-only afterwards. Thresholds and weights are
    rules/parameters.yaml's (``params``; the project's by default). Each label not written in kana is also found by
    its reading (ぜいむか for 税務課, ``reading_min_length`` kana or more, ``reading_weight_factor`` of its weight), so
    that a question typed in kana only finds it as text."""

    def __init__(
        self, labels: Iterable[Label], spellings: tuple[tuple[str, str], ...], params: Parameters | None = None
    ) -> None:
        self.spellings = spellings
        self.params = params or parameters()
        labels = list(labels)
        self._labels = {(label.original, label.target): label for label in labels}
        self.words = WordMatcher((label.original, label.target, label.weight) for label in labels)
        spoken = [
            Label(normalize(reading, spellings), text, target, weight * self.params.reading_weight_factor)
            for reading, text, target, weight in self.words.readings
            if len(reading) >= self.params.reading_min_length
        ]
        written = {label.text for label in labels}
        by_text: dict[str, list[Label]] = {}
        for label in [*labels, *(s for s in spoken if s.text not in written)]:
            if len(label.text) >= 2 or label.text.isalnum():
                by_text.setdefault(label.text, []).append(label)
        self._by_text: Mapping[str, tuple[Label, ...]] = {k: tuple(v) for k, v in by_text.items()}
        starts: dict[str, set[int]] = {}
        for key in self._by_text:
            starts.setdefault(key[0], set()).add(len(key))
        self._lengths_from: Mapping[str, tuple[int, ...]] = {c: tuple(sorted(n)) for c, n in starts.items()}
        self._bigrams = {k: bigrams(k) for k in self._by_text}
        by_gram: dict[str, list[str]] = {}
        for key, grams in self._bigrams.items():
            for gram in grams:
                by_gram.setdefault(gram, []).append(key)
        self._by_gram: Mapping[str, tuple[str, ...]] = {g: tuple(keys) for g, keys in by_gram.items()}

    def exact(self, text: str) -> tuple[Label, ...]:
        return self._by_text.get(normalize(text, self.spellings), ())

    def find_all(self, text: str) -> list[Hit]:
        """Every label occurring in the text, longest first, without labels that overlap a longer hit."""
        norm = normalize(text, self.spellings)
        occurring = sorted(
            (-length, start)
            for start, char in enumerate(norm)
            for length in self._lengths_from.get(char, ())
            if norm[start : start + length] in self._by_text
        )
        hits: list[Hit] = []
        covered: list[tuple[int, int]] = []
        for minus, start in occurring:
            end = start - minus
            if any(start < e and s < end for s, e in covered):
                continue
            covered.append((start, end))
            hits.extend(Hit(label, start) for label in self._by_text[norm[start:end]])
        return hits

    def match(self, text: str) -> list[Found]:
        """Every label the question names: by words (the most specific hits: 夫に殴られる over 殴られる), then those
        occurring in the text that no word hit includes; when words find nothing, for each stretch no label covers
        (``fuzzy_min_stretch``+ characters, of which ``fuzzy_min_content`` not hiragana) the most similar label, its
        weight discounted by ``fuzzy_weight_factor``. A word hit counts ``word_weight_factor`` of its label's weight,
        the whole weight when the label also occurs in the text."""
        params = self.params
        hits = self.find_all(text)
        literal = {(h.label.original, h.label.target) for h in hits}
        word_hits = self.words.find(text)
        kept = most_specific(word_hits)
        seen = {(h.label.original, h.label.target) for h in word_hits}
        out = []
        for word_hit in kept:
            key = (word_hit.label.original, word_hit.label.target)
            label = self._labels[key]
            factor = 1.0 if key in literal else params.word_weight_factor
            out.append(Found(replace(label, weight=label.weight * factor), "words", word_hit.matched))
        for hit in hits:
            key = (hit.label.original, hit.label.target)
            if key not in seen:
                seen.add(key)
                out.append(Found(hit.label, "label"))
        if kept:
            return out
        norm = normalize(text, self.spellings)
        covered = [False] * len(norm)
        for hit in hits:
            for i in range(hit.start, min(hit.start + len(hit.label.text), len(norm))):
                covered[i] = True
        stretch = ""
        for char, done in [*zip(norm, covered, strict=True), ("", True)]:
            if not done:
                stretch += char
                continue
            content = sum(not _is_hiragana(c) for c in stretch)
            if len(stretch) >= params.fuzzy_min_stretch and content >= params.fuzzy_min_content:
                factor = params.fuzzy_weight_factor
                for label in self._similar_norm(stretch, params.fuzzy_threshold):
                    out.append(Found(replace(label, weight=label.weight * factor), "similar"))
            stretch = ""
        return out

    def similar(self, text: str, threshold: float | None = None) -> tuple[Label, ...]:
        """The most similar labels (at least ``similar_threshold``); kana typed as katakana counts as content
        (ボランテイア ≈ ボランティア)."""
        limit = self.params.similar_threshold if threshold is None else threshold
        typed_katakana = {chr(_KATAKANA[ord(c)]) for c in unicodedata.normalize("NFKC", text) if ord(c) in _KATAKANA}
        return self._similar_norm(normalize(text, self.spellings), limit, frozenset(typed_katakana))

    def _scores(self, norm: str, kana_content: frozenset[str] = frozenset()) -> list[tuple[float, str]]:
        """(Dice coefficient of character bigrams, label text) for every label sharing at least one bigram of two
        content characters with the text (kanji, latin, digits, and the kana in ``kana_content``, which were typed
        as katakana): particles and verb endings alone never match."""
        if len(norm) < 2:
            return []
        grams = bigrams(norm)

        def is_content(char: str) -> bool:
            return not _is_hiragana(char) or char in kana_content

        content = {g for g in grams if len(g) == 2 and is_content(g[0]) and is_content(g[1])}
        keys = {key for gram in content for key in self._by_gram.get(gram, ())}
        return [
            (2 * len(grams & self._bigrams[key]) / (len(grams) + len(self._bigrams[key])), key) for key in sorted(keys)
        ]

    def _similar_norm(
        self, norm: str, threshold: float, kana_content: frozenset[str] = frozenset()
    ) -> tuple[Label, ...]:
        """The labels most similar to the text (:meth:`_scores`, at least ``threshold``; ties by label text)."""
        scored = self._scores(norm, kana_content)
        if not scored:
            return ()
        score, key = min(scored, key=lambda item: (-item[0], item[1]))
        return self._by_text[key] if score >= threshold else ()

    def closest(self, text: str, count: int) -> tuple[Label, ...]:
        """「もしかして」: up to ``count`` labels of different targets, most similar first (:meth:`_scores`, at least
        ``suggestion_threshold``), ties by label. A question typed in kana only is compared with the labels' readings
        (にんちしょお ≈ にんちしょう, the reading of 認知症), and a reading must then contain at least
        ``kana_suggestion_coverage`` of its character pairs (あいうえお is not あいている)."""
        norm = normalize(text, self.spellings)
        kana_only = frozenset(norm) if all(_is_hiragana(c) for c in norm) else frozenset()
        scored = self._scores(norm, kana_only)
        if kana_only:
            grams = bigrams(norm)
            least = self.params.kana_suggestion_coverage * len(grams)
            scored = [(score, key) for score, key in scored if len(grams & self._bigrams[key]) >= least]
        ranked = sorted((-score, key) for score, key in scored if score >= self.params.suggestion_threshold)
        out: list[Label] = []
        targets: set[str] = set()
        for _, key in ranked:
            label = min(self._by_text[key], key=lambda lab: (-lab.weight, lab.target))
            if label.target not in targets:
                targets.add(label.target)
                out.append(label)
            if len(out) == count:
                break
        return tuple(out)

    def containing(self, text: str) -> tuple[Label, ...]:
        """The shortest labels that contain the whole text (for short inputs such as 「介護」)."""
        norm = normalize(text, self.spellings)
        if len(norm) < 2:
            return ()
        keys = sorted((k for k in self._by_text if norm in k), key=lambda k: (len(k), k))
        return self._by_text[keys[0]] if keys else ()
