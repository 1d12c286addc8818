"""Pages of a survey: the chapter's list, building, preview, answering, "Meine Daten"."""

from __future__ import annotations

from starlette.routing import BaseRoute

routes: list[BaseRoute] = []
