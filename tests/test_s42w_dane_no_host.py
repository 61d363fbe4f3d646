"""Task s42w, item 3: DANE-01 said "<domain> receives no mail (null MX): DANE does not apply"
whenever the MX host list was empty, not only for a null MX. mx.get_mx gives an empty list
only for a null MX: with no MX record the domain itself is the MX (implicit MX, RFC 5321
§5.1) and DANE looks at _25._tcp.<domain>; a failed MX lookup is DANE-01's "could not be
looked up". What DANE had no host name for otherwise were MX records naming IP addresses
(MX-05): it said nothing at all there. Now each case says its own reason."""

from __future__ import annotations

import asyncio
from typing import Any
from unittest import mock

from checks import dane, mx, starttls
from checks.config import CheckConfig
from checks.context import CheckContext
from checks.dns import DnsAnswer
from checks.findings import Finding, Status
from tests.test_mx import FakeDns

D = "s42w-dane.test"


def _dane(zone: dict[Any, Any]) -> list[Finding]:
    async def probe_mx(_ctx: object, host: str, address: str) -> object:
        raise AssertionError(f"no probe expected ({host} {address})")

    ctx = CheckContext(D, CheckConfig(allow_private_targets=True), dns=FakeDns(zone, ad=True))  # type: ignore[arg-type]
    starttls.clear_cache()
    try:
        with mock.patch.object(starttls, "probe_mx", probe_mx):
            return asyncio.run(dane.evaluate(ctx))
    finally:
        starttls.clear_cache()


def _only(findings: list[Finding]) -> Finding:
    (found,) = findings
    assert found.id == "DANE-01", found
    return found


def test_a_null_mx_reads_as_before() -> None:
    found = _only(_dane({(D, "MX"): ["0 ."]}))
    assert found.status == Status.NA
    assert found.summary == f"{D} receives no mail (null MX): DANE does not apply."


def test_no_mx_record_is_the_implicit_mx_not_a_null_mx() -> None:
    # RFC 5321 §5.1: the domain itself is the MX. DANE looks at _25._tcp.<domain>.
    findings = _dane({})
    assert findings, "DANE says something of the implicit MX"
    assert not any("null MX" in f.summary for f in findings), findings
    assert any(f"_25._tcp.{D}" in f.summary for f in findings), findings


def test_an_mx_lookup_that_failed_is_could_not_check() -> None:
    failed = DnsAnswer(name=D, rdtype="MX", rcode="SERVFAIL")
    with mock.patch.object(
        mx, "get_mx", mock.AsyncMock(return_value=mx.MxSet(failed, failed=True))
    ):
        found = _only(_dane({}))
    assert found.status == Status.ERROR
    assert "could not be looked up" in found.summary and "null MX" not in found.summary


def test_mx_records_naming_only_ip_addresses_say_so() -> None:
    found = _only(_dane({(D, "MX"): ["10 192.0.2.25."]}))
    assert found.status == Status.NA
    assert "null MX" not in found.summary and "receives no mail" not in found.summary
    assert found.summary == (
        f"The MX target 192.0.2.25 of {D} is no host name (see MX-05): DANE senders look "
        "TLSA records up under the MX host's name (RFC 7672 §2.2.3), so DANE does not apply."
    )


def test_two_ip_address_targets_are_counted_as_two() -> None:
    found = _only(_dane({(D, "MX"): ["10 192.0.2.25.", "20 192.0.2.26."]}))
    assert found.status == Status.NA
    assert found.summary.startswith(
        f"The MX targets 192.0.2.25, 192.0.2.26 of {D} are no host names (see MX-05)"
    ), found.summary


def test_an_empty_host_list_that_is_no_null_mx_is_not_called_one() -> None:
    # Not made by mx.get_mx today (see the module docstring); if it ever were, DANE must not
    # invent a null MX: it could not tell which hosts to look at.
    answer = DnsAnswer(name=D, rdtype="MX", rcode="NOERROR")
    with mock.patch.object(mx, "get_mx", mock.AsyncMock(return_value=mx.MxSet(answer))):
        found = _only(_dane({}))
    assert found.status == Status.ERROR
    assert "null MX" not in found.summary and "receives no mail" not in found.summary


def test_an_ip_address_beside_a_host_name_leaves_the_host_judged() -> None:
    # Control (before and after): DANE judges the host name; MX-05 has the address.
    findings = _dane({(D, "MX"): ["10 192.0.2.25.", f"20 mx1.{D}."]})
    assert any(f.id == "DANE-01" and f.subject == f"_25._tcp.mx1.{D}" for f in findings), findings
    assert not any("no host name" in f.summary for f in findings), findings
