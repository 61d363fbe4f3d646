"""DANE-03 is about the domain's MX records, so it is said once, however many MX hosts have
TLSA records (it was said once per such host, word for word: the CLI printed "The MX records
of f01.lab.test are DNSSEC-secure." twice; review s18c)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from checks import dane
from checks.config import CheckConfig
from checks.context import CheckContext
from checks.findings import Collector, Mechanism, Status


@pytest.mark.parametrize("secure_mx", [True, False])
def test_two_mx_hosts_with_tlsa_get_one_dane03(secure_mx: bool) -> None:
    record = dane.parse_tlsa_text("3 1 1 " + "ab" * 32).record
    assert record is not None
    mxset = SimpleNamespace(
        implicit=False, answer=SimpleNamespace(ad=secure_mx, evidence=lambda: {"ad": secure_mx})
    )
    out = Collector(Mechanism.DANE)
    ctx = CheckContext("customer.example", CheckConfig())
    for name in ("mx1.customer.example", "mx2.customer.example"):
        state = dane.TlsaState(
            host=name, base=name, qname=f"_25._tcp.{name}", records=[record], secure=True
        )
        host = SimpleNamespace(name=name, bogus=False, addresses=[])
        dane._host_findings(out, ctx, host, state, [], mxset)
    (finding,) = [f for f in out.findings if f.id == "DANE-03"]
    assert finding.status == (Status.PASS if secure_mx else Status.WARN)
    assert finding.subject == "customer.example"
    # Each host's own findings are still there.
    assert {f.subject for f in out.findings if f.id == "DANE-04"} == {
        "_25._tcp.mx1.customer.example",
        "_25._tcp.mx2.customer.example",
    }
