"""MTA-STS record and MX names on inputs no fixture lists (RFC 8461 §3.1, RFC 5321 §4.1.2)."""

from __future__ import annotations

import pytest

from checks import mtasts, mx
from checks.findings import Status
from tests.test_mx import make_ctx, run_eval


def _mx_findings(target: str) -> list[tuple[str, Status, str]]:
    zone: dict[tuple[str, str], list[str] | str] = {
        ("example.org", "MX"): [f"10 {target}."],
        (target, "A"): ["192.0.2.11"],
    }
    return [(f.id, f.status, f.summary) for f in run_eval(mx, make_ctx("example.org", zone))]


@pytest.mark.parametrize("target", ["_mx.example.org", "mx_1.example.org", "mx1._mail.example.org"])
def test_an_mx_name_with_an_underscore_is_not_called_a_plain_host_name(target: str) -> None:
    # "_" is legal in DNS but not in an RFC 5321 Domain (Let-dig / Ldh-str), so no mx line of
    # an MTA-STS policy can name the host (RFC 8461 §3.2) and MTASTS-30 sends the owner to the
    # MX findings: those must say why (MX-07), not pass it as a plain host name.
    findings = _mx_findings(target)
    assert [(i, s) for i, s, _ in findings if i == "MX-07"] == [("MX-07", Status.INFO)]
    assert not [f for f in findings if f[0] == "MX-04" and f[1] == Status.PASS]
    # The mtasts module agrees that the name cannot go in a policy.
    assert not mtasts.listable(target)


@pytest.mark.parametrize(
    "target", ["mx1.example.org", "xn--mil-moa.example.org", "1mx.example.org"]
)
def test_an_ldh_mx_name_passes(target: str) -> None:
    findings = _mx_findings(target)
    assert not [f for f in findings if f[0] == "MX-07"]
    assert ("MX-04", Status.PASS) in [(i, s) for i, s, _ in findings]
    assert mtasts.listable(target)


# A second "id=" is a field like any other: senders ignore it when it is a valid sts-id or
# sts-extension (RFC 8461 §3.1), but a field outside both makes the record syntactically
# invalid, and then senders "MUST assume" there is no policy.
@pytest.mark.parametrize("second", ["id=", "id=a b", "id=a=b", "id= "])
def test_a_malformed_second_id_voids_the_record(second: str) -> None:
    record = mtasts.parse_sts_record(f"v=STSv1; id=20260601; {second}")
    assert not record.valid
    assert any(p.status == Status.FAIL and p.invalidates for p in record.problems)


@pytest.mark.parametrize("second", ["id=20260701", "id=2026-07-01"])
def test_a_well_formed_second_id_is_ignored(second: str) -> None:
    record = mtasts.parse_sts_record(f"v=STSv1; id=20260601; {second}")
    assert record.valid and record.id == "20260601"
    assert {p.status for p in record.problems} <= {Status.WARN, Status.INFO}
