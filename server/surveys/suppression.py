"""Which groups of a breakdown are hidden, so that no answer can be traced to a few people.

A breakdown splits one question's respondents by one dimension (gender, age band, district,
background), and the overall result is always shown beside it. The rules:

- Primary: a group with fewer than `MIN_GROUP` respondents is hidden (a group with none has
  nothing to hide and is shown as empty).
- Secondary: the hidden groups together could be recovered by subtracting the shown groups from the
  overall result. So while the hidden groups together hold fewer than `MIN_GROUP` respondents, or
  only one group is hidden, the smallest shown group that has respondents is hidden too (ties: the last in order).

Breakdowns are never crossed (gender by age), so one dimension's groups cannot be differenced
against another's.
"""

from collections.abc import Mapping

MIN_GROUP = 10


def hidden_groups(respondents: Mapping[str, int], minimum: int = MIN_GROUP) -> set[str]:
    """The groups to hide, given each group's number of respondents."""
    hidden = {g for g, n in respondents.items() if 0 < n < minimum}
    while hidden and (len(hidden) == 1 or sum(respondents[g] for g in hidden) < minimum):
        shown = [g for g in respondents if g not in hidden and respondents[g] > 0]
        if not shown:
            break
        hidden.add(min(reversed(shown), key=lambda g: respondents[g]))
    return hidden
