"""The panel next to the population, per dimension: who is missing at a glance."""

from dataclasses import dataclass
from datetime import date

from rooms.rejection import N_

from server.panel.fields import BACKGROUNDS, DISTRICT_NAMES, GENDERS
from server.panel.population import AGE_BANDS, age_band, dimensions
from server.store.records import Member


@dataclass(frozen=True)
class Line:
    category: str
    label: str
    translate: bool  # `label` is a message id
    panel: int
    panel_share: float | None  # among members who stated this dimension
    population_share: float | None

    @property
    def gap(self) -> float | None:
        """Percentage points: positive when the panel has more than the population."""
        if self.panel_share is None or self.population_share is None:
            return None
        return 100 * (self.panel_share - self.population_share)


@dataclass(frozen=True)
class Comparison:
    key: str
    label: str
    source: str
    lines: list[Line]
    not_stated: int


def category(member: Member, key: str, today: date) -> str:
    match key:
        case "gender":
            return member.gender
        case "age":
            return age_band(member.birth_year, today)
        case "district":
            return member.district
        case "background":
            # The population figure counts immigrants and their Norwegian-born children together.
            return "immigrant_any" if member.background in ("immigrant", "born_to_immigrants") else member.background
    raise KeyError(key)


LABELS: dict[str, dict[str, tuple[str, bool]]] = {
    "gender": {k: (v, True) for k, v in GENDERS.items() if k},
    "age": {name: (name, False) for name, _, _ in AGE_BANDS},
    "district": {code: (name, False) for code, name in DISTRICT_NAMES.items()},
    "background": {
        "immigrant_any": (N_("Immigrant, or born in Norway to immigrant parents"), True),
        "neither": (BACKGROUNDS["neither"], True),
    },
}


def compare(members: list[Member], today: date) -> list[Comparison]:
    """For active members (paused ones count too: they are still in the panel)."""
    panel = [m for m in members if m.status != "withdrawn"]
    comparisons = []
    for dim in dimensions():
        counts: dict[str, int] = {}
        for member in panel:
            group = category(member, dim.key, today)
            counts[group] = counts.get(group, 0) + 1
        stated = sum(n for c, n in counts.items() if c)
        population = sum(dim.counts.values())
        lines = []
        for group, (label, translate) in LABELS[dim.key].items():
            n = counts.get(group, 0)
            lines.append(Line(
                group, label, translate, n,
                n / stated if stated else None,
                dim.counts[group] / population if group in dim.counts else None,
            ))
        # Categories the population figures do not have (e.g. "other" gender) are still shown.
        extra = [c for c in counts if c and c not in LABELS[dim.key]]
        lines += [Line(c, c, False, counts[c], counts[c] / stated, None) for c in extra]
        comparisons.append(Comparison(dim.key, dim.label, dim.source, lines, counts.get("", 0)))
    return comparisons
