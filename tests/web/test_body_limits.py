"""No one can exhaust the server with bodies: an unsafe request is refused before its
body is buffered, anonymous requests may send little, a member's forms a form's worth,
and only uploads of logged-in members more; a flood of large anonymous posts leaves the
process's memory where it was."""

from __future__ import annotations

import re
import socket
import threading
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from plenum.web.csrf import MIB, BodyLimits, CSRFMiddleware
from tests.support.motions import make_call, motion_input, who
from tests.support.processes import app_process, rss_bytes
from tests.support.web import enrol, log_in_as, page, text, token
from tests.web.test_motions import PEOPLE

KIB = 1024


# --- the middleware on its own ----------------------------------------------------------


class Recorder:
    """An ASGI app and a client side: what the app received, what was answered, and
    how many body bytes were taken from the client."""

    def __init__(self, chunks: list[bytes]) -> None:
        self.chunks = chunks
        self.taken = 0
        self.app_body: bytes | None = None
        self.status = 0

    async def receive(self):
        if not self.chunks:
            return {"type": "http.disconnect"}
        chunk = self.chunks.pop(0)
        self.taken += len(chunk)
        return {"type": "http.request", "body": chunk, "more_body": bool(self.chunks)}

    async def send(self, message):
        if message["type"] == "http.response.start":
            self.status = message["status"]

    async def app(self, scope, receive, send):
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body", False):
                break
        self.app_body = body
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})


async def refuse(_request, status):
    from starlette.responses import Response

    return Response(status_code=status)


LIMITS = BodyLimits(routes=((re.compile(r"/upload"), 8 * MIB),))


def run(
    chunks: list[bytes],
    *,
    path: str = "/form",
    member: bool = False,
    headers: dict[str, str] | None = None,
    content_type: str = "application/x-www-form-urlencoded",
    length: int | None = None,
) -> Recorder:
    import anyio

    recorder = Recorder(chunks)
    raw = {"content-type": content_type, **(headers or {})}
    if length is not None:
        raw["content-length"] = str(length)
    session = {"csrf": "right", **({"member_id": 7} if member else {})}
    scope = {
        "type": "http",
        "method": "POST",
        "path": path,
        "headers": [(k.encode(), v.encode()) for k, v in raw.items()],
        "session": session,
    }
    middleware = CSRFMiddleware(recorder.app, reject=refuse, limits=LIMITS)
    # On a thread of its own: a browser test earlier in the run may hold this thread's loop.
    runner = threading.Thread(
        target=anyio.run, args=(middleware, scope, recorder.receive, recorder.send)
    )
    runner.start()
    runner.join(timeout=30)
    return recorder


def test_a_declared_length_over_the_limit_is_refused_before_a_byte_is_read():
    body = b"csrf_token=right&x=" + b"a" * (64 * KIB)
    refused = run([body], length=len(body))
    assert (refused.status, refused.taken, refused.app_body) == (413, 0, None)
    # the same for a member beyond a form's worth, and for anyone's upload without a login
    assert run([b""], member=True, length=MIB + 1).status == 413
    assert run([b""], path="/upload", length=65 * KIB).status == 413
    assert run([b""], path="/upload", member=True, length=8 * MIB + 1).status == 413


def test_a_body_that_streams_past_the_limit_is_cut_off_there():
    chunks = [b"csrf_token=right&x="] + [b"a" * (16 * KIB)] * 100
    refused = run(chunks)
    assert refused.status == 413
    assert refused.taken <= 64 * KIB + 16 * KIB + 100
    assert refused.app_body is None


@pytest.mark.parametrize("member", [False, True])
def test_a_form_within_the_limit_reaches_the_route_whole(member):
    body = b"x=" + b"a" * (40 * KIB) + b"&csrf_token=right&y=1"
    chunks = [body[i : i + 1000] for i in range(0, len(body), 1000)]
    passed = run(chunks, member=member)
    assert (passed.status, passed.app_body) == (204, body)


def test_the_header_token_needs_no_body_read_and_the_token_is_checked():
    passed = run([b"a" * 100, b"b" * 100], headers={"x-csrf-token": "right"})
    assert (passed.status, passed.app_body) == (204, b"a" * 100 + b"b" * 100)
    assert run([b"csrf_token=wrong"]).status == 403
    assert run([b"x=1"], headers={"x-csrf-token": "wrong"}).status == 403
    assert run([b'{"csrf_token": "right"}'], content_type="application/json").status == 403


FIELD_VALUE = st.text(alphabet="abc=&+%äx ", max_size=30)


@settings(max_examples=60, deadline=None)
@given(
    before=st.lists(
        st.tuples(st.sampled_from(["a", "csrf", "xcsrf_token"]), FIELD_VALUE), max_size=4
    ),
    after=st.lists(st.tuples(st.sampled_from(["a", "b"]), FIELD_VALUE), max_size=4),
    token=st.sampled_from(["right", "wrong", None]),
    cuts=st.lists(st.integers(1, 40), min_size=1, max_size=6),
    header=st.booleans(),
)
def test_whatever_the_chunks_the_route_gets_the_body_whole_and_only_with_the_token(
    before, after, token, cuts, header
):
    from urllib.parse import urlencode

    fields = before + ([("csrf_token", token)] if token and not header else []) + after
    body = urlencode(fields).encode()
    chunks, start = [], 0
    for cut in cuts:
        chunks.append(body[start : start + cut])
        start += cut
    chunks.append(body[start:])
    headers = {"x-csrf-token": token} if token and header else {}
    answer = run(chunks, headers=headers)
    if token == "right":
        assert (answer.status, answer.app_body) == (204, body)
    else:
        assert (answer.status, answer.app_body) == (403, None)


def multipart(*parts: tuple[str, bytes]) -> tuple[str, bytes]:
    boundary = "----plenumtest"
    body = b"".join(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
        + value
        + b"\r\n"
        for name, value in parts
    )
    return f"multipart/form-data; boundary={boundary}", body + f"--{boundary}--\r\n".encode()


def test_a_multipart_token_counts_only_near_the_start_and_the_file_streams_on():
    kind, body = multipart(("csrf_token", b"right"), ("file", b"%PDF-" + b"0" * (3 * MIB)))
    chunks = [body[i : i + 64 * KIB] for i in range(0, len(body), 64 * KIB)]
    passed = run(chunks, path="/upload", member=True, content_type=kind)
    assert (passed.status, passed.app_body) == (204, body)

    kind, body = multipart(("file", b"0" * (100 * KIB)), ("csrf_token", b"right"))
    chunks = [body[i : i + 16 * KIB] for i in range(0, len(body), 16 * KIB)]
    refused = run(chunks, path="/upload", member=True, content_type=kind)
    assert refused.status == 403
    assert refused.taken <= 64 * KIB + 16 * KIB


# --- through the app ----------------------------------------------------------------------


@pytest.fixture
def people(session, settings):
    from tests.support.factories import structure

    org = structure(session)
    found = {name: enrol(session, settings, name, values) for name, values in PEOPLE.items()}
    found["org"] = org
    return found


def test_a_member_uploads_a_large_file_but_nobody_without_a_login(
    client, provider, session, people
):
    from plenum.motions import service

    place = service.call_place(
        make_call(session, people["org"].state_convention).id, session=session
    )
    draft = service.save_draft(
        place, motion_input(), principal=who(session, people["pia"]), session=session
    )
    big = b"%PDF-1.4\n" + b"0" * (5 * MIB) + b"\n%%EOF\n"
    form = {"csrf_token": token(client)}
    files = {"file": ("gross.pdf", big, "application/pdf")}
    refused = client.post(f"/motions/{draft.id}/attachments", data=form, files=files)
    assert refused.status_code == 413
    assert text(page(refused).select_one("h1")) == "Zu viel auf einmal gesendet"

    log_in_as(client, provider, "pia", PEOPLE["pia"])
    form = {"csrf_token": token(client)}
    response = client.post(f"/motions/{draft.id}/attachments", data=form, files=files)
    assert response.status_code == 303
    # an ordinary form of a member is limited to a form's worth
    huge = {"csrf_token": token(client), "title": "x" * (2 * MIB)}
    assert client.post(f"/motions/{draft.id}/edit", data=huge).status_code == 413


# --- a flood of large anonymous posts against a real process ----------------------------


def flood_one(url: str, path: str, size: int, chunked: bool) -> bytes:
    host, port = url.removeprefix("http://").split(":")
    head = f"POST {path} HTTP/1.1\r\nHost: {host}\r\n"
    head += "Content-Type: application/x-www-form-urlencoded\r\n"
    head += "Transfer-Encoding: chunked\r\n\r\n" if chunked else f"Content-Length: {size}\r\n\r\n"
    piece = b"a" * (256 * KIB)
    frame = b"%x\r\n%s\r\n" % (len(piece), piece) if chunked else piece
    with socket.create_connection((host, int(port)), timeout=30) as sock:
        sock.sendall(head.encode() + (b"b\r\ncsrf_token=\r\n" if chunked else b"csrf_token="))
        sent = 0
        try:
            while sent < size:
                sock.sendall(frame)
                sent += len(piece)
            if chunked:
                sock.sendall(b"0\r\n\r\n")
        except OSError:
            pass  # the server answered and closed: what we want
        try:
            return sock.recv(200)
        except OSError:
            return b""


def test_24_parallel_anonymous_19_mb_posts_leave_the_memory_where_it_was(settings, provider):
    env = {
        "PLENUM_ENV": "test",
        "PLENUM_DATABASE_URL": settings.database_url,
        "PLENUM_SECRET_KEY": settings.secret_key,
        "PLENUM_BASE_URL": "http://127.0.0.1",
        "PLENUM_OIDC_ISSUER": provider.url,
        "PLENUM_OIDC_CLIENT_ID": "plenum-test",
        "PLENUM_OIDC_CLIENT_SECRET": "plenum-test-secret",
        "PLENUM_LOG_LEVEL": "WARNING",
    }
    with app_process(env) as (process, url):
        time.sleep(0.5)
        before = rss_bytes(process.pid)
        answers: list[tuple[str, bytes]] = []

        def post(path: str, chunked: bool) -> None:
            answer = flood_one(url, path, 19 * MIB, chunked)
            answers.append((path, answer.split(b"\r\n")[0]))

        for chunked in (False, True):
            threads = [
                threading.Thread(target=post, args=(path, chunked))
                for path in ("/language", "/motions/1/attachments", "/unsubscribe/x")
                for _ in range(8)
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=120)
        peak = rss_bytes(process.pid, "VmHWM")
        assert process.poll() is None
        assert len(answers) == 48
        growth = peak - before
        assert growth < 50 * MIB, f"the process grew by {growth // MIB} MB"
        refused = {b"HTTP/1.1 413 Request Entity Too Large"}
        for path, first in answers:  # a bad unsubscribe link is not found without reading
            assert first in (refused | {b"HTTP/1.1 404 Not Found"} if "unsub" in path else refused)
