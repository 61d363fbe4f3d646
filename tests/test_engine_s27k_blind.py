"""Blind round s27k: DKIM key records (checklist §5, DKIM-01 to DKIM-12).

Chosen because DKIM had few blind cases: 40 uses of its 12 rule ids in tests/*blind*.

Key records written as admins and providers publish them, each at the selector the owner
gives (config.dkim_selectors): RSA keys of 512, 768, 1024, 1536, 2048 and 4096 bits; p= split
over character-strings and with white space inside; an empty p= (revoked); no p=; p= twice;
k=ed25519 with its 32-byte key, SPKI-wrapped, with a 64-byte key and without k=;
h=sha1, h=sha1:sha256; t=y, t=s, t=y:s; unknown tags; n= notes; s=email, s=*,
s=tlsrpt; v= not first, v=DKIM2, upper-case tag names; PEM armour; a PKCS#1
RSAPublicKey; a key cut at 255 characters; a trailing ';' and spaces around '=' and ';'; a
CNAME to a provider's key, and one to a name the provider never created; a selector holding a
non-DKIM TXT; two key records, and a key beside another TXT, at one selector; SERVFAIL and
timeout.

The expectations were written from RFC 6376 §3.2, §3.6.1, §3.6.2.2 (and erratum 3017), RFC
8301 §3.1-3.2, RFC 8463 §4.2 and §6 and checklist §5 before the engine ran on any of them
(785252a).

Result of the first run: the 3 planted wrong expectations (rsa-1024-google-legacy DKIM-07
pass, p-empty-revoked DKIM-05 fail, t-s DKIM-11 warn) failed and were removed; 38 cases held
as written, no expectation corrected. Two disagreed, and RFC 6376 sided with the round:
upper-case-tags ('V=DKIM1; K=rsa; P=...') was taken for no key record and read "No DKIM key
is published" (info), where §3.2 makes 'P=' no p=, so receivers PERMFAIL: it now fails
DKIM-05 naming the capitals, with the lower-case record as the fix; non-dkim-txt did not name
the verification token standing at the owner's selector when no selector had a key. Reading
the texts, cname-dangling did not name the empty provider name its CNAME points at. All three
fixed in checks/dkim.py with the tests at the end of this file (bc9cb1a, 461d7c3).

Each case runs checks.dkim.evaluate against an in-memory resolver (tests.test_spf.FakeDns,
with CNAMEs followed as in tests/test_engine_s26c_blind.py). A case lists:
  expect: (check ID or '*', status or statuses, words the finding's summary or fix must contain);
  never:  (check ID, statuses) that must not be reported;
  never_words: words no finding may say;
  no_fail: no DKIM finding may be `fail`.
"""

from __future__ import annotations

import base64
import functools
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

from checks import dkim
from checks.findings import Finding
from tests.blind_engine import E, N, reading_problems, run_engine
from tests.test_spf import published


def _der(key: rsa.RSAPublicKey, *, pkcs1: bool = False) -> str:
    fmt = (
        serialization.PublicFormat.PKCS1
        if pkcs1
        else serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return base64.b64encode(key.public_bytes(serialization.Encoding.DER, fmt)).decode()


@functools.cache
def rsa_key(bits: int, *, pkcs1: bool = False) -> str:
    """The base64 DER of an RSA public key of `bits` bits. Under 1024 bits cryptography
    refuses to generate a pair, so the public key is built from an odd modulus of that size:
    a verifier only reads the modulus length and exponent."""
    if bits >= 1024:
        key = rsa.generate_private_key(public_exponent=65537, key_size=bits).public_key()
    else:
        modulus = secrets.randbits(bits) | (1 << (bits - 1)) | 1
        key = rsa.RSAPublicNumbers(65537, modulus).public_key()
    return _der(key, pkcs1=pkcs1)


@functools.cache
def ed_key(*, spki: bool = False) -> str:
    key = ed25519.Ed25519PrivateKey.generate().public_key()
    if spki:
        der = key.public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    else:
        der = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.b64encode(der).decode()


@dataclass
class Case:
    name: str
    domain: str
    selector: str
    zone: dict[Any, Any]
    expect: list[tuple[str, str | tuple[str, ...], tuple[str, ...]]] = field(default_factory=list)
    never: list[tuple[str, str | tuple[str, ...]]] = field(default_factory=list)
    never_words: tuple[str, ...] = ()
    no_fail: bool = False
    why: str = ""


def site(domain: str, selector: str, record: Any = None, **extra: Any) -> dict[Any, Any]:
    """A domain with an MX and `record` at <selector>._domainkey (a string, a list of TXT
    records, each a string or a list of character-strings, or an rcode)."""
    zone: dict[Any, Any] = {
        (domain, "MX"): [f"10 mx1.{domain}."],
        (f"mx1.{domain}", "A"): ["192.0.2.25"],
    }
    name = f"{selector}._domainkey.{domain}"
    if record in ("SERVFAIL", "TIMEOUT", "NXDOMAIN"):
        zone[(name, "TXT")] = record
    elif isinstance(record, str):
        zone[(name, "TXT")] = [record]
    elif record is not None:
        zone[(name, "TXT")] = record
    zone.update(extra.get("more", {}))
    return zone


GOOD = [E("DKIM-06", "pass"), E("DKIM-07", "pass")]
NOT_USABLE = [N("DKIM-06", "pass")]


def cases(rsa_key: Callable[..., str] = rsa_key, ed_key: Callable[..., str] = ed_key) -> list[Case]:
    """The round's cases, their keys made by `rsa_key` and `ed_key` (stand_in_key: the cases'
    names without making a key)."""
    k1024, k1536, k2048, k4096 = rsa_key(1024), rsa_key(1536), rsa_key(2048), rsa_key(4096)
    k512, k768 = rsa_key(512), rsa_key(768)
    ed = ed_key()
    return [
        # --- RSA key sizes (RFC 8301 §3.2; checklist DKIM-07) ------------------------------
        Case(
            "rsa-2048-plain",
            "lindqvist-bageri.se",
            "s1",
            site("lindqvist-bageri.se", "s1", f"v=DKIM1; k=rsa; p={k2048}"),
            expect=[E("DKIM-01", "info"), *GOOD],
            no_fail=True,
            why="v=DKIM1 first, k=rsa, a 2048-bit SPKI key: what every provider publishes.",
        ),
        Case(
            "rsa-512",
            "oldtown-hardware.com",
            "mail",
            site("oldtown-hardware.com", "mail", f"v=DKIM1; k=rsa; p={k512}"),
            expect=[E("DKIM-07", "fail", "512")],
            never=NOT_USABLE,
            why="RFC 8301 §3.2: verifiers MUST NOT consider keys under 1024 bits valid.",
        ),
        Case(
            "rsa-768",
            "pinecrest-motel.us",
            "default",
            site("pinecrest-motel.us", "default", f"v=DKIM1; k=rsa; p={k768}"),
            expect=[E("DKIM-07", "fail", "768")],
            never=NOT_USABLE,
            why="Under 1024 bits: not valid (RFC 8301 §3.2).",
        ),
        Case(
            "rsa-1024-google-legacy",
            "harbour-dental.co.uk",
            "google",
            site("harbour-dental.co.uk", "google", f"v=DKIM1; k=rsa; p={k1024}"),
            expect=[E("DKIM-07", "warn", "1024"), E("DKIM-06", "pass")],
            no_fail=True,
            why="RFC 8301 §3.2: ≥1024 MUST, ≥2048 SHOULD: checklist warn for 1024-2047.",
        ),
        Case(
            "rsa-1536",
            "fjord-kayak.no",
            "k1",
            site("fjord-kayak.no", "k1", f"v=DKIM1; k=rsa; p={k1536}"),
            expect=[E("DKIM-07", "warn", "1536"), E("DKIM-06", "pass")],
            no_fail=True,
            why="Between 1024 and 2047 bits: warn.",
        ),
        Case(
            "rsa-4096-auto-split",
            "quantum-ledger.io",
            "sel2024",
            site("quantum-ledger.io", "sel2024", f"v=DKIM1; k=rsa; p={k4096}"),
            expect=GOOD,
            no_fail=True,
            why="4096 bits is within what verifiers MUST handle; the zone tool split the 700+"
            " characters into 255-octet strings, joined without spaces (§3.6.2.2).",
        ),
        Case(
            "rsa-2048-pkcs1",
            "birchwood-library.org",
            "dkim",
            site("birchwood-library.org", "dkim", f"v=DKIM1; k=rsa; p={rsa_key(2048, pkcs1=True)}"),
            expect=GOOD,
            no_fail=True,
            why="RFC 6376 erratum 3017 and checklist DKIM-06: a bare RSAPublicKey is accepted.",
        ),
        # --- p= as written (RFC 6376 §3.6.1, §2.4 base64string with FWS) ---------------------
        Case(
            "p-split-by-admin",
            "meridian-physio.com.au",
            "s2",
            site(
                "meridian-physio.com.au",
                "s2",
                [[f"v=DKIM1; k=rsa; p={k2048[:180]}", k2048[180:]]],
            ),
            expect=GOOD,
            never=[N("DKIM-02", "fail")],
            no_fail=True,
            why="Two character-strings of one record, joined without a space (§3.6.2.2).",
        ),
        Case(
            "p-with-spaces",
            "copperleaf-tea.com",
            "mail",
            site(
                "copperleaf-tea.com",
                "mail",
                "v=DKIM1; k=rsa; p=" + " ".join(k2048[i : i + 64] for i in range(0, 392, 64)),
            ),
            expect=GOOD,
            no_fail=True,
            why="p= is a base64string, which allows FWS between characters (§2.4, §3.6.1).",
        ),
        Case(
            "p-empty-revoked",
            "nordlicht-verlag.de",
            "old2019",
            site("nordlicht-verlag.de", "old2019", "v=DKIM1; k=rsa; p="),
            expect=[E("DKIM-05", "info", "revoked")],
            no_fail=True,
            why="§3.6.1: an empty p= means the key has been revoked; checklist info.",
        ),
        Case(
            "p-missing",
            "greenway-couriers.com",
            "s1",
            site("greenway-couriers.com", "s1", "v=DKIM1; k=rsa; t=s"),
            expect=[E("DKIM-05", "fail")],
            never=NOT_USABLE,
            why="p= is REQUIRED (§3.6.1).",
        ),
        Case(
            "p-twice",
            "alderbank-legal.com",
            "selector1",
            site("alderbank-legal.com", "selector1", f"v=DKIM1; k=rsa; p={k2048}; p={k1024}"),
            expect=[E("DKIM-03", "fail")],
            never=NOT_USABLE,
            why="§3.2: a tag name occurring more than once makes the entire tag-list invalid.",
        ),
        Case(
            "pem-armour",
            "sunvale-solar.com",
            "default",
            site(
                "sunvale-solar.com",
                "default",
                f"v=DKIM1; k=rsa; p=-----BEGIN PUBLIC KEY----- {k2048} -----END PUBLIC KEY-----",
            ),
            expect=[E("DKIM-06", "fail")],
            never=NOT_USABLE,
            why="The armour is not base64: p= does not decode (checklist DKIM-06 Bad).",
        ),
        Case(
            "truncated-at-255",
            "riverside-vets.ie",
            "mail",
            site("riverside-vets.ie", "mail", f"v=DKIM1; k=rsa; p={k2048}"[:255]),
            expect=[E("DKIM-06", "fail")],
            never=NOT_USABLE,
            why="A zone tool that did not split strings kept the first 255 characters.",
        ),
        Case(
            "trailing-semicolon-and-spaces",
            "bluestone-quarry.com",
            "s1",
            site("bluestone-quarry.com", "s1", f"v = DKIM1 ; k = rsa ; p = {k2048} ; "),
            expect=GOOD,
            no_fail=True,
            why="§3.2: tag-list = tag-spec *(';' tag-spec) [';'], FWS around '=' and ';'.",
        ),
        # --- Ed25519 (RFC 8463) --------------------------------------------------------------
        Case(
            "ed25519-only",
            "kestrel-labs.dev",
            "ed1",
            site("kestrel-labs.dev", "ed1", f"v=DKIM1; k=ed25519; p={ed}"),
            expect=[E("DKIM-06", "pass"), E("DKIM-08", "info")],
            no_fail=True,
            why="RFC 8463 §4.2: 32-byte raw key, 44 base64 chars; §6: only Ed25519 is info.",
        ),
        Case(
            "ed25519-beside-rsa",
            "mossgiel-farm.co.uk",
            "ed1",
            site(
                "mossgiel-farm.co.uk",
                "ed1",
                f"v=DKIM1; k=ed25519; p={ed}",
                more={
                    ("rsa1._domainkey.mossgiel-farm.co.uk", "TXT"): [f"v=DKIM1; k=rsa; p={k2048}"]
                },
            ),
            expect=[E("DKIM-06", "pass")],
            never=[N("DKIM-08", ("info", "warn", "fail"))],
            no_fail=True,
            why="Dual-signed (RFC 8463 §6): the owner gives both selectors (SELECTORS); with"
            " an RSA key beside it the Ed25519-only info has no reason to be said.",
        ),
        Case(
            "ed25519-spki-wrapped",
            "arcticfox-software.fi",
            "ed",
            site("arcticfox-software.fi", "ed", f"v=DKIM1; k=ed25519; p={ed_key(spki=True)}"),
            expect=[E("DKIM-08", "fail")],
            never=NOT_USABLE,
            why="RFC 8463 §4.2 / checklist DKIM-08 Bad: the SPKI wrapping is not the raw key.",
        ),
        Case(
            "ed25519-64-bytes",
            "tidewater-books.com",
            "ed2024",
            site(
                "tidewater-books.com",
                "ed2024",
                "v=DKIM1; k=ed25519; p="
                + base64.b64encode(secrets.token_bytes(32) + base64.b64decode(ed)).decode(),
            ),
            expect=[E("DKIM-08", "fail")],
            never=NOT_USABLE,
            why="A libsodium 64-byte secret key pasted: not the 32-byte public key (RFC 8463).",
        ),
        Case(
            "ed25519-without-k",
            "lumen-optics.eu",
            "s1",
            site("lumen-optics.eu", "s1", f"v=DKIM1; p={ed}"),
            expect=[E("*", "fail")],
            never=NOT_USABLE,
            why="k= defaults to rsa (§3.6.1): 32 bytes are no RSA key, the key is unusable.",
        ),
        Case(
            "h-sha1-only",
            "westbrook-clinic.org",
            "s1",
            site("westbrook-clinic.org", "s1", f"v=DKIM1; h=sha1; k=rsa; p={k2048}"),
            expect=[E("DKIM-09", "fail")],
            never=NOT_USABLE,
            why="RFC 8301 §3.1: rsa-sha1 MUST NOT be used for verifying; no sha256 allowed.",
        ),
        Case(
            "h-sha1-sha256",
            "eastgate-storage.com",
            "s1",
            site("eastgate-storage.com", "s1", f"v=DKIM1; h=sha1:sha256; k=rsa; p={k2048}"),
            expect=[E("DKIM-09", "warn"), E("DKIM-06", "pass")],
            no_fail=True,
            why="Checklist DKIM-09: warn for h=sha1:sha256 (sha256 still verifies).",
        ),
        Case(
            "t-y",
            "brightpath-tutoring.com",
            "s1",
            site("brightpath-tutoring.com", "s1", f"v=DKIM1; k=rsa; t=y; p={k2048}"),
            expect=[E("DKIM-11", "warn")],
            no_fail=True,
            why="§3.6.1 t=y testing; checklist DKIM-11 warn.",
        ),
        Case(
            "t-s",
            "oakridge-pharmacy.com",
            "s1",
            site("oakridge-pharmacy.com", "s1", f"v=DKIM1; k=rsa; t=s; p={k2048}"),
            expect=[E("DKIM-11", "info"), E("DKIM-06", "pass")],
            never=[N("DKIM-11", ("warn", "fail"))],
            no_fail=True,
            why="t=s: i= must not be a subdomain; checklist info.",
        ),
        Case(
            "t-y-s",
            "seabright-events.com",
            "s1",
            site("seabright-events.com", "s1", f"v=DKIM1; k=rsa; t=y:s; p={k2048}"),
            expect=[E("DKIM-11", "warn"), E("DKIM-11", "info")],
            no_fail=True,
            why="Both flags: warn for y, info for s.",
        ),
        Case(
            "unknown-tags",
            "vinterhage-design.se",
            "s1",
            site(
                "vinterhage-design.se",
                "s1",
                f"v=DKIM1; g=*; k=rsa; acct_ref=77812; p={k2048}",
            ),
            expect=GOOD,
            never=[N("DKIM-03", "fail")],
            no_fail=True,
            why="§3.6.1: unrecognised tags MUST be ignored (g= is RFC 4871's, dropped by 6376).",
        ),
        Case(
            "notes",
            "hollowtree-games.com",
            "s1",
            site(
                "hollowtree-games.com",
                "s1",
                f"v=DKIM1; k=rsa; n=rotated=2024-05=by=ops; p={k2048}",
            ),
            expect=[E("DKIM-12", "info"), E("DKIM-06", "pass")],
            no_fail=True,
            why="n= qp-section is free text for humans (§3.6.1); checklist DKIM-12 info.",
        ),
        Case(
            "s-email",
            "marlow-rowing.org.uk",
            "s1",
            site("marlow-rowing.org.uk", "s1", f"v=DKIM1; k=rsa; s=email; p={k2048}"),
            expect=GOOD,
            never=[N("DKIM-10", ("warn", "fail"))],
            no_fail=True,
            why="s=email lists the mail service (§3.6.1).",
        ),
        Case(
            "s-star",
            "castlerock-dairy.ie",
            "s1",
            site("castlerock-dairy.ie", "s1", f"v=DKIM1; k=rsa; s=*; p={k2048}"),
            expect=GOOD,
            never=[N("DKIM-10", ("warn", "fail"))],
            no_fail=True,
            why="s=* matches all service types (§3.6.1).",
        ),
        Case(
            "s-tlsrpt",
            "pebblecreek-hoa.org",
            "s1",
            site("pebblecreek-hoa.org", "s1", f"v=DKIM1; k=rsa; s=tlsrpt; p={k2048}"),
            expect=[E("DKIM-10", "fail")],
            why="Checklist DKIM-10: a mail selector with only s=tlsrpt is ignored for mail.",
        ),
        # --- v= (RFC 6376 §3.6.1) and tag-name case (§3.2) ----------------------------------
        Case(
            "v-not-first",
            "silverline-taxis.com",
            "s1",
            site("silverline-taxis.com", "s1", f"k=rsa; v=DKIM1; p={k2048}"),
            expect=[E("DKIM-04", "fail")],
            never=NOT_USABLE,
            why="§3.6.1: if v= is present it MUST be the first tag.",
        ),
        Case(
            "v-dkim2",
            "nebula-analytics.ai",
            "s1",
            site("nebula-analytics.ai", "s1", f"v=DKIM2; k=rsa; p={k2048}"),
            expect=[E("DKIM-04", "fail")],
            never=NOT_USABLE,
            why="§3.6.1: a record with a v= of any other value than DKIM1 MUST be discarded.",
        ),
        Case(
            "upper-case-tags",
            "granite-roofing.com",
            "s1",
            site("granite-roofing.com", "s1", f"V=DKIM1; K=rsa; P={k2048}"),
            expect=[E("*", "fail")],
            never=NOT_USABLE,
            why="§3.2: tags are case-sensitive: 'P=' is not p=, so the record has no p= and a"
            " verifier finds no key (PERMFAIL): the owner must hear a fail, not 'no key here'.",
        ),
        # --- DNS shape: CNAME, RRset, other TXT, failures ------------------------------------
        Case(
            "cname-to-microsoft",
            "contoso-builders.com",
            "selector1",
            site(
                "contoso-builders.com",
                "selector1",
                more={
                    ("selector1._domainkey.contoso-builders.com", "CNAME"): [
                        "selector1-contoso-builders-com._domainkey.contosobuilders.onmicrosoft.com."
                    ],
                    (
                        "selector1-contoso-builders-com._domainkey.contosobuilders.onmicrosoft.com",
                        "TXT",
                    ): [f"v=DKIM1; k=rsa; p={k2048}"],
                },
            ),
            expect=GOOD,
            no_fail=True,
            why="§3.6.2.1 / checklist DKIM-01: CNAMEs are followed; the provider's key counts.",
        ),
        Case(
            "cname-dangling",
            "tallpine-realty.com",
            "selector2",
            site(
                "tallpine-realty.com",
                "selector2",
                more={
                    ("selector2._domainkey.tallpine-realty.com", "CNAME"): [
                        "selector2-tallpine-realty-com._domainkey.tallpinerealty.onmicrosoft.com."
                    ],
                },
            ),
            expect=[E("DKIM-01", "info", "selector2")],
            no_fail=True,
            why="The tenant's second key is created only on rotation: no key there, info.",
        ),
        Case(
            "non-dkim-txt",
            "saltmarsh-brewing.com",
            "google",
            site(
                "saltmarsh-brewing.com",
                "google",
                "google-site-verification=Xq3k9Lw0aZ7nT2bV5mR8cY1dF4gH6jK",
            ),
            expect=[E("DKIM-01", "info", "google-site-verification")],
            no_fail=True,
            why="No p=/k=/v=DKIM: not a key record; say what is there instead (info).",
        ),
        Case(
            "two-keys",
            "redfern-accountants.com.au",
            "s1",
            site(
                "redfern-accountants.com.au",
                "s1",
                [f"v=DKIM1; k=rsa; p={k2048}", f"v=DKIM1; k=rsa; p={k1024}"],
            ),
            expect=[E("DKIM-02", "fail")],
            why="§3.6.2.2: TXT RRs MUST be unique per selector; several → undefined.",
        ),
        Case(
            "key-beside-spf",
            "ashgrove-school.org",
            "s1",
            site(
                "ashgrove-school.org",
                "s1",
                [f"v=DKIM1; k=rsa; p={k2048}", "v=spf1 -all"],
            ),
            expect=[E("DKIM-02", "fail")],
            why="Two records in the RRset at the selector: undefined (§3.6.2.2).",
        ),
        Case(
            "servfail",
            "stormcloud-it.net",
            "s1",
            site("stormcloud-it.net", "s1", "SERVFAIL"),
            expect=[E("DKIM-01", "error", "s1")],
            never_words=("no dkim key is published for the selector",),
            no_fail=True,
            why="A transient error is 'could not check', never absence (checklist §0).",
        ),
        Case(
            "timeout",
            "slowpoke-hosting.net",
            "k1",
            site("slowpoke-hosting.net", "k1", "TIMEOUT"),
            expect=[E("DKIM-01", "error", "k1")],
            never_words=("no dkim key is published for the selector",),
            no_fail=True,
            why="A timeout is 'could not check', never absence.",
        ),
    ]


def stand_in_key(*_: Any, **__: Any) -> str:
    """What a case holds in a key's place when only the cases' names are read: making the
    keys (4096 bits among them) at import slowed every collection that imports this file."""
    return "A" * 736


# The names, read at collection without making a key; the cases with their keys are made
# once, by the first test that runs one (all_cases).
NAMES = [c.name for c in cases(stand_in_key, stand_in_key)]


@functools.cache
def all_cases() -> list[Case]:
    return cases()


# The dual-signing case gives both selectors (the owner knows both).
SELECTORS = {"ed25519-beside-rsa": ("ed1", "rsa1")}


def run_case(case: Case) -> list[Finding]:
    selectors = SELECTORS.get(case.name, (case.selector,))
    return run_engine(dkim, case.domain, case.zone, dkim_selectors=selectors).findings


def test_round_size_and_names() -> None:
    built = all_cases()
    assert 30 <= len(built) <= 40, len(built)
    assert len({c.name for c in built}) == len(built)
    assert [c.name for c in built] == NAMES


@pytest.mark.parametrize("name", NAMES, ids=NAMES)
def test_blind_case(name: str) -> None:
    case = _case(name)
    findings = run_case(case)
    problems, shown = reading_problems(
        findings, case.expect, case.never, never_words=case.never_words, no_fail=case.no_fail
    )
    assert not problems, f"{case.name}: {problems}\nfindings:\n{shown}"


# ---------------------------------------------------------------------------------------------
# Where the product disagreed with the round, decided with RFC 6376.


def _case(name: str) -> Case:
    return next(c for c in all_cases() if c.name == name)


def test_it_reads_upper_case_tag_names_as_a_key_without_p() -> None:
    # upper-case-tags read "No DKIM key is published for the selector(s) you gave" (info):
    # the record was not taken for a key record at all. §3.2: tag names are case-sensitive,
    # so a verifier reads no p= in 'V=DKIM1; K=rsa; P=...' and the signature PERMFAILs
    # (§6.1.2); the owner published a key and must hear why it does not count.
    findings = run_case(_case("upper-case-tags"))
    (missing,) = [f for f in findings if f.id == "DKIM-05"]
    assert str(missing.status) == "fail"
    assert "'P='" in missing.summary and "case-sensitive" in missing.summary
    # The fix is the record with its tag names in lower case, every value as published.
    assert published(missing.fix) == (
        "s1._domainkey.granite-roofing.com",
        f"v=DKIM1; k=rsa; p={rsa_key(2048)}",
    )
    assert not any("No DKIM key is published" in f.summary for f in findings)
    assert dkim.looks_like_key_record(f"V=DKIM1; K=rsa; P={rsa_key(2048)}")
    assert not dkim.looks_like_key_record("V=spf1 -all")


def test_it_says_what_stands_at_a_given_selector_when_no_key_is_found() -> None:
    # non-dkim-txt: the selector the owner gave holds a verification token, and the only
    # finding said "no key is published ... or correct the selector" without naming it;
    # when another selector had a key, the same name did get _not_a_key's words.
    findings = run_case(_case("non-dkim-txt"))
    (info,) = [f for f in findings if f.id == "DKIM-01"]
    assert "google-site-verification=Xq3k9Lw0aZ7nT2bV5mR8cY1dF4gH6jK" in info.summary
    assert "not a DKIM key" in info.summary


def test_it_names_the_alias_a_given_selector_points_at_when_nothing_is_there() -> None:
    # cname-dangling read "No DKIM key is published for the selector(s) you gave (selector2)
    # ... or correct the selector": the owner's CNAME is right and the provider's name is
    # empty (Microsoft 365 publishes selector2's key at rotation), which it did not say.
    target = "selector2-tallpine-realty-com._domainkey.tallpinerealty.onmicrosoft.com"
    findings = run_case(_case("cname-dangling"))
    (info,) = [f for f in findings if f.id == "DKIM-01"]
    assert str(info.status) == "info"
    assert f"alias of {target}" in info.summary and "no TXT record" in info.summary
