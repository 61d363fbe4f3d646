"""Review s48r5 of s48i's catch-all rule (5f0e164e): an alias at _dmarc, _smtp._tls or _mta-sts
leading to a name in the domain without a '_' label was taken for a web host's catch-all
('*.<d> CNAME <d>', RFC 4592 §2.2.1), and the fix said the record "does not belong" at the
target, "whose own TXT records are looked up for <target> alone". Neither holds for an alias
the owner published: resolvers follow it (RFC 1034 §3.6.2, RFC 7489 §6.1, RFC 8460 §3, RFC
8461 §3.1) and read the target's TXT, so

* '_dmarc.<d> CNAME dmarc.<d>' holding 'v=DMARC1; p=none' (as some DNS UIs set it up) works:
  the fix changes the record at dmarc.<d>, never tells the owner to delete the alias first;
* '_dmarc.<d> CNAME dmarc.<d>' and '_smtp._tls.<d> CNAME tlsrpt.<d>' without a record get the
  ordinary alias words (the record at the target, or the alias deleted), not the catch-all's;
* mailsec's own hosting for a domain that is a parent of the policy zone
  ('_mta-sts.mailsec.example CNAME mailsec.example.policy.mailsec.example.', docs/hosting.md)
  is not taken for a catch-all to be deleted;
* '_dmarc.<d> CNAME <d>' with the apex holding the DMARC record works too: changed there.

A real catch-all ('*.<d> CNAME <d>') keeps the record at the underscore names, and the words
say what is true of a TXT record at the apex: it is the apex's own, answered through the
catch-all for every name below it.
"""

from __future__ import annotations

from typing import Any
from unittest import mock

from checks.findings import Finding
from tests import test_engine_s44e_blind as s44e
from tests.test_engine_s44e_blind import DKIM, Case, mail_domain
from tests.test_engine_s48i_blind import GWS_SPF, DnameDns


def _findings(d: str, zone: dict[Any, Any]) -> list[Finding]:
    with mock.patch.object(s44e, "CnameDns", DnameDns):
        return s44e.run_case(Case("s48r5", d, zone)).findings


def _one(findings: list[Finding], check: str) -> Finding:
    hits = [f for f in findings if f.id == check]
    assert len(hits) == 1, [(f.id, str(f.status), f.summary) for f in findings]
    return hits[0]


def _zone(d: str, **kw: Any) -> dict[Any, Any]:
    return mail_domain(
        d, ["1 smtp.google.com."], spf=GWS_SPF, dkim={"google": DKIM}, more=s44e.GOOGLE_SPF, **kw
    )


def test_s48r5_deliberate_in_zone_dmarc_alias_is_changed_at_its_target() -> None:
    d = "kirkby-joinery.com"
    zone = _zone(d, dmarc=None)
    zone[(f"_dmarc.{d}", "CNAME")] = [f"dmarc.{d}."]
    zone[(f"dmarc.{d}", "TXT")] = [f"v=DMARC1; p=none; rua=mailto:dmarc@{d}"]
    six = _one(_findings(d, zone), "DMARC-06")
    assert str(six.status) == "warn"
    assert f'dmarc.{d}. TXT "v=DMARC1; p=quarantine' in six.fix, six.fix
    assert "the record is changed there" in six.fix, six.fix
    assert "does not belong" not in six.fix and "RFC 4592" not in six.fix, six.fix


def test_s48r5_deliberate_in_zone_aliases_without_records_get_alias_words() -> None:
    d = "sedbergh-surveyors.com"
    zone = _zone(d, dmarc=None, tlsrpt=None)
    zone[(f"_dmarc.{d}", "CNAME")] = [f"dmarc.{d}."]
    zone[(f"dmarc.{d}", "A")] = ["192.0.2.11"]
    zone[(f"_smtp._tls.{d}", "CNAME")] = [f"tlsrpt.{d}."]
    zone[(f"tlsrpt.{d}", "A")] = ["192.0.2.11"]
    findings = _findings(d, zone)
    rpt = _one(findings, "TLSRPT-01")
    assert f'tlsrpt.{d}. TXT "v=TLSRPTv1' in rpt.fix, rpt.fix
    assert "Or, with the alias deleted:" in rpt.fix, rpt.fix
    dm = _one(findings, "DMARC-01")
    for fix in (rpt.fix, dm.fix):
        assert "does not belong" not in fix and "RFC 4592" not in fix, fix
    assert f"_dmarc.{d} is an alias (CNAME) of dmarc.{d}" in dm.summary, dm.summary


def test_s48r5_own_hosting_under_a_parent_of_the_policy_zone_is_no_catch_all() -> None:
    d = "mailsec.example"
    zone = _zone(d)
    zone.pop((f"_mta-sts.{d}", "TXT"), None)
    zone[(f"_mta-sts.{d}", "CNAME")] = [f"{d}.policy.mailsec.example."]
    one = _one(_findings(d, zone), "MTASTS-01")
    assert f"alias (CNAME) of {d}.policy.mailsec.example" in one.summary, one.summary
    assert "does not belong" not in one.fix and "RFC 4592" not in one.fix, one.fix


def test_s48r5_dmarc_alias_to_the_apex_holding_the_record_is_changed_there() -> None:
    d = "dentdale-cheese.com"
    zone = _zone(d, dmarc=None)
    zone[(d, "TXT")] = [GWS_SPF, f"v=DMARC1; p=none; rua=mailto:dmarc@{d}"]
    zone[(f"_dmarc.{d}", "CNAME")] = [f"{d}."]
    six = _one(_findings(d, zone), "DMARC-06")
    assert f'\n{d}. TXT "v=DMARC1; p=quarantine' in "\n" + six.fix, six.fix
    assert "does not belong" not in six.fix, six.fix


def test_s48r5_catch_all_words_say_what_is_true_of_the_apex() -> None:
    d = "garsdale-fells.com"
    zone = _zone(d, tlsrpt=None, dmarc=None)
    zone[(d, "TXT")] = [GWS_SPF, "google-site-verification=Zq9d0m3X1garsdale"]
    zone[(d, "A")] = ["81.2.69.61"]
    zone[(f"*.{d}", "CNAME")] = [f"{d}."]
    findings = _findings(d, zone)
    for check, name, version in (
        ("MTASTS-01", f"_mta-sts.{d}", "v=STSv1"),
        ("TLSRPT-01", f"_smtp._tls.{d}", "v=TLSRPTv1"),
        ("DMARC-01", f"_dmarc.{d}", "v=DMARC1"),
    ):
        fix = _one(findings, check).fix
        assert f'{name}. TXT "{version}' in fix, (check, fix)
        assert f"The record does not belong at {d}: that is the domain itself" in fix, fix
        assert "for every name below it" in fix, fix
        assert "looked up for" not in fix, (check, fix)
