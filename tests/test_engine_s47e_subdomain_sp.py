"""sp= on a DMARC record published at a subdomain's own _dmarc name (task s47e item 1).

RFC 9989 §4.10.1 (DMARC Policy Discovery): the policy applied is the record of the From domain,
else of its Organizational Domain, else of its Public Suffix Domain; from the From domain's own
record p= applies, from the other two sp= (np= for a name that does not exist). §4.7's sp: "sp
will be ignored for DMARC records published on subdomains of Organizational Domains". RFC 7489
§6.3 says the same; its Organizational Domain is the registered domain (PSL, §3.2).

So for _dmarc.sub.example.com holding sp=:
* mail from sub.example.com itself gets its p=, in both views;
* names below it, when example.com publishes a record (the Organizational Domain in both
  views), get example.com's sp= (or p=): sub's sp= applies nowhere. The engine said so, but
  as "below the organisational domain example.com, where receivers ignore sp", which reads as
  if receivers ignored example.com's sp, the one that applies; it now says what applies where;
* when example.com publishes none (or sub's record says psd=n), RFC 9989's tree walk takes
  sub.example.com for the Organizational Domain, so its sp= does apply below it, but RFC 7489
  receivers still take example.com (PSL) and find no record there: no DMARC for those names.
  The engine was silent, or warned of sp=none as if removing it protected every receiver;
  an info now says sp= applies at RFC 9989 receivers only.
No network: in-memory DNS (run_engine).
"""

from __future__ import annotations

from typing import Any

from checks import dmarc
from checks.findings import Finding
from tests.blind_engine import run_engine

ORG = "example.com"
D = f"sub.{ORG}"
RUA = f"rua=mailto:d@{ORG}"


def dmarc07(own: str, parent: str | None) -> list[Finding]:
    zone: dict[Any, Any] = {
        (D, "MX"): ["10 mx1.example.net."],
        (ORG, "MX"): ["10 mx1.example.net."],
        (D, "TXT"): ["v=spf1 include:example.net -all"],
        ("example.net", "TXT"): ["v=spf1 ip4:192.0.2.0/24 -all"],
        (f"_dmarc.{D}", "TXT"): [own],
    }
    if parent is not None:
        zone[(f"_dmarc.{ORG}", "TXT")] = [parent]
    return [f for f in run_engine(dmarc, D, zone).findings if f.id == "DMARC-07"]


def test_sp_below_the_organisational_domain_says_what_applies_where() -> None:
    (info,) = dmarc07(f"v=DMARC1; p=none; sp=reject; {RUA}", f"v=DMARC1; p=quarantine; {RUA}")
    assert info.status == "info"
    text = info.summary
    assert "where receivers ignore sp" not in text, text
    assert text == (
        f"sp= has no effect here: receivers ignore sp on a record below the organisational "
        f"domain, {ORG} (RFC 7489 §6.3, RFC 9989 §4.7). Mail from {D} itself gets this "
        f"record's p=none; names below {D} without a record of their own get the policy of "
        f"_dmarc.{ORG} (its sp=, or its p= without one), never this record's (RFC 7489 §6.6.3, "
        "RFC 9989 §4.10.1)."
    ), text


def test_sp_of_a_subdomain_without_parent_record_applies_at_rfc_9989_receivers_only() -> None:
    found = dmarc07(f"v=DMARC1; p=reject; sp=reject; {RUA}", None)
    assert [f.status for f in found] == ["info"], [(f.status, f.summary) for f in found]
    assert found[0].summary == (
        f"sp=reject applies to names below {D} at RFC 9989 receivers only: their DNS tree walk "
        f"finds no DMARC record above {D}, so {D} is the organisational domain and names below "
        f"it without a record of their own get this sp= (RFC 9989 §4.10.1). RFC 7489 receivers "
        f"take {ORG}, the registered domain, for the organisational domain and look for those "
        f"names' policy at _dmarc.{ORG}, which publishes none: they apply no DMARC to them "
        "(RFC 7489 §6.6.3)."
    ), found[0].summary


def test_sp_none_there_keeps_its_warning_beside_the_info() -> None:
    found = dmarc07(f"v=DMARC1; p=reject; sp=none; {RUA}", None)
    assert sorted(str(f.status) for f in found) == ["info", "warn"]
    warn = next(f for f in found if f.status == "warn")
    assert warn.summary.startswith("sp=none leaves subdomains of")


def test_psd_n_at_the_subdomain_sends_rfc_7489_receivers_to_the_parent_record() -> None:
    found = dmarc07(f"v=DMARC1; p=reject; sp=reject; psd=n; {RUA}", f"v=DMARC1; p=none; {RUA}")
    infos = [f for f in found if f.status == "info"]
    assert len(infos) == 1, [(f.status, f.summary) for f in found]
    assert f"its record says psd=n, so {D} is the organisational domain" in infos[0].summary
    assert (
        f"look for those names' policy at _dmarc.{ORG}: they get its sp=, or its p= without "
        "one (RFC 7489 §6.6.3)." in infos[0].summary
    ), infos[0].summary


def test_a_registered_domains_own_sp_gets_no_such_note() -> None:
    # Control: sp= at the registered domain is the Organizational Domain's in both views.
    zone: dict[Any, Any] = {
        (ORG, "MX"): ["10 mx1.example.net."],
        (f"_dmarc.{ORG}", "TXT"): [f"v=DMARC1; p=reject; sp=quarantine; {RUA}"],
    }
    found = [f for f in run_engine(dmarc, ORG, zone).findings if f.id == "DMARC-07"]
    assert found == [], [(f.status, f.summary) for f in found]
