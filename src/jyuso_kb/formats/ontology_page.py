"""The ontology as one readable HTML page (``GET /ontology``), generated from ontology/*.ttl and shapes/*.ttl.

Every class, property and individual of the ``jy:`` namespace has a section whose anchor is its local name
(``https://w3id.org/jyuso-kb/ontology#ImplementingProgram`` → ``/ontology#ImplementingProgram``): labels and
definitions in Japanese then English, kind, domain and range, super- and subclasses, the SHACL constraints on it
(each linking to its shape under ``/shapes``), its other annotations, and a few examples from a municipality's plan
(instances of a class, uses of a property), each linking to the IRI that describes it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from rdflib import OWL, RDF, RDFS, Graph, Literal, URIRef
from rdflib.namespace import SH, SKOS
from rdflib.term import Node

from jyuso_kb.formats.rdf_html import LONG_TEXT, document, esc, label, listing, name, short, term, texts, value
from jyuso_kb.namespaces import DATA, JY, LAW
from jyuso_kb.plan.terms import order_key

ONTOLOGY = URIRef(str(JY).removesuffix("#"))
CLASS_TYPES = (OWL.Class, RDFS.Class)
# The kinds of property, as a page names them (OWL's own vocabulary has no Japanese labels).
PROPERTY_KINDS = (
    (OWL.ObjectProperty, "オブジェクトプロパティ"),
    (OWL.DatatypeProperty, "データ型プロパティ"),
    (OWL.AnnotationProperty, "注釈プロパティ"),
    (RDF.Property, "プロパティ"),
)
QUALIFIERS = ((OWL.FunctionalProperty, "関数的(値は1つ)"), (OWL.TransitiveProperty, "推移的"))
SEVERITIES = ((SH.Violation, "違反"), (SH.Warning, "警告"), (SH.Info, "情報"))
SHOWN = {RDF.type, RDFS.label, SKOS.definition, RDFS.domain, RDFS.range, RDFS.subClassOf, RDFS.subPropertyOf}
EXAMPLES = 3
SHAPES_LINK = '<a href="/shapes">/shapes</a>'
SECTIONS = (("_classes", "クラス"), ("_properties", "プロパティ"), ("_individuals", "個体(選択肢など)"))


@dataclass(frozen=True)
class Terms:
    """The ``jy:`` terms of the ontology, each list sorted by local name."""

    classes: tuple[URIRef, ...]
    properties: tuple[URIRef, ...]
    individuals: tuple[URIRef, ...]


@dataclass(frozen=True)
class Constraint:
    shape: URIRef | None  # the shape, or the node shape holding an anonymous one
    message: str
    severity: str
    path: Node | None
    target: Node | None


def local(node: Node) -> str:
    return str(node)[len(str(JY)) :]


def terms(ontology: Graph) -> Terms:
    """Classes, properties and individuals named in the ``jy:`` namespace of the ontology."""
    mine = {s for s in ontology.subjects() if isinstance(s, URIRef) and str(s).startswith(str(JY)) and local(s)}
    classes = {s for s in mine if any((s, RDF.type, t) in ontology for t in CLASS_TYPES)}
    properties = {s for s in mine if any((s, RDF.type, t) in ontology for t, _ in PROPERTY_KINDS)}
    individuals = {s for s in mine - classes - properties if (s, RDF.type, None) in ontology}
    return Terms(*(tuple(sorted(group, key=local)) for group in (classes, properties, individuals)))


def _severity(shapes: Graph, shape: Node) -> str:
    level = shapes.value(shape, SH.severity) or SH.Violation
    return next((text for iri, text in SEVERITIES if iri == level), short(shapes, level))


def constraints(shapes: Graph) -> list[Constraint]:
    """Each shape with a message: its path (None for a constraint on the node), target class and severity."""
    owners = {ps: ns for ns, ps in shapes.subject_objects(SH.property)}
    found = []
    for shape in sorted(set(shapes.subjects(SH.message, None)), key=str):
        message = _message(shapes, shape)
        owner = owners.get(shape, shape)
        target = shapes.value(owner, SH.targetClass)
        path = shapes.value(shape, SH.path)
        named = shape if isinstance(shape, URIRef) else owner if isinstance(owner, URIRef) else None
        found.append(Constraint(named, message, _severity(shapes, shape), path, target))
    return found


def _message(shapes: Graph, shape: Node) -> str:
    messages = [m for m in shapes.objects(shape, SH.message) if isinstance(m, Literal)]
    return str(next((m for m in messages if m.language == "ja"), messages[0]))


def _constraint_html(shapes: Graph, vocabulary: Graph, found: Constraint, on: str) -> str:
    where = found.path if on == "class" else found.target
    about = f"{term(vocabulary, where)}: " if isinstance(where, URIRef) else ""
    shape = f"、{term(shapes, found.shape)}" if found.shape is not None else ""
    return f"{about}{esc(found.message)} <small>({esc(found.severity)}{shape})</small>"


def _row(title: str, body: str) -> str:
    return f"<dt>{esc(title)}</dt><dd>{body}</dd>" if body else ""


def _terms(graph: Graph, nodes: list[Node]) -> str:
    return listing(value(graph, n) for n in sorted(set(nodes), key=lambda n: (name(graph, n), str(n))))


def _head(graph: Graph, node: URIRef, kind: str) -> str:
    ja, en = label(graph, node), label(graph, node, "en")
    heading = esc(ja or en or local(node)) + (f' <span lang="en" class="en">{esc(en)}</span>' if ja and en else "")
    return (
        f'<article id="{esc(local(node))}">\n<h3>{heading}</h3>\n<dl>'
        f"{_row('IRI', f'<code>{esc(node)}</code>')}{_row('種類', kind)}"
        f"{_row('定義', texts(graph, node, SKOS.definition))}"
    )


def _others(graph: Graph, node: URIRef) -> str:
    rows = defaultdict(list)
    for prop, item in graph.predicate_objects(node):
        if prop not in SHOWN:
            rows[prop].append(item)
    return "".join(
        _row(name(graph, p), listing(value(graph, v) for v in sorted(rows[p], key=_japanese_first)))
        for p in sorted(rows, key=str)
    )


def _japanese_first(node: Node) -> tuple[bool, str]:
    return getattr(node, "language", None) != "ja", str(node)


def _instances(examples: Graph, cls: URIRef) -> str:
    """A few instances of the class or of its subclasses (the plan's own first, in the plan's order)."""
    classes = set(examples.transitive_subjects(RDFS.subClassOf, cls))
    found = sorted(
        {s for c in classes for s in examples.subjects(RDF.type, c)},
        key=lambda n: (not str(n).startswith(DATA), order_key(examples, n)),
    )
    shown = [term(examples, n) for n in found[:EXAMPLES]]
    more = f"<p>ほか {len(found) - EXAMPLES} 件</p>" if len(found) > EXAMPLES else ""
    return listing(shown) + more


def _uses(examples: Graph, prop: URIRef) -> str:
    """A few uses of the property, one per subject (the plan's own first, Japanese values first)."""
    found = sorted(
        examples.subject_objects(prop),
        key=lambda so: (
            not str(so[0]).startswith(DATA),
            order_key(examples, so[0]),
            getattr(so[1], "language", None) != "ja",
            str(so[1]),
        ),
    )
    first: dict[Node, Node] = {}
    for subject, item in found:
        first.setdefault(subject, item)
    shown = [f"{term(examples, s)} → {value(examples, o, limit=LONG_TEXT)}" for s, o in list(first.items())[:EXAMPLES]]
    more = f"<p>ほか {len(found) - len(shown)} 件</p>" if len(found) > len(shown) else ""
    return listing(shown) + more


@dataclass(frozen=True)
class _Context:
    ontology: Graph
    shapes: Graph
    examples: Graph
    on_class: dict[Node, list[Constraint]]
    on_path: dict[Node, list[Constraint]]


def _class(c: _Context, node: URIRef) -> str:
    g = c.ontology
    rows = [
        _row("上位クラス", _terms(g, list(g.objects(node, RDFS.subClassOf)))),
        _row("下位クラス", _terms(g, list(g.subjects(RDFS.subClassOf, node)))),
        _row("このクラスを定義域とするプロパティ", _terms(g, list(g.subjects(RDFS.domain, node)))),
        _row("このクラスを値域とするプロパティ", _terms(g, list(g.subjects(RDFS.range, node)))),
        _row("制約(SHACL)", listing(_constraint_html(c.shapes, g, x, "class") for x in c.on_class.get(node, []))),
        _others(g, node),
        _row("例", _instances(c.examples, node) or "計画のデータにはありません。"),
    ]
    return _head(g, node, "クラス") + "".join(rows) + "</dl>\n</article>"


def _property(c: _Context, node: URIRef) -> str:
    g = c.ontology
    kinds = [text for iri, text in (*PROPERTY_KINDS, *QUALIFIERS) if (node, RDF.type, iri) in g]
    rows = [
        _row("定義域(domain)", _terms(g, list(g.objects(node, RDFS.domain))) or "指定なし"),
        _row("値域(range)", _terms(g, list(g.objects(node, RDFS.range))) or "指定なし"),
        _row("上位プロパティ", _terms(g, list(g.objects(node, RDFS.subPropertyOf)))),
        _row("下位プロパティ", _terms(g, list(g.subjects(RDFS.subPropertyOf, node)))),
        _row("制約(SHACL)", listing(_constraint_html(c.shapes, g, x, "path") for x in c.on_path.get(node, []))),
        _others(g, node),
        _row("例", _uses(c.examples, node) or "計画のデータには使われていません。"),
    ]
    return _head(g, node, esc("、".join(kinds))) + "".join(rows) + "</dl>\n</article>"


def _individual(c: _Context, node: URIRef) -> str:
    g = c.ontology
    kinds = [t for t in g.objects(node, RDF.type) if t != OWL.NamedIndividual]
    return _head(g, node, _terms(g, kinds)) + _others(g, node) + "</dl>\n</article>"


def _toc(graph: Graph, found: Terms) -> str:
    parts = ['<nav class="toc" aria-label="目次">']
    for (anchor, title), group in zip(SECTIONS, (found.classes, found.properties, found.individuals), strict=True):
        links = "、".join(f'<a href="#{esc(local(n))}">{esc(name(graph, n))}</a>' for n in group)
        parts.append(f'<p><a href="#{anchor}"><strong>{esc(title)}({len(group)})</strong></a>: {links}</p>')
    parts.append('<p><a href="#_law"><strong>社会福祉法の規定と既存制度の事業</strong></a></p></nav>')
    return "\n".join(parts)


def _law(graph: Graph) -> str:
    provisions = sorted(
        (s for s in set(graph.subjects()) if str(s).startswith(str(LAW))), key=lambda n: order_key(graph, n)
    )
    kinds = {
        p: "、".join(sorted(name(graph, t) for t in graph.objects(p, RDF.type) if t != OWL.NamedIndividual))
        for p in provisions
    }
    items = listing(f"{term(graph, p)} <small>({esc(kinds[p])})</small>" for p in provisions)
    return f'<section id="_law">\n<h2>社会福祉法の規定と既存制度の事業({len(provisions)})</h2>\n{items}\n</section>'


def page(ontology: Graph, shapes: Graph, examples: Graph, source: str) -> str:
    """The whole page. ``examples`` is a municipality's merged graph (vocabulary and plan); ``source`` says whose."""
    found = terms(ontology)
    on_class: dict[Node, list[Constraint]] = defaultdict(list)
    on_path: dict[Node, list[Constraint]] = defaultdict(list)
    for constraint in constraints(shapes):
        if constraint.target is not None:
            on_class[constraint.target].append(constraint)
        if constraint.path is not None:
            on_path[constraint.path].append(constraint)
    context = _Context(ontology, shapes, examples, on_class, on_path)
    title = label(ontology, ONTOLOGY) or short(ontology, ONTOLOGY)
    formats = '<a href="?format=ttl">Turtle</a>、<a href="?format=jsonld">JSON-LD</a>'
    head = (
        f'<header>\n<h1>{esc(title)}</h1>\n<p lang="en" class="en">{esc(label(ontology, ONTOLOGY, "en"))}</p>\n'
        f"{texts(ontology, ONTOLOGY, SKOS.definition)}\n<dl>{_row('IRI', f'<code>{esc(ONTOLOGY)}</code>')}"
        f"{_others(ontology, ONTOLOGY)}{_row('例の出典', esc(source))}{_row('ほかの形式', formats)}"
        f"{_row('SHACL の形状', SHAPES_LINK)}</dl>\n</header>"
    )
    sections = []
    for (anchor, heading), group, render in zip(
        SECTIONS,
        (found.classes, found.properties, found.individuals),
        (_class, _property, _individual),
        strict=True,
    ):
        body = "\n".join(render(context, node) for node in group)
        sections.append(f'<section id="{anchor}">\n<h2>{esc(heading)}({len(group)})</h2>\n{body}\n</section>')
    body = "\n".join([head, _toc(ontology, found), "<main>", *sections, _law(ontology), "</main>"])
    return document(title, body)
