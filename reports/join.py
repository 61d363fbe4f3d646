"""What senders reported, next to what our own latest check of the domain saw.

A TLS-RPT result type (RFC 8460 §4.3) says what went wrong from the sender's side; the
domain's latest CheckRun says what we saw from ours, finding by finding (checklist IDs). Each
result type maps to the findings that test the same thing — e.g. `certificate-expired` to
SMTP-10 (certificate validity period), `sts-policy-fetch-error` to MTASTS-10..17 (policy host
and fetch) — and, where the report names receiving MX hosts, to the findings about those
hosts. The outcome is one sentence a person can act on:

  certificate-expired reported for mx2.example.com — our last check (2 Jun 2026, 06:00 UTC)
  saw: The certificate of mx2.example.com [192.0.2.2] expired on 2026-06-01.

(so in an alert, in UTC; the dashboard gives the time in the reader's zone: "our last check,
at 1 Jun 2026, 23:00 (America/Los_Angeles), saw: …")

or, when our check saw nothing wrong, that it did not (the failure may be intermittent, on one
address, or on the sender's side).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from checks.mtasts import policy_matches
from mailsec.accounts.templatetags.zones import reader_time, utc_time
from reports.explain import defined_type

if TYPE_CHECKING:
    from mailsec.domains.models import CheckRun

# Result type → the checklist findings that test the same property (checklist §7–§10).
RELATED: dict[str, tuple[str, ...]] = {
    "starttls-not-supported": ("SMTP-01", "SMTP-02", "SMTP-03", "SMTP-04"),
    "certificate-host-mismatch": ("SMTP-11", "SMTP-12", "MTASTS-30"),
    "certificate-expired": ("SMTP-10",),
    "certificate-not-trusted": ("SMTP-09", "SMTP-16"),
    "validation-failure": ("SMTP-04", "SMTP-07", "SMTP-08", "SMTP-09", "SMTP-14"),
    "tlsa-invalid": ("DANE-04", "DANE-05", "DANE-07", "DANE-08", "DANE-09"),
    "dnssec-invalid": ("DNSSEC-01", "DNSSEC-02", "DNSSEC-05", "DNSSEC-08", "DNSSEC-09", "DANE-02"),
    "dane-required": ("DANE-01", "DANE-02", "DANE-10"),
    "sts-policy-fetch-error": (
        "MTASTS-10",
        "MTASTS-11",
        "MTASTS-12",
        "MTASTS-13",
        "MTASTS-14",
        "MTASTS-16",
        "MTASTS-17",
    ),
    "sts-policy-invalid": (
        "MTASTS-15",
        "MTASTS-19",
        "MTASTS-20",
        "MTASTS-21",
        "MTASTS-22",
        "MTASTS-23",
        "MTASTS-24",
        "MTASTS-25",
        "MTASTS-26",
    ),
    # RFC 8460 §4.3.2.2: the policy could not be authenticated by PKIX validation — the
    # certificate of mta-sts.<domain> (MTASTS-12, and MTASTS-13 for the one SNI selects);
    # MTASTS-32 for the senders that use the type for an MX failing MTA-STS validation.
    "sts-webpki-invalid": ("MTASTS-12", "MTASTS-13", "MTASTS-32"),
}


# Result types about the MTA-STS policy host of the report's policy domain (RFC 8460 §4.3.2.2),
# whatever MX the sender names: our check fetched the domain's own policy only.
ABOUT_POLICY_HOST = ("sts-policy-fetch-error", "sts-policy-invalid", "sts-webpki-invalid")


def compared_with_check(result_type: str) -> bool:
    """Whether the dashboard reads `result_type` next to what our latest check saw (RELATED):
    a new failure of such a type brings the domain's next check forward
    (reports.alerts.check_soon), so that line is about the domain now, not hours ago."""
    return defined_type(result_type) in RELATED


# Worst first, as checks.findings.SEVERITY_ORDER; "error" is "could not check".
_RANK = {"fail": 0, "error": 1, "warn": 2, "info": 3, "pass": 4, "na": 5}
PROBLEM = ("fail", "warn")  # "error" is could-not-check: never a problem seen
MAX_SHOWN = 3


@dataclass
class CheckSight:
    """What the latest check saw about one reported result type."""

    result_type: str
    hosts: list[str]
    # "problem" (our check saw it too), "clear" (it did not), "untested", "no-check",
    # "not-compared" (a type outside RFC 8460 §4.3: no finding is known to test it)
    verdict: str
    text: str
    findings: list[dict[str, Any]] = field(default_factory=list)


def _host_of(subject: str) -> str:
    """'mx2.example.com [192.0.2.2]', 'mx2.example.com (192.0.2.2)' or a TLSA name
    '_25._tcp.mx2.example.com' → 'mx2.example.com'."""
    host = subject.split(" ", 1)[0].rstrip(",").rstrip(".").lower()
    while host.startswith("_") and "." in host:
        host = host.split(".", 1)[1]
    return host


def mx01_hosts(finding: dict[str, Any]) -> set[str]:
    """The MX host names in an MX-01 finding's answers ("10 mx1.example.com.")."""
    answers = (finding.get("evidence") or {}).get("answers") or []
    return {str(a).split()[-1].rstrip(".").lower() for a in answers if str(a).split()}


def mx_hosts_seen(run: CheckRun) -> set[str]:
    """The MX hosts the check knew of: MX-01's answers, and the host of every finding about
    one MX address ('mx1.example.com [192.0.2.1]', 'mx1.example.com (192.0.2.1)')."""
    hosts: set[str] = set()
    for f in run.findings or []:
        subject = str(f.get("subject") or "")
        if f.get("id") == "MX-01":
            hosts |= mx01_hosts(f)
        elif " [" in subject or " (" in subject:
            hosts.add(_host_of(subject))
    return hosts


def _about_other_hosts(finding: dict[str, Any], hosts: list[str]) -> bool:
    """A problem the finding's subject calls domain-wide but that is about MX hosts other
    than `hosts`: MTASTS-30 (subject the domain) when each reported host matches an mx pattern
    of the policy — the hosts that match none, which its summary names, are others."""
    if finding.get("id") != "MTASTS-30" or finding.get("status") not in PROBLEM:
        return False
    patterns = (finding.get("evidence") or {}).get("patterns") or []
    return all(any(policy_matches(str(p), h) for p in patterns) for h in hosts)


def _shows(result_type: str, finding: dict[str, Any]) -> bool:
    """Whether `finding` is the reported failure seen by our check, not only a problem with
    the same property: SMTP-10 also warns of a certificate that expires soon, which is not
    certificate-expired (a certificate still valid when we checked, days_left ≥ 0)."""
    if finding.get("status") not in PROBLEM:
        return False
    if result_type == "certificate-expired" and finding.get("id") == "SMTP-10":
        evidence = finding.get("evidence") or {}
        days = (evidence.get("leaf") or {}).get("days_left")
        valid = evidence.get("verify_error") not in ("expired", "not-yet-valid")
        return not (isinstance(days, int) and days >= 0 and valid)
    return True


def _own_policy(run: CheckRun, domain: str) -> tuple[bool, str]:
    """Whether `run` fetched the domain's own MTA-STS policy, and what it did with it as a
    clause after "our last check, which". Read from its MTA-STS findings (checks.mtasts): only
    a policy answered with status 200 (MTASTS-14 pass) was fetched; no record (MTASTS-01
    info) means none was asked for, and a record whose policy did not come (MTASTS-10, or
    could-not-check errors only) is no fetched policy either."""
    found = {(f.get("id"), f.get("status")) for f in run.findings or []}
    record = {status for fid, status in found if fid == "MTASTS-01"}
    if ("MTASTS-14", "pass") in found:
        return True, f"fetched the policy of {domain}"
    return False, _no_policy(record, domain)


def _no_policy(record: set[str], domain: str) -> str:
    """Why a check fetched no policy of `domain`, from the statuses of its MTASTS-01."""
    if "info" in record:
        return f"found no MTA-STS record for {domain}, so no policy to fetch"
    if "error" in record:
        return f"could not look up the MTA-STS record of {domain}, so fetched no policy"
    if "na" in record:
        return f"fetched no policy: {domain} accepts no mail (null MX)"
    if "pass" in record:
        return f"could not fetch the policy of {domain}"
    return f"did not check the MTA-STS policy of {domain}"


def _when(run: CheckRun, local: bool) -> str:
    """When `run` finished, as a clause after "our last check": in brackets and UTC for the
    alert's text (its email, kept as written), " (2 Jun 2026, 06:00 UTC)" (utc_time; before
    s44h "2026-06-02 06:00 UTC"); for the dashboard
    (`local`) in the reader's zone, naming it, as the readiness reasons beside it say it
    (s43m; before, UTC there too): ", at 1 Jun 2026, 23:00 (America/Los_Angeles),"."""
    moment = run.finished or run.created
    if local:
        return f", at {reader_time(moment)},"
    return f" ({utc_time(moment)})"


def sight(
    result_type: str,
    hosts: list[str],
    run: CheckRun | None,
    *,
    other_policy: str = "",
    domain: str = "",
    reported_until: datetime | None = None,
    local: bool = False,
) -> CheckSight:
    """Join one reported result type (and the MX hosts it was reported for) with `run`, the
    latest check of `domain`. `other_policy`: the policy domain of the reports, when it is a
    name below `domain` (shop.example.com) and the type is about its policy host.
    `reported_until`: the end of the latest date range the type was reported in; a check
    that finished before it may predate the failures, so its "no such problem" is no sign
    that they stopped. `local`: for a page, the check's time in the reader's zone (the
    dashboard); else in UTC, as an alert's text keeps it (reports.alerts)."""
    hosts = sorted({h.rstrip(".").lower() for h in hosts if h})
    # No finished check to speak of (never run, only failed runs, or no findings): no line
    # below may then say what "our last check" did or saw.
    no_check = run is None or not run.findings or getattr(run, "status", "done") != "done"
    not_yet = f"no check of {domain or 'this domain'} has finished yet"
    if other_policy and defined_type(result_type) in ABOUT_POLICY_HOST:
        # Counted here (a name below the domain sharing its address), but its policy is
        # served by mta-sts.<that name>, which our check of the domain never fetched.
        if no_check:
            return CheckSight(
                result_type,
                hosts,
                "not-compared",
                f"{result_type} reported for the MTA-STS policy of {other_policy} — not "
                f"compared with a check: {not_yet}, and a check of {domain} fetches the "
                f"policy of {domain}, not this one (from mta-sts.{other_policy}); add "
                f"{other_policy} as a domain to have it checked.",
            )
        fetched, did = _own_policy(run, domain)
        if fetched:
            return CheckSight(
                result_type,
                hosts,
                "not-compared",
                f"{result_type} reported for the MTA-STS policy of {other_policy} — not "
                f"compared with our last check, which {did}, not this one (from "
                f"mta-sts.{other_policy}); add {other_policy} as a domain to have it checked.",
            )
        # It did not fetch the domain's own policy either: say what it did, not "fetched".
        return CheckSight(
            result_type,
            hosts,
            "not-compared",
            f"{result_type} reported for the MTA-STS policy of {other_policy} — not compared "
            f"with our last check, which {did}; a check of {domain} looks only for the policy "
            f"of {domain}, not this one (from mta-sts.{other_policy}); add {other_policy} as "
            "a domain to have it checked.",
        )
    head = f"{result_type}{' reported for ' + ', '.join(hosts) if hosts else ' reported'}"
    if defined_type(result_type) is None:
        # "Our check did not test this" would be a guess: a sender's own type (say
        # tls-version-mismatch) may be about something our check does test.
        if no_check:
            return CheckSight(
                result_type,
                hosts,
                "not-compared",
                f"{head} — not a result type of RFC 8460 §4.3, so it would not be compared "
                f"with a check: which of our checks would test it is not known ({not_yet}).",
            )
        return CheckSight(
            result_type,
            hosts,
            "not-compared",
            f"{head} — not a result type of RFC 8460 §4.3, so it is not compared with our "
            "last check: which of our checks would test it is not known.",
        )
    if run is None or no_check:
        return CheckSight(result_type, hosts, "no-check", f"{head} — {not_yet} to compare with.")
    # A defined type in odd letters ("Certificate-Expired") is that type: compared with the
    # same findings, though the sentence keeps the sender's spelling.
    ids = RELATED.get(defined_type(result_type) or "", ())
    related = [f for f in run.findings if f.get("id") in ids]
    # The reported hosts the related findings are about, when they are about MX hosts.
    on_hosts: list[dict[str, Any]] = []
    if hosts:
        # Findings about other MX hosts say nothing about these, whatever their mechanism
        # (MTASTS-32 is per MX too); domain-wide ones (policy host, DNSSEC) have a subject
        # that is not an MX host and are kept.
        others = mx_hosts_seen(run) - set(hosts)
        related = [
            f
            for f in related
            if _host_of(f.get("subject", "")) not in others and not _about_other_hosts(f, hosts)
        ]
        on_hosts = [f for f in related if _host_of(f.get("subject", "")) in hosts]
        about_mx = [f for f in related if f.get("mechanism") in ("smtp", "dane")]
        if on_hosts or about_mx:
            # Each finding once: those on the hosts, then the domain-wide ones.
            related = on_hosts + [
                f
                for f in related
                if f.get("mechanism") not in ("smtp", "dane") and not any(f is g for g in on_hosts)
            ]
    when = _when(run, local)
    if not related:
        return CheckSight(
            result_type,
            hosts,
            "untested",
            f"{head} — our last check{when} did not test this"
            + (" for these hosts." if hosts else "."),
        )
    related.sort(key=lambda f: (_RANK.get(f.get("status", ""), 9), f.get("id", "")))
    problems = [f for f in related if _shows(defined_type(result_type) or "", f)]
    errors = [f for f in related if f.get("status") == "error"]
    if errors and not problems:
        return CheckSight(
            result_type,
            hosts,
            "untested",
            f"{head} — our last check{when} could not test this: "
            f"{errors[0].get('summary', '').strip()}",
            errors[:1],
        )
    if problems:
        shown = problems[:MAX_SHOWN]
        saw = " ".join(f.get("summary", "").strip() for f in shown)
        more = f" (and {len(problems) - MAX_SHOWN} more)" if len(problems) > MAX_SHOWN else ""
        return CheckSight(
            result_type,
            hosts,
            "problem",
            f"{head} — our last check{when} saw: {saw}{more}",
            shown,
        )
    shown = related[:1]
    summary = shown[0].get("summary", "").strip()
    # Made before the reports' period ended, the check may predate the failures: "fixed
    # since" would be a guess the check cannot back, so the line says to check again.
    moment = run.finished or run.created
    older = reported_until is not None and moment < reported_until
    maybe = (
        "the failures may have begun after it, as that check was made before the reported "
        f"period ended ({utc_time(reported_until)}): check the domain again to see "
        "it as it is now."
        if older and reported_until is not None
        else ""
    )
    # A reported host the check has no such finding about (unreachable from here, or not
    # among the MX hosts it saw) was not seen clear: "no such problem" is said only of the
    # hosts it tested, and the failure may well be on the others.
    tested = {_host_of(f.get("subject", "")) for f in on_hosts}
    untested = [h for h in hosts if h not in tested] if on_hosts else []
    if untested:
        return CheckSight(
            result_type,
            hosts,
            "clear",
            f"{head} — our last check{when} saw no such problem on "
            f"{', '.join(h for h in hosts if h in tested)}: {summary} It did not test this "
            f"on {', '.join(untested)}, where the failure may be; "
            + (
                f"or {maybe}"
                if maybe
                else "or it is intermittent, on one address only, fixed since, or on the "
                "sender's side."
            ),
            shown,
        )
    return CheckSight(
        result_type,
        hosts,
        "clear",
        f"{head} — our last check{when} saw no such problem: {summary} "
        + (
            maybe[0].upper() + maybe[1:]
            if maybe
            else "The failure may be intermittent, on one address only, fixed since, or on "
            "the sender's side."
        ),
        shown,
    )
