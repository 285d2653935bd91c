"""``cgic towns``: the town names feeds accept — the 169 towns, then villages and sections.

The rejects report for an unknown town points here (``places.ACCEPTED_NAMES``). With NAME it says
which town a name resolves to, as an import would (``--lat/--lon`` for a place in two towns).
"""

from __future__ import annotations

import argparse

from cgic_data.places import AmbiguousPlace, places, town_of, towns_by_key


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    towns = sub.add_parser(
        "towns",
        help="list the town names feeds accept (towns, villages, sections), or resolve one",
        description="Without NAME: the 169 Connecticut towns, then every village, section and "
        "former borough with its town. With NAME: the town it resolves to. See docs/feeds.md.",
    )
    towns.add_argument("name", metavar="NAME", nargs="?", help="a place name to resolve")
    towns.add_argument("--lat", type=float, help="latitude, for a place in more than one town")
    towns.add_argument("--lon", type=float, help="longitude, for a place in more than one town")
    towns.set_defaults(func=_towns)


def _towns(args: argparse.Namespace) -> int:
    if args.name:
        try:
            town = town_of(args.name, args.lat, args.lon)
        except AmbiguousPlace as exc:
            print(exc)
            return 1
        if town not in towns_by_key().values():
            print(f"{args.name}: not a Connecticut town, village or section (see `cgic towns`)")
            return 1
        print(f"{args.name} -> {town}")
        return 0
    print("# Connecticut towns")
    for town in sorted(towns_by_key().values()):
        print(town)
    print("\n# villages, sections and former boroughs -> town (| : the coordinates decide)")
    for place in sorted(places(), key=lambda p: p.name):
        print(f"{place.name} -> {'|'.join(place.towns)} ({place.kind})")
    return 0
