"""s21e review: the "record gone" alert for a record whose name is an alias (CNAME).

A TXT record cannot sit beside a CNAME (RFC 1034 §3.6.2): a TLS-RPT or MTA-STS record published
through an alias lived at the alias target (an MSP's shared name), and that is where it is
published again, by whoever runs it, not at the alias.
"""

from __future__ import annotations

from typing import Any

from mailsec.alerts import rules

OLD_RECORD = '"v=TLSRPTv1; rua=mailto:tls@msp.example"'


def _finding(status: str, answers: list[str], cnames: list[str] | None) -> dict[str, Any]:
    evidence: dict[str, Any] = {
        "query": "_smtp._tls.example.org TXT",
        "rcode": "NOERROR",
        "answers": answers,
    }
    if cnames:
        evidence["cnames"] = cnames
    return {
        "id": "TLSRPT-01",
        "status": status,
        "subject": "_smtp._tls.example.org",
        "summary": "No TLS-RPT record.",
        "fix": "engine's fix",
        "evidence": evidence,
    }


def test_a_record_gone_behind_an_alias_goes_back_at_the_target() -> None:
    chain = ["_smtp._tls.msp.example"]
    old = _finding("pass", [OLD_RECORD], chain)
    observation = rules._record_observation("tls-rpt", old, _finding("info", [], chain))
    assert observation.fix == (
        "_smtp._tls.example.org is an alias (CNAME) of _smtp._tls.msp.example: publish it "
        f"again there, by whoever runs it: _smtp._tls.msp.example. TXT {OLD_RECORD}"
    )


def test_an_alias_deleted_since_lets_the_record_go_back_at_the_name() -> None:
    old = _finding("pass", [OLD_RECORD], ["_smtp._tls.msp.example"])
    observation = rules._record_observation("tls-rpt", old, _finding("info", [], None))
    assert observation.fix == f"Publish it again: _smtp._tls.example.org. TXT {OLD_RECORD}"


def test_no_alias_no_change() -> None:
    old = _finding("pass", [OLD_RECORD], None)
    observation = rules._record_observation("tls-rpt", old, _finding("info", [], None))
    assert observation.fix == f"Publish it again: _smtp._tls.example.org. TXT {OLD_RECORD}"
