"""The IATI import reads a file an activity at a time (coopgraph.core.iati.reader.IatiReading, xmltree.iter_children).

What streaming must not change is in test_register_iati.py (the same
results, problems and all-or-nothing); here, that it streams: records come
out before the parser has reached the end of the file, and a file that names
its province only later still gets it on every record.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from coopgraph.core.iati import IatiError, IatiReading, iter_children
from coopgraph.core.vocab import CG, CGR

WHEN = dt.datetime(2024, 5, 3, 10, 0, tzinfo=dt.UTC)
GOOD = (Path(__file__).parent / "fixtures" / "iati" / "loja-activities.xml").read_text(encoding="utf-8")
FIRST, SECOND = "EC-GADPL-2023-RIEGO-01", "EC-GADPL-2024-TURISMO-02"
PADDING = "<!-- " + "x" * 200_000 + " -->\n"
"""Longer than one chunk given to the parser: what comes after it has not been parsed when the first record is out."""


def reading(text: str, **options: object) -> IatiReading:
    return IatiReading(text.encode("utf-8"), file="t.xml", recorded_by="t", recorded_at=WHEN, **options)  # type: ignore[arg-type]


def test_children_of_the_root_come_one_by_one_and_the_root_keeps_none() -> None:
    elements = iter_children(b'<r a="1"><x>1</x><y><z/></y></r>')
    root = next(elements)
    assert (root.tag, root.attrs, root.children) == ("r", {"a": "1"}, [])
    x = next(elements)
    assert (x.tag, x.text) == ("x", "1")
    y = next(elements)
    assert [child.tag for child in y.children] == ["z"]
    assert list(elements) == [] and root.children == []


def test_a_record_is_out_before_the_rest_of_the_file_is_parsed() -> None:
    second = GOOD.index('  <iati-activity xml:lang="en"')
    broken = GOOD[:second] + PADDING + "<broken>\n" + GOOD[second:]
    records = reading(broken, province="EC-L").records()
    first = next(records)
    assert first.identifier == FIRST and first.triples
    with pytest.raises(IatiError) as caught:
        next(records)
    assert caught.value.kinds == {"xml"}


def test_a_province_named_only_by_a_later_activity_reaches_every_record() -> None:
    end = GOOD.rindex("</iati-activity>")
    assert GOOD.index('<iati-activity xml:lang="en"') < end
    text = (
        GOOD[:end]
        + f'  <cg:registerProvince xmlns:cg="https://w3id.org/coopgraph/def#" ref="{CGR}provincia-ec-l"/>\n  '
        + GOOD[end:]
    )
    read = reading(text)
    records = list(read.records())
    read.finish()
    assert [record.identifier for record in records] == [FIRST, SECOND]
    for record in records:
        provinces = {o for s, p, o in record.triples if s == record.iri and str(p) == CG + "registerProvince"}
        assert {str(o) for o in provinces} == {CGR + "provincia-ec-l"}


def test_texts_with_line_breaks_and_quotes_are_committed_as_written() -> None:
    """The staged records go through a file to the store: what rdflib writes for such texts must read back."""
    from rdflib import Literal, URIRef
    from rdflib.namespace import DCTERMS

    from coopgraph.core.iati import REGISTER_GRAPH, import_iati
    from coopgraph.core.loading import ensure_loaded
    from coopgraph.core.store import OxigraphStore

    text = 'Compromiso "firmado"\n  del convenio\\ con \\u00e1 y """tres"""'
    xml = GOOD.replace("<narrative>Compromiso del convenio</narrative>", f"<narrative>{text}</narrative>", 1)
    assert xml != GOOD
    with OxigraphStore.in_memory() as store:
        ensure_loaded(store)
        import_iati(store, xml.encode("utf-8"), file="t.xml", recorded_by="t", recorded_at=WHEN, province="EC-L")
        graph = store.to_rdflib([REGISTER_GRAPH])
    assert Literal(text.strip(), lang="es") in set(graph.objects(None, DCTERMS.description))
    assert (URIRef(CGR + "actividad/" + FIRST), None, None) in graph
