"""Every user-facing string has a Bokmål and a Nynorsk translation with the same placeholders."""

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir

from server.i18n import LANGUAGES, translator

ROOT = Path(__file__).resolve().parents[2]
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2)}
PLACEHOLDER = re.compile(r"%\(\w+\)\w")


def source_messages() -> set[str | tuple[str, str]]:
    found: set[str | tuple[str, str]] = set()
    for folder, method in (("rooms", "python"), ("server", "python"), ("web/templates", "jinja2")):
        pattern = "**.html" if method == "jinja2" else "**.py"
        for _, _, message, _, _ in extract_from_dir(
            ROOT / folder, method_map=[(pattern, method)], keywords=KEYWORDS
        ):
            found.add(tuple(message) if isinstance(message, tuple) else message)  # type: ignore[arg-type]
    return found


MESSAGES = source_messages()


def test_the_code_has_messages_to_translate():
    assert "Only the facilitator can do that." in MESSAGES
    assert len(MESSAGES) > 100


@pytest.mark.parametrize("language", [code for code in LANGUAGES if code != "en"])
def test_every_message_is_translated_with_the_same_placeholders(language):
    catalog = translator(language)._messages
    missing = [m for m in MESSAGES if not catalog.get(m if isinstance(m, str) else m[:2])]
    assert missing == []
    for message in MESSAGES:
        translated = catalog[message if isinstance(message, str) else message[:2]]
        source = message if isinstance(message, str) else message[1]
        for text in (translated,) if isinstance(translated, str) else translated:
            assert set(PLACEHOLDER.findall(text)) <= set(PLACEHOLDER.findall(source)), (message, text)
