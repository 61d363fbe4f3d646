"""`mailsec check` (checks.config.CheckConfig.from_env, no Django) refuses the same values the
app's start-up refuses since s43n: MAILSEC_POLICY_HOST, MAILSEC_POLICY_ZONE and each entry of
MAILSEC_EXTRA_PUBLIC_SUFFIXES must be domain names (docs/configuration.md). Before, it took any
text: a suffix '-5' matched no domain, a policy host '-5' no CNAME."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from checks.config import CheckConfig, ConfigError

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize(
    ("name", "value", "named"),
    [
        ("MAILSEC_POLICY_HOST", "-5", "'-5'"),
        ("MAILSEC_POLICY_HOST", "https://mta-sts-host.mailsec.example/", "'https://"),
        ("MAILSEC_POLICY_ZONE", "policy zone", "'policy zone'"),
        ("MAILSEC_EXTRA_PUBLIC_SUFFIXES", "test,-5", "('-5' is none)"),
        ("MAILSEC_EXTRA_PUBLIC_SUFFIXES", "a..b", "'a..b'"),
    ],
)
def test_a_value_that_is_no_domain_name_is_refused(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, named: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as caught:
        CheckConfig.from_env()
    assert str(caught.value).startswith(f"{name}=")
    assert named in str(caught.value)
    assert "domain name" in str(caught.value)


def test_names_are_read_as_before(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MAILSEC_POLICY_HOST", " MTA-STS-Host.Mailsec.Example. ")
    monkeypatch.setenv("MAILSEC_POLICY_ZONE", "Policy.Mailsec.Example.")
    monkeypatch.setenv("MAILSEC_EXTRA_PUBLIC_SUFFIXES", " Test , .lab.test. ,,")
    config = CheckConfig.from_env()
    assert config.hosted_policy_host == "mta-sts-host.mailsec.example"
    assert config.hosted_policy_zone == "policy.mailsec.example"
    assert config.extra_public_suffixes == ("test", "lab.test")


def test_mailsec_check_stops_before_checking() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MAILSEC_")}
    env["MAILSEC_EXTRA_PUBLIC_SUFFIXES"] = "-5"
    # Were it to check after all, only loopback is asked (no server there: quick errors).
    env["MAILSEC_RESOLVER"] = "127.0.0.1:18759"
    env["MAILSEC_CHECK_TIMEOUT"] = "0.2"
    done = subprocess.run(
        [sys.executable, "-m", "checks", "example.test"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 64, (done.stdout, done.stderr)  # EX_USAGE, as for MAILSEC_CA_BUNDLE
    assert "MAILSEC_EXTRA_PUBLIC_SUFFIXES='-5' is not valid" in done.stderr
    assert done.stdout == ""
