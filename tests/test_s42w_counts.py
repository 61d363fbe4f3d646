"""Task s42w, item 1: a finding's count reads as a count ("1 MX address", "2 MX addresses"),
as the alert texts do since s40g, never "MX address(es)" or "host(s)". Report-alert emails
quote SMTP-01's words. Each test was written failing, before the fix."""

from __future__ import annotations

import ast
import asyncio
import re
from pathlib import Path
from typing import Any
from unittest import mock

import pytest

from checks import dkim, mx, starttls
from checks.config import CheckConfig
from checks.context import CheckContext
from checks.findings import Finding, Status
from tests.test_engine_s26c_blind import CnameDns
from tests.test_mx import FakeDns
from tests.test_spf import make_ctx

D = "s42w-example.test"
CHECKS = Path(__file__).resolve().parent.parent / "checks"
# A word with its plural ending in brackets: "host(s)", "address(es)", "entr(ies)".
HEDGED = re.compile(r"[A-Za-z]\((?:s|es|ies)\)")


def _hosts(*addresses: list[str]) -> dict[Any, Any]:
    """D with MX hosts mx1, mx2, ... each with its own addresses."""
    zone: dict[Any, Any] = {
        (D, "MX"): [f"{10 * i} mx{i}.{D}." for i in range(1, len(addresses) + 1)]
    }
    for i, addrs in enumerate(addresses, 1):
        zone[(f"mx{i}.{D}", "A")] = addrs
    return zone


def _ctx(zone: dict[Any, Any]) -> CheckContext:
    return CheckContext(D, CheckConfig(allow_private_targets=True), dns=FakeDns(zone))  # type: ignore[arg-type]


def _ones(findings: list[Finding], check_id: str, status: Status) -> list[Finding]:
    return [f for f in findings if f.id == check_id and f.status == status]


def _smtp01_pass(zone: dict[Any, Any]) -> str:
    async def probe_mx(ctx: object, host: str, address: str) -> starttls.SmtpProbe:
        # Answers and greets; no STARTTLS (SMTP-02's business, not this test's).
        return starttls.SmtpProbe(
            host=host,
            address=address,
            connected=True,
            banner_code=220,
            banner=f"{host} ESMTP",
            ehlo_ok=True,
            starttls_offered=False,
        )

    starttls.clear_cache()
    try:
        with mock.patch.object(starttls, "probe_mx", probe_mx):
            findings = asyncio.run(starttls.evaluate(_ctx(zone)))
    finally:
        starttls.clear_cache()
    (found,) = _ones(findings, "SMTP-01", Status.PASS)
    return found.summary


@pytest.mark.parametrize(
    ("zone", "words"),
    [
        (_hosts(["192.0.2.1"]), "Port 25 answered on 1 MX address."),
        (_hosts(["192.0.2.1", "192.0.2.2"]), "Port 25 answered on 2 MX addresses."),
        (
            _hosts(["192.0.2.1"], ["192.0.2.2"], ["192.0.2.3"]),
            "Port 25 answered on 3 MX addresses.",
        ),
    ],
)
def test_smtp01_counts_the_addresses_that_answered(zone: dict[Any, Any], words: str) -> None:
    assert _smtp01_pass(zone) == words


@pytest.mark.parametrize(
    ("zone", "words"),
    [
        (_hosts(["192.0.2.1"]), f"{D} publishes 1 MX host: mx1.{D}."),
        (_hosts(["192.0.2.1"], ["192.0.2.2"]), f"{D} publishes 2 MX hosts: mx1.{D}, mx2.{D}."),
    ],
)
def test_mx01_counts_the_mx_hosts(zone: dict[Any, Any], words: str) -> None:
    (found,) = _ones(asyncio.run(mx.evaluate(_ctx(zone))), "MX-01", Status.PASS)
    assert found.summary == words


@pytest.mark.parametrize(
    ("selectors", "words"),
    [
        (
            ("google",),
            "No DKIM key is published for the selector you gave (google), so "
            "receivers cannot verify mail signed with it.",
        ),
        (
            ("google", "s1"),
            "No DKIM key is published for the selectors you gave (google, s1), "
            "so receivers cannot verify mail signed with them.",
        ),
    ],
)
def test_dkim01_names_the_selector_or_selectors_given(
    selectors: tuple[str, ...], words: str
) -> None:
    zone: dict[Any, Any] = {(D, "MX"): [f"10 mx1.{D}."], (f"mx1.{D}", "A"): ["192.0.2.1"]}
    ctx = make_ctx(D, zone, dkim_selectors=selectors)
    ctx.dns = CnameDns(zone)  # type: ignore[assignment]
    (found,) = [f for f in asyncio.run(dkim.evaluate(ctx)) if f.id == "DKIM-01"]
    assert found.summary.startswith(words), found.summary


def _finding_strings(tree: ast.AST) -> list[tuple[int, str]]:
    """The string pieces in `tree` (f-string parts too), docstrings left out: a docstring is
    read by engineers, not shown to anyone."""
    docstrings = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                docstrings.add(id(body[0].value))
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in docstrings
    ]


def test_no_text_of_the_engine_hedges_a_plural() -> None:
    # Every string the engine writes (findings, fixes, evidence words): a count or a list
    # chooses singular or plural; "(s)" and "(es)" are for neither.
    hedged = [
        f"{path.name}:{line}: {text!r}"
        for path in sorted(CHECKS.glob("*.py"))
        for line, text in _finding_strings(ast.parse(path.read_text(), str(path)))
        if HEDGED.search(text)
    ]
    assert not hedged, "\n".join(hedged)
