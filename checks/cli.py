"""`mailsec check` / `python -m checks`: the engine from a terminal. No Django, no database."""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import re
import sys
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NoReturn, TextIO

from checks import scoring
from checks.config import CheckConfig, ConfigError, ca_bundle_problem, parse_hostport
from checks.domainname import DomainNameError, host_name_parent, to_ascii_domain
from checks.engine import check_domain
from checks.findings import (
    MECHANISM_TITLES,
    DomainReport,
    Finding,
    Mechanism,
    Status,
    both_ways,
    u_labels,
)
from checks.vantage import ResolverAnswer, VantageTargets, Verdict, check_resolvers

EXIT_OK, EXIT_FAIL, EXIT_NOT_CHECKED = 0, 1, 2
# sysexits.h EX_USAGE: a bad command line or configuration is not "could not check" (2), which
# scripts read as a fact about the domain.
EXIT_USAGE = 64

# DNS text of the checked domain reaches summaries, subjects and fixes: a control character in a
# record would move the cursor, retitle or clear the terminal, or forge output lines. Every
# C0/C1 control (and DEL) but tab is printed as \xNN.
_CONTROLS = {code: f"\\x{code:02x}" for code in [*range(0x20), *range(0x7F, 0xA0)] if code != 0x09}

COLOURS = {
    Status.PASS: "32",
    Status.INFO: "36",
    Status.WARN: "33",
    Status.FAIL: "31",
    Status.ERROR: "35",
    Status.NA: "90",
}


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        # argparse exits 2 on a usage error; 2 already means "could not check" here.
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def _positive_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    # float() takes "nan" and "inf": neither is a timeout asyncio can work with.
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a finite positive number of seconds")
    return value


def _at_least_one(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r}: at least 1 domain is checked at a time")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="mailsec check",
        description="Check the mail transport security of one or more domains.",
        epilog="Exit status: 0 no failure, 1 at least one failure, "
        "2 something could not be checked (and nothing failed), 64 usage or configuration error.",
    )
    parser.add_argument("domains", nargs="*", metavar="DOMAIN")
    parser.add_argument(
        "--file",
        action="append",
        default=[],
        metavar="PATH",
        help="read domains from PATH ('-' for standard input), one a line; blank lines and "
        "'#' comments are skipped; checked after the DOMAIN arguments (repeatable)",
    )
    parser.add_argument(
        "--json",
        action="store_true",
        help="one JSON object per name given, in the order given, one per line (a domain "
        "named twice is checked once and its object written twice)",
    )
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
    parser.add_argument(
        "--timeout", type=_positive_seconds, metavar="SECONDS", help="per network operation"
    )
    parser.add_argument(
        "--concurrency", type=_at_least_one, default=20, metavar="N", help="domains checked at once"
    )
    return parser


class NamesFileError(Exception):
    """A --file that cannot be read as names: a usage error (64), said before any probe."""


# A comment after a name: white space, then '#'. A '#' inside a word is left to the name's own
# reading (checks.domainname), as on the command line.
_TRAILING_COMMENT = re.compile(r"\s#")


def names_in(text: str) -> list[str]:
    """The names of a names file: one a line, each stripped of white space (a CRLF file's \\r
    too); blank lines, lines starting with '#' and a comment after white space and '#' give no
    name. A line holding two names is kept whole: the name's reading refuses it and says so."""
    names = []
    for raw in text.split("\n"):
        line = _TRAILING_COMMENT.split(raw.strip(), maxsplit=1)[0].strip()
        if line and not line.startswith("#"):
            names.append(line)
    return names


def read_names_file(path: str) -> list[str]:
    """The names of the file at `path`, or of standard input for '-' (names_in). Read as UTF-8
    (a byte order mark at its start is no part of the first name); NamesFileError says why it
    cannot be."""
    try:
        if path == "-":
            if sys.stdin is None:  # started with standard input closed
                raise NamesFileError("standard input is closed")
            data = sys.stdin.buffer.read()
        else:
            data = Path(path).read_bytes()
    except FileNotFoundError:
        raise NamesFileError("no such file") from None
    except IsADirectoryError:
        raise NamesFileError("is a directory, not a file of names") from None
    except OSError as exc:
        raise NamesFileError(f"cannot be read ({exc.strerror or exc})") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise NamesFileError(
            f"not UTF-8 text (line {line}, byte 0x{data[exc.start]:02x}): save it as UTF-8"
        ) from None
    return names_in(text)


def _names_given(parser: argparse.ArgumentParser, args: argparse.Namespace) -> list[str]:
    """The DOMAIN arguments, then the names of each --file in turn. A file that cannot be read,
    or no name at all, ends the command with exit 64 and one line on standard error."""
    names = list(args.domains)
    for path in args.file:
        try:
            names += read_names_file(path)
        except NamesFileError as exc:
            parser.exit(EXIT_USAGE, f"{parser.prog}: error: --file {_safe(path)}: {exc}\n")
    if not names and args.file:
        # A names file emptied by mistake must not read as "nothing failed" (exit 0).
        files = ", ".join(_safe(path) for path in args.file)
        holds = "holds" if len(args.file) == 1 else "hold"
        parser.exit(
            EXIT_USAGE,
            f"{parser.prog}: error: --file {files}: {holds} no domain name, and none was given\n",
        )
    if not names:
        parser.error("no DOMAIN given: name one or more, or read them from a file (--file PATH)")
    return names


def make_config(args: argparse.Namespace) -> CheckConfig:
    config = CheckConfig.from_env()
    # Whichever resolver is asked, it is the user's: failed lookups name it, not "ours".
    changes: dict[str, object] = {"resolvers_are_users": True}
    if args.resolver:
        changes["resolvers"] = tuple(parse_hostport(r) for r in args.resolver)
    if args.ca_bundle:
        if problem := ca_bundle_problem(args.ca_bundle):
            raise ConfigError(f"--ca-bundle {args.ca_bundle}: {problem}")
        changes["ca_bundle"] = args.ca_bundle
    if args.allow_private_targets:
        changes["allow_private_targets"] = True
    if args.selector:
        changes["dkim_selectors"] = tuple(args.selector)
    if args.timeout is not None:
        changes["timeout"] = args.timeout
    return replace(config, **changes)  # type: ignore[arg-type]


def _safe(text: str) -> str:
    return text.translate(_CONTROLS)


def _paint(text: str, status: Status, colour: bool) -> str:
    return f"\033[{COLOURS[status]}m{text}\033[0m" if colour else text


def receives_no_mail(report: DomainReport) -> bool:
    """A null-MX domain, whose transport checks did not apply (scoring.receives_no_mail)."""
    return scoring.receives_no_mail(report.score_detail, (f.id for f in report.findings))


def looks_like_host_of(
    report: DomainReport, extra_public_suffixes: tuple[str, ...] = ()
) -> str | None:
    """The mail domain a checked name such as mta-sts.example.com looks like a host of
    (checks.domainname.host_name_parent); None for a name refused before any lookup."""
    if report.error:
        return None
    return host_name_parent(report.domain, extra_public_suffixes)


def host_name_note(domain: str, parent: str) -> str:
    """The one line that says so, as the free check's report page says it. It says why the
    parent is the one to check (it is the domain in the addresses) rather than "mail for
    example.com is checked at example.com", which named it twice and told nothing (s41q)."""
    return (
        f"{domain} looks like a host name, not the domain after the @ in email addresses: "
        f"for mail to …@{parent}, check {parent} instead"
    )


def json_object(
    report: DomainReport, extra_public_suffixes: tuple[str, ...] = ()
) -> dict[str, Any]:
    """The `--json` object (docs/cli.md): the report, what its score rates, which the human
    output says in words (a null-MX domain's score is "n/a" there), and the mail domain the
    name looks like a host of, as the human output's note says it."""
    scope = scoring.score_scope(report.score_detail, (f.id for f in report.findings))
    host_of = looks_like_host_of(report, extra_public_suffixes)
    return {**report.to_dict(), **scope, "looks_like_host_of": host_of}


def _title(mechanism: str) -> str:
    return MECHANISM_TITLES[Mechanism(mechanism)] if mechanism in set(Mechanism) else mechanism


# The reasons (checks.scoring.score_category) of a category without weight that a reader could
# take for something the score missed.
_WORTH_A_WORD = {"failing", "weaknesses", "could not be checked"}


def _rubric_lines(detail: dict[str, Any]) -> list[str]:
    """What each category cost on the 0-100 score (docs/scoring.md), costliest first, then
    the categories left out of it and why."""
    if detail.get(scoring.DOES_NOT_EXIST):
        return []  # the headline says why there is no score; nine "not counted" say no more
    categories: dict[str, dict[str, Any]] = detail.get("categories", {})
    lost = sorted(
        (
            (float(c.get("score_lost") or 0), name, c)
            for name, c in categories.items()
            if c.get("counted") and c.get("weight") and c.get("score_lost")
        ),
        key=lambda item: -item[0],
    )
    lines = []
    if lost:
        parts = [
            f"{_title(name)} −{points:g} ({c.get('reason')}: {', '.join(c.get('costs') or [])})"
            if c.get("costs")
            else f"{_title(name)} −{points:g} ({c.get('reason')})"
            for points, name, c in lost
        ]
        lines.append(f"  points lost: {'; '.join(parts)}")
    # "not deployed (not scored)" reads as nested parentheses inside the list's own. BIMI has
    # no weight: when it fails, warns or could not be checked, that sits next to the score, so
    # it is said to be never scored.
    left_out = [
        f"{_title(name)} ({str(c.get('reason')).replace(' (not scored)', ', not scored')})"
        if c.get("weight")
        else f"{_title(name)} (never scored)"
        for name, c in categories.items()
        if (c.get("weight") and not c.get("counted"))
        or (not c.get("weight") and c.get("reason") in _WORTH_A_WORD)
    ]
    if left_out:
        lines.append(f"  not counted: {'; '.join(left_out)}")
    return lines


def headline(report: DomainReport, no_mail: bool = False) -> str:
    """The score as the first line says it, with how much of it could be checked: a category
    that could not be checked leaves the score (docs/scoring.md rule 4), so "100/100" on DKIM,
    DMARC and TLS-RPT alone must not read as a clean 100."""
    detail = report.score_detail
    if detail.get(scoring.DOES_NOT_EXIST):
        # Nothing to rate (NXDOMAIN at the name): not "n/a" as if something were left out.
        return "no score: the domain does not exist"
    partial = detail.get("partial")
    cover = scoring.coverage(detail)
    if report.score is None and not no_mail and cover.of and not cover.checked:
        # Nothing scored could be checked (a resolver that never answered): less than half,
        # so said as docs/scoring.md says it; "n/a" is a null MX's word (no mail, no transport).
        return (
            f"not enough checked for a score: none of the {cover.of} points could be checked "
            f"(partial: {cover.missing_words})"
        )
    if report.score is None or no_mail:
        # A domain that receives no mail is "not applicable" for transport, neither 100 % nor
        # 0 %; the next line says what its number rates.
        missing = cover.missing_words or "some checks could not run"
        return f"score n/a (partial: {missing})" if partial else "score n/a"
    score = f"{report.score}/100"
    if cover.complete:
        return (
            f"score {score} (partial: {scoring.PARTIAL_NOTHING_SCORED})"
            if partial
            else (f"score {score}")
        )
    rated = f"{score} {cover.for_words} (partial: {cover.missing_words})"
    return f"score {rated}" if cover.enough else f"not enough checked for a score: {rated}"


def _same_lines(findings: Sequence[Finding]) -> list[tuple[Finding, list[str], int]]:
    """Findings that would print the same line (status, words, subject and fix) as one: an
    unsigned zone's five "is not signed; nothing to check" rows, as the domain page's changes
    box counts identical lines. Each comes with its check ids in order and how many findings
    it stands for; the JSON keeps every finding."""
    groups: dict[tuple[str, str, str, str], tuple[Finding, list[str], int]] = {}
    for f in findings:
        key = (str(f.status), f.summary, f.subject, f.fix)
        first, ids, count = groups.get(key, (f, [], 0))
        groups[key] = (first, ids if f.id in ids else [*ids, f.id], count + 1)
    return list(groups.values())


def render_text(
    report: DomainReport,
    out: TextIO,
    colour: bool,
    extra_public_suffixes: tuple[str, ...] = (),
) -> None:
    # An internationalised domain as its owner knows it, then as the DNS holds it, on every
    # line that names it.
    domain = _safe(both_ways(report.domain))
    if report.error:
        out.write(f"{domain}: could not check: {_safe(report.error)}\n\n")
        return
    no_mail = receives_no_mail(report)
    out.write(f"{domain}  {headline(report, no_mail)}  [score v{report.score_version}]\n")
    # mta-sts.example.com reads _mta-sts.mta-sts.example.com, which nobody publishes: the
    # findings below are true of the name, and rarely what was meant.
    parent = looks_like_host_of(report, extra_public_suffixes)
    if parent:
        # The parent's A-labels are already in brackets after the name it ends.
        out.write(f"  note: {host_name_note(domain, _safe(u_labels(parent)))}\n")
    if no_mail:
        counted = [MECHANISM_TITLES[m] for m in scoring.counted_categories(report.score_detail)]
        rated = (
            f" {report.score}/100 for what applies: {', '.join(counted)}."
            if report.score is not None
            else ""
        )
        missing = scoring.coverage(report.score_detail).missing_words
        if rated and missing:
            rated += f" {missing[0].upper()}{missing[1:]}."
        out.write(
            f"  {domain} receives no mail (null MX, RFC 7505): MTA-STS, TLS-RPT, STARTTLS and "
            f"DANE do not apply.{rated}\n"
        )
    for line in _rubric_lines(report.score_detail):
        out.write(line + "\n")
    for mechanism, findings in report.by_mechanism().items():
        if not findings:
            continue
        out.write(f"\n  {MECHANISM_TITLES[Mechanism(mechanism)]}\n")
        order = [Status.FAIL, Status.ERROR, Status.WARN, Status.INFO, Status.PASS, Status.NA]
        category = report.score_detail.get("categories", {}).get(str(mechanism), {})
        costs = set(category.get("costs") or ()) if category.get("weight") else set()
        ordered = sorted(findings, key=lambda f: (order.index(f.status), f.id))
        for finding, ids, count in _same_lines(ordered):
            label = _paint(f"{finding.status.upper():5}", finding.status, colour)
            subject = f" [{_safe(finding.subject)}]" if finding.subject else ""
            more = ""
            if len(ids) > 1:
                more = f" (also {', '.join(_safe(i) for i in ids[1:])})"
            elif count > 1:
                more = f" (×{count})"
            out.write(
                f"    {label} {_safe(finding.id):10} {_safe(finding.summary)}{subject}{more}\n"
            )
            # An absence (no DMARC record, no MTA-STS) is an `info` that costs the category's
            # points: its fix is the record to publish, as needed as any fail's.
            if finding.fix and (
                finding.status in (Status.FAIL, Status.WARN) or costs.intersection(ids)
            ):
                # Only our own line breaks start a new "fix:" line; str.splitlines() would also
                # break at \r, \v, \f, \x1c-\x1e and \x85 taken from a record.
                for line in finding.fix.rstrip("\n").split("\n"):
                    out.write(f"          fix: {_safe(line)}\n")
    out.write(f"\n  checked in {report.duration_ms} ms\n\n")


def _refusal(domain: str, config: CheckConfig) -> DomainReport | None:
    """The report of a name refused before any lookup, as the free check refuses it.

    The engine takes special-use names (.local, .internal, home.arpa…: RFC 6761 and later), as a
    lab needs them; nobody on the internet can look them up or send mail to them, so asking the
    resolver would only read our own network's answers. Allowed with the lab's setting
    (--allow-private-targets) or under MAILSEC_EXTRA_PUBLIC_SUFFIXES, as on the web.
    """
    try:
        to_ascii_domain(
            domain,
            extra_public_suffixes=config.extra_public_suffixes,
            allow_special_use=config.allow_private_targets,
        )
    except DomainNameError as exc:
        return DomainReport(domain=domain, started_at=datetime.now(UTC).isoformat(), error=str(exc))
    return None


def distinct_names(domains: Sequence[str], config: CheckConfig) -> tuple[list[str], list[int]]:
    """Each domain of `domains` once, as first given, and for each name given the index of its
    domain in that list. A list kept by hand names one in capitals, with the root's dot, as
    U-label and A-label: each would be checked again, its MX hosts probed again at the same
    moment. A name refused before any lookup is kept as given, once per spelling."""
    index: dict[str, int] = {}
    kept: list[str] = []
    where: list[int] = []
    for domain in domains:
        try:
            key = to_ascii_domain(
                domain,
                extra_public_suffixes=config.extra_public_suffixes,
                allow_special_use=config.allow_private_targets,
            )
        except DomainNameError:
            key = domain
        if key not in index:
            index[key] = len(kept)
            kept.append(domain)
        where.append(index[key])
    return kept, where


async def run_checks(
    domains: Sequence[str], config: CheckConfig, concurrency: int
) -> list[DomainReport]:
    limit = asyncio.Semaphore(max(1, concurrency))

    async def one(domain: str) -> DomainReport:
        refused = _refusal(domain, config)
        if refused is not None:
            return refused
        async with limit:
            return await check_domain(domain, config)

    return list(await asyncio.gather(*(one(d) for d in domains)))


# Once the checks are done, the resolver self-check (checks.vantage) gets at most this much
# longer. It asks the same resolver two questions, so it is done by then in practice; a resolver
# that never answers about the self-check's names must not hold a finished run up for a whole
# timeout. Unfinished, it says nothing: "could not tell" is no warning.
VANTAGE_GRACE_SECONDS = 2.0


def resolver_warning(answers: Sequence[ResolverAnswer]) -> str:
    """The one line to print when a resolver is down (it does not answer, answers SERVFAIL or
    says names that exist do not: checks.vantage.check_resolver) or does not validate DNSSEC
    as the checks need; "" when none is known to be either.

    Down, it says what that does to the results below: with every resolver down, each
    "could not check" (and, from one that answers NXDOMAIN, each "does not exist") is the
    resolver's doing, not the domain's. With others that answer, the engine asked them in
    its place (checks.dns: a timeout or SERVFAIL goes to the next resolver), so no result is
    blamed on it as a whole."""
    down = [a for a in answers if a.verdict == Verdict.DOWN]
    broken = [a for a in answers if a.verdict == Verdict.BROKEN]
    parts = []
    if down:
        said = "; ".join(f"DNS resolver {a.resolver} {a.detail}" for a in down)
        if len(down) < len(answers):
            said += (
                "; the other resolvers were asked in its place, so a result below may still "
                "be its doing"
            )
        elif any(a.nxdomain for a in down):
            said += (
                ". So a domain below that reads as not existing, and every 'could not check', "
                "is your resolver's doing, not the domain's: check again through a resolver "
                "that sees the public DNS (--resolver HOST:PORT)"
            )
        else:
            said += (
                ". So every 'could not check' below is your resolver's doing, not the "
                "domain's: check again through a resolver that answers (--resolver HOST:PORT)"
            )
        parts.append(said)
    if broken:
        said = "; ".join(f"DNS resolver {a.resolver} {a.detail}" for a in broken)
        parts.append(f"{said}; DNSSEC and DANE results are unreliable")
    # A mistyped MAILSEC_VANTAGE_SIGNED_NAME: the results are fine, the self-check is not.
    parts += [
        f"DNS resolver {a.resolver}: {a.detail}"
        for a in answers
        if a.verdict == Verdict.MISCONFIGURED
    ]
    if not parts:
        return ""
    return f"warning: {_safe('; '.join(parts))}"


async def run_checks_and_vantage(
    domains: Sequence[str], config: CheckConfig, concurrency: int, targets: VantageTargets
) -> tuple[list[DomainReport], str]:
    """The reports, and the resolver warning (resolver_warning), both asked at once. Names all
    refused before any lookup (an IP address, .local) ask the resolver nothing, so no
    self-check either."""
    if all(_refusal(domain, config) is not None for domain in domains):
        return await run_checks(domains, config, concurrency), ""
    probe = asyncio.create_task(check_resolvers(config, targets))
    reports = await run_checks(domains, config, concurrency)
    done, _ = await asyncio.wait({probe}, timeout=VANTAGE_GRACE_SECONDS)
    if not done:
        probe.cancel()
        return reports, ""
    if probe.exception() is not None:
        # The self-check is a caveat on the reports, never a reason to lose them.
        return reports, ""
    return reports, resolver_warning(probe.result())


def exit_status(reports: Sequence[DomainReport]) -> int:
    if any(r.any_fail for r in reports):
        return EXIT_FAIL
    if any(r.any_error for r in reports):
        return EXIT_NOT_CHECKED
    return EXIT_OK


def _write_reports(
    reports: Sequence[DomainReport], as_json: bool, extra_public_suffixes: tuple[str, ...]
) -> None:
    if as_json:
        for report in reports:
            data = json_object(report, extra_public_suffixes)
            sys.stdout.write(json.dumps(data, sort_keys=True) + "\n")
    else:
        colour = sys.stdout.isatty() and not os.environ.get("NO_COLOR")
        for report in reports:
            render_text(report, sys.stdout, colour, extra_public_suffixes)
    sys.stdout.flush()


def _silence_stdout() -> None:
    """After a broken pipe, stop the interpreter's own flush at exit from failing again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # stdout is no file (tests capture it)
        pass


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    # Intermixed: names may come before and after options (`a.com --file clients.txt b.com`).
    args = parser.parse_intermixed_args(argv)
    names = _names_given(parser, args)
    try:
        config = make_config(args)
        targets = VantageTargets.from_env()
    except ConfigError as exc:
        parser.error(str(exc))
    distinct, where = distinct_names(names, config)
    checked, warning = asyncio.run(
        run_checks_and_vantage(distinct, config, args.concurrency, targets)
    )
    # One object per name given, in the order given: a domain named twice is checked once.
    reports = [checked[i] for i in where]
    if warning:
        # stderr: the --json lines on stdout stay one object per domain.
        sys.stderr.write(warning + "\n")
        sys.stderr.flush()
    try:
        _write_reports(reports, args.json, config.extra_public_suffixes)
    except BrokenPipeError:
        # The reader stopped reading (`| head`): not our failure, so no traceback. Every check
        # has run, so the status is still theirs.
        _silence_stdout()
    return exit_status(reports)
