"""DANE-03 (TLSA records behind an insecure MX RRset) tells what Postfix really does.

It said Postfix "does not use DANE at all for such a domain ('non DNSSEC destination')". Postfix
with smtp_tls_security_level = dane keeps using a host's secure TLSA records behind an insecure
MX RRset (its smtp_tls_dane_insecure_mx_policy then defaults to "dane", postconf(5)); it only
logs the session as "Trusted" instead of "Verified". The lab oracle shows it:
`posttls-finger -l dane s8-insecuremx.lab.test` logs "MX RRset insecure: log verified as
trusted", matches the 3 1 1 record and requires it (tests/test_dane_oracle.py). Exim is the one
that uses DANE only behind a DNSSEC-secure MX RRset.
"""

from __future__ import annotations

from types import SimpleNamespace

from checks import dane
from checks.config import CheckConfig
from checks.context import CheckContext
from checks.findings import Collector, Mechanism, Status

HOST = "mx1.provider.example"


def _dane03() -> str:
    record = dane.parse_tlsa_text("3 1 1 " + "ab" * 32).record
    assert record is not None
    state = dane.TlsaState(
        host=HOST, base=HOST, qname=f"_25._tcp.{HOST}", records=[record], secure=True
    )
    mxset = SimpleNamespace(
        implicit=False, answer=SimpleNamespace(ad=False, evidence=lambda: {"ad": False})
    )
    host = SimpleNamespace(name=HOST, bogus=False, addresses=[])
    out = Collector(Mechanism.DANE)
    ctx = CheckContext("customer.example", CheckConfig())
    dane._host_findings(out, ctx, host, state, [], mxset)
    (finding,) = [f for f in out.findings if f.id == "DANE-03"]
    assert finding.status == Status.WARN
    return finding.summary


def test_it_does_not_say_postfix_ignores_dane_behind_an_insecure_mx() -> None:
    text = _dane03()
    assert "non DNSSEC destination" not in text
    assert "Postfix and Exim" not in text
    # What Postfix does instead, and who does ignore the records.
    assert "'Trusted'" in text
    assert "Exim" in text
    assert "RFC 7672 §2.2.1" in text
