"""The Litestar application: create_app() wires settings, store, hub, pages and the socket."""

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial
from datetime import datetime
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from litestar import Litestar, Request, Response, get
from litestar.config.compression import CompressionConfig
from litestar.config.csrf import CSRFConfig
from litestar.datastructures import MutableScopeHeaders, State
from litestar.exceptions import HTTPException
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.template.config import TemplateConfig
from litestar.types import Message, Scope
from rooms.rejection import N_

from server import logs
from server.guessing import Guesses
from server.auth import scribed_ballot
from server.i18n import OSLO, oslo_time
from server.meetings import draw_routes, plan_routes, scribe_routes
from server.meetings import staff_routes as meeting_staff_routes
from server.meetings import routes as meeting_routes
from server.meetings.outcomes import outcome_recorder
from server.meetings.views import RoomViews
from server.members import routes as member_routes
from server.panel import routes as panel_routes
from server.metrics import METRICS
from server.pages import lang_of, page
from server.realtime.fanout import channels_plugin
from server.realtime.hub import Hub
from server.realtime import wire
from server.realtime.ws import Buckets, room_socket
from server.settings import Settings
from server.staff import routes as staff_routes
from server.static import static_file, static_files
from server.store import open_store
from server.surveys import member_routes as survey_member_routes
from server.surveys import staff_routes as survey_staff_routes

log = logging.getLogger("server.app")

WEB = Path(__file__).resolve().parent.parent / "web"

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
    ),
    # Invitation links carry a token: never leak the address to another site.
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
}


def oslo_clock(epoch_seconds: float) -> str:
    return datetime.fromtimestamp(epoch_seconds, OSLO).strftime("%H:%M")


def template_environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(WEB / "templates"),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["oslo"] = oslo_time
    env.filters["clock"] = oslo_clock
    env.filters["oslo_epoch"] = lambda seconds: oslo_time(datetime.fromtimestamp(seconds, OSLO))
    env.globals["lang_of"] = lang_of
    env.globals["static_url"] = static_files().url
    return env


@get("/healthz", name="health")
async def healthz(request: Request) -> Response[dict[str, str]]:
    try:
        await request.app.state.store.ping()
    except Exception:
        return Response({"status": "store unreachable"}, status_code=503)
    return Response({"status": "ok"})


@get("/metrics", name="metrics", media_type="text/plain; version=0.0.4")
async def metrics() -> str:
    return METRICS.render()


# The facts of the accessibility statement (tilgjengelighetserklæring); its text is in the
# catalogs. Update `updated` whenever the statement or the known deviations change.
STATEMENT = {
    "owner": "Bærum kommune",
    "email": "post@baerum.kommune.no",
    "phone": "67 50 40 50",
    "answer_days": 10,
    "made": "27.11.2026",
    "updated": "27.11.2026",
}


@get("/tilgjengelighet", name="accessibility")
async def accessibility(request: Request) -> Response:
    return page(request, "accessibility.html", statement=STATEMENT)


# What Litestar's CSRF middleware says when a form comes without its token (or with another's).
CSRF_REFUSED = "CSRF token verification failed"
FORM_EXPIRED = N_("This form has expired or did not come from this site. Go back, reload the page and try again.")


def _error_page(request: Request, exc: HTTPException) -> Response:
    message_id = FORM_EXPIRED if exc.detail == CSRF_REFUSED else None
    return page(request, "error.html", status_code=exc.status_code, status=exc.status_code, message_id=message_id)


def _unreadable_page(request: Request, exc: Exception) -> Response:
    # Bytes that are not UTF-8 in a form (Litestar's multipart parser raises on them): the
    # sender's fault, answered like any other bad request.
    return page(request, "error.html", status_code=400, status=400)


def _crash_page(request: Request, exc: Exception) -> Response:
    # Litestar swallows unexpected errors quietly unless in debug mode; operators need the trace.
    log.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return page(request, "error.html", status_code=500, status=500)


# Served over TLS (BASE_URL https://...): browsers must never fall back to plain HTTP.
HSTS = "max-age=31536000; includeSubDomains"


def security_headers(settings: Settings):
    """A before_send hook: unlike after_request it also sees error pages (404, 405, CSRF 403)."""
    headers = {**SECURITY_HEADERS, **({"Strict-Transport-Security": HSTS} if settings.cookie_secure else {})}

    async def add(message: Message, scope: Scope) -> None:
        if message["type"] == "http.response.start":
            present = MutableScopeHeaders.from_message(message)
            for name, value in headers.items():
                present.setdefault(name, value)

    return add


def create_app(settings: Settings | None = None) -> Litestar:
    settings = settings or Settings.from_env()
    wire.Protocol.send_timeout = settings.ws_send_timeout  # the socket protocol uvicorn runs
    logs.configure()
    env = template_environment()
    channels = channels_plugin(settings.redis_url, settings.redis_prefix)
    views = RoomViews(env)

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        store = await open_store(settings)
        hub = Hub(
            store, views, channels, outcome_recorder(store), partial(scribed_ballot, settings.secret_key),
            settings.flush_interval,
        )
        hub.start()
        app.state.store, app.state.hub = store, hub
        try:
            yield
        finally:
            await hub.close()
            await store.close()

    return Litestar(
        route_handlers=[
            *meeting_routes.ROUTES,
            *plan_routes.ROUTES,
            *scribe_routes.ROUTES,
            *draw_routes.ROUTES,
            *meeting_staff_routes.ROUTES,
            *staff_routes.ROUTES,
            *member_routes.ROUTES,
            *survey_member_routes.ROUTES,
            *survey_staff_routes.ROUTES,
            *panel_routes.ROUTES,
            room_socket,
            healthz,
            metrics,
            accessibility,
            static_file,
        ],
        plugins=[channels],
        lifespan=[lifespan],
        state=State({
            "settings": settings, "views": views, "buckets": Buckets(settings.ws_rate, settings.ws_burst),
            "guesses": Guesses(settings.guesses_per_minute),
        }),
        template_config=TemplateConfig(instance=JinjaTemplateEngine.from_environment(env)),
        csrf_config=CSRFConfig(
            secret=settings.secret_key, cookie_secure=settings.cookie_secure, cookie_samesite="lax",
            cookie_httponly=True,  # read by no script: every form carries the token itself
        ),
        compression_config=CompressionConfig(
            backend="gzip", minimum_size=500, exclude_opt_key="skip_compression"  # /static is gzipped once
        ),
        exception_handlers={HTTPException: _error_page, UnicodeDecodeError: _unreadable_page, Exception: _crash_page},
        before_send=[security_headers(settings)],
        openapi_config=None,  # no schema pages: they are not for the public and need inline scripts
    )
