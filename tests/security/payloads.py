"""Hostile text and values, shared by the fuzzers and the rendering tests."""

import json

from hypothesis import strategies as st

# Each would do something if a page, a spreadsheet or a template engine took it for code.
MARKUP = [
    "<script>window.pwned=1</script>",
    '<img src=x onerror="window.pwned=1">',
    '"><svg onload="window.pwned=1">',
    "javascript:window.pwned=1",
    "{{ 7*7 }}{% raw %}",
    "${7*7}#{7*7}",
]
FORMULAS = ["=HYPERLINK(\"http://evil.example\",\"x\")", "+1+1", "-2+3", "@SUM(A1:A2)", "\tTAB", "\rCR", "=cmd|' /C calc'!A0"]
CONTROL = [
    "\u202eevil\u202c",  # right-to-left override
    "\u2066isolate\u2069",
    "nul\x00byte",
    "bell\x07\x1b[31m",
    "line\nbreak\r\ntab\t",
    "\ufeffbom",
    "zero\u200bwidth",
    "\ud800",  # a lone surrogate: not valid UTF-8 at all
]
EVERYTHING = MARKUP + FORMULAS + CONTROL


def json_text(value: object) -> str:
    """JSON as a client might send it; lone surrogates stay \\u-escaped (valid JSON text)."""
    return json.dumps(value, ensure_ascii=True)


hostile_text = st.one_of(
    st.sampled_from(EVERYTHING),
    st.text(max_size=40),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=300),
    st.lists(st.sampled_from(EVERYTHING), min_size=1, max_size=4).map("".join),
    # Long: over every limit, under the socket's 64 KiB frame limit.
    st.tuples(st.sampled_from(["x", "é", "\u202e", "\x00", "💥", "<b>"]), st.integers(281, 12000)).map(lambda t: t[0] * t[1]),
)

garbage = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)
huge_numbers = st.sampled_from([2**31, 2**63, -(2**63) - 1, 2**100, -1, 10**30, 1e300, -0.0])
