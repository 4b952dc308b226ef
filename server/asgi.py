"""Entry point for uvicorn: `uvicorn server.asgi:create_app --factory`."""

from server.app import create_app

__all__ = ["create_app"]
