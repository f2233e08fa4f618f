"""The projection's rules as data: which resources become nodes, which properties edges, which attributes.

Edit these tables to change the property graph that `coopgraph.core.projection`
builds from the RDF graph (and so every export and the /explore page):

- `KINDS`: classes whose instances become nodes, each with a short `kind`
  key and its label. Order is priority: a resource gets the kind of the
  first row whose class is one of its types or their superclasses
  (`rdfs:subClassOf*`, read from the ontology). A row with `namespace`
  matches only IRIs in it; a `linked_only` row makes nodes only of the
  resources that an edge ties to another node (the 970 IATI codes are in
  the graph, but only those our concepts map to are drawn).
- `RELATIONS`: properties whose IRI values become typed edges, with a
  `relation` key. `reverse=True` draws the edge from the value to the
  subject (`space cg:participant actor` becomes `actor participatesIn space`).
  A row with `via` is a two-hop relation: the property's value is an
  intermediate (a register record's participation, a blank node) and the
  edge goes to the intermediate's `via` values (`project cg:participatingOrg
  [ cg:actor aecid ; cg:organisationRole iati:OrganisationRole/1 ]` becomes
  `project participatingOrg aecid`), with the intermediate's `qualifiers`
  as edge attributes (`role`). When the intermediate has no `via` value,
  its `stand_in` says what node it names instead (an organisation an IATI
  file names only by identifier and name).
- `LINKS`: properties whose IRI values become a node attribute instead
  (the value's label, or the IRI itself), never an edge.
- `LITERALS`: properties whose literal values become node attributes,
  with a type (`str`, `int`, `float`).
- `IGNORED`: properties deliberately left out of the projection (they still
  show in `/api/resource` and in the RDF exports).

A property may be in RELATIONS, LINKS and LITERALS at once (IRI values
that are nodes are edges, other IRI values follow LINKS, literals follow
LITERALS). Labels default to the ontology's `rdfs:label` when a row gives none.
"""

from __future__ import annotations

from dataclasses import dataclass

from coopgraph.core.vocab import CG, CGR, DCTERMS, FOAF, IATI, LABEL, ORG, OWL, PREF_LABEL, RDF_TYPE, RDFS, SKOS

LABEL_PROPERTIES = (LABEL, PREF_LABEL)
"""Where a resource's name is read from, in this order (then the IRI's local name)."""


@dataclass(frozen=True)
class Kind:
    """Instances of `cls` (or of its subclasses) become nodes of this kind."""

    key: str
    cls: str
    es: str
    en: str
    namespace: str = ""
    linked_only: bool = False


@dataclass(frozen=True)
class Link:
    """IRI values of `property` become the node attribute `attribute`: their labels, or the IRI (`value="iri"`)."""

    property: str
    attribute: str
    value: str = "label"
    strip: str = ""
    """A prefix removed from IRI values (`mailto:`)."""
    es: str = ""
    en: str = ""


@dataclass(frozen=True)
class StandIn:
    """The node a two-hop relation's intermediate names when it has no `via` value: its kind is the one of `cls`,
    its IRI `base` + `ref/` + its `ref` value (percent-encoded), else `base` + `nombre/` + its `name` as a slug, so
    that every record naming the same organisation names the same node; its `name` values are its label."""

    cls: str
    ref: str
    name: str
    base: str


@dataclass(frozen=True)
class Relation:
    """IRI values of `property` that are nodes become edges `relation` (value -> subject if `reverse`).

    With `via`, the value is an intermediate and the edges go to its `via` values (or its `stand_in`), each
    carrying the intermediate's `qualifiers` (`Link` rows read from the intermediate) as edge attributes.
    """

    property: str
    key: str
    es: str = ""
    en: str = ""
    reverse: bool = False
    via: str = ""
    qualifiers: tuple[Link, ...] = ()
    stand_in: StandIn | None = None


@dataclass(frozen=True)
class Literal:
    """Literal values of `property` become the node attribute `attribute` of type `type`."""

    property: str
    attribute: str
    type: str = "str"
    es: str = ""
    en: str = ""


KINDS: tuple[Kind, ...] = (
    Kind("network", CG + "Network", "Red", "Network"),
    Kind("association", CG + "GovernmentAssociation", "Asociación de gobiernos", "Association of governments"),
    Kind("subnational-government", CG + "SubnationalGovernment", "Gobierno subnacional", "Subnational government"),
    Kind("agency", CG + "CooperationAgency", "Agencia de cooperación", "Cooperation agency"),
    Kind("government-body", CG + "GovernmentBody", "Entidad de gobierno", "Government body"),
    Kind(
        "international-organisation",
        CG + "InternationalOrganisation",
        "Organismo internacional",
        "International organisation",
    ),
    Kind("embassy", CG + "Embassy", "Embajada", "Embassy"),
    Kind("fund", CG + "Fund", "Fondo", "Fund"),
    Kind("company", CG + "Company", "Empresa", "Company"),
    Kind("organisation", CG + "Organisation", "Organización", "Organisation"),
    Kind("programme", CG + "Programme", "Programa", "Programme"),
    Kind("country", CG + "Country", "País", "Country"),
    Kind("province", CG + "Province", "Provincia", "Province"),
    Kind("city", CG + "City", "Ciudad", "City"),
    Kind("territory", CG + "Territory", "Territorio", "Territory"),
    Kind("space", CG + "Space", "Espacio", "Space"),
    Kind("call", CG + "Call", "Convocatoria", "Call"),
    Kind("event", CG + "Event", "Evento", "Event"),
    Kind("legal-provision", CG + "LegalProvision", "Disposición legal", "Legal provision"),
    Kind("legal-instrument", CG + "LegalInstrument", "Instrumento legal", "Legal instrument"),
    Kind("sector", CG + "Sector", "Sector", "Sector"),
    Kind("mechanism", CG + "Mechanism", "Mecanismo", "Mechanism"),
    Kind("modality", CG + "Modality", "Modalidad", "Modality"),
    Kind(
        "decentralised-modality",
        CG + "DecentralisedModality",
        "Modalidad de cooperación descentralizada",
        "Decentralised cooperation modality",
    ),
    Kind("instrument", CG + "NegotiationInstrument", "Instrumento de negociación", "Negotiation instrument"),
    Kind("cooperation-type", CG + "CooperationType", "Tipo de cooperación", "Kind of cooperation"),
    Kind("government-level", CG + "GovernmentLevel", "Nivel de gobierno", "Government level"),
    Kind("competence", CG + "Competence", "Competencia", "Competence"),
    Kind("unit-process", CG + "UnitProcess", "Proceso de la unidad", "Unit process"),
    Kind("unit-product", CG + "UnitProduct", "Producto de la unidad", "Unit product"),
    Kind(
        "strengthening-component",
        CG + "StrengtheningComponent",
        "Componente de fortalecimiento",
        "Strengthening component",
    ),
    Kind(
        "internationalisation-axis",
        CG + "InternationalisationAxis",
        "Eje de internacionalización",
        "Internationalisation axis",
    ),
    Kind("ordinance-purpose", CG + "OrdinancePurpose", "Fin de la ordenanza", "Ordinance purpose"),
    Kind("norm-rank", CG + "NormRank", "Rango normativo", "Rank of norm"),
    Kind("goal", CG + "Goal", "Meta", "Goal"),
    Kind("figure", CG + "Figure", "Cifra", "Figure"),
    Kind("agreement", CG + "Agreement", "Instrumento internacional suscrito", "Signed international instrument"),
    Kind(
        "activity", CG + "CooperationActivity", "Programa o proyecto de cooperación", "Cooperation programme or project"
    ),
    Kind("demand", CG + "CooperationDemand", "Demanda de cooperación", "Demand for cooperation"),
    Kind("report", CG + "FollowUpReport", "Informe de seguimiento", "Follow-up report"),
    Kind("actor", CG + "Actor", "Actor", "Actor"),
    Kind(
        "named-organisation",
        CG + "NamedOrganisation",
        "Organización nombrada en un registro",
        "Organisation named in a record",
    ),
    Kind("iati-code", SKOS + "Concept", "Código IATI", "IATI code", namespace=IATI, linked_only=True),
    Kind("concept", SKOS + "Concept", "Concepto", "Concept", linked_only=True),
)

KIND_COLOURS: dict[str, str] = {
    # organisations (actors): warm and purple hues
    "network": "#d62728",
    "association": "#ff7f0e",
    "subnational-government": "#0b6e4f",
    "agency": "#9467bd",
    "government-body": "#8c564b",
    "international-organisation": "#e377c2",
    "embassy": "#7b4173",
    "fund": "#bcbd22",
    "company": "#637939",
    "organisation": "#ad494a",
    "actor": "#843c39",
    "programme": "#e7969c",
    # places: blues
    "country": "#1f77b4",
    "province": "#6baed6",
    "city": "#9ecae1",
    "territory": "#3182bd",
    # spaces, calls, events: cyan and green
    "space": "#17becf",
    "call": "#9edae5",
    "event": "#2ca02c",
    # the legal framework: indigo
    "legal-provision": "#393b79",
    "legal-instrument": "#5254a3",
    "norm-rank": "#6b6ecf",
    # concepts of the taxonomies, figures, goals
    "sector": "#b5cf6b",
    "mechanism": "#e6550d",
    "modality": "#fd8d3c",
    "decentralised-modality": "#fdae6b",
    "instrument": "#31a354",
    "cooperation-type": "#e7ba52",
    "government-level": "#a1d99b",
    "competence": "#756bb1",
    "unit-process": "#9c9ede",
    "unit-product": "#cedb9c",
    "strengthening-component": "#de9ed6",
    "internationalisation-axis": "#8ca252",
    "ordinance-purpose": "#bd9e39",
    "goal": "#d6616b",
    "figure": "#ce6dbd",
    # the provinces' registers: records in browns and olive, the organisations only they name in rose
    "agreement": "#8c6d31",
    "activity": "#e7cb94",
    "demand": "#b15928",
    "report": "#c49c94",
    "named-organisation": "#f7b6d2",
    "iati-code": "#c7c7c7",
    "concept": "#7f7f7f",
}
"""One colour per kind of node, everywhere: the /explore page, the SVG drawing and its legend, GEXF `viz:color`,
the Cytoscape.js legend. Every key of KINDS has one, and no two kinds share one (a test checks both)."""
OTHER_COLOUR = "#969696"
"""The colour of a node whose kind is not in KIND_COLOURS (never one of the graph's own kinds)."""

_ROLE = (
    Link(CG + "organisationRole", "role", es="rol", en="role"),
    Link(
        CG + "organisationRole",
        "role_code",
        value="iri",
        strip=IATI + "OrganisationRole/",
        es="código del rol",
        en="role code",
    ),
)
"""A participation's IATI organisation role, on the record -> organisation edge: its label and its code."""
_NAMED = StandIn(CG + "NamedOrganisation", ref=CG + "orgRef", name=CG + "orgName", base=CGR + "organizacion-nombrada/")
"""An organisation a record names without an actor of the graph (`cg:orgRef`, `cg:orgName`)."""

RELATIONS: tuple[Relation, ...] = (
    Relation(ORG + "memberOf", "memberOf", "miembro de", "member of"),
    Relation(ORG + "subOrganizationOf", "subOrganizationOf", "parte de", "part of"),
    Relation(CG + "linkedTo", "linkedTo"),
    Relation(CG + "country", "country"),
    Relation(CG + "channelOf", "channelOf"),
    Relation(CG + "promotes", "promotes"),
    Relation(CG + "inCountry", "inCountry"),
    Relation(CG + "governs", "governs"),
    Relation(CG + "hasOffice", "hasOffice"),
    Relation(CG + "foundingPlace", "foundingPlace"),
    Relation(CG + "governmentLevel", "governmentLevel"),
    Relation(CG + "sector", "sector"),
    Relation(CG + "cooperationType", "cooperationType"),
    Relation(CG + "participant", "participatesIn", "participa en", "participates in", reverse=True),
    Relation(CG + "cooperant", "cooperatesIn", "coopera en", "cooperating partner in", reverse=True),
    Relation(CG + "convenor", "convenor"),
    Relation(CG + "offerer", "offerer"),
    Relation(CG + "partnerCountry", "partnerCountry"),
    Relation(CG + "coversTerritory", "coversTerritory"),
    Relation(CG + "programme", "programme"),
    Relation(CG + "sponsor", "sponsor"),
    Relation(CG + "winner", "winner"),
    Relation(CG + "callOf", "callOf"),
    Relation(CG + "legalBasis", "legalBasis"),
    Relation(CG + "grantsCompetence", "grantsCompetence"),
    Relation(CG + "establishesSpace", "establishesSpace"),
    Relation(CG + "issuedBy", "issuedBy"),
    Relation(CG + "appliesTo", "appliesTo"),
    Relation(CG + "modality", "modality"),
    Relation(CG + "negotiatedThrough", "negotiatedThrough"),
    Relation(CG + "about", "about"),
    Relation(CG + "setBy", "setBy"),
    Relation(CG + "hasPurpose", "hasPurpose"),
    Relation(CG + "normRank", "normRank"),
    Relation(CG + "ranksAbove", "ranksAbove"),
    Relation(CG + "responsible", "responsible"),
    Relation(CG + "programmeOf", "programmeOf"),
    Relation(CG + "addressedTo", "addressedTo"),
    # the provinces' registers: a record's organisations through its participations (two hops), then its links
    Relation(CG + "participatingOrg", "participatingOrg", via=CG + "actor", qualifiers=_ROLE, stand_in=_NAMED),
    Relation(CG + "party", "party", via=CG + "actor", qualifiers=_ROLE, stand_in=_NAMED),
    Relation(CG + "reportingOrg", "reportingOrg", via=CG + "actor", stand_in=_NAMED),
    Relation(
        CG + "sectorShare",
        "sectorCode",
        "sector",
        "sector",
        via=CG + "sectorCode",
        qualifiers=(Link(CG + "percentage", "percentage", es="porcentaje", en="percentage"),),
    ),
    Relation(CG + "executes", "executes"),
    Relation(CG + "answeredBy", "answeredBy"),
    Relation(CG + "reportOn", "reportOn"),
    Relation(CG + "registerProvince", "registerProvince"),
    Relation(CG + "activityTerritory", "activityTerritory"),
    Relation(CG + "demandTerritory", "demandTerritory"),
    Relation(CG + "demandTheme", "demandTheme"),
    Relation(CG + "requestedCooperationType", "requestedCooperationType"),
    Relation(CG + "agreementMechanism", "agreementMechanism"),
    Relation(CG + "agreementInstrument", "agreementInstrument"),
    Relation(CG + "agreementLegalBasis", "agreementLegalBasis"),
    Relation(DCTERMS + "isPartOf", "isPartOf", "parte de", "part of"),
    Relation(DCTERMS + "relation", "relation", "relacionado con", "related to"),
    Relation(SKOS + "broader", "broader", "más amplio", "broader"),
    Relation(SKOS + "related", "related", "relacionado", "related"),
    Relation(SKOS + "exactMatch", "exactMatch", "equivale a", "exact match"),
    Relation(SKOS + "closeMatch", "closeMatch", "equivale aproximadamente a", "close match"),
    Relation(SKOS + "broadMatch", "broadMatch", "corresponde a uno más amplio", "broad match"),
    Relation(SKOS + "narrowMatch", "narrowMatch", "corresponde a uno más específico", "narrow match"),
    Relation(SKOS + "relatedMatch", "relatedMatch", "corresponde a uno relacionado", "related match"),
)

LINKS: tuple[Link, ...] = (
    Link(CG + "country", "country"),
    Link(CG + "inCountry", "country"),
    Link(CG + "sector", "sectors"),
    Link(CG + "governmentLevel", "government_level"),
    Link(DCTERMS + "source", "sources", es="fuente", en="source"),
    Link(SKOS + "inScheme", "scheme", es="esquema", en="scheme"),
    Link(CG + "unit", "unit"),
    Link(CG + "qualifier", "qualifier"),
    Link(FOAF + "homepage", "homepage", value="iri", es="sitio web", en="web site"),
    Link(FOAF + "mbox", "email", value="iri", strip="mailto:", es="correo electrónico", en="e-mail"),
    Link(RDFS + "seeAlso", "see_also", value="iri", es="véase también", en="see also"),
    Link(CG + "activityStatus", "status", es="estado", en="status"),
    Link(CG + "demandStatus", "status", es="estado", en="status"),
    Link(CG + "priority", "priority"),
    Link(CG + "defaultCurrency", "currency"),
    Link(CG + "orgType", "org_type"),
)

LITERALS: tuple[Literal, ...] = (
    Literal(SKOS + "altLabel", "alt_labels", es="otros nombres", en="other names"),
    Literal(SKOS + "notation", "notation", es="código", en="code"),
    Literal(DCTERMS + "description", "description", es="descripción", en="description"),
    Literal(SKOS + "definition", "definition", es="definición", en="definition"),
    Literal(SKOS + "scopeNote", "scope_note", es="nota de alcance", en="scope note"),
    Literal(DCTERMS + "title", "title", es="título", en="title"),
    Literal(DCTERMS + "creator", "creator", es="autor", en="creator"),
    Literal(DCTERMS + "date", "date", "int", es="fecha", en="date"),
    Literal(CG + "mission", "mission"),
    Literal(CG + "foundingYear", "founded", "int"),
    Literal(CG + "foundingPlace", "founding_place"),
    Literal(CG + "establishedYear", "established", "int"),
    Literal(CG + "reactivatedYear", "reactivated", "int"),
    Literal(CG + "issuedYear", "issued", "int"),
    Literal(CG + "articleNumber", "article", "int"),
    Literal(CG + "subdivision", "subdivision"),
    Literal(CG + "establishes", "establishes"),
    Literal(CG + "periodicity", "periodicity"),
    Literal(CG + "minIntervalYears", "min_interval_years", "int"),
    Literal(CG + "maxIntervalYears", "max_interval_years", "int"),
    Literal(CG + "purpose", "purpose"),
    Literal(CG + "eligible", "eligible"),
    Literal(CG + "year", "year", "int"),
    Literal(CG + "value", "value", "float"),
    Literal(CG + "referenceYear", "reference_year", "int"),
    Literal(CG + "baselineValue", "baseline_value", "float"),
    Literal(CG + "targetValue", "target_value", "float"),
    Literal(CG + "targetYear", "target_year", "int"),
    # register records (dates are xsd:date, kept as their ISO text) and the organisations they name
    Literal(CG + "iatiIdentifier", "iati_identifier"),
    Literal(CG + "hierarchy", "hierarchy", "int"),
    Literal(CG + "lastUpdated", "last_updated"),
    Literal(CG + "plannedStart", "planned_start"),
    Literal(CG + "actualStart", "actual_start"),
    Literal(CG + "plannedEnd", "planned_end"),
    Literal(CG + "actualEnd", "actual_end"),
    Literal(CG + "signatureDate", "signed"),
    Literal(CG + "validFrom", "valid_from"),
    Literal(CG + "validUntil", "valid_until"),
    Literal(CG + "statedOn", "stated_on"),
    Literal(CG + "pdotAlignment", "pdot_alignment"),
    Literal(CG + "reportDate", "report_date"),
    Literal(CG + "periodStart", "period_start"),
    Literal(CG + "periodEnd", "period_end"),
    Literal(CG + "orgRef", "org_ref"),
)

IGNORED: tuple[str, ...] = (
    RDF_TYPE,  # gives `kind` and `class`
    *LABEL_PROPERTIES,  # give `label`
    SKOS + "hiddenLabel",  # search helpers, not facts
    SKOS + "editorialNote",  # notes for editors
    SKOS + "topConceptOf",  # concept schemes are not nodes (`scheme` says where a concept is)
    SKOS + "hasTopConcept",
    DCTERMS + "license",  # on references, which are not nodes (`sources` names them)
    DCTERMS + "rights",  # the licence statement beside it
    OWL + "annotatedSource",  # the provenance of one fact (owl:Axiom, graph/provenance.ttl): on blank nodes,
    OWL + "annotatedProperty",  # which are never nodes; /api/resource shows it
    OWL + "annotatedTarget",
    CG + "budget",  # a register record's nested parts (blank nodes) that no node or edge stands for: budgets,
    CG + "transaction",  # transactions, results, documents, recipient-country shares; its exports in RDF
    CG + "result",  # and IATI carry them
    CG + "document",
    CG + "recipientCountry",
)

BASE_ATTRIBUTES: tuple[str, ...] = (
    "label",
    "kind",
    "kind_label",
    "class",
    "class_label",
    "iri",
    "country",
    "country_code",
    "sectors",
    "sources",
)
"""Attributes every node has (an empty string when there is nothing to say)."""

MULTI_SEPARATOR = "; "
"""Joins several values of one text attribute (sectors, sources, other names)."""
