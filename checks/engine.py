"""check_domain(): run every mechanism for one domain concurrently and score the result."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import importlib
import math
import time
import traceback
from collections.abc import Awaitable, Callable, Iterable
from datetime import UTC, datetime
from types import ModuleType

from checks import mtasts, mx, scoring
from checks.config import CheckConfig
from checks.context import CheckContext
from checks.domainname import DomainNameError, to_ascii_domain
from checks.findings import (
    MECHANISM_TITLES,
    DomainReport,
    Finding,
    Mechanism,
    Status,
    for_people,
)
from checks.onerecord import one_record_per_name

# One module per mechanism; each has `MECHANISM` and `async def evaluate(ctx) -> list[Finding]`.
MECHANISM_MODULES = (
    "checks.mx",
    "checks.mtasts",
    "checks.tlsrpt",
    "checks.starttls",
    "checks.spf",
    "checks.dkim",
    "checks.dmarc",
    "checks.dnssec",
    "checks.dane",
    "checks.bimi",
)

ProgressCallback = Callable[[Mechanism, list[Finding]], Awaitable[None] | None]

# One mechanism may take at most this many times the configured timeout (8 s → 80 s, inside
# the free check's 90 s cap): a mechanism stuck on a slow server then ends as its own "timed
# out" error and the others keep their results, where the cap would lose the whole report.
# Facts shared through ctx.once() are shielded, so stopping one mechanism stops no other.
MECHANISM_TIMEOUTS = 10
# …and never more than this, whatever the timeout: the free check gives a whole run 90 s.
MECHANISM_MAX_SECONDS = 80.0


# The check that says whether each mechanism is there at all: for a name that does not exist,
# the one note that says nothing was checked (MX-01 itself says the name does not exist).
FIRST_CHECK: dict[Mechanism, str] = {
    Mechanism.MTASTS: "MTASTS-01",
    Mechanism.TLSRPT: "TLSRPT-01",
    Mechanism.SMTP: "SMTP-01",
    Mechanism.SPF: "SPF-01",
    Mechanism.DKIM: "DKIM-01",
    Mechanism.DMARC: "DMARC-01",
    Mechanism.DNSSEC: "DNSSEC-01",
    Mechanism.DANE: "DANE-01",
    Mechanism.BIMI: "BIMI-01",
}


def mechanism_modules() -> list[ModuleType]:
    return [importlib.import_module(name) for name in MECHANISM_MODULES]


async def _run_one(
    module: ModuleType,
    ctx: CheckContext,
    on_progress: ProgressCallback | None,
    deadline_seconds: float | None,
) -> list[Finding]:
    mechanism: Mechanism = module.MECHANISM
    budget = min(MECHANISM_TIMEOUTS * ctx.config.timeout, MECHANISM_MAX_SECONDS)
    if deadline_seconds is not None:
        budget = min(budget, deadline_seconds)
    deadline: asyncio.Timeout | None = None
    try:
        async with asyncio.timeout(budget) as deadline:
            findings = list(await module.evaluate(ctx))
    except Exception as exc:  # a bug in one mechanism must not sink the others
        if isinstance(exc, TimeoutError) and deadline is not None and deadline.expired():
            summary = (
                f"The {mechanism} check timed out after {budget:g} seconds (a server answered "
                "too slowly), so it could not be completed this time. The other checks are "
                "unaffected."
            )
            evidence: dict[str, object] = {"timeout_seconds": budget}
        else:  # a TimeoutError of the mechanism's own is a bug like any other
            summary = (
                f"The {mechanism} check could not be completed because of an internal error "
                f"({type(exc).__name__}). The other checks are unaffected."
            )
            evidence = {"traceback": traceback.format_exc(limit=5)}
        findings = [
            Finding(
                id="ENGINE-01",
                status=Status.ERROR,
                mechanism=mechanism,
                summary=summary,
                evidence=evidence,
            )
        ]
    return await _told(mechanism, findings, ctx, on_progress)


async def _told(
    mechanism: Mechanism,
    findings: list[Finding],
    ctx: CheckContext,
    on_progress: ProgressCallback | None,
) -> list[Finding]:
    """A mechanism's findings as they are shown and stored (an internationalised domain named
    as its owner knows it: müller-bäckerei.de), once `on_progress` has been given them."""
    findings = for_people(findings, ctx.domain)
    if on_progress is not None:
        result = on_progress(mechanism, findings)
        if asyncio.iscoroutine(result):
            await result
    return findings


# How long the mechanisms wait for the MX answer that says whether the name exists before
# they start anyway. A resolver answers in milliseconds; one that does not must not hold up
# SPF, DKIM or DMARC, which do not need that answer, for a whole timeout.
EXISTENCE_WAIT_SECONDS = 2.0


async def _does_not_exist(ctx: CheckContext) -> bool:
    """The name itself is not in the DNS (checks.mx.name_is_missing): NXDOMAIN for its MX
    question, with no alias on the way, confirmed by its A question, since some servers answer
    NXDOMAIN to the MX question alone. The answers are those checks.mx.get_mx asks for (the
    run's DNS cache shares them), so this costs one round trip before the mechanisms start
    (two for an NXDOMAIN), inside the MX → address → SMTP chain every run has (capped:
    EXISTENCE_WAIT_SECONDS)."""
    return await mx.name_is_missing(ctx)


async def _not_checked(
    module: ModuleType, ctx: CheckContext, on_progress: ProgressCallback | None
) -> list[Finding]:
    """A mechanism's one note for a name that does not exist: records to publish, a DNSSEC
    chain to sign, servers to probe all need a name that exists (checks.scoring.does_not_exist
    then gives no score)."""
    mechanism: Mechanism = module.MECHANISM
    findings = [
        Finding(
            id=FIRST_CHECK[mechanism],
            status=Status.NA,
            mechanism=mechanism,
            summary=f"{ctx.domain} does not exist in DNS (NXDOMAIN), so "
            f"{MECHANISM_TITLES[mechanism]} was not checked.",
            subject=ctx.domain,
            evidence={scoring.DOES_NOT_EXIST: True},
        )
    ]
    return await _told(mechanism, findings, ctx, on_progress)


def _with_policy(ctx: CheckContext, findings: list[Finding]) -> list[Finding]:
    """`findings` with the fixes that need another mechanism's facts: MX-04's record pointing
    an aliased MX at its target, under an MTA-STS policy that does not list that target,
    first adds it to the policy (mtasts.alias_fix_under_policy), as senders match the name
    in the MX record (RFC 8461 §4.1). checks.mx does not fetch the policy for it; the MTA-STS
    check has, once per run (mtasts.get_policy). This runs after every mechanism, outside any
    time limit, so it takes only a policy the run already has (mtasts.known_policy) and only
    when the MTA-STS check ran to its end (no ENGINE-01): it never starts a fetch or waits for
    one still running (a check that timed out leaves its fetch going, shielded in ctx.once)."""
    aliased = [f for f in findings if f.id == "MX-04" and f.evidence.get("cname_target")]
    ran = [f for f in findings if f.mechanism == Mechanism.MTASTS]
    if not aliased or not ran or any(f.id == "ENGINE-01" for f in ran):
        return findings
    state = mtasts.known_policy(ctx)
    if state is None:
        return findings
    fixes = {id(f): mtasts.alias_fix_under_policy(f, state, ctx.domain) for f in aliased}
    # New findings, not changed ones: the progress callback may still be reading the old.
    return [
        dataclasses.replace(f, fix=fixes[id(f)]) if fixes.get(id(f), f.fix) != f.fix else f
        for f in findings
    ]


async def check_domain(
    domain: str,
    config: CheckConfig,
    *,
    on_progress: ProgressCallback | None = None,
    mechanisms: Iterable[str] = (),
    deadline_seconds: float | None = None,
) -> DomainReport:
    """Check `domain`; `deadline_seconds` caps every mechanism's budget.

    A caller that must answer within a set time (the free-check API) passes a deadline a little
    under it: a mechanism still running then ends as its own ENGINE-01 "timed out" error and
    the report keeps the others, where cancelling the whole check would lose them all.
    Mechanisms run concurrently, so capping each one caps the check.
    """
    started = time.monotonic()
    report = DomainReport(domain=domain, started_at=datetime.now(UTC).isoformat())
    try:
        name = to_ascii_domain(domain, extra_public_suffixes=config.extra_public_suffixes)
    except DomainNameError as exc:
        report.error = str(exc)
        return report
    report.domain = name
    ctx = CheckContext(name, config)
    wanted = set(mechanisms) or set(config.mechanisms)
    modules = [m for m in mechanism_modules() if not wanted or str(m.MECHANISM) in wanted]
    ctx.mechanisms = frozenset(str(m.MECHANISM) for m in modules)
    # Only when MX-01 runs, to say so; the others wait for the answer at most this long.
    lookup: asyncio.Task[bool] | None = None
    missing = False
    if any(m.MECHANISM == Mechanism.MX for m in modules):
        lookup = asyncio.ensure_future(_does_not_exist(ctx))
        cap = min(ctx.config.timeout, EXISTENCE_WAIT_SECONDS, deadline_seconds or math.inf)
        waited = time.monotonic()
        done, _ = await asyncio.wait({lookup}, timeout=cap)
        missing = bool(done) and lookup.exception() is None and lookup.result()
        if deadline_seconds is not None:  # the caller's deadline counts the wait too
            deadline_seconds = max(0.0, deadline_seconds - (time.monotonic() - waited))
    async with asyncio.TaskGroup() as group:
        tasks = [
            group.create_task(
                _not_checked(m, ctx, on_progress)
                if missing and m.MECHANISM != Mechanism.MX
                else _run_one(m, ctx, on_progress, deadline_seconds)
            )
            for m in modules
        ]
    for task in tasks:
        report.findings.extend(task.result())
    if not missing:
        # Fixes offering different records for one name say they are one record (onerecord).
        settled = one_record_per_name(_with_policy(ctx, report.findings))
        report.findings = for_people(settled, ctx.domain)
    if lookup is not None and not lookup.done():
        # Still waiting on a resolver that did not answer (the MX mechanism has reported it).
        lookup.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await lookup
    report.query_log = ctx.dns.log
    report.duration_ms = int((time.monotonic() - started) * 1000)
    scoring.apply(report)
    return report


def check_domain_sync(domain: str, config: CheckConfig, **kwargs: object) -> DomainReport:
    return asyncio.run(check_domain(domain, config, **kwargs))  # type: ignore[arg-type]
