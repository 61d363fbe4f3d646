"""An independent DANE client agrees with mailsec on every lab MX host that has TLSA records.

Postfix's `posttls-finger` (Debian package postfix, installed by scripts/install-system-deps.sh)
connects to one MX host, does EHLO and STARTTLS, and authenticates the server with Postfix's own
DANE code (RFC 7672, OpenSSL's DANE verifier). It reads DNS only through the system resolver
and believes the AD bit only with `options trust-ad` in resolv.conf (glibc >= 2.31), so it runs
unmodified in a private mount namespace whose /etc/resolv.conf names the lab's validating
Unbound (lab-recipes §7). It gets no CA file: with DANE it needs none, and without usable TLSA
records it falls back to the "secure" level, which then cannot trust anything, so only DANE can
ever make it say "Verified".

Each MX host gets one of these verdicts from both sides:

| verdict | Postfix says | mailsec says for the host / the address Postfix reached |
|---|---|---|
| verified | "Matched DANE …" and a Verified/Trusted TLS connection | DANE-07 pass |
| failed | DANE applied (it logs the TLSA RRset) but no verified TLS | DANE-07, DANE-09 or DANE-10 fail |
| unusable | secure TLSA records, none usable (RFC 7672 §3.1.3) | DANE-04 or DANE-05 fail |
| none | no TLSA lookup or no secure TLSA: opportunistic TLS | DANE-01 info or DANE-02 warn |
| tempfail | TLSA (or address) lookup failed: Postfix defers | DANE-02 fail (bogus) or error (the lookup failed: could not check) |
| error | a 4xx/5xx greeting or EHLO, a refused, reset or silent connection: nothing tested | DANE-07 error (could not be tested) |

Domains whose MX RRset is insecure (mailsec: DANE-03 warn) are also asked by domain name, so
that Postfix does the MX lookup itself: it still uses the host's secure TLSA records there and
logs the session "Trusted", which is what DANE-03 tells the owner.

Where Postfix legitimately differs from RFC 7672 (and so from mailsec) for one host, EXCEPTIONS
says what Postfix concludes instead and why; there is no blanket skip.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from checks import dane, mx
from checks.context import CheckContext
from checks.findings import Finding, Mechanism, Status
from tests.lab.scenarios import Scenario, load_scenarios
from tests.test_engine_lab import lab_config, scenario_report, waits

pytestmark = pytest.mark.lab

# Only what posttls-finger reads; nothing system-wide (MAIL_CONFIG points here).
MAIN_CF = """\
compatibility_level = 3.6
# Believe the AD bit of the (validating) resolver: DANE needs DNSSEC-validated answers.
smtp_dns_support_level = dnssec
smtp_tls_security_level = dane
# Postfix checks once that the resolver validates by asking for the root's NS records; the
# lab resolver refuses names outside test., so the probe could only log a false warning.
dnssec_probe =
"""

# MX host -> (what Postfix concludes instead of mailsec's verdict, why). Each entry is one
# host whose difference was looked into; anything else that differs fails the test.
EXCEPTIONS: dict[str, tuple[frozenset[str], str]] = {
    # TLS 1.0 only (server at @SECLEVEL=0). OpenSSL 3 refuses TLS 1.0's MD5-SHA1 signatures at
    # its default security level ("legacy sigalg disallowed"), so Postfix cannot finish the
    # handshake and, DANE requiring TLS, would defer. That is RFC 8996 (TLS 1.0 MUST NOT be
    # used), not RFC 7672: the certificate matches its TLSA record, so mailsec's DANE-07
    # passes, and it reports the protocol under SMTP-07 and MTASTS-36 (both fail).
    "mx1.f32a.lab.test": (frozenset({"failed"}), "TLS 1.0 only: SMTP-07, not DANE"),
    "mx2.f32a.lab.test": (frozenset({"failed"}), "TLS 1.0 only: SMTP-07, not DANE"),
    # Answers 421 to a third connection within 30 s, and mailsec's own probes of this test
    # just used two: Postfix usually meets the 421 (a transient refusal), before any TLS.
    "mx2.f34.lab.test": (frozenset({"verified", "error"}), "421 rate limit (lab extra)"),
    # Answers STARTTLS with 220, then never the ClientHello (the lab's starttls_stall).
    # Postfix logs "SSL_connect error ... Connection timed out" and defers, which reads as a
    # failed session; mailsec says "could not check" (DANE-07 error, SMTP-04 error): a timeout
    # cannot tell a hung server from a moment's stall (checklist §0). Same outcome for mail.
    "mx2.s34l-starttlsstall.lab.test": (
        frozenset({"failed"}),
        "handshake timeout: could not check (s34l)",
    ),
    # '2 1 0' (the issuing CA's whole key), the server sending its leaf alone. OpenSSL's DANE
    # code verifies the leaf's signature with the key in the record, so Postfix says
    # Verified; RFC 7671 §5.2.2 asks the server to send the TA certificate unless the record
    # is '2 0 0', and mailsec fails DANE-09, saying that OpenSSL-based senders accept it and
    # others defer (s41d).
    "mx1.s41d-ta210leaf.lab.test": (
        frozenset({"verified"}),
        "2 1 0 with the TA unsent: OpenSSL uses the bare key (s41d)",
    ),
    # Secure TLSA records, all unusable, and no STARTTLS. RFC 7672 §2.2: TLS is still
    # mandatory, so Postfix (its 'encrypt' level) defers: a failed session. mailsec's DANE
    # view is 'unusable' (DANE-05 fail); SMTP-03 fails for the missing STARTTLS (s41d).
    "mx1.s41d-unusablenotls.lab.test": (
        frozenset({"failed"}),
        "unusable TLSA, no STARTTLS: TLS mandatory, SMTP-03 (s41d)",
    ),
}

TLSA_IN_RECORD = re.compile(r"\sTLSA\s")

# Postfix's words for a session that ended before TLS: a refusing greeting, a 4xx EHLO (a 5xx
# EHLO is a HELO-only server: DANE fails, DANE-10), a STARTTLS answered 421 (the server closing
# the channel, RFC 5321 §3.8: a transient refusal like a 421 greeting, s45c-starttls421; a 454
# is the server's TLS refusal and stays a failed session, DANE-10), a refused
# connection, a reset or a silent server (lab [[tcp]] rows, s16o).
NOTHING_TESTED = re.compile(
    r"SMTP service not available|EHLO rejected: 4\d\d|STARTTLS rejected: 421 "
    r"|connect to \S+: Connection refused"
    r"|connect to \S+: Connection reset by peer"
    r"|lost connection while reading server greeting|timeout while reading server greeting"
)


@dataclass
class HostView:
    """mailsec's verdict for one MX host: one for the host, or one per tested address."""

    host: str
    scenario: str
    kind: str | None = None  # none | unusable | tempfail | error, when not per address
    by_address: dict[str, str] = field(default_factory=dict)
    findings: list[str] = field(default_factory=list)

    def verdict(self, address: str | None) -> str:
        if self.kind is not None:
            return self.kind
        if address is not None and address in self.by_address:
            return self.by_address[address]
        kinds = set(self.by_address.values())
        return kinds.pop() if len(kinds) == 1 else f"mixed {sorted(kinds)}"


@dataclass
class FingerView:
    kind: str
    address: str | None
    output: str


def has_tlsa(scenario: Scenario) -> bool:
    records = list(scenario.records)
    for zone_records in scenario.other_zones.values():
        records.extend(zone_records)
    return any(TLSA_IN_RECORD.search(f" {r} ") for r in records)


# mailsec's side is the DANE findings of the engine's report on each scenario, the one
# tests/test_engine_lab.py checks (same configuration): checked together up front with the
# session's other scenarios (tests.lab.pytest_plugin reads this list).
SCENARIO_REPORTS = [s for s in load_scenarios() if has_tlsa(s)]


# -- Postfix ---------------------------------------------------------------------------------


def finger_path() -> str:
    # /usr/sbin is not on every user's PATH; a missing client fails the test, never skips it.
    found = shutil.which("posttls-finger", path=f"{os.environ.get('PATH', '')}:/usr/sbin")
    if found is None:
        pytest.fail("posttls-finger (Debian package postfix) is needed for the DANE oracle")
    if shutil.which("unshare") is None:
        pytest.fail("unshare (util-linux) is needed to run the DANE oracle")
    return found


def run_finger(finger: str, config_dir: Path, resolv: Path, destination: str) -> str:
    """One posttls-finger run: destination "[host]" for that MX host alone, or a domain to
    look up its MX records first."""
    # -L dane logs every DNSSEC-signed TLSA record Postfix will use: the sign that DANE applies.
    command = (
        f"mount --bind {resolv} /etc/resolv.conf && exec {finger} -t 15 -T 15 -l dane "
        f"-L routine,certmatch,dane '{destination}'"
    )
    result = subprocess.run(
        ["unshare", "--mount", "sh", "-c", command],
        capture_output=True,
        text=True,
        env={**os.environ, "MAIL_CONFIG": str(config_dir)},
        timeout=90,
    )
    return result.stdout + result.stderr


def postfix_verdict(output: str) -> FingerView:
    connected = re.search(r"Connected to [^\s\[]+\[([^\]]+)\]:\d+", output)
    address = connected.group(1) if connected else None
    if "TLSA lookup error" in output or "TLSA lookup problem" in output:
        return FingerView("tempfail", address, output)
    if "Name service error" in output and "try again" in output:
        return FingerView("tempfail", address, output)
    if "DNSSEC-signed TLSA record:" not in output:
        # No usable secure TLSA: Postfix falls back to another level ("secure" here).
        unusable = re.search(r"unsupported TLSA|unusable TLSA|TLSA records unusable", output)
        return FingerView("unusable" if unusable else "none", address, output)
    if NOTHING_TESTED.search(output):
        # A 4xx/5xx greeting or EHLO, or a connection refused, reset or left silent: nothing
        # about TLS was learnt (mailsec: DANE-07 error).
        return FingerView("error", address, output)
    if "TLSA records unusable" in output:
        # Secure records that OpenSSL refuses to load (a digest of the wrong length): TLS
        # without authentication (RFC 7671 §10.3), as for unusable usages.
        return FingerView("unusable", address, output)
    established = re.search(r"(\w+) TLS connection established", output)
    trusted = established is not None and established.group(1) in ("Verified", "Trusted")
    if trusted and "Matched DANE" in output:
        return FingerView("verified", address, output)
    return FingerView("failed", address, output)


# -- mailsec ---------------------------------------------------------------------------------

FAILING = {"DANE-07", "DANE-09", "DANE-10"}


def dane_findings(lab: Any, scenario: Scenario) -> list[Finding]:
    """mailsec's DANE findings on the scenario: those of dane.evaluate, as the engine reports
    them (the shared report, tests.test_engine_lab.scenario_report)."""
    return [f for f in scenario_report(lab, scenario).findings if f.mechanism == Mechanism.DANE]


async def mailsec_views(
    lab: Any, scenario: Scenario, findings: list[Finding]
) -> tuple[list[HostView], bool]:
    """mailsec's verdict for each MX host, from its DANE `findings` on the scenario, and
    whether it warns that TLSA records sit behind an insecure MX RRset (DANE-03)."""
    config = lab_config(lab, dkim_selectors=tuple(scenario.selectors))
    ctx = CheckContext(scenario.domain, config)
    mxset = await mx.get_mx(ctx)
    views = []
    for host in mxset.hosts:
        if host.is_ip_literal:
            continue
        state = await dane.get_tlsa(ctx, host.name)
        views.append(host_view(scenario.domain, host, state, findings))
    insecure_mx = any(f.id == "DANE-03" and f.status == Status.WARN for f in findings)
    return views, insecure_mx


def host_view(domain: str, host: Any, state: dane.TlsaState, findings: list[Finding]) -> HostView:
    view = HostView(host.name, domain)
    about_host = [f for f in findings if f.subject == state.qname]
    prefix = f"{host.name} ["
    about_addresses = [f for f in findings if str(f.subject).startswith(prefix)]
    view.findings = [f"{f.status} {f.id} {f.subject}" for f in about_host + about_addresses]

    def has(check_id: str, status: Status) -> bool:
        return any(f.id == check_id and f.status == status for f in about_host)

    if has("DANE-02", Status.FAIL):
        view.kind = "tempfail"  # bogus TLSA: DANE senders defer (RFC 7672 §2.1.1)
    elif has("DANE-02", Status.ERROR):
        # The TLSA (or address) lookup failed: mailsec could not check, Postfix defers.
        view.kind = "tempfail"
    elif has("DANE-01", Status.INFO) or has("DANE-02", Status.WARN):
        view.kind = "none"
    elif has("DANE-04", Status.FAIL) or has("DANE-05", Status.FAIL):
        view.kind = "unusable"
    else:
        for f in about_addresses:
            address = str(f.subject)[len(prefix) :].rstrip("]")
            # A failure of the server's second (RSA) certificate concerns senders offering
            # only RSA; Postfix offers ECDSA too and gets the first one.
            if f.evidence and f.evidence.get("second_certificate"):
                continue
            if f.id in FAILING and f.status == Status.FAIL:
                view.by_address[address] = "failed"
            elif f.id == "DANE-07" and f.status == Status.PASS:
                view.by_address.setdefault(address, "verified")
            elif f.id == "DANE-07" and f.status == Status.ERROR:
                view.by_address.setdefault(address, "error")
    return view


# -- the comparison --------------------------------------------------------------------------


def test_posttls_finger_agrees_on_every_tlsa_host(lab: Any, tmp_path: Path) -> None:
    finger = finger_path()
    host, _, port = lab.env["MAILSEC_RESOLVER"].rpartition(":")
    assert port == "53", "resolv.conf cannot carry a port: the lab resolver must be on 53"
    resolv = tmp_path / "resolv.conf"
    resolv.write_text(f"nameserver {host}\noptions edns0 trust-ad\n")
    config_dir = tmp_path / "postfix"
    config_dir.mkdir()
    (config_dir / "main.cf").write_text(MAIN_CF)

    scenarios = SCENARIO_REPORTS
    findings = {s.domain: dane_findings(lab, s) for s in scenarios}

    async def all_views() -> list[tuple[list[HostView], bool]]:
        limit = asyncio.Semaphore(8)

        async def one(s: Scenario) -> tuple[list[HostView], bool]:
            async with limit:
                return await mailsec_views(lab, s, findings[s.domain])

        return await asyncio.gather(*(one(s) for s in scenarios))

    results = asyncio.run(all_views())
    views = [v for vs, _ in results for v in vs]
    hosts = sorted({v.host for v in views})
    # Domains whose MX RRset is insecure, asked by domain so that Postfix sees that too.
    behind_insecure_mx = {
        s.domain: vs for s, (vs, insecure) in zip(scenarios, results, strict=True) if insecure
    }
    destinations = [f"[{h}]" for h in hosts] + sorted(behind_insecure_mx)
    # A silent server, or a STARTTLS whose handshake is never answered, holds a run for its
    # 15 s timeout: started last, it ends the test (s34l-starttlsstall's backup started 26 s
    # into a 41 s pass of 1,102 runs, s46f).
    slow = {v.host for s, (vs, _) in zip(scenarios, results, strict=True) if waits(s) for v in vs}
    slow |= {s.domain for s in scenarios if waits(s)}
    destinations.sort(key=lambda d: d.strip("[]") not in slow)
    with ThreadPoolExecutor(max_workers=12) as pool:
        outputs = dict(
            zip(
                destinations,
                pool.map(lambda d: run_finger(finger, config_dir, resolv, d), destinations),
                strict=True,
            )
        )
    theirs = {h: postfix_verdict(outputs[f"[{h}]"]) for h in hosts}

    disagreements = []
    seen: dict[str, int] = {}
    for view in views:
        postfix = theirs[view.host]
        ours = view.verdict(postfix.address)
        expected = EXCEPTIONS.get(view.host, (frozenset({ours}), ""))[0]
        seen[postfix.kind] = seen.get(postfix.kind, 0) + 1
        if postfix.kind not in expected:
            # Postfix's own lines, without the SMTP chat (lines "< …" and "> …").
            said = [
                line
                for line in postfix.output.strip().splitlines()
                if not re.match(r"posttls-finger: [<>] ", line)
            ]
            disagreements.append(
                f"{view.scenario} {view.host} [{postfix.address}]: mailsec={ours} "
                f"postfix={postfix.kind} (expected {'/'.join(sorted(expected))})\n"
                f"    mailsec: {'; '.join(view.findings)}\n    postfix: "
                + "\n      ".join(said[-12:])
            )
    assert not disagreements, f"{len(disagreements)} of {len(views)} hosts:\n" + "\n".join(
        disagreements
    )
    # DANE-03: an insecure MX RRset. Postfix >= 3.6 with smtp_tls_security_level = dane (its
    # default smtp_tls_dane_insecure_mx_policy is then "dane") still authenticates an MX host
    # with secure TLSA records, and logs it "Trusted", not "Verified" (RFC 7672 §2.2.1 allows
    # it). So its verdict for the domain is mailsec's for the host it reached.
    assert behind_insecure_mx, "no scenario has TLSA records behind an insecure MX RRset"
    for domain, domain_views in behind_insecure_mx.items():
        postfix = postfix_verdict(outputs[domain])
        reached = re.search(r"Connected to ([^\s\[]+)\[", postfix.output)
        assert reached, f"{domain}: {postfix.output[-1000:]}"
        view = next(v for v in domain_views if v.host == reached.group(1))
        if view.verdict(postfix.address) != "none":
            # A host without secure TLSA records gets no DANE at all, so Postfix says nothing
            # of the MX RRset there (s33l-insecowntlsa: the domain's own primary, its TLSA
            # in the same unsigned zone, before a provider's DANE backup).
            assert "MX RRset insecure" in postfix.output, f"{domain}: {postfix.output[-1000:]}"
        assert postfix.kind == view.verdict(postfix.address), (
            f"{domain}: mailsec={view.verdict(postfix.address)} postfix={postfix.kind}\n"
            + postfix.output[-1500:]
        )
        if postfix.kind == "verified":
            assert "Trusted TLS connection established" in postfix.output, postfix.output

    stale = set(EXCEPTIONS) - set(hosts)
    assert not stale, f"exceptions for hosts no scenario has: {sorted(stale)}"
    # The comparison means something only if it covers the main verdicts.
    print(f"posttls-finger verdicts over {len(views)} MX hosts: {seen}")
    assert {"verified", "failed", "none", "unusable", "tempfail"} <= set(seen), seen
