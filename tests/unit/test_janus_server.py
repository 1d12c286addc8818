"""Plenum's own Janus (plenum.video.janus_server) against Debian's real ``janus``: only
the modules Plenum uses, its events as Plenum receives them (the shapes documented in the
module), the admin API behind its secret, and Janus in a network namespace offering
candidates on the veth pair only."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

import httpx2
import pytest

from plenum.video.janus_server import (
    JanusConfig,
    JanusError,
    JanusProcess,
    fetch,
    installed,
    write_config,
)
from tests.support.janus import (  # noqa: F401 - janus_fixture, janus_events_fixture: fixtures
    EventSink,
    JanusApi,
    janus_config,
    janus_events_fixture,
    janus_fixture,
    missing,
)
from tests.support.netns import JANUS_ADDRESS, JANUS_SIDE, Namespace

VIDEOROOM, AUDIOBRIDGE = "janus.plugin.videoroom", "janus.plugin.audiobridge"
SESSION, HANDLE, PLUGIN = 1, 2, 64


def without_times(event: dict[str, Any]) -> dict[str, Any]:
    """An event as compared here: no timestamp, and the transport's own id dropped."""
    event = {key: value for key, value in event.items() if key != "timestamp"}
    transport = event.get("event", {}).get("transport")
    if transport:
        event["event"] = {**event["event"], "transport": {**transport, "id": "..."}}
    return event


def of_session(sink: EventSink, session: int, kind: int, **data: Any) -> dict[str, Any]:
    """The session's first event of ``kind`` whose plugin data (or event) holds ``data``."""

    def wanted(event: dict[str, Any]) -> bool:
        if event.get("session_id") != session or event["type"] != kind:
            return False
        inner = event["event"].get("data", event["event"])
        return all(inner.get(key) == value for key, value in data.items())

    return without_times(sink.wait_for(wanted))


def test_only_videoroom_audiobridge_and_http_are_loaded(janus: JanusProcess) -> None:
    info = httpx2.get(janus.config.api_url + "/info", timeout=5).json()

    assert set(info["plugins"]) == {VIDEOROOM, AUDIOBRIDGE}
    assert set(info["transports"]) == {"janus.transport.http"}
    assert set(info["events"]) == {"janus.eventhandler.sampleevh"}
    assert info["loggers"] == {}
    assert info["session-timeout"] == 60
    assert "dependencies" not in info


def test_videoroom_requests_and_their_events(janus: JanusProcess, janus_events: EventSink) -> None:
    api = JanusApi(janus.config.api_url)
    session = api.create_session()
    handle = api.attach(session, VIDEOROOM)

    created = api.message(
        session, handle, {"request": "create", "room": 4242, "secret": "s", "audiocodec": "opus"}
    )
    exists = api.message(session, handle, {"request": "exists", "room": 4242})
    api.detach(session, handle)
    api.destroy(session)

    assert created["plugindata"]["data"] == {
        "videoroom": "created",
        "room": 4242,
        "permanent": False,
    }
    assert exists["plugindata"]["data"] == {"videoroom": "success", "room": 4242, "exists": True}
    ids = {"emitter": janus.name, "session_id": session}
    assert of_session(janus_events, session, SESSION, name="created") == {
        **ids,
        "type": SESSION,
        "event": {
            "name": "created",
            "transport": {"transport": "janus.transport.http", "id": "..."},
        },
    }
    assert of_session(janus_events, session, HANDLE, name="attached") == {
        **ids,
        "type": HANDLE,
        "handle_id": handle,
        "event": {"name": "attached", "plugin": VIDEOROOM},
    }
    assert of_session(janus_events, session, PLUGIN, event="created") == {
        **ids,
        "type": PLUGIN,
        "handle_id": handle,
        "event": {"plugin": VIDEOROOM, "data": {"event": "created", "room": 4242}},
    }
    assert of_session(janus_events, session, HANDLE, name="detached") == {
        **ids,
        "type": HANDLE,
        "handle_id": handle,
        "event": {"name": "detached", "plugin": VIDEOROOM},
    }
    assert of_session(janus_events, session, SESSION, name="destroyed") == {
        **ids,
        "type": SESSION,
        "event": {"name": "destroyed"},
    }
    assert janus_events.refused == 0


def test_every_post_is_an_array_of_events(janus: JanusProcess, janus_events: EventSink) -> None:
    api = JanusApi(janus.config.api_url)
    session = api.create_session()
    api.destroy(session)
    janus_events.wait_for(lambda e: e.get("session_id") == session and e["type"] == SESSION)

    assert janus_events.posts
    assert all(isinstance(post, list) and post for post in janus_events.posts)


def test_audiobridge_joined_and_left(janus: JanusProcess, janus_events: EventSink) -> None:
    api = JanusApi(janus.config.api_url)
    session = api.create_session()
    handle = api.attach(session, AUDIOBRIDGE)
    api.message(session, handle, {"request": "create", "room": 77, "secret": "s"})

    api.message(session, handle, {"request": "join", "room": 77, "id": 5, "display": "Ada"})
    [joined] = api.poll(session)
    api.message(session, handle, {"request": "leave"})
    [left] = api.poll(session)
    api.destroy(session)

    assert joined["plugindata"]["data"]["audiobridge"] == "joined"
    assert left["plugindata"]["data"] == {"audiobridge": "left", "room": 77, "id": 5}
    ids = {"emitter": janus.name, "type": PLUGIN, "session_id": session, "handle_id": handle}
    assert of_session(janus_events, session, PLUGIN, event="joined") == {
        **ids,
        "event": {
            "plugin": AUDIOBRIDGE,
            "data": {
                "event": "joined",
                "room": 77,
                "id": 5,
                "display": "Ada",
                "setup": False,
                "muted": False,
            },
        },
    }
    assert of_session(janus_events, session, PLUGIN, event="left") == {
        **ids,
        "event": {
            "plugin": AUDIOBRIDGE,
            "data": {"event": "left", "room": 77, "id": 5, "display": "Ada"},
        },
    }


def test_videoroom_leaving_comes_without_session_and_handle(
    janus: JanusProcess, janus_events: EventSink
) -> None:
    api = JanusApi(janus.config.api_url)
    session = api.create_session()
    handle = api.attach(session, VIDEOROOM)
    api.message(session, handle, {"request": "create", "room": 4343})
    join = {"request": "join", "ptype": "publisher", "room": 4343, "id": 7, "display": "Bea"}

    api.message(session, handle, join)
    api.poll(session)
    api.message(session, handle, {"request": "leave"})
    api.poll(session)
    api.destroy(session)

    joined = of_session(janus_events, session, PLUGIN, event="joined", room=4343)
    assert joined["event"]["data"] == {
        "event": "joined",
        "room": 4343,
        "id": 7,
        "private_id": joined["event"]["data"]["private_id"],
        "display": "Bea",
    }
    leaving = janus_events.wait_for(
        lambda e: (
            e["type"] == PLUGIN
            and e["event"]["data"].get("room") == 4343
            and e["event"]["data"]["event"] == "leaving"
        )
    )
    assert without_times(leaving) == {
        "emitter": janus.name,
        "type": PLUGIN,
        "event": {"plugin": VIDEOROOM, "data": {"event": "leaving", "room": 4343, "id": 7}},
    }


def test_admin_api_needs_its_secret(janus: JanusProcess) -> None:
    def list_sessions(secret: str) -> dict[str, Any]:
        body = {"janus": "list_sessions", "transaction": "t", "admin_secret": secret}
        answer: dict[str, Any] = httpx2.post(janus.config.admin_url, json=body, timeout=5).json()
        return answer

    session = JanusApi(janus.config.api_url).create_session()
    allowed = list_sessions(janus.config.admin_secret)
    refused = list_sessions("wrong")

    assert allowed["janus"] == "success"
    assert session in allowed["sessions"]
    assert refused["janus"] == "error"
    assert refused["error"]["code"] == 403  # JANUS_ERROR_UNAUTHORIZED
    assert "sessions" not in refused


def test_config_disables_every_other_module(tmp_path: Path) -> None:
    config = JanusConfig(
        tmp_path, 1, 2, 'se"cret', "", "", ice_interface="v0", stun="stun.example:3479"
    )

    folder = write_config(config)

    core = (folder / "janus.jcfg").read_text()
    assert sorted(p.name for p in folder.iterdir()) == [
        "janus.jcfg",
        "janus.plugin.audiobridge.jcfg",
        "janus.plugin.videoroom.jcfg",
        "janus.transport.http.jcfg",
    ]
    assert 'admin_secret = "se\\"cret"' in core
    assert 'ice_enforce_list = "v0"' in core
    assert 'stun_server = "stun.example"' in core
    assert "stun_port = 3479" in core
    assert 'rtp_port_range = "20000-20999"' in core
    assert "broadcast = false" in core
    disabled = dict(re.findall(r'(\w+): \{\n(?:\t.*\n)*?\tdisable = "([^"]*)"', core))
    assert "libjanus_sampleevh.so" in disabled["events"]
    assert "libjanus_echotest.so" in disabled["plugins"]
    assert "libjanus_videoroom.so" not in disabled["plugins"]
    assert "libjanus_websockets.so" in disabled["transports"]
    assert "libjanus_http.so" not in disabled["transports"]


def test_a_janus_that_cannot_listen_says_why(janus: JanusProcess, tmp_path: Path) -> None:
    taken = janus_config(tmp_path, http_port=janus.config.http_port)

    with pytest.raises(JanusError, match="Couldn't start webserver") as failed:
        JanusProcess().start(taken, timeout=5)

    assert "janus exited with status 1" in str(failed.value)
    assert janus.running  # and the Janus on that port was not taken for the new one


# A browser's offer, by hand: enough for Janus to answer with its own candidates.
OFFER = "\r\n".join(
    [
        "v=0",
        "o=- 1 1 IN IP4 127.0.0.1",
        "s=-",
        "t=0 0",
        "a=group:BUNDLE 0",
        "m=audio 9 UDP/TLS/RTP/SAVPF 111",
        "c=IN IP4 0.0.0.0",
        "a=ice-ufrag:plen",
        "a=ice-pwd:plenumplenumplenumplenum",
        "a=fingerprint:sha-256 " + ":".join(["AB"] * 32),
        "a=setup:actpass",
        "a=mid:0",
        "a=sendrecv",
        "a=rtcp-mux",
        "a=rtpmap:111 opus/48000/2",
        "",
    ]
)
# Joins an AudioBridge room with OFFER from inside the namespace; prints Janus's answer.
JOIN_WITH_OFFER = """
import json, sys, urllib.request
def post(url, body):
    data = json.dumps({**body, "transaction": "t"}).encode()
    request = urllib.request.Request(url, data, {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as answer:
        return json.load(answer)
base, offer = sys.argv[1], sys.argv[2]
session = post(base, {"janus": "create"})["data"]["id"]
handle = post(f"{base}/{session}", {"janus": "attach", "plugin": "janus.plugin.audiobridge"})
url = f"{base}/{session}/{handle['data']['id']}"
post(url, {"janus": "message", "body": {"request": "create", "room": 9}})
join = {"request": "join", "room": 9}
post(url, {"janus": "message", "body": join, "jsep": {"type": "offer", "sdp": offer}})
with urllib.request.urlopen(f"{base}/{session}?maxev=1", timeout=30) as answer:
    print(answer.read().decode())
"""


def test_janus_in_a_namespace_offers_the_veth_address_only(tmp_path: Path) -> None:
    if not installed():
        missing("janus not installed")
    if not Namespace.available():
        missing("network namespaces unavailable here (ip netns needs root)")
    with Namespace() as ns:
        config = janus_config(tmp_path, ice_interface=JANUS_SIDE, rtp_ports=(21000, 21099))
        with JanusProcess(wrapper=ns.argv([]), probe=ns.fetch).start(config):
            info = ns.fetch(config.api_url + "/info")
            from_the_host = fetch(config.api_url + "/info")
            joined = ns.run([sys.executable, "-c", JOIN_WITH_OFFER, config.api_url, OFFER], 40)

    assert info is not None
    assert json.loads(info)["plugins"].keys() == {VIDEOROOM, AUDIOBRIDGE}
    assert from_the_host is None  # the namespace's loopback is its own
    event = json.loads(joined.stdout)
    candidates = re.findall(
        r"a=candidate:\S+ 1 udp \d+ (\S+) (\d+) typ (\w+)", event["jsep"]["sdp"]
    )
    assert candidates
    assert {address for address, _, _ in candidates} == {JANUS_ADDRESS}
    assert all(21000 <= int(port) <= 21099 for _, port, _ in candidates)
