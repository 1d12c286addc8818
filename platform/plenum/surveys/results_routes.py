"""Pages of a survey's evaluation and its exports (filled in by the evaluation work)."""

from __future__ import annotations

from starlette.routing import BaseRoute

routes: list[BaseRoute] = []
