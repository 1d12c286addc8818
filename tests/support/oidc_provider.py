"""A real OpenID provider process for the tests: oidc-provider-mock, on loopback.

    python tests/support/oidc_provider.py --port 9401

It is the same provider the demo runs, plus one switch the tests need to play a
misbehaving provider: ``PUT /test/audience`` with a body naming an audience makes the
next ID tokens carry that audience instead of the requesting client's id (an empty
body switches back). Nothing in Plenum is mocked: the app talks to this process over
HTTP like it talks to Keycloak in production.
"""

from __future__ import annotations

import argparse
import os

os.environ["AUTHLIB_INSECURE_TRANSPORT"] = "1"

import flask
import oidc_provider_mock._app as provider_app
import uvicorn
from oidc_provider_mock import app as make_app

_audience: dict[str, str | None] = {"value": None}
_original_claims = provider_app.OpenIDCode.get_client_claims


def _client_claims(self: object, client: object) -> dict[str, object]:
    claims = dict(_original_claims(self, client))
    if _audience["value"]:
        claims["aud"] = [_audience["value"]]
    return claims


provider_app.OpenIDCode.get_client_claims = _client_claims  # type: ignore[method-assign]


def build() -> flask.Flask:
    app = make_app(require_nonce=True)

    @app.put("/test/audience")
    def set_audience() -> tuple[str, int]:
        _audience["value"] = flask.request.get_data(as_text=True).strip() or None
        return "", 204

    return app


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    uvicorn.run(build(), interface="wsgi", host="127.0.0.1", port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
