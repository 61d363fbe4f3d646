"""Blind round s34g's product faults (tests/test_ssrf_s34g_blind.py holds the round).

- The SSRF guard's refusal named every kind an address might be ('127.0.0.1 is a private,
  loopback, link-local or reserved address; refused'), and TLS-RPT's and BIMI's findings quote
  it: it now names the address's own kind. The free check page still finds the refused
  addresses in reports stored with the old words.
- MX-05 called an IP-literal MX target of 127.0.0.1 'a private address'; MX-06's fix for an MX
  host with a reserved address said to replace 'the private one'.
- The free check form gave back a NUL byte typed in the name raw inside the HTML.
"""

from __future__ import annotations

import uuid
from typing import Any
from unittest import mock

import pytest

from checks import mx, net, starttls, tlsrpt
from checks.config import CheckConfig
from mailsec.freecheck.models import FreeCheck
from tests.blind_engine import run_engine

D = "shop.s34g-victim.org"


@pytest.mark.parametrize(
    ("address", "kind"),
    [
        ("127.0.0.1", "loopback"),
        ("10.0.0.1", "private"),
        ("169.254.169.254", "link-local"),
        ("240.1.2.3", "reserved"),
        ("64:ff9b::7f00:1", "loopback"),
    ],
)
def test_the_guard_names_the_kind_of_address_it_refused(address: str, kind: str) -> None:
    with pytest.raises(net.TargetRefused) as refused:
        net.guard(address, CheckConfig())
    assert str(refused.value) == f"{address} is not a public address ({kind}); refused"


def test_the_guard_calls_what_is_no_address_so() -> None:
    with pytest.raises(net.TargetRefused) as refused:
        net.guard("127.1", CheckConfig())
    assert str(refused.value) == "127.1 is not an IP address; refused"


def test_tls_rpt_names_a_loopback_report_host_as_loopback() -> None:
    zone = {
        (D, "MX"): [f"10 mx.{D}."],
        (f"mx.{D}", "A"): ["9.9.9.9"],
        (f"_smtp._tls.{D}", "TXT"): ["v=TLSRPTv1; rua=https://127.0.0.1/r"],
    }
    findings = run_engine(tlsrpt, D, zone).findings
    tlsrpt10 = [f for f in findings if f.id == "TLSRPT-10"]
    assert tlsrpt10 and "127.0.0.1 is not a public address (loopback)" in tlsrpt10[0].summary
    assert "link-local or reserved" not in tlsrpt10[0].summary


def _stored(summary: str) -> FreeCheck:
    finding = {"id": "TLSRPT-10", "mechanism": "tls-rpt", "status": "error", "summary": summary}
    report = {"domain": "example.org", "findings": [finding], "mechanisms": {}}
    return FreeCheck(domain="example.org", status=FreeCheck.State.DONE, report=report)


def test_the_free_check_page_finds_refused_addresses_in_both_wordings() -> None:
    now = _stored("Could not check: 127.0.0.1 is not a public address (loopback); refused")
    before = _stored("Could not check: 10.0.0.1 is a private, loopback, link-local or "
                     "reserved address; refused")  # fmt: skip
    assert now.refused_targets() == ["127.0.0.1"]
    assert before.refused_targets() == ["10.0.0.1"]


def test_mx05_names_a_loopback_literal_as_loopback() -> None:
    findings = run_engine(mx, D, {(D, "MX"): ["10 127.0.0.1."]}).findings
    mx05 = [f for f in findings if f.id == "MX-05"]
    assert mx05 and "127.0.0.1 is a loopback address" in mx05[0].fix, mx05[0].fix
    assert "private" not in mx05[0].fix


def test_mx06_fix_for_a_reserved_address_does_not_call_it_private() -> None:
    starttls.clear_cache()
    zone = {(D, "MX"): [f"10 mx.{D}."], (f"mx.{D}", "A"): ["240.1.2.3"]}
    mx06 = [f for f in run_engine(mx, D, zone).findings if f.id == "MX-06"]
    assert mx06 and "in place of the non-public one" in mx06[0].fix, mx06[0].fix
    assert "private" not in mx06[0].fix


@pytest.mark.django_db
def test_the_free_check_form_gives_no_nul_byte_back(client: Any) -> None:
    from mailsec.freecheck import ratelimit

    with mock.patch.object(ratelimit, "KEY_PREFIX", f"test-{uuid.uuid4().hex}"):
        r = client.post("/check", {"domain": "exa\x00mple.com"})
    assert r.status_code == 400
    page = r.content.decode()
    assert "\x00" not in page
    # What the HTML parser would show for it (WHATWG HTML §13.2.5.36), so the box still
    # shows where the stray character was.
    assert 'value="exa\ufffdmple.com"' in page


@pytest.mark.django_db
def test_the_add_domain_form_gives_no_nul_byte_back(client: Any) -> None:
    from django.contrib.auth.models import User

    from mailsec.accounts.models import Profile, Team

    user = User.objects.create_user("s34g", "s34g@example.org")
    Profile.objects.create(user=user, current_team=Team.create_for(user))
    client.force_login(user)
    r = client.post("/domains/add/", {"name": "exa\x00mple.com"})
    assert r.status_code == 400
    page = r.content.decode()
    assert "Null characters are not allowed" in page
    assert "\x00" not in page
    assert 'value="exa\ufffdmple.com"' in page
