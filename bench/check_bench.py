"""How fast is a check? Wall time against the longest dependency chain, and against checkdmarc.

Run against a lab started with a DNS delay (every query to the authoritative server is held, as
on the internet):

    .venv/bin/python -m tests.lab up --delay-ms 20
    .venv/bin/python -m bench.check_bench [--domain f01.lab.test] [--batch 200] [--runs 3]

(a) The longest dependency chain is measured, not guessed: each chain of dependent steps the
    engine must take (MX → address → SMTP probe; _mta-sts TXT → policy fetch; SPF include tree;
    DNSSEC SOA → DS/DNSKEY) is run on its own, step after step, with cold resolver caches, and
    the slowest one is the floor no concurrency can beat. The full check is then timed with cold
    caches; the ratio says how close to that floor the engine runs (goal ≤ 1.3).
(b) mailsec and checkdmarc (PyPI) check the same domain, then the same 200-domain batch, through
    the same slow resolver, each as a fresh process with cold caches; wall time and peak memory
    (ru_maxrss of that process) are printed side by side. checkdmarc does less work (no STARTTLS,
    DANE or policy-host certificate checks unless asked), so the ratio flatters it.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable

from checks import dnssec, mtasts, mx, spf, starttls
from checks.config import CheckConfig, parse_hostport
from checks.context import CheckContext
from checks.engine import check_domain
from tests.lab.control import Lab


def lab_config(lab: Lab, selectors: tuple[str, ...]) -> CheckConfig:
    env = lab.env
    return CheckConfig(
        resolvers=(parse_hostport(lab.slow_resolver or ""),),
        ca_bundle=env["MAILSEC_CA_BUNDLE"],
        allow_private_targets=True,
        extra_public_suffixes=tuple(env["MAILSEC_EXTRA_PUBLIC_SUFFIXES"].split(",")),
        timeout=10.0,
        dkim_selectors=selectors,
        probe_cache_seconds=0,
    )


async def chain_transport(ctx: CheckContext) -> None:
    answer = await ctx.dns.query(ctx.domain, "MX")
    host = min(answer.records, key=lambda r: r.preference).exchange.to_text().rstrip(".")
    addresses, _ = await ctx.dns.addresses(host)
    await starttls.probe_mx(ctx, host, addresses[0])


async def chain_mtasts(ctx: CheckContext) -> None:
    await mtasts.get_policy(ctx)


async def chain_spf(ctx: CheckContext) -> None:
    await spf.get_record(ctx)


async def chain_dnssec(ctx: CheckContext) -> None:
    await dnssec.evaluate(ctx)


async def chain_mx(ctx: CheckContext) -> None:
    await mx.get_mx(ctx)


CHAINS: dict[str, Callable[[CheckContext], Awaitable[None]]] = {
    "MX -> A -> STARTTLS probe": chain_transport,
    "_mta-sts TXT -> policy host -> HTTPS": chain_mtasts,
    "SPF record -> include tree": chain_spf,
    "DNSSEC SOA -> DS/DNSKEY": chain_dnssec,
    "MX -> every host's addresses": chain_mx,
}


def timed(lab: Lab, coro_factory: Callable[[], Awaitable[object]]) -> float:
    lab.flush()
    started = time.perf_counter()
    asyncio.run(coro_factory())  # type: ignore[arg-type]
    return time.perf_counter() - started


def measure_chains(lab: Lab, config: CheckConfig, domain: str, runs: int) -> dict[str, float]:
    results = {}
    for label, chain in CHAINS.items():

        async def one(chain: Callable[[CheckContext], Awaitable[None]] = chain) -> None:
            await chain(CheckContext(domain, config))

        results[label] = statistics.median(timed(lab, one) for _ in range(runs))
    return results


def run_process(command: list[str], env: dict[str, str]) -> tuple[float, float, int]:
    """Wall seconds, peak RSS in MiB, exit status of one fresh process."""
    started = time.perf_counter()
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    return wall, usage.ru_maxrss / 1024, os.waitstatus_to_exitcode(status)


def compare(
    lab: Lab, domains: list[str], runs: int
) -> tuple[tuple[float, float], tuple[float, float]]:
    slow_host = (lab.slow_resolver or "").rpartition(":")[0]
    env = {**os.environ, **lab.env, "MAILSEC_RESOLVER": lab.slow_resolver or ""}
    checkdmarc = shutil.which("checkdmarc") or os.path.join(
        os.path.dirname(sys.executable), "checkdmarc"
    )
    ours_cmd = [sys.executable, "-m", "checks", "--json", "--concurrency", "20", *domains]
    theirs_cmd = [checkdmarc, "-n", slow_host, "-t", "5", "-f", "json", *domains]
    ours, theirs = [], []
    for _ in range(runs):
        lab.flush()
        wall, rss, _ = run_process(ours_cmd, env)
        ours.append((wall, rss))
        lab.flush()
        wall, rss, _ = run_process(theirs_cmd, env)
        theirs.append((wall, rss))

    def median_pair(pairs: list[tuple[float, float]]) -> tuple[float, float]:
        return statistics.median(p[0] for p in pairs), max(p[1] for p in pairs)

    return median_pair(ours), median_pair(theirs)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.check_bench")
    parser.add_argument("--domain", default="f01.lab.test")
    parser.add_argument("--selector", action="append", default=["s2048", "ed1"])
    parser.add_argument("--batch", type=int, default=200)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    lab = Lab.from_state()
    if not lab.slow_resolver:
        print(
            "start the lab with a delay first: python -m tests.lab up --delay-ms 20",
            file=sys.stderr,
        )
        return 2
    config = lab_config(lab, tuple(args.selector))

    print(f"# mailsec check benchmark — {args.domain}, resolver {lab.slow_resolver} (delayed)")
    chains = measure_chains(lab, config, args.domain, args.runs)
    for label, seconds in sorted(chains.items(), key=lambda kv: -kv[1]):
        print(f"chain  {label:40} {seconds * 1000:8.1f} ms")
    longest = max(chains.values())
    walls = []
    for _ in range(args.runs):
        walls.append(timed(lab, lambda: check_domain(args.domain, config)))
    wall = statistics.median(walls)
    print(f"full check (cold, median of {args.runs}){'':14} {wall * 1000:8.1f} ms")
    print(f"(a) wall / longest chain = {wall / longest:.2f}x   (goal <= 1.3x)")

    single_ours, single_theirs = compare(lab, [args.domain], args.runs)
    names = [s.domain for s in lab.scenarios()]
    batch = list(itertools.islice(itertools.cycle(names), args.batch))
    batch_ours, batch_theirs = compare(lab, batch, 1)
    print()
    print(f"{'':28}{'mailsec':>12}{'checkdmarc':>14}{'ratio':>9}")
    for label, ours, theirs in (
        ("1 domain, wall s", single_ours[0], single_theirs[0]),
        ("1 domain, peak RSS MiB", single_ours[1], single_theirs[1]),
        (f"{args.batch} domains, wall s", batch_ours[0], batch_theirs[0]),
        (f"{args.batch} domains, peak RSS MiB", batch_ours[1], batch_theirs[1]),
    ):
        print(f"{label:28}{ours:12.2f}{theirs:14.2f}{ours / theirs:9.2f}")
    print("(ratio = mailsec / checkdmarc; below 1 means mailsec is faster or smaller)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
