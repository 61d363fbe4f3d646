"""Task s44a, item 3: the names MAILSEC_POLICY_HOST, MAILSEC_POLICY_ZONE and
MAILSEC_EXTRA_PUBLIC_SUFFIXES (checks.config's test, shared by mailsec.env since 8b29114e; also
TLSRPT_INBOUND_DOMAIN and MAILSEC_ACME_CAA_IDENTITY) took an all-digit last label ("mta.123").
No top-level domain is all digits (RFC 3696 §2), so such a name is none the public DNS can
hold: customers would be told to point their CNAMEs at it. The domains a person types
(checks.domainname.to_ascii_domain: the add-domain form, the free check) have refused it since
s41h; start-up and `mailsec check` now refuse it too, by the same rule
(checks.domainname.all_digit_last_label), saying why."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured, ValidationError

from checks.config import CheckConfig, ConfigError
from checks.domainname import DomainNameError, to_ascii_domain
from mailsec import env
from mailsec.domains.forms import AddDomainForm
from tests.test_s43n_domain_names_at_startup import start

ALL_DIGITS = "its last label, {}, is all digits, and no top-level domain is (RFC 3696 §2)"


NUMERIC = [
    ("MAILSEC_POLICY_HOST", "mta.123", "123"),
    ("MAILSEC_POLICY_ZONE", "Policy.2026.", "2026"),
    ("MAILSEC_EXTRA_PUBLIC_SUFFIXES", "test, 123", "123"),
]


@pytest.mark.parametrize(("name", "value", "number"), NUMERIC)
def test_mailsec_check_refuses_an_all_digit_last_label(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, number: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError) as caught:
        CheckConfig.from_env()
    said = str(caught.value)
    assert said.startswith(f"{name}={value.strip()!r} is not valid: expected "), said
    assert ALL_DIGITS.format(number) in said, said


@pytest.mark.parametrize(("name", "value", "number"), NUMERIC)
def test_the_apps_settings_refuse_an_all_digit_last_label(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, number: str
) -> None:
    monkeypatch.setenv(name, value)
    read = env.env_domain_names if "," in value else env.env_domain_name
    with pytest.raises(ImproperlyConfigured) as caught:
        read(name) if read is env.env_domain_names else read(name, "")
    said = str(caught.value)
    assert said.startswith(f"{name}={value.strip()!r} is not valid: expected "), said
    assert ALL_DIGITS.format(number) in said, said


def test_start_up_stops_on_an_all_digit_policy_host(tmp_path: Path) -> None:
    done = start(tmp_path, MAILSEC_POLICY_HOST="mta.123")
    assert done.returncode != 0, done.stdout
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("django.core.exceptions.ImproperlyConfigured: MAILSEC_POLICY_HOST="), (
        done.stderr[-2000:]
    )
    assert ALL_DIGITS.format("123") in last, last


@pytest.mark.parametrize(
    "value", ["mta.123a", "3com.example", "123.example", "mta-sts.1-2.example"]
)
def test_control_digits_elsewhere_are_a_name(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("MAILSEC_POLICY_HOST", value)
    monkeypatch.setenv("MAILSEC_EXTRA_PUBLIC_SUFFIXES", value)
    assert CheckConfig.from_env().hosted_policy_host == value
    assert env.env_domain_name("MAILSEC_POLICY_HOST", "") == value
    assert env.env_domain_names("MAILSEC_EXTRA_PUBLIC_SUFFIXES") == [value]


@pytest.mark.django_db
def test_control_a_typed_name_is_refused_by_the_same_rule() -> None:
    """The add-domain form (and the free check, through the same to_ascii_domain) said so
    before s44a; the words of the rule are the same."""
    with pytest.raises(ValidationError) as caught:
        AddDomainForm.domain_name("mta.123")
    assert "no top-level domain is all digits" in str(caught.value)
    with pytest.raises(DomainNameError) as refused:
        to_ascii_domain("https://mail.example.2026/", allow_special_use=False)
    assert "its last part, 2026, is a number" in str(refused.value)
