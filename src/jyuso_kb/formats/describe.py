"""What the service says about one IRI it mints: its description as RDF and as a small HTML page.

The description of a node is its triples, those of the anonymous nodes it points to (a concise bounded
description), and the labels of the named nodes it points to, so that a tool reading it alone can name them.
"""

from __future__ import annotations

from collections import defaultdict

from rdflib import RDF, BNode, Graph, URIRef
from rdflib.term import Node

from jyuso_kb.formats.rdf_html import BASE, LABELS, document, esc, label, listing, name, short, term, value
from jyuso_kb.namespaces import bind_prefixes

SHAPES = URIRef(f"{BASE}shapes#")


def description(graph: Graph, node: URIRef, labels: Graph | None = None) -> Graph:
    """The node's triples, those of the anonymous nodes it reaches, and the labels of the named nodes it points to
    (read in ``labels`` too, when given: the vocabulary naming what the graph points to)."""
    named = [graph] if labels is None else [graph, labels]
    out = Graph()
    todo: list[Node] = [node]
    seen: set[Node] = set()
    while todo:
        subject = todo.pop()
        if subject in seen:
            continue
        seen.add(subject)
        for prop, item in graph.predicate_objects(subject):
            out.add((subject, prop, item))
            if isinstance(item, BNode):
                todo.append(item)
            elif isinstance(item, URIRef) and item != node:
                for source in named:
                    for label_prop in LABELS:
                        for text in source.objects(item, label_prop):
                            out.add((item, label_prop, text))
    for prefix, namespace in graph.namespaces():
        out.bind(prefix, namespace, override=False)
    return bind_prefixes(out)


def japanese_first(node: Node) -> tuple[bool, str]:
    return getattr(node, "language", None) != "ja", str(node)


def rows(graph: Graph, vocabulary: Graph, node: Node) -> str:
    """A table of the node's properties (named by ``vocabulary``) and values (named by ``graph``), rdf:type first."""
    values: dict[Node, list[Node]] = defaultdict(list)
    for prop, item in graph.predicate_objects(node):
        values[prop].append(item)
    order = sorted(values, key=lambda p: (p != RDF.type, name(vocabulary, p), str(p)))
    body = "".join(
        f'<tr><th scope="row">{term(vocabulary, p)}</th>'
        f"<td>{listing(value(graph, v) for v in sorted(values[p], key=japanese_first))}</td></tr>"
        for p in order
    )
    return f"<table>\n<thead><tr><th>プロパティ</th><th>値</th></tr></thead>\n<tbody>{body}</tbody>\n</table>"


FORMATS = '<a href="?format=ttl">Turtle</a>、<a href="?format=jsonld">JSON-LD</a>'


def description_page(
    described: Graph, vocabulary: Graph, node: URIRef, page: str | None = None, data_block: str | None = None
) -> str:
    """The HTML of a node's description (:func:`description`), its properties named by ``vocabulary``; ``page`` is
    its view on the web page, when it has one; ``data_block`` its JSON-LD in a public standard (a programme's
    schema.org GovernmentService), for search engines. The other formats are the same path with ``?format=``."""
    ja, en = label(described, node), label(described, node, "en")
    title = ja or en or short(vocabulary, node)
    links = [f"<dt>IRI</dt><dd><code>{esc(node)}</code></dd>", f"<dt>ほかの形式</dt><dd>{FORMATS}</dd>"]
    if page is not None:
        links.append(f'<dt>Web ページ</dt><dd><a href="{esc(page)}">{esc(title)}</a></dd>')
    english = f'<p lang="en" class="en">{esc(en)}</p>\n' if ja and en else ""
    body = (
        f"<main>\n<h1>{esc(title)}</h1>\n{english}<dl>{''.join(links)}</dl>\n{rows(described, vocabulary, node)}\n"
        '<p><a href="/ontology">語彙(オントロジー)の説明</a></p>\n</main>'
    )
    return document(title, body, data_block)


def named_shapes(shapes: Graph) -> list[URIRef]:
    """The shapes and annotation properties named in the ``jysh:`` namespace, by local name."""
    found = {s for s in shapes.subjects() if isinstance(s, URIRef) and str(s).startswith(str(SHAPES))}
    return sorted((s for s in found if s != SHAPES), key=str)


def shapes_page(shapes: Graph, vocabulary: Graph) -> str:
    """Every named shape of shapes/ (anchor: its local name, so ``…/shapes#ProgramShape`` → ``/shapes#ProgramShape``),
    with its target, constraints and messages; terms of the ontology named by ``vocabulary``."""
    both = Graph()
    both += vocabulary
    both += shapes
    for prefix, namespace in shapes.namespaces():
        both.bind(prefix, namespace, override=False)
    found = named_shapes(shapes)
    articles = []
    for shape in found:
        anchor = str(shape)[len(str(SHAPES)) :]
        shown = label(shapes, shape) or label(shapes, shape, "en") or anchor
        articles.append(
            f'<article id="{esc(anchor)}">\n<h2>{esc(shown)} <code>{esc(short(both, shape))}</code></h2>\n'
            f"{rows(both, both, shape)}\n</article>"
        )
    toc = "、".join(f'<a href="#{esc(str(s)[len(str(SHAPES)) :])}">{esc(short(both, s))}</a>' for s in found)
    title = "SHACL の形状(計画の検証の要件)"
    body = (
        f'<main>\n<h1>{esc(title)}</h1>\n<p>計画のデータが満たすべき要件。語彙は <a href="/ontology">/ontology</a>。'
        f'ほかの形式: {FORMATS}</p>\n<nav class="toc" aria-label="目次"><p>{toc}</p></nav>\n'
        + "\n".join(articles)
        + "\n</main>"
    )
    return document(title, body)
