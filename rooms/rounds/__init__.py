"""Round types, one module each. To add one, write its module and list it here."""

from rooms.rounds import budget, consent, dots, free_text, ideas, poll, qa, ranking, scale, statements
from rooms.rounds.base import RoundType

_MODULES = (ideas, dots, poll, scale, consent, ranking, budget, qa, statements, free_text)
ROUND_TYPES: dict[str, RoundType] = {m.ROUND_TYPE.name: m.ROUND_TYPE for m in _MODULES}
# The modules themselves, by type name: their helper functions build each round's views.
ROUND_MODULES = {m.ROUND_TYPE.name: m for m in _MODULES}
