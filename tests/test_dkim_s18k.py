"""DKIM-01 at a selector the owner gave whose name holds a TXT that is not a key (blind lab
round s18k, s18k-dkimspf): the record is discarded (RFC 6376 §3.6.1), and the finding says
what stands there instead of only 'no key'."""

from __future__ import annotations

import asyncio

from checks import dkim
from checks.config import CheckConfig
from checks.context import CheckContext
from checks.findings import Finding, Status
from tests.test_dkim import ed_b64
from tests.test_mx import FakeDns

D = "example.com"


def run(zone: dict[tuple[str, str], list[str] | str], cnames: dict[str, str]) -> list[Finding]:
    config = CheckConfig(extra_public_suffixes=("test",), dkim_selectors=("s1", "mk1"))
    ctx = CheckContext(D, config, dns=FakeDns(zone, cnames=cnames))  # type: ignore[arg-type]
    return asyncio.run(dkim.evaluate(ctx))


def test_it_names_the_spf_record_behind_a_selector_alias() -> None:
    zone: dict[tuple[str, str], list[str] | str] = {
        (f"s1._domainkey.{D}", "TXT"): [f'"v=DKIM1; k=ed25519; p={ed_b64()}"'],
        ("mailer.test", "TXT"): ['"v=spf1 ip4:192.0.2.0/29 -all"'],
    }
    findings = run(zone, {f"mk1._domainkey.{D}": "mailer.test"})
    (f,) = [f for f in findings if f.id == "DKIM-01" and f.subject == f"mk1._domainkey.{D}"]
    assert f.status == Status.INFO  # discarded, so 'no key': the status does not change
    assert "'mk1' you gave" in f.summary
    assert "an alias of mailer.test" in f.summary, f.summary
    assert "v=spf1 ip4:192.0.2.0/29 -all" in f.summary, f.summary
    assert not [f for f in findings if f.status in (Status.FAIL, Status.WARN)]


def test_a_selector_with_nothing_at_its_name_says_only_no_key() -> None:
    zone: dict[tuple[str, str], list[str] | str] = {
        (f"s1._domainkey.{D}", "TXT"): [f'"v=DKIM1; k=ed25519; p={ed_b64()}"'],
    }
    findings = run(zone, {})
    (f,) = [f for f in findings if f.id == "DKIM-01" and f.subject == f"mk1._domainkey.{D}"]
    assert f.summary == "No DKIM key is published for the selector 'mk1' you gave."
