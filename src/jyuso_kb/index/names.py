"""The labels a question finds things by: a need's labels (prefLabel > altLabel > hiddenLabel), and what a question can
name — departments, programmes, meetings and support bodies with a contact department (``jy:contactDepartment``,
derived by rules/name-contact-department.rq)."""

from __future__ import annotations

from dataclasses import dataclass

from rdflib import RDFS, SKOS, Graph, Literal
from rdflib.term import Node

from jyuso_kb.index.parameters import Parameters
from jyuso_kb.index.textmatch import Label, normalize
from jyuso_kb.index.vocabulary import kind_of
from jyuso_kb.namespaces import JY
from jyuso_kb.plan.terms import label, local_id, ordered


@dataclass(frozen=True)
class Named:
    """A department, programme, meeting or support body a question can name, and the departments it points to
    (``jy:contactDepartment``, rules/name-contact-department.rq)."""

    iri: str
    id: str
    kind: str
    label: str
    departments: tuple[tuple[str, str, str], ...]  # (id, IRI, label), in the plan's order


def names_of(
    graph: Graph, params: Parameters, spellings: tuple[tuple[str, str], ...]
) -> tuple[dict[str, Named], list[Label]]:
    """Everything an answer lists that has a contact department, and its names: its labels (ja), alternative and
    transitional labels, and for a programme the labels of the component it implements (参加支援事業)."""
    named: dict[str, Named] = {}
    labels: list[Label] = []
    for node in sorted(set(graph.subjects(JY.contactDepartment, None)), key=str):
        kind = kind_of(graph, node)
        if kind is None:
            continue
        departments = ordered(graph, graph.objects(node, JY.contactDepartment))
        named[str(node)] = Named(
            str(node),
            local_id(node),
            kind,
            label(graph, node),
            tuple((local_id(d), str(d), label(graph, d)) for d in departments),
        )
        sources = [(node, RDFS.label, params.pref_label_weight), (node, SKOS.altLabel, params.alt_label_weight)]
        sources.append((node, JY.transitionalLabel, params.alt_label_weight))
        sources += [(c, RDFS.label, params.alt_label_weight) for c in graph.objects(node, JY.component)]
        texts: dict[str, float] = {}
        for subject, prop, weight in sources:
            for value in graph.objects(subject, prop):
                if isinstance(value, Literal) and value.language in ("ja", None):
                    texts[str(value)] = max(weight, texts.get(str(value), 0.0))
        labels += [Label(normalize(t, spellings), t, str(node), w) for t, w in sorted(texts.items())]
    return named, labels


def need_labels(graph: Graph, need: Node, params: Parameters) -> list[tuple[str, float]]:
    out = []
    weights = (
        (SKOS.prefLabel, params.pref_label_weight),
        (SKOS.altLabel, params.alt_label_weight),
        (SKOS.hiddenLabel, params.hidden_label_weight),
    )
    for prop, weight in weights:
        for value in graph.objects(need, prop):
            if isinstance(value, Literal) and value.language in ("ja", None):
                out.append((str(value), weight))
    return sorted(out, key=lambda item: (-item[1], item[0]))
