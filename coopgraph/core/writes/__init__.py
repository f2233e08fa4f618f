"""The write path: tokens, the change a write makes, the gate it must pass, its audit, and its durable commit.

A write runs in two halves. `prepare` (on a copy of the data: a worker of
`coopgraph serve`, or the live store that it rolls back) applies the
operation, keeps its net change (`Delta`), checks it at the gate (graphs,
the token's province, the SHACL shapes) and adds its audit record. Then
the process that owns the store commits the whole change at once through
its `Journal` (a synced write-ahead log): all of a write or none of it.

Modules: plan.py (`prepare`: a write's whole change, checked and audited),
tokens.py (who may write), delta.py (a change and its texts),
view.py and update.py (SPARQL Update on pyoxigraph, change recorded),
graph_store.py (the Graph Store Protocol's changes), gate.py (what may be
written), audit.py (the `cg:Write` records, history, revert), journal.py
(durable commits). This package imports none of them: the front of
`coopgraph serve` needs the journal alone, not the SHACL gate's imports.
"""
