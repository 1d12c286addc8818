"""A real OpenID provider process for the tests: oidc-provider-mock, on loopback.

    python tests/support/oidc_provider.py --port 9401

It is the same provider the demo runs, plus switches the tests need to play providers
as they are configured in the wild, or misbehaving. ``PUT /test/switches`` with a JSON
object sets them (``{}`` switches all back); ``GET /test/discovery-hits`` counts the
discovery document's downloads. The switches:

- ``audience``: the next ID tokens carry this audience instead of the requesting
  client's id; ``azp``: and this authorized party;
- ``userinfo_only``: the ID token carries no claims but ``sub`` (and the registered
  ones); everything else only comes from the userinfo endpoint (Keycloak with "Add to
  ID token" off, node oidc-provider with conform claims);
- ``userinfo_fails``: the userinfo endpoint answers 500;
- ``issuer``: the discovery document names this issuer; ``invalid_discovery``: the
  discovery document is a JSON object without endpoints.

``PUT /test/clients/<id>`` registers a confidential client with the secret in the
body, authenticating with ``client_secret_basic`` only (unregistered client ids are
accepted with any secret). Nothing in Plenum is mocked: the app talks to this process
over HTTP like it talks to Keycloak in production.
"""

from __future__ import annotations

import argparse
import os
from typing import Any

os.environ["AUTHLIB_INSECURE_TRANSPORT"] = "1"

import flask
import oidc_provider_mock._app as provider_app
import uvicorn
from oidc_provider_mock import app as make_app
from oidc_provider_mock._storage import Client, ClientAllowAny, storage

DISCOVERY = "/.well-known/openid-configuration"

_switches: dict[str, Any] = {}
_discovery_hits = {"count": 0}
_original_claims = provider_app.OpenIDCode.get_client_claims
_original_user_info = provider_app.OpenIDCode.generate_user_info


def _client_claims(self: object, client: object) -> dict[str, object]:
    claims = dict(_original_claims(self, client))
    if _switches.get("audience"):
        claims["aud"] = [_switches["audience"]]
    if _switches.get("azp"):
        claims["azp"] = _switches["azp"]
    return claims


def _id_token_user_info(self: Any, user: Any, scope: str) -> dict[str, object]:
    """What the ID token says about the user: everything, or ``sub`` only."""
    if _switches.get("userinfo_only"):
        return {"sub": user.sub}
    return dict(_original_user_info(self, user, scope))


provider_app.OpenIDCode.get_client_claims = _client_claims  # type: ignore[method-assign]
provider_app.OpenIDCode.generate_user_info = _id_token_user_info  # type: ignore[method-assign]


def build() -> flask.Flask:
    app = make_app(require_nonce=True)

    @app.put("/test/switches")
    def set_switches() -> tuple[str, int]:
        _switches.clear()
        _switches.update(flask.request.get_json(force=True) or {})
        return "", 204

    @app.put("/test/audience")
    def set_audience() -> tuple[str, int]:
        _switches["audience"] = flask.request.get_data(as_text=True).strip() or None
        return "", 204

    @app.put("/test/clients/<client_id>")
    def register_client(client_id: str) -> tuple[str, int]:
        storage.store_client(
            Client(
                id=client_id,
                secret=flask.request.get_data(as_text=True),
                redirect_uris=ClientAllowAny(),
                allowed_scopes=Client.SCOPES_SUPPORTED,
                token_endpoint_auth_method="client_secret_basic",
            )
        )
        return "", 204

    @app.get("/test/discovery-hits")
    def discovery_hits() -> dict[str, int]:
        return {"count": _discovery_hits["count"]}

    @app.after_request
    def switch_discovery(response: flask.Response) -> flask.Response:
        if flask.request.path == "/userinfo" and _switches.get("userinfo_fails"):
            return flask.Response("userinfo is down", status=500)
        if flask.request.path != DISCOVERY:
            return response
        _discovery_hits["count"] += 1
        if _switches.get("invalid_discovery"):
            response.set_data(flask.json.dumps({"issuer": flask.request.host_url.rstrip("/")}))
        elif _switches.get("issuer"):
            document = response.get_json()
            document["issuer"] = _switches["issuer"]
            response.set_data(flask.json.dumps(document))
        return response

    return app


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    uvicorn.run(build(), interface="wsgi", host="127.0.0.1", port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
