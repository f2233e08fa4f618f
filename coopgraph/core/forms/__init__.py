"""Register records from an officer's form: a small JSON in, the record's quads out, and back again.

The officers' page (`/register`) sends what an officer typed (titles, the
parties and their IATI roles, dates, themes, territory, priority…) as a
flat JSON object; this package reads it (fields.py: `FormError` names the
fields it cannot read), mints the record's IRI the way the register does
(`cgr:instrumento/ec-l-2026-007`, `cgr:demanda/ec-l-2024-002`), and builds
its quads in the register graph with a `cg:ManualEntry` source (records.py).
The quads then go through the write path like any other write
(coopgraph/web/register.py calls `coopgraph.web.writes.write`), so the SHACL
gate, the province check and the audit apply. `FIELD_OF` tells which form
field a SHACL result concerns (fields.py), and reading.py turns a stored
record back into the form's fields (to edit it) and lists a province's records.
"""

from __future__ import annotations

from coopgraph.core.forms.fields import FIELD_OF, KINDS, FormError, RecordForm, field_of, read_form
from coopgraph.core.forms.listing import Listing, list_records, search_records
from coopgraph.core.forms.reading import RecordFilter, read_record, view_record
from coopgraph.core.forms.records import record_change

__all__ = [
    "FIELD_OF",
    "KINDS",
    "FormError",
    "Listing",
    "RecordFilter",
    "RecordForm",
    "field_of",
    "list_records",
    "read_form",
    "read_record",
    "record_change",
    "search_records",
    "view_record",
]
