"""What blind round s32m (tests/test_lab_s32m_blind.py) found the engine saying wrong, pinned
without the lab (tests.test_mx's fake DNS)."""

from __future__ import annotations

from checks import mtasts
from checks.findings import Finding, Status
from tests.test_mx import make_ctx, run_eval

ZONE: dict[tuple[str, str], list[str] | str] = {
    ("ex.com", "MX"): ["10 mx1.ex.com."],
    ("mx1.ex.com", "A"): ["192.0.2.10"],
    ("_mta-sts.ex.com", "TXT"): ['"v=STSv1; id=20261203"'],
    ("prov.example", "A"): ["192.0.2.80"],
}


def _mtasts11(cnames: dict[str, str] | None) -> Finding:
    findings = run_eval(mtasts, make_ctx("ex.com", ZONE, cnames=cnames))
    hits = [f for f in findings if f.id == "MTASTS-11" and f.status == Status.FAIL]
    assert len(hits) == 1, [(f.id, f.status, f.summary) for f in findings]
    return hits[0]


def test_mtasts11_names_the_missing_target_of_a_dangling_policy_host_cname() -> None:
    # s32m-polhostdangling: mta-sts.<d> is a CNAME left to a cancelled provider's name, which
    # no longer exists; the resolver answers NXDOMAIN for the end of the chain (RFC 1034
    # §3.6.2, RFC 6604 §2). MTASTS-11 said 'mta-sts.ex.com does not exist in DNS' and asked
    # for A/AAAA records 'or a CNAME to a hosting service', sending the owner after a name
    # that does exist and a CNAME they have.
    finding = _mtasts11({"mta-sts.ex.com": "sts.gone.prov.example"})
    assert "sts.gone.prov.example" in finding.summary
    assert "mta-sts.ex.com does not exist" not in finding.summary
    assert "CNAME" in finding.summary
    assert "sts.gone.prov.example" in finding.fix
    assert finding.fix.startswith("Point the CNAME mta-sts.ex.com")


def test_mtasts11_for_a_policy_host_without_any_record_is_unchanged() -> None:
    # Control: no CNAME, the name itself does not exist.
    finding = _mtasts11(None)
    assert "mta-sts.ex.com does not exist in DNS (NXDOMAIN)" in finding.summary
    assert finding.fix.startswith("Publish A/AAAA records for mta-sts.ex.com")
