"""Who stands with whom: channels of a country's cooperation, parts of a parent, peers of one country; contacts.

- Tabla 2 lists organisations under a country: each is a channel of that
  country's decentralised cooperation (cg:channelOf). A channel is reached
  through its country and folded under it in the answer.
- A partner's group (the key results are folded by): the country it is a
  channel of (itself, or its top parent, being one); for a subnational
  government, its country (twinning peers of one country); else its top
  parent (org:subOrganizationOf, transitively: PNUD under the United Nations);
  else itself. Countries are their own group, with their channels.
- A partner's place for diversity (`place_of`): its country (a channel's,
  an organisation's cg:country, or itself), else its top parent, else itself.
- Contacts: the web sites, e-mails and other pages the study gives.
- Derived relations the path graph walks: a subnational government and the
  association of its country that groups its level of government.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import NamedTuple

from coopgraph.core.matching.facts import CONTACT_PREDICATES, GROUPED_BY, Facts
from coopgraph.core.vocab import CG, ORG

CONTACT_KEYS: dict[str, str] = {
    CONTACT_PREDICATES[0]: "homepage",
    CONTACT_PREDICATES[1]: "email",
    CONTACT_PREDICATES[2]: "pages",
}


class Groups(NamedTuple):
    channel_of: dict[str, str]
    """organisation -> the country whose decentralised cooperation it is a channel of."""
    channels: dict[str, tuple[str, ...]]
    """country -> its channels."""
    group_of: dict[str, str]
    """actor -> the key its results are folded by (only actors folded under another key)."""
    members: dict[str, tuple[str, ...]]
    """group key -> the actors folded under it (the key itself not included)."""
    place_of: dict[str, str]
    """actor -> its country or top parent, for counting distinct countries and parents."""


def top_parent(facts: Facts, actor: str, kind_of: dict[str, str]) -> str | None:
    """The last actor up org:subOrganizationOf (cycles stop), or None when it has no parent actor."""
    parents = facts.rel(ORG + "subOrganizationOf")
    current, seen = actor, {actor}
    while True:
        up = next((p for p in sorted(parents.get(current, ())) if p in kind_of and p not in seen), None)
        if up is None:
            return None if current == actor else current
        seen.add(up)
        current = up


def build_groups(
    facts: Facts, kind_of: dict[str, str], country_of: dict[str, str | None], actors: Iterable[str] | None = None
) -> Groups:
    """The groups and places of `actors` (default: every actor), and the channels of every country."""
    channel_of = {org: countries[0] for org, countries in facts.rel(CG + "channelOf").items() if countries}
    channels: dict[str, list[str]] = defaultdict(list)
    for org, its_country in channel_of.items():
        channels[its_country].append(org)
    group_of: dict[str, str] = {}
    place_of: dict[str, str] = {}
    members: dict[str, list[str]] = defaultdict(list)
    for actor in kind_of if actors is None else actors:
        kind = kind_of[actor]
        parent = top_parent(facts, actor, kind_of)
        root = parent or actor
        country: str | None = channel_of.get(actor) or channel_of.get(root)
        if country is None and kind == "peer":
            country = country_of.get(actor)
        key = country or parent
        if key and key != actor:
            group_of[actor] = key
            members[key].append(actor)
        place = channel_of.get(actor) or channel_of.get(root) or country_of.get(actor) or parent or actor
        place_of[actor] = place
    return Groups(
        channel_of,
        {country: tuple(sorted(found)) for country, found in channels.items()},
        group_of,
        {key: tuple(sorted(found)) for key, found in members.items()},
        place_of,
    )


def build_contacts(facts: Facts, actors: dict[str, str]) -> dict[str, dict[str, tuple[str, ...]]]:
    """actor -> {"homepage": (...), "email": (...), "pages": (...)}: where the study says it can be reached."""
    found: dict[str, dict[str, tuple[str, ...]]] = {}
    for predicate, key in CONTACT_KEYS.items():
        stated = facts.rel(predicate)
        # The smaller side is walked: a patch asks for a few actors, a build for all of them.
        for actor in actors if len(actors) < len(stated) else stated:
            if actor in actors and actor in stated:
                found.setdefault(actor, {})[key] = tuple(sorted(stated[actor]))
    return found


def derived_relations(facts: Facts, kind_of: dict[str, str]) -> dict[str, dict[str, tuple[str, ...]]]:
    """GROUPED_BY: subnational government -> the associations of its country that group its level of government."""
    levels = facts.rel(CG + "governmentLevel")
    country = facts.rel(CG + "country")
    associations: dict[tuple[str, str], list[str]] = defaultdict(list)
    for actor, kind in kind_of.items():
        if kind == "association":
            for level in levels.get(actor, ()):
                for home in country.get(actor, ()):
                    associations[(level, home)].append(actor)
    grouped: dict[str, tuple[str, ...]] = {}
    for actor, kind in kind_of.items():
        if kind != "peer":
            continue
        found = sorted(
            {
                a
                for level in levels.get(actor, ())
                for home in country.get(actor, ())
                for a in associations[(level, home)]
            }
        )
        if found:
            grouped[actor] = tuple(found)
    return {GROUPED_BY: grouped}
