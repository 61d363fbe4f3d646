"""Round s19z: a name that does not exist (NXDOMAIN at the name itself) has no score, neither
0/100 nor anything else, and gets no advice to enable anything; a name that exists without
records (NODATA) is scored as before. The engine runs against an in-memory DNS."""

from __future__ import annotations

from checks import scoring
from checks.findings import Status
from tests.test_engine_s19z_nomail import check, free_port, one


def test_a_name_that_does_not_exist_has_no_score_and_no_advice() -> None:
    report = check("typo.example.org", {}, free_port("127.0.143.7"))
    assert report.score is None
    assert report.score_detail[scoring.DOES_NOT_EXIST] is True
    assert one(report, "MX-01").status == Status.FAIL
    assert "does not exist in DNS (NXDOMAIN)" in one(report, "MX-01").summary
    assert one(report, "MX-01").evidence["rcode"] == "NXDOMAIN"  # the free check reads it
    others = [f for f in report.findings if f.id != "MX-01"]
    assert others and all(f.status == Status.NA for f in others)
    assert not any(f.fix for f in report.findings)  # nothing to enable on a missing name
    assert "DNSSEC-signed" not in " ".join(f.summary for f in report.findings)
    scope = scoring.score_scope(report.score_detail, (f.id for f in report.findings))
    assert scope["counted_categories"] == [] and not scope["receives_no_mail"]
    assert scope["score_coverage"] == {"checked": 0, "of": 0, "enough": True}


def test_a_name_that_exists_without_records_keeps_its_score() -> None:
    # NODATA everywhere (an empty non-terminal or a name with only a TXT) is a name that
    # exists: it is rated as before.
    name = "empty.example.org"
    report = check(name, {(name, "TXT"): ['"hello"']}, free_port("127.0.143.8"))
    assert report.score == 0
    assert not report.score_detail.get(scoring.DOES_NOT_EXIST)
    assert one(report, "SMTP-01").status == Status.FAIL


def test_an_alias_to_a_missing_name_is_not_called_missing_itself() -> None:
    name = "alias.example.org"
    report = check(name, {}, free_port("127.0.143.9"), cnames={name: "gone.example.net"})
    mx01 = one(report, "MX-01")
    assert mx01.status == Status.FAIL and "alias (CNAME) for gone.example.net" in mx01.summary
    assert report.score is not None
