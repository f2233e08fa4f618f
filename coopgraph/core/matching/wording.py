"""How explanations are worded: the relations' phrases, quotes, lists, and the rule that every item rests on the graph."""

from __future__ import annotations

from coopgraph.core.matching.facts import GROUPED_BY
from coopgraph.core.matching.index import MatchIndex
from coopgraph.core.matching.results import Explanation
from coopgraph.core.vocab import CG, ORG, Text, pick

EDGES: dict[str, tuple[Text, Text]] = {
    CG + "governs": (Text(es="gobierna", en="governs"), Text(es="gobernada por", en="governed by")),
    ORG + "memberOf": (Text(es="miembro de", en="member of"), Text(es="tiene como miembro a", en="has as member")),
    ORG + "subOrganizationOf": (Text(es="parte de", en="part of"), Text(es="incluye a", en="includes")),
    CG + "linkedTo": (Text(es="vinculada a", en="linked to"), Text(es="vinculada a", en="linked to")),
    CG + "convenor": (Text(es="convocada por", en="convened by"), Text(es="convoca", en="convenes")),
    CG + "participant": (
        Text(es="con la participación de", en="with the participation of"),
        Text(es="participa en", en="takes part in"),
    ),
    CG + "cooperant": (
        Text(es="con el cooperante", en="with the cooperant"),
        Text(es="es cooperante en", en="is a cooperant in"),
    ),
    CG + "offerer": (
        Text(es="con la oferta de", en="with an offer by"),
        Text(es="ofreció cooperación en", en="offered cooperation in"),
    ),
    CG + "winner": (Text(es="ganado por", en="won by"), Text(es="ganó", en="won")),
    CG + "sponsor": (Text(es="patrocinado por", en="sponsored by"), Text(es="patrocina", en="sponsors")),
    CG + "callOf": (Text(es="convocatoria de", en="a call of"), Text(es="lanzó", en="launched")),
    CG + "programme": (Text(es="en el marco de", en="within"), Text(es="es el marco de", en="is the frame of")),
    CG + "coversTerritory": (Text(es="cubre", en="covers"), Text(es="cubierta por", en="covered by")),
    CG + "partnerCountry": (Text(es="con", en="with"), Text(es="es parte en", en="is a party to")),
    CG + "programmeOf": (
        Text(es="programa de", en="a programme of"),
        Text(es="tiene el programa", en="has the programme"),
    ),
    CG + "channelOf": (
        Text(es="canal de la cooperación de", en="a channel of the cooperation of"),
        Text(es="tiene como canal a", en="has as a channel"),
    ),
    GROUPED_BY: (
        Text(es="agrupada por su nivel de gobierno en", en="grouped, by its level of government, in"),
        Text(es="agrupa, por su nivel de gobierno, a", en="groups, by their level of government,"),
    ),
}
"""predicate -> how its subject relates to its object, and how the object relates to the subject."""
MAX_LISTED = 5


def relation(predicate: str, forward: bool, lang: str) -> str:
    """How one node relates to the next along `predicate`, walked subject->object when `forward`."""
    return EDGES[predicate][0 if forward else 1](lang)


def role(predicate: str, lang: str) -> str:
    """How an actor stands in a space (the space is the subject of the role predicate)."""
    return relation(predicate, False, lang)


def quote(text: str, lang: str) -> str:
    """«text» / “text” (`pick`'s rule, written out: this runs for nearly every label of every explanation)."""
    return f"“{text}”" if lang == "en" else f"«{text}»"


def and_(parts: list[str], lang: str) -> str:
    """'a, b y c' / 'a, b and c'."""
    if len(parts) < 2:
        return "".join(parts)
    return f"{', '.join(parts[:-1])} {pick(lang, 'y', 'and')} {parts[-1]}"


def listing(parts: list[str], lang: str) -> str:
    """At most MAX_LISTED parts, then 'N más' / 'N more'."""
    shown = parts[:MAX_LISTED]
    if len(parts) > MAX_LISTED:
        more = len(parts) - MAX_LISTED
        shown.append(pick(lang, f"{more} más", f"{more} more"))
    return and_(shown, lang)


def item(index: MatchIndex, kind: str, text: str, resources: list[str]) -> Explanation | None:
    """An explanation item, or None when one of its resources is not a subject of the graph."""
    kept = tuple(dict.fromkeys(resources))
    return Explanation(kind, text, kept) if kept and all(index.exists(iri) for iri in kept) else None


def some(found: Explanation | None) -> list[Explanation]:
    """The item, if there is one, as a list."""
    return [found] if found is not None else []
