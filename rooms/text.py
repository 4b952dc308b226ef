"""Cleaning of text people type: what is stored is what everyone else will be shown."""

import unicodedata

# Bidirectional overrides and isolates can make text display differently from what it says.
_BIDI_CONTROLS = {chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))}


def clean_text(raw: str) -> str:
    """NFC-normalise, turn line breaks and tabs into spaces, drop control and bidi-override
    characters, and collapse runs of white space."""
    text = unicodedata.normalize("NFC", raw)
    kept = []
    for ch in text:
        if ch in "\r\n\t":
            kept.append(" ")
        elif ch in _BIDI_CONTROLS:
            continue
        elif unicodedata.category(ch) in ("Cc", "Cs", "Co", "Cn"):
            continue
        else:
            kept.append(ch)
    return " ".join("".join(kept).split())
