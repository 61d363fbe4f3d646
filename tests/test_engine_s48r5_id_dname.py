"""Review s48r5 of s48i (5f0e164e), MTASTS-05 for an id written in capitals and MX-01's DNAME
words:

* 'v=STSv1; ID=...; id=...' has its id: sts-ext-name allows capitals (RFC 8461 §3.1), so
  'ID=' is an extension beside the record's id, and senders read the record. s48i's rule
  failed it ("find no id and discard the record") and offered 'id=...; id=...'. 'Id=' and
  'iD=' alone are named as the id in capitals; 'V=STSv1' stays MTASTS-04 (%s"v=STSv1");
* the DNAME query is asked only for a domain without MX records; a DNAME lookup that failed
  claims nothing; a DNAME whose target's MX lookup failed does not say "as <target>'s are at
  <target>": the failure is named and no records are offered.
"""

from __future__ import annotations

from typing import Any
from unittest import mock

from checks import mx
from checks.mtasts import parse_sts_record
from tests import blind_engine as be
from tests.test_engine_s48i_blind import DnameDns


def _problems(raw: str) -> list[tuple[str, str, str]]:
    return [(p.check_id, str(p.status), p.message) for p in parse_sts_record(raw).problems]


def test_s48r5_capital_id_beside_the_id_is_an_extension() -> None:
    for raw in ("v=STSv1; ID=20261203; id=20261203", "v=STSv1; id=2; ID=1", "v=STSv1; ID=1; id=2"):
        record = parse_sts_record(raw)
        assert record.id in ("20261203", "2"), raw
        problems = _problems(raw)
        assert not [p for p in problems if p[1] == "fail"], (raw, problems)
        assert [p[0] for p in problems] == ["MTASTS-07"], (raw, problems)


def test_s48r5_id_in_mixed_case_alone_and_version_in_capitals() -> None:
    for name in ("Id", "iD", "ID"):
        problems = _problems(f"v=STSv1; {name}=20261203")
        assert [(p[0], p[1]) for p in problems] == [("MTASTS-05", "fail")], problems
        assert f"written '{name}=20261203'" in problems[0][2]
        assert "'v=STSv1; id=20261203'" in problems[0][2]
    problems = _problems("V=STSv1; id=20261203")
    assert [(p[0], p[1]) for p in problems] == [("MTASTS-04", "fail")], problems
    assert "case-sensitive" in problems[0][2]


def _mx(zone: dict[Any, Any]) -> be.EngineRun:
    with mock.patch.object(be, "CnameDns", DnameDns):
        return be.run_engine(mx, "ashdown.fr", zone)


def _mx01(run: be.EngineRun) -> Any:
    hits = [f for f in run.findings if f.id == "MX-01"]
    assert len(hits) == 1, run.findings
    return hits[0]


def test_s48r5_dname_query_only_without_mx() -> None:
    run = _mx(
        {
            ("ashdown.fr", "MX"): ["10 mx.ashdown.fr."],
            ("mx.ashdown.fr", "A"): ["192.0.2.1"],
            ("ashdown.fr", "DNAME"): ["ashdown.com."],
        }
    )
    assert not [q for q in run.asked if q[1] == "DNAME"], run.asked
    assert "DNAME" not in _mx01(run).summary


def test_s48r5_dname_lookup_failed_claims_nothing() -> None:
    run = _mx({("ashdown.fr", "A"): ["192.0.2.1"], ("ashdown.fr", "DNAME"): "SERVFAIL"})
    assert [q for q in run.asked if q[1] == "DNAME"] == [("ashdown.fr", "DNAME")], run.asked
    one = _mx01(run)
    assert str(one.status) == "warn"
    assert "DNAME" not in one.summary and "RFC 6672" not in one.summary, one.summary


def test_s48r5_dname_target_mx_lookup_failed_is_said_as_such() -> None:
    run = _mx(
        {
            ("ashdown.fr", "A"): ["192.0.2.1"],
            ("ashdown.fr", "DNAME"): ["ashdown.com."],
            ("ashdown.com", "MX"): "SERVFAIL",
        }
    )
    one = _mx01(run)
    assert "holds a DNAME to ashdown.com" in one.summary, one.summary
    assert "as ashdown.com's are at ashdown.com" not in one.summary, one.summary
    assert "ashdown.com's own MX records could not be looked up (SERVFAIL" in one.summary
    assert "ashdown.com's MX records at" not in one.fix, one.fix
