"""Motions (issue 3): the motion page and the call page against their 150 ms targets.

Builds a fresh SQLite database in a temporary directory (migrated, with the demo's
party structure and members) and fills it through Plenum's own services:

* a call of the Landesrat NRW (line length 80) with one published motion of about 300
  numbered lines (generated German-like text: headings, paragraphs, nested lists) and
  200 amendments to it by 200 different members, written with
  ``amendments.create_amendment`` so that their stored changes are real; each changes a
  few words in one to three places, and about a third of the places are shared, so
  amendments collide. A second motion with the same text has 20 amendments;
* a call of the Landesparteitag NRW with 500 motions in every status and 500
  amendments: 1,000 motions and amendments for its list page.

Then it logs in the demo member "mitglied" (a plain member of a chapter below NRW, with
a session cookie signed as Plenum's session middleware signs it) and measures, in one
process with Starlette's TestClient, p50 and p95 of

* ``GET /motions/{id}`` with 200 and with 20 amendments, ``GET /calls/{id}``,
* ``GET /healthz`` of Plenum and ``GET /`` and ``GET /chapters`` of the bare Starlette
  app of ``bench/baseline.py`` (no middleware, Jinja2 per request, stdlib ``sqlite3``),
  so that the ratios within one run mean something,

in alternating rounds, and counts the SQL statements of each request (a SQLAlchemy
event on the app's engine). Last it times ``GET /motions/{id}/pdf`` for information.
It prints one table and PASS or FAIL for each target, and exits with 1 on a FAIL.

    .venv/bin/python bench/motions.py [--runs 60] [--warmup 5] [--rounds 4]
    .venv/bin/python bench/motions.py --profile motion-200   # cProfile of one page
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import platform
import pstats
import random
import re
import statistics
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from common import open_sessions

SECRET = "bench-secret-not-for-production"  # noqa: S105 - a throwaway key for a local run
VIEWER = "mitglied"  # the demo's plain member (Ortsverband Köln-Ehrenfeld, below NRW)
PROPOSER = "delegiert"  # the demo's delegate proposes the long motion
STAFF = "geschaeftsstelle"  # the demo's NRW office staff screen, publish and decide
TARGET_MS = 150.0
LINE_LENGTH = 80
MOTION_LINES = 300
AMENDMENTS = 200
FEW_AMENDMENTS = 20
CALL_MOTIONS = 500
CALL_AMENDMENTS = 500
SEED = 20261121
NRW_CHAPTERS = ("ov-koeln-kalk", "ov-koeln-ehrenfeld", "ov-dortmund-nord", "kv-dortmund")

# How the 500 motions of the big call end up (they all start as drafts).
CALL_STATUSES = (
    ("draft", 30),
    ("submitted", 40),
    ("screened", 20),
    ("inadmissible", 15),
    ("withdrawn", 15),
    ("published", 220),
    ("recommended", 70),
    ("adopted", 50),
    ("rejected", 25),
    ("referred", 15),
)


# --- German-like text -----------------------------------------------------------------------

SUBJECTS = (
    "Der Landesverband",
    "Die Geschäftsstelle",
    "Der Landesvorstand",
    "Jeder Kreisverband",
    "Die Landesarbeitsgemeinschaft",
    "Der Landesrat",
    "Die Schatzmeisterei",
    "Jede Ortsgruppe",
    "Die Mitgliederversammlung",
    "Das Präsidium",
    "Die Jugendorganisation",
    "Der Parteitag",
)
VERBS = (
    "unterstützt",
    "organisiert",
    "finanziert",
    "prüft",
    "veröffentlicht",
    "beschließt",
    "begleitet",
    "fördert",
    "koordiniert",
    "dokumentiert",
    "stärkt",
    "erarbeitet",
)
OBJECTS = (
    "regelmäßige Regionalkonferenzen",
    "die Beteiligung aller Mitglieder",
    "barrierefreie Veranstaltungsorte",
    "eine verlässliche Kinderbetreuung",
    "digitale Abstimmungen",
    "die Weiterbildung der Ehrenamtlichen",
    "offene Sprechstunden vor Ort",
    "einen jährlichen Bericht",
    "die Zusammenarbeit mit Initiativen",
    "gemeinsame Kampagnen im ländlichen Raum",
    "transparente Haushaltspläne",
    "Patenschaften für neue Mitglieder",
    "mehrsprachige Informationsangebote",
    "eine faire Verteilung der Mittel",
)
CLAUSES = (
    "damit auch Menschen mit wenig Zeit teilnehmen können",
    "wenn mindestens drei Kreisverbände dies beantragen",
    "sobald der Haushalt dafür Mittel vorsieht",
    "ohne dass zusätzliche Kosten für die Mitglieder entstehen",
    "nachdem die Betroffenen angehört wurden",
    "soweit die Satzung nichts anderes bestimmt",
    "bis zum Ende des kommenden Jahres",
    "in enger Abstimmung mit den Ortsgruppen",
    "unter Beachtung des Datenschutzes",
)
ADVERBS = (
    "zeitnah",
    "dauerhaft",
    "gemeinsam",
    "verbindlich",
    "schrittweise",
    "ausdrücklich",
    "jährlich",
    "öffentlich",
)
HEADINGS = (
    "Ausgangslage",
    "Ziele",
    "Beteiligung vor Ort",
    "Finanzierung",
    "Zeitplan",
    "Zuständigkeiten",
    "Bildung und Qualifizierung",
    "Kommunikation",
    "Auswertung",
    "Zusammenarbeit",
    "Digitale Werkzeuge",
    "Schlussbestimmungen",
)
FILLERS = (
    "neue",
    "lokale",
    "konkrete",
    "zusätzliche",
    "ehrenamtliche",
    "regionale",
    "verlässliche",
    "gemeinsame",
    "Mitglieder",
    "Vorschläge",
    "Mittel",
    "Termine",
    "Angebote",
    "ausreichend",
    "spätestens",
    "ebenfalls",
)
TOPICS = (
    "Teilhabe",
    "Mitgliederbeteiligung",
    "Kinderbetreuung",
    "Ehrenamt",
    "Klimaschutz vor Ort",
    "Mobilität",
    "Wohnen",
    "Bildung",
    "Digitalisierung",
    "Haushalt",
    "Satzung",
    "Frauenförderung",
)


def sentence(rng: random.Random) -> str:
    text = f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)} {rng.choice(ADVERBS)} {rng.choice(OBJECTS)}"
    if rng.random() < 0.6:
        text += f", {rng.choice(CLAUSES)}"
    return text + "."


def paragraph(rng: random.Random, sentences: int) -> str:
    return " ".join(sentence(rng) for _ in range(sentences))


def block_markdown(rng: random.Random, kind: str) -> str:
    if kind == "heading":
        return f"## {rng.choice(HEADINGS)}"
    if kind == "list":
        items = []
        for number in range(1, rng.randint(3, 5) + 1):
            items.append(f"{number}. {paragraph(rng, rng.randint(1, 2))}")
            if rng.random() < 0.5:
                items += [f"   - {sentence(rng)}" for _ in range(rng.randint(1, 3))]
        return "\n".join(items)
    return paragraph(rng, rng.randint(2, 5))


def motion_text(rng: random.Random, target_lines: int) -> str:
    """Markdown of about ``target_lines`` numbered lines at the bench's line length."""
    from plenum.motions import lines

    parts = ["Der Landesrat möge beschließen:"]
    while lines.layout("\n\n".join(parts), LINE_LENGTH).line_count < target_lines:
        if target_lines > 40 and rng.random() < 0.15:
            parts.append(block_markdown(rng, "heading"))
        parts.append(block_markdown(rng, "list" if rng.random() < 0.35 else "paragraph"))
    return "\n\n".join(parts) + "\n"


# --- amendments: a few words changed in a few places ------------------------------------------

_WORD = re.compile(r"(?<= )[A-Za-zÄÖÜäöüß]{3,}(?=[ ,.;:]|$)", re.MULTILINE)


@dataclass
class Amender:
    """Writes amended texts of one base text; some places are shared, so amendments collide."""

    base: str
    rng: random.Random
    words: list[re.Match[str]] = field(init=False)
    hot: list[int] = field(init=False)

    def __post_init__(self) -> None:
        self.words = list(_WORD.finditer(self.base))
        self.hot = self.rng.sample(range(len(self.words) - 4), k=max(3, len(self.words) // 120))

    def amended(self) -> str:
        rng = self.rng
        places: list[int] = []
        for _ in range(rng.choice((1, 1, 2, 2, 3))):
            if rng.random() < 0.35:
                place = rng.choice(self.hot) + rng.randint(-1, 1)
            else:
                place = rng.randrange(len(self.words) - 4)
            if all(abs(place - other) > 6 for other in places):
                places.append(max(place, 0))
        text = self.base
        for place in sorted(places, reverse=True):  # from the end: offsets stay valid
            text = self._edit(text, place)
        if rng.random() < 0.08:  # now and then a new paragraph after a plain paragraph
            ends = [m.end() for m in re.finditer(r"^[A-ZÄÖÜ][^\n]*\.$", text, re.MULTILINE)]
            if ends:
                end = rng.choice(ends)
                text = f"{text[:end]}\n\n{paragraph(rng, rng.randint(1, 2))}{text[end:]}"
        return text

    def _edit(self, text: str, place: int) -> str:
        rng = self.rng
        first = self.words[place]
        count = rng.randint(1, 3)
        last = self.words[min(place + count - 1, len(self.words) - 1)]
        if "\n" in text[first.start() : last.end()]:
            last = first
        new = " ".join(rng.choice(FILLERS) for _ in range(rng.randint(1, 3)))
        kind = rng.choices(("replace", "delete", "insert"), weights=(5, 2, 3))[0]
        if kind == "replace":
            return text[: first.start()] + new + text[last.end() :]
        if kind == "delete":
            return text[: first.start() - 1] + text[last.end() :]
        return text[: first.end()] + " " + new + text[first.end() :]


# --- the data set -----------------------------------------------------------------------------


@dataclass(frozen=True)
class DataSet:
    viewer_id: int
    motion_id: int  # about 300 lines, 200 amendments
    few_id: int  # the same text, 20 amendments
    call_id: int  # 500 motions, 500 amendments
    lines: int
    amendments: int
    colliding: int
    call_motions: int
    call_amendments: int
    seconds: float


def prepare(database: Path, rng: random.Random) -> DataSet:
    """Migrate a fresh SQLite file, load the demo and write the data set through the services."""
    from sqlalchemy import func
    from sqlmodel import col, select

    from plenum import demo
    from plenum.auth.service import profile_from_claims, sync_member
    from plenum.db import Database
    from plenum.migrate import upgrade
    from plenum.motions import diff, service
    from plenum.motions.models import Amendment, Motion
    from plenum.orgs.models import Member
    from plenum.orgs.service import body_by_key
    from plenum.settings import Settings

    began = time.perf_counter()
    url = f"sqlite:///{database}"
    upgrade(url)
    settings = demo.demo_settings(Settings(env="test", database_url=url, secret_key=SECRET))
    db = Database(url)
    try:
        with db.session() as session:
            demo.load(settings, session=session)
            session.commit()
            people = {
                m.subject: m.id or 0
                for m in session.exec(select(Member)).all()
                if m.subject in (VIEWER, PROPOSER, STAFF)
            }
            members = []
            for index in range(1, AMENDMENTS + 1):
                claims = {
                    "sub": f"bench-{index:03d}",
                    "name": f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
                    "email": f"bench-{index:03d}@bench.plenum.invalid",
                    "member_number": str(200000 + index),
                    "chapter": rng.choice(NRW_CHAPTERS),
                    "groups": [],
                }
                profile = profile_from_claims(settings.oidc_issuer, claims, settings)
                members.append(sync_member(profile, settings, session=session).id or 0)

            council, _ = body_by_key("lv-nrw-council", session=session)
            call = service.create_call(
                council, call_input("Landesrat NRW"), actor=None, session=session
            )
            text = motion_text(rng, MOTION_LINES)
            long_motion = _published(session, call.id or 0, people, "Mehr Teilhabe vor Ort", text)
            few = _published(session, call.id or 0, people, "Teilhabe, kurz geändert", text)
            base = service.current_version(long_motion, session=session)
            assert base is not None
            amender = Amender(base.text, rng)
            for index, member_id in enumerate(members):
                _amend(session, long_motion.id or 0, member_id, amender, index)
            for index, member_id in enumerate(members[:FEW_AMENDMENTS]):
                _amend(session, few.id or 0, member_id, amender, index)

            convention, _ = body_by_key("lv-nrw-convention", session=session)
            big = service.create_call(
                convention, call_input("Landesparteitag NRW"), actor=None, session=session
            )
            _fill_call(session, big.id or 0, people, members, rng)

            stored = session.exec(
                select(Amendment).where(Amendment.motion_id == long_motion.id)
            ).all()
            clashes = diff.collisions(
                {a.id or 0: diff.changes_from_json(a.changes) for a in stored}
            )
            count = session.exec(
                select(func.count()).where(
                    col(Amendment.motion_id).in_(
                        select(Motion.id).where(Motion.consultation_id == big.id)
                    )
                )
            ).one()
            motions_in_call = session.exec(
                select(func.count()).where(Motion.consultation_id == big.id)
            ).one()
            return DataSet(
                viewer_id=people[VIEWER],
                motion_id=long_motion.id or 0,
                few_id=few.id or 0,
                call_id=big.id or 0,
                lines=base.line_count,
                amendments=len(stored),
                colliding=sum(1 for found in clashes.values() if found),
                call_motions=int(motions_in_call),
                call_amendments=int(count),
                seconds=time.perf_counter() - began,
            )
    finally:
        db.dispose()


FIRST_NAMES = (
    "Anna", "Ben", "Cem", "Dana", "Emil", "Fatma", "Greta", "Hannes", "Ida", "Jonas",
    "Kübra", "Lars", "Mira", "Nils", "Olga", "Piotr", "Rosa", "Sven", "Tanja", "Ugur",
)  # fmt: skip
LAST_NAMES = (
    "Albers", "Brandt", "Çelik", "Dietrich", "Engel", "Fuchs", "Graf", "Hoffmann", "Jansen",
    "Kaya", "Lorenz", "Meyer", "Nowak", "Otto", "Peters", "Roth", "Schäfer", "Vogel", "Wolf",
)  # fmt: skip


def call_input(title: str) -> Any:
    from plenum.clock import utcnow
    from plenum.motions import forms

    return forms.CallInput(
        title=title,
        description="Anträge und Änderungsanträge für die nächste Sitzung.",
        motion_types=("motion", "finance"),
        prefixes=("A", "B", "S", "F"),
        submitters=("members",),
        supporters_required=0,
        line_length=LINE_LENGTH,
        amendment_numbering="sequential",
        motion_deadline=utcnow() + timedelta(days=30),
        amendment_deadline=utcnow() + timedelta(days=60),
    )


def motion_input(title: str, text: str) -> Any:
    from plenum.motions import forms

    return forms.MotionInput(
        title=title,
        type="motion",
        group_name="",
        text=text,
        reasons="Viele Mitglieder können sich bisher nur schwer beteiligen.",
        amount_cents=None,
        cost_centre="",
        co_proposers=(),
    )


def _principal(session: Any, member_id: int) -> Any:
    from plenum.orgs.service import principal_for

    return principal_for(member_id, session=session)


def _submitted(session: Any, call_id: int, proposer: int, title: str, text: str) -> Any:
    from plenum.motions import service

    place = service.call_place(call_id, session=session)
    actor = _principal(session, proposer)
    motion = service.save_draft(place, motion_input(title, text), principal=actor, session=session)
    return service.submit(motion, place, principal=actor, session=session)


def _step(session: Any, motion: Any, staff: int, name: str, **values: Any) -> None:
    from plenum.motions import forms, service

    place = service.call_place(motion.consultation_id, session=session)
    data = forms.TransitionInput(**values)
    service.transition(
        motion, place, name, data, principal=_principal(session, staff), session=session
    )


def _published(session: Any, call_id: int, people: dict[str, int], title: str, text: str) -> Any:
    motion = _submitted(session, call_id, people[PROPOSER], title, text)
    _step(session, motion, people[STAFF], "publish")
    return motion


def _amend(session: Any, motion_id: int, member_id: int, amender: Amender, index: int) -> Any:
    """An amendment through ``create_amendment``; a text that changes nothing is redrawn."""
    from plenum.errors import ValidationFailed
    from plenum.motions import amendments, forms, service

    at = service.motion_place(motion_id, session=session)
    actor = _principal(session, member_id)
    title = f"{TOPICS[index % len(TOPICS)]}: Änderung {index + 1}"
    for _attempt in range(10):
        data = forms.AmendmentInput(
            title=title, group_name="", text=amender.amended(), reasons="", co_proposers=()
        )
        try:
            amendment = amendments.create_amendment(at, data, principal=actor, session=session)
        except ValidationFailed:
            session.rollback()
            continue
        # the board publishes it (members see amendments from then on); some get advice
        ap = amendments.amendment_place(amendment.id or 0, session=session)
        staff = _principal(session, _staff_id(session))
        publish = forms.TransitionInput()
        amendments.transition(ap, "publish", publish, principal=staff, session=session)
        if index % 5 == 4:
            advice = forms.TransitionInput(recommendation=("adopt", "reject")[index % 2])
            amendments.transition(ap, "recommend", advice, principal=staff, session=session)
        return amendment
    raise SystemExit("could not write an amendment that changes something")


def _staff_id(session: Any) -> int:
    from sqlmodel import select

    from plenum.orgs.models import Member

    found = session.exec(select(Member.id).where(Member.subject == STAFF)).one()
    return int(found)


def _fill_call(
    session: Any, call_id: int, people: dict[str, int], members: list[int], rng: random.Random
) -> None:
    """500 motions in CALL_STATUSES and 500 amendments to the published ones."""
    from plenum.motions import service

    staff = people[STAFF]
    plan = [status for status, count in CALL_STATUSES for _ in range(count)]
    rng.shuffle(plan)
    made: list[tuple[Any, str]] = []
    for index, final in enumerate(plan):
        proposer = members[index % len(members)]
        title = f"{rng.choice(TOPICS)}: {rng.choice(OBJECTS)} ({index + 1})"
        text = motion_text(rng, rng.randint(8, 30))
        place = service.call_place(call_id, session=session)
        actor = _principal(session, proposer)
        motion = service.save_draft(
            place, motion_input(title, text), principal=actor, session=session
        )
        if final != "draft":
            service.submit(motion, place, principal=actor, session=session)
        if final == "screened":
            _step(session, motion, staff, "screen")
        elif final == "inadmissible":
            _step(session, motion, staff, "inadmissible", note="Nicht zulässig.")
        elif final not in ("draft", "submitted"):
            _step(session, motion, staff, "publish")
        made.append((motion, final))
    # amendments while the motions are open, five each to the first 100 published ones
    published = [motion for motion, final in made if final not in _NOT_PUBLISHED]
    per_motion = 5
    for number, motion in enumerate(published[: CALL_AMENDMENTS // per_motion]):
        version = service.current_version(motion, session=session)
        assert version is not None
        amender = Amender(version.text, rng)
        for k in range(per_motion):
            author = members[(number * per_motion + k + 1) % len(members)]
            _amend(session, motion.id or 0, author, amender, k)
    for motion, final in made:
        if final == "withdrawn":
            place = service.call_place(call_id, session=session)
            note = forms_note("Zurückgezogen.")
            actor = _principal(session, motion.created_by)
            service.transition(motion, place, "withdraw", note, principal=actor, session=session)
        elif final in ("recommended", "adopted", "rejected", "referred"):
            advice = rng.choice(("adopt", "reject"))
            _step(session, motion, staff, "recommend", recommendation=advice)
            if final != "recommended":
                _step(session, motion, staff, "decide", outcome=final)


_NOT_PUBLISHED = frozenset({"draft", "submitted", "screened", "inadmissible"})


def forms_note(note: str) -> Any:
    from plenum.motions import forms

    return forms.TransitionInput(note=note)


# --- measuring --------------------------------------------------------------------------------


def session_cookie(member_id: int) -> str:
    """A logged-in session cookie, signed as Plenum's session middleware signs it."""
    from itsdangerous import URLSafeSerializer

    from plenum.web.session import COOKIE_NAME

    now = int(time.time())
    data = {"_c": now, "_s": now, "_id": f"bench-{member_id}", "member_id": member_id}
    value = URLSafeSerializer(SECRET, salt="plenum.session").dumps(data)
    return f"{COOKIE_NAME}={value}"


class StatementCounter:
    """Counts the SQL statements sent through an engine."""

    def __init__(self, engine: Any) -> None:
        from sqlalchemy import event

        self.count = 0
        event.listen(engine, "before_cursor_execute", self._seen)

    def _seen(self, *_args: object) -> None:
        self.count += 1


@dataclass
class Scenario:
    name: str
    app: str  # "plenum" or "bare"
    path: str
    note: str
    latencies: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)  # CPU time of the whole process
    statements: list[int] = field(default_factory=list)
    size: int = 0

    @property
    def p50(self) -> float:
        return statistics.median(self.latencies) * 1000

    @property
    def p95(self) -> float:
        if len(self.latencies) < 2:
            return self.p50
        return statistics.quantiles(self.latencies, n=20)[18] * 1000

    @property
    def cpu_p50(self) -> float:
        return statistics.median(self.cpu) * 1000

    def add(self, sample: Sample) -> None:
        self.latencies.append(sample.seconds)
        self.cpu.append(sample.cpu)
        self.statements.append(sample.statements)
        self.size = sample.size


@dataclass(frozen=True)
class Sample:
    seconds: float  # wall-clock time of the request
    cpu: float  # CPU time the process spent on it (client and app threads)
    statements: int  # SQL statements sent through the app's engine
    size: int
    text: str


def plenum_app(database: Path) -> Any:
    from plenum import demo
    from plenum.app import create_app
    from plenum.settings import Settings

    settings = Settings(
        env="test",
        database_url=f"sqlite:///{database}",
        secret_key=SECRET,
        log_level="WARNING",
    )
    return create_app(demo.demo_settings(settings))


def bare_app(database: Path) -> Any:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from baseline import bare_app as make

    return make(str(database))


class Clients:
    """One TestClient per app, each request timed and its statements counted."""

    def __init__(self, database: Path, cookie: str) -> None:
        from starlette.testclient import TestClient

        self.plenum_app = plenum_app(database)
        self.counter = StatementCounter(self.plenum_app.state.database.engine)
        self.cookie = cookie
        self.clients = {
            "plenum": TestClient(self.plenum_app, base_url="http://localhost"),
            "bare": TestClient(bare_app(database), base_url="http://localhost"),
        }

    def __enter__(self) -> Clients:
        for client in self.clients.values():
            client.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        for client in self.clients.values():
            client.__exit__(*exc)

    def get(self, scenario: Scenario) -> Sample:
        client = self.clients[scenario.app]
        client.cookies.clear()  # only the cookie given here: the same session every time
        headers = {"cookie": self.cookie} if scenario.app == "plenum" else {}
        before = self.counter.count
        cpu = time.process_time()
        began = time.perf_counter()
        response = client.get(scenario.path, headers=headers)
        took = time.perf_counter() - began
        cpu = time.process_time() - cpu
        if response.status_code != 200:
            raise SystemExit(f"{scenario.path}: {response.status_code}\n{response.text[:2000]}")
        statements = self.counter.count - before
        return Sample(took, cpu, statements, len(response.content), response.text)


def scenarios(data: DataSet) -> list[Scenario]:
    return [
        Scenario(
            "motion-200",
            "plenum",
            f"/motions/{data.motion_id}",
            f"{data.lines} lines, {data.amendments} amendments",
        ),
        Scenario(
            "motion-20",
            "plenum",
            f"/motions/{data.few_id}",
            f"{data.lines} lines, {FEW_AMENDMENTS} amendments",
        ),
        Scenario(
            "call-1000",
            "plenum",
            f"/calls/{data.call_id}",
            f"{data.call_motions} motions + {data.call_amendments} amendments",
        ),
        Scenario("healthz", "plenum", "/healthz", "JSON after SELECT 1"),
        Scenario("bare-home", "bare", "/", "bare Starlette: layout only"),
        Scenario("bare-chapters", "bare", "/chapters", "bare Starlette: sqlite3 + list"),
    ]


def check_pages(clients: Clients, found: list[Scenario], data: DataSet) -> dict[str, int]:
    """The pages show what they should: every line, every amendment, the motion rows."""
    pages = {s.name: clients.get(s).text for s in found}
    shown = {
        "lines": pages["motion-200"].count('class="line"'),
        "amendments": pages["motion-200"].count('class="amendment-item'),
        "few": pages["motion-20"].count('class="amendment-item'),
        "colliding": pages["motion-200"].count("amendment-item collides"),
        "call rows": pages["call-1000"].count("<tr>") - 1,
    }
    assert shown["lines"] == data.lines, shown
    assert shown["amendments"] == data.amendments, shown
    assert shown["few"] == FEW_AMENDMENTS, shown
    assert shown["colliding"] == data.colliding, shown
    assert shown["call rows"] > 0, shown
    return shown


def measure(clients: Clients, found: list[Scenario], args: argparse.Namespace) -> None:
    """Warm-up, then ``--runs`` requests each in ``--rounds`` alternating slices (ABBA...)."""
    for scenario in found:
        for _ in range(args.warmup):
            clients.get(scenario)
    share, extra = divmod(args.runs, args.rounds)
    for round_number in range(args.rounds):
        order = found if round_number % 2 == 0 else list(reversed(found))
        count = share + (1 if round_number < extra else 0)
        for scenario in order:
            for _ in range(count):
                scenario.add(clients.get(scenario))


def time_pdf(clients: Clients, data: DataSet, runs: int) -> Scenario:
    pdf = Scenario("motion-pdf", "plenum", f"/motions/{data.motion_id}/pdf", "Typst, for info")
    clients.get(pdf)
    for _ in range(runs):
        pdf.add(clients.get(pdf))
    return pdf


def profile(clients: Clients, scenario: Scenario, runs: int) -> None:
    """cProfile of the page's endpoint. A sync endpoint runs in a worker thread, where a
    profiler of the main thread sees nothing: the endpoint is wrapped to profile itself."""
    from starlette.routing import Route, request_response

    profiler = cProfile.Profile()
    app = clients.plenum_app if scenario.app == "plenum" else None
    route = next(
        (
            r
            for r in (app.routes if app else [])
            if isinstance(r, Route)
            and "GET" in (r.methods or ())
            and r.path_regex.match(scenario.path)
        ),
        None,
    )
    if route is None:
        raise SystemExit(f"--profile: no Plenum route for {scenario.path}")
    endpoint = route.endpoint

    def profiled(request: Any) -> Any:
        profiler.enable()
        try:
            return endpoint(request)
        finally:
            profiler.disable()

    route.app = request_response(profiled)
    for _ in range(3):
        clients.get(scenario)
    profiler = cProfile.Profile()  # the warm-up is not counted
    began = time.perf_counter()
    for _ in range(runs):
        clients.get(scenario)
    print(f"{scenario.name}: {runs} requests in {time.perf_counter() - began:.2f} s")
    stats = pstats.Stats(profiler).sort_stats("cumulative")
    stats.print_stats(50)
    stats.sort_stats("tottime").print_stats(30)


def report(
    data: DataSet, found: list[Scenario], pdf: Scenario | None, shown: dict[str, int], args: Any
) -> bool:
    print(
        f"Plenum motions (issue 3)  {datetime.now(UTC):%Y-%m-%d %H:%M} UTC  "
        f"Python {platform.python_version()}  {os.cpu_count()} cores  "
        f"load {os.getloadavg()[0]:.1f}  in-process TestClient  "
        f"runs {args.runs} in {args.rounds} rounds (warm-up {args.warmup})"
    )
    print(
        f"data: motion of {data.lines} lines with {data.amendments} amendments "
        f"({data.colliding} collide with another); call of {data.call_motions} motions and "
        f"{data.call_amendments} amendments ({shown['call rows']} rows visible to the member); "
        f"built in {data.seconds:.0f} s"
    )
    bare = next(s for s in found if s.name == "bare-home")
    header = (
        f"{'scenario':<14} {'path':<16} {'runs':>4} {'bytes':>7} {'p50 ms':>7} {'p95 ms':>7} "
        f"{'p50/bare':>8} {'cpu ms':>7} {'SQL':>4}  what"
    )
    print(header)
    print("-" * len(header))
    for s in [*found, *([pdf] if pdf else [])]:
        sql = str(max(s.statements)) if s.app == "plenum" else "-"
        print(
            f"{s.name:<14} {s.path:<16} {len(s.latencies):>4} {s.size:>7} {s.p50:>7.1f} "
            f"{s.p95:>7.1f} {s.p50 / bare.p50:>8.1f} {s.cpu_p50:>7.1f} {sql:>4}  {s.note}"
        )
    by_name = {s.name: s for s in found}
    big, few, call = by_name["motion-200"], by_name["motion-20"], by_name["call-1000"]
    checks = [
        (
            f"motion page ({data.lines} lines, {data.amendments} amendments) p50 "
            f"{big.p50:.1f} ms <= {TARGET_MS:.0f} ms",
            big.p50 <= TARGET_MS,
        ),
        (
            f"call page ({data.call_motions + data.call_amendments} motions and amendments) "
            f"p50 {call.p50:.1f} ms <= {TARGET_MS:.0f} ms",
            call.p50 <= TARGET_MS,
        ),
        (
            f"SQL statements of the motion page, {FEW_AMENDMENTS} vs {data.amendments} "
            f"amendments: {max(few.statements)} = {max(big.statements)}",
            set(few.statements) == set(big.statements) and len(set(big.statements)) == 1,
        ),
    ]
    print()
    for text, ok in checks:
        print(f"{'PASS' if ok else 'FAIL'}  {text}")
    return all(ok for _text, ok in checks)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=60, help="measured requests per scenario")
    parser.add_argument("--warmup", type=int, default=5, help="unmeasured requests first")
    parser.add_argument("--rounds", type=int, default=4, help="alternating slices")
    parser.add_argument("--pdf-runs", type=int, default=5, help="timed PDF requests (0: none)")
    parser.add_argument("--profile", metavar="SCENARIO", help="cProfile one scenario instead")
    parser.add_argument(
        "--keep",
        metavar="FILE",
        type=Path,
        help="build the database in FILE, or reuse FILE when it exists (for repeated profiling;"
        " rebuild after changing what is stored)",
    )
    args = parser.parse_args(argv)
    if min(args.runs, args.rounds) < 1 or args.warmup < 0 or args.pdf_runs < 0:
        parser.error("--runs and --rounds must be positive, --warmup and --pdf-runs not negative")

    with tempfile.TemporaryDirectory(prefix="plenum-bench-motions-") as tmp:
        database = args.keep or Path(tmp) / "bench.db"
        facts = database.with_suffix(".json")
        if args.keep and database.exists() and facts.exists():
            data = DataSet(**json.loads(facts.read_text()))
        else:
            database.unlink(missing_ok=True)
            data = prepare(database, random.Random(SEED))
            facts.write_text(json.dumps(asdict(data)))
        open_sessions(f"sqlite:///{database}", [data.viewer_id])
        with Clients(database, session_cookie(data.viewer_id)) as clients:
            found = scenarios(data)
            if args.profile:
                chosen = {s.name: s for s in found}.get(args.profile)
                if chosen is None:
                    parser.error(f"--profile: one of {', '.join(s.name for s in found)}")
                profile(clients, chosen, args.runs)
                return 0
            shown = check_pages(clients, found, data)
            measure(clients, found, args)
            pdf = time_pdf(clients, data, args.pdf_runs) if args.pdf_runs else None
    return 0 if report(data, found, pdf, shown, args) else 1


if __name__ == "__main__":
    sys.exit(main())
