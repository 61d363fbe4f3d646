"""`mailsec check` / `python -m checks`: the engine from a terminal. No Django, no database."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from collections.abc import Sequence
from dataclasses import replace
from typing import TextIO

from checks.config import CheckConfig, ConfigError, parse_hostport
from checks.engine import check_domain
from checks.findings import MECHANISM_TITLES, DomainReport, Mechanism, Status

EXIT_OK, EXIT_FAIL, EXIT_NOT_CHECKED = 0, 1, 2

COLOURS = {
    Status.PASS: "32",
    Status.INFO: "36",
    Status.WARN: "33",
    Status.FAIL: "31",
    Status.ERROR: "35",
    Status.NA: "90",
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mailsec check",
        description="Check the mail transport security of one or more domains.",
        epilog="Exit status: 0 no failure, 1 at least one failure, "
        "2 something could not be checked (and nothing failed).",
    )
    parser.add_argument("domains", nargs="+", metavar="DOMAIN")
    parser.add_argument("--json", action="store_true", help="one JSON object per domain, per line")
    parser.add_argument(
        "--resolver",
        action="append",
        metavar="HOST:PORT",
        help="DNS resolver to use (repeatable; default: MAILSEC_RESOLVER or the system's)",
    )
    parser.add_argument("--ca-bundle", metavar="PATH", help="PEM file of trusted root CAs")
    parser.add_argument(
        "--allow-private-targets",
        action="store_true",
        help="allow connections to private and loopback addresses (labs only)",
    )
    parser.add_argument(
        "--selector", action="append", default=[], metavar="S", help="DKIM selector to try"
    )
    parser.add_argument("--timeout", type=float, metavar="SECONDS", help="per network operation")
    parser.add_argument(
        "--concurrency", type=int, default=20, metavar="N", help="domains checked at once"
    )
    return parser


def make_config(args: argparse.Namespace) -> CheckConfig:
    config = CheckConfig.from_env()
    changes: dict[str, object] = {}
    if args.resolver:
        changes["resolvers"] = tuple(parse_hostport(r) for r in args.resolver)
    if args.ca_bundle:
        if not os.path.isfile(args.ca_bundle):
            raise ConfigError(f"--ca-bundle {args.ca_bundle}: no such file")
        changes["ca_bundle"] = args.ca_bundle
    if args.allow_private_targets:
        changes["allow_private_targets"] = True
    if args.selector:
        changes["dkim_selectors"] = tuple(args.selector)
    if args.timeout is not None:
        if args.timeout <= 0:
            raise ConfigError("--timeout must be positive")
        changes["timeout"] = args.timeout
    return replace(config, **changes)  # type: ignore[arg-type]


def _paint(text: str, status: Status, colour: bool) -> str:
    return f"\033[{COLOURS[status]}m{text}\033[0m" if colour else text


def render_text(report: DomainReport, out: TextIO, colour: bool) -> None:
    if report.error:
        out.write(f"{report.domain}: could not check: {report.error}\n\n")
        return
    score = "n/a" if report.score is None else f"{report.score}/100"
    partial = " (partial: some checks could not run)" if report.score_detail.get("partial") else ""
    out.write(f"{report.domain}  score {score}{partial}  [score v{report.score_version}]\n")
    for mechanism, findings in report.by_mechanism().items():
        if not findings:
            continue
        out.write(f"\n  {MECHANISM_TITLES[Mechanism(mechanism)]}\n")
        order = [Status.FAIL, Status.ERROR, Status.WARN, Status.INFO, Status.PASS, Status.NA]
        for finding in sorted(findings, key=lambda f: (order.index(f.status), f.id)):
            label = _paint(f"{finding.status.upper():5}", finding.status, colour)
            subject = f" [{finding.subject}]" if finding.subject else ""
            out.write(f"    {label} {finding.id:10} {finding.summary}{subject}\n")
            if finding.fix and finding.status in (Status.FAIL, Status.WARN):
                for line in finding.fix.splitlines():
                    out.write(f"          fix: {line}\n")
    out.write(f"\n  checked in {report.duration_ms} ms\n\n")


async def run_checks(
    domains: Sequence[str], config: CheckConfig, concurrency: int
) -> list[DomainReport]:
    limit = asyncio.Semaphore(max(1, concurrency))

    async def one(domain: str) -> DomainReport:
        async with limit:
            return await check_domain(domain, config)

    return list(await asyncio.gather(*(one(d) for d in domains)))


def exit_status(reports: Sequence[DomainReport]) -> int:
    if any(r.any_fail for r in reports):
        return EXIT_FAIL
    if any(r.any_error for r in reports):
        return EXIT_NOT_CHECKED
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        config = make_config(args)
    except ConfigError as exc:
        parser.error(str(exc))
    reports = asyncio.run(run_checks(args.domains, config, args.concurrency))
    if args.json:
        for report in reports:
            sys.stdout.write(json.dumps(report.to_dict(), sort_keys=True) + "\n")
    else:
        colour = sys.stdout.isatty() and not os.environ.get("NO_COLOR")
        for report in reports:
            render_text(report, sys.stdout, colour)
    return exit_status(reports)
