"""The provider the settings name, made once per process."""

from __future__ import annotations

import json
from typing import Any

from plenum.settings import Settings, SettingsError
from plenum.video.provider import VideoProvider


def ice_servers(settings: Settings) -> list[dict[str, Any]]:
    if not settings.video_ice_servers.strip():
        return []
    try:
        found = json.loads(settings.video_ice_servers)
    except json.JSONDecodeError as exc:
        raise SettingsError("PLENUM_VIDEO_ICE_SERVERS must be a JSON list") from exc
    if not isinstance(found, list) or not all(isinstance(s, dict) for s in found):
        raise SettingsError("PLENUM_VIDEO_ICE_SERVERS must be a JSON list of objects")
    return found


def provider_for(settings: Settings) -> VideoProvider:
    name = settings.video
    if name == "janus":
        from plenum.video.janus import Janus

        if not settings.janus_url:
            raise SettingsError("PLENUM_JANUS_URL must be set for the janus video provider")
        return Janus(settings.janus_url, ice_servers(settings), settings.janus_recordings)
    if name == "bigbluebutton":
        from plenum.video.bigbluebutton import BigBlueButton

        if not (settings.bbb_url and settings.bbb_secret):
            raise SettingsError(
                "PLENUM_BBB_URL and PLENUM_BBB_SECRET must be set for bigbluebutton"
            )
        return BigBlueButton(settings.bbb_url, settings.bbb_secret)
    if name == "jitsi":
        from plenum.video.jitsi import Jitsi

        if not (settings.jitsi_url and settings.jitsi_app_id and settings.jitsi_secret):
            raise SettingsError(
                "PLENUM_JITSI_URL, PLENUM_JITSI_APP_ID and PLENUM_JITSI_SECRET must be set"
                " for jitsi"
            )
        return Jitsi(settings.jitsi_url, settings.jitsi_app_id, settings.jitsi_secret)
    from plenum.video.link import Link

    return Link()
