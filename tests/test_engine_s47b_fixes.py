"""What blind round s47b (tests/test_engine_s47b_blind.py) found wrong in the engine, each with
a control that must keep its old reading.

* DMARC-19 warned that RFC 7489 and RFC 9989 receivers 'read the policy differently' under
  'p=quarantine; pct=0; t=y', though both apply none now: pct=0 gives RFC 7489 receivers'
  failing mail the next policy down (RFC 7489 §6.6.4), and t=y, which RFC 9989 App. A.6 made
  the analogue of pct=0, does the same for RFC 9989 receivers (§4.7). The checklist's DMARC-19
  warns when the effective policies differ; they do not, so it passes, naming both tags.
* SPF-01 at a name without SPF whose MX is Mailgun's (mg.<d>, mxa/mxb.mailgun.org, Mailgun's
  bounce and receiving name) offered 'v=spf1 mx ~all': that authorises Mailgun's inbound
  hosts, not the servers that send for it. Mailgun's own guide gives 'include:mailgun.org'
  beside those MX records; the starting record now names it, as it does for Google Workspace.
"""

from __future__ import annotations

from typing import Any

from checks import dmarc, spf
from checks.findings import Finding
from tests.blind_engine import run_engine

D = "trial.example.com"
RUA = f"rua=mailto:dmarc@{D}"


def zone(record: str) -> dict[Any, Any]:
    return {
        (D, "MX"): [f"10 mx1.{D}."],
        (f"mx1.{D}", "A"): ["192.0.2.25"],
        (D, "TXT"): ["v=spf1 mx -all"],
        (f"_dmarc.{D}", "TXT"): [record],
    }


def one(findings: list[Finding], check: str) -> Finding:
    found = [f for f in findings if f.id == check]
    assert len(found) == 1, [(f.id, f.status, f.summary) for f in findings]
    return found[0]


def dmarc19(record: str) -> Finding:
    return one(run_engine(dmarc, D, zone(record)).findings, "DMARC-19")


def test_pct_0_beside_t_y_applies_the_same_policy_in_both_views() -> None:
    for written, now in (("quarantine", "none"), ("reject", "quarantine")):
        views = dmarc19(f"v=DMARC1; p={written}; pct=0; t=y; {RUA}")
        assert views.status == "pass", views.summary
        assert f"apply the same policy to {D} now: {now}" in views.summary
        assert "pct=0" in views.summary and "t=y" in views.summary
        assert not views.fix


def test_either_trial_tag_alone_still_parts_the_views() -> None:
    # Controls: pct=0 without t=y (RFC 9989 receivers apply the written policy), t=y with
    # pct=50 (RFC 7489 receivers apply it to half), and pct=0 with t=n.
    for record in (
        f"v=DMARC1; p=quarantine; pct=0; {RUA}",
        f"v=DMARC1; p=reject; pct=50; t=y; {RUA}",
        f"v=DMARC1; p=reject; pct=0; t=n; {RUA}",
    ):
        assert dmarc19(record).status == "warn", record


MG = f"mg.{D}"


def spf01(mx: list[str]) -> Finding:
    zone: dict[Any, Any] = {(MG, "MX"): mx}
    for record in mx:
        zone[(record.split()[1].rstrip("."), "A")] = ["34.160.63.108"]
    return one(run_engine(spf, MG, zone).findings, "SPF-01")


def test_an_mx_at_mailgun_starts_with_mailguns_include() -> None:
    found = spf01(["10 mxa.mailgun.org.", "10 mxb.mailgun.org."])
    assert found.status == "warn"
    assert found.fix == f'{MG}. TXT "v=spf1 include:mailgun.org ~all"'
    assert "Mailgun" in found.summary
    # The EU region's hosts (mxa.eu.mailgun.org) are Mailgun's too.
    eu = spf01(["10 mxa.eu.mailgun.org.", "10 mxb.eu.mailgun.org."])
    assert eu.fix == f'{MG}. TXT "v=spf1 include:mailgun.org ~all"'
    # Control: the domain's own MX host still starts with 'mx'.
    own = spf01([f"10 in.{D}."])
    assert own.fix == f'{MG}. TXT "v=spf1 mx ~all"'
