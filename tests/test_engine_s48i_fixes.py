"""The engine faults blind round s48i found (tests/test_engine_s48i_blind.py), each against the
round's harness (a whole-engine run over an in-memory zone with wildcard owners and DNAMEs
answered as resolvers answer them):

* 'v=STSv1; ID=...': MTASTS-05 said only "the record has no id field" beside MTASTS-07's
  "unknown field ID=... is ignored", and offered a new id; it now says the id's name is in
  capitals (RFC 8461 §3.1, %s"id=") and how to write it, the owner's id kept;
* an _mta-sts alias whose target does not exist: MTASTS-01 named no alias, and its fix put a
  TXT record at _mta-sts beside the CNAME (RFC 1034 §3.6.2); it now names the alias and its
  missing target, and puts the record there or at _mta-sts with the alias deleted, as
  TLSRPT-01 does for _smtp._tls;
* a catch-all alias ('*.<d> CNAME <d>', RFC 4592 §2.2.1) answering _mta-sts, _smtp._tls and
  _dmarc with the apex's TXT: TLSRPT-01 and DMARC-01 (and the new MTASTS-01 words) told the
  owner to publish the record at the alias's target, the apex itself, where it is never
  looked up; the record now goes at the underscore name;
* a domain with a DNAME at its apex and no MX: MX-01 did not say that a DNAME never
  redirects its owner (RFC 6672 §2.3); it now does and offers the target's MX records.

Controls: an _mta-sts alias to a provider that publishes the record, and a _smtp._tls alias
to a vendor name without a record, keep their words.
"""

from __future__ import annotations

from typing import Any
from unittest import mock

from checks.findings import Finding
from tests import test_engine_s44e_blind as s44e
from tests.test_engine_s44e_blind import DKIM, Case, mail_domain, policy, served
from tests.test_engine_s48i_blind import CASES, GWS_SPF, DnameDns


def _findings(case: Case) -> list[Finding]:
    with mock.patch.object(s44e, "CnameDns", DnameDns):
        return s44e.run_case(case).findings


def _case(name: str) -> Case:
    return next(c for c in CASES if c.name == name)


def _one(findings: list[Finding], check: str, status: str | None = None) -> Finding:
    hits = [f for f in findings if f.id == check and (status is None or str(f.status) == status)]
    assert len(hits) == 1, [(f.id, str(f.status), f.summary) for f in findings]
    return hits[0]


def test_sts_id_in_capitals_is_named_and_the_owners_id_kept() -> None:
    findings = _findings(_case("sts-record-id-in-capitals"))
    five = _one(findings, "MTASTS-05", "fail")
    assert "'ID=20261203'" in five.summary
    assert "lower case" in five.summary
    assert "'v=STSv1; id=20261203'" in five.summary
    assert not any(f.id == "MTASTS-07" and "ID=" in f.summary for f in findings)


def test_sts_alias_to_missing_target_is_named_and_no_txt_beside_it() -> None:
    d = "harrowgate-vets.com"
    target = f"{d}._mta-sts.sts.mailfilter-msp.net"
    one = _one(_findings(_case("sts-record-cname-to-msp-tenant-nxdomain")), "MTASTS-01")
    assert f"alias (CNAME) of {target}, which does not exist" in one.summary
    assert f'{target}. TXT "v=STSv1; id=' in one.fix
    assert "cannot sit beside the alias" in one.fix
    assert "Or, with the alias deleted:" in one.fix


def test_catch_all_alias_records_go_at_the_underscore_names() -> None:
    d = "pendle-brewing.com"
    zone = mail_domain(
        d,
        ["1 smtp.google.com."],
        spf=GWS_SPF,
        tlsrpt=None,
        dmarc=None,
        dkim={"google": DKIM},
        more=s44e.GOOGLE_SPF,
    )
    zone[(d, "TXT")] = [GWS_SPF, "google-site-verification=Zq9d0m3X1pendle"]
    zone[(d, "A")] = ["81.2.69.60"]
    zone[(f"*.{d}", "CNAME")] = [f"{d}."]
    findings = _findings(Case("catch-all", d, zone))
    for check, name, version in (
        ("MTASTS-01", f"_mta-sts.{d}", "v=STSv1"),
        ("TLSRPT-01", f"_smtp._tls.{d}", "v=TLSRPTv1"),
        ("DMARC-01", f"_dmarc.{d}", "v=DMARC1"),
    ):
        fix = _one(findings, check).fix
        assert f'{name}. TXT "{version}' in fix, (check, fix)
        assert f'\n{d}. TXT "{version}' not in fix and not fix.startswith(f"{d}. TXT"), (
            check,
            fix,
        )
        assert "RFC 4592" in fix, (check, fix)


def test_dname_at_apex_without_mx_is_named_with_the_targets_mx() -> None:
    mx1 = _one(_findings(_case("dname-sister-apex-left-empty")), "MX-01", "warn")
    assert "DNAME to ashdown-outdoor.com" in mx1.summary
    assert "RFC 6672 §2.3" in mx1.summary
    assert "ashdown-outdoor.fr. MX 10 mx1.ashdown-outdoor.com." in mx1.fix


def _provider_zone(d: str, more: dict[Any, Any]) -> dict[Any, Any]:
    zone = mail_domain(
        d, ["1 smtp.google.com."], spf=GWS_SPF, dkim={"google": DKIM}, more=s44e.GOOGLE_SPF
    )
    zone.update(more)
    return zone


def test_controls_provider_aliases_keep_their_words() -> None:
    d = "ingleton-books.com"
    zone = _provider_zone(
        d,
        {
            (f"_mta-sts.{d}", "CNAME"): [f"{d}.sts.stsprovider.net."],
            (f"{d}.sts.stsprovider.net", "TXT"): ["v=STSv1; id=20261201"],
            (f"mta-sts.{d}", "A"): ["185.199.108.153"],
            (f"_smtp._tls.{d}", "CNAME"): [f"{d}.rpt.rptvendor.net."],
            ("rpt.rptvendor.net", "A"): ["192.0.2.7"],
        },
    )
    zone.pop((f"_smtp._tls.{d}", "TXT"))
    findings = _findings(Case("control", d, zone, files=served(d, policy("smtp.google.com"))))
    assert _one(findings, "MTASTS-01").status == "pass"
    rpt = _one(findings, "TLSRPT-01")
    assert f'{d}.rpt.rptvendor.net. TXT "v=TLSRPTv1' in rpt.fix
    assert "RFC 4592" not in rpt.fix
