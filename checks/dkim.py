"""DKIM key records (RFC 6376 §3.6, RFC 8301, RFC 8463).

Selectors cannot be listed from DNS, so we try the ones the user gave, the fixed ones of the
providers the MX hosts and SPF includes name, and a common list, all at once (bounded), and say
which were tried. Not finding a key is `info`, never "no DKIM" (docs/engine-contract.md).

`parse_key_record(text)` is a pure parser that never raises; `get_keys(ctx)` is the memoised fact
(DMARC asks whether any key exists); `evaluate(ctx)` reports DKIM-01..12 per key.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import itertools
import re
import secrets
from dataclasses import dataclass, field, replace
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
from cryptography.hazmat.primitives.serialization import load_der_public_key, load_pem_public_key

from checks.context import CheckContext
from checks.dns import DnsAnswer, cname_loop, normalize, txt_fix
from checks.domainname import organizational_domain
from checks.findings import Collector, Finding, Mechanism, Status, counted, noun_for, series
from checks.lookalike import Unquoted, lookalikes, unquoted
from checks.spf import find_undotted

MECHANISM = Mechanism.DKIM

# Heuristic list (checklist §5), tried for every domain: the checklist's nine names, then the
# fixed selectors that mailbox providers and sending services document (sources in
# PROVIDER_SELECTORS), at least the first of each, so a domain whose MX and SPF do not name
# its provider still has its key found. docs/engine-contract.md lists them.
COMMON_SELECTORS = (
    "default",
    "google",
    "selector1",
    "selector2",
    "k1",
    "s1",
    "s2",
    "dkim",
    "mail",
    "k2",
    "k3",
    "fm1",
    "protonmail",
    "sig1",
    "mte1",
    "mte2",
    "pdk1",
    "pdk2",
    "smtp",
    "mx",
    "s1024",
    "s2048",
    "zmail",
)
# Guessed selectors (not the owner's) asked in one check, all at once: a bound on the queries
# a free check can make anyone's resolver send.
MAX_GUESSED_SELECTORS = 30
# One more name is asked beside them, a selector nobody signs with (this prefix and a random
# part): a key record there comes from a wildcard (`*._domainkey`, RFC 4592), and the guessed
# selectors answering that same record are the wildcard too, said once rather than once per
# name. A parked domain's `*._domainkey TXT "v=DKIM1; p="` (every selector revoked, RFC 6376
# §3.6.1, as M3AAWG advises for domains that send no mail) read as 23 keys found.
WILDCARD_PROBE_PREFIX = "mailsec-probe-"


@dataclass(frozen=True)
class Provider:
    name: str
    # Registrable labels (the label left of the public suffix) of its MX hosts and SPF include
    # targets: "zoho" matches mx.zoho.com and mx.zoho.eu alike.
    brands: tuple[str, ...]
    selectors: tuple[str, ...]


# Fixed selectors providers document, tried first when the domain's MX hosts or SPF
# include:/redirect= targets are the provider's. Only fixed names: Amazon SES (Easy DKIM
# tokens), HubSpot (hs1-/hs2-<account id>), Postmark (date-based), SparkPost (scph<date>) and
# Zoho (the admin names it; zmail/zoho are its help pages' examples) cannot be guessed.
PROVIDER_SELECTORS: tuple[Provider, ...] = (
    # Google Admin help "Set up DKIM": the default selector prefix is "google"
    Provider("Google Workspace", ("google", "googlemail"), ("google",)),
    # https://learn.microsoft.com/defender-office-365/email-authentication-dkim-configure
    # (selector1/selector2 CNAME into <tenant>.onmicrosoft.com)
    Provider("Microsoft 365", ("outlook",), ("selector1", "selector2")),
    # https://www.fastmail.help/hc/en-us/articles/360060591153 ("fm1", "fm2" and "fm3")
    Provider("Fastmail", ("messagingengine", "fastmail"), ("fm1", "fm2", "fm3")),
    # https://protonmail.com/support/knowledge-base/anti-spoofing/ and
    # https://domainsecurityscanner.com/guides/proton-mail (protonmail, protonmail2,
    # protonmail3 CNAME into domains.proton.ch)
    Provider("Proton Mail", ("protonmail", "proton"), ("protonmail", "protonmail2", "protonmail3")),
    # iCloud+ Custom Email Domain setup: sig1._domainkey CNAME into icloudmailadmin.com
    # (widely published, e.g. https://chamberlain.io/icloud-custom-domains-ship-with-broken-email-security-heres-how-to-fix-it)
    Provider("iCloud Mail", ("icloud", "apple"), ("sig1",)),
    # https://www.zoho.com/mail/help/adminconsole/dkim-configuration.html (the admin's name)
    Provider("Zoho Mail", ("zoho", "zohomail"), ("zmail", "zoho")),
    # mail._domainkey, widely published; Yandex's API publishes it for delegated domains:
    # https://tech.yandex.com.tr/kurum/doc/reference/dkim-enable-docpage/
    Provider("Yandex 360", ("yandex",), ("mail",)),
    # Yahoo's own signing selectors (s1024, s2048); customer domains are not documented
    Provider("Yahoo", ("yahoo", "yahoodns"), ("s1024", "s2048")),
    # https://martypete.com/mailchimp-dkim (k2/k3 CNAME to dkim2/dkim3.mcsv.net; k1 before)
    Provider("Mailchimp", ("mcsv", "mailchimp", "rsgsv"), ("k2", "k3", "k1")),
    # https://mailchimp.com/developer/transactional/docs/authentication-delivery/
    # (mte1/mte2 CNAME to dkim1/dkim2.mandrillapp.com)
    Provider("Mailchimp Transactional", ("mandrillapp",), ("mte1", "mte2")),
    # https://www.twilio.com/docs/sendgrid/ui/account-and-settings/how-to-set-up-domain-authentication
    # (s1/s2 CNAME into sendgrid.net)
    Provider("SendGrid", ("sendgrid",), ("s1", "s2")),
    # https://documentation.mailgun.com/docs/mailgun/user-manual/domains/dkim_security
    # (pdk1/pdk2 with Automatic Sender Security; mx, smtp, k1 on older domains)
    Provider("Mailgun", ("mailgun",), ("pdk1", "pdk2", "mx", "smtp", "k1")),
    # https://help.brevo.com/hc/en-us/articles/17286219877778 (mail._domainkey TXT)
    Provider("Brevo", ("brevo", "sendinblue"), ("mail",)),
)
# RFC 6376 §3.2: tag-name = ALPHA *ALNUMPUNC.
_TAG_NAME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
# tag-value characters: VALCHAR (%x21-3A / %x3C-7E) with folding white space between them.
_TAG_VALUE_RE = re.compile(r"^[\x21-\x3a\x3c-\x7e]*(?:[ \t\r\n]+[\x21-\x3a\x3c-\x7e]+)*$")
# DER prefix of an Ed25519 SubjectPublicKeyInfo: what RFC 8463 §4.2 says NOT to publish.
_ED25519_SPKI_PREFIX = bytes.fromhex("302a300506032b6570032100")


@dataclass
class DkimProblem:
    check_id: str
    status: Status
    message: str


@dataclass
class ParsedKey:
    text: str
    tags: dict[str, str] = field(default_factory=dict)
    order: list[str] = field(default_factory=list)
    problems: list[DkimProblem] = field(default_factory=list)
    key_type: str = "rsa"
    bits: int | None = None
    revoked: bool = False
    usable: bool = False  # a receiver could verify mail signed with this key
    # v=DKIM1 stands after other tags (DKIM-04 fails it, RFC 6376 §3.6.1 "MUST be the first
    # tag"), and nothing else fails the record: a verifier that checks only the value of v=
    # (OpenDKIM, dkimpy) or ignores it (rspamd) uses the key, one holding to the RFC's letter
    # discards the record (task s45f). DMARC-18 names such a key apart (dmarc._lenient_keys).
    v_not_first: bool = False
    lenient: bool = False

    def add(self, check_id: str, status: Status, message: str) -> None:
        self.problems.append(DkimProblem(check_id, status, message))


# The rest of a key cut off by a ';' inside p=: base64 characters and blanks only.
_KEY_PIECE_RE = re.compile(r"^[A-Za-z0-9+/=][A-Za-z0-9+/= \t\r\n]*$")


def _key_piece(key: str, part: str) -> bool:
    """Whether `part`, an element after p= that is no tag=value pair, is the rest of the key a
    ';' cut off: base64 of some length (not a word left in the record), which joined to the
    key decodes."""
    piece = re.sub(r"[ \t\r\n]", "", part)
    if len(piece) < 16 or not _KEY_PIECE_RE.match(part.strip(" \t\r\n")):
        return False
    try:
        base64.b64decode(re.sub(r"[ \t\r\n]", "", key) + piece, validate=True)
    except (binascii.Error, ValueError):
        return False
    return True


def parse_tag_list(text: str) -> tuple[dict[str, str], list[str], list[str]]:
    """RFC 6376 §3.2 tag-list → (tags, order, errors). Never raises."""
    tags: dict[str, str] = {}
    order: list[str] = []
    errors: list[str] = []
    parts = text.split(";")
    for index, part in enumerate(parts):
        if not part.strip(" \t\r\n"):
            if index != len(parts) - 1:
                errors.append("an empty element between two ';'")
            continue
        name, sep, value = part.partition("=")
        name = name.strip(" \t\r\n")
        value = value.strip(" \t\r\n")
        if not sep or not _TAG_NAME_RE.match(name):
            # The record ahead is joined only for a non-ASCII element (lookalikes reads it
            # to place the character): joined for every bad element, a long record of them
            # took time growing with the square of their count, on the event loop.
            ahead = ";".join(parts[:index]) + ";" if index and not part.isascii() else ""
            pasted = lookalikes(part, before=ahead)
            if pasted is not None and "=" in pasted.cleaned:
                # The owner sees a pair: say which character they cannot see.
                errors.append(
                    f"'{pasted.cleaned.strip()}' holds {pasted.describe()}, which "
                    f"{pasted.fault}, so verifiers read no 'tag=value' "
                    "pair there (RFC 6376 §3.2): retype it by hand"
                )
                continue
            if order and order[-1] == "p" and _key_piece(tags["p"], part):
                # 'p=MIIB…;…IDAQAB': a ';' typed or pasted into the key cuts it in two, and the
                # rest reads as an element of its own (repaired_record joins them again).
                piece = part.strip(" \t\r\n")
                errors.append(
                    f"a ';' inside the value of p= cuts the key in two, and the rest of it "
                    f"('{piece[:12]}…') is not a 'tag=value' pair: remove that ';'"
                )
                continue
            errors.append(f"'{part.strip()}' is not a 'tag=value' pair")
            continue
        if not _TAG_VALUE_RE.match(value):
            pasted = lookalikes(value, before=f"{name}=")
            if pasted is not None and pasted.quotes and _TAG_VALUE_RE.match(pasted.cleaned):
                # A typographic quote pasted with the value ('p=MIGf...”'): named, and the
                # value read as meant; the tag-list stays invalid.
                errors.append(
                    f"the value of '{name}' holds {pasted.describe()}, which {pasted.fault}: "
                    "retype it without it"
                )
                value = pasted.cleaned.strip(" \t\r\n")
            else:
                errors.append(
                    f"the value of '{name}' contains characters not allowed in a tag value"
                )
        if name in tags:
            # §3.2: a repeated tag name makes the entire tag-list invalid.
            errors.append(f"the tag '{name}' appears more than once")
            continue
        tags[name] = value
        order.append(name)
    return tags, order, errors


def looks_like_key_record(text: str) -> bool:
    """A TXT at a selector name that is meant to be a DKIM key (not a stray wildcard TXT).

    RFC 6376 §3.6.1: a record that begins with a v= tag of any value other than DKIM1 MUST be
    discarded, so a wildcard `v=spf1 -all` is no key at all. We still keep records whose v=
    merely starts with "DKIM" (v=DKIM1.0, v=dkim1): they are meant as keys and DKIM-04 says
    what is wrong with them. A record that does not begin with v= is a key when it carries
    p= or k=, or a v=DKIM… placed later (v= is optional; where it stands is DKIM-04's business).
    """
    # Tag names in capitals ('V=DKIM1; K=rsa; P=...') are meant as a key too: receivers read
    # no p= in them (RFC 6376 §3.2, case-sensitive), which DKIM-05 says, rather than "no key".
    name, sep, value = text.split(";", 1)[0].partition("=")
    if sep and name.strip(" \t\r\n").lower() == "v":
        return value.strip(" \t\r\n").upper().startswith("DKIM")
    tags, _, _ = parse_tag_list(text)
    later_v = any(
        n.lower() == "v" and v.strip(" \t\r\n").upper().startswith("DKIM") for n, v in tags.items()
    )
    return later_v or bool({"p", "k"} & {n.lower() for n in tags})


def _decode_base64(value: str) -> bytes | None:
    compact = re.sub(r"[ \t\r\n]", "", value)
    try:
        return base64.b64decode(compact, validate=True)
    except (binascii.Error, ValueError):
        return None


def _load_rsa(der: bytes) -> rsa.RSAPublicKey | None:
    """SubjectPublicKeyInfo or a bare PKCS#1 RSAPublicKey (RFC 6376 erratum 3017)."""
    try:
        key = load_der_public_key(der)
    except (ValueError, TypeError):
        key = None
    if key is None:
        pem = (
            b"-----BEGIN RSA PUBLIC KEY-----\n"
            + base64.encodebytes(der)
            + b"-----END RSA PUBLIC KEY-----\n"
        )
        try:
            key = load_pem_public_key(pem)
        except (ValueError, TypeError):
            return None
    return key if isinstance(key, rsa.RSAPublicKey) else None


def _settle(parsed: ParsedKey) -> None:
    """Whether receivers can use the key of a record judged to its end: `usable` when nothing
    fails it, `lenient` when only DKIM-04's v=DKIM1 placed after other tags does."""
    fails = [p for p in parsed.problems if p.status == Status.FAIL]
    parsed.usable = not fails
    parsed.lenient = parsed.v_not_first and all(p.check_id == "DKIM-04" for p in fails)


def discarded_whatever_the_rrset(parsed: ParsedKey) -> bool:
    """A key record whose v= is other than DKIM1 (DKIM-04): OpenDKIM and dkimpy compare the
    value of v= and discard it, a verifier holding to RFC 6376 §3.6.1 too, and rspamd, which
    reads only p= and k=, skips TXT records holding no p=. So the other TXT records at its
    selector change nothing, and DKIM-02 is not said for them. Not for v=DKIM1 after other
    tags (v_not_first, task s45k): the verifiers that use such a key read the RRset, dkimpy
    its first record, and OpenDKIM refuses an answer of several TXT records ("multiple DNS
    replies", dkim_get_key_dns)."""
    return not parsed.v_not_first and any(p.check_id == "DKIM-04" for p in parsed.problems)


def parse_key_record(text: str) -> ParsedKey:
    """Parse and judge one DKIM key record. Never raises; problems are in `problems`."""
    parsed = _judged(text)
    around = unquoted(text) if isinstance(text, str) else None
    if not isinstance(text, str) or not parsed.order:
        return parsed
    if around is not None and (around.leading or around.typographic):
        return parsed  # quotes at the start, or typographic ones, are DKIM-03's already
    stray = _stray_quote(text, parsed)
    if stray is None:
        return parsed
    # An ASCII quote ending a value, most often the closing quote of a zone-file line a DNS
    # panel kept as text ('v=DKIM1; k=rsa; p=MIIB...AQAB"', also before a last ';'). Tag values
    # may hold a quote (RFC 6376 §3.2), so it reads as part of the value: p= no base64
    # (DKIM-06), k= no key type (DKIM-08). Named as quotes around a whole record are.
    value = parsed.tags.get(stray.tag, "")
    shown = value if len(value) <= 16 else "..." + value[-16:]
    if stray.quotes.leading and len(value) > 16:
        shown = value[:8] + "..." + value[-8:]  # both ends: where each quote sits
    named = ParsedKey(text=text, tags=parsed.tags, order=parsed.order)
    if stray.at_end and not stray.quotes.leading:
        before = ", before its last ';'" if stray.semicolon else ""
        message = (
            f"The key record ends with a quote ({stray.quotes.quotes}{before}): a quote typed "
            "with the record, which the DNS panel kept as part of its text, so verifiers read "
            f"it as the end of {stray.tag}= ('{shown}') and cannot use the key. Retype the "
            "record without it."
        )
    else:
        # Inside the record ('p="MIIB...AQAB"; t=s'): quotes typed around a value, which no
        # DKIM tag value is written with.
        are = "quotes are" if stray.quotes.count > 1 else "a quote is"
        message = (
            f"The value of {stray.tag}= is {stray.quotes.describe()}, and {are} no part of "
            f"it: verifiers read {stray.tag}= as '{shown}' and cannot use the key. Retype the "
            f"record without {stray.quotes.them}."
        )
    named.add("DKIM-03", Status.FAIL, message)
    return named


@dataclass(frozen=True)
class _StrayQuote:
    """ASCII quotes around (or at one end of) one tag value of a key record."""

    text: str  # the record without them
    tag: str  # the tag whose value they are in
    quotes: Unquoted  # which quotes, where
    at_end: bool  # the value is the record's last (only white space and ';' after it)
    semicolon: bool  # a ';' follows the value


# The tags of a key record (RFC 6376 §3.6.1; g= of RFC 4871, which verifiers may still read).
_KEY_TAGS = frozenset({"v", "g", "h", "k", "n", "p", "s", "t"})


def _stray_quote(text: str, parsed: ParsedKey | None = None) -> _StrayQuote | None:
    """The ASCII quotes at the ends of a tag value that spoil what the record without them
    passes; None when there are none, or when leaving them out clears no fail (a quote ending
    a value receivers ignore, an unknown t= flag or a note in n=, adds no fail)."""
    parsed = parsed if parsed is not None else _judged(text)
    failing = {p.check_id for p in parsed.problems if p.status == Status.FAIL}
    if not failing:
        return None
    parts = text.split(";")
    tried: set[str] = set()
    for index, part in enumerate(parts):
        name, sep, value = part.partition("=")
        # Only the first value of a tag a key record defines: verifiers ignore the others
        # (RFC 6376 §3.2, §3.6.1), so quotes there spoil nothing, and trying every value of a
        # record of thousands of 'x="y";' cost a parse of the whole record each (seconds).
        tag = name.strip(_FWS)
        if tag not in _KEY_TAGS or tag in tried:
            continue
        tried.add(tag)
        quotes = unquoted(value) if sep else None
        if quotes is None or quotes.typographic or not quotes.text:
            continue  # typographic quotes in a value are parse_tag_list's (checks.lookalike)
        lead = value[: len(value) - len(value.lstrip(_FWS))]
        trail = value[len(value.rstrip(_FWS)) :]
        cleaned = [*parts[:index], f"{name}={lead}{quotes.text}{trail}", *parts[index + 1 :]]
        without = ";".join(cleaned)
        if failing - {p.check_id for p in _judged(without).problems if p.status == Status.FAIL}:
            rest = ";".join(parts[index + 1 :])
            return _StrayQuote(
                without,
                name.strip(_FWS),
                quotes,
                at_end=not rest.strip(_FWS + ";"),
                semicolon=index + 1 < len(parts),
            )
    return None


# The hash algorithms h= names (RFC 6376 §3.6.1, RFC 8301), in the RFC's lower case.
_HASHES = frozenset({"sha1", "sha256"})


def _hash_names(value: str) -> set[str]:
    """The names a key record's h= `value` lists (a colon-separated list, RFC 6376 §3.6.1),
    as written: read alike by DKIM-09, repaired_record and sha1_note."""
    return {h.strip() for h in value.split(":") if h.strip()}


def _names(cased: list[str]) -> str:
    """'SHA256' or 'SHA1' and 'SHA256': the names a DKIM-09/10 warning quotes."""
    return series([f"'{name}'" for name in cased])


def _judged(text: str) -> ParsedKey:
    """parse_key_record, but for a quote at the end only, which is judged as the value it ends."""
    parsed = ParsedKey(text=text if isinstance(text, str) else "")
    if not isinstance(text, str):
        parsed.add("DKIM-03", Status.FAIL, "The record is not text.")
        return parsed
    tags, order, errors = parse_tag_list(text)
    parsed.tags, parsed.order = tags, order
    around = unquoted(text)
    if errors and around is not None and not around.typographic:
        # Between ASCII quotes a DNS panel kept as text ('"v=DKIM1; ..."'): named as such,
        # as typographic ones are (parse_tag_list, through checks.lookalike), not as a first
        # element that is "not a 'tag=value' pair".
        first = text.split(";", 1)[0].strip(" \t\r\n")
        parsed.add(
            "DKIM-03",
            Status.FAIL,
            f"The key record is {around.describe()}: {around.whose}, so verifiers read "
            f"'{first}' as no 'tag=value' pair (RFC 6376 §3.2) and cannot use the key. Retype "
            f"it without {around.them}.",
        )
        errors = parse_tag_list(around.text)[2]
    for error in errors:
        parsed.add("DKIM-03", Status.FAIL, f"The key record's syntax is invalid: {error}.")
    if errors or any(p.check_id == "DKIM-03" for p in parsed.problems):
        return parsed

    # DKIM-04: v= optional, but first and exactly DKIM1 when present (§3.6.1).
    if "v" in tags:
        if order[0] != "v":
            parsed.v_not_first = tags["v"] == "DKIM1"
            parsed.add(
                "DKIM-04",
                Status.FAIL,
                "v=DKIM1 must be the first tag of the key record (RFC 6376 §3.6.1). OpenDKIM, "
                "dkimpy and rspamd use the key all the same (they check only the value of v=, "
                "or ignore it), but a verifier that holds to the RFC discards the record. Move "
                "v=DKIM1 to the front."
                if parsed.v_not_first
                else f"v={tags['v']} must be the first tag of the key record, and the only "
                "version is exactly 'DKIM1' (RFC 6376 §3.6.1): verifiers that check v= "
                "discard the record.",
            )
        elif tags["v"] != "DKIM1":
            parsed.add(
                "DKIM-04",
                Status.FAIL,
                f"v={tags['v']} is not valid; the only version is exactly 'DKIM1'.",
            )

    # DKIM-08: key type. Values are case-sensitive unless a tag says otherwise (§3.2), and
    # k= does not: "k=RSA" is an unrecognised key type, which verifiers ignore (dkimpy does).
    # key_type is kept in lower case so the key itself is still judged below.
    k_value = tags.get("k", "rsa").strip()
    parsed.key_type = k_value.lower()
    if parsed.key_type in ("rsa", "ed25519") and k_value != parsed.key_type:
        parsed.add(
            "DKIM-08",
            Status.FAIL,
            f"k={k_value} is not a key type receivers know: tag values are case-sensitive "
            f"(RFC 6376 §3.2), so receivers that follow the RFC ignore the key. Write "
            f"k={parsed.key_type}.",
        )
    elif parsed.key_type not in ("rsa", "ed25519"):
        parsed.add(
            "DKIM-08",
            Status.FAIL,
            f"k={tags.get('k')} is not a key type receivers know (rsa or ed25519), so "
            "they ignore the key.",
        )

    # DKIM-09: hash algorithms (RFC 8301 §3.1: rsa-sha1 MUST NOT be used). A name that is no
    # known one in any case ('foo') is unrecognised, and verifiers ignore it (§3.6.1); a key
    # whose h= lists no sha256 cannot verify a sha256 signature (§6.1.2: PERMFAIL,
    # inappropriate hash algorithm). A known name in another case ('SHA256') is read both
    # ways: §3.2 has values case-sensitive, §3.6.1's grammar writes the names as quoted
    # strings (matched without case, RFC 5234 §2.3); OpenDKIM matches them without case,
    # dkimpy reads no h=. Verifiers disagreeing is a warning (checklist §0), not a failure.
    if "h" in tags:
        hashes = _hash_names(tags["h"])
        lowered = {h.lower() for h in hashes}
        if "sha256" not in hashes and "sha256" in lowered:
            cased = sorted(h for h in hashes if h not in _HASHES and h.lower() in _HASHES)
            sha1 = (
                " It also still allows SHA-1, which receivers must no longer accept."
                if "sha1" in lowered
                else ""
            )
            parsed.add(
                "DKIM-09",
                Status.WARN,
                f"h={tags['h']} writes {_names(cased)} with capital letters, where RFC 6376 "
                "writes the names in lower case. Some verifiers ignore such a key: reading tag values as "
                "case-sensitive (RFC 6376 §3.2), they find no hash algorithm they know, and "
                "mail signed with the key fails DKIM there; others, such as OpenDKIM, match "
                f"the names without case and accept it. Write h=sha256 in lower case, or "
                f"remove h=.{sha1}",
            )
        elif "sha256" not in hashes and "sha1" not in hashes and "sha1" in lowered:
            # 'SHA1' alone (or with unknown names): no hash known to a verifier reading
            # values as written, SHA-1 only to one matching names without case. Fails both
            # ways (RFC 8301 §3.1).
            cased = sorted(h for h in hashes if h.lower() == "sha1")
            parsed.add(
                "DKIM-09",
                Status.FAIL,
                f"h={tags['h']} writes {_names(cased)} with capital letters, where RFC 6376 "
                "writes the names in lower case, and allows no hash algorithm receivers "
                "accept: verifiers reading tag values as case-sensitive (RFC 6376 §3.2) find "
                "no hash algorithm they know, and those matching the names without case, such "
                "as OpenDKIM, read it as SHA-1, which receivers must no longer accept (RFC 8301 "
                "§3.1). Signatures with this key fail. Remove h= or set h=sha256.",
            )
        elif "sha256" not in hashes:
            why = (
                "SHA-1, which receivers must no longer accept"
                if "sha1" in hashes
                else "unknown hash algorithms"
            )
            parsed.add(
                "DKIM-09",
                Status.FAIL,
                f"h={tags['h']} allows only {why}; signatures with this key fail. "
                "Remove h= or set h=sha256.",
            )
        elif "sha1" not in hashes and "sha1" in lowered:
            # 'SHA1:sha256': sha256 to every verifier, and SHA-1 too to those matching names
            # without case (OpenDKIM). Read both ways, as 'sha1:SHA256' is: a warning.
            cased = sorted(h for h in hashes if h.lower() == "sha1")
            parsed.add(
                "DKIM-09",
                Status.WARN,
                f"h={tags['h']} writes {_names(cased)} with capital letters, where RFC 6376 "
                "writes the names in lower case. Verifiers matching the names without case, "
                "such as OpenDKIM, read it as SHA-1 and still accept rsa-sha1 signatures with "
                "this key, which receivers must no longer do (RFC 8301 §3.1); those reading "
                "tag values as case-sensitive (RFC 6376 §3.2) ignore the name. Use h=sha256 "
                "in lower case, or drop h=.",
            )
        elif "sha1" in hashes:
            parsed.add(
                "DKIM-09",
                Status.WARN,
                "h= still allows SHA-1, which receivers must no longer accept; use "
                "h=sha256 or drop h=.",
            )

    # DKIM-10: service type. A known name in another case ('s=EMAIL') is read both ways, as
    # h= above: dkimpy reads s= as written (case-sensitive, §3.2) and ignores the key, OpenDKIM
    # matches "email" without case. A warning; a name no verifier knows still fails.
    if "s" in tags:
        services = {s.strip() for s in tags["s"].split(":") if s.strip()}
        if services and not services & {"*", "email"} and "email" in {s.lower() for s in services}:
            cased = sorted(s for s in services if s != "email" and s.lower() == "email")
            parsed.add(
                "DKIM-10",
                Status.WARN,
                f"s={tags['s']} writes {_names(cased)} with capital letters, where RFC 6376 "
                "writes 'email'. Some verifiers ignore such a key: those reading tag values "
                "as case-sensitive (RFC 6376 §3.2), dkimpy among them, find no service for "
                "mail, and mail signed with the key fails DKIM there; others, such as "
                "OpenDKIM, match the name without case and accept it. Write s=email in lower "
                "case, or remove s=.",
            )
        elif not services & {"*", "email"}:
            if not services:
                which = "no service at all (s= is empty)"
            elif services == {"tlsrpt"}:
                which = "TLS reports only (s=tlsrpt)"
            else:
                which = f"s={tags['s']}"
            # A key kept only for signing TLS reports (RFC 8460 §3) says so rightly, but the
            # checklist (DKIM-10, fixture F40) fails it: nothing tells a mail selector apart.
            dedicated = (
                " If this selector only signs TLS reports (RFC 8460 §3), that is as meant, and "
                "your mail must be signed with another selector."
                if services == {"tlsrpt"}
                else ""
            )
            parsed.add(
                "DKIM-10",
                Status.FAIL,
                f"The key is restricted to {which}, so receivers ignore it for normal "
                f"mail. Remove s= or set s=email.{dedicated}",
            )

    # DKIM-11: flags. Case-sensitive (§3.2) and "Unrecognized flags MUST be ignored"
    # (§3.6.1): "t=Y" is not testing mode, it is no flag at all.
    flags = {f.strip() for f in tags.get("t", "").split(":") if f.strip()}
    if "y" in flags:
        parsed.add(
            "DKIM-11",
            Status.WARN,
            "t=y marks the key as testing: receivers treat signed mail like unsigned mail. "
            "Remove t=y in production.",
        )
    if "s" in flags:
        parsed.add(
            "DKIM-11",
            Status.INFO,
            "t=s: signatures must use exactly this domain (no subdomains in i=).",
        )
    unknown = sorted(flags - {"y", "s"})
    if unknown:
        parsed.add(
            "DKIM-11",
            Status.INFO,
            f"t= lists {noun_for(len(unknown), 'a flag', 'flags')} receivers do not know "
            f"({', '.join(unknown)}); they ignore {noun_for(len(unknown), 'it', 'them')} "
            "(RFC 6376 §3.6.1). Flags are case-sensitive: testing mode is 't=y', "
            "same-domain is 't=s'.",
        )
    if "n" in tags:
        parsed.add(
            "DKIM-12",
            Status.INFO,
            "The key record carries notes (n=); they are only for humans and make the "
            "record larger.",
        )

    # DKIM-05 / DKIM-06 / DKIM-07 / DKIM-08: the key itself.
    if "p" not in tags:
        # 'P=' is not 'p=' (§3.2): the key is there, in a tag receivers do not read.
        capitals = [n for n in order if n != n.lower() and n.lower() in _KEY_TAGS]
        named = ", ".join(f"'{n}='" for n in capitals)
        why = (
            f" It writes {named} in capitals, and tag names are case-sensitive (RFC 6376 "
            "§3.2): receivers read none of them. Write them in lower case."
            if capitals
            else ""
        )
        parsed.add(
            "DKIM-05",
            Status.FAIL,
            f"The key record has no p= tag, so no signature can be verified with it.{why}",
        )
        return parsed
    p = tags["p"]
    if not re.sub(r"[ \t\r\n]", "", p):
        parsed.revoked = True
        parsed.add(
            "DKIM-05",
            Status.INFO,
            "The key is revoked (empty p=): mail signed with this selector fails DKIM.",
        )
        return parsed
    if "-----" in p:
        parsed.add(
            "DKIM-06",
            Status.FAIL,
            "p= contains PEM armour ('-----BEGIN ...'); publish only the base64 text "
            "between the header and footer lines.",
        )
        return parsed
    der = _decode_base64(p)
    if der is None and _STRING_BREAK.search(p) and _decode_base64(_STRING_BREAK.sub("", p)):
        parsed.add(
            "DKIM-06",
            Status.FAIL,
            "p= holds '\" \"' inside the key: the quotes between two strings of a zone-file "
            "line, pasted into one text field, where they are part of the value, so receivers "
            "cannot decode the key. Without them the key is whole: the record below leaves "
            "them out.",
        )
        return parsed
    if der is None:
        parsed.add(
            "DKIM-06",
            Status.FAIL,
            "p= is not valid base64 (a truncated or mangled key?), so receivers cannot use it.",
        )
        return parsed
    if parsed.key_type == "ed25519":
        if der.startswith(_ED25519_SPKI_PREFIX) and len(der) == 44:
            parsed.add(
                "DKIM-08",
                Status.FAIL,
                "The Ed25519 key is wrapped in a SubjectPublicKeyInfo structure; RFC 8463 "
                "wants only the raw 32-byte key (44 base64 characters).",
            )
            return parsed
        if len(der) != 32:
            parsed.add(
                "DKIM-08",
                Status.FAIL,
                f"An Ed25519 key must be exactly 32 bytes (44 base64 characters); this "
                f"one is {len(der)} byte{'' if len(der) == 1 else 's'}.",
            )
            return parsed
        try:
            ed25519.Ed25519PublicKey.from_public_bytes(der)
        except ValueError:
            parsed.add("DKIM-06", Status.FAIL, "p= is not a valid Ed25519 public key.")
            return parsed
        parsed.bits = 256
        _settle(parsed)
        return parsed
    if parsed.key_type != "rsa":
        return parsed
    key = _load_rsa(der)
    if key is None and len(der) == 32:
        # k= defaults to rsa (§3.6.1): an Ed25519 key published without k=ed25519 is read as
        # a broken RSA key, and the owner needs to hear which tag is missing.
        parsed.add(
            "DKIM-08",
            Status.FAIL,
            "p= holds a 32-byte key, the size of an Ed25519 key, but without k=ed25519 "
            "receivers read it as RSA and cannot use it. Add k=ed25519 to the record.",
        )
        return parsed
    if key is None:
        parsed.add(
            "DKIM-06",
            Status.FAIL,
            "p= decodes but is not an RSA public key (truncated, or split into strings "
            "that were not concatenated?), so receivers cannot use it.",
        )
        return parsed
    parsed.bits = key.key_size
    if parsed.bits < 1024:
        parsed.add(
            "DKIM-07",
            Status.FAIL,
            f"The RSA key has only {parsed.bits} bits; receivers must not accept keys "
            "under 1024 bits (RFC 8301). Publish a 2048-bit key.",
        )
    elif parsed.bits < 2048:
        parsed.add(
            "DKIM-07",
            Status.WARN,
            f"The RSA key has {parsed.bits} bits; 2048 bits is the recommended minimum "
            "(RFC 8301). Rotate to a 2048-bit key.",
        )
    elif parsed.bits > 4096:
        parsed.add(
            "DKIM-07",
            Status.WARN,
            f"The RSA key has {parsed.bits} bits; receivers only have to support up to "
            "4096 bits, so some may fail to verify.",
        )
    _settle(parsed)
    return parsed


# PEM armour around a key pasted whole ("-----BEGIN PUBLIC KEY-----" ... "-----END ...-----").
_PEM_ARMOUR = re.compile(r"-----(?:BEGIN|END)[A-Z0-9 ]*-----")
# Where one character-string of a zone-file line ends and the next begins ('..." "...'): a
# provider's two-string key pasted whole into one text field keeps it inside p=.
_STRING_BREAK = re.compile(r'"[ \t\r\n]*"')
_FWS = " \t\r\n"


def repaired_record(
    text: str, *, drop_testing: bool = False, new_key: str | None = None
) -> str | None:
    """The key record `text` with each defect whose repair is certain repaired, and every
    other choice kept as written (tag order, flags, notes): v=DKIM1 first and exact; PEM armour
    and white space out of p=; an Ed25519 key unwrapped from its SubjectPublicKeyInfo or given
    the k=ed25519 it lacks; k= in lower case; h= that allows SHA-1 or no known hash: left out
    where it lists SHA-1 but not SHA-256, in any case (the signer may still sign rsa-sha1;
    without h= the key verifies both while it switches, sha1_note), else h=sha256; s= that
    lists no service receivers use for mail, or several, left out (dkimpy compares a whole s= value as one string, so
    s=email:tlsrpt verifies nothing there, and a TLS-report key is better kept apart,
    tlsrpt_note). t=y (testing) stays unless `drop_testing` (DKIM-11 warns) removes it.
    With `new_key` (a placeholder for a key to copy again), p= is that, in the place of a missing
    or mangled key, and only the other tags are repaired.

    None when no record can be derived: the key must be replaced (it does not decode, is of a
    type receivers do not know, or is still refused, e.g. a 512-bit RSA key), or the intent is
    not plain (a tag given twice with different values, an element that is no tag=value pair).
    """
    tags: dict[str, str] = {}
    if (around := unquoted(text)) is not None:
        text = around.text  # the quotes it was published between are no part of it (DKIM-03)
    if (stray := _stray_quote(text)) is not None:
        text = stray.text  # nor are quotes at the ends of a value (a kept closing quote)
    last = ""
    for part in text.split(";"):
        if not part.strip(_FWS):
            continue  # an empty element ("; ;") carries nothing
        name, sep, value = part.partition("=")
        name, value = name.strip(_FWS), value.strip(_FWS)
        if not sep and last == "p" and _key_piece(tags["p"], part):
            # The rest of a key a ';' cut off (parse_tag_list): joined again; the key is
            # decoded below like any other, so a wrong join offers no record.
            tags["p"] += re.sub(r"[ \t\r\n]", "", part)
            continue
        if not sep or not _TAG_NAME_RE.match(name) or not _TAG_VALUE_RE.match(value):
            return None
        if name not in _KEY_TAGS and name.lower() in _KEY_TAGS:
            name = name.lower()  # 'P=' meant p= (DKIM-05 says tag names are case-sensitive)
        if name == "p":
            value = re.sub(r"[ \t\r\n]", "", _STRING_BREAK.sub("", _PEM_ARMOUR.sub("", value)))
        if tags.setdefault(name, value) != value:
            return None  # which value the owner meant is theirs to say (DKIM-03)
        last = name
    if "v" in tags:
        # A record at a selector whose v= begins with "DKIM" is meant as a key
        # (looks_like_key_record), and DKIM1 is the only version there is.
        tags["v"] = "DKIM1"
    key_type = tags.get("k", "rsa").lower()
    if key_type not in ("rsa", "ed25519"):
        return None
    if new_key is not None:
        tags["p"] = new_key  # where the owner wrote p=, else last
    else:
        der = _decode_base64(tags.get("p", ""))
        if not der:
            return None
        if der.startswith(_ED25519_SPKI_PREFIX) and len(der) == 44:
            key_type, der = "ed25519", der[len(_ED25519_SPKI_PREFIX) :]
        elif key_type == "rsa" and len(der) == 32 and _load_rsa(der) is None:
            key_type = "ed25519"  # k= defaults to (or says) rsa, the key is plainly Ed25519
        tags["p"] = base64.b64encode(der).decode()
    # v= first (RFC 6376 §3.6.1), the other tags where the owner wrote them; a k= the record
    # lacked right after v=.
    order = [n for n in ("v",) if n in tags]
    if "k" not in tags and key_type != "rsa":
        order.append("k")
    order += [n for n in tags if n != "v"]
    if "k" in tags or key_type != "rsa":
        tags["k"] = key_type
    if "h" in tags:
        hashes = _hash_names(tags["h"])
        lowered = {h.lower() for h in hashes}
        # SHA-1 without SHA-256, in any case ('sha1', 'SHA1', which OpenDKIM reads as sha1):
        # left out, so the key verifies whichever the signer signs with while it switches
        # (h=sha256 would fail its rsa-sha1 signatures until then); no h= is also the plainer
        # record (RFC 6376 §3.6.1: every algorithm by default).
        if "sha1" in lowered and "sha256" not in lowered:
            del tags["h"]
        elif "sha256" not in hashes or "sha1" in lowered:
            # 'SHA256' (DKIM-09 warns: a known name in another case) becomes h=sha256, and
            # 'SHA1:sha256' too (DKIM-09 warns: SHA-1 to verifiers matching names without case).
            tags["h"] = "sha256"
    if "s" in tags:
        services = {s.strip() for s in tags["s"].split(":") if s.strip()}
        # Also a list of several (s=email:tlsrpt, valid RFC 6376): dkimpy then verifies
        # nothing; without s= the key serves every service, TLS reports included. 'EMAIL'
        # (DKIM-10 warns) is written in lower case.
        if not {"*", "email"} & {s.lower() for s in services} or len(services) > 1:
            del tags["s"]
        elif {s.lower() for s in services} == {"email"}:
            tags["s"] = "email"
    if "t" in tags and drop_testing:
        flags = [f.strip() for f in tags["t"].split(":") if f.strip() and f.strip() != "y"]
        if flags:
            tags["t"] = ":".join(flags)
        else:
            del tags["t"]
    record = "; ".join(f"{n}={tags[n]}" for n in order if n in tags)
    # A placeholder is no base64 (DKIM-06): every other tag must still be one receivers take.
    placeholder = {"DKIM-06"} if new_key is not None else set()
    problems = parse_key_record(record).problems
    if any(p.status == Status.FAIL and p.check_id not in placeholder for p in problems):
        return None
    return record


def _services(parsed: ParsedKey) -> set[str]:
    """The services s= names, in lower case: 'TLSRPT' is tlsrpt to verifiers matching names
    without case (DKIM-10)."""
    return {s.strip().lower() for s in parsed.tags.get("s", "").split(":") if s.strip()}


def sha1_note(parsed: ParsedKey) -> str:
    """What a fix changing an h= that lists SHA-1 says first: once it is published, a verifier
    enforcing h= rejects rsa-sha1 signatures, so the signer must not be signing them."""
    hashes = _hash_names(parsed.tags.get("h", ""))
    # 'SHA1' too: sha1 to verifiers matching names without case (DKIM-09), and
    # repaired_record changes every h= naming it in any case ('SHA1:sha256' to h=sha256).
    if "sha1" not in {h.lower() for h in hashes}:
        return ""
    if parsed.key_type == "ed25519":
        return ""  # an Ed25519 key only ever signs ed25519-sha256
    return (
        "First make sure your mail's DKIM-Signature says a=rsa-sha256 (switch the signer if it "
        "says rsa-sha1); then publish:\n"
    )


def tlsrpt_note(parsed: ParsedKey) -> str:
    """What a fix leaving out an s= that named TLS reports adds."""
    if "tlsrpt" not in _services(parsed):
        return ""
    return (
        "\nIf this key also signs TLS reports, give those their own selector with s=tlsrpt "
        "(RFC 8460 §3)."
    )


@dataclass
class SelectorResult:
    selector: str
    name: str
    answer: DnsAnswer
    records: list[str]  # TXT records that look like DKIM key records
    parsed: ParsedKey | None = None
    # The other TXT records at the name: §3.6.2.2 leaves an RRset of several records undefined.
    others: list[str] = field(default_factory=list)
    # A guessed selector answered by the wildcard (DkimKeys.wildcard): same records, same
    # aliases. Never set for a selector the owner gave, which is judged as theirs.
    from_wildcard: bool = False

    @property
    def found(self) -> bool:
        return bool(self.records)

    @property
    def ambiguous(self) -> bool:
        """Several TXT records at the selector that verifiers may read differently: RFC 6376
        §3.6.2.2 leaves the result undefined (DKIM-02 fails it) and a verifier reads one of
        them (dkimpy the first the resolver returns), so a key there verifies only some of the
        time. Not for records holding one usable key alike (written twice): every verifier
        that reads one verifies with it, and OpenDKIM refuses them (usable_twins, s45q); nor for one key alike with v=DKIM1 after other tags in each (lenient_twins,
        s45k); nor for a lone key record beside others whose v= is not DKIM1, discarded
        whatever the RRset (discarded_whatever_the_rrset), or a key split over the records
        (split)."""
        if len(self.records) + len(self.others) < 2:
            return False
        if self.others:
            # A lone key record every verifier that reads v= discards is unusable whatever
            # stands beside it, as DKIM-02 says (discarded_whatever_the_rrset, task s45k).
            # Nor a key split over the records (split): no verifier reads it whole.
            return self.parsed is None or not (
                discarded_whatever_the_rrset(self.parsed) or self.split
            )
        if self.lenient_twins:
            return False
        parsed = [parse_key_record(text) for text in self.records]
        return not all(p.usable for p in parsed) or len({_key_of(p) for p in parsed}) > 1

    @property
    def split(self) -> bool:
        """A key split over the key record and the other TXT records at the selector
        (_joined_key, DKIM-02 gives the record joined): no verifier reads it whole (OpenDKIM
        refuses the answer, dkimpy and rspamd read one piece), so it is unusable, not
        usable by chance (task s45k)."""
        return (
            self.parsed is not None
            and bool(self.others)
            and not discarded_whatever_the_rrset(self.parsed)
            and bool(_joined_key(self))
        )

    @property
    def usable_twins(self) -> bool:
        """Several key records and nothing else at the selector, each usable and holding one
        key alike (written twice). dkimpy and rspamd use that key whichever record they read,
        but OpenDKIM refuses any answer of several TXT records (dkim_get_key_dns returns
        DKIM_STAT_MULTIDNSREPLY, "multiple DNS replies") and verifies nothing there, so it is
        no key DMARC-18 can count on (task s45q); not ambiguous either."""
        if len(self.records) < 2 or self.others:
            return False
        parsed = [parse_key_record(text) for text in self.records]
        return all(p.usable for p in parsed) and len({_key_of(p) for p in parsed}) == 1

    @property
    def lenient_twins(self) -> bool:
        """Several key records and nothing else at the selector, holding one key alike, each
        with v=DKIM1 after other tags as its only fault (ParsedKey.lenient). Not by chance
        (task s45k): whichever record dkimpy (the first) or rspamd (the first holding p=)
        reads, it is that key, which both use; OpenDKIM refuses any answer of several TXT
        records ("multiple DNS replies", dkim_get_key_dns) and a verifier holding to RFC
        6376 §3.6.1 discards each record. DMARC-18 names them with the lone ones
        (dmarc._lenient_keys)."""
        if len(self.records) < 2 or self.others:
            return False
        parsed = [parse_key_record(text) for text in self.records]
        return all(p.lenient for p in parsed) and len({_key_of(p) for p in parsed}) == 1

    def same_answer(self, other: SelectorResult) -> bool:
        return (
            sorted(self.records) == sorted(other.records)
            and sorted(self.others) == sorted(other.others)
            and self.answer.cnames == other.answer.cnames
        )


@dataclass
class DkimKeys:
    selectors: list[str]
    results: list[SelectorResult]
    # Providers named by the MX hosts or SPF includes, whose selectors were tried first.
    providers: list[str] = field(default_factory=list)
    # The key record(s) a selector nobody uses answers (WILDCARD_PROBE_PREFIX): a wildcard.
    wildcard: SelectorResult | None = None

    @property
    def found(self) -> bool:
        """At least one selector publishes a key record that every verifier reads alike and
        can use: not one of several records whose result is undefined (ambiguous, DKIM-02),
        nor a lone record DKIM fails (revoked, a p= that is no key, an unknown k=: not
        usable, s44k), which DMARC-18 cannot count on for an aligned DKIM pass. Records
        holding one key alike with v=DKIM1 after other tags (lenient_twins, s45k) do not
        count, nor, since
        OpenDKIM refuses any selector answering several TXT records (s45q), records holding
        one usable key alike (usable_twins)."""
        return any(
            r.found
            and not r.ambiguous
            and not r.lenient_twins
            and not (r.usable_twins and not r.from_wildcard)  # DMARC-18 names own ones
            and (r.parsed is None or r.parsed.usable)
            for r in self.results
        )

    @property
    def failed(self) -> list[SelectorResult]:
        return [r for r in self.results if r.answer.failed]


def selector_of(text: str) -> str:
    """The selector in a selector the owner gave ("" for none).

    Values saved before the selectors form took the selector out of a record name may hold
    `selector1._domainkey` or `selector1._domainkey.example.org` (a provider's instructions
    show the record name); as they are, they would be looked up at
    selector1._domainkey._domainkey.<domain> and never found. The `_domainkey` label and
    anything after it are dropped here, so such rows work without rewriting them.
    """
    labels = text.strip().strip(".").lower().split(".")
    if "_domainkey" in labels:
        labels = labels[: labels.index("_domainkey")]
    return ".".join(labels)


def given_selectors(ctx: CheckContext) -> list[str]:
    """The owner's selectors, each as a selector, in the order given, without repeats."""
    return list(dict.fromkeys(s for s in map(selector_of, ctx.config.dkim_selectors) if s))


def _brand(name: str, extra_public_suffixes: tuple[str, ...]) -> str:
    """The registrable label of a host name ("zoho" for mx.zoho.com.au), '' for none."""
    name = normalize(name)
    if not name or "%" in name:  # an SPF macro names no host
        return ""
    org = organizational_domain(name, extra_public_suffixes)
    return org.split(".", 1)[0] if "." in org else ""


def providers_of(
    mx_hosts: list[str], spf_targets: list[str], extra_public_suffixes: tuple[str, ...] = ()
) -> list[Provider]:
    """The providers whose MX hosts or SPF include targets the domain names, in table order."""
    brands = {_brand(n, extra_public_suffixes) for n in [*mx_hosts, *spf_targets]} - {""}
    return [p for p in PROVIDER_SELECTORS if brands & set(p.brands)]


_SPF_TARGET = re.compile(r"^[+?~-]?(?:include:|redirect=)(\S+)$", re.IGNORECASE)


async def _providers(ctx: CheckContext) -> list[Provider]:
    """The providers the domain's MX and top-level SPF record name. The same two queries the
    MX and SPF checks ask (the run's cache shares them); nested includes are not followed,
    as each level would add a round trip before the first selector could be asked."""
    mx, txt = await asyncio.gather(
        ctx.dns.query(ctx.domain, "MX"), ctx.dns.query(ctx.domain, "TXT")
    )
    hosts = [
        normalize(r.exchange.to_text())  # type: ignore[attr-defined]
        for r in ([] if mx.failed else mx.records)
        if hasattr(r, "exchange")
    ]
    targets = [
        match.group(1)
        for text in ([] if txt.failed else txt.texts())
        if text.lower().startswith("v=spf1")
        for term in text.split()
        if (match := _SPF_TARGET.match(term))
    ]
    return providers_of(hosts, targets, ctx.config.extra_public_suffixes)


def selectors_for(ctx: CheckContext, providers: list[Provider] | None = None) -> list[str]:
    """The owner's selectors, then the named providers' ones, then the common list; the
    guessed ones bounded by MAX_GUESSED_SELECTORS (the owner's are never cut)."""
    given = given_selectors(ctx)
    hinted = [s for p in providers or [] for s in p.selectors]
    guessed = [s for s in dict.fromkeys([*hinted, *COMMON_SELECTORS]) if s not in given]
    return [*given, *guessed[:MAX_GUESSED_SELECTORS]]


async def get_keys(ctx: CheckContext) -> DkimKeys:
    async def load() -> DkimKeys:
        def name_of(selector: str) -> str:
            return f"{selector}._domainkey.{ctx.domain}"

        def result_of(selector: str, name: str, answer: DnsAnswer) -> SelectorResult:
            texts = [] if answer.failed else answer.texts()
            records = [t for t in texts if looks_like_key_record(t)]
            others = [t for t in texts if t not in records]
            result = SelectorResult(selector, name, answer, records, others=others)
            if len(records) == 1:
                result.parsed = parse_key_record(records[0])
            return result

        # The common names (and the wildcard probe) are asked at once, while the MX and SPF
        # answers that may add a provider's selectors come in: a hinted provider costs one
        # more round trip only for names not already asked, and none when it names no provider.
        probe = WILDCARD_PROBE_PREFIX + secrets.token_hex(4)
        early = asyncio.gather(
            ctx.dns.query(name_of(probe), "TXT"),
            *(ctx.dns.query(name_of(s), "TXT") for s in selectors_for(ctx)),
        )
        try:
            providers = await _providers(ctx)
        finally:
            probe_answer, *_ = await early
        selectors = selectors_for(ctx, providers)
        names = [name_of(s) for s in selectors]
        answers = await asyncio.gather(*(ctx.dns.query(n, "TXT") for n in names))
        results = [
            result_of(selector, name, answer)
            for selector, name, answer in zip(selectors, names, answers, strict=True)
        ]
        wildcard = result_of(probe, name_of(probe), probe_answer)
        if not wildcard.found:
            return DkimKeys(selectors, results, [p.name for p in providers])
        given = set(given_selectors(ctx))
        for result in results:
            result.from_wildcard = (
                result.found and result.selector not in given and result.same_answer(wildcard)
            )
        return DkimKeys(selectors, results, [p.name for p in providers], wildcard)

    return await ctx.once("dkim:keys", load)


def _aliased_to_nothing(result: SelectorResult) -> bool:
    """The selector's name is an alias (CNAME) whose target cleanly holds no record at all
    (NXDOMAIN or NODATA), as _not_a_key words it; not a failed lookup, not a wildcard's."""
    answer = result.answer
    return (
        bool(answer.cnames)
        and answer.empty
        and not answer.failed
        and not result.others
        and not result.from_wildcard
    )


def _alias_org(ctx: CheckContext, result: SelectorResult) -> str:
    """Where the selector's alias leads: the name it leads to less its first label, the zone a
    provider publishes one customer's keys in (Microsoft 365's _domainkey.<tenant>.onmicrosoft
    .com, SendGrid's domainkey.u<n>.wl<n>.sendgrid.net, Mailchimp's mcsv.net), or the
    organisational domain when that is all there is; '' without an alias. The organisational
    domain alone (onmicrosoft.com) lumped one tenant's keys with another's (s48r4)."""
    if not result.answer.cnames:
        return ""
    target = result.answer.cnames[-1]
    org = organizational_domain(target, ctx.config.extra_public_suffixes)
    parent = target.split(".", 1)[1] if "." in target else target
    return parent if parent.endswith("." + org) or parent == org else org


def _dangling_aliases(
    ctx: CheckContext, out: Collector, results: list[SelectorResult], found: list[SelectorResult]
) -> None:
    """DKIM-01 info for each common selector (not one the owner gave) whose name is an alias of
    a name holding no record (s48b: Microsoft 365's selector1/selector2 published before DKIM
    signing is on in the tenant): the CNAME is the owner's record, so it is named. Keys behind
    aliases into the same provider's zone for the domain mean signing is on already."""
    for result in results:
        if not _aliased_to_nothing(result):
            continue
        zone = _alias_org(ctx, result)
        keyed = [
            r.selector
            for r in found
            if r.parsed is not None and r.parsed.usable and _alias_org(ctx, r) == zone
        ]
        out.add(
            "DKIM-01",
            Status.INFO,
            f"No DKIM key is published for the selector '{result.selector}'."
            + _not_a_key(result, keyed),
            subject=result.name,
            evidence={"dns": result.answer.evidence()},
        )


def _not_a_key(result: SelectorResult, keyed: list[str] | None = None) -> str:
    """What stands at a given selector's name when it is not a key: a selector CNAMEd to the
    wrong name of a provider (its SPF record, its verification token) reads 'no key' by RFC
    6376 §3.6.1, and without this the owner is left looking for a record that is missing.
    Or the name is an alias of a provider's name that holds nothing (Microsoft 365 publishes
    selector2's key only at the first rotation): the owner's CNAME may be right. `keyed`:
    the selectors that hold a key, where signing is evidently on already."""
    if not result.others:
        if not result.answer.cnames or not result.answer.empty:
            return ""
        target = result.answer.cnames[-1]
        if keyed:
            # Signing is on (another selector holds a key): "turn it on" would send the owner
            # after a setting that is already right, for a name that fills at a rotation.
            return (
                f" Its name is an alias of {target}, which holds no TXT record: if that is "
                "the name your mail provider gave, it has not published a key there yet. "
                "Providers that sign with two selectors in turn may publish the second key "
                "only when they rotate keys (Microsoft 365 does so for selector2), so while "
                f"{', '.join(f'{s!r}' for s in keyed)} {'holds' if len(keyed) == 1 else 'hold'} "
                "your key there is nothing to do; "
                "otherwise point the alias at the name it gives."
            )
        return (
            f" Its name is an alias of {target}, which holds no TXT record: "
            "if that is the name your mail provider gave, the provider has not published the "
            "key there yet (turn DKIM signing on in its settings); otherwise point the alias "
            "at the name it gives."
        )
    text = result.others[0]
    shown = text if len(text) <= 60 else text[:57] + "..."
    alias = f" (an alias of {result.answer.cnames[-1]})" if result.answer.cnames else ""
    return (
        f" Its name{alias} holds a TXT record that is not a DKIM key ('{shown}'): the "
        "selector may point at the wrong name; publish the key there, or point it at the "
        "name your mail provider gives for the key."
    )


async def _at_doubled_name(
    ctx: CheckContext, keys: DkimKeys, selector: str
) -> tuple[str, str] | None:
    """(words, fix) for a given selector whose key sits at <selector>._domainkey.<d>.<zone>:
    the full name typed into a DNS panel that appends the zone's name, as MX targets and DMARC
    records are (mx.doubled_suffix_target, DMARC-04). The zone is <d> or a parent up to the
    organisational domain (a subdomain kept in its parent's zone), nearest first, as
    spf.find_undotted walks them for DMARC-04: one TXT lookup per zone, and one wildcard probe
    per name that holds a key. Receivers look only at <selector>._domainkey.<d> (RFC 6376
    §3.6.2.1), so the key is moved there. None when nothing key-like stands there, when a
    wildcard answers (under the domain, or at the doubled name: its record is not the owner's
    key), or when the lookup failed (which claims nothing)."""
    if keys.wildcard is not None:
        return None
    meant = f"{selector}._domainkey.{ctx.domain}"
    owner = f"{selector}._domainkey.{normalize(ctx.domain)}"
    undotted = await find_undotted(
        ctx, owner, lambda answer: [t for t in answer.texts() if looks_like_key_record(t)]
    )
    if undotted is None:
        return None
    doubled, records, _ = undotted
    if len(records) != 1:
        return None  # several: which to move is the owner's choice, DKIM-02's question there
    zone = doubled[len(owner) + 1 :]
    if zone == normalize(ctx.domain):
        panel, adds, typed = (
            "the DNS panel added the domain",
            "the domain",
            f"{selector}._domainkey",
        )
    else:
        # A subdomain kept in its parent's zone: that panel adds the parent's name.
        panel, adds, typed = (
            f"the DNS panel of {zone} added '{zone}'",
            f"'{zone}'",
            owner[: -len(zone) - 1],
        )
    return (
        f" The key for '{selector}' is published at {doubled}, where receivers never look: "
        f"{panel} to a name that already ended in it. Publish the key at {meant} (in a panel "
        f"that adds {adds}, enter '{typed}') and delete the other record.",
        f"{txt_fix(meant, records[0])}\n"
        f"Delete the record at {doubled}, where receivers never look: "
        f"{txt_fix(doubled, records[0])}",
    )


def few(names: list[str], shown: int = 6) -> str:
    """A few names of a long list: a check tries up to 30 selectors, too many for a sentence."""
    rest = len(names) - shown
    return ", ".join(names[:shown]) + (f" and {rest} more" if rest > 0 else "")


def _evidence(result: SelectorResult) -> dict[str, Any]:
    data: dict[str, Any] = {"dns": result.answer.evidence()}
    if result.parsed is not None:
        data["key_type"] = result.parsed.key_type
        if result.parsed.bits:
            data["bits"] = result.parsed.bits
    return data


async def _sends_no_mail(ctx: CheckContext) -> str:
    """Why a domain without a DKIM key needs none, for DKIM-01: it publishes a null MX, so it
    takes no mail and SHOULD NOT send any (RFC 7505 §4.2), and nothing says it sends anyway
    (mx.sending_signs: no SPF record authorising senders, no BIMI record). Asking such a
    domain to find the selector its mail provider signs with would contradict SPF-18's
    'v=spf1 -all' and DMARC-18's info (7c11109). '' otherwise, and when its SPF lookup failed
    or it publishes several SPF records (nothing then says whom it authorises)."""
    from checks import mx, spf  # at run time: mx reads this module's keys

    if not mx.is_null_mx(await ctx.dns.query(ctx.domain, "MX")):
        return ""
    record = await spf.get_record(ctx)
    if record.failed or (record.exists and record.record is None):
        return ""
    signs, _ = await mx.sending_signs(ctx)
    if signs:
        return ""
    spf_words = (
        f"its SPF record authorises no sender ('{record.record}')"
        if record.record is not None
        else "it has no SPF record"
    )
    return (
        f"{ctx.domain} publishes a null MX and {spf_words}: a domain that takes no mail "
        "should send none (RFC 7505 §4.2), and one that sends no mail needs no DKIM key."
    )


async def _selector_loops(ctx: CheckContext, failed: list[SelectorResult]) -> list[list[str]]:
    """The CNAME loop each failed selector lookup met (dns.cname_loop), [] where none.

    A SERVFAIL may be a loop, read one alias at a time; but a lame or bogus _domainkey
    subtree fails every selector tried (up to 30), and a CNAME question for each would ask
    it 30 more times. The first SERVFAIL's CNAME question stands for the others: when it
    fails too, the subtree answers nothing and no more is asked (each selector keeps its
    "could not check"); when it is answered, each failed selector is read, concurrently, and
    the aliases that chains share are asked once (the run's DNS cache)."""
    servfail = [r for r in failed if r.answer.rcode == "SERVFAIL"]
    if servfail and (await ctx.dns.query(servfail[0].name, "CNAME")).failed:
        # A loop passed on with NOERROR (CNAMELOOP) is in its answer: no question.
        return [
            await cname_loop(ctx.dns, r.answer) if r.answer.rcode == "CNAMELOOP" else []
            for r in failed
        ]
    return list(await asyncio.gather(*(cname_loop(ctx.dns, r.answer) for r in failed)))


async def evaluate(ctx: CheckContext) -> list[Finding]:
    out = Collector(MECHANISM)
    keys = await get_keys(ctx)
    tried = few(keys.selectors)
    # The same selectors as were looked up, so "the selector you gave" names them.
    given = set(given_selectors(ctx))
    # The selectors a wildcard answers are said once (_wildcard_words), not as keys of their own.
    wild = [r for r in keys.results if r.from_wildcard]
    found = [r for r in keys.results if r.found and not r.from_wildcard]
    loops = await _selector_loops(ctx, keys.failed)
    for result, loop in zip(keys.failed, loops, strict=True):
        if loop:
            # Still "could not check" (a SERVFAIL is never a fail), but the owner is told what
            # every verifier meets (RFC 1034 §3.6.2) and where to mend it.
            out.add(
                "DKIM-01",
                Status.ERROR,
                f"Could not look up the DKIM selector '{result.selector}': {loop[0]} is a "
                f"CNAME loop ({' -> '.join(loop)}). Resolvers answer such a loop with an "
                "error, so no receiver can verify mail signed with this selector either; "
                "it was not checked.",
                subject=result.name,
                evidence={"dns": result.answer.evidence(), "cname_loop": loop},
                fix=f"Delete the CNAME record at {loop[0]}, then publish the selector's key "
                "there (v=DKIM1; k=rsa; p=<the public key>), or a CNAME to the name your mail "
                "provider gives for it.",
            )
            continue
        out.add(
            "DKIM-01",
            Status.ERROR,
            f"Could not look up the DKIM selector '{result.selector}' "
            f"({result.answer.describe_failure()}); it was not checked.",
            subject=result.name,
            evidence={"dns": result.answer.evidence()},
        )
    if not found and wild and keys.wildcard is not None:
        out.add(
            "DKIM-01",
            Status.INFO,
            _wildcard_words(ctx.domain, keys, wild, []),
            subject=f"*._domainkey.{ctx.domain}",
            evidence=_wildcard_evidence(keys, wild),
        )
        _judge_wildcard(out, keys.wildcard, ctx.domain, {r.selector for r in wild})
        return out.findings
    if not found:
        # A failed lookup (the errors above) says nothing about absence: speak only of the
        # selectors that were answered, and not at all when none was.
        checked = [r.selector for r in keys.results if not r.answer.failed]
        if checked:
            where = (
                f"any of the {len(checked)} selectors tried ({few(checked)})"
                if not keys.failed
                else f"any of the {len(checked)} selectors that could be looked up "
                f"({few(checked)}; {len(keys.failed)} could not be checked)"
            )
            if keys.providers:
                where += f", first those {' and '.join(keys.providers)} documents"
            named = [s for s in checked if s in given]
            # Only when every selector the owner gave answered: one that timed out may be the
            # key, and a timeout must never read as "not deployed".
            if named and not any(r.selector in given for r in keys.failed):
                # The owner told us they sign with these: no key means every signature fails.
                # Info, as the checklist has it for every DKIM-01; the score reads
                # `given_without_key` and counts DKIM as not deployed (docs/scoring.md).
                # What stands at those names instead (a verification token, another TXT, an
                # alias of an empty name) is said as when another selector has a key.
                standing = "".join(
                    (f" '{r.selector}':" if len(named) > 1 else "") + words
                    for r in keys.results
                    if r.selector in named and (words := _not_a_key(r))
                )
                doubled = [moved for s in named if (moved := await _at_doubled_name(ctx, keys, s))]
                out.add(
                    "DKIM-01",
                    Status.INFO,
                    "No DKIM key is published for the "
                    f"{noun_for(len(named), 'selector')} you gave ({', '.join(named)}), so "
                    "receivers cannot verify mail signed with "
                    f"{noun_for(len(named), 'it', 'them')}. Publish the key your mail provider "
                    f"gives you, or correct the {noun_for(len(named), 'selector')}."
                    + standing
                    + "".join(words for words, _ in doubled),
                    fix="\n".join(fix for _, fix in doubled),
                    subject=ctx.domain,
                    evidence={
                        "selectors_tried": keys.selectors,
                        "selectors_answered": checked,
                        "given_without_key": named,
                    },
                )
                return out.findings
            parked = await _sends_no_mail(ctx)
            out.add(
                "DKIM-01",
                Status.INFO,
                f"No DKIM key was found at {where}. "
                + (
                    parked
                    or "DKIM keys cannot be listed from DNS, so this does not mean DKIM is "
                    "missing: your mail provider may sign with a selector of its own. Find it "
                    "as the s= value in the DKIM-Signature header of a message you sent; if you "
                    "monitor this domain in mailsec, add it under 'DKIM selectors' on the "
                    "domain's page and the next check looks it up."
                ),
                subject=ctx.domain,
                evidence={
                    "selectors_tried": keys.selectors,
                    "selectors_answered": checked,
                    "providers": keys.providers,
                    **({"sends_no_mail": True} if parked else {}),
                },
            )
            if not parked:
                # The aliases of empty names at common selectors, as beside a key (s48r4: a
                # new Microsoft 365 tenant's selector1/selector2 before signing is on, with no
                # other key, went unnamed, where the owner most needs to hear of them).
                _dangling_aliases(
                    ctx, out, [r for r in keys.results if r.selector not in given], []
                )
        return out.findings
    summary = (
        f"{noun_for(len(found), 'DKIM key')} found for {noun_for(len(found), 'selector')} "
        f"{', '.join(r.selector for r in found)} "
        f"({len(keys.selectors)} tried: {tried})."
    )
    evidence: dict[str, Any] = {
        "selectors_tried": keys.selectors,
        "found": [r.name for r in found],
        "providers": keys.providers,
    }
    if wild and keys.wildcard is not None:
        signers = [r.selector for r in found]
        summary += " " + _wildcard_words(ctx.domain, keys, wild, signers)
        evidence |= _wildcard_evidence(keys, wild)
    out.add("DKIM-01", Status.INFO, summary, subject=ctx.domain, evidence=evidence)
    if wild and keys.wildcard is not None:
        _judge_wildcard(out, keys.wildcard, ctx.domain, {r.selector for r in keys.results})
    for result in keys.results:
        if result.from_wildcard:
            continue
        if not result.found:
            if result.selector in given and not result.answer.failed:
                moved = await _at_doubled_name(ctx, keys, result.selector)
                out.add(
                    "DKIM-01",
                    Status.INFO,
                    f"No DKIM key is published for the selector '{result.selector}' you gave."
                    + _not_a_key(
                        result,
                        [r.selector for r in found if r.parsed is not None and r.parsed.usable],
                    )
                    + (moved[0] if moved else ""),
                    fix=moved[1] if moved else "",
                    subject=result.name,
                    evidence={"dns": result.answer.evidence()},
                )
            else:
                _dangling_aliases(ctx, out, [result], found)
            continue
        # A new selector a rotation suggests must not be one that already holds a key.
        taken = {r.selector for r in keys.results if r.found}
        _judge(out, result, taken)
    usable = [r for r in found if r.parsed is not None and r.parsed.usable]
    if usable and all(r.parsed is not None and r.parsed.key_type == "ed25519" for r in usable):
        # Named, so the owner knows which signer to give an RSA key beside it.
        selectors = [r.selector for r in usable]
        out.add(
            "DKIM-08",
            Status.INFO,
            f"Only Ed25519 keys were found (selector{'s' if len(selectors) > 1 else ''} "
            f"{', '.join(selectors)}); many receivers "
            "cannot verify Ed25519 yet, so also sign with an RSA key (RFC 8463 §6).",
            subject=ctx.domain,
            evidence={"ed25519_selectors": selectors},
        )
    return out.findings


def _wildcard_words(
    domain: str, keys: DkimKeys, wild: list[SelectorResult], signers: list[str]
) -> str:
    """DKIM-01's words for the selectors the wildcard (keys.wildcard) answers; `signers`: the
    selectors with a record of their own."""
    wildcard = keys.wildcard
    assert wildcard is not None
    name = f"*._domainkey.{domain}"
    record = wildcard.records[0] if len(wildcard.records) == 1 else "several records"
    shown = record if len(record) <= 60 else record[:57] + "..."
    count, tried = len(wild), len(keys.selectors)
    rest = tried - len(signers)
    if count == rest:
        which = (
            (f"All {count} selectors tried" if count > 1 else "The selector tried")
            if not signers
            else (f"The other {count} selectors tried" if count > 1 else "The other selector tried")
        )
    else:  # some could not be looked up, or answered something else (said apart)
        which = f"{count} of the {tried} selectors tried"
    head = (
        f"{which} ({few([r.selector for r in wild])}) answer{'' if count > 1 else 's'} the "
        f"same record, '{shown}', "
        f"published as a wildcard at {name} (a selector name nobody uses, "
        f"{wildcard.selector}, answers it too)"
    )
    parsed = wildcard.parsed
    if parsed is not None and parsed.revoked:
        if not signers:
            return (
                f"{head}. With its empty p= every selector is revoked (RFC 6376 §3.6.1): no "
                f"DKIM signature of {domain} can verify, which is right for a domain that "
                "sends no mail."
            )
        return (
            f"{head}: with its empty p= every selector without a record of its own is revoked "
            f"(RFC 6376 §3.6.1), which leaves {', '.join(signers)} to sign."
        )
    return f"{head}: every selector name gets this one record, judged once as selector '*'."


def _wildcard_evidence(keys: DkimKeys, wild: list[SelectorResult]) -> dict[str, Any]:
    assert keys.wildcard is not None
    return {
        "selectors_tried": keys.selectors,
        "answered_by_wildcard": [r.selector for r in wild],
        "wildcard_probe": keys.wildcard.name,
        "wildcard_record": "; ".join(keys.wildcard.records),
        "dns": keys.wildcard.answer.evidence(),
    }


def _judge_wildcard(out: Collector, wildcard: SelectorResult, domain: str, taken: set[str]) -> None:
    """The wildcard's record judged once, as selector '*', unless it only revokes (DKIM-01
    said so): a broken or weak record there is every guessed selector's problem."""
    parsed = wildcard.parsed
    if parsed is not None and parsed.revoked and len(parsed.problems) == 1:
        return
    name = f"*._domainkey.{domain}"
    as_star = replace(wildcard, selector="*", name=name)
    _judge(out, as_star, taken)


def _judge(out: Collector, result: SelectorResult, taken: set[str]) -> None:
    subject = result.name
    if len(result.records) > 1:
        out.add(
            "DKIM-02",
            Status.FAIL,
            f"Selector '{result.selector}' has {len(result.records)} key records; the result is "
            f"undefined (RFC 6376 §3.6.2.2), and {_OPENDKIM_REFUSES}, even one key written "
            "twice. Keep exactly one.",
            subject=subject,
            evidence=_evidence(result),
            fix=_twin_fix(result),
        )
        return
    parsed = result.parsed
    if parsed is None:
        return
    shared = _shared_rrset(out, result)
    # A key split over several TXT records (DKIM-02): the record holding the tags carries only
    # the start of the key, so its own problems that joining cures (a cut-off p=) have that
    # cause, and "copy the key again" sent the owner after a key that was never wrong.
    joined = _joined_key(result) if shared else ""
    cured = (
        {p.check_id for p in parsed.problems}
        - {p.check_id for p in parse_key_record(joined).problems}
        if joined
        else set()
    )
    for problem in parsed.problems:
        message, fix = problem.message, _problem_fix(result, problem, taken)
        if problem.check_id in cured:
            count = len(result.others) + 1
            other = "the other TXT record" if count == 2 else f"the {count - 1} other TXT records"
            start = (
                "the record with the tags holds only the start of the key; the rest is in "
                f"{other} at the selector (DKIM-02)"
            )
            kind = "Ed25519" if parsed.key_type == "ed25519" else "RSA"
            message = (
                f"{start}. Read alone, its p= is no {kind} public key, so receivers cannot use it."
                if problem.check_id == "DKIM-06"
                else f"{problem.message} ({start})."
            )
            fix = (
                f"The fix is DKIM-02's: replace the {count} TXT records at "
                f"{_alias(result) or result.name} with the one record it gives; the key is "
                "whole once they are joined."
            )
        elif joined and problem.check_id == "DKIM-04":
            # A key split over records: the record DKIM-02 gives has v=DKIM1 first (s45k);
            # copying the key again would not join the pieces.
            fix = (
                f"The fix is DKIM-02's: replace the {len(result.others) + 1} TXT records at "
                f"{_alias(result) or result.name} with the one record it gives, which has "
                "v=DKIM1 first."
            )
        out.add(
            problem.check_id,
            problem.status,
            f"Selector '{result.selector}': {message}",
            subject=subject,
            evidence=_evidence(result),
            fix=fix,
        )
    if parsed.usable and not shared:
        size = f"{parsed.bits}-bit " if parsed.key_type == "rsa" and parsed.bits else ""
        kind = "RSA" if parsed.key_type == "rsa" else "Ed25519"
        out.add(
            "DKIM-06",
            Status.PASS,
            f"Selector '{result.selector}' publishes a valid {size}{kind} key.",
            subject=subject,
            evidence=_evidence(result),
        )
        if parsed.key_type == "rsa" and parsed.bits and 2048 <= parsed.bits <= 4096:
            out.add(
                "DKIM-07",
                Status.PASS,
                f"Selector '{result.selector}': the RSA key size ({parsed.bits} bits) is good.",
                subject=subject,
            )


def _joined_key(result: SelectorResult) -> str:
    """The key record and the other TXT records joined in the order that makes a usable key
    ('' when none does): a key split over several records instead of several strings of one
    record."""
    if not 0 < len(result.others) <= 3:
        return ""
    for rest in itertools.permutations(result.others):
        joined = result.records[0] + "".join(rest)
        whole = parse_key_record(joined)
        if whole.usable or whole.lenient:  # v=DKIM1 after other tags: DKIM-04's (s45k)
            return joined
    return ""


# OpenDKIM's dkim_get_key_dns returns DKIM_STAT_MULTIDNSREPLY ("multiple DNS replies") at a
# second TXT record in the answer, whatever the records hold, and verifies nothing with that
# selector (task s45q).
_OPENDKIM_REFUSES = (
    "receivers running OpenDKIM verify no signature with this selector while it has more "
    "than one TXT record"
)


def _shared_rrset(out: Collector, result: SelectorResult) -> bool:
    """DKIM-02 for a key record with other TXT records beside it; True when reported.

    RFC 6376 §3.6.2.2: "if there are multiple records in an RRset, the results are undefined":
    verifiers read one record (dkimpy the first the resolver returns, in no fixed order), so
    the key verifies only some of the time; OpenDKIM refuses the answer. Not said for a record
    verifiers discard anyway (v= other than DKIM1, DKIM-04), where the RRset makes no
    difference; said for v=DKIM1 after other tags, which most verifiers use
    (discarded_whatever_the_rrset, task s45k).
    """
    parsed = result.parsed
    if not result.others or parsed is None or discarded_whatever_the_rrset(parsed):
        return False
    joined = _joined_key(result)
    if joined:
        message = (
            f"Selector '{result.selector}': the key is split over {len(result.others) + 1} TXT "
            f"records, so no receiver reads it whole: {_OPENDKIM_REFUSES}, and others read "
            "only a piece of it. Publish it as one TXT record (a long key may be several "
            "strings inside that one record)."
        )
        record = repaired_record(joined) or joined
        # At an alias the records are the provider's (_publish says so), not the owner's.
        fix = (
            f"Replace the {len(result.others) + 1} TXT records at "
            f"{_alias(result) or result.name} with this one record (its strings are joined "
            f"without spaces):\n{_publish(result, record)}"
        )
    else:
        shown = "; ".join(repr(t[:60]) for t in result.others[:2])
        message = (
            f"Selector '{result.selector}' has {counted(len(result.others), 'other TXT record')} "
            f"beside the key ({shown}); with several records at a selector the result is "
            f"undefined (RFC 6376 §3.6.2.2): {_OPENDKIM_REFUSES}, whatever the others hold, and "
            "other receivers may read the wrong one. Keep only the key record."
        )
        fix = _delete(result, result.others)
    out.add(
        "DKIM-02",
        Status.FAIL,
        message,
        subject=result.name,
        evidence=_evidence(result),
        fix=fix,
    )
    return True


def _delete(result: SelectorResult, texts: list[str], head: str = "") -> str:
    """The records to delete at the selector; at an alias, where the provider publishes them:
    the owner's own name holds only the CNAME."""
    where = _alias(result) or result.name
    lines = [f"Delete this record: {txt_fix(where, text)}" for text in texts]
    if where != result.name:
        these = "this record" if len(texts) == 1 else "these records"
        head = (head + " " if head else "") + (
            f"{result.name} is an alias of {where}, where your mail provider publishes the "
            f"key: ask them to delete {these} at {where}."
        )
    return "\n".join([head, *lines] if head else lines)


def _keep_one(name: str, values: list[str]) -> str:
    """DKIM-03's words for a tag other than p= written more than once: the same value twice
    leaves nothing to choose (s41r: it read "of 'k=rsa' and 'k=rsa', keep the one you mean")."""
    distinct = list(dict.fromkeys(values))
    if len(distinct) == 1:
        return f"write '{name}={distinct[0]}' once"
    return "of " + series([f"'{name}={value}'" for value in distinct]) + ", keep the one you mean"


def _problem_fix(result: SelectorResult, problem: DkimProblem, taken: set[str]) -> str:
    """What to publish for one problem of a key record: the record with every repair its
    problems ask for (repaired_record), the same for each of them, so publishing any one fix
    clears them all; else the steps to a key receivers accept."""
    if problem.status not in (Status.FAIL, Status.WARN):
        return ""
    parsed = result.parsed
    assert parsed is not None
    if problem.check_id == "DKIM-07":
        # A key's size is no tag to edit: only a new key pair changes it.
        return _new_key_fix(result, taken)
    testing = any(p.check_id == "DKIM-11" and p.status == Status.WARN for p in parsed.problems)
    record = repaired_record(parsed.text, drop_testing=testing)
    if record is not None:
        return sha1_note(parsed) + _publish(result, record) + tlsrpt_note(parsed)
    # The key inside PEM armour is judged too: copying a 512-bit key again republishes a key
    # receivers refuse.
    bits = parsed.bits or parse_key_record(_PEM_ARMOUR.sub("", parsed.text)).bits
    if parsed.key_type not in ("rsa", "ed25519") or (bits or 1024) < 1024:
        short = (
            f"The key inside the armour has only {bits} bits, which receivers refuse (RFC 8301). "
            if parsed.bits is None and bits
            else ""
        )
        return short + _new_key_fix(result, taken)
    if problem.check_id == "DKIM-03":
        # Which of a repeated tag's values is meant is the owner's to say (s41a: 't=y' and
        # 't=s'); of several keys, the one the mail service signs with.
        pairs = [part.partition("=") for part in parsed.text.split(";")]
        named = [(n.strip(" \t\r\n"), v.strip(" \t\r\n")) for n, sep, v in pairs if sep]
        names = [n for n, _ in named]
        several_keys = (
            "of several p= values, keep the public key your mail service shows in its DKIM settings"
        )
        keep = [
            several_keys if name == "p" else _keep_one(name, [v for n, v in named if n == name])
            for name in dict.fromkeys(names)
            if names.count(name) > 1
        ] or [several_keys]
        return (
            f"Publish the record at {result.name} as tag=value pairs separated by ';', each "
            f"tag once; {'; '.join(keep)}."
        )
    return _copy_key_fix(result)


def _alias(result: SelectorResult) -> str:
    """The name the selector is an alias of ('' when it is none): a provider's key, which the
    owner's zone cannot hold beside the CNAME (RFC 1034 §3.6.2)."""
    return result.answer.cnames[-1] if result.answer.cnames else ""


def _publish(result: SelectorResult, record: str) -> str:
    target = _alias(result)
    if not target:
        return txt_fix(result.name, record)
    return (
        f"{result.name} is an alias of {target}, where your mail provider publishes the key: "
        f"ask them to publish it as\n{txt_fix(target, record)}"
    )


def _copy_key_fix(result: SelectorResult) -> str:
    """The public key in DNS is mangled, while the signer's private key is presumably right:
    copying it again from the sending service repairs the selector in place."""
    assert result.parsed is not None
    if target := _alias(result):
        return (
            f"{result.name} is an alias of {target}, where your mail provider publishes the "
            "key: ask them to republish it whole."
        )
    parsed = result.parsed
    # The owner's other tags (t=s, s=email, a note) stay, repaired as for a record with a key.
    testing = any(p.check_id == "DKIM-11" and p.status == Status.WARN for p in parsed.problems)
    record = repaired_record(parsed.text, drop_testing=testing, new_key="<the public key>")
    if record is None:
        record = f"v=DKIM1; k={parsed.key_type}; p=<the public key>"
    return (
        "Copy the public key from your mail service's DKIM settings again: only the base64 "
        "text, all of it, without '-----BEGIN' and '-----END' lines. Then publish:\n"
        + txt_fix(result.name, record)
        + tlsrpt_note(parsed)
    )


def _new_key_fix(result: SelectorResult, taken: set[str]) -> str:
    """The steps to a 2048-bit RSA key under a new selector: mail signed with the old key
    keeps verifying while the signer switches, and nothing is published over a live key."""
    if target := _alias(result):
        return (
            f"{result.name} is an alias of {target}, where your mail provider publishes the "
            "key: rotate to a 2048-bit RSA key in the provider's DKIM settings and follow "
            "their instructions (a new selector to publish, or the same alias kept)."
        )
    domain = result.name.split("._domainkey.", 1)[1]
    new = f"{result.selector}-2048"
    count = 2
    while new in taken:
        new, count = f"{result.selector}-2048-{count}", count + 1
    assert result.parsed is not None
    why = (
        "so mail signed with the old one still verifies while you switch"
        if result.parsed.usable
        else "so the old record can stay until nothing signs with it"
    )
    return "\n".join(
        [
            f"Replace the key under a new selector, {why}:",
            "1. In your mail service, generate a new 2048-bit RSA key.",
            f"2. Publish its public key under the selector {new}:",
            txt_fix(f"{new}._domainkey.{domain}", "v=DKIM1; k=rsa; p=<the new public key>"),
            f"3. Switch signing to the selector {new} and check that new mail verifies.",
            f"4. After a few days, delete the TXT record at {result.name}.",
        ]
    )


def _twin_fix(result: SelectorResult) -> str:
    """DKIM-02 for several key records at one selector: delete the ones receivers could not
    use anyway (not one with v=DKIM1 after other tags holding a key no usable record holds,
    s45k); when more than one is usable, which key signs is known only to the sender,
    unless they hold the same key and differ only in tags (_same_key_fix)."""
    parsed = [parse_key_record(text) for text in result.records]
    usable = [p for p in parsed if p.usable]
    if result.lenient_twins:
        # One key in each, each with v=DKIM1 after other tags (s45k): one record, v= first.
        keep = min(parsed, key=lambda p: (len(p.text), p.text))
        record = repaired_record(keep.text)
        if record is not None:
            head = (
                f"The {len(parsed)} records hold the same key, each with v=DKIM1 after other "
                "tags (DKIM-04), which a verifier holding to RFC 6376 §3.6.1 discards: "
                "replace them with one record with v=DKIM1 first."
            )
            return f"{_delete(result, [p.text for p in parsed], head)}\nThen publish:\n" + (
                _publish(result, record)
            )
    # A key with v=DKIM1 after other tags is used by most verifiers (s45f) and may be the one
    # that signs: deleted as unusable only beside a usable record of that key (s45k).
    keys = {_key_of(p) for p in usable}
    lenient = [p for p in parsed if p.lenient and _key_of(p) not in keys]
    if len(usable) == 1 and not lenient:
        return _delete(result, [p.text for p in parsed if not p.usable])
    if not lenient and (same := _same_key_fix(result, usable)):
        return same
    where = _alias(result) or result.name
    shown = "; ".join(
        f"{n}) {_describe_key(p)}{' with v=DKIM1 after other tags' if p.lenient else ''}"
        for n, p in enumerate(usable + lenient or parsed, start=1)
    )
    front = (
        " If the one you keep has v=DKIM1 after other tags, move v=DKIM1 to its front (DKIM-04)."
        if lenient
        else ""
    )
    text = (
        f"Keep the one record at {where} whose p= is the public key in your mail "
        f"service's DKIM settings, and delete the others. Published now: {shown}. If two "
        f"services sign with these keys, give each its own selector.{front}"
    )
    if where != result.name:
        text = (
            f"{result.name} is an alias of {where}, where your mail provider publishes the "
            f"key: ask them to keep only the one record there whose p= is the key they sign "
            f"with. Published now: {shown}."
        )
    return text


def _key_of(parsed: ParsedKey) -> str:
    return re.sub(r"[ \t\r\n]", "", parsed.tags.get("p", ""))


def _same_key_fix(result: SelectorResult, usable: list[ParsedKey]) -> str:
    """Usable records that hold one key and differ only in other tags (t=y in one of them):
    naming their keys would show the same key twice. The one with the fewest warnings (t=y,
    h= still allowing SHA-1) is kept, ties by the shorter record; the tags that differ are
    named."""
    if len(usable) < 2 or len({_key_of(p) for p in usable}) != 1:
        return ""
    names = dict.fromkeys(n for p in usable for n in p.order if n != "p")
    differ = [n for n in names if len({p.tags.get(n, "").strip(_FWS) for p in usable}) > 1]

    def tags_of(parsed: ParsedKey) -> str:
        return ", ".join(
            f"{n}={parsed.tags[n]}" if n in parsed.tags else f"no {n}=" for n in differ
        )

    def warnings(parsed: ParsedKey) -> int:
        return sum(p.status == Status.WARN for p in parsed.problems)

    keep = min(usable, key=lambda p: (warnings(p), len(p.text), p.text))
    others = "s" if len(usable) > 2 else ""
    if not differ:
        # Written twice (by a panel and by hand): no tag to name, only the spelling differs.
        head = (
            f"The {len(usable)} records hold the same key with the same tags and differ only "
            f"in spacing or the order of the tags, so they work the same: keep one and delete "
            f"the other{others}."
        )
        return _delete(result, [p.text for p in usable if p is not keep], head)
    shown = "; ".join(f"{n}) {tags_of(p)}" for n, p in enumerate(usable, start=1))
    why = (
        "without the warnings of the other" + ("s" if len(usable) > 2 else "")
        if warnings(keep) < max(warnings(p) for p in usable)
        else "they work the same"
    )
    head = (
        f"The {len(usable)} records hold the same key and differ only in "
        f"{', '.join(f'{n}=' for n in differ)} ({shown}). Keep the one with {tags_of(keep)} "
        f"({why}) and delete the other{'s' if len(usable) > 2 else ''}."
    )
    return _delete(result, [p.text for p in usable if p is not keep], head)


def _describe_key(parsed: ParsedKey) -> str:
    size = f"{parsed.bits}-bit " if parsed.bits and parsed.key_type == "rsa" else ""
    kind = {"rsa": "RSA", "ed25519": "Ed25519"}.get(parsed.key_type, parsed.key_type)
    p = _key_of(parsed)
    return (
        f"a {size}{kind} key whose p= ends '{p[-16:]}'" if p else f"a {kind} record without a key"
    )
