"""The non-lab blind rounds' harness (tests/test_engine_s26c_blind.py to s33s): run_engine, which
runs one module against a case's in-memory DNS (and, where a round gives them, its fake HTTPS
answers and port-25 probes), and the comparison of what a round expected of the engine's
findings on one case against what it said.

Each case lists `expect` rows (check id or "*", a status or several, words that one finding
with that id and status must all say in its summary or fix, case-insensitively), `never`
rows (check id or "*", status or statuses no finding may have), optionally words no finding
may say and whether no finding may fail. The expectations were written from the checklist
and the RFCs before the engine ran on any of them.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import replace
from typing import Any, NamedTuple
from unittest import mock

import pytest

from checks import https, starttls
from checks.dns import DnsAnswer, normalize
from checks.findings import Finding
from checks.https import HttpsResult
from tests.test_spf import FakeDns, make_ctx

Statuses = str | tuple[str, ...]
Fetch = Callable[..., Awaitable[HttpsResult]]
# Where a fake fetch looks for a URL's answer: a table of URL to answer, or a function of the
# URL and the fetch's other keyword arguments (post=...) giving the answer or None.
Source = Mapping[str, HttpsResult] | Callable[[str, dict[str, Any]], HttpsResult | None]


class CnameDns(FakeDns):
    """FakeDns that follows a CNAME at the query name, as a recursive resolver does."""

    async def query(self, name: str, rdtype: str, **kw: Any) -> DnsAnswer:
        key = (normalize(name), rdtype.upper())
        if key not in self.zone and key[1] != "CNAME":
            alias = self.zone.get((key[0], "CNAME"))
            if isinstance(alias, list) and alias:
                target = normalize(alias[0])
                answer = await self.query(target, rdtype, **kw)
                answer.name = key[0]
                answer.cnames = [target, *answer.cnames]
                return answer
        return await super().query(name, rdtype, **kw)


class WildcardDns(CnameDns):
    """CnameDns that also answers from wildcard owners ('*.<name>' keys) as RFC 4592 §3.3.1
    does: a query name that does not exist (no records and no names below it) is answered
    from '*.<closest encloser>' if that wildcard exists, the answer owned by the query name.
    Zones without '*' keys are answered exactly as CnameDns answers them."""

    def _exists(self, name: str) -> bool:
        return any(n == name or n.endswith("." + name) for n, _ in self.zone)

    async def query(self, name: str, rdtype: str, **kw: Any) -> DnsAnswer:
        key = normalize(name)
        if not key.startswith("*.") and not self._exists(key):
            encloser = key
            while "." in encloser:
                encloser = encloser.split(".", 1)[1]
                if self._exists(encloser):
                    if self._exists(f"*.{encloser}"):
                        answer = await super().query(f"*.{encloser}", rdtype, **kw)
                        answer.name = key
                        return answer
                    break
        return await super().query(name, rdtype, **kw)


class EngineRun(NamedTuple):
    findings: list[Finding]
    asked: list[tuple[str, str]]  # the (name, type) queries the module made, in order


def run_engine(
    module: Any,
    domain: str,
    zone: dict[Any, Any],
    *,
    fetch: Fetch | None = None,
    probe: Callable[[], Any] | None = None,
    **config: Any,
) -> EngineRun:
    """`module.evaluate` for `domain` against `zone` (CNAMEs followed), with the production
    configuration (tests.test_spf.make_ctx, given `config` such as dkim_selectors). `fetch`
    stands in for checks.https.fetch, and `probe` makes what each port-25 probe
    (checks.starttls.probe_mx) finds; either left None is not replaced, as in the rounds
    that gave none."""
    ctx = make_ctx(domain, zone, **config)
    resolver = CnameDns(zone)
    ctx.dns = resolver  # type: ignore[assignment]

    async def probe_mx(ctx: Any, host: str, address: str) -> Any:
        assert probe is not None
        return probe()

    async def go() -> list[Finding]:
        with contextlib.ExitStack() as fakes:
            if fetch is not None:
                fakes.enter_context(mock.patch.object(https, "fetch", fetch))
            if probe is not None:
                fakes.enter_context(mock.patch.object(starttls, "probe_mx", probe_mx))
            return await module.evaluate(ctx)

    return EngineRun(asyncio.run(go()), resolver.asked)


def fake_fetch(*sources: Source, rest: bytes, cut: bool = False) -> Fetch:
    """A checks.https.fetch that asks `sources` in turn for a URL's answer (the first that has
    one gives it) and answers any other URL 200 with `rest`, cut at max_bytes. `cut`: the
    sources' bodies are cut at max_bytes too, as the real fetch cuts them (s27e's round);
    else they are given whole."""

    async def fetch(ctx: Any, url: str, *, max_bytes: int = 65536, **kw: Any) -> HttpsResult:
        for source in sources:
            found = source.get(url) if isinstance(source, Mapping) else source(url, kw)
            if found is not None:
                return replace(found, body=found.body[:max_bytes]) if cut else found
        return HttpsResult(url=url, status=200, body=rest[:max_bytes])

    return fetch


def no_mta_sts_policy(url: str, kw: dict[str, Any]) -> HttpsResult | None:
    """404 at every MTA-STS policy host: no policy served (TLS-RPT asks whether MTA-STS is
    deployed). Before a round's own files it hides any policy they give; after, it stands
    where they give none."""
    if url.startswith("https://mta-sts."):
        return HttpsResult(url=url, status=404, body=b"Not Found")
    return None


def unverified(answers: Mapping[str, HttpsResult]) -> Source:
    """`answers` to a POST sent without verifying the certificate (the TLS-RPT endpoint
    probe's second try); nothing for any other request."""

    def answer(url: str, kw: dict[str, Any]) -> HttpsResult | None:
        post = kw.get("post")
        if post is not None and not post.verify and url in answers:
            return answers[url]
        return None

    return answer


def marks(vmc_for: Callable[[str], bytes]) -> Source:
    """A mark certificate at every .pem URL: vmc_for(its host less a leading 'bimi.')."""

    def answer(url: str, kw: dict[str, Any]) -> HttpsResult | None:
        if not url.endswith(".pem"):
            return None
        host = url.split("/")[2].lower().rstrip(".")
        return HttpsResult(url=url, status=200, body=vmc_for(host.removeprefix("bimi.")))

    return answer


def E(check: str, status: Statuses, *words: str) -> tuple[str, Statuses, tuple[str, ...]]:
    """An `expect` row: a finding `check` at `status` saying every one of `words`."""
    return (check, status, words)


def N(check: str, status: Statuses) -> tuple[str, Statuses]:
    """A `never` row: no finding `check` at `status`."""
    return (check, status)


def _statuses(status: Statuses) -> tuple[str, ...]:
    return (status,) if isinstance(status, str) else status


def reading_problems(
    findings: Iterable[Finding],
    expect: Sequence[tuple[str, Statuses, Sequence[str]]],
    never: Sequence[tuple[str, Statuses]] = (),
    *,
    never_words: Sequence[str] = (),
    no_fail: bool = False,
) -> tuple[list[str], str]:
    """(what differs from the expectation, the findings as text for the failure message)."""
    seen = [(f.id, str(f.status), f"{f.summary} {f.fix}".lower()) for f in findings]
    shown = "\n".join(f"  {i} {s}: {t[:300]}" for i, s, t in seen)
    problems = []
    for check, status, words in expect:
        hits = [t for i, s, t in seen if (check == "*" or i == check) and s in _statuses(status)]
        if not hits:
            problems.append(f"missing {check} {status}")
        elif not any(all(w.lower() in t for w in words) for t in hits):
            problems.append(f"{check} {status} lacks words {words}")
    for check, status in never:
        if any((check == "*" or i == check) and s in _statuses(status) for i, s, _ in seen):
            problems.append(f"unexpected {check} {status}")
    for words in never_words:
        if any(words.lower() in t for _, _, t in seen):
            problems.append(f"says {words!r}")
    if no_fail and any(s == "fail" for _, s, _ in seen):
        problems.append("a fail where none was expected")
    return problems, shown


def case_params(cases: Sequence[Any], gaps: Mapping[str, str]) -> list[Any]:
    """A round's cases as pytest params named by case.name; a case named in `gaps` (where the
    round and the product still disagree, with the reason) is a strict xfail."""
    return [
        pytest.param(
            case,
            id=case.name,
            marks=[pytest.mark.xfail(strict=True, reason=gaps[case.name])]
            if case.name in gaps
            else [],
        )
        for case in cases
    ]
