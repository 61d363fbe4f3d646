"""DEFAULT_FROM_EMAIL that names no address stops start-up (docs/configuration.md: "A value
that cannot be used stops start-up with a message naming the variable and the value"). Found
by a new user's walk through the docs (task s43d): DEFAULT_FROM_EMAIL=abc started, and every
mail then went out From: abc with Message-IDs made on the 'domain' abc (mailsec.mail.sender_host
takes what follows the last '@', the whole text when there is none)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.test_s43d_env_at_startup import start


@pytest.mark.parametrize(
    "value", ["abc", "mailsec", "noreply@", "mailsec <noreply>", "a@b@", "@example.com"]
)
def test_a_from_address_that_names_no_mailbox_stops_start_up(tmp_path: Path, value: str) -> None:
    done = start(tmp_path, DEFAULT_FROM_EMAIL=value)
    assert done.returncode != 0, done.stdout
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("django.core.exceptions.ImproperlyConfigured: "), done.stderr[-2000:]
    assert f"DEFAULT_FROM_EMAIL={value!r}" in last


@pytest.mark.parametrize(
    "value",
    ["noreply@mailsec.example", "mailsec <noreply@mailsec.example>", '"Mail Sec" <a@b.example>'],
)
def test_a_from_address_starts(tmp_path: Path, value: str) -> None:
    assert start(tmp_path, DEFAULT_FROM_EMAIL=value).returncode == 0
