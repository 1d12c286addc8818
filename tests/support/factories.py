"""Small factories for the party structure."""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from plenum.orgs.models import Body, BodyKind, Chapter, ChapterKind
from plenum.orgs.service import BodyInput, create_body, create_chapter


@dataclass
class Structure:
    federal: Chapter
    state: Chapter
    other_state: Chapter
    county: Chapter
    local: Chapter
    state_board: Body
    state_convention: Body
    county_board: Body


def structure(session: Session) -> Structure:
    """federal → state (with board and convention) → county (board) → local; plus a second state."""
    federal = create_chapter(
        session=session, key="bund", name="Bundesverband", kind=ChapterKind.FEDERAL
    )
    state = create_chapter(
        session=session,
        key="lv-nrw",
        name="Landesverband NRW",
        kind=ChapterKind.STATE,
        parent=federal,
    )
    other = create_chapter(
        session=session,
        key="lv-sachsen",
        name="Landesverband Sachsen",
        kind=ChapterKind.STATE,
        parent=federal,
    )
    county = create_chapter(
        session=session,
        key="kv-koeln",
        name="Kreisverband Köln",
        kind=ChapterKind.COUNTY,
        parent=state,
    )
    local = create_chapter(
        session=session,
        key="ov-koeln-kalk",
        name="Ortsverband Köln-Kalk",
        kind=ChapterKind.LOCAL,
        parent=county,
    )
    made = Structure(
        federal=federal,
        state=state,
        other_state=other,
        county=county,
        local=local,
        state_board=create_body(
            state, body_input("Landesvorstand NRW", BodyKind.BOARD), session=session
        ),
        state_convention=create_body(
            state, body_input("Landesparteitag NRW", BodyKind.CONVENTION), session=session
        ),
        county_board=create_body(
            county, body_input("Kreisvorstand Köln", BodyKind.BOARD), session=session
        ),
    )
    session.commit()
    return made


def body_input(name: str, kind: BodyKind, **overrides: Any) -> BodyInput:
    values: dict[str, Any] = {
        "name": name,
        "kind": kind.value,
        "quorum_percent": 50,
        "default_majority": "simple",
    }
    values.update(overrides)
    return BodyInput(**values)


def claims(
    sub: str,
    *,
    name: str = "",
    chapter: str = "ov-koeln-kalk",
    groups: tuple[str, ...] = (),
    number: str = "",
) -> dict[str, Any]:
    return {
        "name": name or sub.title(),
        "email": f"{sub}@example.invalid",
        "member_number": number or str(zlib.crc32(sub.encode()) % 900000 + 100000),
        "chapter": chapter,
        "groups": list(groups),
    }
