"""Adult population of the municipality per dimension, from the SSB figures bundled in data/.

Each Dimension gives the population's count per category (adults 18+ where SSB has it by age),
and where the figure comes from, so every comparison can say how old and how sure it is.
"""

import csv
from dataclasses import dataclass
from datetime import date
from functools import cache

from rooms.rejection import N_

from server.panel.fields import DATA, DISTRICTS

ADULT_AGE = 18
AGE_BANDS: tuple[tuple[str, int, int | None], ...] = (
    ("18-29", 18, 29), ("30-44", 30, 44), ("45-59", 45, 59), ("60-74", 60, 74), ("75+", 75, None),
)


@dataclass(frozen=True)
class Dimension:
    key: str  # gender, age, district, background
    label: str  # message id
    counts: dict[str, float]  # category -> people in the population
    source: str  # message id, with the table and date


def age_band(birth_year: int | None, today: date) -> str:
    if birth_year is None:
        return ""
    age = today.year - birth_year
    for name, low, high in AGE_BANDS:
        if age >= low and (high is None or age <= high):
            return name
    return ""


@cache
def _by_sex_and_age(year: int) -> list[tuple[str, int, int]]:
    with (DATA / "baerum-3201-population-2005-2026-sex-single-age.csv").open(encoding="utf-8") as f:
        return [
            (row["sex"], int(row["age"]), int(row["pop_jan1_n"]))
            for row in csv.DictReader(f)
            if int(row["calyear"]) == year and row["sex"] in ("female", "male")
        ]


@cache
def dimensions(year: int = 2026) -> tuple[Dimension, ...]:
    people = [(sex, age, n) for sex, age, n in _by_sex_and_age(year) if age >= ADULT_AGE]
    genders = {"female": 0.0, "male": 0.0}
    ages = {name: 0.0 for name, _, _ in AGE_BANDS}
    for sex, age, n in people:
        genders[sex] += n
        ages[age_band(year - age, date(year, 1, 1))] += n
    with (DATA / "baerum-delomrader-2005.csv").open(encoding="utf-8") as f:
        district_counts = {r["delomradenummer"]: float(r["pop_2005_01_01"]) for r in csv.DictReader(f) if r["delomradenummer"]}
    adults = sum(genders.values())
    # SSB 09817, 1 Jan 2012: immigrants and Norwegian-born to immigrant parents, 16.8 % of all
    # residents; the split between the two is not in the offline copy.
    background = {"immigrant_any": 0.168 * adults, "neither": 0.832 * adults}
    return (
        Dimension("gender", N_("Gender"), genders, N_("SSB table 07459, adults 18+, 1 January 2026")),
        Dimension("age", N_("Age"), ages, N_("SSB table 07459, adults 18+, 1 January 2026")),
        Dimension("district", N_("District"), {d.code: district_counts.get(d.code, 0.0) for d in DISTRICTS}, N_("SSB districts (delområder), all ages, 1 January 2005: provisional")),
        Dimension("background", N_("Immigrant background"), background, N_("SSB table 09817, all ages, 1 January 2012: provisional")),
    )
