"""Message catalogs (Bokmål default, Nynorsk, English) and choosing a person's language.

Message ids are English; web/locale/<lang>/LC_MESSAGES/messages.po hold the translations and are
read at start-up with Babel, so no compiled files are kept.

Adding a language = adding its catalog (`pybabel init -l <code>`, then translate) and its code in
ORDER. Its name (in that language) and its text direction (`ltr`/`rtl`) come from Babel's locale
data, so a right-to-left language such as Arabic mirrors the pages by itself. Catalogs in the
folders of EXTRA_LOCALE_DIRS (separated by the path separator) are read too: a municipality can
keep its own languages outside the code, and the tests use it for a right-to-left stub.
"""

import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from gettext import c2py
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel import Locale, UnknownLocaleError
from babel.messages.pofile import read_po

LOCALE_DIR = Path(__file__).resolve().parent.parent / "web" / "locale"
DEFAULT_LANGUAGE = "nb"
SOURCE_LANGUAGE = "en"  # the message ids: needs no catalog
# The languages in the order the language menu shows them; others follow in code order.
ORDER = ("nb", "nn", "en")
# Browser language tags that mean one of ours.
_ALIASES = {"no": "nb"}


@dataclass(frozen=True)
class Language:
    code: str
    name: str  # in the language itself
    direction: str  # "ltr" or "rtl"
    catalog: Path | None  # None for the source language


def _language(code: str, catalog: Path | None) -> Language:
    try:
        locale = Locale.parse(code)
        name = locale.get_display_name(locale) or code
        direction = locale.text_direction
    except (ValueError, UnknownLocaleError):
        name, direction = code, "ltr"
    return Language(code, name[:1].upper() + name[1:], direction, catalog)


def _discover() -> dict[str, Language]:
    folders = [LOCALE_DIR] + [Path(p) for p in os.environ.get("EXTRA_LOCALE_DIRS", "").split(os.pathsep) if p]
    found: dict[str, Path | None] = {SOURCE_LANGUAGE: None}
    for folder in folders:
        for po in sorted(folder.glob("*/LC_MESSAGES/messages.po")):
            found[po.parent.parent.name] = po
    codes = sorted(found, key=lambda c: (ORDER.index(c) if c in ORDER else len(ORDER), c))
    return {code: _language(code, found[code]) for code in codes}


LANGUAGES: dict[str, Language] = _discover()


class Translator:
    def __init__(self, code: str, messages: Mapping[Any, Any], plural=None) -> None:
        self.code = code
        self.direction = LANGUAGES[code].direction
        self._messages = messages
        self._plural = plural or (lambda n: int(n != 1))

    def gettext(self, message: str, **params: Any) -> str:
        text = self._messages.get(message) or message
        return text % params if params else text

    __call__ = gettext

    def ngettext(self, singular: str, plural: str, n: int, **params: Any) -> str:
        forms = self._messages.get((singular, plural))
        if forms:
            index = self._plural(n)
            text = forms[index] if index < len(forms) else forms[-1]
        else:
            text = singular if n == 1 else plural
        return text % {"num": n, **params}


def _load(language: Language) -> Translator:
    messages: dict[Any, Any] = {}
    plural = None
    if language.catalog is not None and language.catalog.exists():
        with language.catalog.open("rb") as f:
            catalog = read_po(f, locale=language.code.replace("nb", "nb_NO").replace("nn", "nn_NO"))
        plural = c2py(catalog.plural_expr)
        for msg in catalog:
            if not msg.id or msg.fuzzy:
                continue
            if isinstance(msg.id, tuple):
                if all(msg.string):
                    messages[msg.id[:2]] = tuple(msg.string)
            elif msg.string:
                messages[msg.id] = msg.string
    return Translator(language.code, messages, plural)


_TRANSLATORS = {code: _load(language) for code, language in LANGUAGES.items()}


def translator(code: str | None) -> Translator:
    return _TRANSLATORS.get(code or "", _TRANSLATORS[DEFAULT_LANGUAGE])


def pick_language(cookie: str | None, accept_language: str | None, default: str = DEFAULT_LANGUAGE) -> str:
    """The language someone chose (cookie), else the first their browser asks for that we have."""
    if cookie in LANGUAGES:
        return cookie  # type: ignore[return-value]
    weighted = []
    for i, part in enumerate((accept_language or "").split(",")):
        tag, _, q = part.strip().partition(";q=")
        try:
            weight = float(q) if q else 1.0
        except ValueError:
            weight = 0.0
        base = tag.strip().lower().replace("_", "-").split("-")[0]
        base = _ALIASES.get(base, base)
        if base in LANGUAGES and weight > 0:
            weighted.append((-weight, i, base))
    return min(weighted)[2] if weighted else default


OSLO = ZoneInfo("Europe/Oslo")


def oslo_time(moment: datetime | None) -> str:
    """Times are stored in UTC and shown as Norwegians read them, in Europe/Oslo."""
    if moment is None:
        return ""
    return moment.astimezone(OSLO).strftime("%d.%m.%Y %H:%M")


def oslo_moment(day: str, clock: str, default_clock: str) -> datetime | None:
    """A date and time as typed in a form (Europe/Oslo) in UTC; None if unreadable."""
    try:
        local = datetime.strptime(f"{day.strip()} {clock.strip() or default_clock}", "%Y-%m-%d %H:%M")
    except ValueError:
        return None
    return local.replace(tzinfo=OSLO).astimezone(UTC)
