"""Round s28v: a second reading of this session's engine changes, pinned with tests.test_mx's
fake DNS (no lab)."""

from __future__ import annotations

import pytest

from checks import mx
from checks.findings import Finding, Status
from tests.test_mx import make_ctx, run_eval


def _mx07(zone: dict) -> Finding:  # type: ignore[type-arg]
    hits = [f for f in run_eval(mx, make_ctx("ex.com", zone)) if f.id == "MX-07"]
    assert len(hits) == 1, [(f.id, f.status, f.summary) for f in hits]
    assert hits[0].status == Status.INFO
    return hits[0]


# MX-07's fix for a '_' in the MX name (71f3607) replaced each '_' by '-': '_mx' became '-mx'
# and 'mail_' 'mail-', labels that may not begin or end with '-' (RFC 952, RFC 1123 §2.1), so
# the record offered was one MX-07 flags again.
@pytest.mark.parametrize(
    ("target", "offered"),
    [("_mx.ex.com", "ex.com. MX 10 mx.ex.com."), ("mail_.ex.com", "ex.com. MX 10 mail.ex.com.")],
)
def test_mx07_offers_a_host_name_that_is_letters_digits_and_hyphens(
    target: str, offered: str
) -> None:
    finding = _mx07({("ex.com", "MX"): [f"10 {target}."], (target, "A"): ["192.0.2.1"]})
    assert offered in finding.fix
    assert " -" not in finding.fix and "-." not in finding.fix


# ...and a '_' in a provider's name ('mx.my_provider.net') offered 'mx.my-provider.net': a
# different domain, which the owner does not hold and whose servers are nobody's mail host.
def test_mx07_does_not_point_the_mx_into_another_domain() -> None:
    target = "mx.my_provider.net"
    finding = _mx07({("ex.com", "MX"): [f"10 {target}."], (target, "A"): ["192.0.2.1"]})
    assert "my-provider.net" not in (finding.fix or "")
    assert "my_provider.net" in finding.fix  # says whose name it is


def test_mx07_keeps_the_hyphen_fix_for_a_name_in_the_domain() -> None:
    target = "mail_in.ex.com"
    finding = _mx07({("ex.com", "MX"): [f"10 {target}."], (target, "A"): ["192.0.2.1"]})
    assert "ex.com. MX 10 mail-in.ex.com." in finding.fix


def test_mx07_names_no_other_owner_for_a_name_in_the_domain_it_cannot_rename() -> None:
    # '_' and raw UTF-8 in one label: no plain name can be made of it, yet the name is the
    # owner's own, not one to ask another domain's keeper about.
    target = "m\\195\\188n_chen.ex.com"
    finding = _mx07({("ex.com", "MX"): [f"10 {target}."], (target, "A"): ["192.0.2.1"]})
    assert "ask whoever runs" not in finding.fix
    assert f"in place of the record ex.com. MX 10 {target}." in finding.fix


# --------------------------------------------------------------- SPF-19 (5dba1d5's words)
def _spf19(record: str) -> Finding:
    from checks import spf
    from tests.test_spf import run

    zone = {
        ("ex.com", "TXT"): [record],
        ("ex.com", "MX"): ["10 mx.ex.com."],
        ("mx.ex.com", "A"): ["192.0.2.1"],
    }
    [finding] = [f for f in run(spf, "ex.com", zone) if f.id == "SPF-19"]
    assert finding.status == Status.WARN
    return finding


def test_spf19_range_after_all_is_not_said_to_give_a_result() -> None:
    # Receivers stop at '~all' (RFC 7208 §4.6.2, §5.1): '-ip4:0.0.0.0/0' after it gives
    # nothing to anyone, yet read "it gives 'fail' to every IPv4 address that no term before
    # it passes".
    finding = _spf19("v=spf1 mx ~all -ip4:0.0.0.0/0")
    assert "gives 'fail'" not in finding.summary
    assert "never" in finding.summary and "'~all'" in finding.summary


def test_spf19_range_gives_its_result_to_the_addresses_no_earlier_term_matches() -> None:
    # An earlier '-mx' decides for the MX's address (fail), so '~ip4:0.0.0.0/0' gives softfail
    # to the addresses no term before it matches, not to those none passes.
    finding = _spf19("v=spf1 -mx ~ip4:0.0.0.0/0")
    assert "no term before it matches" in finding.summary


# ------------------------------------------- TLS-RPT: the fix keeps the owner's address
@pytest.mark.parametrize(
    "record", ["v=TLSRPTv1 rua=mailto:tls@ex.com", "v=TLSRPTv2 rua=mailto:tls@ex.com"]
)
def test_tlsrpt04_fix_keeps_the_address_of_a_record_without_its_semicolon(record: str) -> None:
    # The ';' after the version left out: senders discard the record (RFC 8460 §3), and the
    # fix offered a made-up tls-reports@ mailbox in place of the owner's tls@ (the salvage read
    # a rua only after ';' or ',', as in 'v=TLSRPTv1, rua=...').
    import asyncio

    from checks import tlsrpt
    from tests.test_engine_s26c_blind import CnameDns
    from tests.test_engine_s28t_blind import site
    from tests.test_spf import make_ctx

    zone = site("ex.com", record)
    ctx = make_ctx("ex.com", zone)
    ctx.dns = CnameDns(zone)  # type: ignore[assignment]
    found = asyncio.run(tlsrpt.evaluate(ctx))
    [finding] = [f for f in found if f.id == "TLSRPT-04" and f.status == Status.FAIL]
    assert '"v=TLSRPTv1; rua=mailto:tls@ex.com"' in finding.fix
    assert "tls-reports@" not in finding.fix
