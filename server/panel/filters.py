"""Finding members: the choices the filter forms offer, and whether a member matches."""

from datetime import date

from server.panel import fields as f
from server.panel.population import AGE_BANDS, age_band
from server.store.records import Member


def choices() -> dict:
    return {
        "genders": f.GENDERS, "backgrounds": f.BACKGROUNDS, "statuses": f.STATUSES,
        "districts": f.DISTRICTS, "age_bands": [name for name, _, _ in AGE_BANDS],
    }


def matches(member: Member, q: dict[str, str], today: date) -> bool:
    text = q.get("q", "").casefold()
    return (
        (not q.get("status") or member.status == q["status"])
        and (not q.get("district") or member.district == q["district"])
        and (not q.get("gender") or member.gender == q["gender"])
        and (not q.get("background") or member.background == q["background"])
        and (not q.get("age") or age_band(member.birth_year, today) == q["age"])
        and (not text or text in member.name.casefold() or text in member.email)
    )
