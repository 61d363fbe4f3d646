"""Engine follow-ups of s24f: DMARC-06 for a p= receivers cannot read, one null-MX test, and
the context's public memo lookup."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from checks import dmarc
from checks.config import CheckConfig
from checks.context import CheckContext
from checks.findings import Finding, Status
from checks.mx import get_mx, is_null_mx
from tests.test_spf import make_ctx, run

D = "example.com"
ZONE: dict[Any, Any] = {
    (D, "MX"): ["10 mx.example.com."],
    ("mx.example.com", "A"): ["192.0.2.10"],
    (D, "TXT"): ["v=spf1 mx -all"],
}


def monitoring(record: str) -> list[Finding]:
    found = run(dmarc, D, {**ZONE, (f"_dmarc.{D}", "TXT"): [record]})
    return [f for f in found if f.id == "DMARC-06"]


def test_dmarc_06_says_receivers_read_p_none_for_a_p_lost_to_a_pasted_character() -> None:
    # It said "The DMARC policy is p=none" of a record that reads p=reject to its owner.
    (finding, *_) = monitoring("v=DMARC1;\u00a0p=reject; rua=mailto:d@example.com")
    assert finding.status == Status.WARN
    assert not finding.summary.startswith("The DMARC policy is p=none")
    assert "not the p=reject the record was written with" in finding.summary
    assert "holds a no-break space (U+00A0) after 'v=DMARC1;'" in finding.summary
    assert "(see DMARC-17)" in finding.summary and "(see DMARC-05)" in finding.summary
    assert "receivers apply p=reject" in finding.summary


def test_dmarc_06_says_why_for_a_p_written_with_a_colon() -> None:
    (finding, *_) = monitoring("v=DMARC1; p:quarantine; rua=mailto:d@example.com")
    assert finding.status == Status.WARN
    assert "not the p=quarantine the record was written with" in finding.summary
    assert "'p:quarantine' joins the tag and its value with ':'" in finding.summary


def test_dmarc_06_reads_as_before_for_a_record_without_p_or_with_p_none() -> None:
    for record in (
        "v=DMARC1; rua=mailto:d@example.com",
        "v=DMARC1; p=none; rua=mailto:d@x.example",
    ):
        (finding, *_) = monitoring(record)
        assert finding.summary.startswith("The DMARC policy is p=none (monitoring only): ")


def test_the_context_tells_a_computed_fact_without_starting_or_waiting_for_one() -> None:
    async def go() -> None:
        ctx = CheckContext(D, CheckConfig())
        started: list[str] = []

        async def fact() -> str:
            started.append("fact")
            await asyncio.sleep(0.01)
            return "value"

        async def broken() -> str:
            raise RuntimeError("no")

        assert ctx.known("fact") is None and started == []  # nothing started by asking
        task = asyncio.ensure_future(ctx.once("fact", fact))
        await asyncio.sleep(0)
        assert ctx.known("fact") is None  # running: not waited for
        assert await task == "value" and ctx.known("fact") == "value"
        with pytest.raises(RuntimeError):
            await ctx.once("broken", broken)
        assert ctx.known("broken") is None
        assert started == ["fact"]

    asyncio.run(go())


def test_the_mx_set_and_is_null_mx_read_a_null_mx_alike() -> None:
    cases = {
        ("0 .",): True,
        ("0 .", "0 ."): True,
        ("0 .", "10 mx.example.com."): False,  # MX-02: a null MX beside real hosts
        ("10 mx.example.com.",): False,
    }
    for records, null in cases.items():
        zone = {(D, "MX"): list(records), ("mx.example.com", "A"): ["192.0.2.10"]}

        async def go(zone: dict[Any, Any] = zone) -> tuple[bool, bool, bool]:
            ctx = make_ctx(D, zone)
            mx = await get_mx(ctx)
            return mx.null_mx, mx.null_mixed, is_null_mx(await ctx.dns.query(D, "MX"))

        assert asyncio.run(go()) == (null, not null and "0 ." in records, null), records
