"""What counts as a change worth telling someone about: pure functions of two check results.

`detect(baseline, current)` lists the regressions of `current` against the last confirmed state;
`evaluate(kind, key, before, current)` says whether one of them still holds in a later run.
Neither touches the database, so every rule is unit-tested on plain dicts (tests/test_alerts.py).

The one principle: `error` ("could not check": a timeout, SERVFAIL, a 421) is never evidence.
It never starts a regression, never confirms one and never counts as a fix; a rule whose inputs
could not be checked answers UNKNOWN.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

import dns.exception
import dns.rdata

from checks.findings import MECHANISM_TITLES, Mechanism
from checks.scoring import DOES_NOT_EXIST, NOT_SCORED_WHEN_ABSENT, is_absence
from mailsec.scoring.explain import cost_text, lost_points

# Certificate expiry warnings, in days; one alert per threshold crossed (tightest first wins).
CERT_THRESHOLDS = (2, 7, 21)

GOOD = {"pass", "info"}
BAD = {"warn", "fail"}

STATUS_WORDS = {
    "pass": "good",
    "info": "good",
    "na": "not applicable",
    "warn": "has warnings",
    "fail": "failing",
    "error": "could not be checked",
    "absent": "not deployed",
}

# Record presence is its own alert kind, so its finding is not also reported as "new failure".
RECORD_FINDINGS = {"mta-sts": "MTASTS-01", "tls-rpt": "TLSRPT-01"}
RECORD_TITLES = {"mta-sts": "MTA-STS record", "tls-rpt": "TLS-RPT record"}
# What each record begins with: other TXT records at the name are discarded by senders (RFC
# 8461 §3.1, RFC 8460 §3), so they are not the record to publish again.
RECORD_VERSIONS = {"mta-sts": "v=STSv1", "tls-rpt": "v=TLSRPTv1"}
MX_COVERAGE_FINDING = "MTASTS-30"
# One fault told two ways: a policy host whose answer to mta-sts.<domain> senders cannot use is
# MTASTS-12 (its certificate) or MTASTS-13 (the TLS handshake; its default certificate, when a
# second handshake without SNI shows the same one: checks/mtasts.py, 09fb40b). That handshake
# is best effort, so one fault can move between the two ids from run to run, and it moved
# between them under one score version: a move is no new failure and no fix.
SAME_FAULT = {"MTASTS-13": "MTASTS-12"}
SPECIFIC_FINDINGS = {*RECORD_FINDINGS.values(), MX_COVERAGE_FINDING}
# An MX host with a non-RSA first certificate is asked once more as a sender offering only RSA
# (checks/starttls.py). The findings on the certificate that comes back say which one they are
# about (evidence "second_certificate": its key type); a run whose RSA handshake got no answer
# says so (evidence "rsa_certificate": "untested") and knows nothing of that certificate.
SECOND_CERTIFICATE = "second_certificate"
MX_VALIDATION_FINDING = "MTASTS-32"
# The domain's name itself left the DNS (NXDOMAIN at the name: checks.scoring.DOES_NOT_EXIST,
# its registration lapsed or its delegation went): a record gone, the one change such a run
# raises, keyed "record-gone:name". Every other mechanism is then one "not checked" note, which
# neither confirms nor fixes nor closes anything.
NAME_RECORD = "name"
NAME_FINDING = "MX-01"
# Whether an MX address accepted our connection (checks/starttls.py _reachability): the one
# SMTP finding a run makes of an address that did not.
REACHABILITY_FINDING = "SMTP-01"


class Kind(enum.StrEnum):
    MECHANISM = "mechanism"  # a mechanism's verdict went from pass/info to warn/fail
    FINDING = "finding"  # a fail finding that was not failing before
    SCORE = "score"  # the score dropped by at least ALERT_SCORE_DROP
    CERT_EXPIRY = "cert-expiry"  # a policy host or MX certificate expires within 21/7/2 days
    MX_COVERAGE = "mx-coverage"  # the MX set no longer matches the MTA-STS policy
    RECORD_GONE = "record-gone"  # the MTA-STS or TLS-RPT record, or the name, disappeared


class Verdict(enum.StrEnum):
    HOLDS = "holds"
    CLEAR = "clear"
    UNKNOWN = "unknown"  # could not be checked this time: neither confirms nor clears
    # No longer applies (the domain stopped receiving mail: null MX): closed without a
    # "fixed" email, since nothing was fixed.
    MOOT = "moot"


# "mx1.example.com [192.0.2.1]" (SMTP, DANE) or "mx1.example.com (192.0.2.1)" (MTA-STS): the
# subject of a finding about one address of a host.
_ADDRESS_SUFFIX = re.compile(r" [\[(]([0-9A-Fa-f:.]+)[\])]$")


def host_subject(subject: str) -> str:
    """A per-address subject without its address. A problem is the host's: renumbering an MX
    must neither raise the same problem again nor tell the owner the old address is "fixed"."""
    return _ADDRESS_SUFFIX.sub("", subject)


def seen_at(subject: str, evidence: dict[str, Any] | None) -> set[str]:
    """The addresses of its host a problem was seen at: its subject's ("mx1 [192.0.2.1]"), the
    probe's in its evidence (SMTP findings carry it), and a certificate expiry's `addresses`
    (expiring_certificates). Empty for a problem of the host or the domain as a whole."""
    found = _ADDRESS_SUFFIX.search(subject or "")
    out = {found.group(1)} if found else set()
    ev = evidence or {}
    if isinstance(ev.get("address"), str) and ev["address"]:
        out.add(ev["address"])
    out.update(a for a in ev.get("addresses") or [] if isinstance(a, str) and a)
    return out


def title(mechanism: str) -> str:
    try:
        return MECHANISM_TITLES[Mechanism(mechanism)]
    except ValueError:
        return mechanism


def not_checked_of(detail: dict[str, Any] | None) -> tuple[str, ...] | None:
    """The scored categories a run could not check (its score_detail, or a stored Snapshot),
    or None when it does not say."""
    value = (detail or {}).get("not_checked")
    return tuple(sorted(value)) if isinstance(value, list | tuple) else None


def points_lost(
    detail: dict[str, Any] | None, findings: list[dict[str, Any]] | None = None
) -> list[str]:
    """Where a run's score lost its points, costliest first, as the domain page lists them
    next to the score: with `findings`, in the words of the findings that cost them ("MTA-STS
    −22.2 points: example.com has no MTA-STS record", scoring.explain.cost_text); without,
    the category's reason alone ("MTA-STS −22.2 (not deployed)"), for an alert whose changes
    above say what the findings are."""
    categories = (detail or {}).get("categories") or {}
    lines = []
    for mechanism, category in sorted(
        categories.items(),
        key=lambda item: -float(item[1].get("score_lost") or item[1].get("lost") or 0),
    ):
        if findings is None:
            points = lost_points(category)
            text = f"−{points} ({category.get('reason')})" if points else ""
        else:
            text = cost_text(category, findings)
        if text:
            lines.append(f"{title(mechanism)} {text}")
    return lines


# The findings that carry a host's certificate (Snapshot.certificates and lifetime read them).
CERTIFICATE_FINDINGS = frozenset({"MTASTS-11", "MTASTS-12", "MTASTS-13", "SMTP-10"})


@dataclass(frozen=True)
class Snapshot:
    """The parts of a check run the rules read. Stored as JSON as the confirmed baseline, so
    thinning old runs never takes the reference away."""

    mechanisms: dict[str, str]
    findings: list[dict[str, Any]]
    score: int | None
    taken_at: datetime
    score_version: int | None = None  # the rubric the score was made with
    # Scored categories that could not be checked (score_detail.not_checked; None when the
    # run did not say): two scores are comparable only with the same denominator.
    not_checked: tuple[str, ...] | None = None
    # The release of the checks that made the run (checks.scoring.CHECKS_RELEASE; None for
    # runs stored before releases were named).
    checks_release: str | None = None
    # Where the score lost its points (points_lost). Told in a score drop's alert; not kept in
    # the stored baseline (to_dict), as only the run that drops is told of.
    points_lost: tuple[str, ...] = ()

    @classmethod
    def from_run(cls, run: Any) -> Snapshot:
        return cls(
            mechanisms=dict(run.mechanisms or {}),
            findings=list(run.findings or []),
            score=run.score,
            taken_at=run.created,
            score_version=run.score_version,
            not_checked=not_checked_of(run.score_detail),
            checks_release=(run.score_detail or {}).get("checks_release"),
            points_lost=tuple(points_lost(run.score_detail)),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "mechanisms": self.mechanisms,
            "findings": self.findings,
            "score": self.score,
            "score_version": self.score_version,
            "not_checked": self.not_checked,
            "checks_release": self.checks_release,
            "taken_at": self.taken_at.isoformat(),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Snapshot:
        return cls(
            mechanisms=data.get("mechanisms") or {},
            findings=data.get("findings") or [],
            score=data.get("score"),
            taken_at=datetime.fromisoformat(data["taken_at"]),
            score_version=data.get("score_version"),
            not_checked=not_checked_of(data),
            checks_release=data.get("checks_release"),
        )

    def same_rubric(self, other: Snapshot) -> bool:
        """Scores and findings made with two versions of the rubric, or by two releases of the
        checks, are not comparable (docs/scoring.md). A run stored before releases were named
        is another release than one that names it: the first run after that deploy is one."""
        if self.checks_release != other.checks_release:
            return False
        return None in (self.score_version, other.score_version) or (
            self.score_version == other.score_version
        )

    def comparable_score(self, other: Snapshot) -> bool:
        """Same rubric, and the same scored categories left out as "could not be checked"
        (a category that could not be checked leaves the score's denominator)."""
        if not self.same_rubric(other):
            return False
        if self.not_checked is None or other.not_checked is None:
            # Stored before runs said which: fall back to "no errors on either side".
            return not self.errored_mechanisms() and not other.errored_mechanisms()
        return self.not_checked == other.not_checked

    def verdict(self, mechanism: str) -> str:
        return self.mechanisms.get(mechanism, "na")

    @property
    def does_not_exist(self) -> bool:
        """The run found the name not in the DNS (NXDOMAIN): nothing but MX was checked."""
        return any((f.get("evidence") or {}).get(DOES_NOT_EXIST) for f in self.findings)

    def errored(self, mechanism: str) -> bool:
        """True when anything in this mechanism could not be checked: its other findings may
        be missing because of that, so absence proves nothing."""
        return self.verdict(mechanism) == "error" or any(
            f.get("mechanism") == mechanism and f.get("status") == "error" for f in self.findings
        )

    def errored_mechanisms(self) -> set[str]:
        return {m for m in {*self.mechanisms, *(f.get("mechanism", "") for f in self.findings)}
                if m and self.errored(m)}  # fmt: skip

    def not_deployed(self, mechanism: str, guessed: bool = True) -> bool:
        """The run found this mechanism not deployed: no record, a withdrawn policy, no DKIM
        key at the selectors tried (the score's own notion, checks/scoring.py). With
        guessed=False only what is known: no DKIM key at selectors we guessed may only mean
        the domain signs with another one (a rotated key), so it is not "removed"."""
        findings = [f for f in self.findings if f.get("mechanism") == mechanism]
        if any(
            is_absence(f.get("id", ""), f.get("status", ""), f.get("evidence")) for f in findings
        ):
            return True
        if not guessed and mechanism == Mechanism.DKIM:
            return False
        try:
            optional = NOT_SCORED_WHEN_ABSENT.get(Mechanism(mechanism), set())
        except ValueError:
            return False
        return (
            bool(findings)
            and {f.get("status") for f in findings} <= {"info"}
            and any(f.get("id") in optional for f in findings)
        )

    def find(self, check_id: str, subject: str | None = None) -> list[dict[str, Any]]:
        return [
            f
            for f in self.findings
            if f.get("id") == check_id and (subject is None or f.get("subject", "") == subject)
        ]

    def of_fault(self, check_id: str, host: str) -> list[dict[str, Any]]:
        """The findings on `host` that tell the fault of `check_id` (SAME_FAULT)."""
        fault = fault_id(check_id)
        return [
            f
            for f in self.findings
            if fault_id(f.get("id", "")) == fault and host_subject(f.get("subject", "")) == host
        ]

    def first(self, check_id: str) -> dict[str, Any] | None:
        found = self.find(check_id)
        return found[0] if found else None

    def unreached(self, host: str) -> bool:
        """This run named the MX host `host` in its reachability finding alone, not passing:
        no address of it answered (it refused the connection, did not answer in time, greeted
        with 421), so nothing else was asked of it. What an earlier run saw on the host (its
        certificate, its STARTTLS) is neither confirmed nor fixed by this run; the refusal is
        a failure of its own (REACHABILITY_FINDING)."""
        named = [
            f
            for f in self.findings
            if f.get("mechanism") == Mechanism.SMTP and host_subject(f.get("subject", "")) == host
        ]
        return bool(named) and all(
            f.get("id") == REACHABILITY_FINDING and f.get("status") != "pass" for f in named
        )

    def address_unreached(self, host: str, address: str) -> bool:
        """This run named `address` of the MX host `host` in its reachability finding alone,
        not passing: it refused the connection, was silent or has no route from the checker
        while another address of the host may have answered (s43g), so nothing else was asked
        of it; or left it unprobed, past the probe limit (SMTP-01's not_probed). What an
        earlier run saw there is neither confirmed nor fixed by this run."""
        forms = {f"{host} [{address}]", f"{host} ({address})"}
        if any(
            f"{host} [{address}]" in ((f.get("evidence") or {}).get("not_probed") or [])
            for f in self.findings
            if f.get("id") == REACHABILITY_FINDING
        ):
            return True  # past the run's probe limit (DNS may give the addresses in any order)
        named = [
            f
            for f in self.findings
            if f.get("mechanism") == Mechanism.SMTP and f.get("subject", "") in forms
        ]
        return bool(named) and all(
            f.get("id") == REACHABILITY_FINDING and f.get("status") != "pass" for f in named
        )

    def rsa_untested(self, host: str) -> bool:
        """This run asked an address of `host` (an MX host) for its RSA certificate and got no
        answer: what an earlier run saw on that certificate is neither confirmed nor fixed."""
        return any(
            (f.get("evidence") or {}).get("rsa_certificate") == "untested"
            and host_subject(f.get("subject", "")) == host
            for f in self.findings
        )

    def second_certificate_of(self, f: dict[str, Any]) -> str:
        """The key type of the second certificate `f` is about, "" when it is not about one:
        a finding on that certificate says so; a failed MTA-STS validation of an MX host
        (which names no certificate) is about it when this run found that certificate of the
        host wanting."""
        label = (f.get("evidence") or {}).get(SECOND_CERTIFICATE)
        if isinstance(label, str) and label:
            return label
        if f.get("id") != MX_VALIDATION_FINDING or f.get("status") not in BAD:
            return ""
        host = host_subject(f.get("subject", ""))
        return next(
            (
                str((o.get("evidence") or {})[SECOND_CERTIFICATE])
                for o in self.findings
                if o.get("status") in BAD
                and (o.get("evidence") or {}).get(SECOND_CERTIFICATE)
                and host_subject(o.get("subject", "")) == host
            ),
            "",
        )

    def certificates(self) -> dict[str, set[str]]:
        """host → notAfter (ISO) of every certificate this run saw: the MTA-STS policy host
        and each MX host (the addresses of one host may present different certificates, and
        a host a second one to senders offering only RSA)."""
        return self._certificates(second=True)

    def lifetime(self, host: str, not_after: str) -> float | None:
        """Days from notBefore to notAfter of the certificate of `host` ending at `not_after`,
        None when no finding of this run says when it began."""
        for f in self.findings:
            if f.get("id") not in CERTIFICATE_FINDINGS:
                continue
            if host_subject(f.get("subject", "")) != host:
                continue
            ev = f.get("evidence") or {}
            for part in (ev, ev.get("leaf") or {}, ev.get("certificate") or {}):
                if part.get("not_after") == not_after and part.get("not_before"):
                    try:
                        begins = datetime.fromisoformat(str(part["not_before"]))
                        return _days_left(not_after, begins)
                    except (TypeError, ValueError):
                        continue
        return None

    def certificate_addresses(self, host: str, not_after: str) -> list[str]:
        """The addresses of the MX host `host` that served the certificate ending at
        `not_after` in this run (its SMTP-10 findings), sorted."""
        out = set()
        for f in self.findings:
            ev = f.get("evidence") or {}
            if f.get("id") != "SMTP-10" or host_subject(f.get("subject", "")) != host:
                continue
            if not_after in (ev.get("not_after"), (ev.get("leaf") or {}).get("not_after")):
                out.update(seen_at(f.get("subject", ""), ev))
        return sorted(out)

    def first_certificates(self) -> dict[str, set[str]]:
        """certificates() without the second certificates (those only senders offering only
        RSA get)."""
        return self._certificates(second=False)

    def _certificates(self, second: bool) -> dict[str, set[str]]:
        certs: dict[str, set[str]] = {}
        for f in self.findings:
            ev = f.get("evidence") or {}
            if not second and ev.get(SECOND_CERTIFICATE):
                continue
            # MTASTS-13 too: a policy host answering its name with its default certificate
            # (checks/mtasts.py, 09fb40b) carries the presented leaf as MTASTS-12 did.
            if f.get("id") in ("MTASTS-11", "MTASTS-12", "MTASTS-13"):
                not_after = (ev.get("certificate") or {}).get("not_after")
            elif f.get("id") == "SMTP-10":
                not_after = ev.get("not_after") or (ev.get("leaf") or {}).get("not_after")
            else:
                continue
            if not_after and f.get("subject"):
                certs.setdefault(host_subject(f["subject"]), set()).add(not_after)
        return certs


@dataclass
class Observation:
    """One regression found in a run: what a Change row is made of."""

    kind: Kind
    key: str  # stable identity: at most one open change per (domain, key)
    subject: str
    mechanism: str
    summary: str
    before: str = ""
    after: str = ""
    check_id: str = ""
    fix: str = ""
    evidence: dict[str, Any] = field(default_factory=dict)


def _finding_key(f: dict[str, Any]) -> str:
    return f"{f.get('id', '')}|{host_subject(f.get('subject', ''))}"


def fault_id(check_id: str) -> str:
    return SAME_FAULT.get(check_id, check_id)


def _fault_key(f: dict[str, Any], subject: str) -> str:
    return f"{fault_id(f.get('id', ''))}|{subject}"


# Which of a host's addresses speaks for it in the baseline: a fail is already known; a judged
# state beats "could not check".
_BASELINE_RANK = {"fail": 3, "error": 1}


def _days_left(not_after: str, now: datetime) -> float:
    return (datetime.fromisoformat(not_after) - now).total_seconds() / 86400


def cert_threshold(days_left: float, lifetime: float | None = None) -> int | None:
    """The tightest warning threshold a certificate with this much time left has crossed.
    An expired certificate is not an expiry warning: it is a fail finding of its own. With the
    certificate's `lifetime` (days from notBefore to notAfter) known, a threshold in the first
    half of that life is none: a short-lived certificate (6 days, 30 days) is within it from
    issue or soon after, and is renewed on schedule after it (about half its life), so a
    warning there would come with every renewal, about nothing."""
    if days_left < 0:
        return None
    for threshold in CERT_THRESHOLDS:
        if lifetime is not None and 2 * threshold >= lifetime:
            continue
        if days_left <= threshold:
            return threshold
    return None


def threshold_passed(key: str, current: Snapshot) -> bool:
    """Whether the certificate a CERT_EXPIRY change's `key` names is, in `current`, within a
    tighter warning threshold than the key's: its warning is passed, and `current` raises the
    tighter one itself (expiring_certificates). A suspicion of the looser one is then not
    confirmed late (blind round s39d H04: the 21-day mark suspected at 8 days left, its
    re-check lost, was told by the next check a day later, 'expires in 8 days, 21-day
    warning', at 6.9 days left, beside the 7-day one)."""
    ref = key.split(":", 1)[1] if ":" in key else ""
    host, not_after, threshold = ref.rsplit("|", 2)
    host = host_subject(host)
    if not_after not in (current.certificates().get(host) or ()):
        return False
    now = cert_threshold(_days_left(not_after, current.taken_at), current.lifetime(host, not_after))
    return now is not None and now < int(threshold)


# --- detection ---------------------------------------------------------------------------------


def detect(
    baseline: Snapshot, current: Snapshot, score_drop: int, score_reference: int | None = None
) -> list[Observation]:
    """Every regression of `current` against the confirmed `baseline`; the score against
    `score_reference` when given (the best recent full score: a slow slide of a few points a
    check adds up), else the baseline's. A name that left the DNS is that one change, not
    every mechanism "now failing" or "not applicable"; from a baseline that did not exist
    nothing is a regression (the run that finds the name again becomes the reference)."""
    if current.does_not_exist:
        return [] if baseline.does_not_exist else [_name_gone_observation(baseline, current)]
    if baseline.does_not_exist:
        return []
    found: list[Observation] = []
    found += _mechanisms(baseline, current)
    found += _fail_findings(baseline, current)
    found += _records_gone(baseline, current)
    found += _mx_coverage(baseline, current)
    if score_reference is not None:  # the window holds only comparable runs
        score = _score(score_reference, current, score_drop)
    elif baseline.comparable_score(current):
        score = _score(baseline.score, current, score_drop)
    else:
        score = None
    if score is not None:
        found.append(score)
    found += expiring_certificates(current)
    return found


def explained_by_our_resolver(fault: str, baseline: Snapshot | None, current: Snapshot) -> bool:
    """Whether what `current` shows against `baseline` is what our own resolver's fault
    (checks.vantage verdict `fault`) makes every domain show, so that a re-probe through it
    would confirm it: the name read as gone while the resolver is "down" (one answering
    NXDOMAIN for every name), DNSSEC or DANE no longer passing while it is "broken" (one that
    does not validate). A resolver that does not answer makes "could not check", which raises
    nothing anyway. Anything else the run saw came from real answers about the domain and is
    compared as ever: holding every run would silence every customer's alerts for as long as
    the vantage's canary zone is out of reach, whatever the domains' own answers."""
    if baseline is None:
        return False  # the first run is the reference: nothing is compared
    if fault == "down":
        return current.does_not_exist and not baseline.does_not_exist
    if fault == "broken":
        return any(
            baseline.verdict(m) == "pass" and current.verdict(m) != "pass"
            for m in (Mechanism.DNSSEC, Mechanism.DANE)
        )
    return False


def _worst_findings(snap: Snapshot, mechanism: str) -> list[dict[str, Any]]:
    for status in ("fail", "warn"):
        worst = [
            f
            for f in snap.findings
            if f.get("mechanism") == mechanism and f.get("status") == status
        ]
        if worst:
            return worst
    return []


def _mechanism_observation(mech: str, before: str, current: Snapshot) -> Observation:
    after = "absent" if current.not_deployed(mech) else current.verdict(mech)
    worst = _worst_findings(current, mech) or [
        f for f in current.findings if f.get("mechanism") == mech and f.get("status") == "info"
    ]
    return Observation(
        kind=Kind.MECHANISM,
        key=f"{Kind.MECHANISM}:{mech}",
        subject=title(mech),
        mechanism=mech,
        before=before,
        after=after,
        summary=f"{title(mech)} was {STATUS_WORDS.get(before, before)} and now "
        f"{STATUS_WORDS.get(after, after)}." + (f" {worst[0].get('summary', '')}" if worst else ""),
        fix=next((f.get("fix", "") for f in worst if f.get("fix")), ""),
        evidence={"findings": [_brief(f, current) for f in worst[:5]]},
    )


def _brief(f: dict[str, Any], snap: Snapshot) -> dict[str, Any]:
    brief = {k: f.get(k) for k in ("id", "status", "subject", "summary", "evidence", "fix")}
    brief["evidence"] = _marked(f, snap)
    return brief


def _marked(f: dict[str, Any], snap: Snapshot) -> dict[str, Any]:
    """The evidence of `f`, saying which second certificate it is about (when it is)."""
    evidence = dict(f.get("evidence") or {})
    label = snap.second_certificate_of(f)
    if label:
        evidence[SECOND_CERTIFICATE] = label
    return evidence


def _not_tested_now(evidence: dict[str, Any] | None, host: str, current: Snapshot) -> bool:
    """What a change's `evidence` saw was on the second certificate of `host`, and `current`
    could not ask for that certificate: its absence is no fix."""
    return bool((evidence or {}).get(SECOND_CERTIFICATE)) and current.rsa_untested(host)


def _address_untested(
    subject: str, evidence: dict[str, Any] | None, current: Snapshot, host: str = ""
) -> bool:
    """What a change (or a finding it rolled up) saw at an address of its host
    (seen_at) was at one `current` did not reach: neither there nor fixed (s43g)."""
    host = host or host_subject(subject)
    return any(current.address_unreached(host, a) for a in seen_at(subject, evidence))


def _mechanisms(baseline: Snapshot, current: Snapshot) -> list[Observation]:
    """A deployed mechanism that got worse, or is not deployed any more. Deploying one (from
    "not deployed", which rolls up to info) with a weakness is progress, not a regression."""
    out = []
    gone = {mech for mech, _ in RECORD_FINDINGS.items() if _records_gone(baseline, current, mech)}
    for mech, after in current.mechanisms.items():
        before = baseline.verdict(mech)
        if before not in GOOD | BAD or baseline.not_deployed(mech):
            continue
        # "Not deployed" is believed only from a run that could check the whole mechanism.
        removed = (
            current.not_deployed(mech, guessed=False)
            and mech not in gone
            and not current.errored(mech)
        )
        if removed or (before in GOOD and after in BAD):
            out.append(_mechanism_observation(mech, before, current))
    return out


def _finding_observation(f: dict[str, Any], before: str, snap: Snapshot) -> Observation:
    return Observation(
        kind=Kind.FINDING,
        key=f"{Kind.FINDING}:{_finding_key(f)}",
        subject=f.get("subject", ""),
        mechanism=f.get("mechanism", ""),
        check_id=f.get("id", ""),
        before=before,
        after=f.get("status", ""),
        summary=f.get("summary", ""),
        fix=f.get("fix", ""),
        evidence=_marked(f, snap),
    )


def _fail_findings(baseline: Snapshot, current: Snapshot) -> list[Observation]:
    exact = {_fault_key(f, f.get("subject", "")): f.get("status", "") for f in baseline.findings}
    by_host: dict[str, str] = {}
    for f in baseline.findings:
        key, status = _fault_key(f, host_subject(f.get("subject", ""))), f.get("status", "")
        if key not in by_host or _BASELINE_RANK.get(status, 2) > _BASELINE_RANK.get(
            by_host[key], 2
        ):
            by_host[key] = status
    out = []
    for f in current.findings:
        if f.get("status") != "fail" or f.get("id") in SPECIFIC_FINDINGS:
            continue
        mechanism = f.get("mechanism", "")
        host_was = by_host.get(_fault_key(f, host_subject(f.get("subject", ""))), "")
        if host_was == "fail":
            continue  # already failing on this host (another address, or renumbered)
        was = exact.get(_fault_key(f, f.get("subject", "")), "")
        if not was:
            # This address was not judged by the baseline: when the host (or, with no sign of
            # the host, the mechanism) could not be checked then, the baseline cannot tell.
            host = host_subject(f.get("subject", ""))
            unjudged = any(
                b.get("status") == "error"
                and b.get("mechanism") == mechanism
                and host_subject(b.get("subject", "")) == host
                for b in baseline.findings
            )
            if unjudged or (not host_was and baseline.errored(mechanism)):
                continue
            was = host_was
        if was == "error":
            # The baseline could not judge this: a fail now is news about the check, not a
            # change.
            continue
        out.append(_finding_observation(f, was or "absent", current))
    return out


def _dns_evidence(finding: dict[str, Any] | None) -> dict[str, Any]:
    """The DNS query evidence of a record finding (some nest it under "txt")."""
    ev = (finding or {}).get("evidence") or {}
    return ev["txt"] if isinstance(ev.get("txt"), dict) else ev


def _txt_value(presentation: str) -> str:
    """The text of a TXT record as evidence holds it ('"v=STSv1;" " id=1"'), its strings
    joined; "" when it does not parse."""
    try:
        rdata = dns.rdata.from_text("IN", "TXT", presentation)
    except (dns.exception.DNSException, ValueError):
        return ""
    return b"".join(getattr(rdata, "strings", ())).decode("utf-8", errors="replace")


def _published_record(mech: str, answers: list[str]) -> str:
    """The answer that was the mechanism's record, as published; "" when none was."""
    version = RECORD_VERSIONS.get(mech, "")

    def is_record(text: str) -> bool:
        # The version, then ';' or blanks (the spaced variant, RFC 8461 erratum 6285) or the
        # end: "v=STSv10; id=9" is discarded by senders (RFC 8461 §3.1, RFC 8460 §3), and
        # publishing it again would bring nothing back (s41k).
        return text.startswith(version) and text[len(version) : len(version) + 1] in ";\t "

    return next((a for a in answers if is_record(_txt_value(a))), "")


def _alias_target(old: dict[str, Any] | None, new: dict[str, Any]) -> str:
    """Where the record's name points, if it is an alias (the last name of its CNAME chain):
    as the latest lookup found it, else as the one that saw the record (a run that kept no
    DNS evidence says nothing of the alias). "" when it is no alias."""
    now = _dns_evidence(new)
    chain = now.get("cnames") if "query" in now else _dns_evidence(old).get("cnames")
    return chain[-1] if chain else ""


def _record_observation(mech: str, old: dict[str, Any] | None, new: dict[str, Any]) -> Observation:
    record = _published_record(mech, _dns_evidence(old).get("answers") or [])
    subject = new.get("subject", "") or (old or {}).get("subject", "")
    fix = f"Publish it again: {subject}. TXT {record}" if record and subject else ""
    if fix and (target := _alias_target(old, new)):
        # A TXT record cannot sit beside a CNAME (RFC 1034 §3.6.2): the record lived at the
        # alias target (an MSP's or a provider's shared name), and goes back there.
        fix = (
            f"{subject} is an alias (CNAME) of {target}: publish it again there, by whoever "
            f"runs it: {target}. TXT {record}"
        )
    if not fix and old is not None:
        fix = new.get("fix", "")  # no copy of the old record: the engine's suggestion
    if fix and mech == "mta-sts":
        # Senders keep a cached policy for up to its max_age: removing the record alone leaves
        # them enforcing the old one (RFC 8461 §8.3 says how to turn MTA-STS off).
        fix += (
            "\nIf you meant to turn MTA-STS off: publish it again, serve the policy with "
            "mode: none and give the record a new id, wait until the old policy's max_age "
            "has passed, then remove both."
        )
    return Observation(
        kind=Kind.RECORD_GONE,
        key=f"{Kind.RECORD_GONE}:{mech}",
        subject=subject,
        mechanism=mech,
        check_id=RECORD_FINDINGS[mech],
        before="published",
        after="absent",
        summary=f"The {RECORD_TITLES[mech]} {subject} has disappeared. {new.get('summary', '')}",
        fix=fix,
        evidence={"before": _dns_evidence(old), "now": _dns_evidence(new)},
    )


def _name_gone_observation(baseline: Snapshot | None, current: Snapshot) -> Observation:
    old = baseline.first(NAME_FINDING) if baseline is not None else None
    new = current.first(NAME_FINDING) or {}
    name = new.get("subject", "") or (old or {}).get("subject", "")
    return Observation(
        kind=Kind.RECORD_GONE,
        key=f"{Kind.RECORD_GONE}:{NAME_RECORD}",
        subject=name,
        mechanism=str(Mechanism.MX),
        check_id=NAME_FINDING,
        before="exists",
        after="NXDOMAIN",
        summary=f"{name} no longer exists in DNS (NXDOMAIN). Mail to it bounces, and nothing "
        "else can be checked until it exists again.",
        fix=f"Renew the registration of {name} with its registrar, or restore its delegation "
        "(its NS records in the parent zone). If the domain was given up on purpose, remove it "
        "from mailsec.",
        evidence={"before": _dns_evidence(old), "now": _dns_evidence(new)},
    )


def recovered_line(kind: str, key: str, subject: str, headline: str) -> str:
    """What a recovery email says of a change that recovered: "Fixed: <its headline>", but a
    name back in the DNS was not "fixed" of "no longer exists"."""
    if kind == Kind.RECORD_GONE and key == f"{Kind.RECORD_GONE}:{NAME_RECORD}":
        return f"{subject} exists in DNS again"
    return f"Fixed: {headline}"


def _records_gone(
    baseline: Snapshot, current: Snapshot, only: str | None = None
) -> list[Observation]:
    out = []
    for mech, check_id in RECORD_FINDINGS.items():
        if only is not None and mech != only:
            continue
        old, new = baseline.first(check_id), current.first(check_id)
        if old and old.get("kept"):
            # The record a failed lookup kept in the reference (keep_unanswered_records),
            # maybe found by other checks: gone only from an answering lookup.
            if new and _gone_by_dns(mech, old, new):
                out.append(_record_observation(mech, old, new))
            continue
        # "na" is a domain that stopped receiving mail (null MX): not a missing record.
        if old and old.get("status") == "pass" and new and new.get("status") in BAD | {"info"}:
            out.append(_record_observation(mech, old, new))
    return out


def gone_from_dns(baseline: Snapshot, current: Snapshot) -> list[Observation]:
    """The regressions a run made with other checks than the baseline's (a release: a new
    score version) still tells: a record the DNS itself no longer has. The MTA-STS or
    TLS-RPT record that the baseline's lookup answered with and that this run's lookup (one
    that answered, no SERVFAIL) no longer holds is gone whatever the checks make of it; one
    still there that the new checks judge otherwise is the release's, not the domain's
    (docs/scoring.md). Taken as the new reference untold, a removal at the release was never
    told (s26a W03)."""
    out = []
    for mech, check_id in RECORD_FINDINGS.items():
        old, new = baseline.first(check_id), current.first(check_id)
        if old and new and _gone_by_dns(mech, old, new):
            out.append(_record_observation(mech, old, new))
    return out


def _gone_by_dns(mech: str, old: dict[str, Any], new: dict[str, Any]) -> bool:
    """Whether the record `old` found published is gone from `new`'s lookup, one that
    answered, whatever checks judged either."""
    if old.get("status") != "pass":
        return False
    if new.get("status") not in BAD | {"info"}:
        return False  # "na": no mail any more (null MX), not a missing record
    before, now = _dns_evidence(old), _dns_evidence(new)
    answers = now.get("answers")
    if not isinstance(answers, list) or now.get("rcode") not in (None, "NOERROR", "NXDOMAIN"):
        return False  # the lookup did not answer: nothing is known
    return bool(_published_record(mech, list(map(str, before.get("answers") or [])))) and not (
        _published_record(mech, list(map(str, answers)))
    )


def release_facts(baseline: Snapshot, current: Snapshot) -> list[Observation]:
    """The regressions a run made with other checks than the baseline's (a release) still
    tells: facts of the DNS or of time that no change of the checks makes. A record the DNS
    no longer has (gone_from_dns); a certificate the baseline saw valid whose notAfter has
    passed since, the very same one (its host's failures now: the checks did not expire it);
    an MX host added to the MX records that the enforced policy's mx lines do not name (the
    MX answer changed, the policy did not follow). Taken as the new reference untold, each
    was never told (s36b Z01, Z05)."""
    return [
        *gone_from_dns(baseline, current),
        *_expired_since(baseline, current),
        *_mx_added_uncovered(baseline, current),
    ]


def _expired_since(baseline: Snapshot, current: Snapshot) -> list[Observation]:
    before = baseline.certificates()
    hosts = {
        host
        for host, seen in current.certificates().items()
        for not_after in seen
        if not_after in before.get(host, set())
        and _days_left(not_after, baseline.taken_at) > 0
        and _days_left(not_after, current.taken_at) <= 0
    }
    if not hosts:
        return []
    return [o for o in _fail_findings(baseline, current) if host_subject(o.subject) in hosts]


def _mx_added_uncovered(baseline: Snapshot, current: Snapshot) -> list[Observation]:
    if not set(_mx_names(current)) - set(_mx_names(baseline)):
        return []  # the same MX hosts: what the new checks make of the policy is theirs
    return _mx_coverage(baseline, current)


def keep_unanswered_records(baseline: Snapshot, current: Snapshot) -> Snapshot:
    """`current` as the reference, but for an MTA-STS or TLS-RPT record the baseline found
    published (pass) that `current`'s lookup could not look up (SERVFAIL, a timeout): there
    the baseline's finding stays, marked "kept". Without it, the record's absence found later
    is compared with "could not check" and never told (s36b Z03); with it, the rest of the run
    can be the reference at once, and a release's first run no longer holds the old release's
    reference, against which only release_facts are raised, for as long as the lookups fail
    (s36n). A kept finding is compared by the DNS answers alone (_records_gone), as a
    release's run is (gone_from_dns): it may come from other checks."""
    findings = list(current.findings)
    changed = False
    for check_id in RECORD_FINDINGS.values():
        old, new = baseline.first(check_id), current.first(check_id)
        if old and old.get("status") == "pass" and new and new.get("status") == "error":
            findings[findings.index(new)] = {**old, "kept": True}
            changed = True
    return replace(current, findings=findings) if changed else current


def _mx_names(snap: Snapshot) -> list[str]:
    f = snap.first("MX-01")
    answers = ((f or {}).get("evidence") or {}).get("answers") or []
    return sorted(a.split()[-1].rstrip(".") for a in answers if a.split())


def _mx_observation(f: dict[str, Any], baseline: Snapshot | None, current: Snapshot) -> Observation:
    return Observation(
        kind=Kind.MX_COVERAGE,
        key=f"{Kind.MX_COVERAGE}:{f.get('subject', '')}",
        subject=f.get("subject", ""),
        mechanism="mta-sts",
        check_id=MX_COVERAGE_FINDING,
        before="covered",
        after=f.get("status", ""),
        summary=f.get("summary", ""),
        # The engine's fix is the whole new policy file and the record with a new id.
        fix=f.get("fix", ""),
        evidence={
            "mx_before": _mx_names(baseline) if baseline else [],
            "mx_now": _mx_names(current),
            **(f.get("evidence") or {}),
        },
    )


def _mx_coverage(baseline: Snapshot, current: Snapshot) -> list[Observation]:
    old, new = baseline.first(MX_COVERAGE_FINDING), current.first(MX_COVERAGE_FINDING)
    if old and old.get("status") == "pass" and new and new.get("status") in BAD:
        return [_mx_observation(new, baseline, current)]
    return []


def _score(before: int | None, current: Snapshot, drop: int) -> Observation | None:
    """`before` must be comparable with `current` (Snapshot.comparable_score)."""
    if before is None or current.score is None or before - current.score < drop:
        return None
    return Observation(
        kind=Kind.SCORE,
        key=f"{Kind.SCORE}:",
        subject="score",
        mechanism="",
        before=str(before),
        after=str(current.score),
        summary=f"The score dropped from {before} to {current.score}.",
        evidence={
            "score_version": current.score_version,
            "points_lost": list(current.points_lost),
            "not_checked": current.not_checked,
            # MX hosts whose second certificate costs points: a later run that could not ask
            # for it scores higher without anything being fixed.
            "second_certificate_hosts": sorted(
                {
                    host_subject(f.get("subject", ""))
                    for f in current.findings
                    if f.get("status") in BAD and current.second_certificate_of(f)
                }
            ),
            # MX addresses whose findings cost points: a later run that did not reach one
            # (or left it past the probe limit) scores higher without anything fixed (s43g).
            "addresses_at_fault": sorted(
                {
                    f"{host_subject(f.get('subject', ''))} [{address}]"
                    for f in current.findings
                    if f.get("status") in BAD and f.get("id") != REACHABILITY_FINDING
                    for address in seen_at(f.get("subject", ""), f.get("evidence"))
                }
            ),
        },
    )


def expiring_certificates(current: Snapshot) -> list[Observation]:
    out = []
    pairs = sorted((host, na) for host, seen in current.certificates().items() for na in seen)
    first = current.first_certificates()
    for host, not_after in pairs:
        days = _days_left(not_after, current.taken_at)
        threshold = cert_threshold(days, current.lifetime(host, not_after))
        if threshold is None:
            continue
        # Only the second certificate has this date: say which, as its findings do.
        label = (
            "" if not_after in first.get(host, set()) else _second_label(current, host, not_after)
        )
        the_cert = (
            f"The {label} certificate of {host}, which senders offering only RSA get,"
            if label
            else f"The certificate of {host}"
        )
        evidence: dict[str, Any] = {"not_after": not_after, "days_left": round(days, 1)}
        addresses = current.certificate_addresses(host, not_after)
        if addresses:
            # Where it was seen: a check that does not reach them has not seen it renewed.
            evidence["addresses"] = addresses
        if label:
            evidence[SECOND_CERTIFICATE] = label
        out.append(
            Observation(
                kind=Kind.CERT_EXPIRY,
                key=f"{Kind.CERT_EXPIRY}:{host}|{not_after}|{threshold}",
                subject=host,
                mechanism=_certificate_mechanism(host),
                before=str(threshold),
                after=not_after,
                summary=f"{the_cert} expires in {max(int(days), 0)} days "
                f"({not_after[:10]}), within the {threshold}-day warning threshold.",
                fix=f"Renew the {label + ' ' if label else ''}certificate of {host} before "
                f"{not_after[:10]}.",
                evidence=evidence,
            )
        )
    return out


def _second_label(snap: Snapshot, host: str, not_after: str) -> str:
    """The key type of the second certificate of `host` that expires at `not_after`."""
    for f in snap.findings:
        ev = f.get("evidence") or {}
        if (
            f.get("id") == "SMTP-10"
            and ev.get(SECOND_CERTIFICATE)
            and host_subject(f.get("subject", "")) == host
            and not_after in (ev.get("not_after"), (ev.get("leaf") or {}).get("not_after"))
        ):
            return str(ev[SECOND_CERTIFICATE])
    return ""


def _certificate_mechanism(host: str) -> str:
    """The policy host's certificate belongs to MTA-STS (named by host or by the policy URL),
    the MX hosts' to SMTP."""
    return "mta-sts" if host.startswith(("mta-sts.", "https://")) else "smtp"


def moot_reason(current: Snapshot, mechanism: str = "") -> str:
    """Why changes that no longer apply are closed without a "fixed" email."""
    if any(f.get("id") == "MX-03" for f in current.findings):  # made only for a null MX
        return "no longer applies: the domain receives no mail"
    if mechanism and _withdrawn(current, mechanism):
        return f"no longer applies: {title(mechanism)} is not deployed any more"
    return "no longer applies to this domain"


def _withdrawn(current: Snapshot, mechanism: str) -> bool:
    """The run saw the whole mechanism withdrawn (no record, MTA-STS mode none): a problem
    within it is gone with it, which is no fix. Removing the MTA-STS record even leaves
    senders enforcing their cached policy until its max_age (RFC 8461 §5.1, §8.3), so an MX
    the policy does not cover still fails for them. The removal is a change of its own.
    Not DANE: without TLSA records DANE senders fall back to opportunistic TLS at once (RFC
    7672 §2.2), so mail a TLSA mismatch held up flows again, as when one host's records go."""
    return (
        bool(mechanism)
        and mechanism != "dane"
        and not current.errored(mechanism)
        and current.not_deployed(mechanism, guessed=False)
    )


# --- re-evaluation -----------------------------------------------------------------------------


def evaluate(
    kind: str,
    key: str,
    before: str,
    current: Snapshot,
    score_drop: int,
    evidence: dict[str, Any] | None = None,
    subject: str = "",
) -> tuple[Verdict, Observation | None]:
    """Does the change `key` still hold in `current`? With fresh evidence when it does.
    `evidence` is the change's own (a score change says which categories its score left out),
    `subject` its subject: a problem seen at one address of an MX host ("mx1 [192.0.2.1]")
    is not fixed by a run that did not reach that address (Snapshot.address_unreached,
    s43g), even when another address of the host answered."""
    ref = key.split(":", 1)[1] if ":" in key else ""
    if kind == Kind.RECORD_GONE and ref == NAME_RECORD:
        if current.does_not_exist:
            return Verdict.HOLDS, _name_gone_observation(None, current)
        answer = current.first(NAME_FINDING)
        if answer is None or answer.get("status") == "error":
            return Verdict.UNKNOWN, None  # SERVFAIL or a timeout says nothing either way
        return Verdict.CLEAR, None
    if current.does_not_exist:
        # Nothing but MX was checked: a problem of the name is neither still there, nor
        # fixed, nor moot (it is found again, or fixed, once the name is back).
        return Verdict.UNKNOWN, None
    if kind == Kind.MECHANISM:
        after = current.verdict(ref)
        if after == "error":
            return Verdict.UNKNOWN, None
        if after == "na":
            return Verdict.MOOT, None
        if after in BAD:
            return Verdict.HOLDS, _mechanism_observation(ref, before, current)
        if current.errored(ref):
            return Verdict.UNKNOWN, None  # "not deployed" or "fixed" are not known for sure
        if current.not_deployed(ref, guessed=False):
            return Verdict.HOLDS, _mechanism_observation(ref, before, current)
        if current.not_deployed(ref):
            return Verdict.UNKNOWN, None  # no DKIM key at the selectors we guess: not known
        told = [b for b in (evidence or {}).get("findings") or [] if isinstance(b, dict)]
        if any(
            _not_tested_now(b.get("evidence"), host_subject(b.get("subject") or ""), current)
            or (
                b.get("id") != REACHABILITY_FINDING
                and _address_untested(str(b.get("subject") or ""), b.get("evidence"), current)
            )
            for b in told
        ):
            return Verdict.UNKNOWN, None  # what made it bad was where this run did not look
        return Verdict.CLEAR, None
    if kind == Kind.FINDING:
        check_id, _, keyed = ref.partition("|")
        host = host_subject(keyed)
        found = current.of_fault(check_id, host)
        failing = [f for f in found if f.get("status") == "fail"]
        if failing:
            # The certificate the change is about first, when both of the host's fail.
            told = (evidence or {}).get(SECOND_CERTIFICATE, "")
            failing.sort(key=lambda f: current.second_certificate_of(f) != told)
            return Verdict.HOLDS, _finding_observation(failing[0], before, current)
        if any(f.get("status") == "error" for f in found):
            return Verdict.UNKNOWN, None
        if _not_tested_now(evidence, host, current):
            return Verdict.UNKNOWN, None
        mechanism = _mechanism_of(check_id, current)
        if (
            mechanism == Mechanism.SMTP
            and check_id != REACHABILITY_FINDING
            and current.unreached(host)
        ):
            return Verdict.UNKNOWN, None  # the host answered nothing: not asked, not fixed
        # The address it was seen at did not answer this run (another of the host did).
        # Not the reachability finding: whether the address answers is what it tells.
        untested_there = check_id != REACHABILITY_FINDING and _address_untested(
            subject, evidence, current, host
        )
        if found:
            if all(f.get("status") == "na" for f in found):
                return Verdict.MOOT, None
            if untested_there:
                return Verdict.UNKNOWN, None
            # Seen and not failing: fixed, unless another address of the host could not be
            # checked (the problem may be there); other hosts' errors say nothing about it.
            if any(
                f.get("status") == "error"
                and f.get("mechanism") == mechanism
                and host_subject(f.get("subject", "")) == host
                for f in current.findings
            ):
                return Verdict.UNKNOWN, None
            return Verdict.CLEAR, None
        if current.verdict(mechanism) == "na" or _withdrawn(current, mechanism):
            return Verdict.MOOT, None
        if (mechanism and current.errored(mechanism)) or untested_there:
            return Verdict.UNKNOWN, None
        return Verdict.CLEAR, None
    if kind == Kind.RECORD_GONE:
        new = current.first(RECORD_FINDINGS.get(ref, ""))
        if new is None or new.get("status") == "error":
            return Verdict.UNKNOWN, None
        if new.get("status") == "na":
            return Verdict.MOOT, None  # no mail any more (null MX): no record needed
        if new.get("status") in BAD | {"info"}:
            return Verdict.HOLDS, _record_observation(ref, None, new)
        return Verdict.CLEAR, None
    if kind == Kind.MX_COVERAGE:
        new = current.first(MX_COVERAGE_FINDING)
        if new is not None and new.get("status") in BAD:
            return Verdict.HOLDS, _mx_observation(new, None, current)
        if (
            (new is not None and new.get("status") == "na")
            or current.verdict("mta-sts") == "na"
            or (new is None and _withdrawn(current, "mta-sts"))
        ):
            return Verdict.MOOT, None
        if (new is not None and new.get("status") == "error") or current.errored("mta-sts"):
            return Verdict.UNKNOWN, None
        return Verdict.CLEAR, None
    if kind == Kind.SCORE:
        told = not_checked_of(evidence)
        comparable = (
            told == current.not_checked
            if told is not None and current.not_checked is not None
            else not current.errored_mechanisms()
        )
        if current.score is None or not comparable:
            return Verdict.UNKNOWN, None
        obs = _score(int(before), current, score_drop)
        if obs is None and any(
            current.rsa_untested(host)
            for host in (evidence or {}).get("second_certificate_hosts") or []
        ):
            return Verdict.UNKNOWN, None  # back up only for what this run could not ask
        if obs is None and any(
            _address_untested(str(at), None, current)
            for at in (evidence or {}).get("addresses_at_fault") or []
        ):
            return Verdict.UNKNOWN, None  # back up only for an address it did not reach
        return (Verdict.HOLDS, obs) if obs else (Verdict.CLEAR, None)
    if kind == Kind.CERT_EXPIRY:
        host, not_after, _threshold = ref.rsplit("|", 2)
        host = host_subject(host)  # changes raised before keys named the host alone
        seen = current.certificates().get(host)
        if seen is None:
            mechanism = _certificate_mechanism(host)
            if current.verdict(mechanism) == "na" or _withdrawn(current, mechanism):
                return Verdict.MOOT, None
            if (
                current.errored(mechanism)
                or current.unreached(host)
                or _address_untested("", evidence, current, host)
            ):
                return Verdict.UNKNOWN, None
            return Verdict.CLEAR, None
        if not_after in seen:
            return Verdict.HOLDS, None
        if _not_tested_now(evidence, host, current):
            return Verdict.UNKNOWN, None
        if _address_untested("", evidence, current, host):
            return Verdict.UNKNOWN, None  # the address that served it did not answer now
        # Only other notAfters: a renewed certificate, that is the fix.
        return Verdict.CLEAR, None
    return Verdict.UNKNOWN, None


def certificate_unseen(kind: str, key: str, current: Snapshot) -> bool:
    """Whether `current` saw no certificate of the host of the expiry `key` (a certificate
    threshold, or the finding that carries it: SMTP-10 "expired") though the host is
    still there (a finding of this run names it: it refused the connection, timed out, or
    offered no STARTTLS). A host no address of which answered is untested for evaluate itself
    (Snapshot.unreached, since s42c); one that answered and offered no STARTTLS evaluate
    reads as gone, which a suspicion may take (the next run raises it again if it holds); a
    confirmed expiry may not be told fixed on either (review s41r2: "fixed" for mx1's expired
    certificate while mx1 refused every connection). A renewed certificate, or the host gone
    from the MX records, is still the fix."""
    ref = key.split(":", 1)[1] if ":" in key else ""
    if kind == Kind.CERT_EXPIRY:
        host = host_subject(ref.rsplit("|", 2)[0])
    elif kind == Kind.FINDING and ref.partition("|")[0] in CERTIFICATE_FINDINGS:
        host = host_subject(ref.partition("|")[2])  # "finding:SMTP-10|mx1.a.test", the expiry
    else:
        return False
    if current.certificates().get(host) is not None:
        return False
    return any(host_subject(f.get("subject") or "") == host for f in current.findings)


def seen_fixed(kind: str, key: str, current: Snapshot) -> bool:
    """Whether `current` shows the change `key` fixed by what it positively sees, not by a
    finding it no longer makes: the same finding of the same host now passing, a renewed
    certificate, the record back. A run under new checks (a new score version) follows such a
    fix as any run does; a mechanism's verdict or a score, which the new rubric itself may
    move, is no such proof."""
    ref = key.split(":", 1)[1] if ":" in key else ""
    if kind == Kind.FINDING:
        check_id, _, subject = ref.partition("|")
        host = host_subject(subject)
        found = current.of_fault(check_id, host)
        return bool(found) and all(f.get("status") in GOOD for f in found)
    if kind == Kind.CERT_EXPIRY:
        host, not_after, _threshold = ref.rsplit("|", 2)
        seen = current.certificates().get(host_subject(host))
        return seen is not None and not_after not in seen
    if kind == Kind.RECORD_GONE and ref == NAME_RECORD:
        answer = current.first(NAME_FINDING)
        return not current.does_not_exist and answer is not None and answer.get("status") != "error"
    if kind == Kind.RECORD_GONE:
        new = current.first(RECORD_FINDINGS.get(ref, ""))
        return new is not None and new.get("status") == "pass"
    return False


def _mechanism_of(check_id: str, snap: Snapshot) -> str:
    prefix = check_id.split("-")[0].lower()
    known = {"mtasts": "mta-sts", "tlsrpt": "tls-rpt"}
    return known.get(prefix, prefix)
