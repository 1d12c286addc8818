"""What the benchmark scripts share (run as ``python bench/NAME.py``, so this folder is on
the import path)."""

from __future__ import annotations


def open_sessions(database_url: str, member_ids: list[int]) -> None:
    """The server-side rows of the benchmark's session cookies (``bench-<member id>``):
    a cookie counts as logged in only while its session row exists."""
    from plenum.auth.models import MemberSession
    from plenum.db import Database

    db = Database(database_url)
    try:
        with db.session() as session:
            for member_id in member_ids:
                session.merge(MemberSession(id=f"bench-{member_id}", member_id=member_id))
            session.commit()
    finally:
        db.dispose()
