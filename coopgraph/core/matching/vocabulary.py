"""What the graph can read in a need: the names of themes, ways of cooperating, places, actors and kinds of partner.

Built once with the index, from the facts and the thesaurus (thesaurus.toml):

- `names`: whole names, longest first (text.PhraseMatcher): the labels and
  alternative labels of the sector concepts (facet theme), of the kinds of
  cooperation, mechanisms, negotiation instruments and modalities, of the
  classes of spaces and of each space and programme (facet way), of Ecuador's
  provinces (facet place), of countries (facet actor), the thesaurus's words
  (facet of their target) and the words naming kinds of partner (facet kind);
- `parts`: distinctive parts of the names of themes and ways, and of the
  English names of the OECD-DAC purpose codes our sectors cover: word
  sequences of one to three content words found in the names of at most
  PART_MAX_SHARE resources ("frontera norte", "gad gad", "concursable",
  "drinking water"), each read as the resource with a strength that grows
  with the share of its name it covers;
- `speller`: the stemmed words of all of them, to correct typos;
- `families`: the same words by their first letters, to read a word of the
  same family (fronterizo: frontera) in the parts.

Actors' own names (facet actor) are read by `actor_names`, built on first use:
at 100k actors it is the biggest table and most needs name no actor. An
acronym (a name in capitals, up to ACRONYM_MAX letters) is read only when
the need writes it in capitals too: "UN" is the United Nations, "un" a word.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import NamedTuple

from coopgraph.core.matching.dac import COVERING_MAPPINGS, THEME_MAPPINGS
from coopgraph.core.matching.facts import Facts
from coopgraph.core.matching.text import FAMILY_MIN, STOPWORDS, PhraseMatcher, Speller, normalise, stem
from coopgraph.core.matching.thesaurus import Thesaurus
from coopgraph.core.vocab import ALT_LABEL, CG, HIDDEN_LABEL, IATI, LABEL, PREF_LABEL, SKOS

NAME_STRENGTH: dict[str, float] = {LABEL: 1.0, PREF_LABEL: 1.0, ALT_LABEL: 0.9, HIDDEN_LABEL: 0.8}
"""How strong a term is, by the kind of name the need's text matched."""
NAME_HOW: dict[str, str] = {LABEL: "label", PREF_LABEL: "label", ALT_LABEL: "altLabel", HIDDEN_LABEL: "hiddenLabel"}
PART_MAX_SHARE = 4
"""A part of a name is distinctive when at most this many resources have it in a name (of some 2,500): counted
over the names of every resource of the graph that is not an actor (concepts, spaces, programmes, documents, territories,
the IATI codes), so a word common in the language of cooperation ("economic", "desarrollo") is never one. The
records a cooperation unit keeps are not counted (`REGISTER_CLASSES`)."""
REGISTER_CLASSES: tuple[str, ...] = (CG + "RegisterRecord", CG + "RecordSource", CG + "WriteToken")
"""The register's records, their sources and the write tokens: the service's users' data, whose names do not
count in `document_frequency`. Counted, six agreements named "Convenio de gestión de riesgos…" took the part
"riesgo" from the risk-management theme, so how a need was read depended on how big a province's register was,
and such a write built the vocabulary again in every process (~70 ms each at 100k actors)."""
PART_MIN_LETTERS = 5
"""A part of one word has at least this many letters (stemmed)."""
PART_BASE: dict[int, float] = {1: 0.6, 2: 0.75, 3: 0.85}
PART_SPAN = 0.15
"""A distinctive part of n words covering a share c of a name reads its resource with strength
PART_BASE[n] + PART_SPAN * c: two or three rare words together ("frontera norte") say more than one."""
DAC_FACTOR = 0.8
"""A theme read through an OECD-DAC purpose code our sector covers weighs this share of a part of its own name."""
ACRONYM_MAX = 5
WAY_CLASSES: tuple[str, ...] = (
    CG + "JointCommission",
    CG + "IntergovernmentalArrangement",
    CG + "CompetitiveFund",
    CG + "Call",
    CG + "PeerCooperation",
    CG + "TechnicalTable",
    CG + "ProvincialCouncil",
)
"""Classes of spaces a need may name as a way of cooperating ("comisión mixta", "fondo concursable")."""
WAY_CONCEPT_CLASSES: tuple[str, ...] = (
    CG + "CooperationType",
    CG + "Mechanism",
    CG + "NegotiationInstrument",
    CG + "DecentralisedModality",
    CG + "Modality",
)

Reading = tuple[str, str, str, float, str | None]
"""What a name or part reads: (resource, facet, how, strength, via)."""


class Vocabulary(NamedTuple):
    names: PhraseMatcher[Reading]
    parts: dict[tuple[str, ...], tuple[Reading, ...]]
    speller: Speller
    families: dict[str, tuple[str, ...]]
    """The first FAMILY_MIN letters of a part's single word -> such words."""
    ways: frozenset[str]
    """The way resources (concepts, classes of spaces, spaces, programmes)."""
    surface: dict[str, str]
    """A known stemmed word -> a word it stems from (to say what a typo was read as)."""
    frequency: dict[tuple[str, ...], int]
    """Run of content words -> how many resources that are not actors have it in a name (`document_frequency`):
    kept so that a write changing a few names updates it (update.py) instead of counting every name again."""
    candidates: frozenset[tuple[str, ...]]
    """The runs of the names parts are taken from: only for these does `frequency` decide anything."""


def name_values(facts: Facts, iri: str) -> Iterable[tuple[str, str]]:
    """(name, predicate) of a resource: its labels and alternative labels."""
    for predicate in (LABEL, PREF_LABEL, ALT_LABEL, HIDDEN_LABEL):
        for value, _ in facts.lit(predicate).get(iri, ()):
            yield value, predicate


def way_resources(facts: Facts) -> frozenset[str]:
    """Kinds of cooperation, mechanisms, instruments, modalities; classes of spaces; spaces, calls and programmes."""
    found = set(WAY_CLASSES)
    for iri in facts.types:
        if (
            any(facts.is_a(iri, cls) for cls in WAY_CONCEPT_CLASSES)
            or facts.is_a(iri, CG + "Space")
            or facts.is_a(iri, CG + "Call")
            or facts.is_a(iri, CG + "Programme")
        ):
            found.add(iri)
    return frozenset(found)


def build_vocabulary(
    facts: Facts,
    thesaurus: Thesaurus,
    *,
    sectors: set[str],
    covering: dict[str, set[str]],
    provinces: Iterable[str],
    countries: Iterable[str],
    frequency: dict[tuple[str, ...], int] | None = None,
    ways: frozenset[str] | None = None,
) -> Vocabulary:
    """The need vocabulary of the graph (module docstring); `covering`: DAC code -> our sectors that cover it;
    `frequency` and `ways`: the facts' `document_frequency` and `way_resources` when already known (each walks
    every typed resource: at 100k actors, about a second)."""
    if frequency is None:
        frequency = document_frequency(facts)
    if ways is None:
        ways = way_resources(facts)
    phrases: list[tuple[str, Reading]] = []
    named: dict[str, list[str]] = defaultdict(list)  # resource -> names (for parts)
    facet_of: dict[str, str] = {}
    for facet, resources in (
        ("theme", sorted(sectors)),
        ("way", sorted(ways)),
        ("place", sorted(provinces)),
        ("actor", sorted(countries)),
    ):
        for iri in resources:
            for name, predicate in name_values(facts, iri):
                phrases.append((name, (iri, facet, NAME_HOW[predicate], NAME_STRENGTH[predicate], None)))
                if facet in ("theme", "way"):
                    named[iri].append(name)
                    facet_of[iri] = facet
    for entry in thesaurus.entries:
        facet = "theme" if entry.target in sectors else "way"
        for phrase, _ in entry.phrases:
            phrases.append((phrase, (entry.target, facet, "thesaurus", entry.strength, entry.relation)))
    for key, kind_phrases in thesaurus.kinds:
        for phrase, _ in kind_phrases:
            phrases.append((phrase, (key, "kind", "kind", 1.0, None)))
    names = PhraseMatcher(phrases)
    parts, candidates = _parts(named, facet_of, facts, covering, frequency)
    surface: dict[str, str] = {}
    for phrase, _ in phrases:
        for word in normalise(phrase).split():
            surface.setdefault(stem(word), word)
    known = names.vocabulary() | {word for key in parts for word in key}
    families: dict[str, list[str]] = defaultdict(list)
    for part in parts:
        if len(part) == 1 and len(part[0]) >= FAMILY_MIN:
            families[part[0][:FAMILY_MIN]].append(part[0])
    return Vocabulary(
        names,
        parts,
        Speller(known),
        {prefix: tuple(sorted(found)) for prefix, found in families.items()},
        ways,
        surface,
        frequency,
        candidates,
    )


def _sequences(name: str) -> tuple[tuple[str, ...], set[tuple[str, ...]]]:
    """A name's content words and every run of one to three of them (a run never starts or ends on a stopword)."""
    tokens = normalise(name).split()
    stems = [stem(word) for word in tokens]
    content = tuple(s for s, word in zip(stems, tokens, strict=True) if word not in STOPWORDS)
    runs = set()
    for size in (1, 2, 3):
        for start in range(len(content) - size + 1):
            run = content[start : start + size]
            if size == 1 and len(run[0]) < 4:
                continue
            runs.add(run)
    return content, runs


def document_frequency(facts: Facts) -> dict[tuple[str, ...], int]:
    """Run of content words -> how many resources that are not actors nor register records (`REGISTER_CLASSES`)
    have it in a name (labels, other names)."""
    actors = CG + "Actor"
    counts: dict[tuple[str, ...], int] = defaultdict(int)
    seen: dict[str, set[tuple[str, ...]]] = defaultdict(set)
    for predicate in (LABEL, PREF_LABEL, ALT_LABEL):
        for iri, values in facts.lit(predicate).items():
            if facts.is_a(iri, actors) and not facts.is_a(iri, CG + "Country"):
                continue
            if any(facts.is_a(iri, cls) for cls in REGISTER_CLASSES):
                continue
            for value, _ in values:
                for run in _sequences(value)[1]:
                    if run not in seen[iri]:
                        seen[iri].add(run)
                        counts[run] += 1
    return counts


def _parts(
    named: dict[str, list[str]],
    facet_of: dict[str, str],
    facts: Facts,
    covering: dict[str, set[str]],
    frequency: dict[tuple[str, ...], int],
) -> tuple[dict[tuple[str, ...], tuple[Reading, ...]], frozenset[tuple[str, ...]]]:
    """Distinctive runs of content words of the names of themes, ways and the DAC codes our sectors cover; and
    every run of those names, distinctive or not."""
    holders: dict[tuple[str, ...], dict[str, tuple[float, str, str | None]]] = defaultdict(dict)
    for iri, names in named.items():
        for name in names:
            content, runs = _sequences(name)
            for run in runs:
                share = len(run) / max(1, len(content))
                best = holders[run].get(iri)
                strength = PART_BASE[len(run)] + PART_SPAN * share
                if best is None or best[0] < strength:
                    holders[run][iri] = (strength, "part", None)
    for code, ours in covering.items():
        for name, lang in facts.lit(LABEL).get(code, ()):
            if lang != "en":
                continue
            content, runs = _sequences(name)
            for run in runs:
                share = len(run) / max(1, len(content))
                for sector in ours:
                    strength = (PART_BASE[len(run)] + PART_SPAN * share) * DAC_FACTOR
                    best = holders[run].get(sector)
                    if best is None or best[0] < strength:
                        holders[run][sector] = (strength, "dac", code)
    parts: dict[tuple[str, ...], tuple[Reading, ...]] = {}
    for run, found in holders.items():
        if len(found) > PART_MAX_SHARE or frequency.get(run, 0) > PART_MAX_SHARE:
            continue
        if len(run) == 1 and len(run[0]) < PART_MIN_LETTERS:
            continue
        parts[run] = tuple(
            (iri, facet_of.get(iri, "theme"), how, strength, via) for iri, (strength, how, via) in sorted(found.items())
        )
    return parts, frozenset(holders)


def dac_coverage(facts: Facts, sectors: set[str]) -> dict[str, set[str]]:
    """OECD-DAC purpose code or category -> our sectors that cover it (map the code, or the code's category,
    with exactMatch, closeMatch or narrowMatch; or map the code itself with broadMatch or any theme mapping)."""
    broader = facts.rel(SKOS + "broader")
    covered: dict[str, set[str]] = defaultdict(set)
    by_category: dict[str, set[str]] = defaultdict(set)
    for sector in sectors:
        for mapping in COVERING_MAPPINGS:
            for code in facts.rel(mapping).get(sector, ()):
                if code.startswith(IATI):
                    covered[code].add(sector)
                    by_category[code].add(sector)
        for mapping in THEME_MAPPINGS:
            for code in facts.rel(mapping).get(sector, ()):
                if code.startswith(IATI + "Sector/"):
                    covered[code].add(sector)
    for code, parents in broader.items():
        if code.startswith(IATI + "Sector/"):
            for parent in parents:
                if parent in by_category:
                    covered[code] |= by_category[parent]
    return dict(covered)


def build_actor_names(facts: Facts, actors: Iterable[str]) -> PhraseMatcher[Reading]:
    """The names of actors (labels, alternative labels), for needs that name one (facet actor)."""
    return PhraseMatcher(phrase for iri in actors for phrase in actor_phrases(facts, iri))


def actor_phrases(facts: Facts, iri: str) -> list[tuple[str, Reading]]:
    """An actor's names, each with what a need naming it is read as."""
    return [
        (name, (iri, "actor", NAME_HOW[predicate], NAME_STRENGTH[predicate], _acronym(name)))
        for name, predicate in name_values(facts, iri)
    ]


def _acronym(name: str) -> str | None:
    """The name itself when it is an acronym (capitals, up to ACRONYM_MAX letters): it must be typed so."""
    letters = "".join(ch for ch in name if ch.isalnum())
    return name.strip() if letters.isupper() and len(letters) <= ACRONYM_MAX else None
