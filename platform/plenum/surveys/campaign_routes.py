"""Pages of a survey's phone campaign (filled in by the campaign work)."""

from __future__ import annotations

from starlette.routing import BaseRoute

routes: list[BaseRoute] = []
