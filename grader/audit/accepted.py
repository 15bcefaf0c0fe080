"""Accepted survivors: course.yml's ``audit.accepted`` matched against a topic's audit.

course.yml lists the survivors a course accepts, each with its reason::

    audit:
      accepted:
        - topic: norms
          function: _power_norm
          mutant: _power_norm@1a2b3c4d5e     # the id `dlgrade audit` prints for the survivor
          reason: "scale 1 for a slice of zeros: any positive scale gives 0 there"

An accepted survivor does not count against the topic's mutation score. The audit reports one
that the tests now kill, and one that names no generated mutant (the reference changed), so that
the list stays true. course.yml validates the entries (grader.course.AcceptedSurvivor).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from grader.course import AcceptedSurvivor

__all__ = ["AcceptedSurvivor", "Matched", "match_accepted"]


@dataclass(frozen=True)
class Matched:
    """course.yml's audit.accepted entries of one topic against its audit: ``survivors`` (mutant id -> entry) of
    those still surviving, ``killed`` the entries the tests now kill, ``unmatched`` those that
    name no generated mutant."""

    survivors: dict[str, AcceptedSurvivor]
    killed: tuple[AcceptedSurvivor, ...]
    unmatched: tuple[AcceptedSurvivor, ...]


def match_accepted(topic: str, killed: Mapping[str, bool], accepted: Sequence[AcceptedSurvivor]) -> Matched:
    """Match ``topic``'s accepted entries with its generated mutants, ``{mutant id: killed}``."""
    listed = [a for a in accepted if a.topic == topic]
    return Matched({a.mutant: a for a in listed if a.mutant in killed and not killed[a.mutant]},
                   tuple(a for a in listed if killed.get(a.mutant)),
                   tuple(a for a in listed if a.mutant not in killed))
