"""`plenum demo` (what `make demo PORT= IDP_PORT=` runs) as a person starts it: the site's
address is printed only once its port is bound, and a taken port is said plainly, with
nothing else done or printed. With Janus installed the demo runs a Janus of its own and
stops it when it stops; without, it says so in one line. Its data has a meeting whose video
room is open now."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx2
import pytest
from sqlmodel import Session, select

from plenum import cli, demo
from plenum.meetings import demo as meetings_demo
from plenum.meetings.access import allowed
from plenum.meetings.models import Meeting
from plenum.orgs.models import Member
from plenum.orgs.service import principal_for
from plenum.settings import ROOT, Settings
from plenum.video import janus_server, service
from plenum.video.provider import VideoRole
from tests.support.meetings import place
from tests.support.processes import free_port

VIDEO_SETTINGS = ("PLENUM_VIDEO_PROVIDER", "PLENUM_JANUS_URL", "PLENUM_JANUS_EVENTS_SECRET")
NO_JANUS = (
    "Video: Janus is not installed (apt-get install janus); meetings show their video link instead."
)


def demo_command(tmp_path: Path, port: int, idp_port: int) -> tuple[list[str], dict[str, str]]:
    command = [
        sys.executable,
        "-m",
        "plenum.cli",
        "demo",
        "--port",
        str(port),
        "--idp-port",
        str(idp_port),
    ]
    env = {
        **os.environ,
        "PLENUM_DATABASE_URL": f"sqlite:///{tmp_path / 'demo.db'}",
        "PLENUM_LOG_LEVEL": "WARNING",
    }
    for name in ("PLENUM_OIDC_ISSUER", "PLENUM_BASE_URL", "PLENUM_ENV", *VIDEO_SETTINGS):
        env.pop(name, None)
    return command, env


def test_a_taken_port_is_said_and_nothing_else_happens(tmp_path: Path):
    for taken_is_site in (True, False):
        with socket.socket() as taken:
            taken.bind(("127.0.0.1", 0))
            taken.listen(1)
            busy = taken.getsockname()[1]
            port, idp_port = (busy, free_port()) if taken_is_site else (free_port(), busy)
            name = "PORT" if taken_is_site else "IDP_PORT"
            command, env = demo_command(tmp_path, port, idp_port)
            done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)
        assert done.returncode == 1
        assert done.stdout == ""
        assert done.stderr.strip() == (
            f"Port {busy} on 127.0.0.1 is taken (another program, or a demo still running)."
            f" Choose another: make demo {name}={busy + 1}"
        )
        assert not (tmp_path / "demo.db").exists()  # not migrated, not seeded


def test_the_address_is_printed_once_the_port_is_bound(tmp_path: Path):
    """And the demo's Janus (when installed) answers until the demo stops."""
    port, idp_port = free_port(), free_port()
    command, env = demo_command(tmp_path, port, idp_port)
    process = subprocess.Popen(  # a group of its own: the demo starts the provider too
        command,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        start_new_session=True,
    )
    try:
        assert process.stdout is not None
        deadline = time.monotonic() + 120
        before: list[str] = []
        for line in process.stdout:
            if line.startswith("Plenum demo:"):
                break
            before.append(line.strip())
            assert time.monotonic() < deadline, "the demo never printed its address"
        assert line.split()[2] == f"http://127.0.0.1:{port}"
        with socket.create_connection(("127.0.0.1", port), timeout=2):
            pass  # bound and listening the moment the address is printed
        for _ in range(200):
            try:
                if httpx2.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                    break
            except httpx2.HTTPError:
                time.sleep(0.1)
        else:
            raise AssertionError("the demo site never answered")
        login = httpx2.get(f"http://127.0.0.1:{port}/auth/login", timeout=5)
        assert login.status_code in (302, 303, 307)
        assert login.headers["location"].startswith(f"http://127.0.0.1:{idp_port}/")
        janus = _janus_said(before)
        os.kill(process.pid, signal.SIGTERM)  # the demo alone: it stops what it started
        assert process.wait(timeout=30) == 128 + signal.SIGTERM
        if janus is not None:
            with pytest.raises(httpx2.HTTPError):
                httpx2.get(janus + "/info", timeout=2)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)  # whatever is left of the group
        process.wait(timeout=20)
        shutil.rmtree(ROOT / "var" / f"janus-{port}", ignore_errors=True)


def _janus_said(lines: list[str]) -> str | None:
    """The demo's Janus API from its video line, after checking that it answers; None
    (after checking the line says so) when Janus is not installed here."""
    video = [line for line in lines if line.startswith("Video:")]
    if not janus_server.installed():
        assert video == [NO_JANUS]
        return None
    assert len(video) == 1
    found = re.match(r"Video: Janus at (http://127\.0\.0\.1:\d+/janus) ", video[0])
    assert found is not None, video
    info = httpx2.get(found[1] + "/info", timeout=5).json()
    assert info["janus"] == "server_info"
    assert info["server-name"].startswith("plenum-")
    return found[1]


def test_without_janus_the_demo_says_so_and_keeps_the_links(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
):
    monkeypatch.setenv("PATH", str(tmp_path))  # no janus on it
    for name in VIDEO_SETTINGS:
        monkeypatch.delenv(name, raising=False)
    assert cli._demo_video(8000) is None
    assert capsys.readouterr().out == NO_JANUS + "\n"
    assert Settings.from_env().video == "link"
    monkeypatch.setenv("PLENUM_VIDEO_PROVIDER", "jitsi")  # the operator's choice wins
    assert cli._demo_video(8000) is None
    assert capsys.readouterr().out == "Video: jitsi, as set in the environment.\n"


def test_the_demo_has_a_meeting_whose_video_room_is_open_now(settings: Settings, session: Session):
    demo.load(demo.demo_settings(settings), session=session)
    meeting = session.exec(select(Meeting).where(Meeting.title == meetings_demo.RUNNING)).one()
    at = place(session, meeting)
    assert at.meeting.current_item_id is not None
    roles = {}
    for login in ("vorsitz", "moderation", "ersatz", "mitglied2", "delegiert", "zwickau"):
        member = session.exec(select(Member).where(Member.subject == login)).one()
        may = allowed(principal_for(member.id or 0, session=session), at, session=session)
        if service.door(at, member.id or 0, may, None, session=session).open:
            roles[login] = service.role_of(at, member.id or 0, may, session=session)
    assert roles == {
        "vorsitz": VideoRole.CHAIR,
        "moderation": VideoRole.INTERPRETER,
        "ersatz": VideoRole.LISTENER,
        "mitglied2": VideoRole.LISTENER,
    }  # a delegate in the hall has not registered; Saxony's member is no guest here
    meetings = len(session.exec(select(Meeting)).all())
    demo.load(demo.demo_settings(settings), session=session)  # again: nothing changes
    assert len(session.exec(select(Meeting)).all()) == meetings
