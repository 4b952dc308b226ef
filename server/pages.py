"""Rendering full pages: every page gets the person's language, its direction and the catalog."""

from typing import Any

from litestar import Request
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
