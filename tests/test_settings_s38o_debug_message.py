"""The refusal of an env file without a DEBUG line reads as English whether it saw one
production sign or several (task s38o, the operator's walk: 'SITE_ROOT=… look like
production')."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from mailsec import env


def refusal(monkeypatch: pytest.MonkeyPatch, **environ: str) -> str:
    for name in ("DEBUG", "SITE_ROOT", "EMAIL_URL", "SECRET_KEY", "SECRET_KEY_FILE"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ImproperlyConfigured) as raised:
        env.env_debug()
    return str(raised.value)


def test_it_says_looks_for_one_sign(monkeypatch: pytest.MonkeyPatch) -> None:
    message = refusal(monkeypatch, SITE_ROOT="https://mailsec.example")
    assert "SITE_ROOT='https://mailsec.example' looks like production," in message


def test_it_says_look_for_several_signs(monkeypatch: pytest.MonkeyPatch) -> None:
    message = refusal(
        monkeypatch, SITE_ROOT="https://mailsec.example", EMAIL_URL="smtp://mail.example:25"
    )
    assert (
        "SITE_ROOT='https://mailsec.example' and EMAIL_URL=smtp://… look like production,"
        in message
    )
