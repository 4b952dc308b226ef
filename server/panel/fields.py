"""The facts a panel member is registered with, their allowed values, and how they are typed.

Values are stored as short codes; labels are message ids shown in the reader's language. Text
typed in a spreadsheet (Norwegian or English, any case) is mapped to the codes by `parse_*`.
"""

import csv
import os
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from rooms.rejection import N_
from rooms.text import clean_text

# Another municipality points POPULATION_DATA at a folder with its own files of the same shape
# (districts and population by sex and age), see server/panel/data/README.md.
DATA = Path(os.environ.get("POPULATION_DATA") or Path(__file__).resolve().parent / "data")

GENDERS = {"female": N_("Woman"), "male": N_("Man"), "other": N_("Other"), "": N_("Not stated")}
BACKGROUNDS = {
    "immigrant": N_("Immigrant"),
    "born_to_immigrants": N_("Born in Norway to immigrant parents"),
    "neither": N_("Neither"),
    "": N_("Not stated"),
}
STATUSES = {"active": N_("Active"), "paused": N_("Paused"), "withdrawn": N_("Withdrawn")}
LANGUAGE_CODES = ("nb", "nn", "en")


@dataclass(frozen=True)
class District:
    code: str
    name: str


def _districts() -> list[District]:
    with (DATA / "baerum-delomrader-2005.csv").open(encoding="utf-8") as f:
        return [District(r["delomradenummer"], r["delomradenavn"]) for r in csv.DictReader(f) if r["delomradenummer"]]


DISTRICTS = _districts()
DISTRICT_NAMES = {d.code: d.name for d in DISTRICTS}

_GENDER_WORDS = {
    "kvinne": "female", "k": "female", "female": "female", "woman": "female", "f": "female",
    "mann": "male", "m": "male", "male": "male", "man": "male",
    "annet": "other", "anna": "other", "other": "other", "ikke-binær": "other",
    "": "", "ikke oppgitt": "", "ikkje oppgitt": "", "not stated": "", "ukjent": "",
}
_BACKGROUND_WORDS = {
    "innvandrer": "immigrant", "innvandrar": "immigrant", "immigrant": "immigrant",
    "norskfødt med innvandrerforeldre": "born_to_immigrants",
    "norskfødd med innvandrarforeldre": "born_to_immigrants",
    "born to immigrants": "born_to_immigrants", "born_to_immigrants": "born_to_immigrants",
    "ingen": "neither", "ingen av delene": "neither", "ingen av delane": "neither", "neither": "neither",
    "resten": "neither", "øvrige": "neither",
    "": "", "ikke oppgitt": "", "ikkje oppgitt": "", "not stated": "",
}
_LANGUAGE_WORDS = {
    "nb": "nb", "bokmål": "nb", "norsk": "nb", "norsk bokmål": "nb", "no": "nb", "": "nb",
    "nn": "nn", "nynorsk": "nn", "norsk nynorsk": "nn",
    "en": "en", "engelsk": "en", "english": "en",
}
_DISTRICT_WORDS = {d.code: d.code for d in DISTRICTS} | {d.name.casefold(): d.code for d in DISTRICTS} | {"": ""}


class Invalid(ValueError):
    """A value that cannot be read: `message` is a message id, `params` fill it."""

    def __init__(self, message: str, **params: object) -> None:
        super().__init__(message)
        self.message = message
        self.params = params


def _word(value: str) -> str:
    return " ".join(value.split()).casefold()


def parse_gender(value: str) -> str:
    try:
        return _GENDER_WORDS[_word(value)]
    except KeyError:
        raise Invalid(N_("“%(value)s” is not a gender we know: write kvinne, mann, annet or leave it empty."), value=value) from None


def parse_background(value: str) -> str:
    try:
        return _BACKGROUND_WORDS[_word(value)]
    except KeyError:
        raise Invalid(N_("“%(value)s” is not an immigrant background we know: write innvandrer, norskfødt med innvandrerforeldre, ingen, or leave it empty."), value=value) from None


def parse_district(value: str) -> str:
    try:
        return _DISTRICT_WORDS[_word(value)]
    except KeyError:
        raise Invalid(N_("“%(value)s” is not one of the municipality's districts (delområder): write its number or its name."), value=value) from None


def parse_language(value: str) -> str:
    try:
        return _LANGUAGE_WORDS[_word(value)]
    except KeyError:
        raise Invalid(N_("“%(value)s” is not a language the panel uses: write bokmål, nynorsk or engelsk."), value=value) from None


def parse_birth_year(value: str, today: date) -> int | None:
    text = value.strip()
    if not text:
        return None
    if not text.isdigit() or len(text) != 4:
        raise Invalid(N_("“%(value)s” is not a year of birth: write four digits, like 1957."), value=value)
    year = int(text)
    if not today.year - 120 <= year <= today.year - 15:
        raise Invalid(N_("%(value)s is not a likely year of birth for a panel member."), value=value)
    return year


def parse_date(value: str) -> date | None:
    text = value.strip()
    if not text:
        return None
    for fmt in ("%Y-%m-%d", "%d.%m.%Y", "%d.%m.%y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise Invalid(N_("“%(value)s” is not a date: write it as 31.12.2026 or 2026-12-31."), value=value)


def parse_email(value: str) -> str:
    text = value.strip()
    if text and ("@" not in text or " " in text or text.startswith("@") or text.endswith("@") or len(text) > 254):
        raise Invalid(N_("“%(value)s” is not an e-mail address."), value=value)
    return text.lower()


def parse_phone(value: str) -> str:
    text = "".join(value.split())
    digits = text[1:] if text.startswith("+") else text
    if text and (not digits.isdigit() or not 8 <= len(digits) <= 15):
        raise Invalid(N_("“%(value)s” is not a phone number: write 8 digits, or + and the country code."), value=value)
    return text


def parse_name(value: str) -> str:
    text = clean_text(value)
    if not text:
        raise Invalid(N_("A name is needed."))
    if len(text) > 120:
        raise Invalid(N_("The name is longer than 120 characters."))
    return text


def parse_text(value: str, limit: int = 500) -> str:
    # As everywhere people type: no control characters, no direction overrides, one space.
    text = clean_text(value)
    if len(text) > limit:
        raise Invalid(N_("The text is longer than %(max)d characters."), max=limit)
    return text
