"""Task s40c: RFC 8657's CAA parameters (accounturi, validationmethods) and RFC 8659 §4.2's
issue-value syntax, for the CAA reading of hosted MTA-STS (mailsec/hosting/caa.py).

Expectations, written before the decision weighed parameters:
- RFC 8659 §4.2: issue-value = *WSP [issuer-domain-name *WSP] [";" *WSP [parameters *WSP]],
  parameter = tag *WSP "=" *WSP value, tag an LDH label, value any of %x21-3A / %x3C-7E.
  "An issue Property Tag where the issue-value does not match the ABNF grammar MUST be treated
  the same as one specifying an empty issuer-domain-name": it names no CA (a trailing dot, a
  parameter without "=", a trailing ";", a space inside a value, a bad tag). Parameters a CA
  does not know are ignored (their semantics are the issuer's alone).
- RFC 8657 §4 validationmethods: the property authorizes only the listed methods. Our TLS front
  end (Caddy, deploy/Caddyfile) uses its defaults, http-01 and tls-alpn-01: a list naming
  neither, an empty or malformed list, forbids; several properties add up. Method names are
  matched exactly (Boulder: "HTTP-01" is no method); parameter tags case-insensitively (failing
  closed where Boulder ignores a mixed-case tag, letsencrypt/boulder#8614).
- RFC 8657 §3 accounturi: the property authorizes only that account; two accounturi
  parameters, or one that is no URI, make it unsatisfiable. With MAILSEC_ACME_ACCOUNT_URI set,
  a match allows and a different URI forbids; unset, it is "could not tell" (never "forbidden"),
  unless another property decides.
- The fix given keeps a property we satisfy: `0 issue "letsencrypt.org;
  validationmethods=http-01,tls-alpn-01"` when the owner restricts methods, with our accounturi
  when the owner restricts accounts and we know ours.
- The records panel and the certificate watch's notices say these causes."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from django.core import mail
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings
from django.urls import reverse

from mailsec import env
from mailsec.hosting import caa, service
from mailsec.hosting.models import HostedPolicy
from tests.test_hosting import T0, HostingCase, fake_dns
from tests.test_hosting_s39k_caa import Zone, rec

pytestmark = pytest.mark.real_caa

LE = "letsencrypt.org"
OURS = "https://acme-v02.api.letsencrypt.org/acme/acct/123456"
THEIRS = "https://acme-v02.api.letsencrypt.org/acme/acct/999"
METHODS_FIX = f'0 issue "{LE}; validationmethods=http-01,tls-alpn-01"'

A, B, U = caa.ALLOWED, caa.BLOCKED, caa.UNKNOWN


# fmt: off
SYNTAX = [
    # issue values, state (no account URI configured)
    (["letsencrypt.org;"], A),
    (["  letsencrypt.org  ;  foo=bar  "], A),                  # WSP around it all
    (["letsencrypt.org;\tfoo\t=\tbar"], A),                     # tabs are WSP too
    (["letsencrypt.org; foo=bar; x-y-1=a:b/c?d=e"], A),         # unknown parameters: ignored
    (["letsencrypt.org; foo="], A),                             # an empty value is a value
    (["letsencrypt.org."], B),                                  # no trailing dot in the ABNF
    (["%%%%%"], B),                                             # RFC 8659 §4.2's own example
    (["letsencrypt.org; foo"], B),                              # a parameter without "="
    (["letsencrypt.org; foo=bar;"], B),                         # a ";" with no parameter after
    (["letsencrypt.org foo=bar"], B),                           # parameters without the ";"
    (["letsencrypt.org; foo=b r"], B),                          # a space inside a value
    (["letsencrypt.org; _foo=bar"], B),                         # a tag is an LDH label
    (["letsencrypt.org; foo-=bar"], B),
    (["letsencrypt.org; foo=b\u00e9r"], B),                     # not ASCII
    (["letsencrypt.org; foo", "letsencrypt.org"], A),           # issuers still add up
]

METHODS = [
    (["letsencrypt.org; validationmethods=dns-01"], B),
    (["letsencrypt.org; validationmethods=http-01"], A),
    (["letsencrypt.org; validationmethods=tls-alpn-01"], A),
    (["letsencrypt.org; validationmethods=dns-01,tls-alpn-01"], A),
    (["letsencrypt.org ; validationmethods = dns-01,http-01 "], A),
    (["letsencrypt.org; validationmethods="], B),               # no method at all
    (["letsencrypt.org; validationmethods=http-01,"], B),       # malformed list
    (["letsencrypt.org; validationmethods=http_01"], B),
    (["letsencrypt.org; validationmethods=dns-01, http-01"], B),  # a space: malformed value
    (["letsencrypt.org; validationmethods=HTTP-01"], B),        # method names match exactly
    (["letsencrypt.org; ValidationMethods=dns-01"], B),         # parameter tags: any case
    (["letsencrypt.org; validationmethods=dns-01; validationmethods=http-01"], B),
    (["letsencrypt.org; validationmethods=dns-01",
      "letsencrypt.org; validationmethods=http-01"], A),        # properties add up
    (["letsencrypt.org; validationmethods=dns-01", "digicert.com"], B),
    (["digicert.com; validationmethods=http-01"], B),
]

ACCOUNTS_KNOWN = [  # MAILSEC_ACME_ACCOUNT_URI = OURS
    ([f"letsencrypt.org; accounturi={OURS}"], A),
    ([f"letsencrypt.org; AccountURI={OURS}"], A),
    ([f"letsencrypt.org; accounturi={THEIRS}"], B),
    ([f"letsencrypt.org; accounturi={OURS}/"], B),              # exact match only
    ([f"letsencrypt.org; accounturi={OURS}; validationmethods=dns-01"], B),
    ([f"letsencrypt.org; accounturi={OURS}; validationmethods=http-01"], A),
    ([f"letsencrypt.org; accounturi={OURS}; accounturi={OURS}"], B),  # two: unsatisfiable
    ([f"letsencrypt.org; accounturi={THEIRS}", f"letsencrypt.org; accounturi={OURS}"], A),
    ([f"digicert.com; accounturi={OURS}"], B),
]

ACCOUNTS_UNKNOWN = [  # MAILSEC_ACME_ACCOUNT_URI unset
    ([f"letsencrypt.org; accounturi={THEIRS}"], U),
    ([f"letsencrypt.org; accounturi={THEIRS}", "letsencrypt.org"], A),
    ([f"letsencrypt.org; accounturi={THEIRS}", "digicert.com"], U),
    ([f"letsencrypt.org; accounturi={THEIRS}; validationmethods=dns-01"], B),
    ([f"letsencrypt.org; accounturi={THEIRS}",
      "letsencrypt.org; validationmethods=dns-01"], U),
    ([f"letsencrypt.org; accounturi={THEIRS}; accounturi={OURS}"], B),  # unsatisfiable
    (["letsencrypt.org; accounturi=nonsense"], B),              # no URI: unsatisfiable
    ([f"digicert.com; accounturi={THEIRS}"], B),
]
# fmt: on


@pytest.mark.parametrize(("values", "state"), SYNTAX + METHODS)
def test_it_reads_the_issue_value_syntax_and_validationmethods(
    values: list[str], state: str
) -> None:
    decision = caa.decide([rec(f'0 issue "{v}"') for v in values], LE, account="")
    assert decision.state == state, decision.reason


@pytest.mark.parametrize(("values", "state"), ACCOUNTS_KNOWN)
def test_it_weighs_accounturi_against_our_account(values: list[str], state: str) -> None:
    decision = caa.decide([rec(f'0 issue "{v}"') for v in values], LE, account=OURS)
    assert decision.state == state, decision.reason


@pytest.mark.parametrize(("values", "state"), ACCOUNTS_UNKNOWN)
def test_without_our_account_uri_an_accounturi_cannot_be_told(
    values: list[str], state: str
) -> None:
    decision = caa.decide([rec(f'0 issue "{v}"') for v in values], LE, account="")
    assert decision.state == state, decision.reason
    assert decision.allowed is (state == A)


def test_issuewild_parameters_count_for_a_wildcard() -> None:
    records = [rec('0 issuewild "letsencrypt.org; validationmethods=dns-01"')]
    assert caa.decide(records, LE, wildcard=True, account="").state == B


def read(records: list[str], account: str | None = None, at: str = "example.org") -> caa.CaaReading:
    zone = Zone({at: ("NOERROR", records, [])})
    return asyncio.run(caa.read(zone, "mta-sts.example.org", LE, account))


def test_a_method_we_do_not_use_gives_a_record_with_ours() -> None:
    reading = read([f'0 issue "{LE}; validationmethods=dns-01"'], account="")
    assert reading.state == B
    assert reading.fix == f"example.org. CAA {METHODS_FIX}"
    assert "dns-01" in reading.detail
    assert "http-01" in reading.detail and "tls-alpn-01" in reading.detail


def test_another_account_gives_a_record_with_ours() -> None:
    reading = read([f'0 issue "{LE}; accounturi={THEIRS}"'], account=OURS)
    assert reading.state == B
    assert reading.fix == f'example.org. CAA 0 issue "{LE}; accounturi={OURS}"'
    assert THEIRS in reading.detail and OURS in reading.detail


def test_both_restrictions_give_one_record_with_both() -> None:
    reading = read([f'0 issue "{LE}; accounturi={THEIRS}; validationmethods=dns-01"'], OURS)
    assert reading.state == B
    assert reading.fix == (
        f'example.org. CAA 0 issue "{LE}; accounturi={OURS}; validationmethods=http-01,tls-alpn-01"'
    )


def test_a_malformed_value_is_told_as_naming_no_ca() -> None:
    reading = read([f'0 issue "{LE}; validationmethods=http-01;"'], account="")
    assert reading.state == B
    assert reading.fix == f'example.org. CAA 0 issue "{LE}"'
    assert "RFC 8659" in reading.detail and "syntax" in reading.detail


def test_an_unknown_account_is_could_not_tell_with_what_to_check() -> None:
    reading = read([f'0 issue "{LE}; accounturi={THEIRS}"'], account="")
    assert reading.state == U
    assert reading.fix == ""
    assert THEIRS in reading.detail
    assert "forbid" not in reading.detail
    assert "ask us for our ACME account URI" in reading.detail  # not our setting (s40k)
    assert reading.holder == "example.org" and reading.records


def test_our_account_uri_comes_from_the_settings_by_default(settings: Any) -> None:
    settings.MAILSEC_ACME_ACCOUNT_URI = OURS
    assert read([f'0 issue "{LE}; accounturi={OURS}"']).state == A
    assert read([f'0 issue "{LE}; accounturi={THEIRS}"']).state == B
    settings.MAILSEC_ACME_ACCOUNT_URI = ""
    assert read([f'0 issue "{LE}; accounturi={OURS}"']).state == U


# --- The records panel and the certificate watch ----------------------------------------------

REAL_READ = caa.read


def zone_read(records: list[str]) -> Any:
    """caa.read as it is, over answers where example.org holds `records`."""

    async def read(dns: object, name: str, identity: str, account: str | None = None) -> Any:
        zone = Zone({"example.org": ("NOERROR", records, [])})
        return await REAL_READ(zone, name, identity, account)

    return mock.patch.object(caa, "read", read)


@override_settings(MAILSEC_ACME_CAA_IDENTITY=LE, MAILSEC_ACME_ACCOUNT_URI="")
class CaaParamsPageTestCase(HostingCase):
    def setUp(self) -> None:
        super().setUp()
        self.client.force_login(self.alice)

    def caa_row(self, records: list[str]) -> Any:
        with fake_dns(), zone_read(records):
            r = self.client.get(
                reverse("hosting:records", args=[self.domain.code]), HTTP_HX_REQUEST="true"
            )
        assert r.status_code == 200
        rows = [row for row in r.context["records"] if row.rtype == "CAA"]
        return rows[0] if rows else None

    def test_a_method_we_do_not_use_is_a_row_with_the_record_to_add(self) -> None:
        row = self.caa_row([f'0 issue "{LE}; validationmethods=dns-01"'])
        assert row is not None
        assert (row.name, row.value, row.state) == ("example.org", METHODS_FIX, "missing")
        assert "dns-01" in row.detail

    def test_a_method_we_use_shows_no_row(self) -> None:
        assert self.caa_row([f'0 issue "{LE}; validationmethods=dns-01,http-01"']) is None

    @override_settings(MAILSEC_ACME_ACCOUNT_URI=OURS)
    def test_our_account_shows_no_row_and_another_one_a_record_to_add(self) -> None:
        assert self.caa_row([f'0 issue "{LE}; accounturi={OURS}"']) is None
        row = self.caa_row([f'0 issue "{LE}; accounturi={THEIRS}"'])
        assert row is not None and row.state == "missing"
        assert row.value == f'0 issue "{LE}; accounturi={OURS}"'

    def test_an_unknown_account_is_a_could_not_tell_row_and_hosting_still_starts(self) -> None:
        row = self.caa_row([f'0 issue "{LE}; accounturi={THEIRS}"'])
        assert row is not None and row.state == "error"
        assert THEIRS in row.detail and "forbid" not in row.detail
        assert "could not look up" not in row.detail
        with fake_dns(), zone_read([f'0 issue "{LE}; accounturi={THEIRS}"']):
            self.client.post(reverse("hosting:enable", args=[self.domain.code]))
        assert HostedPolicy.objects.get(domain=self.domain).state == "active"


@override_settings(MAILSEC_ACME_CAA_IDENTITY=LE, MAILSEC_ACME_ACCOUNT_URI="")
class CaaParamsNoticeTestCase(HostingCase):
    def notice(self, records: list[str]) -> str:
        policy = self.host()
        mail.outbox.clear()
        with zone_read(records):
            for at in (T0, T0 + timedelta(hours=13)):
                service.tell_cert_state(policy, service.CertReading(None, "refused"), at)
        bodies = [m.body for m in mail.outbox]
        assert bodies
        return bodies[-1]

    def test_the_certificate_notice_names_a_method_we_do_not_use(self) -> None:
        body = self.notice([f'0 issue "{LE}; validationmethods=dns-01"'])
        assert "validationmethods" in body and "dns-01" in body
        assert f"example.org. CAA {METHODS_FIX}" in body
        assert "still a CNAME" not in body

    def test_the_certificate_notice_names_an_account_it_cannot_tell(self) -> None:
        body = self.notice([f'0 issue "{LE}; accounturi={THEIRS}"'])
        assert THEIRS in body and "accounturi" in body
        assert "still a CNAME" in body  # could be the cause, or not: the CNAME advice stays

    def test_the_renewal_advice_names_these_causes(self) -> None:
        with zone_read([f'0 issue "{LE}; validationmethods=dns-01"']):
            advice = service._renewal_advice("example.org")
        assert "dns-01" in advice and METHODS_FIX in advice
        with zone_read([f'0 issue "{LE}; accounturi={THEIRS}"']):
            advice = service._renewal_advice("example.org")
        assert THEIRS in advice and "still points at us" in advice


# --- MAILSEC_ACME_ACCOUNT_URI -----------------------------------------------------------------


def test_the_account_uri_setting_is_empty_by_default_and_kept_exactly(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("X", raising=False)
    assert env.env_acme_account_uri("X") == ""
    monkeypatch.setenv("X", f" {OURS}/ ")
    assert env.env_acme_account_uri("X") == f"{OURS}/"  # compared exactly (RFC 8657 §3)


@pytest.mark.parametrize(
    "bad",
    [
        "acme-v02.api.letsencrypt.org/acme/acct/1",  # no scheme
        "http://acme.example/acct/1",  # ACME is HTTPS (RFC 8555 §6.1)
        "https:///acct/1",  # no host
        "https://acme.example/acct/1;x",  # ";" ends a CAA parameter value
        "https://acme.example/acct /1",  # a CAA parameter value has no space
        "https://acme.example/acct/\u00e9",
    ],
)
def test_a_bad_account_uri_is_refused(monkeypatch: pytest.MonkeyPatch, bad: str) -> None:
    monkeypatch.setenv("X", bad)
    with pytest.raises(ImproperlyConfigured, match="X="):
        env.env_acme_account_uri("X")


def test_a_bad_account_uri_stops_start_up(run_manage: Any, tmp_path: Path) -> None:
    done = run_manage(
        "check",
        env={"MAILSEC_DATA_DIR": str(tmp_path), "MAILSEC_ACME_ACCOUNT_URI": "acct/1"},
    )
    assert done.returncode != 0
    assert "MAILSEC_ACME_ACCOUNT_URI='acct/1' is not valid" in done.stderr
