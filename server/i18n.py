"""Message catalogs (Bokmål default, Nynorsk, English) and choosing a person's language.

Message ids are English; web/locale/<lang>/LC_MESSAGES/messages.po hold the translations and are
read at start-up with Babel, so no compiled files are kept. Adding a language = adding a catalog
and a line in LANGUAGES.
"""

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from babel.messages.pofile import read_po

LOCALE_DIR = Path(__file__).resolve().parent.parent / "web" / "locale"

# code -> (name in that language, text direction)
LANGUAGES: dict[str, tuple[str, str]] = {
    "nb": ("Norsk bokmål", "ltr"),
    "nn": ("Norsk nynorsk", "ltr"),
    "en": ("English", "ltr"),
}
DEFAULT_LANGUAGE = "nb"
_ALIASES = {"no": "nb", "nb": "nb", "nn": "nn", "en": "en"}


class Translator:
    def __init__(self, code: str, messages: Mapping[str, str]) -> None:
        self.code = code
        self.direction = LANGUAGES[code][1]
        self._messages = messages

    def gettext(self, message: str, **params: Any) -> str:
        text = self._messages.get(message) or message
        return text % params if params else text

    __call__ = gettext

    def ngettext(self, singular: str, plural: str, n: int, **params: Any) -> str:
        forms = self._messages.get((singular, plural))  # type: ignore[call-overload]
        if forms:
            text = forms[0] if n == 1 else forms[1]
        else:
            text = singular if n == 1 else plural
        return text % {"num": n, **params}


def _load(code: str) -> Translator:
    messages: dict[Any, Any] = {}
    path = LOCALE_DIR / code / "LC_MESSAGES" / "messages.po"
    if path.exists():
        with path.open("rb") as f:
            catalog = read_po(f, locale=code.replace("nb", "nb_NO").replace("nn", "nn_NO"))
        for msg in catalog:
            if not msg.id or msg.fuzzy:
                continue
            if isinstance(msg.id, tuple):
                if all(msg.string):
                    messages[msg.id[:2]] = tuple(msg.string)
            elif msg.string:
                messages[msg.id] = msg.string
    return Translator(code, messages)


_TRANSLATORS = {code: _load(code) for code in LANGUAGES}


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
        base = tag.strip().lower().split("-")[0]
        if base in _ALIASES and weight > 0:
            weighted.append((-weight, i, _ALIASES[base]))
    return min(weighted)[2] if weighted else default
