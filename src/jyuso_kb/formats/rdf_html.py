"""HTML of RDF terms, for the pages describing the vocabulary and the plan's resources.

Every text taken from a graph is escaped; every IRI under ``https://w3id.org/jyuso-kb/`` links to the path of this
service that dereferences it (``…/ontology#Plan`` → ``/ontology#Plan``, ``…/data/<name>/prog-outreach`` →
``/data/<name>/prog-outreach``). A page has no script and one style sheet inline, allowed by its hash in the page's
Content-Security-Policy (:func:`document`).
"""

from __future__ import annotations

import base64
import hashlib
import html
from collections.abc import Iterable
from urllib.parse import quote

from rdflib import RDF, RDFS, BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import SH, SKOS
from rdflib.term import Node

from jyuso_kb.namespaces import DATA

BASE = DATA.removesuffix("data/")  # https://w3id.org/jyuso-kb/
LABELS = (RDFS.label, SKOS.prefLabel, SH.name)
LONG_TEXT = 160  # characters of a literal shown in a list of examples

STYLE = (
    "body{font-family:system-ui,'Hiragino Sans','Noto Sans JP',sans-serif;line-height:1.6;margin:0 auto;"
    "max-width:62rem;padding:0 1rem 3rem;color:#1a1a1a}"
    "h1{font-size:1.6rem;margin-top:1.5rem}h2{border-bottom:2px solid #ccc;margin-top:2.5rem}"
    "h3{margin-bottom:.2rem}article{border-top:1px solid #ddd;padding-top:.4rem}"
    "dl{display:grid;grid-template-columns:max-content 1fr;gap:.2rem 1rem}dt{font-weight:bold}dd{margin:0}"
    "code{font-size:.9em;background:#f3f3f3;padding:0 .2em;word-break:break-all}"
    ".en{color:#555}.toc a{white-space:nowrap}ul{margin:0;padding-left:1.2rem}"
    "table{border-collapse:collapse}th,td{border:1px solid #ddd;padding:.2rem .5rem;text-align:left;"
    "vertical-align:top}a{color:#0645ad}"
)
_STYLE_HASH = base64.b64encode(hashlib.sha256(STYLE.encode()).digest()).decode("ascii")
POLICY = (
    f"default-src 'none'; style-src 'sha256-{_STYLE_HASH}'; img-src 'self'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'"
)
HEADERS = {"content-security-policy": POLICY, "referrer-policy": "no-referrer", "x-frame-options": "DENY"}


def esc(text: object) -> str:
    return html.escape(str(text), quote=True)


def href(iri: str) -> str | None:
    """The path of this service that dereferences a project IRI; None for any other IRI."""
    if not iri.startswith(BASE):
        return None
    return "/" + quote(iri[len(BASE) :], safe="/#-._~!$&'()*+,;=:@%")


def label(graph: Graph, node: Node, lang: str = "ja") -> str:
    """The node's label in ``lang`` (rdfs:label, skos:prefLabel or sh:name), else "" ."""
    for prop in LABELS:
        for value in graph.objects(node, prop):
            if isinstance(value, Literal) and value.language == lang:
                return str(value)
    return ""


def short(graph: Graph, node: Node) -> str:
    """A prefixed name (``jy:Plan``, ``xsd:string``) where the graph binds a prefix, else the IRI."""
    if isinstance(node, URIRef):
        written = node.n3(graph.namespace_manager)
        return written[1:-1] if written.startswith("<") else written
    return str(node)


def name(graph: Graph, node: Node) -> str:
    """What a page calls a node: its Japanese label, else its English one, else its prefixed name."""
    return label(graph, node) or label(graph, node, "en") or short(graph, node)


def term(graph: Graph, node: Node) -> str:
    """A linked name with its prefixed name (``<a href="/ontology#Plan">実施計画</a> <code>jy:Plan</code>``)."""
    shown, written = name(graph, node), short(graph, node)
    target = href(str(node)) if isinstance(node, URIRef) else None
    text = esc(shown) if target is None else f'<a href="{esc(target)}">{esc(shown)}</a>'
    return text if shown == written else f"{text} <code>{esc(written)}</code>"


def literal(value: Literal, limit: int | None = None) -> str:
    text = str(value)
    if limit is not None and len(text) > limit:
        text = text[:limit] + "…"
    if value.language:
        return f'<span lang="{esc(value.language)}">{esc(text)}</span>'
    if value.datatype is not None and value.datatype != URIRef("http://www.w3.org/2001/XMLSchema#string"):
        return f"{esc(text)} <small>({esc(value.datatype.rsplit('#', 1)[-1])})</small>"
    return esc(text)


def value(graph: Graph, node: Node, limit: int | None = None, depth: int = 0) -> str:
    """A literal, a linked term, a list ``( … )`` or an anonymous node ``[ property value ; … ]`` (two levels)."""
    if isinstance(node, Literal):
        return literal(node, limit)
    if isinstance(node, BNode):
        if (node, RDF.first, None) in graph:
            return "( " + "、".join(value(graph, item, limit, depth + 1) for item in Collection(graph, node)) + " )"
        if depth >= 2:
            return "[…]"
        parts = [
            f"{term(graph, p)} {value(graph, o, limit, depth + 1)}" for p, o in sorted(graph.predicate_objects(node))
        ]
        return "[ " + " ; ".join(parts) + " ]"
    return term(graph, node)


def listing(items: Iterable[str]) -> str:
    shown = list(items)
    if not shown:
        return ""
    if len(shown) == 1:
        return shown[0]
    return "<ul>" + "".join(f"<li>{item}</li>" for item in shown) + "</ul>"


def texts(graph: Graph, node: Node, prop: URIRef) -> str:
    """The node's values of ``prop``, Japanese first, each as a paragraph in its language."""
    values = sorted(graph.objects(node, prop), key=lambda v: (getattr(v, "language", "") != "ja", str(v)))
    out = []
    for item in values:
        lang = getattr(item, "language", None)
        attrs = f' lang="{esc(lang)}"' + (' class="en"' if lang == "en" else "") if lang else ""
        out.append(f"<p{attrs}>{esc(item)}</p>")
    return "".join(out)


def document(title: str, body: str, data_block: str | None = None) -> str:
    """A standalone page: Japanese, no script, the style sheet :data:`POLICY` allows; ``data_block`` is JSON-LD for
    the page's head (a data block the browser never runs; it must have ``<`` escaped)."""
    block = f'<script type="application/ld+json">{data_block}</script>\n' if data_block is not None else ""
    return (
        '<!DOCTYPE html>\n<html lang="ja">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{esc(title)}</title>\n<style>{STYLE}</style>\n{block}</head>\n<body>\n{body}\n</body>\n</html>\n"
    )
