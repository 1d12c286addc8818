"""Refresh the translation catalogues from the code and templates.

    python scripts/catalogue.py            # extract, then update de and en
    python scripts/catalogue.py --check    # fail if a German translation is missing

Message ids are English. The German catalogue must translate every one; the English
catalogue exists so English can be chosen, and may leave entries empty.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[1]
CATALOGUES = ROOT / "platform" / "plenum" / "translations"
TEMPLATE = CATALOGUES / "messages.pot"


def extract() -> None:
    subprocess.run(  # noqa: S603 - fixed command line
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            str(ROOT / "babel.cfg"),
            "-k",
            "N_",
            "-k",
            "gettext",
            "-k",
            "ngettext:1,2",
            "--no-location",
            "--omit-header",
            "--sort-output",
            "-o",
            str(TEMPLATE),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
    )


def update(locale: str) -> list[str]:
    with TEMPLATE.open("rb") as handle:
        template = read_po(handle)
    path = CATALOGUES / locale / "LC_MESSAGES" / "messages.po"
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        with path.open("rb") as handle:
            catalog = read_po(handle, locale=locale)
        catalog.update(template, no_fuzzy_matching=True)
        catalog.obsolete.clear()
    else:
        catalog = template
        catalog.locale = locale  # type: ignore[assignment]
    catalog.project, catalog.version, catalog.fuzzy = "Plenum", "0.1", False
    with path.open("wb") as handle:
        write_po(
            handle, catalog, omit_header=False, sort_output=True, width=100, include_lineno=False
        )
    return [str(m.id) for m in catalog if m.id and not m.string]


def main() -> int:
    extract()
    missing = update("de")
    update("en")
    if missing:
        print("German translations missing:", *missing, sep="\n  ")  # noqa: T201
        return 1 if "--check" in sys.argv else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
