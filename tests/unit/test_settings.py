"""Settings come from PLENUM_* variables; each one is documented in the README."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from plenum.settings import Settings, SettingsError

ROOT = Path(__file__).resolve().parents[2]


def test_defaults_are_safe_for_development(tmp_path):
    settings = Settings.from_env({"PLENUM_ROOT": str(tmp_path)})
    assert settings.env == "development"
    assert settings.database_url == f"sqlite:///{tmp_path / 'var' / 'plenum.db'}"
    assert settings.secure_cookies is False
    assert len(settings.secret_key) >= 32
    assert Settings.from_env({"PLENUM_ROOT": str(tmp_path)}).secret_key == settings.secret_key


PRODUCTION = {
    "PLENUM_ENV": "production",
    "PLENUM_SECRET_KEY": "s" * 32,
    "PLENUM_OIDC_CLIENT_SECRET": "registered-at-the-party-provider",
}


def test_production_needs_a_secret_key(tmp_path):
    with pytest.raises(SettingsError, match="PLENUM_SECRET_KEY"):
        Settings.from_env({"PLENUM_ENV": "production", "PLENUM_ROOT": str(tmp_path)})
    settings = Settings.from_env(PRODUCTION)
    assert settings.secure_cookies is True


@given(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40))
def test_production_refuses_a_secret_key_shorter_than_32_bytes(key):
    environ = {**PRODUCTION, "PLENUM_SECRET_KEY": key}
    if len(key.encode()) >= 32:
        assert Settings.from_env(environ).secret_key == key
    else:
        with pytest.raises(SettingsError, match="PLENUM_SECRET_KEY"):
            Settings.from_env(environ)


def test_production_refuses_the_development_client_secret():
    with pytest.raises(SettingsError, match="PLENUM_OIDC_CLIENT_SECRET"):
        Settings.from_env({**PRODUCTION, "PLENUM_OIDC_CLIENT_SECRET": "plenum-dev-secret"})
    without = {k: v for k, v in PRODUCTION.items() if k != "PLENUM_OIDC_CLIENT_SECRET"}
    with pytest.raises(SettingsError, match="PLENUM_OIDC_CLIENT_SECRET"):
        Settings.from_env(without)


def test_development_keeps_its_short_keys_and_client_secret():
    settings = Settings.from_env({"PLENUM_SECRET_KEY": "x"})
    assert (settings.secret_key, settings.oidc_client_secret) == ("x", "plenum-dev-secret")


def test_values_are_parsed():
    settings = Settings.from_env(
        {
            "PLENUM_SECRET_KEY": "x",
            "PLENUM_SESSION_IDLE_MINUTES": "15",
            "PLENUM_LOGIN_RATE_LIMIT": "100/30",
            "PLENUM_OIDC_GROUP_ROLES": '{"vorstand": "board_member@body:lv-board", "gs": ["office_staff@chapter:lv"]}',
        }
    )
    assert settings.session_idle_minutes == 15
    assert settings.login_rate == (100, 30.0)
    assert settings.oidc_group_roles == {
        "vorstand": ("board_member@body:lv-board",),
        "gs": ("office_staff@chapter:lv",),
    }


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("PLENUM_ENV", "staging"),
        ("PLENUM_LOGIN_RATE_LIMIT", "many"),
        ("PLENUM_OIDC_GROUP_ROLES", "[1, 2]"),
        ("PLENUM_OIDC_GROUP_ROLES", "{not json"),
        ("PLENUM_OIDC_GROUP_ROLES", '{"g": [1]}'),
    ],
)
def test_bad_values_are_refused_with_the_variable_named(name, value):
    with pytest.raises(SettingsError, match=name):
        Settings.from_env({"PLENUM_SECRET_KEY": "x", name: value})


def test_every_setting_is_documented_in_the_readme():
    readme = (ROOT / "README.md").read_text()
    documented = set(re.findall(r"`(PLENUM_[A-Z_]+)`", readme))
    names = {"PLENUM_" + name.upper() for name in Settings.__dataclass_fields__}
    assert names <= documented, f"undocumented: {sorted(names - documented)}"
