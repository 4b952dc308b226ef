"""Rendering full pages: every page gets the person's language, its direction and the catalog."""

from typing import Any

from jinja2 import pass_context
from litestar import Request
from markupsafe import Markup, escape
from litestar.response import Template

from server.i18n import LANGUAGES, pick_language, translator


def language_of(request: Request) -> str:
    return pick_language(request.cookies.get("lang"), request.headers.get("accept-language"))


def page(
    request: Request, template: str, /, status_code: int = 200, headers: dict[str, str] | None = None, **context: Any
) -> Template:
    """`template` is positional-only, so that a page may have a context variable called `name`."""
    language = language_of(request)
    tr = translator(language)
    return Template(
        template,
        context={
            "_": tr,
            "ngettext": tr.ngettext,
            "lang": language,
            "dir": tr.direction,
            "languages": LANGUAGES,
            "here": request.url.path,
            **context,
        },
        status_code=status_code,
        headers=headers,
    )


@pass_context
def lang_of(context: Any, code: str | None, within: str | None = None) -> Markup:
    """`lang` (and `dir`) attributes for text written in `code` (a meeting's title, its rounds,
    what participants wrote) when the page, or the element `within` it sits in, is in another
    language, so that a screen reader reads it with the right voice (WCAG 3.1.2, language of
    parts). Nothing when they are the same."""
    around = within or context.get("lang")
    if not code or code == around:
        return Markup("")
    language, outer = LANGUAGES.get(code), LANGUAGES.get(around or "")
    direction = language.direction if language else "ltr"
    attributes = f' lang="{escape(code)}"'
    if direction != (outer.direction if outer else context.get("dir", "ltr")):
        attributes += f' dir="{direction}"'
    return Markup(attributes)
