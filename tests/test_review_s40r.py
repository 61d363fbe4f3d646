"""Review s40r of this session's product changes (44e91f7e..): one test per finding fixed.

- MAILSEC_ACME_ACCOUNT_URI with a bracket its URL parser cannot read ("https://[::1/acct/1")
  stopped start-up with a bare ValueError ("Invalid IPv6 URL") naming neither the variable
  nor what is expected; every env helper raises ImproperlyConfigured naming both (mailsec/env.py).
- The same ValueError stopped start-up for SITE_ROOT, REDIS_URL (env_url) and DATABASE_URL
  with such a bracket ('https://[::1/', 'postgres://u@[::1/db'), the variable unnamed.
- MAILSEC_ACME_ACCOUNT_URI took characters no URI holds (RFC 3986 §2: '"', '\\', '<', '>',
  '{', '}', '|', '^', '`'): a value with a stray quote ('https://acme.example/acct/1"') started
  and gave customers a CAA record to add that no zone file reads ('accounturi=...1""'). Refused
  at start now, as a space or ';' already was.
- An empty validationmethods (RFC 8657 §4: `value = [*(label ",") label]`, a list naming no
  method, which no validation satisfies) was told as "validationmethods=, which is no list of
  method names": it is a list, empty. The reason now says it allows no method at all.
"""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from mailsec import env
from mailsec.hosting import caa
from tests.test_hosting_s39k_caa import rec

LE = "letsencrypt.org"


@pytest.mark.parametrize(
    "bad",
    [
        "https://[::1/acme/acct/1",  # an unclosed IPv6 bracket
        "https://acme.example]/acct/1",  # a stray bracket
        "https://[acme.example]/acct/1",  # a bracketed name that is no IPv6 address
    ],
)
def test_an_account_uri_its_parser_cannot_read_is_refused_by_name(
    monkeypatch: pytest.MonkeyPatch, bad: str
) -> None:
    monkeypatch.setenv("MAILSEC_ACME_ACCOUNT_URI", bad)
    with pytest.raises(ImproperlyConfigured, match="MAILSEC_ACME_ACCOUNT_URI=.* is not valid"):
        env.env_acme_account_uri("MAILSEC_ACME_ACCOUNT_URI")


@pytest.mark.parametrize(
    ("name", "value", "schemes"),
    [
        ("SITE_ROOT", "https://[::1/", ("http", "https")),
        ("SITE_ROOT", "https://[mailsec.example]/", ("http", "https")),
        ("REDIS_URL", "redis://[::1:6379/0", ("redis", "rediss", "unix")),
    ],
)
def test_a_url_its_parser_cannot_read_is_refused_by_name(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, schemes: tuple[str, ...]
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ImproperlyConfigured, match=f"{name}=.* is not valid"):
        env.env_url(name, schemes=schemes)


@pytest.mark.parametrize(
    "url", ["postgres://u@[::1/db", "postgresql://u@[db.example]:5432/db", "sqlite://[/x.db"]
)
def test_a_database_url_its_parser_cannot_read_is_refused_by_name(url: str) -> None:
    with pytest.raises(ImproperlyConfigured, match="DATABASE_URL=.* is not valid"):
        env.parse_database_url("DATABASE_URL", url)


def test_bracketed_ipv6_hosts_are_still_taken(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SITE_ROOT", "https://[2001:db8::1]:8443")
    assert env.env_url("SITE_ROOT", schemes=("https",)) == "https://[2001:db8::1]:8443"
    db = env.parse_database_url("DATABASE_URL", "postgres://u@[2001:db8::5]:5432/db")
    assert db["HOST"] == "2001:db8::5" and db["NAME"] == "db"


@pytest.mark.parametrize("char", ['"', "\\", "<", ">", "{", "}", "|", "^", "`"])
def test_an_account_uri_with_a_character_no_uri_holds_is_refused(
    monkeypatch: pytest.MonkeyPatch, char: str
) -> None:
    monkeypatch.setenv("MAILSEC_ACME_ACCOUNT_URI", f"https://acme.example/acct/1{char}")
    with pytest.raises(ImproperlyConfigured, match="MAILSEC_ACME_ACCOUNT_URI=.* is not valid"):
        env.env_acme_account_uri("MAILSEC_ACME_ACCOUNT_URI")


@pytest.mark.parametrize(
    "uri",
    [
        "https://acme-v02.api.letsencrypt.org/acme/acct/123456",
        "https://acme-staging-v02.api.letsencrypt.org/acme/acct/9",
        "https://ca.example:8443/acme/acct/a-b_c.d~e%7E?x=1&y=(2)*+,!$'@:#f",
    ],
)
def test_an_account_uri_of_uri_characters_is_taken(
    monkeypatch: pytest.MonkeyPatch, uri: str
) -> None:
    monkeypatch.setenv("MAILSEC_ACME_ACCOUNT_URI", uri)
    assert env.env_acme_account_uri("MAILSEC_ACME_ACCOUNT_URI") == uri


def test_a_bracketed_ipv6_host_is_still_taken(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MAILSEC_ACME_ACCOUNT_URI", "https://[2001:db8::1]/acme/acct/1")
    assert (
        env.env_acme_account_uri("MAILSEC_ACME_ACCOUNT_URI") == "https://[2001:db8::1]/acme/acct/1"
    )


def test_an_empty_validationmethods_is_said_to_allow_no_method() -> None:
    decision = caa.decide([rec(f'0 issue "{LE}; validationmethods="')], LE, account="")
    assert decision.state == caa.BLOCKED
    assert "no list of method names" not in decision.reason
    assert "empty validationmethods" in decision.reason
    assert "no validation method" in decision.reason
    assert decision.fix == f'0 issue "{LE}; validationmethods=http-01,tls-alpn-01"'


def test_a_malformed_validationmethods_is_still_said_to_be_no_list() -> None:
    decision = caa.decide([rec(f'0 issue "{LE}; validationmethods=http-01,,dns-01"')], LE)
    assert decision.state == caa.BLOCKED
    assert "validationmethods=http-01,,dns-01, which is no list of method names" in (
        decision.reason
    )
