"""The e-mail settings: read from PLENUM_SMTP_* and PLENUM_MAIL_FROM, refused when unusable."""

from __future__ import annotations

import pytest

from plenum.settings import Settings, SettingsError


def test_mail_is_off_until_a_relay_is_named():
    settings = Settings.from_env({"PLENUM_SECRET_KEY": "x"})
    assert not settings.mail_enabled
    assert settings.mail_security == "none"
    assert settings.mail_sender == "Plenum <noreply@127.0.0.1>"


def test_the_relay_settings_are_read():
    settings = Settings.from_env(
        {
            "PLENUM_ENV": "production",
            "PLENUM_SECRET_KEY": "s" * 40,
            "PLENUM_OIDC_CLIENT_SECRET": "c" * 40,
            "PLENUM_BASE_URL": "https://plenum.example.org",
            "PLENUM_SMTP_HOST": "mail.example.org",
            "PLENUM_SMTP_PORT": "587",
            "PLENUM_SMTP_USERNAME": "plenum",
            "PLENUM_SMTP_PASSWORD": "geheim",
        }
    )
    assert settings.mail_enabled
    assert (settings.smtp_host, settings.smtp_port) == ("mail.example.org", 587)
    assert (settings.smtp_username, settings.smtp_password) == ("plenum", "geheim")
    assert settings.mail_security == "starttls"  # the default in production
    assert settings.mail_sender == "Plenum <noreply@plenum.example.org>"
    chosen = Settings.from_env(
        {"PLENUM_SECRET_KEY": "x", "PLENUM_SMTP_SECURITY": "ssl", "PLENUM_MAIL_FROM": "a@b.c"}
    )
    assert (chosen.mail_security, chosen.mail_sender) == ("ssl", "a@b.c")


@pytest.mark.parametrize(
    ("name", "value"),
    [("PLENUM_SMTP_PORT", "twenty-five"), ("PLENUM_SMTP_SECURITY", "tls")],
)
def test_bad_mail_settings_are_refused_with_the_variable_named(name, value):
    with pytest.raises(SettingsError, match=name):
        Settings.from_env({"PLENUM_SECRET_KEY": "x", name: value})
