"""plenum serve | migrate | seed-demo | reindex | digests | schedule | meetings-clock |
end-sessions | remove-member | dev-idp | demo"""

from __future__ import annotations

import argparse
import logging
import os
import secrets
import signal
import socket
import subprocess  # nosec B404
import sys
import time
import urllib.request
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from plenum.settings import Settings

if TYPE_CHECKING:
    from plenum.video.janus_server import JanusProcess


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="plenum", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="serve the site")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    commands.add_parser("migrate", help="bring the database schema up to date")
    commands.add_parser("seed-demo", help="load the demo data (only into an empty database)")
    commands.add_parser("reindex", help="rebuild the search index from the tables")
    digests = commands.add_parser("digests", help="e-mail the digests, then the outbox")
    digests.add_argument("--period", choices=("daily", "weekly"), default="daily")
    digests.add_argument("--at", help="ISO date-time to make them for (default: now; Berlin time)")
    schedule = commands.add_parser("schedule", help="run the digests every day (no cron needed)")
    schedule.add_argument("--hour", type=int, default=6, help="hour of the digests, Berlin time")
    commands.add_parser(
        "meetings-clock",
        help="pass on expired seat offers, send reminders, delete needs after 30 days, "
        "count questionnaires and surveys, delete raw survey answers when their time is up",
    )
    end = commands.add_parser("end-sessions", help="log a member out on every device")
    end.add_argument("--member", required=True, help="member number or provider subject")
    remove = commands.add_parser(
        "remove-member", help="a member left the party: refuse their logins, end their sessions"
    )
    remove.add_argument("--member", required=True, help="member number or provider subject")
    idp = commands.add_parser("dev-idp", help="run the local development identity provider")
    idp.add_argument("--port", type=int, default=9400)
    demo = commands.add_parser("demo", help="migrate, load demo data, run provider and site")
    demo.add_argument("--port", type=int, default=8000)
    demo.add_argument("--idp-port", type=int, default=9400)
    args = parser.parse_args(argv)
    handlers: dict[str, Callable[[argparse.Namespace], int]] = {
        "serve": _serve,
        "migrate": _migrate,
        "seed-demo": _seed_demo,
        "reindex": _reindex,
        "digests": _digests,
        "schedule": _schedule,
        "meetings-clock": _meetings_clock,
        "end-sessions": _end_sessions,
        "remove-member": _remove_member,
        "dev-idp": _dev_idp,
        "demo": _demo,
    }
    return handlers[args.command](args)


def _serve(
    args: argparse.Namespace,
    settings: Settings | None = None,
    sockets: list[socket.socket] | None = None,
) -> int:
    import uvicorn

    from plenum.app import create_app

    app = create_app(settings or Settings.from_env())
    # open live rooms (event streams) end within seconds of a stop, not when browsers leave
    config = uvicorn.Config(
        app, host=args.host, port=args.port, proxy_headers=False, timeout_graceful_shutdown=5
    )
    uvicorn.Server(config).run(sockets=sockets)
    return 0


def _migrate(_args: argparse.Namespace) -> int:
    from plenum.migrate import upgrade

    settings = Settings.from_env()
    upgrade(settings.database_url, root=settings.root)
    return 0


def _seed_demo(_args: argparse.Namespace) -> int:
    from plenum import demo
    from plenum.db import Database

    settings = demo.demo_settings(Settings.from_env())
    database = Database(settings.database_url)
    with database.session() as session:
        loaded = demo.load(settings, session=session)
        session.commit()  # all of it or nothing
    database.dispose()
    print("Demo data loaded." if loaded else "Demo data already present; left as it is.")  # noqa: T201
    return 0


def _reindex(_args: argparse.Namespace) -> int:
    from plenum.db import Database
    from plenum.search.index import reindex

    database = Database(Settings.from_env().database_url)
    with database.session() as session:
        counts = reindex(session=session)
    database.dispose()
    print("Search index rebuilt:", ", ".join(f"{n} {kind}" for kind, n in counts.items()))  # noqa: T201
    return 0


def _digests(args: argparse.Namespace) -> int:
    from plenum.mail.command import parse_moment, run_digests

    try:
        at = parse_moment(args.at) if args.at else None
    except ValueError:
        raise SystemExit(f"--at: not an ISO date-time: {args.at!r}") from None
    done = run_digests(Settings.from_env(), args.period, at)
    print(f"Digests queued: {done.queued}. E-mails sent: {done.sent}.")  # noqa: T201
    return 0


def _schedule(args: argparse.Namespace) -> int:
    from plenum.mail.schedule import run_forever

    settings = Settings.from_env()
    logging.basicConfig(level=settings.log_level)
    run_forever(settings, hour=args.hour)
    return 0


def _meetings_clock(_args: argparse.Namespace) -> int:
    from plenum.db import Database
    from plenum.meetings.chores import run_meeting_chores
    from plenum.series.feedback import count_due
    from plenum.surveys import clock as surveys_clock
    from plenum.video import clock as video_clock
    from plenum.video.providers import provider_for

    settings = Settings.from_env()
    done = run_meeting_chores(settings)
    database = Database(settings.database_url)
    try:
        with database.session() as session:
            database.prepare_to_write(session)
            counted = count_due(session=session)
            session.commit()
            database.prepare_to_write(session)
            surveys = surveys_clock.run(session=session)
            session.commit()
            database.prepare_to_write(session)
            rooms = video_clock.end_finished(provider_for(settings), session=session)
            session.commit()
            database.prepare_to_write(session)
            counted_out = video_clock.settle_presence(provider_for(settings), session=session)
            session.commit()
    finally:
        database.dispose()
    print(  # noqa: T201
        f"Seat offers passed on: {done.passed_on}. Reminders queued: {done.reminded}. "
        f"Needs deleted: {done.forgotten}. Session questionnaires counted: {counted}. "
        f"Survey reminders: {surveys.reminded}. Surveys counted: {surveys.counted}. "
        f"Surveys with raw answers deleted: {surveys.forgotten}. Video rooms ended: {rooms}. "
        f"Counted out of video rooms (gone without a word): {counted_out}."
    )
    return 0


def _end_sessions(args: argparse.Namespace) -> int:
    from plenum.auth import sessions

    def end(member_id: int, session: Any) -> int:
        return sessions.end_all(member_id, session=session)

    return _for_member(args.member, end, "Sessions ended")


def _remove_member(args: argparse.Namespace) -> int:
    from plenum.auth import sessions

    def remove(member_id: int, session: Any) -> int:
        return sessions.remove_member(member_id, session=session)

    return _for_member(args.member, remove, "Marked as removed; sessions ended")


def _for_member(reference: str, action: Callable[[int, Any], int], done: str) -> int:
    """Run ``action`` for the member named by number or subject; 1 if there is none."""
    from plenum.auth import sessions
    from plenum.db import Database
    from plenum.errors import NotFound

    database = Database(Settings.from_env().database_url)
    try:
        with database.session() as session:
            try:
                member = sessions.find_member(reference, session=session)
            except NotFound:
                message = f"No single member has the number or subject {reference!r}."
                print(message, file=sys.stderr)  # noqa: T201
                return 1
            count = action(member.id or 0, session)
            session.commit()
            who = f"{member.display_name} ({member.member_number or member.subject})"
            print(f"{who}: {done}: {count}.")  # noqa: T201
    finally:
        database.dispose()
    return 0


def _dev_idp(args: argparse.Namespace) -> int:
    """The local development OpenID provider, knowing every demo member."""
    os.environ["AUTHLIB_INSECURE_TRANSPORT"] = "1"
    import uvicorn
    from oidc_provider_mock import User, app

    from plenum import demo

    users = [
        User(sub=m.login, claims={k: v for k, v in m.claims.items() if k != "sub"})
        for m in demo.MEMBERS
    ]
    uvicorn.run(
        app(require_nonce=True, user_claims=users),
        interface="wsgi",
        host="127.0.0.1",
        port=args.port,
        log_level="warning",
    )
    return 0


def _demo(args: argparse.Namespace) -> int:
    from plenum import demo

    site = _bind(args.port, "PORT")  # held from here on: the address printed is ours
    _bind(args.idp_port, "IDP_PORT").close()  # free now; the provider takes it at once
    issuer = f"http://127.0.0.1:{args.idp_port}"
    os.environ.setdefault("PLENUM_OIDC_ISSUER", issuer)
    os.environ.setdefault("PLENUM_BASE_URL", f"http://127.0.0.1:{args.port}")
    _migrate(args)
    _seed_demo(args)
    provider = subprocess.Popen(  # noqa: S603  # nosec B603
        [sys.executable, "-m", "plenum.cli", "dev-idp", "--port", str(args.idp_port)]
    )
    janus = None
    signal.signal(signal.SIGTERM, _exit_on_signal)  # so that the finally below runs
    try:
        janus = _demo_video(args.port)
        _wait_for(issuer + "/.well-known/openid-configuration")
        _print_logins(args.port, issuer, demo.MEMBERS)
        settings = demo.demo_settings(Settings.from_env())
        where = argparse.Namespace(host="127.0.0.1", port=args.port)
        return _serve(where, settings, sockets=[site])
    finally:
        if janus is not None:
            janus.stop()
        provider.terminate()
        provider.wait(timeout=10)


def _exit_on_signal(signum: int, _frame: object) -> None:
    """SIGTERM ends the demo as Ctrl-C does: the site stops (uvicorn raises the signal
    again once it has), then the demo's own processes."""
    raise SystemExit(128 + signum)


def _demo_video(port: int) -> JanusProcess | None:
    """The demo's video: a Janus of its own when Janus is installed (a JanusProcess, to
    stop with the demo), else the meetings' video links (None). Settings already in the
    environment win; one line says which it is."""
    from plenum.meetings.demo import RUNNING
    from plenum.video import janus_server

    if "PLENUM_VIDEO_PROVIDER" in os.environ or "PLENUM_JANUS_URL" in os.environ:
        print(f"Video: {Settings.from_env().video}, as set in the environment.", flush=True)  # noqa: T201
        return None
    if not janus_server.installed():
        print(  # noqa: T201
            "Video: Janus is not installed (apt-get install janus);"
            " meetings show their video link instead.",
            flush=True,
        )
        return None
    config = janus_server.JanusConfig(
        workdir=Settings.from_env().root / "var" / f"janus-{port}",
        http_port=_free_port(),
        admin_port=_free_port(),
        admin_secret=secrets.token_urlsafe(24),
        events_url=f"http://127.0.0.1:{port}/video/janus-events",
        events_secret=secrets.token_urlsafe(24),
    )
    try:
        janus = janus_server.JanusProcess().start(config)
    except janus_server.JanusError:
        print(  # noqa: T201
            f"Video: Janus did not start (see {config.log_path});"
            " meetings show their video link instead.",
            flush=True,
        )
        return None
    os.environ |= {
        "PLENUM_VIDEO_PROVIDER": "janus",
        "PLENUM_JANUS_URL": config.api_url,
        "PLENUM_JANUS_ADMIN_URL": config.admin_url,
        "PLENUM_JANUS_ADMIN_SECRET": config.admin_secret,
        "PLENUM_JANUS_EVENTS_SECRET": config.events_secret,
    }
    print(  # noqa: T201
        f"Video: Janus at {config.api_url} (log: {config.log_path});"
        f" try the video room of “{RUNNING}”, which runs now.",
        flush=True,
    )
    return janus


def _free_port() -> int:
    """A port free on 127.0.0.1 now, for a helper process to take at once."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _bind(port: int, name: str) -> socket.socket:
    """A listening socket on 127.0.0.1:``port``; when the port is taken, a message that
    says which and how to choose another, and nothing else."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(("127.0.0.1", port))
        sock.listen(2048)
    except OSError:
        sock.close()
        raise SystemExit(
            f"Port {port} on 127.0.0.1 is taken (another program, or a demo still running)."
            f" Choose another: make demo {name}={port + 1}"
        ) from None
    return sock


def _wait_for(url: str, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=1):  # noqa: S310  # nosec B310
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"the development identity provider did not start at {url}")


def _print_logins(port: int, issuer: str, members: Sequence[object]) -> None:
    lines = [
        "",
        f"Plenum demo: http://127.0.0.1:{port}   (identity provider: {issuer})",
        "Log in, then pick one of these demo members at the provider:",
    ]
    for member in members:
        lines.append(f"  {member.login:<18} {member.name:<20} {member.role_note}")  # type: ignore[attr-defined]
    print("\n".join(lines) + "\n", flush=True)  # noqa: T201


if __name__ == "__main__":
    sys.exit(main())
