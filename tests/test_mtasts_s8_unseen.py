"""MTA-STS record and MX names on inputs no fixture lists (RFC 8461 §3.1, RFC 5321 §4.1.2)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

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


_ALNUM = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
_EXT_VALUE = "".join(chr(c) for c in range(0x21, 0x7F) if chr(c) not in "=;")


@given(
    st.text(_ALNUM, min_size=1, max_size=32),
    st.lists(
        st.tuples(
            st.builds(
                lambda a, rest: a + rest,
                st.sampled_from(_ALNUM),
                st.text(_ALNUM + "_.-", max_size=31),
            ).filter(lambda n: n != "id"),
            st.text(_EXT_VALUE, min_size=1, max_size=12),
        ),
        max_size=3,
    ),
    st.integers(0, 3),
    st.lists(st.sampled_from(["", " ", "\t"]), min_size=10, max_size=10),
    st.booleans(),
)
def test_every_record_the_grammar_accepts_is_valid(
    sts_id: str, exts: list[tuple[str, str]], at: int, gaps: list[str], final: bool
) -> None:
    # sts-text-record = sts-version 1*(sts-field-delim sts-field) [sts-field-delim], the id
    # anywhere among the extensions, sts-field-delim = *WSP ";" *WSP (none before the first
    # ";": the §3.1 discovery rule keys on the literal "v=STSv1;").
    fields = [f"{n}={v}" for n, v in exts]
    fields.insert(min(at, len(fields)), f"id={sts_id}")
    raw = "v=STSv1;" + gaps[0]
    for i, item in enumerate(fields):
        raw += item + (gaps[2 * i + 1] + ";" + gaps[2 * i + 2] if i < len(fields) - 1 else "")
    if final:
        raw += gaps[-1] + ";"
    record = mtasts.parse_sts_record(raw)
    assert record.valid and record.strict_prefix and record.id == sts_id, record.problems
