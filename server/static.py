"""/static: the files under web/static, read and gzipped once at start, served from memory.

Pages link them through `static_url("app.css")`, which adds the file's version (a hash of its
bytes): `/static/app.css?v=3f2a9c01d4`. A request with the current version is answered with
`Cache-Control: public, max-age=31536000, immutable`, so a returning phone asks for none of them.
Anything else (a font named inside a stylesheet, a page from before a deploy) gets `no-cache`
and an ETag: the browser asks again and gets a 304 while the file is unchanged.

Why not Litestar's static router: behind the app-wide gzip middleware it compressed htmx on every
request, and a phone's first load cost the server 19.5 of its 22.5 ms of CPU in static files
(bench/README.md, "changes and their effect").
"""

import gzip
import hashlib
import mimetypes
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from litestar import Request, Response, get
from litestar.exceptions import NotFoundException

ROOT = Path(__file__).resolve().parent.parent / "web" / "static"
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"
_TYPES = {".js": "text/javascript", ".css": "text/css", ".svg": "image/svg+xml", ".woff2": "font/woff2"}


@dataclass(frozen=True, slots=True)
class Asset:
    body: bytes
    gzipped: bytes | None  # None when gzip would not make it smaller (fonts, tiny files)
    media_type: str
    version: str

    @property
    def etag(self) -> str:
        return f'"{self.version}"'


class StaticFiles:
    def __init__(self, root: Path) -> None:
        self.assets: dict[str, Asset] = {}
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            body = path.read_bytes()
            packed = gzip.compress(body, compresslevel=9, mtime=0)
            media = _TYPES.get(path.suffix) or mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            if media.startswith("text/"):
                media += "; charset=utf-8"
            self.assets[path.relative_to(root).as_posix()] = Asset(
                body, packed if len(packed) < len(body) - 64 else None, media,
                hashlib.sha256(body).hexdigest()[:10],
            )

    def url(self, name: str) -> str:
        """The versioned address of a file; an unknown name is a bug in a template: fail loudly."""
        return f"/static/{name}?v={self.assets[name].version}"


@cache
def static_files() -> StaticFiles:
    return StaticFiles(ROOT)


@get(
    "/static/{name:path}", name="static", sync_to_thread=False,
    # Nothing to protect and nothing to compress again: no CSRF cookie, no gzip middleware.
    exclude_from_csrf=True, skip_compression=True, include_in_schema=False,
)
def static_file(request: Request, name: str) -> Response[bytes]:
    asset = static_files().assets.get(name.lstrip("/"))
    if asset is None:
        raise NotFoundException()
    headers = {
        "Cache-Control": IMMUTABLE if request.query_params.get("v") == asset.version else REVALIDATE,
        "ETag": asset.etag,
        "Vary": "Accept-Encoding",
    }
    if request.headers.get("if-none-match") == asset.etag:
        return Response(b"", status_code=304, headers=headers)
    body = asset.body
    if asset.gzipped is not None and "gzip" in request.headers.get("accept-encoding", ""):
        body = asset.gzipped
        headers["Content-Encoding"] = "gzip"
    return Response(body, media_type=asset.media_type, headers=headers)
