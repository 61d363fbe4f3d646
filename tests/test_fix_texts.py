"""Fix and verdict texts: what users copy and read.

Every DNS record a fix proposes must be publishable exactly as written (a fully qualified owner
with its trailing dot, the right label for the mechanism, TXT strings quoted and at most 255
octets) and must pass the engine's own parser for that mechanism, keeping the report addresses
the owner already had (but for those the engine found undeliverable). A DKIM key record may
name the new key as a placeholder in p= when the fix is the steps to a new key; with a real key
in its place it must parse cleanly. Every fail or warn of DKIM, DMARC and TLS-RPT comes with a
fix, but for the few listed in NO_FIX with the reason. Published, one fix of a record does not leave
a finding another fix of it clears, but for the owner's choices (is_choice). Every MTA-STS policy a fix proposes must parse cleanly, cover every MX
host and come with a new id. Summaries must read as plain sentences: no doubled or stray
punctuation, no Python reprs, no "could not check" on a fail.

The inputs are the lab's scenario zones served by the in-memory resolver of tests/test_spf.py
(no lab needed), the policy files those scenarios serve, and a few broken zones of our own.
"""

from __future__ import annotations

import asyncio
import base64
import copy
import datetime as dt
import errno
import re
from collections.abc import Iterator
from typing import Any
from unittest import mock

import dns.name
import dns.rdata
import dns.rdataclass
import dns.rdatatype
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.x509.oid import NameOID

from checks import bimi, certs, dkim, dmarc, https, mtasts, mx, net, spf, starttls, tlsrpt
from checks.bimi import parse_bimi
from checks.dmarc import parse_dmarc
from checks.findings import Collector, Finding, Mechanism, Status
from checks.mtasts import parse_policy, parse_sts_record, policy_matches
from checks.spf import parse_spf
from checks.tlsrpt import parse_tlsrpt_record
from tests.test_spf import Zone, _scenarios, make_ctx, scenario_zone

BAD = {Status.FAIL, Status.WARN}


# ---------------------------------------------------------------------------------------------
# Running the DNS and HTTPS mechanisms on a zone, without a network


class _Probe:
    """A STARTTLS probe that passes MTA-STS validation: MTA-STS findings then come from the
    record and the policy alone."""

    mta_sts_ok = True
    error_kind: str | None = None
    problem = ""
    tls_versions_accepted = ["TLSv1.2", "TLSv1.3"]
    max_tls_version = "TLSv1.3"


Served = dict[str, tuple[int, dict[str, str], bytes]]


ALL_MODULES = (mx, spf, dkim, dmarc, tlsrpt, mtasts, bimi)

# The findings of every module on a case of CASES, by the case's objects (held, so their ids
# are not reused): this file's two sweeps, tests/test_fixparts_s32k.py's and
# tests/test_engine_s33d.py's each ran the engine on every case of the corpus, on the same
# inputs each time (about 5 s of CPU a sweep). Each caller gets a copy of its own.
_swept: dict[tuple[int, int, tuple[str, ...], str], tuple[Zone, Served, list[Finding]]] = {}


def findings_for(
    domain: str,
    zone: Zone,
    served: Served,
    selectors: tuple[str, ...] = (),
    modules: tuple[Any, ...] = ALL_MODULES,
) -> Any:
    if modules != ALL_MODULES or id(zone) not in _CASE_ZONES:
        return _findings_for(domain, zone, served, selectors, modules)
    key = (id(zone), id(served), selectors, domain)
    kept = _swept.get(key)
    if kept is None or kept[0] is not zone or kept[1] is not served:
        kept = _swept[key] = (zone, served, _findings_for(domain, zone, served, selectors, modules))
    return copy.deepcopy(kept[2])


def _findings_for(
    domain: str,
    zone: Zone,
    served: Served,
    selectors: tuple[str, ...],
    modules: tuple[Any, ...],
) -> Any:
    async def fake_fetch(ctx: Any, url: str, **kw: Any) -> https.HttpsResult:
        result = https.HttpsResult(url=url, host=url.split("/")[2], elapsed_ms=5.0)
        if url not in served:
            result.error_kind, result.error = "dns", "no address"
            return result
        status, headers, body = served[url]
        result.status, result.headers = status, headers
        result.body = body[: kw.get("max_bytes", 65536)]
        result.per_address = [https.AddressOutcome("192.0.2.80", True, status=status)]
        return result

    async def probe_mx(ctx: Any, host: str, address: str) -> _Probe:
        return _Probe()

    async def go() -> list[Finding]:
        ctx = make_ctx(domain, zone, dkim_selectors=selectors, allow_private_targets=True)
        found: list[Finding] = []
        with (
            mock.patch.object(https, "fetch", fake_fetch),
            mock.patch.object(starttls, "probe_mx", probe_mx),
        ):
            for module in modules:
                found += await module.evaluate(ctx)
        return found

    return asyncio.run(go())


def scenario_served(scenario: Any) -> Served:
    """The files the scenario's HTTPS hosts serve (a minted mark certificate is left out:
    its fetch fails, which gives the BIMI texts of a missing certificate)."""
    served: Served = {}
    for host in scenario.https:
        for file in host.files:
            if file.generated:
                continue
            headers = {k.lower(): v for k, v in file.headers}
            if file.content_type:
                headers["content-type"] = file.content_type
            served[f"https://{host.host}{file.path}"] = (file.status, headers, file.body)
    return served


D = "example.org"
GOOD_POLICY = b"version: STSv1\r\nmode: enforce\r\nmx: mx1.example.org\r\nmax_age: 604800\r\n"
BASE: Zone = {
    (D, "MX"): ["10 mx1.example.org."],
    ("mx1.example.org", "A"): ["192.0.2.11"],
    (D, "TXT"): ["v=spf1 mx -all"],
    (f"_dmarc.{D}", "TXT"): [f"v=DMARC1; p=reject; rua=mailto:dmarc@{D}"],
    (f"_mta-sts.{D}", "TXT"): ["v=STSv1; id=20260601T0000"],
    (f"_smtp._tls.{D}", "TXT"): [f"v=TLSRPTv1; rua=mailto:tls@{D}"],
}
POLICY_URL = f"https://mta-sts.{D}/.well-known/mta-sts.txt"
SERVED: Served = {POLICY_URL: (200, {"content-type": "text/plain"}, GOOD_POLICY)}

# Broken inputs the lab scenarios do not cover: (name, zone changes, served policy or None).
EXTRA_CASES: list[tuple[str, Zone, bytes | None]] = [
    (
        "ip-literal MX next to a named one",
        {(D, "MX"): ["10 mx1.example.org.", "20 192.0.2.25."]},
        GOOD_POLICY,
    ),
    ("ip-literal MX only", {(D, "MX"): ["10 192.0.2.25."]}, None),
    ("no MX, an address", {(D, "MX"): "NOERROR", (D, "A"): ["192.0.2.30"]}, None),
    (
        "DMARC report address without mailto:",
        {(f"_dmarc.{D}", "TXT"): [f"v=DMARC1; p=none; rua=dmarc@{D},mailto:agg@{D}"]},
        GOOD_POLICY,
    ),
    (
        "DMARC version misplaced, bare address",
        {(f"_dmarc.{D}", "TXT"): [f"p=reject; v=DMARC1; rua=reports@{D}"]},
        GOOD_POLICY,
    ),
    (
        "two DMARC records, one bare address",
        {
            (f"_dmarc.{D}", "TXT"): [
                f"v=DMARC1; p=none; rua=first@{D}",
                f"v=DMARC1; p=reject; rua=mailto:second@{D}",
            ]
        },
        GOOD_POLICY,
    ),
    (
        "TLS-RPT record longer than one string",
        {
            (f"_smtp._tls.{D}", "TXT"): [
                "v=TLSRPTv1; rua="
                + ",".join(f"mailto:tls-report-mailbox-{n:02}@{D}" for n in range(9))
                + ",http://old.example.org/x"
            ]
        },
        GOOD_POLICY,
    ),
    (
        "null MX, SPF authorises a mailer",
        {(D, "MX"): ["0 ."], (D, "TXT"): ["v=spf1 include:_spf.example.net ~all"]},
        None,
    ),
    (
        "null MX, a DKIM key",
        {
            (D, "MX"): ["0 ."],
            (D, "TXT"): ["v=spf1 -all"],
            (f"s1._domainkey.{D}", "TXT"): [
                "v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="
            ],
        },
        None,
    ),
    (
        "SPF with a bad prefix length",
        {(D, "TXT"): ["v=spf1 ip4:192.0.2.0/33 -all"]},
        GOOD_POLICY,
    ),
    (
        "SPF redirect twice",
        {(D, "TXT"): ["v=spf1 redirect=a.example.org redirect=b.example.org"]},
        GOOD_POLICY,
    ),
    (
        "MTA-STS policy misses an MX, record id invalid",
        {
            (D, "MX"): ["10 mx1.example.org.", "20 mx2.example.org."],
            ("mx2.example.org", "A"): ["192.0.2.12"],
            (f"_mta-sts.{D}", "TXT"): ["v=STSv1; id=2026-06-01"],
        },
        GOOD_POLICY,
    ),
    ("MTA-STS and DANE without TLS-RPT", {(f"_smtp._tls.{D}", "TXT"): "NOERROR"}, GOOD_POLICY),
]


class Case:
    """One input of the corpus. A lab scenario's zone is read the first time a test asks for it,
    not as the corpus is listed: reading all 1,300 zones through dns.zone was 2-5 s of CPU in
    the collection of every process (each pytest-xdist worker and the lab's), which import this
    module for its helpers or list the corpus, and most of them run none of its tests."""

    def __init__(
        self,
        domain: str,
        served: Served,
        selectors: tuple[str, ...],
        zone: Zone | None = None,
        scenario: Any = None,
    ) -> None:
        self.domain, self.served, self.selectors = domain, served, selectors
        self._zone, self._scenario = zone, scenario

    def __repr__(self) -> str:  # what a failure's report shows of the parameter
        return f"Case({self.domain!r}, selectors={self.selectors!r})"

    def inputs(self) -> tuple[str, Zone, Served, tuple[str, ...]]:
        """(domain, zone, served, selectors); the same objects on every call, as findings_for's
        cache of the sweeps wants (the case holds its zone, so the zone's id is not reused)."""
        if self._zone is None:
            self._zone = scenario_zone(self._scenario)
        _CASE_ZONES.add(id(self._zone))
        return self.domain, self._zone, self.served, self.selectors


def _cases() -> Iterator[Any]:
    for scenario in _scenarios():
        yield pytest.param(
            Case(
                scenario.domain,
                scenario_served(scenario),
                tuple(scenario.selectors),
                scenario=scenario,
            ),
            id=scenario.domain,
        )
    for name, changes, policy in EXTRA_CASES:
        zone = {**BASE, **changes}
        zone = {k: v for k, v in zone.items() if v != "NOERROR" or k == (D, "MX")}
        if changes.get((D, "MX")) == "NOERROR":
            zone.pop((D, "MX"))
            zone[(D, "SOA")] = ["ns. h. 1 2 3 4 5"]  # the name exists: NOERROR, no MX
        served = (
            {} if policy is None else {**SERVED, POLICY_URL: (200, SERVED[POLICY_URL][1], policy)}
        )
        yield pytest.param(Case(D, served, ("s1",), zone=zone), id=name)


# The corpus, listed once per process: tests/test_fixparts_s32k.py and tests/test_engine_s33d.py
# run their sweeps over it too (each test takes its inputs with case.inputs()).
CASES = list(_cases())
# The zones of the cases a test has taken (Case.inputs): their sweeps are kept (findings_for).
_CASE_ZONES: set[int] = set()


# ---------------------------------------------------------------------------------------------
# The properties


def summary_problems(finding: Finding) -> list[str]:
    """What makes a summary read badly, or contradict its status."""
    text, status = finding.summary, finding.status
    found = []
    checks = {
        "doubled full stop": re.search(r"(?<![.])\.\.(?![.])", text),
        "space before punctuation": re.search(r"\s[.,;:](?:\s|$)", text),
        "space inside parentheses": re.search(r"\(\s|\s\)", text),
        "empty parentheses": "()" in text,
        "double space": "  " in text,
        "Python repr": re.search(r"\bNone\b|\[\]|\{'|\bb'|\('[^']*', \d|\[Errno", text),
        "no closing punctuation": not re.search(r"[.!?)]['\"]?$", text),
        "missing space after punctuation": re.search(r"[a-z]{2}[,;][A-Za-z]", text),
        "article before a vowel sound": re.search(r"\ba (?:EC|RSA|Ed25519|[aeiou]\w)", text),
    }
    if status in {Status.FAIL, Status.WARN, Status.PASS}:
        checks["'could not check' on a verdict"] = re.search(
            r"could not (?:be )?check|could not look up", text, re.I
        )
    if status == Status.ERROR:
        checks["'fails' on a could-not-check"] = re.search(r"\bfails\b", text)
    if status == Status.PASS:
        checks["failure words on a pass"] = re.search(r"\b(?:is invalid|fails|broken)\b", text)
    for name, hit in checks.items():
        if hit:
            found.append(f"{finding.id} {status}: {name}: {text!r}")
    return found


# A record on its own line of a fix, in zone-file form.
RECORD_LINE = re.compile(
    r"^(?P<owner>\S+)\s+(?:\d+\s+)?(?:IN\s+)?(?P<type>TXT|MX|A|AAAA|TLSA|DS|CNAME)\s+(?P<rdata>.+)$"
)
POLICY_BLOCK = re.compile(r"^version: STSv1\n(?:[a-z_]+: [^\n]*\n)*?max_age: \d+$", re.M)


def proposed_records(fix: str) -> list[tuple[str, str, Any]]:
    """(owner, type, rdata) of each record line of a fix; raises when a line would not load."""
    records = []
    for line in fix.split("\n"):
        match = RECORD_LINE.match(line)
        if not match:
            continue
        rtype = match["type"]
        rdata = dns.rdata.from_text(
            dns.rdataclass.IN, dns.rdatatype.from_text(rtype), match["rdata"]
        )
        records.append((match["owner"], rtype, rdata))
    return records


def _current_texts(zone: Zone, name: str) -> list[str]:
    value = zone.get((name, "TXT"))
    if not isinstance(value, list):
        return []
    return ["".join(v) if isinstance(v, list) else v for v in value]


def _owner_addresses(record: str) -> list[str]:
    """The mailto: addresses of a record's rua, bare ones given their mailto: (the owner's
    mailboxes, which a suggestion must keep), without a DMARC size suffix."""
    match = re.search(r"(?:^|;)\s*rua\s*=([^;]*)", record, re.I)
    if not match:
        return []
    out = []
    for item in match.group(1).split(","):
        item = re.sub(r"!\d*[kmgt]?$", "", item.strip(), flags=re.I)
        if re.fullmatch(r"[\w.+-]+@[\w-]+(\.[\w-]+)+", item):
            item = f"mailto:{item}"
        if re.fullmatch(r"mailto:[\w.+-]+@[\w-]+(\.[\w-]+)+", item):
            out.append(item)
    return out


# Real public keys: what the owner puts where a fix names the key to publish.
_NEW_KEYS = {
    "rsa": rsa.generate_private_key(65537, 2048)
    .public_key()
    .public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo),
    "ed25519": ed25519.Ed25519PrivateKey.generate()
    .public_key()
    .public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw),
}
_KEY_PLACEHOLDER = re.compile(r"(?<=p=)<[^<>;]+>$")


def _dkim_problems(finding: Finding, value: str) -> list[tuple[str, Status, str]]:
    """A proposed key record's problems that a fix must not leave: any fail, and any warn but
    the key size (no record edit changes it: DKIM-07 has its own fix) and t=y, the owner's
    choice every fix but DKIM-11's keeps. A fix never keeps the problem it is about. A
    placeholder for the key is only for a fix that says in words where the key comes from."""
    if _KEY_PLACEHOLDER.search(value):
        if all(RECORD_LINE.match(line) for line in finding.fix.split("\n")):
            return [("DKIM", Status.FAIL, "a placeholder in a record to publish as it is")]
        key_type = "ed25519" if "k=ed25519" in value else "rsa"
        value = _KEY_PLACEHOLDER.sub(base64.b64encode(_NEW_KEYS[key_type]).decode(), value)
    if not dkim.looks_like_key_record(value):
        return [("DKIM", Status.FAIL, "no DKIM key record")]
    return [
        (p.check_id, p.status, p.message)
        for p in dkim.parse_key_record(value).problems
        if p.status == Status.FAIL
        or (p.check_id == finding.id and p.status == finding.status)
        or (p.status == Status.WARN and p.check_id not in ("DKIM-07", "DKIM-11"))
    ]


def fix_problems(
    finding: Finding, domain: str, zone: Zone, undeliverable: frozenset[str] = frozenset()
) -> list[str]:
    fix = finding.fix
    if not fix:
        return []
    found: list[str] = []
    where = f"{finding.id} {finding.status}"
    if "<domain>" in fix:
        found.append(f"{where}: placeholder for a known name: {fix!r}")
    if finding.id == "MX-01" and (domain, "MX") not in zone:
        # No MX at all: which server receives the domain's mail only its owner knows, so
        # MX-01 names it as a placeholder (tests/test_engine_s20_advice2.py; s25e-nomx).
        fix = fix.replace(f"{domain}. MX 10 <your mail server's host name>.", "")
    try:
        records = proposed_records(fix)
    except Exception as exc:  # a line a zone file loader refuses
        return [f"{where}: record does not load ({exc}): {fix!r}"]
    for owner, rtype, rdata in records:
        if not owner.endswith(".") or not dns.name.from_text(owner).is_absolute():
            found.append(f"{where}: owner {owner!r} is not fully qualified")
        name = owner.rstrip(".").lower()
        if rtype == "MX" and str(rdata.exchange) != "." and not rdata.exchange.is_absolute():
            found.append(f"{where}: MX target {rdata.exchange} has no trailing dot")
        if rtype == "MX" and "<" in str(rdata.exchange):
            found.append(f"{where}: MX target is a placeholder: {fix!r}")
        if rtype != "TXT":
            continue
        value = b"".join(rdata.strings).decode()
        problems: list[tuple[str, Status, str]] = []
        if name.startswith("_dmarc.") or "._report._dmarc." in name:
            parsed_dmarc = parse_dmarc(value)
            problems = [(p.check_id, p.status, p.message) for p in parsed_dmarc.problems]
            if not parsed_dmarc.is_dmarc:
                found.append(f"{where}: {value!r} is no DMARC record")
            if name.startswith("_dmarc."):
                current = _current_texts(zone, name)
                for address in dict.fromkeys(a for r in current for a in _owner_addresses(r)):
                    if address not in value:
                        found.append(f"{where}: {value!r} drops the owner's {address}")
        elif name.startswith("_smtp._tls."):
            parsed_rpt = parse_tlsrpt_record(value)
            problems = [(p.check_id, p.status, p.message) for p in parsed_rpt.problems]
            for address in (a for r in _current_texts(zone, name) for a in _owner_addresses(r)):
                if address not in value and address not in undeliverable:
                    found.append(f"{where}: {value!r} drops the owner's {address}")
        elif name.startswith("_mta-sts."):
            parsed_sts = parse_sts_record(value)
            problems = [(p.check_id, p.status, p.message) for p in parsed_sts.problems]
            if not re.fullmatch(r"[A-Za-z0-9]{1,32}", parsed_sts.id or ""):
                found.append(f"{where}: id of {value!r} is not 1-32 letters and digits")
            texts = _current_texts(zone, name)
            current = [parse_sts_record(t).id for t in texts]
            # One record in several spellings (s31l-txttrailsemi) is kept as it is, id and all:
            # the policy did not change.
            spellings = len(set(current)) == 1 and value in texts
            if parsed_sts.id in current and not spellings:
                found.append(f"{where}: {value!r} keeps the current id")
        elif "._domainkey." in name:
            problems = _dkim_problems(finding, value)
        elif "._bimi." in name:
            problems = [("BIMI", Status.FAIL, e) for e in parse_bimi(value).errors]
        elif value.lower().startswith("v=spf1"):
            problems = [(p.check_id, p.status, p.message) for p in parse_spf(value).problems]
        else:
            found.append(f"{where}: TXT {value!r} at {owner} is no record of a known kind")
        found += [f"{where}: {owner} {value!r} -> {p}" for p in problems if p[1] in BAD]
    mx_hosts = [
        r.split()[1].rstrip(".").lower()
        for r in (zone.get((domain, "MX")) if isinstance(zone.get((domain, "MX")), list) else [])
        if r.split()[1] != "."
    ]
    for block in POLICY_BLOCK.findall(fix):
        # With no MX host a policy can name (IP-literal MX, MX-05), the engine says so with a
        # placeholder line; the rest of the file must still be right.
        placeholder = "mx: <MX host>\n" in block
        policy = parse_policy(block.replace("mx: <MX host>\n", "") + "\n")
        found += [
            f"{where}: proposed policy -> {p.check_id} {p.status}: {p.message}"
            for p in policy.problems
            if p.status in BAD and not (placeholder and p.check_id == "MTASTS-24")
        ]
        # A host with no address is left out of the proposed policy, and the fix says so.
        left = re.search(r"The policy leaves out ([^:]+):", fix)
        skipped = set(left.group(1).split(", ")) if left else set()
        for host in mx_hosts:
            if host in skipped:
                continue
            if mtasts.listable(host) and not any(policy_matches(pat, host) for pat in policy.mx):
                found.append(f"{where}: proposed policy does not cover MX {host}")
    return found


# Rules whose every fail the owner (or their provider) can act on: the policy host and the
# BIMI files. A fail of these without a fix leaves the owner with a verdict and nothing to do.
FIX_REQUIRED = {
    "MTASTS-11",
    "MTASTS-12",
    "MTASTS-13",
    "MTASTS-14",
    "MTASTS-15",
    "MTASTS-16",
    "BIMI-03",
    "BIMI-04",
    "BIMI-09",
    "BIMI-10",
}


# Mechanisms whose every fail and warn is about the owner's own records: each comes with what
# to publish or change.
FIX_REQUIRED_MECHANISMS = ("DKIM-", "DMARC-", "TLSRPT-")


def no_fix_reason(finding: Finding, findings: list[Finding]) -> str:
    """Why a fail or warn of FIX_REQUIRED_MECHANISMS may come without a fix ('' for none)."""
    if finding.id == "DMARC-06" and any(
        f.id == "DMARC-06" and "rua=" in f.fix and f is not finding for f in findings
    ):
        # p=none without rua: enforcing blind would quarantine the owner's own unaligned mail
        # unseen, so the one fix offered is the other DMARC-06's, which adds a report address.
        return "the other DMARC-06 adds the report address first"
    return ""


def missing_fix(finding: Finding, findings: list[Finding] = []) -> list[str]:  # noqa: B006
    if finding.fix:
        return []
    if finding.status == Status.FAIL and finding.id in FIX_REQUIRED:
        return [f"{finding.id} fail without a fix: {finding.summary!r}"]
    if (
        finding.status in BAD
        and finding.id.startswith(FIX_REQUIRED_MECHANISMS)
        and not no_fix_reason(finding, findings)
    ):
        return [f"{finding.id} {finding.status} without a fix: {finding.summary!r}"]
    return []


@pytest.mark.parametrize("case", CASES)
def test_fixes_are_publishable_and_summaries_read_well(case: Case) -> None:
    domain, zone, served, selectors = case.inputs()
    findings = findings_for(domain, zone, served, selectors)
    assert findings
    # A fix may stop reports going to an address the engine found undeliverable.
    undeliverable = frozenset(
        f.subject for f in findings if f.id == "TLSRPT-10" and f.status == Status.WARN
    )
    problems = []
    for finding in findings:
        problems += summary_problems(finding)
        problems += fix_problems(finding, domain, zone, undeliverable)
        problems += missing_fix(finding, findings)
    assert problems == []


# Findings whose fix is the owner's choice to make, not a repair every fix of the record makes:
# another fix keeps the record as the owner chose there, so the finding stays (RecordRepairs).
CHOICES = {
    ("DMARC-06", Status.WARN),  # moving off p=none (or adding an example report address)
    ("DMARC-07", Status.WARN),  # sp=none / np=none under an enforcing p
    ("DMARC-10", Status.WARN),  # psd=y, which moves the Organizational Domain below
    ("DMARC-17", Status.WARN),  # a tag written with ':' whose '=' form lowers protection
    # An address that cannot receive reports: mending its DNS or dropping it is the owner's
    # choice, but for a domain that declares it accepts no mail (null MX, RFC 7505).
    ("TLSRPT-10", Status.WARN),
}


def is_choice(finding: Finding) -> bool:
    if finding.id == "TLSRPT-10" and "(null MX)" in finding.summary:
        return False
    return (finding.id, finding.status) in CHOICES


_RECORD_MODULES = {"DKIM-": dkim, "DMARC-": dmarc, "TLSRPT-": tlsrpt}


def _record_fix(finding: Finding) -> tuple[str, str] | None:
    """(name, record) when the fix is one TXT record to publish, with no placeholder."""
    if not finding.id.startswith(tuple(_RECORD_MODULES)) or "<" in finding.fix:
        return None
    records = [(o, r) for o, t, r in proposed_records(finding.fix) if t == "TXT"]
    if len(records) != 1:
        return None
    owner, rdata = records[0]
    return owner.rstrip(".").lower(), b"".join(rdata.strings).decode()


@pytest.mark.parametrize("case", CASES)
def test_one_fix_does_not_bring_back_what_another_fixes(case: Case) -> None:
    """Fixes of one record are one record with every repair: published, one finding's fix
    must not leave a finding of the record that another fix clears (with t=y and fo=0:1,
    DMARC-09's fix kept fo=0:1 repaired and DMARC-14's kept t=y). The owner's choices
    (is_choice) stay with their own finding."""
    domain, zone, served, selectors = case.inputs()
    cache: dict[tuple[Any, str, str], set[tuple[str, Status, str]]] = {}

    def after(module: Any, name: str, record: str) -> set[tuple[str, Status, str]]:
        if (module, name, record) not in cache:
            changed = {**zone, (name, "TXT"): [record]}
            found = findings_for(domain, changed, served, selectors, (module,))
            cache[(module, name, record)] = {(f.id, f.status, f.subject) for f in found}
        return cache[(module, name, record)]

    original = [f for f in findings_for(domain, zone, served, selectors) if f.status in BAD]
    offered = [(f, fix) for f in original if (fix := _record_fix(f))]
    problems = []
    for finding, (name, record) in offered:
        module = next(m for p, m in _RECORD_MODULES.items() if finding.id.startswith(p))
        now = after(module, name, record)
        for other, (other_name, other_record) in offered:
            key = (other.id, other.status, other.subject)
            if other is finding or other_name != name or is_choice(other):
                continue
            if key in now and key not in after(module, name, other_record):
                problems.append(f"{finding.id}'s {record!r} leaves {other.id}: {other.summary}")
    assert problems == []


def test_the_checks_see_what_they_check() -> None:
    # The property test is only as good as its parsing of fixes: a fix of each kind is found.
    findings = findings_for(D, {**BASE, (f"_dmarc.{D}", "TXT"): ["p=reject; v=DMARC1"]}, SERVED)
    fix = next(f.fix for f in findings if f.id == "DMARC-03")
    assert [(o, t) for o, t, _ in proposed_records(fix)] == [(f"_dmarc.{D}.", "TXT")]
    bad_policy = GOOD_POLICY.replace(b"mode: enforce", b"mode: Enforce")
    findings = findings_for(D, BASE, {POLICY_URL: (200, SERVED[POLICY_URL][1], bad_policy)})
    fix = next(f.fix for f in findings if f.id == "MTASTS-22")
    assert POLICY_BLOCK.findall(fix)
    assert fix_problems(
        Finding("X-1", Status.FAIL, Mechanism.MX, "", fix='a.example. TXT "x"'), D, BASE
    )
    assert summary_problems(Finding("X-1", Status.FAIL, Mechanism.MX, "Bad.. thing"))
    assert missing_fix(Finding("MTASTS-12", Status.FAIL, Mechanism.MTASTS, "Refused."))


# ---------------------------------------------------------------------------------------------
# The defects these properties found, one by one


def _fix(findings: list[Finding], check_id: str) -> str:
    return next(f.fix for f in findings if f.id == check_id and f.fix)


def _summary(findings: list[Finding], check_id: str) -> str:
    return next(f.summary for f in findings if f.id == check_id)


def test_ip_literal_mx_fix_names_a_host_and_points_the_mx_at_it() -> None:
    zone = {**BASE, (D, "MX"): ["10 mx1.example.org.", "20 192.0.2.25."]}
    findings = findings_for(D, zone, SERVED)
    fix = _fix(findings, "MX-05")
    # mx1 is taken by the other MX: its address must not change.
    assert [(o, t, r.to_text()) for o, t, r in proposed_records(fix)] == [
        ("mx2.example.org.", "A", "192.0.2.25"),
        ("example.org.", "MX", "20 mx2.example.org."),
    ]
    # MX-06 on the same host: an IP address has no address records to publish.
    assert "Publish an address for 192.0.2.25" not in _fix(findings, "MX-06")


def test_ipv6_literal_mx_gets_an_aaaa_record() -> None:
    host = mx.MxHost(name="2001:db8::25", preference=10, is_ip_literal=True)
    answer = mx.DnsAnswer(D, "MX", "NOERROR")
    # 2001:db8:: stands in for a public address (as make_ctx's allow_private_targets): a
    # private one gets no AAAA record (s28w, tests/test_engine_s28w.py).
    fix = mx._ip_literal_fix(mx.MxSet(answer=answer, hosts=[host]), host, allow_private=True)
    assert "mx1.example.org. AAAA 2001:db8::25" in fix.split("\n")


def test_implicit_mx_fix_is_a_record_not_a_placeholder() -> None:
    zone = {k: v for k, v in BASE.items() if k != (D, "MX")}
    zone[(D, "A")] = ["192.0.2.30"]
    fix = _fix(findings_for(D, zone, {}), "MX-01")
    assert [(o, t, r.to_text()) for o, t, r in proposed_records(fix)] == [
        ("example.org.", "MX", "10 example.org.")
    ]


def test_null_mx_sender_fix_names_only_the_records_that_exist() -> None:
    only_spf = {**BASE, (D, "MX"): ["0 ."], (D, "TXT"): ["v=spf1 include:_spf.example.net ~all"]}
    fix = _fix(findings_for(D, only_spf, {}), "MX-03")
    assert "DKIM" not in fix and "BIMI" not in fix
    assert [(o, r.to_text()) for o, _, r in proposed_records(fix)] == [(f"{D}.", '"v=spf1 -all"')]
    key = "v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="
    with_key = {**only_spf, (f"s1._domainkey.{D}", "TXT"): [key]}
    fix = _fix(findings_for(D, with_key, {}, ("s1",)), "MX-03")
    assert f"s1._domainkey.{D}" in fix and "BIMI" not in fix


def test_dmarc_fix_keeps_a_report_address_written_without_mailto() -> None:
    zone = {**BASE, (f"_dmarc.{D}", "TXT"): [f"v=DMARC1; p=reject; rua=dmarc@{D}"]}
    fix = _fix(findings_for(D, zone, SERVED), "DMARC-12")
    assert fix == f'_dmarc.{D}. TXT "v=DMARC1; p=reject; rua=mailto:dmarc@{D}"'
    merged = dmarc.merged_record(D, [f"v=DMARC1; p=none; rua=a@{D}", "v=DMARC1; p=none"])
    assert f"rua=mailto:a@{D}" in merged


def test_tlsrpt_missing_next_to_two_mechanisms_is_a_sentence() -> None:
    zone = {k: v for k, v in BASE.items() if k[0] != f"_smtp._tls.{D}"}
    zone[("_25._tcp.mx1.example.org", "TLSA")] = ["3 1 1 " + "ab" * 32]
    summary = _summary(findings_for(D, zone, SERVED), "TLSRPT-01")
    assert "MTA-STS and DANE are deployed" in summary


def test_policy_host_certificate_reason_ends_once() -> None:
    async def fetch(ctx: Any, url: str, **kw: Any) -> https.HttpsResult:
        result = https.HttpsResult(url=url, host=url.split("/")[2])
        result.error_kind, result.error = "tls-cert", "certificate verify failed"
        reason = f"Hostname mismatch, certificate is not valid for 'mta-sts.{D}'."
        result.cert = https.CertInfo(sans=[D], verify_error=reason)
        return result

    with mock.patch.object(https, "fetch", fetch):
        findings = asyncio.run(mtasts.evaluate(make_ctx(D, BASE)))
    summary = _summary(findings, "MTASTS-12")
    assert f"for 'mta-sts.{D}'). It must" in summary and ".." not in summary


def test_refused_connection_reads_as_words() -> None:
    # asyncio's own text for a refused connect is a Python tuple.
    exc = OSError(errno.ECONNREFUSED, "Connect call failed ('2001:db8::25', 443, 0, 0)")
    assert net.os_error_text(exc) == "Connection refused"
    assert net.os_error_text(OSError("no errno here")) == "no errno here"


def test_refused_smtp_connection_problem_has_no_tuple(monkeypatch: pytest.MonkeyPatch) -> None:
    async def refuse(*args: Any, **kwargs: Any) -> Any:
        raise OSError(errno.ECONNREFUSED, "Connect call failed ('192.0.2.25', 25)")

    monkeypatch.setattr(starttls.net, "open_connection", refuse)
    ctx = make_ctx(D, BASE, allow_private_targets=True)
    probe = asyncio.run(starttls.probe_mx(ctx, "mx1.example.org", "192.0.2.25"))
    assert probe.problem == "could not connect to port 25: Connection refused"


def _self_signed(key: Any, algorithm: Any) -> x509.Certificate:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "mx1.example.org")])
    now = dt.datetime.now(dt.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=60))
    )
    return builder.sign(key, algorithm)


@pytest.mark.parametrize(
    ("key", "algorithm", "expected"),
    [
        (ec.generate_private_key(ec.SECP256R1()), hashes.SHA256(), "an EC secp256r1 256-bit key"),
        (rsa.generate_private_key(65537, 2048), hashes.SHA256(), "an RSA 2048-bit key"),
        (ed25519.Ed25519PrivateKey.generate(), None, "an Ed25519 256-bit key signed with EdDSA."),
    ],
)
def test_key_summary_is_english(key: Any, algorithm: Any, expected: str) -> None:
    leaf = certs.facts_of(_self_signed(key, algorithm))
    probe = starttls.SmtpProbe(
        host="mx1.example.org", address="192.0.2.11", leaf=leaf, chain=[leaf]
    )
    out = Collector(Mechanism.SMTP)
    starttls.certificate_findings(out, probe, "mx1.example.org [192.0.2.11]", {}, False, False)
    summary = _summary(out.findings, "SMTP-14")
    assert expected in summary
    assert not summary_problems(out.findings[-1])


def test_spf_permerror_summary_is_one_sentence() -> None:
    findings = findings_for(D, {**BASE, (D, "TXT"): ["v=spf1 ip4:192.0.2.0/33 -all"]}, SERVED)
    summary = _summary(findings, "SPF-04")
    assert summary.endswith("the prefix length must be a number from 0 to 32.")
    findings = findings_for(
        D, {**BASE, (D, "TXT"): ["v=spf1 redirect=a.example.org redirect=b.example.org"]}, SERVED
    )
    assert "permanent error: the 'redirect' modifier" in _summary(findings, "SPF-12")


def test_dmarc_misplaced_version_quotes_the_record() -> None:
    zone = {**BASE, (f"_dmarc.{D}", "TXT"): ["p=reject; v=DMARC1"]}
    assert _summary(findings_for(D, zone, SERVED), "DMARC-03").endswith(
        "so receivers ignore it: 'p=reject; v=DMARC1'."
    )
