"""DANE for SMTP (RFC 7672, RFC 7671, RFC 6698): TLSA records of every MX host (checklist §8).

`get_tlsa(ctx, host)` finds the TLSA RRset of an MX host once per run (STARTTLS uses it to grade
severities); `evaluate` turns it and the STARTTLS probes (`starttls.probe_mx`) into DANE-01..14.
Absence of TLSA is only `info`: many providers cannot deploy DANE. A TLSA lookup that could not be
completed is `error`, except when the TLSA RRset is bogus (its zone fails DNSSEC validation), which
makes DANE senders defer: `fail`.
"""

from __future__ import annotations

import asyncio
import binascii
import hashlib
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

import dns.rdatatype
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, padding, rsa

from checks import certs
from checks.context import CheckContext
from checks.dns import DnsAnswer, misplaced_lookup, normalize, servfail_is_bogus
from checks.domainname import organizational_domain
from checks.findings import Collector, Finding, Mechanism, Status, noun_for

MECHANISM = Mechanism.DANE

USAGE_NAMES = {0: "PKIX-TA", 1: "PKIX-EE", 2: "DANE-TA", 3: "DANE-EE"}
SELECTOR_NAMES = {0: "Cert", 1: "SPKI"}
MTYPE_NAMES = {0: "Full", 1: "SHA2-256", 2: "SHA2-512"}
# RFC 7671 §9 digest algorithm agility: a client ranks digests by strength and, per usage and
# selector, matches only the strongest one present (Full(0) is always used). OpenSSL's DANE
# code, which Postfix and Exim use, ranks SHA2-512 above SHA2-256 by default (Postfix:
# smtp_tls_dane_digests = sha512 sha256).
DIGEST_STRENGTH = {1: 1, 2: 2}


def _preference(record: TlsaRecord) -> tuple[int, int, int, bytes]:
    """Sort key of a usable record, strongest match first. DANE-EE (3) before DANE-TA (2): it
    pins the server's own key, the usual primary record of RFC 7671 §5.1 and RFC 7672 §3.1
    (DANE-TA is the companion that survives a key change, §5.2). Then the matching type, a
    full value (0) before SHA2-512 before SHA2-256 (RFC 7671 §9), then SPKI (1) before the
    whole certificate (0), the recommended "3 1 1" form (§5.1), and the data as the tie-break."""
    digest = 3 if record.mtype == 0 else DIGEST_STRENGTH.get(record.mtype, 0)
    return (-record.usage, -digest, -record.selector, record.data)


@dataclass
class TlsaRecord:
    usage: int
    selector: int
    mtype: int
    data: bytes
    text: str = ""
    problems: list[str] = field(default_factory=list)

    @property
    def dane_usage(self) -> bool:
        # RFC 7672 §3.1.3: only DANE-TA(2) and DANE-EE(3) are usable for SMTP.
        return self.usage in (2, 3)

    @property
    def usable(self) -> bool:
        return self.dane_usage and not self.problems

    @property
    def combo(self) -> tuple[int, int, int]:
        return (self.usage, self.selector, self.mtype)


def check_fields(usage: int, selector: int, mtype: int, data: bytes) -> list[str]:
    """RFC 6698 §2.1.1-§2.1.3 / RFC 7671 §9: values that make a record unusable."""
    problems: list[str] = []
    for value, known, field_name, private in (
        (usage, USAGE_NAMES, "certificate usage", "PrivCert"),
        (selector, SELECTOR_NAMES, "selector", "PrivSel"),
        (mtype, MTYPE_NAMES, "matching type", "PrivMatch"),
    ):
        if value == 255:
            # Assigned to private use (RFC 6698 §7.2-§7.4, RFC 7218), not unknown (s35l)
            problems.append(
                f"{field_name} 255 ({private}), kept for private use, which senders do not support"
            )
        elif value not in known:
            problems.append(f"unknown {field_name} {value}")
    expected = certs.TLSA_DIGEST_LENGTHS.get(mtype)
    if expected is not None and len(data) != expected:
        problems.append(
            f"{MTYPE_NAMES[mtype]} data must be {expected} bytes ({2 * expected} hex digits), "
            f"found {len(data)}"
        )
    if mtype == 0 and not data:
        problems.append("empty certificate association data")
    if mtype == 0 and data and selector == 0 and certs.load_der(data) is None:
        problems.append("Full(0) Cert(0) data is not a DER certificate")
    return problems


@dataclass
class ParsedTlsa:
    record: TlsaRecord | None
    problems: list[str] = field(default_factory=list)


def parse_tlsa_text(text: str) -> ParsedTlsa:
    """Parse TLSA presentation data ("3 1 1 ABCD..."); never raises (RFC 6698 §2.2)."""
    try:
        parts = str(text).split()
    except Exception:  # defensive: text is free-form input
        return ParsedTlsa(None, ["not text"])
    if len(parts) < 4:
        return ParsedTlsa(None, ["expected: usage selector matching-type data"])
    numbers: list[int] = []
    for part in parts[:3]:
        if not part.isdigit() or len(part) > 3 or int(part) > 255:
            return ParsedTlsa(None, [f"{part[:20]!r} is not a number from 0 to 255"])
        numbers.append(int(part))
    hex_text = "".join(parts[3:])
    try:
        data = binascii.unhexlify(hex_text)
    except (binascii.Error, ValueError):
        return ParsedTlsa(None, ["certificate association data is not hexadecimal"])
    usage, selector, mtype = numbers
    problems = check_fields(usage, selector, mtype, data)
    record = TlsaRecord(
        usage, selector, mtype, data, text=" ".join(parts[:3] + [hex_text]), problems=problems
    )
    return ParsedTlsa(record, problems)


def _from_rdata(rdata: Any) -> TlsaRecord:
    usage, selector, mtype = int(rdata.usage), int(rdata.selector), int(rdata.mtype)
    data = bytes(rdata.cert)
    return TlsaRecord(
        usage,
        selector,
        mtype,
        data,
        text=rdata.to_text(),
        problems=check_fields(usage, selector, mtype, data),
    )


@dataclass
class Match:
    """Result of authenticating one presented chain against the usable TLSA records."""

    ok: bool
    record: TlsaRecord | None = None
    # Why DANE-TA failed, when it did: 'ta-not-in-chain' | 'name' | 'expired' |
    # 'not-yet-valid' | 'chain'
    ta_problem: str | None = None
    detail: str = ""


@dataclass
class TlsaState:
    host: str
    base: str  # TLSA base domain (RFC 7672 §2.2.2: the CNAME-expanded MX name when secure)
    qname: str
    answer: DnsAnswer | None = None
    records: list[TlsaRecord] = field(default_factory=list)
    secure: bool = False
    failed: bool = False
    # SERVFAIL whose retry with CD answers: the RRset is bogus (validation failed).
    bogus: bool = False
    tried: list[str] = field(default_factory=list)
    # For bogus TLSA records reached through a CNAME that itself validates: where the alias
    # leads and the zone signing the records there, the zone to re-sign (not qname's own).
    alias_target: str = ""
    alias_zone: str = ""
    # For bogus records in a zone whose DS is for a key that does not sign its DNSKEY set
    # (dnssec.idle_ds_of_zone): that key, and the DS record of the key that does.
    idle_key: str = ""
    idle_ds_record: str = ""
    # Signed TLSA records that came back without AD from a resolver that validates nothing:
    # neither secure nor insecure as far as we know, so DANE is not judged (RFC 7672 §2.2).
    unvalidated: bool = False
    # No TLSA records, and the denial came without AD only because the signed zone's NSEC3
    # records carry the Opt-Out flag (dnssec.opt_out_denial; set by evaluate behind a secure MX
    # RRset): records published there would be signed and secure (s39h-optout).
    denial_opt_out: bool = False

    @property
    def present(self) -> bool:
        return bool(self.records)

    @property
    def usable_records(self) -> list[TlsaRecord]:
        """The usable records, strongest first (_preference), not in DNS answer order: when
        several match, the one a finding names (DANE-07, DANE-08 or DANE-09, DANE-12) must not
        depend on how a resolver happened to order the RRset (RFC 1034 §3.6: unordered)."""
        return sorted((r for r in self.records if r.usable), key=_preference)

    @property
    def agile_records(self) -> list[TlsaRecord]:
        """The usable records a DANE sender matches against (RFC 7671 §9): per usage and
        selector, the Full(0) records and those of the strongest digest present. A "3 1 1"
        record for the current key is ignored when a "3 1 2" record sits beside it."""
        usable = self.usable_records
        best: dict[tuple[int, int], int] = {}
        for r in usable:
            rank = DIGEST_STRENGTH.get(r.mtype)
            if rank is not None:
                key = (r.usage, r.selector)
                best[key] = max(best.get(key, 0), rank)
        return [
            r
            for r in usable
            if r.mtype == 0 or DIGEST_STRENGTH.get(r.mtype) == best[(r.usage, r.selector)]
        ]

    @property
    def applies(self) -> bool:
        """Secure usable TLSA: a DANE sender MUST use TLS and authenticate (RFC 7672 §2.2)."""
        return self.secure and bool(self.usable_records)

    @property
    def requires_tls(self) -> bool:
        """Secure non-empty TLSA, usable or not: a DANE sender MUST use TLS (RFC 7672 §2.2:
        with every record unusable "any connection to the MX host MUST be made via TLS, but
        authentication is not required"), and defers rather than send in cleartext."""
        return self.secure and self.present

    def authenticates(self, probe: Any) -> bool:
        return self.match(probe).ok

    def match(self, probe: Any, now: datetime | None = None) -> Match:
        chain: list[bytes] = list(getattr(probe, "chain_der", []) or [])
        if not chain:
            return Match(False, detail="no certificate was presented")
        now = now or datetime.now(UTC)
        ta_failure: Match | None = None
        for record in self.agile_records:
            if record.usage == 3:
                # DANE-EE: only the leaf key/cert matters; names and dates are ignored
                # (RFC 7671 §5.1, RFC 7672 §3.1.1).
                if certs.tlsa_matches(chain[0], record.selector, record.mtype, record.data):
                    return Match(True, record)
                continue
            outcome = self._match_ta(record, chain, now)
            if outcome.ok:
                return outcome
            if ta_failure is None or outcome.ta_problem != "ta-not-in-chain":
                ta_failure = outcome
        return ta_failure or Match(False, detail="no TLSA record matches the presented key")

    def _match_ta(self, record: TlsaRecord, chain: list[bytes], now: datetime) -> Match:
        # DANE-TA (RFC 7671 §5.2, RFC 7672 §3.1.2): the trust anchor is among the certificates
        # presented above the leaf, except for "2 0 0" where the record carries the whole TA
        # certificate. Like OpenSSL, the path is built from the leaf through the presented
        # certificates as an unordered pool (RFC 8446 §4.4.2): order and stray extras do not
        # matter, only that each certificate is issued by the next up to the anchor.
        pool = list(chain)
        if record.selector == 0 and record.mtype == 0:
            pool.append(record.data)
        loaded = [certs.load_der(d) for d in pool]
        anchors = {
            i
            for i in range(1, len(pool))
            if loaded[i] is not None
            and certs.tlsa_matches(pool[i], record.selector, record.mtype, record.data)
        }
        if not anchors:
            return Match(
                False,
                record,
                "ta-not-in-chain",
                "the trust anchor of the DANE-TA record is not in the presented chain",
            )
        leaf = loaded[0]
        if leaf is None:
            return Match(False, record, "chain", "the leaf certificate is unparsable")
        if timedelta(0) < leaf.not_valid_before_utc - now <= certs.NOT_BEFORE_SKEW:
            # Within the clock skew STARTTLS allows (certs.verify_chain): a leaf installed the
            # moment it was issued is judged as of its notBefore, not failed for the seconds
            # our clock may run behind the CA's.
            now = leaf.not_valid_before_utc

        def current(index: int) -> bool:
            cert = loaded[index]
            return cert is not None and cert.not_valid_before_utc <= now <= cert.not_valid_after_utc

        # Normal validity applies to every certificate below the anchor (the anchor's own dates
        # do not matter): prefer a path of current certificates, and only when there is none
        # name the expired certificate on a path that otherwise reaches the anchor.
        path = _path_to_anchor(loaded, anchors, current)
        if path is None:
            path = _path_to_anchor(loaded, anchors, lambda _: True)
            if path is None:
                return Match(False, record, "chain", "the chain does not lead to the anchor")
            stale = next(i for i in path[:-1] if not current(i))
            stale_cert = loaded[stale]
            assert stale_cert is not None  # every index on a path is a parsed certificate
            problem = "expired" if stale_cert.not_valid_after_utc < now else "not-yet-valid"
            return Match(False, record, problem, _validity_text(stale_cert, stale, now))
        # RFC 7672 §3.2.3: reference identifiers are the TLSA base domain and the MX host name.
        if not (certs.name_matches(chain[0], self.base) or certs.name_matches(chain[0], self.host)):
            return Match(
                False, record, "name", f"the leaf certificate is not valid for {self.base}"
            )
        return Match(True, record)


def _bare_key_signed(record: TlsaRecord | None, chain: Sequence[bytes]) -> bool:
    """Whether `record` is a '2 1 0' (a CA's whole public key) whose key verifies the
    signature of a certificate in `chain`: the anchor is then known, only not sent."""
    if record is None or record.combo != (2, 1, 0):
        return False
    try:
        key = serialization.load_der_public_key(record.data)
    except ValueError:
        return False
    for der in chain:
        cert = certs.load_der(der)
        if cert is None:
            continue
        try:
            hash_alg = cert.signature_hash_algorithm
            if isinstance(key, ec.EllipticCurvePublicKey) and hash_alg is not None:
                key.verify(cert.signature, cert.tbs_certificate_bytes, ec.ECDSA(hash_alg))
            elif isinstance(key, rsa.RSAPublicKey) and hash_alg is not None:
                key.verify(cert.signature, cert.tbs_certificate_bytes, padding.PKCS1v15(), hash_alg)
            elif isinstance(key, ed25519.Ed25519PublicKey | ed448.Ed448PublicKey):
                key.verify(cert.signature, cert.tbs_certificate_bytes)
            else:
                continue
        except Exception:  # another key, another algorithm, a bad signature: not this one
            continue
        return True
    return False


def _path_to_anchor(
    loaded: list[x509.Certificate | None], anchors: set[int], allowed: Callable[[int], bool]
) -> list[int] | None:
    """Indexes of a shortest path from the leaf (index 0) to an anchor, each certificate issued
    by the next, through certificates `allowed` accepts (the anchor itself is always accepted);
    None when there is no such path. Breadth-first, each certificate visited once, so a hostile
    pool of mutually issuing certificates costs at most n² issuer tests."""
    if not allowed(0):
        return None
    parent: dict[int, int] = {0: 0}
    queue = deque([0])
    while queue:
        index = queue.popleft()
        child = loaded[index]
        if index in anchors:
            path = [index]
            while path[-1] != 0:
                path.append(parent[path[-1]])
            return path[::-1]
        for candidate in range(1, len(loaded)):
            issuer = loaded[candidate]
            if child is None or issuer is None or candidate in parent:
                continue
            if candidate not in anchors and not allowed(candidate):
                continue
            if certs.issued_by(child, issuer):
                parent[candidate] = index
                queue.append(candidate)
    return None


def _validity_text(cert: x509.Certificate, index: int, now: datetime) -> str:
    what = (
        "the leaf certificate"
        if index == 0
        else f"the CA certificate {certs.facts_of(cert).subject}"
    )
    # To the second, in UTC, as the STARTTLS findings say it: a certificate that starts in a
    # minute differs from one dated next month.
    if cert.not_valid_after_utc < now:
        return f"{what} expired on {certs.utc_text(cert.not_valid_after_utc)}"
    until = f"{what} is not valid until {certs.utc_text(cert.not_valid_before_utc)}"
    if index == 0:
        # Only the leaf gets the clock-skew allowance (_match_ta, certs.verify_chain).
        minutes = int(certs.NOT_BEFORE_SKEW.total_seconds() // 60)
        until += f", beyond the {minutes} minutes of clock difference allowed"
    return until


async def _resolve_state(ctx: CheckContext, host: str) -> TlsaState:
    host = normalize(host)
    # RFC 7672 §2.2.2: when the MX host name is an alias with a secure CNAME chain, the expanded
    # name is tried first; its TLSA records then cover SNI and name checks.
    a_answer = await ctx.dns.query(host, "A")
    candidates = []
    if a_answer.cnames and a_answer.ad:
        candidates.append(a_answer.cnames[-1])
    candidates.append(host)
    state = TlsaState(host=host, base=host, qname=f"_25._tcp.{host}")
    # RFC 7672 §2.2.2/§2.2.3: only a secure TLSA RRset ends the search; insecure records at the
    # expanded name send the client on to the original name like "no records" does. They are
    # kept to report (DANE-02: published but ignored) if the original name has nothing better.
    insecure: TlsaState | None = None
    for base in candidates:
        qname = f"_25._tcp.{base}"
        answer = await ctx.dns.query(qname, "TLSA")
        state.tried.append(qname)
        state.base, state.qname, state.answer = base, qname, answer
        if answer.failed:
            state.failed = True
            if answer.rcode == "SERVFAIL":
                retry = await ctx.dns.query(qname, "TLSA", cd=True)
                state.bogus = await servfail_is_bogus(ctx.dns, answer, retry)
                if retry.exists:
                    state.records = [_from_rdata(r) for r in retry.records]
                if state.bogus and retry.cnames:
                    await _locate_bogus_alias(ctx, state, retry)
                if state.bogus:
                    from checks import dnssec

                    # The zone the failing records are in: where the alias leads when the
                    # alias itself validates (_locate_bogus_alias), else the name's own.
                    state.idle_key, state.idle_ds_record = await dnssec.idle_ds_of_zone(
                        ctx, state.alias_target or qname
                    )
            return state
        if answer.exists:
            records = [_from_rdata(r) for r in answer.records]
            if answer.ad:
                state.records, state.secure = records, True
                return state
            if insecure is None:
                # The same `tried` list: the later lookup at the original name is shown too.
                insecure = replace(
                    state,
                    records=records,
                    tried=state.tried,
                    unvalidated=await _signed_but_unvalidated(ctx, qname),
                )
    return insecure or state


async def _signed_but_unvalidated(ctx: CheckContext, qname: str) -> bool:
    """TLSA records without AD are insecure only if a validating resolver said so: from one
    that validates nothing, records that carry signatures are of unknown standing."""
    from checks import dnssec

    if (await dnssec.resolver_validation(ctx)).validates is not False:
        return False
    return (await ctx.dns.query(qname, "TLSA", want_dnssec=True)).signed


async def _locate_bogus_alias(ctx: CheckContext, state: TlsaState, retry: DnsAnswer) -> None:
    """Bogus TLSA records behind a CNAME: when the alias itself validates, the failure lies
    in the zone it leads to, and "re-sign the zone holding _25._tcp.<mx>" sent the owner to
    a zone that is fine. The zone is the signer name of the records' RRSIG (RFC 4034
    §3.1.7: the owner of the zone's DNSKEY), read from the lookup made with CD."""
    alias = await ctx.dns.query(state.qname, "CNAME")
    if alias.failed:
        return  # the alias fails validation itself: its own zone is the one to fix
    target = retry.cnames[-1]
    state.alias_target = target
    message = retry.message
    if message is None:
        return
    for rrset in message.answer:
        if rrset.rdtype != dns.rdatatype.RRSIG or normalize(rrset.name.to_text()) != target:
            continue
        for sig in rrset:
            if sig.type_covered == dns.rdatatype.TLSA:
                state.alias_zone = normalize(sig.signer.to_text())
                return


async def get_tlsa(ctx: CheckContext, host: str) -> TlsaState:
    """The TLSA RRset of one MX host, once per run."""
    name = normalize(host)
    return await ctx.once(f"dane:tlsa:{name}", lambda: _resolve_state(ctx, name))


def known_tlsa(ctx: CheckContext | None, host: str) -> TlsaState | None:
    """get_tlsa's state for `host` when this run has looked it up already (starttls's
    _policy_context does before any finding), else None: for fixes built without awaiting."""
    return ctx.known(f"dane:tlsa:{normalize(host)}") if ctx is not None else None


def renamed_mx_note(state: TlsaState | None, host: str, new: str, probe: Any = None) -> str:
    """What pointing the MX at `new` in place of the MX host `host` does to DANE, for a fix
    that offers it (starttls.own_name_option, mtasts.alias_certificate_fix): DANE senders look
    TLSA records up under the name in the MX record (RFC 7672 §2.2.2, the CNAME-expanded name
    first when the alias is signed), so records at _25._tcp.<host> stop applying and the new
    name's operator would have to publish its own. Records already found at `new` (the
    alias target's name, looked up first) stay as they are. '' without TLSA records."""
    if state is None or not state.present:
        return ""
    host, new, base = normalize(host), normalize(new), normalize(state.base)
    if base == new:
        return (
            f"\nDANE: the TLSA records at {state.qname} stay the ones DANE senders use: they "
            f"look up the alias target's name first already (RFC 7672 §2.2.2), and with the MX "
            f"pointed at {new} it is the MX name itself."
        )
    if base != host:
        return ""
    now = (
        " They authenticate this server for DANE senders now (a DANE-EE record does not look "
        "at the certificate's names, RFC 7672 §3.1.1): the name fails only the senders that "
        "check it."
        if probe is not None and state.applies and state.authenticates(probe)
        else ""
    )
    return (
        f"\nDANE: you publish TLSA records at {state.qname}."
        f"{now} DANE senders look TLSA records up under the name in the MX record (RFC 7672 "
        f"§2.2.2), so with the MX pointed at {new} they look at _25._tcp.{new} instead: "
        f"the records at {state.qname} stop applying, and DANE protects the mail only if the "
        f"operator of {new} publishes TLSA records there, in a DNSSEC-signed zone. Ask them "
        f"before the change; delete the records at {state.qname} after it."
    )


def recommended_record(state: TlsaState, chain: list[bytes]) -> str:
    if not chain:
        return ""
    return f"{state.qname}. IN TLSA {certs.tlsa_record_text(chain[0], 3, 1, 1)}"


# --------------------------------------------------------------------------------------------


async def evaluate(ctx: CheckContext) -> list[Finding]:
    from checks import mx, starttls

    out = Collector(MECHANISM)
    mxset = await mx.get_mx(ctx)
    if mxset.failed:
        out.add(
            "DANE-01",
            Status.ERROR,
            f"The MX records of {ctx.domain} could not be looked up "
            f"({mxset.answer.describe_failure()}); DANE could not be checked.",
            subject=ctx.domain,
            evidence=mxset.answer.evidence(),
        )
        return out.findings
    if mxset.null_mx:
        out.add(
            "DANE-01",
            Status.NA,
            f"{ctx.domain} receives no mail (null MX): DANE does not apply.",
            subject=ctx.domain,
        )
        return out.findings
    hosts = [h for h in mxset.hosts if not h.is_ip_literal]
    if not mxset.hosts:
        # mx.get_mx leaves the list empty only for a null MX: with no MX record the domain
        # itself is the MX (RFC 5321 §5.1), and a failed lookup is said above. Anything else
        # is no null MX to announce, and no host to look at.
        out.add(
            "DANE-01",
            Status.ERROR,
            f"No MX host of {ctx.domain} could be read from its MX records; DANE could not be "
            "checked.",
            subject=ctx.domain,
            evidence=mxset.answer.evidence(),
        )
        return out.findings
    if not hosts:
        # Every MX target is an IP address or all digits (MX-05): DANE senders look TLSA
        # records up under the MX host's name (RFC 7672 §2.2.3), and there is none.
        one = len(mxset.hosts) == 1
        out.add(
            "DANE-01",
            Status.NA,
            f"The MX {'target' if one else 'targets'} {', '.join(mxset.names)} of "
            f"{ctx.domain} {'is no host name' if one else 'are no host names'} (see MX-05): "
            "DANE senders look TLSA records up under the MX host's name (RFC 7672 §2.2.3), so "
            "DANE does not apply.",
            subject=ctx.domain,
        )
        return out.findings
    states = await asyncio.gather(*(get_tlsa(ctx, h.name) for h in hosts))
    # The STARTTLS check probes every MX address anyway and probes are shared per run, so using
    # them here (for matching, and for the exact record to publish) costs no extra connection.
    planned = set((await starttls.probe_plan(ctx))[0])  # bounded per run, preference order
    probe_jobs = [(h, a) for h in hosts for a in h.addresses if (h.name, a) in planned]
    # SNI is the TLSA base domain (DANE-07, DANE-13; RFC 7672 §8.1, RFC 7671 §7): for an MX
    # name that is a secure CNAME whose target holds the TLSA records, that is the target, and
    # a server choosing its certificate by SNI must be asked for that name.
    base_of = {h.name: st.base for h, st in zip(hosts, states, strict=True)}
    probes = await asyncio.gather(
        *(starttls.probe_mx(ctx, base_of.get(h.name, h.name), a) for h, a in probe_jobs)
    )
    by_host: dict[str, list[Any]] = {}
    for (h, _), p in zip(probe_jobs, probes, strict=True):
        by_host.setdefault(h.name, []).append(p)

    known = _known_certificates(ctx, probes)
    # DANE-01's advice for a host without TLSA says "sign the zone" from a missing AD bit,
    # which means nothing from a resolver that validates nothing.
    unsigned_looking = not (mxset.implicit or mxset.answer.ad) or any(
        st.answer is not None and not st.answer.ad for st in states
    )
    validates: bool | None = True
    if unsigned_looking and any(not st.present and not st.failed for st in states):
        from checks import dnssec

        validates = (await dnssec.resolver_validation(ctx)).validates
    if mxset.implicit or mxset.answer.ad:
        from checks import dnssec

        # Together, as the TLSA lookups were: a question (or two) for each host without TLSA.
        denied = [(st, st.answer) for st in states if st.answer is not None and not st.present]
        opt_out = await asyncio.gather(*(dnssec.opt_out_denial(ctx.dns, a) for _, a in denied))
        for (st, _), flag in zip(denied, opt_out, strict=True):
            st.denial_opt_out = flag
    misplaced = await _misplaced_tlsa(ctx, hosts, states)
    await _policy_domain_tlsa(out, ctx, [h.name for h in hosts], misplaced)
    with_tlsa = []
    for host, state in zip(hosts, states, strict=True):
        host_probes = by_host.get(host.name, [])
        first = len(out.findings)
        if _host_findings(
            out,
            ctx,
            host,
            state,
            host_probes,
            mxset,
            known,
            validates,
            misplaced=misplaced.get(host.name),
        ):
            with_tlsa.append(host.name)
        _for_the_operator(ctx, state, out.findings, first)
        _for_a_hosted_name(ctx, host, state, host_probes, out.findings, first)
    # DANE-11: coverage across MX hosts. A host whose TLSA lookup failed is unknown, not
    # "without TLSA" (checklist §0); a bogus one is not reachable without authentication
    # either: DANE senders defer to it (RFC 7672 §2.2) and DANE-02 already fails it.
    unknown = [
        h.name
        for h, st in zip(hosts, states, strict=True)
        if (st.failed and not st.bogus) or st.unvalidated
    ]
    bogus = [h.name for h, st in zip(hosts, states, strict=True) if st.bogus]
    # An MX host without an address (MX-06: deleted, or never created) receives no mail at
    # all: senders skip it (RFC 5321 §5.1), so it is no host mail reaches unauthenticated.
    addressless = [
        h.name
        for h in hosts
        if h.name not in with_tlsa + unknown + bogus
        and not h.addresses
        and not h.lookup_failed
        and not h.bogus
    ]
    missing = [h.name for h in hosts if h.name not in with_tlsa + unknown + bogus + addressless]
    evidence: dict[str, Any] = {"with_tlsa": with_tlsa, "without": missing}
    if unknown:
        evidence["unknown"] = unknown
    if bogus:
        evidence["bogus"] = bogus
    if addressless:
        evidence["no_address"] = addressless
    if with_tlsa and missing:
        caveats = ""
        # A host whose secure TLSA records are all unusable is uncovered too (RFC 7672 §2.2:
        # unauthenticated TLS), though the owner sees records there: say so, or "has none"
        # contradicts what is published.
        unusable = [
            h.name
            for h, st in zip(hosts, states, strict=True)
            if h.name in missing and st.secure and st.records and not st.usable_records
        ]
        if unusable:
            # Why none is usable: no DANE usage at all is DANE-04's (PKIX records from a
            # web-server guide), broken fields DANE-05's (RFC 7672 §3.1.3; RFC 7671 §9).
            state_of = {h.name: st for h, st in zip(hosts, states, strict=True)}
            for check_id in ("DANE-04", "DANE-05"):
                names = [
                    n
                    for n in unusable
                    if (check_id == "DANE-04")
                    == (not any(r.dane_usage for r in state_of[n].records))
                ]
                if names:
                    one = len(names) == 1
                    caveats += (
                        f" {', '.join(names)} {'publishes' if one else 'publish'} TLSA "
                        f"records, but none is usable (see {check_id})."
                    )
        if unknown:
            caveats += f" The TLSA lookup for {', '.join(unknown)} could not be completed."
        if bogus:
            caveats += (
                f" DANE senders defer mail to {', '.join(bogus)} (bogus TLSA records, DANE-02)."
            )
        # The records to publish for each host without any: DANE-01's, for the certificate it
        # presents (a host with unusable records is DANE-05's to mend).
        fixes = [
            _absent_fix(ctx, st, by_host.get(h.name, []), mxset, validates)
            for h, st in zip(hosts, states, strict=True)
            if h.name in missing and h.name not in unusable
        ]
        out.add(
            "DANE-11",
            Status.WARN,
            f"Only some MX hosts have secure, usable TLSA records ({', '.join(missing)} "
            f"{'has' if len(missing) == 1 else 'have'} none): DANE senders authenticate only "
            "the covered hosts, so mail can "
            f"still reach the others without authentication.{caveats}",
            subject=ctx.domain,
            evidence=evidence,
            fix="\n".join(f for f in fixes if f),
        )
    elif with_tlsa and unknown:
        out.add(
            "DANE-11",
            Status.ERROR,
            "DANE coverage could not be determined: the TLSA lookup for "
            f"{', '.join(unknown)} could not be completed (see DANE-02).",
            subject=ctx.domain,
            evidence=evidence,
        )
    elif with_tlsa and bogus:
        # Checklist DANE-11 warns when only some hosts have secure TLSA: a bogus set is not
        # secure (DANE-02 fails it), though senders defer rather than skip authentication.
        out.add(
            "DANE-11",
            Status.WARN,
            f"Only some MX hosts have secure TLSA records: those of {', '.join(bogus)} fail "
            "DNSSEC validation (DANE-02), so DANE senders defer mail there rather than "
            "deliver it without authentication.",
            subject=ctx.domain,
            evidence=evidence,
        )
    elif with_tlsa:
        skipped = (
            f" ({', '.join(addressless)} {'has' if len(addressless) == 1 else 'have'} no "
            "address and receives no mail, see MX-06)"
            if addressless
            else ""
        )
        out.add(
            "DANE-11",
            Status.PASS,
            f"Every MX host {'with an address ' if addressless else ''}has secure, usable "
            f"TLSA records{skipped}.",
            subject=ctx.domain,
            evidence=evidence,
        )
    return out.findings


async def _policy_domain_tlsa(
    out: Collector, ctx: CheckContext, hosts: list[str], misplaced: dict[str, Misplaced]
) -> None:
    """DANE-01: TLSA at _25._tcp.<policy domain> is irrelevant unless the domain is an MX host.
    When an MX host's own DANE-01 names these records (_misplaced_tlsa found them for a host
    without TLSA), that finding says what to publish where and what to delete: this one says
    only that it does, with no fix of its own (s35p: the fix was said twice)."""
    if ctx.domain in hosts:
        return
    name = f"_25._tcp.{ctx.domain}"
    answer = await ctx.dns.query(name, "TLSA")
    if not answer.exists:
        return
    told = [
        host
        for host, found in misplaced.items()
        if any(normalize(at) == normalize(name) for at, _ in found.found)
    ]
    if told:
        out.add(
            "DANE-01",
            Status.INFO,
            f"{name} has TLSA records, but senders look up TLSA under each MX host name "
            f"(_25._tcp.<mx>), not under the mail domain: DANE-01 for "
            f"{' and '.join(told)} says what to publish at "
            f"{'its name' if len(told) == 1 else 'each of their names'} instead, and to "
            "delete these.",
            subject=name,
            evidence=answer.evidence(),
        )
        return
    out.add(
        "DANE-01",
        Status.INFO,
        f"{name} has TLSA records, but senders look up TLSA under each "
        f"MX host name (_25._tcp.<mx>), not under the mail domain.",
        subject=name,
        evidence=answer.evidence(),
        fix="Publish the records at _25._tcp.<mx host> for each MX host.",
    )


def _known_certificates(ctx: CheckContext, probes: list[Any]) -> tuple[bytes, ...]:
    """Certificates that may have issued a presented chain, though its server did not send
    them: the configured CA bundle's roots and every certificate any MX sent in this run.
    DANE senders never use them; they only tell a DANE-TA anchor the server omits from one
    that names no CA of its chain (_mismatch)."""
    ders: dict[bytes, None] = {}
    for root in certs.roots_for(ctx.config.ca_bundle):
        ders[root.public_bytes(serialization.Encoding.DER)] = None
    for probe in probes:
        for shown in (probe, getattr(probe, "rsa_variant", None)):
            for der in getattr(shown, "chain_der", None) or []:
                ders[der] = None
    return tuple(ders)


def _unsent_anchor(
    state: TlsaState, chain: list[bytes], known: Sequence[bytes]
) -> tuple[bool, str]:
    """For a chain no DANE-TA record finds its anchor in: (does a TA record match a CA above
    the presented certificates, found among `known`; the subject of the self-signed root the
    chain leads to when every issuer up to it is known, else '')."""
    records = [r for r in state.agile_records if r.usage == 2]
    sent = [c for c in (certs.load_der(d) for d in chain) if c is not None]
    pool = [(d, c) for d, c in ((d, certs.load_der(d)) for d in known) if c is not None]
    seen = {c.fingerprint(hashes.SHA256()) for c in sent}
    frontier = list(sent)
    while frontier:
        above: list[x509.Certificate] = []
        for child in frontier:
            for der, issuer in pool:
                mark = issuer.fingerprint(hashes.SHA256())
                if mark in seen or not certs.issued_by(child, issuer):
                    continue
                seen.add(mark)
                if any(certs.tlsa_matches(der, r.selector, r.mtype, r.data) for r in records):
                    return True, ""
                above.append(issuer)
        frontier = above
    # Every issuer known up to a self-signed root: the record names no CA of this chain.
    everything = sent + [c for _, c in pool]
    current = sent[0] if sent else None
    for _ in range(len(everything) + 1):
        if current is None:
            break
        if current.issuer == current.subject and certs.issued_by(current, current):
            return False, certs.name_text(current.subject)
        current = next(
            (c for c in everything if c is not current and certs.issued_by(current, c)), None
        )
    return False, ""


def _host_findings(
    out: Collector,
    ctx: CheckContext,
    host: Any,
    state: TlsaState,
    probes: list[Any],
    mxset: Any,
    known: Sequence[bytes] = (),
    resolver_validates: bool | None = True,
    *,
    misplaced: Misplaced | None = None,
) -> bool:
    """Findings for one MX host; returns True when the host has secure usable TLSA.
    `misplaced`: for a host without TLSA, what _misplaced_tlsa found at wrong names."""
    subj = state.qname
    ev: dict[str, Any] = state.answer.evidence() if state.answer else {}
    if len(state.tried) > 1:
        ev["tried"] = state.tried
    # DANE-02 first: an unanswered lookup is not "absent".
    if state.failed:
        # Bogus (SERVFAIL, and the CD retry answers) is a failure whether or not the host's
        # addresses are bogus too (RFC 7672 §2.2: DANE senders treat the MX as unusable);
        # only a SERVFAIL that CD does not explain is "could not check".
        if state.bogus:
            zone = (
                " Its address records fail validation too, so validating senders cannot use "
                "this MX host at all (see MX-06, DNSSEC-09)."
                if host.bogus and not host.addresses
                else ""
            )
            where = ""
            from checks import dnssec

            # The remedy the resolver's RFC 8914 code points to, as DNSSEC-01/07/09 give it.
            answers = [state.answer] if state.answer is not None else []
            target = f"the zone holding {state.qname}"
            # Removing the TLSA records helps only when the rest of the zone validates; a
            # DS without its key or a zone served unsigned fails every record in it.
            alternative = "" if _zone_wide(state.answer) else ", or remove the broken records"
            if state.alias_target:
                other = state.alias_zone or f"the zone holding {state.alias_target}"
                where = (
                    f" {state.qname} is an alias (CNAME) for {state.alias_target}, and the "
                    f"records there, in {other}, are the ones that fail."
                )
                ev = {**ev, "alias_target": state.alias_target}
                if state.alias_zone:
                    ev["alias_zone"] = state.alias_zone
                target = (
                    f"{other} (where the alias {state.qname} leads; ask its operator if it is "
                    "not yours)"
                )
                alternative = f", or point {state.qname} at TLSA records in a zone that validates"
            why = _bogus_reason(state.answer)
            if state.present or state.alias_target:
                what = f"The TLSA records of {host.name} fail DNSSEC validation (bogus{why})"
            else:
                # The retry with CD found no TLSA records: what fails is the proof that there
                # are none (DNSSEC-07 names it). DANE senders still cannot tell "no TLSA" from
                # an attack, so they treat the host as unusable (RFC 7672 §2.1.1) (s22n).
                what = (
                    f"{host.name} has no TLSA records, but the proof that {state.qname} does "
                    f"not exist fails DNSSEC validation (bogus{why}; see DNSSEC-07), so DANE "
                    "senders cannot tell that DANE is not in use here"
                )
                alternative = ""
            if state.idle_key and not state.alias_target:
                # A DS for a key that does not sign fails every record of the zone.
                alternative = ""
            fix = dnssec.bogus_fix(
                answers,
                target,
                f"Re-sign {target}",
                alternative=alternative,
                idle_key=state.idle_key,
                ds_record=state.idle_ds_record,
            )
            out.add(
                "DANE-02",
                Status.FAIL,
                f"{what}: DANE senders will defer mail to this host.{where}{zone}",
                subject=subj,
                evidence=ev,
                fix=fix,
            )
        else:
            detail = state.answer.describe_failure() if state.answer else "no answer"
            out.add(
                "DANE-02",
                Status.ERROR,
                f"The TLSA lookup for {host.name} could not be completed ({detail}).",
                subject=subj,
                evidence=ev,
            )
        return False
    if not state.present:
        summary, fix = _addressless_words(ctx, host, state, implicit=mxset.implicit)
        if not summary and state.answer is not None and state.answer.cnames:
            # The TLSA name is an alias whose target holds no TLSA records (a provider that
            # stopped publishing them): a TLSA record cannot sit beside the CNAME (RFC 1034
            # §3.6.2), so the bare record to publish would be refused by the zone.
            target = state.answer.cnames[-1]
            gone = "does not exist" if state.answer.rcode == "NXDOMAIN" else "has no TLSA records"
            summary = (
                f" {state.qname} is an alias (CNAME) for {target}, which {gone}: the alias is "
                "left over, and DANE senders find no TLSA records through it."
            )
            absent = _absent_fix(ctx, state, probes, mxset, resolver_validates)
            fix = f"Remove the CNAME at {state.qname} (it leads to {target}, which {gone})" + (
                f", then: {absent}" if absent else "."
            )
        if not summary:
            fix = _absent_fix(ctx, state, probes, mxset, resolver_validates)
            if misplaced is not None:
                ev = {**ev, "also_looked_at": misplaced.looked_at}
                if misplaced.found:
                    summary, fix = _misplaced_words(ctx.domain, state, probes, misplaced, fix)
                    ev["misplaced"] = [
                        {"name": name, "record": _record_text(record)}
                        for name, record in misplaced.found
                    ]
                    if misplaced.aliases:
                        ev["aliases"] = misplaced.aliases
        out.add(
            "DANE-01",
            Status.INFO,
            f"{host.name} publishes no TLSA record at {state.qname}: DANE is not used for it."
            f"{summary}",
            subject=subj,
            evidence=ev,
            fix=fix,
        )
        return False
    out.add(
        "DANE-01",
        Status.PASS,
        f"{host.name} publishes TLSA records at {state.qname}.",
        subject=subj,
        evidence=ev,
    )
    if state.unvalidated:
        from checks.dnssec import resolver_does_not_validate

        out.add(
            "DANE-02",
            Status.ERROR,
            f"Whether the TLSA records of {host.name} are DNSSEC-secure could not be checked: "
            f"{resolver_does_not_validate(ctx)}. They are signed, but DANE senders use only TLSA "
            "records their resolver validated (RFC 7672 §2.2), so DANE is not judged on them "
            "here.",
            subject=subj,
            evidence=ev,
        )
        return False
    if not state.secure:
        out.add(
            "DANE-02",
            Status.WARN,
            f"The TLSA records of {host.name} are not DNSSEC-signed, so senders ignore them: "
            "DANE has no effect.",
            subject=subj,
            evidence=ev,
            fix=f"Sign the zone holding {state.qname} with DNSSEC and publish its DS.",
        )
        return False
    out.add(
        "DANE-02",
        Status.PASS,
        f"The TLSA records of {host.name} are DNSSEC-secure.",
        subject=subj,
        evidence=ev,
    )

    # DANE-04: usages.
    usages = sorted({r.usage for r in state.records})
    if not any(r.dane_usage for r in state.records):
        # Usages other than 0-3 (PrivCert 255, unassigned values) are unusable too (RFC 7671
        # §9): say "no DANE usage", not "PKIX", when such a value is among them.
        kind = "only PKIX usages" if set(usages) <= {0, 1} else "no DANE usage"
        out.add(
            "DANE-04",
            Status.FAIL,
            f"The TLSA records of {host.name} use {kind} "
            f"({', '.join(USAGE_NAMES.get(u, f'unknown usage {u}') for u in usages)}), which "
            "SMTP senders treat as unusable (RFC 7672 §3.1.3; only DANE-TA(2) and DANE-EE(3) "
            "count).",
            subject=subj,
            evidence=ev,
            fix=_fix_for(state, probes),
        )
        return False
    pkix = [r for r in state.records if r.usage in (0, 1)]
    if pkix:
        # Name the records to delete, as a TLSA generator that offers every usage leaves the
        # owner with lines that look alike (s25g-danemixed: 3 1 1 and 1 1 1 of one key).
        kinds = " and ".join(f"{USAGE_NAMES[u]}({u})" for u in sorted({r.usage for r in pkix}))
        shown = ", ".join(f"'{r.text[:40]}'" for r in pkix[:4])
        one = len(pkix) == 1
        rely = "and rely on the DANE-TA(2)/DANE-EE(3) records alone."
        stay = "(the DANE-TA/DANE-EE records stay)"
        if not state.usable_records:
            # The DANE records are malformed too (DANE-05 fails): "rely on them alone" and
            # "they stay" would tell the owner they work (s41m).
            dane = sum(1 for r in state.records if r.dane_usage)
            rely = (
                f"and the DANE-TA(2)/DANE-EE(3) record{' beside' if dane == 1 else 's beside'} "
                f"{'it' if one else 'them'} {'is' if dane == 1 else 'are'} not usable either "
                "(see DANE-05), so senders have no TLSA record to rely on."
            )
            stay = "(DANE-05 gives the record to publish in place of the DANE ones)"
        out.add(
            "DANE-04",
            Status.WARN,
            f"The TLSA records of {host.name} mix {kinds} "
            f"{'record' if one else 'records'} ({shown}) with DANE ones: SMTP senders treat "
            f"{'it' if one else 'them'} as unusable (RFC 7672 §3.1.3; RFC 7671 §4.1: PKIX usages "
            f"SHOULD NOT be used for opportunistic TLS) {rely}",
            subject=subj,
            evidence=ev,
            fix=(
                f"Delete {'this TLSA record' if one else 'these TLSA records'} at "
                f"{state.qname} {stay}:\n"
                + "\n".join(f"{state.qname}. TLSA {r.text}" for r in pkix)
            ),
        )
    else:
        out.add(
            "DANE-04",
            Status.PASS,
            f"The TLSA records of {host.name} use DANE usages.",
            subject=subj,
        )

    # DANE-05: field validity (RFC 6698 §2.1, RFC 7671 §9). A PKIX record (usage 0 or 1) is
    # DANE-04's, malformed or not: its usage alone makes it unusable (RFC 7672 §3.1.3), and
    # DANE-04 names it and gives its deletion (checklist §8: DANE-04 usages, DANE-05 fields).
    # Named here too, it was one record in two findings, deleted twice (s42b). Beside broken
    # records it is still said to be unusable, unquoted, so that "no TLSA record is usable"
    # does not read as if it were (s41k).
    broken = [r for r in state.records if r.problems and r.usage not in (0, 1)]
    pkix_kinds = " and ".join(f"{USAGE_NAMES[u]}({u})" for u in sorted({r.usage for r in pkix}))
    pkix_note = ""
    if broken and pkix:
        several = len(pkix) > 1
        pkix_note = (
            f" The {pkix_kinds} record{'s' if several else ''} beside "
            f"{'it' if len(broken) == 1 else 'them'} {'are' if several else 'is'} unusable too "
            "(see DANE-04)."
        )

    if broken and not state.usable_records:
        out.add(
            "DANE-05",
            Status.FAIL,
            f"No TLSA record of {host.name} is usable: "
            + "; ".join(f"'{r.text}': {', '.join(r.problems)}" for r in broken[:5])
            + "."
            + pkix_note
            + " DANE senders fall back to unauthenticated TLS.",
            subject=subj,
            evidence=ev,
            fix=_fix_for(state, probes),
        )
        return False
    if broken:
        one = len(broken) == 1
        out.add(
            "DANE-05",
            Status.WARN,
            f"Some TLSA records of {host.name} are unusable: "
            + "; ".join(f"'{r.text}': {', '.join(r.problems)}" for r in broken[:5])
            + "."
            + pkix_note,
            subject=subj,
            evidence=ev,
            # Senders skip unusable records (RFC 7671 §9); the usable ones authenticate the host,
            # so deleting the broken ones changes nothing for them and stops the confusion.
            fix=(
                f"Delete {'this TLSA record' if one else 'these TLSA records'} at "
                f"{state.qname} (the usable records stay):\n"
                + "\n".join(f"{state.qname}. TLSA {r.text}" for r in broken)
            ),
        )
    else:
        # A malformed PKIX record is DANE-04's (above): "the TLSA records are well-formed"
        # would be false of it.
        which = "DANE-TA(2)/DANE-EE(3) records" if any(r.problems for r in pkix) else "TLSA records"
        out.add(
            "DANE-05",
            Status.PASS,
            f"The {which} of {host.name} are well-formed.",
            subject=subj,
        )

    # DANE-03: MX RRset security (RFC 7672 §2.2.1), said once for the domain's MX records
    # (it was said once per MX host with TLSA records, word for word).
    if mxset.implicit or any(f.id == "DANE-03" for f in out.findings):
        pass
    elif not mxset.answer.ad:
        out.add(
            "DANE-03",
            Status.WARN,
            f"The MX records of {ctx.domain} are not DNSSEC-signed, so an attacker who forges "
            "them can send DANE senders to other MX names (RFC 7672 §2.2.1). Senders differ "
            "here: Exim uses DANE only behind DNSSEC-secure MX records, so the TLSA records "
            "of its MX hosts protect nothing for it; Postfix (smtp_tls_security_level = dane) "
            "still requires them, but logs such sessions only as 'Trusted', not 'Verified'.",
            subject=ctx.domain,
            evidence=mxset.answer.evidence(),
            fix=f"Sign {ctx.domain} with DNSSEC.",
        )
    else:
        out.add(
            "DANE-03",
            Status.PASS,
            f"The MX records of {ctx.domain} are DNSSEC-secure.",
            subject=ctx.domain,
        )

    # DANE-06: recommended form (RFC 7671 §5.1, §5.2.1). A '2 1 1' beside a '3 1 1' is the
    # usual rollover pair, not a departure from it: the DANE-TA record for the CA keeps a
    # certificate renewed with a new key authenticated until that key's '3 1 1' is published
    # (RFC 7671 §8.1). It is said as such, not as a form to move away from.
    usable = state.usable_records
    full = [r for r in usable if r.mtype == 0]
    pair = {(3, 1, 1), (2, 1, 1)} <= {r.combo for r in usable}
    other = [r for r in usable if r.combo != (3, 1, 1) and not (pair and r.combo == (2, 1, 1))]
    ta211 = [r for r in usable if r.combo == (2, 1, 1)]
    kind211, der211, text211 = (
        _first_unsent(state, ta211, probes, known) if pair else ("", None, "")
    )
    unsent211 = (kind211, der211)
    # With several '2 1 1' records the one meant is quoted (s48r1).
    which211 = f" '{text211[:40]}…'" if text211 and len(ta211) > 1 else ""
    if full:
        # A Full(0) record holds the whole certificate or key where a digest would do: a large
        # RRset. Only a leaf certificate in full ('3 0 0') changes at every renewal; a key in
        # full ('3 1 0') changes when the key does, as its '3 1 1' would (s34l-mixedforms).
        whole = sorted({SELECTOR_WORDS[r.selector] for r in full})
        renewal = (
            " A leaf certificate also changes at every renewal, so a '3 0 0' record breaks "
            "at each one."
            if any(r.combo[:2] == (3, 0) for r in full)
            else ""
        )
        out.add(
            "DANE-06",
            Status.WARN,
            f"{host.name} publishes Full(0) TLSA records ({', '.join(r.text[:20] + '…' for r in full)}): "
            f"each holds {' or '.join(whole)} in full where a SHA-256 digest would match the "
            f"same, which makes the RRset large.{renewal}",
            subject=subj,
            evidence=ev,
            fix=_full_fix(state, full, probes),
        )
    elif other:
        # A DANE-EE record in another form: the '3 1 1' of the certificate presented, to publish
        # beside it before the old one goes (RFC 7671 §8.1). A certificate hash (selector 0)
        # breaks at every renewal, a key hash only when the key changes.
        ee_only = all(r.combo[0] == 3 for r in other)
        record = _fix_for(state, probes) if ee_only else ""
        ta20 = [r for r in other if r.combo[:2] == (2, 0)]
        kind20, der20, text20 = _first_unsent(state, ta20, probes, known)
        unsent = (kind20, der20)
        which20 = f" '{text20[:40]}…'" if text20 and len(ta20) > 1 else ""
        unsent_fix = ""
        # A DANE-TA record of the CA's certificate ('2 0 1') names no leaf: a leaf renewed by
        # that CA stays authenticated (DANE-12 says so); it breaks when the CA's certificate
        # is replaced, not at every renewal (s34l-mixedforms).
        if any(r.combo[:2] == (3, 0) for r in other):
            why = (
                ": a '3 1 1' record names the key, so a certificate renewed with the same key "
                "still matches, while a certificate hash changes at every renewal"
            )
        elif (
            any(r.combo[:2] == (2, 0) for r in other)
            and any(getattr(p, "chain_der", None) for p in probes)
            and not _ta_anchors([r for r in other if r.combo[:2] == (2, 0)], probes, known)
            and unsent[0]
        ):
            # Of a certificate the server does not send, the root above its chain, say: the
            # digest matches only a certificate sent (RFC 7671 §5.2.2), so senders cannot use
            # it now, and sending that certificate would let them (s48a).
            kind, der = unsent
            ca = certs.load_der(der) if der is not None else None
            if kind == "above" and ca is not None:
                why = (
                    f": its DANE-TA record{which20} of a whole certificate names "
                    f"{certs.name_text(ca.subject)}, a CA above the certificates presented "
                    "that the server does not send, and a digest record matches only a "
                    "certificate the server sends (RFC 7671 §5.2.2), so DANE senders cannot "
                    "use it now (see DANE-12); sent in the chain, that certificate would let "
                    "them use it, and keep a certificate renewed by that CA authenticated"
                )
            else:
                why = (
                    f": its DANE-TA record{which20} of a whole certificate names a "
                    "certificate the server does not send, and a digest record matches only a certificate the "
                    "server sends (RFC 7671 §5.2.2), so DANE senders cannot use it now (see "
                    "DANE-12); if it names a CA that issued the server's certificates (a root "
                    "above the certificates it sends, say), sending that certificate in the "
                    "chain would let them use it"
                )
            unsent_fix = _unsent_ta_fix(state, kind, der, probes, text20)
        elif (
            any(r.combo[:2] == (2, 0) for r in other)
            and any(getattr(p, "chain_der", None) for p in probes)
            and not _ta_anchors([r for r in other if r.combo[:2] == (2, 0)], probes, known)
        ):
            # Of a sent certificate that issued none of the chain, or of one not sent: DANE-12
            # asks to delete it (s47r2, s47k), so it keeps no renewal authenticated (s47l).
            # Without a chain seen, nothing is known of it: the generic words stay.
            why = (
                ": its DANE-TA record of a whole certificate anchors none of the certificates "
                "presented now, so it keeps no renewal authenticated (see DANE-12)"
            )
        elif any(r.combo[:2] == (2, 0) for r in other):
            why = (
                ": a DANE-TA record of the CA's whole certificate keeps a certificate renewed "
                "by that CA authenticated, but breaks when the CA's certificate is replaced "
                "(a new intermediate), even one with the same key"
            )
        else:
            why = ""
        out.add(
            "DANE-06",
            Status.INFO,
            f"{host.name} uses {', '.join(sorted({' '.join(map(str, r.combo)) for r in other}))}"
            f"; the recommended form is '3 1 1' (RFC 7671 §5.1){why}.",
            subject=subj,
            evidence=ev,
            fix=(
                "Publish this record beside the present one, and delete the old one once two "
                f"TTLs have passed (RFC 7671 §8.1):\n{record}"
                if record
                else unsent_fix
            ),
        )
    elif (
        pair
        and not _ta_211_matches(usable, probes, leaf=False, known=known)
        and _ta_211_matches(usable, probes, leaf=True)
    ):
        # The '2 1 1' is of the leaf's own key: a DANE-TA record is matched against the CA
        # certificates above the leaf only (RFC 7671 §5.2), so it keeps no renewal
        # authenticated; DANE-12 asks to delete it (s47r2).
        out.add(
            "DANE-06",
            Status.INFO,
            f"{host.name} publishes the recommended '3 1 1' (RFC 7671 §5.1); the '2 1 1' "
            "(DANE-TA) record beside it matches the server's own certificate, which a DANE-TA "
            "record never authenticates (RFC 7671 §5.2; see DANE-12), so it is no rollover "
            "pair: a DANE-TA record for a renewal names the CA that issues the certificate.",
            subject=subj,
            evidence=ev,
        )
    elif (
        pair
        and not _ta_211_matches(usable, probes, leaf=False, known=known)
        and any(
            _unsent_anchor(state, chain, known)[0]
            for chain in (list(getattr(p, "chain_der", None) or ()) for p in probes)
            if chain
        )
    ):
        # A '2 1 1' of a CA above the chain sent (its root, say), known from the CA bundle or
        # another MX: it signs the chain, but a DANE-TA record matches only a certificate the
        # server sends (RFC 7671 §5.2.2), so it is no anchor for DANE senders (s47n).
        out.add(
            "DANE-06",
            Status.INFO,
            f"{host.name} publishes the recommended '3 1 1' (RFC 7671 §5.1); the '2 1 1' "
            f"(DANE-TA) record{which211} beside it names a CA above the certificates it presents, one it "
            "does not send: a DANE-TA record matches only a certificate the server sends "
            "(RFC 7671 §5.2.2), so DANE senders cannot use it (see DANE-12) and it is no "
            "rollover pair for the present certificate.",
            subject=subj,
            evidence=ev,
            fix=_unsent_ta_fix(state, *unsent211, probes, text211) if unsent211[0] else "",
        )
    elif (
        pair
        and not _ta_211_matches(usable, probes, leaf=False, known=known)
        and unsent211[0] == "unseen"
    ):
        # A '2 1 1' of no certificate sent, and the chain's issuers cannot be followed to a
        # root: a private root above the sent intermediate, or a CA that issued none of it.
        # Which, nothing here tells, so "signs none" would be a guess; what is certain is that
        # the server does not send it, and senders match only what it sends (s48a).
        out.add(
            "DANE-06",
            Status.INFO,
            f"{host.name} publishes the recommended '3 1 1' (RFC 7671 §5.1); the '2 1 1' "
            f"(DANE-TA) record{which211} beside it names a certificate the server does not send, and a "
            "DANE-TA digest record matches only a certificate in the chain the server presents "
            "(RFC 7671 §5.2.2: the server must send the CA certificate such a record names), "
            "so DANE senders cannot match it (see DANE-12) and it is no rollover pair for the "
            "present certificate. Which CA it names cannot be seen from here: the issuers of "
            "the certificates presented could not be followed to a root, so it may be one "
            "above them that the server leaves out (a private root) or one that issued none "
            "of them.",
            subject=subj,
            evidence=ev,
            fix=_unsent_ta_fix(state, *unsent211, probes, text211),
        )
    elif pair and not _ta_211_matches(usable, probes, leaf=False, known=known):
        # A '2 1 1' for a CA that signs none of the certificates presented (one the owner
        # plans to move to, or left): it keeps no renewal from the present CA authenticated.
        out.add(
            "DANE-06",
            Status.INFO,
            f"{host.name} publishes the recommended '3 1 1' (RFC 7671 §5.1); the '2 1 1' "
            "(DANE-TA) record beside it names a CA that signs none of the certificates it "
            "presents now (see DANE-12), so it is no rollover pair for the present "
            "certificate.",
            subject=subj,
            evidence=ev,
        )
    elif pair:
        out.add(
            "DANE-06",
            Status.INFO,
            f"{host.name} publishes the recommended '3 1 1' (RFC 7671 §5.1) with a '2 1 1' "
            "(DANE-TA) record beside it: the usual rollover pair, which keeps a certificate "
            "renewed with a new key from the same CA authenticated until the new key's "
            "'3 1 1' is published (RFC 7671 §8.1).",
            subject=subj,
            evidence=ev,
        )
    else:
        out.add(
            "DANE-06", Status.PASS, f"{host.name} uses the recommended '3 1 1' form.", subject=subj
        )

    _probe_findings(out, host, state, probes, known)
    return True


def _ta_211_matches(
    usable: Sequence[TlsaRecord],
    probes: Sequence[Any],
    *,
    leaf: bool,
    known: Sequence[bytes] = (),
) -> bool:
    """A usable '2 1 1' record matches a certificate some probe was sent: its leaf when
    `leaf`, else a CA certificate after it, the only ones a DANE-TA record is matched against
    (RFC 7671 §5.2), and not one that issued none of the chain (_stray_anchor, s47r2)."""
    return any(
        r.combo == (2, 1, 1)
        and any(
            certs.tlsa_matches(d, r.selector, r.mtype, r.data)
            and (
                leaf
                or (
                    _stray_anchor(r, p.chain_der, known) is None
                    and _on_sent_path(r, list(p.chain_der or ()))
                )
            )
            for p in probes
            for d in ((p.chain_der or ())[:1] if leaf else (p.chain_der or ())[1:])
        )
        for r in usable
    )


def _on_sent_path(record: TlsaRecord, chain: list[bytes]) -> bool:
    """A CA certificate `chain` sends after its leaf that `record` matches lies on a path
    from the leaf through the sent certificates, each issued by the next: the only way a
    DANE sender reaches it (RFC 7671 §5.2.2; _match_ta builds the same path). A sent CA
    certificate that issued none of the others is off it whether or not the chain can be
    followed to a root, so a record of it keeps no renewal authenticated now (s48r1)."""
    loaded = [certs.load_der(d) for d in chain]
    anchors = {
        i
        for i in range(1, len(chain))
        if loaded[i] is not None
        and certs.tlsa_matches(chain[i], record.selector, record.mtype, record.data)
    }
    return bool(anchors) and _path_to_anchor(loaded, anchors, lambda _: True) is not None


def _ta_anchors(
    records: Sequence[TlsaRecord], probes: Sequence[Any], known: Sequence[bytes]
) -> bool:
    """Some DANE-TA record of `records` matches a CA certificate a probe was sent after its
    leaf (RFC 7671 §5.2) that is on the chain, not one that issued none of it
    (_stray_anchor): the record a renewal by that CA stays authenticated under."""
    return any(
        r.usage == 2
        and any(
            certs.tlsa_matches(d, r.selector, r.mtype, r.data)
            and _stray_anchor(r, chain, known) is None
            and _on_sent_path(r, chain)
            for chain in (list(getattr(p, "chain_der", None) or ()) for p in probes)
            for d in chain[1:]
        )
        for r in records
    )


def _unsent_ta(
    state: TlsaState, records: Sequence[TlsaRecord], probes: Sequence[Any], known: Sequence[bytes]
) -> tuple[str, bytes | None]:
    """For DANE-TA digest `records` that match no certificate any probe was sent, which a
    DANE sender so cannot match (RFC 7671 §5.2.2: the server must send the certificate such a
    record names): ('above', that CA's DER) when one names a CA above a presented chain, known
    from the CA bundle or another MX (the root the server leaves out); ('unseen', None) when
    the issuers of a presented chain cannot be followed to a root, so what they name cannot be
    told (a private root above the sent intermediate, or a CA that issued none of it). ('',
    None) when one matches a sent certificate, or every chain is known up to its root and
    they name none of it (s48a)."""
    digests = [r for r in records if r.usage == 2 and r.mtype != 0]
    chains = [list(getattr(p, "chain_der", None) or ()) for p in probes]
    chains = [c for c in chains if c]
    if not digests or not chains:
        return "", None
    if any(
        certs.tlsa_matches(d, r.selector, r.mtype, r.data)
        for r in digests
        for c in chains
        for d in c
    ):
        return "", None
    only = replace(state, records=digests)
    found = [_unsent_anchor(only, c, known) for c in chains]
    if any(above for above, _ in found):
        der = next(
            (
                d
                for d in known
                if any(certs.tlsa_matches(d, r.selector, r.mtype, r.data) for r in digests)
            ),
            None,
        )
        return "above", der
    if any(not root for _, root in found):
        return "unseen", None
    return "", None


def _first_unsent(
    state: TlsaState, records: Sequence[TlsaRecord], probes: Sequence[Any], known: Sequence[bytes]
) -> tuple[str, bytes | None, str]:
    """_unsent_ta of each of `records` alone, the first 'above' one, else the first 'unseen'
    one, with its text; ('', None, '') when none is either. Taken as a set, one record of a
    certificate the server sends (a stray CA appended to the chain) hid another of the root
    it leaves out, and the record that names it read "signs none" (s48r1)."""
    found = [(*_unsent_ta(state, [r], probes, known), r.text) for r in records]
    for kind in ("above", "unseen"):
        hit = next((f for f in found if f[0] == kind), None)
        if hit is not None:
            return hit
    return "", None, ""


def _unsent_ta_fix(
    state: TlsaState, kind: str, der: bytes | None, probes: Sequence[Any], record: str
) -> str:
    """DANE-06's fix for a DANE-TA digest record of a certificate the server does not send
    (_unsent_ta): send that CA certificate in the chain (RFC 7671 §5.2.2), or publish
    `record`'s usage and selector for a CA certificate the server sends (the one that issued
    its leaf, named when it is sent) in place of it (s48a)."""
    issuer = next(
        (i for p in probes if (i := _sent_issuer(list(getattr(p, "chain_der", None) or ())))),
        None,
    )
    usage, selector = record.split()[:2]
    if issuer is not None:
        name, sent = issuer
        text = certs.tlsa_record_text(sent, int(usage), int(selector), 1)
        other = (
            f"publish, in place of '{record[:40]}…', a record for a CA certificate the server "
            f"sends: {state.qname}. IN TLSA {text} (for {name}, which the server sends)"
        )
    else:
        # The server sends no CA certificate: no DANE-TA digest record can match now. With a
        # DANE-EE record of the leaf beside it, that one authenticates; else offer it.
        chains = [list(getattr(p, "chain_der", None) or ()) for p in probes]
        chain = next((c for c in chains if c), [])
        if any(
            r.usage == 3 and certs.tlsa_matches(c[0], r.selector, r.mtype, r.data)
            for r in state.usable_records
            for c in chains
            if c
        ):
            other = (
                f"delete '{record[:40]}…': the server sends no CA certificate for a DANE-TA "
                "record to name, and its DANE-EE record authenticates it"
            )
        else:
            other = f"publish {recommended_record(state, chain)} in place of '{record[:40]}…'"
    ca = certs.load_der(der) if der is not None else None
    between = _between(probes)
    if kind == "above" and ca is not None:
        return (
            f"Add the certificate of {certs.name_text(ca.subject)} to the chain the server "
            f"sends{between}, so DANE senders can match '{record[:40]}…' (RFC 7671 §5.2.2); "
            f"or {other}."
        )
    return (
        f"If '{record[:40]}…' names a CA that issued the server's certificates (a root above "
        "the certificates it sends, say), add that CA's certificate to the chain the server "
        f"sends{between}, so DANE senders can match it (RFC 7671 §5.2.2); otherwise {other}."
    )


def _between(probes: Sequence[Any]) -> str:
    """With the leaf alone sent, a CA certificate added above it is reached only through the
    certificates between them (the issuing CA's, when the record names a root): say to send
    those too, or the chain still stops at the leaf (s48r1)."""
    chains = [list(getattr(p, "chain_der", None) or ()) for p in probes]
    if any(len(c) == 1 for c in chains) and not any(len(c) > 1 for c in chains):
        return (
            ", with every CA certificate between it and the server's own (the server sends "
            "only its own certificate now)"
        )
    return ""


def _lapsed_for(p: Any, name: str) -> str:
    """What DANE-EE lets pass in the certificate `p` presents (DANE-08): 'has expired (see
    SMTP-10)', 'is not valid for <name> (see SMTP-11)', both, or '' when neither applies.
    DANE-EE(3) authentication ignores the certificate's names and dates (RFC 7671 §5.1,
    RFC 7672 §3.1.1); the finding says which of the two other senders will trip over."""
    expired = p.days_left is not None and p.days_left < 0
    if expired and not p.name_ok:
        return f"has expired and is not valid for {name} (see SMTP-10 and SMTP-11)"
    if expired:
        return "has expired (see SMTP-10)"
    if not p.name_ok:
        return f"is not valid for {name} (see SMTP-11)"
    return ""


def _zone_wide(answer: DnsAnswer | None) -> bool:
    """The resolver's one DNSSEC code says the whole zone fails: 9 (the DS matches no DNSKEY)
    or 10 (no signatures where the DS says there must be), not just this RRset."""
    from checks.dnssec import EDE_DNSSEC

    codes = {code for code, _ in (answer.ede if answer is not None else []) if code in EDE_DNSSEC}
    return len(codes) == 1 and codes <= {9, 10}


def _bogus_reason(answer: DnsAnswer | None) -> str:
    """', <the resolver's extended error>' (RFC 8914) for a bogus answer, or ''. "Bogus" alone
    does not tell the owner whether a signature expired or a key is missing."""
    from checks.dnssec import EDE_DNSSEC

    for code, _text in answer.ede if answer is not None else []:
        if code in EDE_DNSSEC:
            return f": {EDE_DNSSEC[code].lower()}"
    return ""


def _addressless_words(
    ctx: CheckContext, host: Any, state: TlsaState, *, implicit: bool = False
) -> tuple[str, str]:
    """DANE-01's added sentence and fix for an MX host without an address (MX-06), or ('', '')
    for any other. No sender connects to such a host, so TLSA records for it protect nothing;
    for a target written without its final dot (mx1.example.com.example.com) they would sit
    under a name MX-06 says to correct, not to build on. With no MX record at all (`implicit`:
    the host is the domain itself) MX-01 says so, not MX-06, which is not reported then."""
    from checks import mx

    if host.addresses or host.lookup_failed or host.bogus:
        return "", ""
    if implicit:
        return (
            f" {host.name} has no MX record and no address either, so no sender connects to "
            "it (see MX-01).",
            f"Publish an MX record for {host.name} first (see MX-01): TLSA records matter only "
            "for an MX host senders can connect to.",
        )
    meant = mx.doubled_suffix_target(host.name, ctx.domain, ctx.config.extra_public_suffixes)
    if meant:
        return (
            f" It has no address either: it looks like {meant} written without its final dot "
            f"in the zone file (see MX-06), so TLSA records for it belong at _25._tcp.{meant}.",
            f"Correct the MX record first (see MX-06); DANE for {meant} is checked once the MX "
            "record names it.",
        )
    return (
        " It has no address either, so no sender connects to it (see MX-06).",
        f"Publish an address for {host.name} or remove its MX record first (see MX-06): "
        "TLSA records matter only for an MX host senders can connect to.",
    )


def _absent_fix(
    ctx: CheckContext,
    state: TlsaState,
    probes: list[Any],
    mxset: Any,
    resolver_validates: bool | None = True,
) -> str:
    """How to start DANE for an MX host without TLSA records (DANE-01).

    The bare record is right only where it would take effect: TLSA in an unsigned zone is
    ignored (RFC 7672 §2.2, DANE-02 would warn) and DANE senders such as Postfix use it only
    behind a DNSSEC-secure MX RRset (§2.2.1, DANE-03 would warn). And a host in another
    organisation's zone (a mail provider's MX) is not the domain owner's to publish for.
    Nor is any of it a first step while the host's TLS does not work for DANE senders
    (_tls_first): published records would make them stop delivering there (DANE-10, DANE-07)."""
    from checks.dnssec import resolver_does_not_validate

    record = _fix_for(state, probes)
    first = _tls_first(state, probes)
    mx_secure = bool(mxset.implicit or mxset.answer.ad)
    zone_secure = bool(state.answer is not None and (state.answer.ad or state.denial_opt_out))
    operator = run_by_another_organisation(ctx, state.base)
    if operator:
        text = (
            f"{state.base} is in {operator}, not in your domain: unless {operator} is yours "
            "too, only its operator can publish the host's TLSA records"
            + (f" (for the certificate it presents now: {record})" if record else "")
            + "."
            + (f" {first}" if first else "")
        )
        if not mx_secure:
            text += (
                f" For DANE senders to use them, {ctx.domain} must also be DNSSEC-signed "
                "(RFC 7672 §2.2.1)"
                + (
                    f", which was not checked here: {resolver_does_not_validate(ctx)}."
                    if resolver_validates is False
                    else "."
                )
            )
        return text
    steps = []
    if resolver_validates is False and not (mx_secure and zone_secure):
        # No AD bit from a resolver that validates nothing: "sign the zone" would be a guess,
        # and a wrong one for a signed zone.
        steps.append(
            f"Make sure {ctx.domain} and the zone holding {state.qname} are DNSSEC-signed, "
            "with their DS records at the registrar: DANE senders use TLSA records only when "
            "they validate (RFC 7672 §2.2, §2.2.1). Not checked here: "
            f"{resolver_does_not_validate(ctx)}."
        )
    elif not mx_secure:
        steps.append(
            f"Sign {ctx.domain} with DNSSEC and publish its DS record at your registrar: DANE "
            "senders use TLSA records only behind DNSSEC-secure MX records (RFC 7672 §2.2.1)."
        )
    if (
        resolver_validates is not False
        and not zone_secure
        and (mx_secure or not _is_at_or_below(state.qname, ctx.domain))
    ):
        steps.append(
            f"Sign the zone holding {state.qname} with DNSSEC: TLSA records in an unsigned "
            "zone are ignored (RFC 7672 §2.2)."
        )
    if first:
        steps.insert(0, first)
    if not steps:
        return record
    if record:
        steps.append(f"Then publish: {record}")
    return "\n".join(f"{i}. {step}" for i, step in enumerate(steps, 1))


def _for_the_operator(
    ctx: CheckContext, state: TlsaState, findings: list[Finding], first: int
) -> None:
    """The fixes of one MX host's findings (from `first` on), said as its operator's to make
    when the host is in another organisation's zone (a mail provider's or backup service's
    MX): its TLSA records, zone and server are not the domain owner's to change. DANE-07's
    fix for such a host was the bare record to publish at the provider's name (s34l-
    rollbackupprov). DANE-01's fix (_absent_fix) says so in its own words already. A finding
    on the checked domain's own records (DANE-03: its MX RRset, said beside the first host
    with TLSA) stays the owner's to make (s35l-unsignedprovsts)."""
    operator = run_by_another_organisation(ctx, state.base)
    if not operator:
        return
    for index in range(first, len(findings)):
        finding = findings[index]
        if finding.fix and finding.id != "DANE-01" and finding.subject != ctx.domain:
            findings[index] = replace(
                finding, fix=operators_change(state.base, operator, finding.fix)
            )


# --------------------------------------------------------------------------------------------
# TLSA records at a name SMTP senders never look at (DANE-01). RFC 6698 §3 names a TLSA record
# _<port>._<protocol>.<host>; a sender relaying mail asks _25._tcp.<MX host> alone (RFC 7672
# §2.2.3). These are the names such records are found at by mistake, with why each is wrong.
_WRONG_NAMES: tuple[tuple[str, str], ...] = (
    ("_25._udp.", "SMTP runs over TCP, not UDP"),
    ("_465._tcp.", "port 465 is mail submission, which relaying senders never use"),
    ("_587._tcp.", "port 587 is mail submission, which relaying senders never use"),
    ("_tcp.", "the port label is missing"),
)


@dataclass
class Misplaced:
    """For one MX host without TLSA records: the names also looked at, the records found
    there (name, record) and those names that are an alias (name to its last target)."""

    looked_at: list[str]
    found: list[tuple[str, TlsaRecord]]
    aliases: dict[str, str]


def _why_wrong(name: str, domain: str) -> str:
    if name == f"_25._tcp.{domain}":
        return "the mail domain, not the MX host"
    return next((why for prefix, why in _WRONG_NAMES if name.startswith(prefix)), "")


async def _misplaced_tlsa(
    ctx: CheckContext, hosts: list[Any], states: list[TlsaState]
) -> dict[str, Misplaced]:
    """Where TLSA records stand by mistake for the MX hosts that have none: 4 names under each
    host's own name (only the owner's: a provider's names are its operator's zone) and
    _25._tcp.<domain> (unless the domain is itself an MX host), each asked once per run, and
    only for a host whose lookup answered, found nothing, leads through no alias and whose
    host has an address (an alias or an addressless host has its own words)."""
    domain = normalize(ctx.domain)
    own = domain in {normalize(h.name) for h in hosts}
    wanted: dict[str, list[str]] = {}
    for host, state in zip(hosts, states, strict=True):
        if (
            state.present
            or state.failed
            or not host.addresses
            or (state.answer is not None and state.answer.cnames)
        ):
            continue
        names = []
        if not run_by_another_organisation(ctx, state.host):
            names = [f"{prefix}{state.host}" for prefix, _ in _WRONG_NAMES]
        if not own:
            names.append(f"_25._tcp.{domain}")
        if names:
            wanted[host.name] = names
    every = list(dict.fromkeys(n for names in wanted.values() for n in names))
    if not every:
        return {}
    found, aliases = await misplaced_lookup(
        ctx.dns, every, lambda text: parse_tlsa_text(text).record, rdtype="TLSA"
    )
    return {
        host: Misplaced(
            names,
            [(n, r) for n, r in found if n in names],
            {n: t for n, t in aliases.items() if n in names},
        )
        for host, names in wanted.items()
    }


def _record_text(record: TlsaRecord) -> str:
    return f"{record.usage} {record.selector} {record.mtype} {record.data.hex().upper()}"


def _misplaced_words(
    domain: str, state: TlsaState, probes: list[Any], misplaced: Misplaced, absent_fix: str
) -> tuple[str, str]:
    """DANE-01's added sentence and fix for a host whose TLSA records stand at a wrong name:
    the same data at _25._tcp.<host> when it matches the certificate the host presents on
    every address tested (or none was seen to compare), else the record for that certificate;
    the records at the wrong names deleted, those of a submission port (465, 587) kept if that
    port presents the same key (submission clients may use them; relays never do). The
    steps `absent_fix` gives before the record (signing a zone, mending TLS) come first."""
    domain = normalize(domain)
    names = list(dict.fromkeys(name for name, _ in misplaced.found))
    listed = "; ".join(
        f"{name} ({_why_wrong(name, domain)})"
        + (
            f", an alias (CNAME) to {misplaced.aliases[name]}, reaches "
            if name in misplaced.aliases
            else " holds "
        )
        + ", ".join(_record_text(r) for n, r in misplaced.found if n == name)
        for name in names
    )
    summary = (
        f" TLSA records are published at {' and '.join(names)}, where senders relaying mail "
        f"never look ({listed}): they ask {state.qname} alone (RFC 7672 §2.2.3; RFC 6698 §3 "
        "names a TLSA record _<port>._<protocol>.<host>)."
    )
    records = list({_record_text(r): r for _, r in misplaced.found}.values())
    shown = [p for p in probes if getattr(p, "chain_der", None)]
    trial = TlsaState(
        host=state.host, base=state.base, qname=state.qname, records=records, secure=True
    )
    if not shown or all(trial.authenticates(p) for p in shown):
        compared = (
            "they match the certificate it presents"
            if shown
            else "not compared with its certificate: none was seen"
        )
        lines = "\n".join(f"{state.qname}. IN TLSA {_record_text(r)}" for r in records)
        steps = [f"Publish the same records at {state.qname} ({compared}):\n{lines}"]
    else:
        steps = [
            f"The records at {' and '.join(names)} do not match the certificate "
            f"{state.host} presents now, so the same data at {state.qname} would make DANE "
            "senders defer mail to it (DANE-07): publish instead, for the certificate it "
            f"presents:\n{_fix_for(state, probes)}"
        ]
    for name in names:
        port = name.split(".", 1)[0].removeprefix("_")
        if name in misplaced.aliases:
            steps.append(
                f"Delete the alias at {name} (a CNAME to {misplaced.aliases[name]}), where "
                "senders relaying mail never look."
            )
        elif port in ("465", "587"):
            steps.append(
                f"The records at {name} serve mail submission clients on port {port} only: "
                "keep them if that port presents the same key, else delete them."
            )
        else:
            steps.append(f"Delete the TLSA records at {name}, where senders never look.")
    record = _fix_for(state, probes)
    if absent_fix and absent_fix != record:
        # Signing steps (or TLS to mend first), less _absent_fix's own "Then publish" line:
        # the records take effect only once they are done.
        first = [line for line in absent_fix.splitlines() if "Then publish:" not in line]
        return summary, "\n".join([*first, "Then:", *steps])
    return summary, "\n".join(steps)


def _for_a_hosted_name(
    ctx: CheckContext,
    host: Any,
    state: TlsaState,
    probes: list[Any],
    findings: list[Finding],
    first: int,
) -> None:
    """The fixes of one MX host's findings (from `first` on) that publish a DANE-EE record at
    the owner's own MX name, when the server that name points to names itself a host of
    another organisation (starttls._named_elsewhere: a hoster's shared server). The records
    are the owner's to publish, in the owner's zone, but the key is that server's, and its
    operator replaces it: a "3 x x" record then needs the next key's record two TTLs before
    the change (RFC 7671 §8.1), which only that operator's rollover process can tell; a
    "2 x x" record for its CA survives a new key, but with DANE-TA senders check that the
    certificate names the MX host (RFC 7672 §3.2.3), which this one does not."""
    from checks import starttls

    if run_by_another_organisation(ctx, state.base):
        return  # the provider's own host name: _for_the_operator's
    marker = f"{state.qname}. IN TLSA 3 "
    if not any(f.fix and marker in f.fix for f in findings[first:]):
        return
    named = next(
        (
            (p, found)
            for p in probes
            if (found := starttls._named_elsewhere(ctx, host, p)) is not None
        ),
        None,
    )
    if named is None:
        return
    probe, (server, how, operator) = named
    note = (
        f"{host.name} is your name, but the server it points to ({probe.address}) names "
        f"itself {server} {how}, a name in {operator}. The TLSA records are yours to publish "
        f"(at {state.qname}, in your zone), but the key they must match is that server's, "
        f"and {operator} may change it whenever it renews its certificate: a '3 1 1' record pins "
        "today's key, and DANE senders defer your mail from the moment a new key is in use "
        "until its record has been published for two TTLs (RFC 7671 §8.1). Publish it only if "
        f"{operator}'s key rollover process tells you of each new key ahead of time, so that "
        "you add its record before the change. A '2 1 1' record for the CA that issues the "
        "server's certificates would survive a new key, but DANE senders then also require "
        f"that the certificate names {host.name} (RFC 7672 §3.2.3), and this one does not: "
        f"{operator} would have to serve a certificate for {host.name}. Or point {host.name} "
        f"at a mail server you run, or ask {operator} whether it supports DANE for your name."
    )
    for index in range(first, len(findings)):
        finding = findings[index]
        if finding.fix and marker in finding.fix:
            findings[index] = replace(finding, fix=f"{note}\n{finding.fix}")


def run_by_another_organisation(ctx: CheckContext, host: str) -> str:
    """The organisational domain of the MX host `host` when it is not the checked domain's
    (a mail provider's MX, a hoster's, a backup-MX service's), else '': its server, zone and
    records are then that operator's to change, not the domain owner's. DANE's and the
    STARTTLS check's fixes for such a host say so (operators_change)."""
    suffixes = ctx.config.extra_public_suffixes
    operator = organizational_domain(host, suffixes)
    return "" if operator == organizational_domain(ctx.domain, suffixes) else operator


def operators_change(host: str, operator: str, fix: str, or_else: str = "") -> str:
    """`fix`, said as the change the operator of `host` (run_by_another_organisation) alone
    can make, for the owner to pass on; `or_else`: what the owner can do instead."""
    return (
        # "Unless ... yours too": a company may run its MX under another domain of its own
        # (mx.example-mail.com for example.com), which the names alone cannot tell.
        f"{host} is in {operator}, not in your domain: unless {operator} is yours too, only "
        f"its operator can make this change; pass it on to them"
        f"{f', {or_else}' if or_else else ''}:\n{fix}"
    )


def _tls_first(state: TlsaState, probes: list[Any]) -> str:
    """What must work on an MX host without TLSA records before DANE can start: with usable
    TLSA, DANE senders deliver only over STARTTLS with a certificate the records name (RFC 7672
    §2.2, §3.2). '' when every address tested has that (or could not be tested)."""
    for p in probes:
        if getattr(p, "helo_only", False):
            why = "it accepts only HELO, so it offers no STARTTLS"
        elif p.ehlo_ok and not p.starttls_offered:
            why = "it does not offer STARTTLS"
        elif p.starttls_offered and not p.tls_ok and p.error_kind == "tls-handshake":
            why = f"its STARTTLS fails ({p.problem})"
        elif p.tls_ok and not p.chain_der and getattr(p, "anon_cert", "") == "none":
            why = (
                "it presents no certificate (it negotiates only anonymous suites such as "
                f"{p.cipher})"
            )
        else:
            continue
        return (
            f"Make TLS work on {state.base} first: {why}. Once TLSA records are published, "
            "DANE senders deliver to it only over STARTTLS with a certificate the records "
            "name, and hold mail otherwise (DANE-10, DANE-07)."
        )
    return ""


def _is_at_or_below(name: str, domain: str) -> bool:
    name, domain = normalize(name), normalize(domain)
    return name == domain or name.endswith("." + domain)


def _full_fix(state: TlsaState, full: list[TlsaRecord], probes: list[Any]) -> str:
    """DANE-06's fix for Full(0) records. A DANE-TA one ('2 x 0') becomes its SHA-256 form
    ('2 x 1' of the same data): it still names the CA, so a leaf that CA renews with a new key
    stays authenticated (RFC 7671 §5.2.1); the '3 1 1' of today's leaf would break at that
    renewal (s38a-tlsata210). A DANE-EE one gets the recommended '3 1 1' of the key presented."""
    anchors = sorted(
        {
            f"{state.qname}. IN TLSA 2 {r.selector} 1 {hashlib.sha256(r.data).hexdigest().upper()}"
            for r in full
            if r.usage == 2
        }
    )
    leaf = _fix_for(state, probes) if any(r.usage == 3 for r in full) else ""
    if not anchors:
        return leaf
    what = "CA certificate" if all(r.selector == 0 for r in full if r.usage == 2) else "CA key"
    fix = (
        "Replace each '2 x 0' record with its SHA-256 form: it names the same "
        f"{what}, so a certificate that CA issues, even one renewed with a new key, stays "
        "authenticated:\n" + "\n".join(anchors)
    )
    # A digest matches only a certificate the server sends; a '2 0 0' record alone lets it
    # be left out (RFC 7671 §5.2.2). The digest of a CA never sent would match nothing
    # (s41d-ta200root: the root's; s8-roottlsa is that record's DANE-09 failure).
    sent = [d for p in probes for d in (getattr(p, "chain_der", None) or [])[1:]]
    if probes and any(
        r.usage == 2 and not any(certs.tlsa_matches(d, r.selector, r.mtype, r.data) for d in sent)
        for r in full
    ):
        fix += (
            "\nThe server does not send that CA's certificate in its chain now, and a digest "
            "record matches only a certificate the server sends (RFC 7671 §5.2.2): add the "
            "certificate to the chain the server sends before replacing the record."
        )
    if leaf:
        fix += f"\nand each '3 x 0' record with the recommended '3 1 1':\n{leaf}"
    return fix


def _fix_for(state: TlsaState, probes: list[Any]) -> str:
    for probe in probes:
        if getattr(probe, "chain_der", None):
            return recommended_record(state, probe.chain_der)
    return ""


def _leaf_names(p: Any, base: str) -> str:
    """DANE-09's aside for a leaf not valid for the TLSA base domain: the DNS names it carries
    (s45c-tawild: '*.mx2.<d>' for mx2.<d>), and that a wildcard covers one label where one
    stands over the name, as SMTP-11 says it; '' when the leaf is unknown."""
    leaf = getattr(p, "leaf", None)
    if leaf is None:
        return ""
    if not leaf.sans:
        return "it has no subjectAltName DNS name; "
    wildcard = "; a wildcard covers only one label" if certs.wildcard_over(leaf.sans, base) else ""
    return f"it names {', '.join(map(certs.readable_name, leaf.sans))}{wildcard}; "


def _ta_fix(problem: str, detail: str, state: TlsaState, probe: Any) -> str:
    """What repairs a DANE-09 failure, or the DANE-EE record that avoids it."""
    or_publish = recommended_record(state, probe.chain_der)
    if problem == "expired":
        return f"Replace the out-of-date certificate ({detail}), or publish {or_publish}"
    if problem == "not-yet-valid":
        return (
            f"Keep presenting the current certificate until the new one is valid ({detail}), "
            f"or publish {or_publish}"
        )
    if problem == "name":
        # The chain reaches the anchor: sending more certificates changes nothing. DANE-TA
        # needs the TLSA base domain among the leaf's DNS names (RFC 7672 §3.2.3); DANE-EE
        # ignores names (RFC 7672 §3.1.1).
        return (
            f"Install on {probe.host} a certificate whose subjectAltName includes "
            f"{state.base}, or publish {or_publish}"
        )
    return (
        "Send the full chain including the CA certificate named by the TLSA record, "
        f"or publish {or_publish}"
    )


def _probe_findings(
    out: Collector, host: Any, state: TlsaState, probes: list[Any], known: Sequence[bytes] = ()
) -> None:
    from checks import starttls  # at run time, as evaluate imports it

    if not probes:
        out.add(
            "DANE-07",
            Status.ERROR,
            f"{host.name} has no address to test the TLSA records against.",
            subject=state.qname,
        )
        return
    matched_combos: set[tuple[int, int, int]] = set()
    any_match = False
    tested = 0
    tested_elsewhere = any(not p.could_not_check for p in probes)
    for p in probes:
        subj = f"{host.name} [{p.address}]"
        ev = p.facts()
        if p.error_kind == "no-route" and tested_elsewhere:
            out.add(
                "DANE-07",
                Status.INFO,
                f"{subj} was not tested from here ({p.problem}); its other addresses were.",
                subject=subj,
                evidence=ev,
            )
            continue
        if p.could_not_check or (p.error_kind in {"timeout", "temp-unavailable"}):
            out.add(
                "DANE-07",
                Status.ERROR,
                f"{subj} could not be tested ({p.problem}).",
                subject=subj,
                evidence=ev,
            )
            continue
        # DANE-10: TLS is mandatory once TLSA is usable (RFC 7672 §2.2).
        if not p.starttls_offered or not p.tls_ok:
            # A server that refuses EHLO but takes HELO has answered too: plain SMTP, no
            # STARTTLS, which DANE senders (TLS mandatory) do not deliver over.
            if p.ehlo_ok or p.starttls_offered or p.helo_only:
                withdraw = f"or withdraw {state.qname} TLSA first"
                refused = p.starttls_offered and p.starttls_reply[:1] in {"4", "5"}
                if p.helo_only or not p.starttls_offered:
                    why = (
                        f"accepts only HELO, so offers no STARTTLS ({p.problem})"
                        if p.helo_only
                        else "does not offer STARTTLS"
                    )
                    fix = f"Enable STARTTLS on {host.name}, {withdraw}."
                    if p.helo_only and starttls.ehlo_rewritten(p.problem):
                        # EHLO reached the MTA as 'XXXX' (a PIX/ASA SMTP fixup): the firewall
                        # is to mend, as SMTP-02 says, not a mail server that may offer TLS.
                        fix = f"{starttls.helo_only_fix(host.name, p.problem)[:-1]}, {withdraw}."
                    elif not p.helo_only and starttls.starttls_masked(p.extensions):
                        # A Cisco ASA's ESMTP inspection hid STARTTLS ('XXXXXXXA'), as SMTP-03
                        # says: the firewall is to mend, not a mail server that offers it.
                        why += f" ({starttls.no_starttls_text(p.extensions)})"
                        fix = (
                            f"{starttls.no_starttls_fix(host.name, p.extensions)[:-1]}, {withdraw}."
                        )
                elif refused:
                    # STARTTLS is on; the server turns it down (a 454 for a key file it cannot
                    # read): "Enable STARTTLS" would send the owner to a setting already right.
                    why = f"offers STARTTLS but refuses it ({p.problem})"
                    fix = (
                        f"Make {host.name} accept STARTTLS (it answers "
                        f"'{p.starttls_reply[:80]}'; its mail log says why, often a certificate "
                        f"or key file it cannot read), {withdraw}."
                    )
                else:
                    why = f"fails the TLS handshake ({p.problem})"
                    fix = (
                        f"Make the TLS handshake of {host.name} complete after STARTTLS (its "
                        f"certificate, key and TLS versions; its mail log says why), {withdraw}."
                    )
                out.add(
                    "DANE-10",
                    Status.FAIL,
                    f"{subj} {why} although it publishes usable TLSA records: DANE senders "
                    "will not deliver to it.",
                    subject=subj,
                    evidence=ev,
                    fix=fix,
                )
            else:
                # The session ended before EHLO or HELO was accepted (a 554 greeting, both
                # refused, a broken reply): we never learnt whether STARTTLS and the key
                # match, so this address is untested (checklist §0), not silently skipped.
                out.add(
                    "DANE-07",
                    Status.ERROR,
                    f"{subj} could not be tested ({p.problem or 'the SMTP session ended early'}).",
                    subject=subj,
                    evidence=ev,
                )
            continue
        out.add(
            "DANE-10",
            Status.PASS,
            f"{subj} offers STARTTLS, as its TLSA records require.",
            subject=subj,
        )
        anonymous = not p.chain_der or starttls.is_anonymous_suite(p.cipher)
        if not p.chain_der and getattr(p, "anon_cert", "") == "untested":
            # It chose an anonymous suite, and the handshake asking as DANE senders do (no
            # aNULL offered, starttls.SmtpProbe.anon_cert) got no answer: which certificate
            # they get is unknown, so this address is untested (checklist §0), never a fail.
            out.add(
                "DANE-07",
                Status.ERROR,
                f"{subj} could not be tested: it chose the anonymous cipher suite {p.cipher} "
                "and sent no certificate, and a handshake offering no anonymous suite, as DANE "
                "senders do, got no answer this time.",
                subject=subj,
                evidence=ev,
            )
            _anonymous_suite(out, subj, p, ev)
            continue
        tested += 1
        # A server holding an ECDSA and an RSA certificate presents the RSA one to senders
        # offering only RSA (starttls asks for it: SmtpProbe.rsa_variant). Authentication
        # "MUST succeed" whichever certificate a DANE sender gets (RFC 7671 §4.1, RFC 7672
        # §3.1), so the TLSA records must cover both. A second handshake that got no answer
        # ('untested') tells nothing about that certificate: no finding.
        second = _second_chain(p)
        for shown in [p] if second is None else [p, second]:
            for record in state.usable_records:
                ders = shown.chain_der[:1] if record.usage == 3 else shown.chain_der
                if any(
                    certs.tlsa_matches(d, record.selector, record.mtype, record.data) for d in ders
                ):
                    matched_combos.add(record.combo)
        match = state.match(p)
        second_match = state.match(second) if second is not None else None
        if match.ok:
            any_match = True
            assert match.record is not None
            matched_combos.add(match.record.combo)
            also = ""
            if second is not None and second_match is not None and second_match.ok:
                assert second_match.record is not None
                also = (
                    f" Its {p.second_label} certificate, which senders offering only RSA get, "
                    f"matches '{second_match.record.text[:40]}'."
                )
            out.add(
                "DANE-07",
                Status.PASS,
                f"{subj} presents a certificate matching TLSA '{match.record.text[:40]}'.{also}",
                subject=subj,
                evidence={"record": match.record.text},
            )
            if match.record.usage == 3:
                # DANE-08: names and dates do not matter for DANE-EE.
                lapsed = _lapsed_for(p, host.name)
                if lapsed:
                    out.add(
                        "DANE-08",
                        Status.INFO,
                        f"{subj}: the certificate {lapsed}, which DANE-EE senders ignore "
                        "(RFC 7671 §5.1); other senders may not.",
                        subject=subj,
                        evidence=ev,
                    )
                else:
                    out.add(
                        "DANE-08", Status.PASS, f"{subj} is authenticated by DANE-EE.", subject=subj
                    )
            else:
                out.add(
                    "DANE-09",
                    Status.PASS,
                    f"{subj} chains to its DANE-TA anchor and is valid for {state.base}.",
                    subject=subj,
                )
        else:
            _mismatch(out, subj, ev, state, p, match, known=known)
        if second is not None and second_match is not None and not second_match.ok:
            _mismatch(out, subj, second.facts(), state, second, second_match, p.second_label, known)
        # DANE-13: SNI must not be required (RFC 7672 §8.1, RFC 8461 §7.1).
        if p.no_sni_ok is False:
            out.add(
                "DANE-13",
                Status.WARN,
                f"{subj} fails the handshake without SNI. DANE senders send SNI (RFC 7672 "
                "§8.1) and are not affected, but a mail server must not require it (RFC 8461 "
                "§7.1): senders that send none get no TLS here.",
                subject=subj,
                evidence=ev,
                fix=f"Configure a default certificate on {host.name} for handshakes without SNI.",
            )
        elif p.no_sni_ok:
            out.add(
                "DANE-13", Status.PASS, f"{subj} completes TLS with and without SNI.", subject=subj
            )
        # DANE-14: anonymous suites (RFC 7672 §8.2).
        if anonymous:
            _anonymous_suite(out, subj, p, ev)
        elif tls12_suite := _tls12_anonymous(p):
            # TLS 1.3 has no anonymous suites: the first handshake got the certificate, and
            # only a sender without TLS 1.3 meets the preference.
            out.add(
                "DANE-14",
                Status.WARN,
                f"{subj} selects the anonymous cipher suite {tls12_suite} over TLS 1.2 when "
                "suites with a certificate are offered too (RFC 7672 §8.2: servers should "
                "not); over TLS 1.3 it authenticates with its certificate. DANE senders offer "
                "no anonymous suite and get the certificate; opportunistic senders without "
                "TLS 1.3 get none.",
                subject=subj,
                evidence=ev,
                fix="Disable anonymous (aNULL) cipher suites, or prefer the authenticated ones "
                "(for Postfix: smtpd_tls_exclude_ciphers = aNULL).",
            )
        else:
            out.add(
                "DANE-14",
                Status.PASS,
                f"{subj} authenticates with a certificate ({p.cipher}).",
                subject=subj,
            )
    if tested:
        _rollover(out, host, state, probes, matched_combos, any_match, known)


def _tls12_anonymous(p: Any) -> str:
    """starttls.tls12_anonymous: the anonymous suite TLS 1.2 senders get from a server whose
    TLS 1.3 handshake brought a certificate ('' if none)."""
    from checks import starttls

    return starttls.tls12_anonymous(p)


def _anonymous_suite(out: Collector, subj: str, p: Any, ev: dict[str, Any]) -> None:
    """DANE-14 warns of a server selecting an anonymous suite (RFC 7672 §8.2: servers should
    not select one when the client offers authenticated ones, as our first handshake does).
    When a handshake without them brought its certificate (starttls.SmtpProbe.anon_cert
    'other'), that is what DANE senders get: DANE-07 judged it; this is the preference."""
    if getattr(p, "anon_cert", "") == "other":
        summary = (
            f"{subj} selected the anonymous cipher suite {p.cipher} although suites with a "
            "certificate were offered too (RFC 7672 §8.2: servers should not); DANE senders "
            f"offer none and get {p.cert_cipher} with its certificate, which DANE-07 judges."
        )
        fix = "Disable anonymous (aNULL) cipher suites, or prefer the authenticated ones."
    else:
        summary = f"{subj} selected an anonymous cipher suite ({p.cipher})."
        fix = "Disable anonymous (aNULL) cipher suites."
    out.add("DANE-14", Status.WARN, summary, subject=subj, evidence=ev, fix=fix)


def _second_chain(probe: Any) -> Any | None:
    """The probe as a sender offering only RSA sees the server, when that handshake brought
    back another certificate (starttls: SmtpProbe.rsa_variant); None otherwise."""
    variant = getattr(probe, "rsa_variant", None)
    if variant is None or not getattr(variant, "chain_der", None):
        return None
    return variant


def _mismatch(
    out: Collector,
    subj: str,
    ev: dict[str, Any],
    state: TlsaState,
    p: Any,
    match: Match,
    label: str = "",
    known: Sequence[bytes] = (),
) -> None:
    """DANE-07 or DANE-09 for a chain no usable TLSA record authenticates. `label` names the
    key type of the server's second certificate (the one senders offering only RSA get) when
    `p` is that handshake; its findings say so and carry it in their evidence."""
    who = f"{subj}, to senders offering only RSA," if label else subj
    senders = "DANE senders offering only RSA" if label else "DANE senders"
    if label:
        ev = {**ev, "second_certificate": label}
    # Is the DANE-TA anchor no certificate the server sends a CA above them (merely not sent),
    # or no CA of this chain at all? Only certificates we hold can tell (_unsent_anchor).
    above, root = (
        _unsent_anchor(state, p.chain_der, known)
        if match.ta_problem == "ta-not-in-chain"
        else (False, "")
    )
    if not p.chain_der:
        # An anonymous (aNULL) suite: the session carries no certificate, so there is no key
        # for any TLSA record to match (RFC 7672 §8.2), and no record to recommend either.
        suite = f" {p.cipher}" if p.cipher else ""
        out.add(
            "DANE-07",
            Status.FAIL,
            f"{who} presents no certificate: it negotiated the anonymous cipher suite{suite} "
            f"(anonymous TLS), so no TLSA record at {state.qname} can match, and {senders} "
            "will defer mail to this address.",
            subject=subj,
            evidence={**ev, "tlsa": [r.text for r in state.records]},
            fix=f"Configure the server with the certificate whose key the TLSA records at "
            f"{state.qname} name, and disable anonymous (aNULL) cipher suites.",
        )
    elif outranked := _outranked_match(state, p):
        # A record matches, but a stronger digest for its usage and selector outranks it
        # and matches nothing: senders never look at the weaker one (RFC 7671 §9).
        weak, strong, fix = outranked
        # Records of the stronger digest that match the CA certificate sent after the leaf
        # (DANE-EE) or the leaf itself (DANE-TA) are no old key's, as "stale" said (s47k):
        # they never authenticate (RFC 7671 §5.1, §5.2). Say which certificate they match.
        outranking = [
            r
            for r in state.usable_records
            if (r.usage, r.selector, r.mtype) == (weak.usage, weak.selector, strong)
        ]
        wrong = [_wrong_usage(replace(state, records=[r]), p.chain_der) for r in outranking]
        what = f"stale '{weak.usage} {weak.selector} {strong}' records"
        if wrong and all(w is not None for w in wrong):
            ders = {w[1] for w in wrong if w is not None}
            der = next(iter(ders))
            if weak.usage == 3 and len(ders) == 1:
                name = certs.name_text(ca.subject) if (ca := certs.load_der(der)) else "a CA"
                what = (
                    f"'{weak.usage} {weak.selector} {strong}' records, which match {name}, the "
                    "CA certificate the server sends after its own (a DANE-EE (3) record of it "
                    "never authenticates, RFC 7671 §5.1),"
                )
            elif weak.usage == 2 and ders == {p.chain_der[0]}:
                what = (
                    f"'{weak.usage} {weak.selector} {strong}' records, which match the server's "
                    "own certificate (a DANE-TA (2) record of it never authenticates, RFC 7671 "
                    "§5.2),"
                )
        out.add(
            "DANE-07",
            Status.FAIL,
            f"{who} matches only TLSA '{weak.text[:40]}…', which DANE senders ignore: "
            f"{state.qname} also publishes {MTYPE_NAMES[strong]} records for usage "
            f"{weak.usage} selector {weak.selector}, and senders match only the strongest "
            "digest published (RFC 7671 §9; Postfix and OpenSSL prefer SHA2-512). None of "
            f"those matches, so {senders} will defer mail to this address.",
            subject=subj,
            evidence={**ev, "tlsa": [r.text for r in state.records]},
            fix=f"Replace the {what} with {fix}, or remove them.",
        )
    elif (
        # Not where a CA above the chain is the anchor, merely unsent: DANE-09 asks for it.
        (match.ta_problem is None or (match.ta_problem == "ta-not-in-chain" and not above))
        and (wrong := _wrong_usage(state, p.chain_der)) is not None
    ):
        # The data is right, the usage wrong: a DANE-EE record of the CA certificate the
        # server sends (the hash of chain.pem, s47c-eeca), or a DANE-TA record of the server's
        # own certificate (2 typed for 3, s47c-taleaf). Say which certificate it matches and
        # offer the record with the usage that matches it.
        record, der = wrong
        shown = f"'{record.text[:40]}…'"
        if record.usage == 3:
            name = certs.name_text(ca.subject) if (ca := certs.load_der(der)) else "a CA"
            summary = (
                f"{who} presents a key that matches none of the TLSA records at {state.qname}: "
                f"{shown} matches {name}, the CA certificate the server sends after its own, "
                "and a DANE-EE (3) record is matched against the server's own certificate only "
                f"(RFC 7671 §5.1), so {senders} will defer mail to this address."
            )
            fix = f"Publish {recommended_record(state, p.chain_der)} in place of {shown}."
        else:
            meant = certs.tlsa_record_text(der, 3, record.selector, record.mtype)
            summary = (
                f"{who} presents a chain that no TLSA record at {state.qname} matches: the "
                f"DANE-TA record {shown} matches the server's own certificate, and a DANE-TA (2) "
                "record is matched against the CA certificates above it only (RFC 7671 §5.2; "
                f"OpenSSL's DANE code, which Postfix uses, does the same), so {senders} will "
                "defer mail to this address."
            )
            fix = (
                f"Publish {state.qname}. IN TLSA {meant} in place of {shown}: the same data as "
                "a DANE-EE (3) record, which matches the server's own certificate (RFC 7671 "
                "§5.1)."
            )
        out.add(
            "DANE-07",
            Status.FAIL,
            summary,
            subject=subj,
            evidence={**ev, "tlsa": [r.text for r in state.records]},
            fix=fix,
        )
    elif match.ta_problem == "ta-not-in-chain" and not above and root:
        # No DANE-TA anchor is sent, and none is above the chain either: we know every
        # issuer up to its root (sent, in the CA bundle, or sent by another MX) and the record
        # names none of them. Sending more certificates would not help: no usable record
        # matches the chain (RFC 7671 §4.1, RFC 7672 §3.2), a DANE-07 failure, not DANE-09's
        # "the anchor is not sent" (RFC 7671 §5.2.2).
        issuer = _sent_issuer(p.chain_der)
        if issuer is not None:
            # The CA that now issues the leaf (a renewed certificate from another
            # intermediate): its own '2 1 1' keeps the owner on DANE-TA (RFC 7671 §5.2.2: it
            # is sent, so a digest of its key can match).
            name, der = issuer
            issued_by = f" Its certificate is now issued by {name}."
            ta_record = f"{state.qname}. IN TLSA {certs.tlsa_record_text(der, 2, 1, 1)}"
            alternative = f"{ta_record} (for {name}, which the server sends)"
        else:
            issued_by = ""
            alternative = "a '2 1 1' record for the CA that issues this certificate"
        out.add(
            "DANE-07",
            Status.FAIL,
            f"{who} presents a chain that no TLSA record at {state.qname} matches: the DANE-TA "
            "record names no certificate the server sends, nor any CA that issued them (the "
            f"chain leads to the root {root}), so {senders} will defer mail to this "
            f"address.{issued_by}",
            subject=subj,
            evidence={**ev, "tlsa": [r.text for r in state.records]},
            fix=f"Publish {recommended_record(state, p.chain_der)}, or {alternative}, in "
            "place of the stale DANE-TA record.",
        )
    elif (
        match.ta_problem == "chain"
        and (stray := _stray_anchor(match.record, p.chain_der, known)) is not None
    ):
        # The DANE-TA record names a certificate the server sends that issued none of its
        # chain, which leads to another root (s47c-tarogue: an unrelated root appended to the
        # bundle, and pinned). As when the record names no sent certificate (above): no usable
        # record matches the chain (RFC 7671 §4.1, RFC 7672 §3.2), a DANE-07 failure, and
        # sending any certificate mends nothing.
        anchor, root = stray
        issuer = _sent_issuer(p.chain_der)
        if issuer is not None:
            name, der = issuer
            issued_by = f" Its certificate is issued by {name}."
            ta_record = f"{state.qname}. IN TLSA {certs.tlsa_record_text(der, 2, 1, 1)}"
            alternative = f", or {ta_record} (for {name}, which the server sends)"
        else:
            issued_by, alternative = "", ""
        out.add(
            "DANE-07",
            Status.FAIL,
            f"{who} presents a chain that no TLSA record at {state.qname} matches: the DANE-TA "
            f"record names {anchor}, which the server sends but which issued none of its "
            f"certificates (the chain leads to the root {root}), so {senders} will defer mail "
            f"to this address.{issued_by}",
            subject=subj,
            evidence={**ev, "tlsa": [r.text for r in state.records]},
            fix=f"Publish {recommended_record(state, p.chain_der)}{alternative}, in place of "
            f"the DANE-TA record for {anchor}, which is no part of the server's chain.",
        )
    elif match.ta_problem is not None:
        # DANE-09 explains the failure: do not also report it as a mismatch.
        not_sent = (
            "does not send the trust-anchor certificate named by its DANE-TA record "
            "(required unless the record is '2 0 0', RFC 7671 §5.2.2)"
        )
        defer = f"{senders} will defer mail to it"
        if match.ta_problem == "ta-not-in-chain" and _bare_key_signed(match.record, p.chain_der):
            # A '2 1 0' record holds the CA's whole key, and that key signed the chain: OpenSSL's
            # DANE code (Postfix) verifies with it, the TA certificate unsent (s41d-ta210leaf,
            # tests/test_dane_oracle.py); RFC 7671 §5.2.2 still asks the server to send it.
            not_sent += "; the key in that record did sign its certificate"
            defer = (
                f"{senders} whose DANE code is OpenSSL's (Postfix, for one) accept that, others "
                "will defer mail to it"
            )
        elif match.ta_problem == "ta-not-in-chain" and not above:
            # Neither the anchor nor the chain's issuer is known here: it may be a CA the
            # server omits, or one that did not issue this chain at all.
            not_sent += (
                "; the CA that issued its certificates could not be seen here, so the record "
                "may also name a CA that did not issue them"
            )
        texts = {
            "ta-not-in-chain": not_sent,
            "name": f"presents a leaf certificate not valid for {state.base} "
            f"({_leaf_names(p, state.base)}RFC 7672 §3.2.3)",
            "expired": f"presents a chain in which {match.detail} (DANE-TA enforces "
            "validity below the trust anchor, RFC 7671 §5.2)",
            "not-yet-valid": f"presents a chain in which {match.detail} (DANE-TA enforces "
            "validity below the trust anchor, RFC 7671 §5.2)",
            "chain": "presents a chain that does not lead to the DANE-TA anchor",
        }
        out.add(
            "DANE-09",
            Status.FAIL,
            f"{who} {texts.get(match.ta_problem, match.detail)}: {defer}.",
            subject=subj,
            evidence=ev,
            fix=_ta_fix(match.ta_problem, match.detail, state, p),
        )
    elif label:
        leaf = p.leaf
        named = f" ('{leaf.subject}', issued by '{leaf.issuer}')" if leaf is not None else ""
        out.add(
            "DANE-07",
            Status.FAIL,
            f"{who} presents its {label} certificate{named}, whose key matches none of the "
            f"TLSA records at {state.qname}: {senders} will defer mail to this address. "
            "Every certificate the server may present needs a matching record.",
            subject=subj,
            evidence={**ev, "tlsa": [r.text for r in state.records]},
            fix=f"Publish {recommended_record(state, p.chain_der)} beside the current "
            f"records (for the {label} key), or remove the {label} certificate from the server.",
        )
    else:
        mixup = _mixed_up_parameters(state, p.chain_der)
        hint, fix = "", recommended_record(state, p.chain_der)
        if mixup is not None:
            record, meant = mixup
            hint = (
                f" The record '{record.text[:40]}…' holds what a '{meant[:5]}' record would "
                f"(selector {meant[2]}: {SELECTOR_WORDS[int(meant[2])]}, matching type "
                f"{meant[4]}), so its selector or matching type is wrong."
            )
            fix = (
                f"Publish {fix} (or correct the record to {state.qname}. IN TLSA {meant}) in "
                f"place of '{record.text[:40]}…'."
            )
        out.add(
            "DANE-07",
            Status.FAIL,
            f"{subj} presents a key that matches none of the TLSA records at "
            f"{state.qname}: DANE senders will defer mail to this address.{hint}",
            subject=subj,
            evidence={**ev, "tlsa": [r.text for r in state.records]},
            fix=fix,
        )


SELECTOR_WORDS = {0: "the whole certificate", 1: "the public key (SubjectPublicKeyInfo)"}


def _mixed_up_parameters(state: TlsaState, chain: Sequence[bytes]) -> tuple[TlsaRecord, str] | None:
    """(record, the record text it was meant as) when a usable record's data is the digest or
    content of a presented certificate under another selector or matching type: the SHA-256 of
    the whole certificate published as '3 1 1' (what 'sha256sum' of the DER file gives) is a
    '3 0 1' record. RFC 6698 §2.1.2/§2.1.3: the data means nothing under other parameters."""
    for record in state.usable_records:
        candidates = chain[:1] if record.usage == 3 else chain[1:]
        for der in candidates:
            for selector in (0, 1):
                for mtype in (0, 1, 2):
                    if (selector, mtype) == (record.selector, record.mtype):
                        continue
                    if certs.tlsa_matches(der, selector, mtype, record.data):
                        return record, certs.tlsa_record_text(der, record.usage, selector, mtype)
    return None


def _wrong_usage(state: TlsaState, chain: Sequence[bytes]) -> tuple[TlsaRecord, bytes] | None:
    """(record, the presented certificate it matches) for a usable record that matches a
    certificate of `chain` in the role its usage does not look at: a DANE-EE record matching a
    CA certificate sent after the leaf, or a DANE-TA record matching the leaf itself (RFC 7671
    §5.1, §5.2). None when no record does."""
    for record in state.usable_records:
        candidates = chain[1:] if record.usage == 3 else chain[:1]
        for der in candidates:
            if certs.tlsa_matches(der, record.selector, record.mtype, record.data):
                return record, der
    return None


def _stray_anchor(
    record: TlsaRecord | None, chain: Sequence[bytes], known: Sequence[bytes]
) -> tuple[str, str] | None:
    """(subject of the sent certificate a DANE-TA `record` matches, subject of the root the
    chain leads to) when that certificate is no part of the chain: the issuers of the leaf,
    followed through the sent and `known` certificates, reach a self-signed root without it.
    None when the path cannot be followed to a root (an intermediate no one sent: DANE-09's
    'send the full chain' may then be the repair) or the anchor is on it."""
    if record is None or record.usage != 2:
        return None
    anchors = [
        d for d in chain[1:] if certs.tlsa_matches(d, record.selector, record.mtype, record.data)
    ]
    loaded = [c for c in (certs.load_der(d) for d in [*chain, *known]) if c is not None]
    anchor_certs = [c for c in (certs.load_der(d) for d in anchors) if c is not None]
    if not anchor_certs or not chain or certs.load_der(chain[0]) is None:
        return None
    marks = {c.fingerprint(hashes.SHA256()) for c in anchor_certs}
    current = certs.load_der(chain[0])
    for _ in range(len(loaded) + 1):
        assert current is not None
        if current.fingerprint(hashes.SHA256()) in marks or any(
            certs.issued_by(current, a) for a in anchor_certs
        ):
            return None
        if current.issuer == current.subject and certs.issued_by(current, current):
            return certs.name_text(anchor_certs[0].subject), certs.name_text(current.subject)
        current = next(
            (c for c in loaded if c is not current and certs.issued_by(current, c)), None
        )
        if current is None:
            return None
    return None


def _stray_sent(record: TlsaRecord, chain: Sequence[bytes], known: Sequence[bytes]) -> bytes | None:
    """The sent certificate a DANE-TA `record` matches when it issued none of `chain`
    (_stray_anchor), else None."""
    if _stray_anchor(record, chain, known) is None:
        return None
    return next(
        (d for d in chain[1:] if certs.tlsa_matches(d, record.selector, record.mtype, record.data)),
        None,
    )


def _sent_issuer(chain: Sequence[bytes]) -> tuple[str, bytes] | None:
    """(subject, DER) of a sent certificate that issued the leaf, if the server sends one."""
    loaded = [certs.load_der(d) for d in chain]
    leaf = loaded[0] if loaded else None
    if leaf is None:
        return None
    for der, cert in zip(chain[1:], loaded[1:], strict=True):
        if cert is not None and cert.subject == leaf.issuer:
            return cert.subject.rfc4514_string(), der
    return None


def _outranked_match(state: TlsaState, probe: Any) -> tuple[TlsaRecord, int, str] | None:
    """A usable record that alone would authenticate `probe` but that digest algorithm agility
    sets aside (RFC 7671 §9): (that record, the matching type outranking it, the record of that
    type to publish for the same certificate). None when there is no such record."""
    agile = state.agile_records
    chain: list[bytes] = list(getattr(probe, "chain_der", []) or [])
    for record in state.usable_records:
        if record in agile or not replace(state, records=[record]).match(probe).ok:
            continue
        strong = max(
            r.mtype for r in agile if (r.usage, r.selector) == (record.usage, record.selector)
        )
        candidates = chain[:1] if record.usage == 3 else chain[1:]
        der = next(
            d
            for d in candidates
            if certs.tlsa_matches(d, record.selector, record.mtype, record.data)
        )
        text = certs.tlsa_record_text(der, record.usage, record.selector, strong)
        return record, strong, f"'{state.qname}. IN TLSA {text}'"
    return None


def _current_ca(der: bytes, now: datetime) -> bool:
    """Whether `der` is a CA certificate valid now, one that can still issue a renewed leaf
    (basicConstraints cA, RFC 5280 §4.2.1.9: a certificate without it issues nothing; s35v:
    a second leaf sent above the first was taken for one)."""
    cert = certs.load_der(der)
    if cert is None or not cert.not_valid_before_utc <= now <= cert.not_valid_after_utc:
        return False
    try:
        constraints = cert.extensions.get_extension_for_class(x509.BasicConstraints).value
    except (x509.ExtensionNotFound, ValueError):
        return False
    return constraints.ca


def _misplaced_text(
    misplaced: dict[str, tuple[TlsaRecord, bytes]], chains: Sequence[Sequence[bytes]]
) -> str:
    """DANE-12's words for records matching a presented certificate in a role their usage
    does not look at (_rollover): which certificate each matches, and that it adds nothing."""
    leaves = {c[0] for c in chains if c}
    stray = [
        f"'{r.text[:40]}…' matches "
        + (
            f"{certs.name_text(c.subject) if (c := certs.load_der(der)) else 'a CA'}, the "
            "CA certificate the server sends after its own, which a DANE-EE (3) record "
            "never authenticates (RFC 7671 §5.1)"
            if r.usage == 3
            else "the server's own certificate, which a DANE-TA (2) record never "
            "authenticates (RFC 7671 §5.2)"
            if der in leaves
            else f"{certs.name_text(c.subject) if (c := certs.load_der(der)) else 'a CA'}, "
            "which the server sends but which issued none of its certificates, so a "
            "DANE-TA (2) record of it never authenticates (RFC 7671 §5.2)"
        )
        for r, der in misplaced.values()
    ]
    one = len(stray) == 1
    return (
        f"{'; '.join(stray)}: {'it adds' if one else 'they add'} nothing, "
        f"delete {'it' if one else 'them'}."
    )


def _delete_fix(state: TlsaState, wrong: Sequence[TlsaRecord]) -> str:
    """DANE-12's fix for records that never authenticate (_misplaced_text): delete them."""
    one = len(wrong) == 1
    which = (
        "this record, which never authenticates"
        if one
        else "these records, which never authenticate"
    )
    return f"Delete {which}: " + "; ".join(f"{state.qname}. TLSA {r.text}" for r in wrong) + "."


def _rollover(
    out: Collector,
    host: Any,
    state: TlsaState,
    probes: list[Any],
    matched: set[tuple[int, int, int]],
    any_match: bool,
    known: Sequence[bytes] = (),
) -> None:
    # DANE-12 (RFC 7671 §8.1, §8.4).
    if not any_match:
        return  # DANE-07/09 already report it; a stray-combination warning would only repeat it
    # More usable records than the ones matching the current keys = a pre-published next key.
    # The chain senders offering only RSA get is current too: its records are no next key.
    chains = [p.chain_der for p in probes] + [
        second.chain_der for p in probes if (second := _second_chain(p)) is not None
    ]
    # A '2 0 0' record carries its TA certificate, which the server may leave out of its
    # chain (RFC 7671 §5.2.2): one that authenticates the chain is current, not a next key's
    # (s41d-ta200root: the root's, never sent).
    now = datetime.now(UTC)
    current = set()
    # A record matching a presented certificate in the role its usage does not look at (a
    # DANE-EE record of the CA certificate sent after the leaf: s47c-eefullchain) is neither
    # current nor a next key's: it can never authenticate (RFC 7671 §5.1, §5.2).
    misplaced: dict[str, tuple[TlsaRecord, bytes]] = {}
    for chain in chains:
        for r in state.usable_records:
            if not chain:
                continue
            looked_at = chain[:1] if r.usage == 3 else chain[1:]
            # A DANE-TA record of a sent certificate that issued none of the chain (an
            # unrelated root appended to the bundle, s47c-tarogue): DANE-07 reads it as
            # matching nothing (f399c887), so it is no anchor for a renewal either (s47r2).
            if (
                r.usage == 2
                and (sent := _stray_sent(r, chain, known)) is not None
                and r.text not in current
            ):
                misplaced[r.text] = (r, sent)
            elif any(certs.tlsa_matches(d, r.selector, r.mtype, r.data) for d in looked_at) or (
                r.combo == (2, 0, 0) and state._match_ta(r, list(chain), now).ok
            ):
                current.add(r.text)
                misplaced.pop(r.text, None)
            elif (
                r.text not in current
                and (wrong := _wrong_usage(replace(state, records=[r]), chain)) is not None
            ):
                misplaced[r.text] = wrong
    # A '2 0 0' that authenticates the chain with the certificate it carries (the root the
    # server leaves out, RFC 7671 §5.2.2) matches no certificate sent, yet is current: beside
    # a '3 1 1' that matched first, it was called a combination matching nothing (s48r1).
    stray = sorted(
        {r.combo for r in state.usable_records}
        - matched
        - {r.combo for r in state.usable_records if r.text in current}
    )
    # RFC 7671 §8.4 asks that each combination match the current chain. A combination whose
    # only matches are records in the wrong role (misplaced, above) authenticates nothing now
    # either (s47k: '2 1 1' of the leaf beside a working '3 1 1'): the checklist's DANE-12 warn,
    # as for a combination nothing matches. Beside a record of the same combination that does
    # authenticate (the CA's '3 1 1' beside the leaf's, s47c-eefullchain) §8.4 holds: pass.
    live = {r.combo for r in state.usable_records if r.text in current}
    dead = sorted({r.combo for r, _ in misplaced.values()} - live - set(stray))
    if stray or dead:
        gone = [r for r in state.usable_records if r.combo in stray]
        # Records of a dead combination that match nothing presented (a next CA's, say)
        # are as stray as a combination nothing matches.
        gone += [
            r
            for r in state.usable_records
            if r.combo in dead and r.text not in current and r.text not in misplaced
        ]
        parts, fixes = [], []
        if stray:
            parts.append(
                f"TLSA parameter {noun_for(len(stray), 'combination')} "
                f"{', '.join(' '.join(map(str, c)) for c in stray)} at {state.qname} "
                f"{noun_for(len(stray), 'matches', 'match')} no certificate chain presented "
                "now (RFC 7671 §8.4: each combination should match the current chain)."
            )
        if dead:
            others = [r for r in gone if r.combo in dead]
            parts.append(
                f"TLSA parameter {noun_for(len(dead), 'combination')} "
                f"{', '.join(' '.join(map(str, c)) for c in dead)} at {state.qname} "
                f"{noun_for(len(dead), 'authenticates', 'authenticate')} no certificate chain "
                "presented now (RFC 7671 §8.4: each combination should match the current "
                f"chain): {_misplaced_text(misplaced, chains)}"
                + (
                    f" {', '.join(repr(r.text[:40] + '…') for r in others)} "
                    f"{noun_for(len(others), 'matches', 'match')} no certificate presented now."
                    if others
                    else ""
                )
            )
        if gone:
            one = len(gone) == 1
            # A DANE-TA digest record of a certificate the server does not send matches once
            # it sends it (RFC 7671 §5.2.2): the other repair, as DANE-06 says (s48a).
            sending = []
            for r in gone:
                kind, der = _unsent_ta(state, [r], probes, known)
                ca = certs.load_der(der) if kind == "above" and der is not None else None
                between = _between(probes)
                between += "," if between else ""
                if ca is not None:
                    sending.append(
                        f"'{r.text[:40]}…' names {certs.name_text(ca.subject)}, a CA above the "
                        "certificates presented that the server does not send: sending that "
                        f"certificate in the chain{between} makes it match now (RFC 7671 "
                        "§5.2.2; see DANE-06)."
                    )
                elif kind == "unseen":
                    sending.append(
                        f"If '{r.text[:40]}…' names a CA that issued the server's certificates "
                        "(a root above those it sends, say), sending that CA's certificate in "
                        f"the chain{between} makes it match instead (RFC 7671 §5.2.2; see "
                        "DANE-06)."
                    )
            fixes.append(
                f"Remove {'this record' if one else 'these records'} (unless the certificate "
                f"chain {'it matches' if one else 'they match'} goes live within two TTLs): "
                + "; ".join(f"{state.qname}. TLSA {r.text}" for r in gone)
                + ("." if dead or sending else "")
            )
            fixes.extend(sending)
        if misplaced and not dead:
            # A record in the wrong role whose combination another record keeps current (a
            # '3 1 1' of the CA certificate sent beside the leaf's): named and deleted here
            # too, as the pass, info and next-key warning do (s47k, s48a); it went unnamed
            # beside a combination nothing matches (s48r1).
            parts.append(_misplaced_text(misplaced, chains))
        if misplaced:
            fixes.append(_delete_fix(state, [r for r, _ in misplaced.values()]))
        out.add(
            "DANE-12",
            Status.WARN,
            " ".join(parts),
            subject=state.qname,
            evidence={"tlsa": [r.text for r in state.records]},
            fix=" ".join(fixes),
        )
        return
    upcoming = [
        r for r in state.usable_records if r.text not in current and r.text not in misplaced
    ]
    has_next = bool(upcoming)
    # RFC 7671 §8.3, §9: a next-key record in a digest that a stronger one outranks for its
    # usage and selector is never consulted; unless the next key is also published in that
    # stronger digest, the stronger records match nothing after the switch and senders defer.
    agile = state.agile_records
    covered = {(r.usage, r.selector) for r in upcoming if r in agile}
    ignored = [r for r in upcoming if r not in agile and (r.usage, r.selector) not in covered]
    # A usable DANE-TA record anchored at a CA above the leaf keeps authenticating a renewed
    # leaf from that CA whatever its key: the rollover-safe pairing of RFC 7671 §8.1/§8.4
    # ("3 1 1 <leaf>" + "2 1 1 <issuing CA>"), so an expiring leaf needs no next-key record.
    # What the record must match is a CA certificate the server sends above its leaf; the
    # leaf itself need not pass validation now: an expired one is what the renewal replaces
    # (s35l-mixedeeta: DANE-06 called the pair a rollover pair while this said "no record for
    # a next key").
    anchored = [
        r
        for r in state.usable_records
        if r.usage == 2
        and r.text not in misplaced
        and any(
            p.chain_der
            and (
                state._match_ta(r, list(p.chain_der), now).ok
                or any(
                    certs.tlsa_matches(d, r.selector, r.mtype, r.data) and _current_ca(d, now)
                    for d in p.chain_der[1:]
                )
            )
            for p in probes
        )
    ]
    days = min((p.days_left for p in probes if p.days_left is not None), default=None)
    # A record that never authenticates, in a combination another record keeps current
    # (§8.4 holds): the finding below stays, and says to delete it (s47k).
    also = f" {_misplaced_text(misplaced, chains)}" if misplaced else ""
    if ignored:
        out.add(
            "DANE-12",
            Status.WARN,
            f"{state.qname} pre-publishes {', '.join(repr(r.text[:40] + '…') for r in ignored)} "
            "for a next key, but DANE senders ignore it: the same usage and selector has "
            "records with a stronger digest, and senders match only the strongest (RFC 7671 "
            "§9). Once the new key is live, mail to this host will be deferred." + also,
            subject=state.qname,
            evidence={"tlsa": [r.text for r in state.records]},
            # A record in the wrong role beside it is named, and its delete listed, as the
            # pass and info below do (s48a): the reader could not tell which to fix.
            fix="Publish the next key in every matching type the RRset uses (RFC 7671 §8.3), "
            "or drop the stronger digest records before the switch."
            + (f" {_delete_fix(state, [r for r, _ in misplaced.values()])}" if misplaced else ""),
        )
    elif has_next:
        # A record of a key not presented now: the next key's, pre-published, or a retired
        # key's left behind after a rollover (s34l-rollleftover). Nothing here tells which.
        one = len(upcoming) == 1
        out.add(
            "DANE-12",
            Status.PASS,
            f"{state.qname} also publishes {'a record' if one else 'records'} for a key the "
            f"server does not present now ({', '.join(repr(r.text[:40] + '…') for r in upcoming)}"
            "): a next key's, published ahead as RFC 7671 §8.1 asks, keeps mail flowing "
            f"when the key changes; if {'it is' if one else 'they are'} a retired key's "
            f"instead, delete {'it' if one else 'them'}." + also,
            subject=state.qname,
            evidence={"tlsa": [r.text for r in state.records]},
        )
    elif anchored:
        out.add(
            "DANE-12",
            Status.PASS,
            f"{state.qname} has a DANE-TA record ('{anchored[0].text[:40]}') matching a CA "
            f"certificate of {host.name}: a renewed certificate from that CA stays "
            "authenticated without a TLSA change (RFC 7671 §8.1)." + also,
            subject=state.qname,
        )
    elif days is not None and days < 30:
        # days_left is whole days rounded down: below 0 the certificate has expired (SMTP-10
        # gives the time), 0 is within a day. It still matches a DANE-EE record here (a
        # DANE-TA one would not authenticate it), and renewing it with a new key, as certbot
        # does by default, leaves the records matching nothing unless the next key's record
        # is published first (RFC 7671 §8.1).
        if days < 0:
            when = "has expired (see SMTP-10)"
        elif days == 0:
            when = "expires within a day"
        else:
            when = f"expires in {days} day{'s' if days != 1 else ''}"
        out.add(
            "DANE-12",
            Status.INFO,
            f"The certificate of {host.name} {when} and {state.qname} has no record for a "
            "next key: if the renewed certificate gets a new key, publish the new key's "
            "record at least two TTLs before installing it, or renew with the same key." + also,
            subject=state.qname,
        )
    elif misplaced:
        out.add(
            "DANE-12",
            Status.PASS,
            f"The records at {state.qname} that authenticate match the current certificate; "
            f"{_misplaced_text(misplaced, chains)}",
            subject=state.qname,
            evidence={"tlsa": [r.text for r in state.records]},
        )
    else:
        out.add(
            "DANE-12",
            Status.PASS,
            f"Every TLSA record at {state.qname} matches the current certificate.",
            subject=state.qname,
        )
