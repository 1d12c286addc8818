"""Demo data, written fresh for Plenum: an invented party structure and members.

The demo members log in at the local development identity provider; their claims
(chapter, groups) are the same ones the seed applies, so seeding is just a login
without a browser. Loading twice changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, select

from plenum.auth.service import profile_from_claims, sync_member
from plenum.orgs.models import BodyKind, Chapter, ChapterKind, Majority
from plenum.orgs.service import BodyInput, create_body, create_chapter
from plenum.settings import Settings

# (key, name, kind, parent key)
CHAPTERS: tuple[tuple[str, str, ChapterKind, str | None], ...] = (
    ("bund", "Bundesverband", ChapterKind.FEDERAL, None),
    ("lv-nrw", "Landesverband Nordrhein-Westfalen", ChapterKind.STATE, "bund"),
    ("lv-sachsen", "Landesverband Sachsen", ChapterKind.STATE, "bund"),
    ("kv-koeln", "Kreisverband Köln", ChapterKind.COUNTY, "lv-nrw"),
    ("kv-dortmund", "Kreisverband Dortmund", ChapterKind.COUNTY, "lv-nrw"),
    ("kv-leipzig", "Stadtverband Leipzig", ChapterKind.COUNTY, "lv-sachsen"),
    ("kv-zwickau", "Kreisverband Zwickau", ChapterKind.COUNTY, "lv-sachsen"),
    ("ov-koeln-ehrenfeld", "Ortsverband Köln-Ehrenfeld", ChapterKind.LOCAL, "kv-koeln"),
    ("ov-koeln-kalk", "Ortsverband Köln-Kalk", ChapterKind.LOCAL, "kv-koeln"),
    ("ov-dortmund-nord", "Ortsverband Dortmund-Nord", ChapterKind.LOCAL, "kv-dortmund"),
    ("ov-leipzig-sued", "Ortsverband Leipzig-Süd", ChapterKind.LOCAL, "kv-leipzig"),
    ("lag-nrw-beteiligung", "LAG Digitale Beteiligung NRW", ChapterKind.WORKING_GROUP, "lv-nrw"),
)

# (chapter key, name, kind); the body's key is "<chapter key>-<kind>".
BODIES: tuple[tuple[str, str, BodyKind], ...] = (
    ("bund", "Bundesvorstand", BodyKind.BOARD),
    ("lv-nrw", "Landesvorstand NRW", BodyKind.BOARD),
    ("lv-nrw", "Landesrat NRW", BodyKind.COUNCIL),
    ("lv-nrw", "Landesparteitag NRW", BodyKind.CONVENTION),
    ("lv-sachsen", "Landesvorstand Sachsen", BodyKind.BOARD),
    ("kv-koeln", "Kreisvorstand Köln", BodyKind.BOARD),
    ("kv-dortmund", "Kreisvorstand Dortmund", BodyKind.BOARD),
    ("kv-leipzig", "Stadtvorstand Leipzig", BodyKind.BOARD),
    ("kv-zwickau", "Kreisvorstand Zwickau", BodyKind.BOARD),
    ("lag-nrw-beteiligung", "Plenum der LAG Digitale Beteiligung", BodyKind.WG_PLENARY),
)

# Which identity-provider group gives which role (the demo's PLENUM_OIDC_GROUP_ROLES).
GROUP_ROLES: dict[str, tuple[str, ...]] = {
    "lv-nrw-vorsitz": ("chair@body:lv-nrw-board", "board_member@body:lv-nrw-board"),
    "lv-nrw-vorstand": ("board_member@body:lv-nrw-board",),
    "lv-nrw-delegiert": ("delegate@body:lv-nrw-convention",),
    "lv-nrw-ersatz": ("substitute_delegate@body:lv-nrw-convention",),
    "lv-nrw-landesrat": ("delegate@body:lv-nrw-council",),
    "lv-nrw-geschaeftsstelle": ("office_staff@chapter:lv-nrw",),
    "lv-nrw-moderation": ("moderator@chapter:lv-nrw",),
    "kv-koeln-vorstand": ("board_member@body:kv-koeln-board",),
    "lv-sachsen-vorstand": ("board_member@body:lv-sachsen-board",),
    "bund-geschaeftsstelle": ("office_staff@chapter:bund",),
    "lv-nrw-telefon": ("caller@chapter:lv-nrw",),
}


@dataclass(frozen=True)
class DemoMember:
    login: str
    name: str
    number: str
    chapter: str
    groups: tuple[str, ...]
    role_note: str
    phone: str = ""  # the provider's phone_number: phone campaigns call it
    joined: str = ""  # the provider's member_since, an ISO date

    @property
    def claims(self) -> dict[str, object]:
        found: dict[str, object] = {
            "sub": self.login,
            "name": self.name,
            "email": f"{self.login}@demo.plenum.invalid",
            "member_number": self.number,
            "chapter": self.chapter,
            "groups": list(self.groups),
        }
        if self.phone:
            found["phone_number"] = self.phone
        if self.joined:
            found["member_since"] = self.joined
        return found


MEMBERS: tuple[DemoMember, ...] = (
    DemoMember(
        "mitglied",
        "Anna Berger",
        "100001",
        "ov-koeln-ehrenfeld",
        (),
        "member",
        phone="+49 221 555 0101",
        joined="2019-03-01",
    ),
    DemoMember(
        "vorstand",
        "Deniz Yılmaz",
        "100002",
        "ov-koeln-kalk",
        ("lv-nrw-vorstand", "kv-koeln-vorstand"),
        "board member",
        phone="+49 221 555 0102",
    ),
    DemoMember(
        "delegiert",
        "Jana Schulz",
        "100003",
        "ov-dortmund-nord",
        ("lv-nrw-delegiert", "lv-nrw-landesrat"),
        "delegate",
    ),
    DemoMember(
        "geschaeftsstelle",
        "Thomas Krüger",
        "100004",
        "kv-dortmund",
        ("lv-nrw-geschaeftsstelle",),
        "office staff",
    ),
    DemoMember(
        "moderation",
        "Leila Haddad",
        "100005",
        "ov-koeln-ehrenfeld",
        ("lv-nrw-moderation",),
        "moderator",
        phone="+49 221 555 0105",
    ),
    DemoMember("vorsitz", "Marta Nowak", "100006", "kv-koeln", ("lv-nrw-vorsitz",), "chair"),
    DemoMember(
        "ersatz",
        "Ömer Aydın",
        "100007",
        "ov-koeln-kalk",
        ("lv-nrw-ersatz",),
        "substitute delegate",
        phone="+49 221 555 0107",
    ),
    DemoMember(
        "sachsen",
        "Franziska Lehmann",
        "100008",
        "ov-leipzig-sued",
        ("lv-sachsen-vorstand",),
        "board member (Saxony)",
    ),
    DemoMember("zwickau", "Paul Richter", "100009", "kv-zwickau", (), "member (Saxony)"),
    DemoMember("lag", "Sophie Wagner", "100010", "lag-nrw-beteiligung", (), "working group"),
    DemoMember(
        "bund",
        "Karim Mansour",
        "100011",
        "bund",
        ("bund-geschaeftsstelle",),
        "federal office staff",
    ),
    DemoMember(
        "dortmund",
        "Helga Schmitz",
        "100012",
        "ov-dortmund-nord",
        ("lv-nrw-delegiert",),
        "delegate",
        phone="+49 231 555 0112",
    ),
    DemoMember(
        "telefon",
        "Nils Brandt",
        "100013",
        "ov-dortmund-nord",
        ("lv-nrw-telefon",),
        "caller (phone campaign)",
    ),
    # members who answer the demo surveys (surveys.demo), and are called
    *(
        DemoMember(login, name, number, chapter, (), "member (surveys)", phone, joined)
        for login, name, number, chapter, phone, joined in (
            ("mitglied2", "Clara Hoffmann", "100014", "ov-koeln-ehrenfeld", "", "2025-11-15"),
            ("mitglied3", "Mehmet Demir", "100015", "ov-koeln-ehrenfeld", "", "2012-05-01"),
            ("mitglied4", "Jonas Becker", "100016", "ov-koeln-ehrenfeld", "+49 221 555 0116", ""),
            ("mitglied5", "Ewa Kowalska", "100017", "ov-koeln-kalk", "", "2026-02-01"),
            ("mitglied6", "Lukas Schneider", "100018", "ov-koeln-kalk", "", "2021-09-20"),
            ("mitglied7", "Aylin Kaya", "100019", "ov-koeln-kalk", "+49 221 555 0119", ""),
            ("mitglied8", "Tobias Meier", "100020", "ov-dortmund-nord", "+49 231 555 0120", ""),
            ("mitglied9", "Greta Vogel", "100021", "ov-dortmund-nord", "+49 231 555 0121", ""),
        )
    ),
)


def demo_settings(settings: Settings) -> Settings:
    """The demo's group table, unless the operator configured one."""
    if settings.oidc_group_roles:
        return settings
    return settings.with_changes(oidc_group_roles=GROUP_ROLES)


def load(settings: Settings, *, session: Session) -> bool:
    """Create the demo structure, members and motions; False when they exist already."""
    from plenum.discuss import demo as discuss_demo
    from plenum.meetings import demo as meetings_demo
    from plenum.motions import demo as motions_demo
    from plenum.search.index import reindex
    from plenum.series import demo as series_demo
    from plenum.surveys import demo as surveys_demo
    from plenum.votes import demo as votes_demo

    fresh = _load_structure(settings, session=session)
    motions_demo.load(session=session)
    discuss_demo.load(session=session)
    votes_demo.load(session=session)
    meetings_demo.load(session=session)
    series_demo.load(session=session)
    surveys_demo.load(session=session)
    reindex(session=session)
    return fresh


def _load_structure(settings: Settings, *, session: Session) -> bool:
    if session.exec(select(Chapter).where(Chapter.key == "bund")).first() is not None:
        return False
    created: dict[str, Chapter] = {}
    for key, name, kind, parent in CHAPTERS:
        created[key] = create_chapter(
            session=session,
            key=key,
            name=name,
            kind=kind,
            parent=created[parent] if parent else None,
        )
    session.commit()
    for chapter_key, name, body_kind in BODIES:
        data = BodyInput(
            name=name,
            kind=body_kind.value,
            quorum_percent=50,
            default_majority=Majority.SIMPLE.value,
        )
        create_body(created[chapter_key], data, session=session)
    as_demo = _demo_login(settings)
    for member in MEMBERS:
        profile = profile_from_claims(settings.oidc_issuer, member.claims, as_demo)
        sync_member(profile, as_demo, session=session)
    return True


def _demo_login(settings: Settings) -> Settings:
    """How the demo members' claims are read: with the demo's claim names and group table,
    whatever the operator set for the real provider. Otherwise an operator's
    ``PLENUM_OIDC_GROUP_ROLES`` leaves the demo's office staff without their role, and
    the demo motions cannot be published."""
    defaults = Settings()
    return settings.with_changes(
        oidc_group_roles=GROUP_ROLES,
        oidc_claim_name=defaults.oidc_claim_name,
        oidc_claim_email=defaults.oidc_claim_email,
        oidc_claim_member_number=defaults.oidc_claim_member_number,
        oidc_claim_chapter=defaults.oidc_claim_chapter,
        oidc_claim_groups=defaults.oidc_claim_groups,
        oidc_claim_phone=defaults.oidc_claim_phone,
        oidc_claim_joined=defaults.oidc_claim_joined,
    )
