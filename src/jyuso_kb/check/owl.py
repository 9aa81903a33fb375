"""OWL consistency of ontology + data under HermiT (through owlready2).

HermiT accepts only the OWL 2 datatype map, so the graph is first given an "OWL view": xsd:date literals become
xsd:dateTime at midnight, xsd:gYearMonth/xsd:gYear become strings, rdf:langString becomes rdf:PlainLiteral.
owl:imports triples are dropped so that owlready2 never fetches anything.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from owlready2 import OwlReadyInconsistentOntologyError, World, sync_reasoner_hermit
from rdflib import OWL, RDF, XSD, Graph, Literal, URIRef

_PLAIN_LITERAL = URIRef("http://www.w3.org/1999/02/22-rdf-syntax-ns#PlainLiteral")
_DATATYPES = {XSD.date: XSD.dateTime, XSD.gYearMonth: XSD.string, XSD.gYear: XSD.string, RDF.langString: _PLAIN_LITERAL}


@dataclass(frozen=True)
class ConsistencyResult:
    consistent: bool
    detail: str


def owl_view(graph: Graph) -> Graph:
    """A new graph HermiT can read; the input graph is left as it is."""
    out = Graph()
    for s, p, o in graph:
        if p == OWL.imports:
            continue
        if isinstance(o, Literal) and o.datatype in _DATATYPES:
            text = f"{o}T00:00:00" if o.datatype == XSD.date else str(o)
            o = Literal(text, datatype=_DATATYPES[o.datatype])
        elif isinstance(o, URIRef) and o in _DATATYPES:
            o = _DATATYPES[o]
        out.add((s, p, o))
    return out


def check(graph: Graph) -> ConsistencyResult:
    """Run HermiT on the graph; ``consistent`` is False when the ontology with the data is inconsistent."""
    payload = owl_view(graph).serialize(format="nt", encoding="utf-8")
    world = World()
    onto = world.get_ontology("urn:jyuso-kb:consistency-check#").load(
        fileobj=io.BytesIO(payload), format="ntriples", only_local=True
    )
    try:
        with onto:
            sync_reasoner_hermit(world, infer_property_values=False, debug=0)
    except OwlReadyInconsistentOntologyError:
        return ConsistencyResult(False, "オントロジーとデータが矛盾しています(推論器 HermiT で確かめました)。")
    finally:
        world.close()
    return ConsistencyResult(True, "矛盾はありません(推論器 HermiT で確かめました)。")
