"""DKIM key records: parser units, hypothesis robustness, evaluator on the fake resolver."""

from __future__ import annotations

import base64
import functools

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
from hypothesis import given, settings
from hypothesis import strategies as st

from checks import dkim
from checks.findings import Status
from tests.test_spf import flagged, run, statuses

D = "example.com"


@functools.cache
def rsa_b64(bits: int, *, spki: bool = True) -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=bits).public_key()
    fmt = (
        serialization.PublicFormat.SubjectPublicKeyInfo
        if spki
        else serialization.PublicFormat.PKCS1
    )
    return base64.b64encode(key.public_bytes(serialization.Encoding.DER, fmt)).decode()


@functools.cache
def ed_b64(*, spki: bool = False) -> str:
    key = ed25519.Ed25519PrivateKey.generate().public_key()
    if spki:
        der = key.public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        return base64.b64encode(der).decode()
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.b64encode(raw).decode()


def ids(record: str) -> dict[str, Status]:
    return {p.check_id: p.status for p in dkim.parse_key_record(record).problems}


def test_good_keys() -> None:
    good = dkim.parse_key_record(f"v=DKIM1; k=rsa; p={rsa_b64(2048)}")
    assert good.usable and good.bits == 2048 and not good.problems
    bare = dkim.parse_key_record(f"p={rsa_b64(2048, spki=False)}")  # erratum 3017
    assert bare.usable and bare.bits == 2048
    ed = dkim.parse_key_record(f"v=DKIM1; k=ed25519; p={ed_b64()}")
    assert ed.usable and len(ed_b64()) == 44
    folded = dkim.parse_key_record(f"v=DKIM1;\r\n\tp={rsa_b64(2048)[:100]} {rsa_b64(2048)[100:]}")
    assert folded.usable


def test_key_sizes() -> None:
    assert ids(f"p={rsa_b64(1024)}") == {"DKIM-07": Status.WARN}
    assert ids(f"p={rsa_b64(4096)}") == {}
    # RSA < 1024 bits: cryptography refuses to generate them, so use the checklist's 512-bit key.
    k512 = (
        "MFwwDQYJKoZIhvcNAQEBBQADSwAwSAJBAK7WQCS+GOHbPAtKpSvu9BPb2GjFyDfQ3xcPt7Ap9n63QdLLJJCpKibR"
        "vi767NzF0Z18WAoiqb3kx0JLp3w1axsCAwEAAQ=="
    )
    assert ids(f"v=DKIM1; k=rsa; p={k512}") == {"DKIM-07": Status.FAIL}


def test_record_problems() -> None:
    key = rsa_b64(2048)
    assert ids(f"v=DKIM1; p={key}; p={key}")["DKIM-03"] == Status.FAIL
    assert ids(f"v=DKIM1; garbage; p={key}")["DKIM-03"] == Status.FAIL
    assert ids(f"k=rsa; v=DKIM1; p={key}")["DKIM-04"] == Status.FAIL
    assert ids(f"v=DKIM1.0; p={key}")["DKIM-04"] == Status.FAIL
    assert ids("v=DKIM1; k=rsa; t=s")["DKIM-05"] == Status.FAIL
    assert ids("v=DKIM1; p=")["DKIM-05"] == Status.INFO
    assert ids(f"v=DKIM1; p=-----BEGIN PUBLIC KEY-----{key}")["DKIM-06"] == Status.FAIL
    assert ids(f"v=DKIM1; p={key[:255]}")["DKIM-06"] == Status.FAIL  # truncated
    assert ids("v=DKIM1; p=not*base64")["DKIM-06"] == Status.FAIL
    assert ids(f"v=DKIM1; k=ed25519; p={ed_b64(spki=True)}")["DKIM-08"] == Status.FAIL
    assert ids(f"v=DKIM1; k=ed25519; p={key}")["DKIM-08"] == Status.FAIL
    assert ids(f"v=DKIM1; k=dsa; p={key}")["DKIM-08"] == Status.FAIL
    assert ids(f"v=DKIM1; h=sha1; p={key}")["DKIM-09"] == Status.FAIL
    assert ids(f"v=DKIM1; h=sha1:sha256; p={key}")["DKIM-09"] == Status.WARN
    assert ids(f"v=DKIM1; s=tlsrpt; p={key}")["DKIM-10"] == Status.FAIL
    assert "DKIM-10" not in ids(f"v=DKIM1; s=email:tlsrpt; p={key}")
    assert ids(f"v=DKIM1; t=y; p={key}")["DKIM-11"] == Status.WARN
    assert ids(f"v=DKIM1; t=s; p={key}")["DKIM-11"] == Status.INFO
    assert ids(f"v=DKIM1; n=hello; p={key}")["DKIM-12"] == Status.INFO


@settings(max_examples=400, deadline=None)
@given(st.text())
def test_parser_never_raises_on_text(text: str) -> None:
    dkim.parse_key_record(text)
    dkim.parse_key_record("v=DKIM1; p=" + text)
    dkim.parse_key_record("v=DKIM1; k=ed25519; p=" + text)
    dkim.looks_like_key_record(text)


@settings(max_examples=300, deadline=None)
@given(st.binary())
def test_parser_never_raises_on_key_bytes(data: bytes) -> None:
    b64 = base64.b64encode(data).decode()
    dkim.parse_key_record("p=" + b64)
    dkim.parse_key_record("k=ed25519; p=" + b64)
    dkim.parse_key_record(data.decode("utf-8", errors="replace"))


def test_evaluator_selectors_and_findings() -> None:
    zone = {
        (f"s2048._domainkey.{D}", "TXT"): [
            ["v=DKIM1; k=rsa; p=" + rsa_b64(2048)[:200], rsa_b64(2048)[200:]]
        ],
        (f"twin._domainkey.{D}", "TXT"): [f"v=DKIM1; p={rsa_b64(2048)}", f"p={rsa_b64(1024)}"],
        (f"selector1._domainkey.{D}", "TXT"): [f"v=DKIM1; t=y; p={rsa_b64(2048)}"],
    }
    found = run(dkim, D, zone, dkim_selectors=("s2048", "twin", "nothere"))
    assert flagged(found) == {"fail": {"DKIM-02"}, "warn": {"DKIM-11"}, "error": set()}
    summary = next(f for f in found if f.id == "DKIM-01" and f.subject == D)
    assert summary.evidence["selectors_tried"][:3] == ["s2048", "twin", "nothere"]
    assert "selector1" in summary.evidence["selectors_tried"]
    assert any(f.id == "DKIM-01" and "nothere" in f.subject for f in found)


def test_no_key_is_info_and_servfail_is_error() -> None:
    found = run(dkim, D, {(D, "MX"): ["10 mx.example.com."]})
    assert [(f.id, f.status) for f in found] == [("DKIM-01", Status.INFO)]
    assert "default" in found[0].summary and "does not mean DKIM is missing" in found[0].summary
    found = run(dkim, D, {(f"s1._domainkey.{D}", "TXT"): "SERVFAIL"})
    assert statuses(found, "DKIM-01") == [Status.ERROR, Status.INFO]
    assert not flagged(found)["fail"]
    assert "s1" not in next(f.summary for f in found if f.status == Status.INFO).split("(")[1]


def test_failed_lookups_do_not_claim_absence() -> None:
    zone = {(f"{s}._domainkey.{D}", "TXT"): "SERVFAIL" for s in dkim.COMMON_SELECTORS}
    found = run(dkim, D, zone)
    assert set(statuses(found, "DKIM-01")) == {Status.ERROR}
    assert not any("No DKIM key" in f.summary for f in found)


def test_ed25519_only_is_info() -> None:
    found = run(
        dkim,
        D,
        {(f"ed._domainkey.{D}", "TXT"): [f"v=DKIM1; k=ed25519; p={ed_b64()}"]},
        dkim_selectors=("ed",),
    )
    assert statuses(found, "DKIM-08") == [Status.INFO]


def test_a_revoked_key_is_info_even_at_a_selector_the_owner_gave() -> None:
    # DKIM-05 (fixture F40: "the checker is given all names", revoked → info): a selector
    # given to us is not proof that it is the one in current use.
    zone = {(f"old._domainkey.{D}", "TXT"): ["v=DKIM1; p="]}
    assert statuses(run(dkim, D, zone, dkim_selectors=("old",)), "DKIM-05") == [Status.INFO]


def test_no_key_at_the_selectors_the_owner_gave_is_said_and_scored() -> None:
    from checks.scoring import compute

    found = run(dkim, D, {(D, "MX"): ["10 mx.example.com."]}, dkim_selectors=("s1",))
    assert statuses(found, "DKIM-01") == [Status.INFO]  # DKIM-01 is info (checklist)
    assert "you gave (s1)" in found[0].summary
    assert compute(found)[1]["categories"]["dkim"]["reason"] == "not deployed"
    guessed = run(dkim, D, {(D, "MX"): ["10 mx.example.com."]})
    assert compute(guessed)[1]["categories"]["dkim"]["reason"] == "not deployed (not scored)"


def test_a_given_selector_that_timed_out_keeps_dkim_unknown_not_absent() -> None:
    from checks.scoring import compute

    zone = {(D, "MX"): ["10 mx.example.com."], (f"s2._domainkey.{D}", "TXT"): "SERVFAIL"}
    found = run(dkim, D, zone, dkim_selectors=("s1", "s2"))
    assert not any((f.evidence or {}).get("given_without_key") for f in found)
    assert compute(found)[1]["categories"]["dkim"]["reason"] != "not deployed"


def test_a_wildcard_txt_of_another_kind_is_no_key() -> None:
    # A parked domain's `*.example.com TXT "v=spf1 -all"` answers at every selector name.
    # RFC 6376 §3.6.1: a record beginning with v= of another value MUST be discarded, so this
    # is "no key" (info), not nine broken keys, and DMARC must not count it as DKIM.
    from checks import dmarc

    zone = {(f"{s}._domainkey.{D}", "TXT"): ["v=spf1 -all"] for s in dkim.COMMON_SELECTORS}
    zone[(f"_dmarc.{D}", "TXT")] = ["v=DMARC1; p=reject"]
    found = run(dkim, D, zone)
    assert [(f.id, f.status) for f in found] == [("DKIM-01", Status.INFO)]
    assert "No DKIM key was found" in found[0].summary
    assert statuses(run(dmarc, D, zone), "DMARC-18") == [Status.WARN]


def test_which_txt_records_are_key_records() -> None:
    key = rsa_b64(2048)
    assert not dkim.looks_like_key_record("v=spf1 -all")
    assert not dkim.looks_like_key_record(f"v=spf1; p={key}")
    assert not dkim.looks_like_key_record("google-site-verification=abc")
    # Meant as keys, so kept and judged by DKIM-04 rather than silently dropped.
    assert dkim.looks_like_key_record(f"v=DKIM1.0; p={key}")
    assert dkim.looks_like_key_record(f" v = DKIM1 ; p={key}")
    assert dkim.looks_like_key_record(f"k=rsa; v=DKIM1; p={key}")
    assert dkim.looks_like_key_record(f"p={key}")
    assert dkim.looks_like_key_record("k=rsa; t=s")
    # A broken key whose v=DKIM1 is not first (and has no p=): DKIM-04 and DKIM-05 say why.
    assert dkim.looks_like_key_record("t=s; v=DKIM1")
    assert dkim.looks_like_key_record("h=sha256; v=DKIM1; t=y")
    zone = {(f"v10._domainkey.{D}", "TXT"): [f"v=DKIM1.0; p={key}", "v=spf1 -all"]}
    found = run(dkim, D, zone, dkim_selectors=("v10",))
    assert flagged(found) == {"fail": {"DKIM-04"}, "warn": set(), "error": set()}


def test_a_selector_stored_as_a_record_name_is_looked_up_as_its_selector() -> None:
    # Rows saved before the selectors form took the selector out of a record name hold
    # `s2048._domainkey` or the whole name; taken as they are, the key was looked up at
    # s2048._domainkey._domainkey.example.com and never found. No data migration: the
    # engine reads the selector out of them.
    zone = {(f"s2048._domainkey.{D}", "TXT"): [f"v=DKIM1; k=rsa; p={rsa_b64(2048)}"]}
    for stored in ("s2048._domainkey", f"s2048._domainkey.{D}", f"S2048._DomainKey.{D}.", "s2048"):
        found = run(dkim, D, zone, dkim_selectors=(stored,))
        assert statuses(found, "DKIM-06") == [Status.PASS], stored
        summary = next(f for f in found if f.id == "DKIM-01" and f.subject == D)
        assert summary.evidence["selectors_tried"][0] == "s2048", stored
        assert not any("_domainkey._domainkey" in f.subject for f in found), stored


def test_a_selector_stored_as_a_record_name_without_a_key_is_named_as_given() -> None:
    # "the selector(s) you gave" must recognise the selector in a stored record name, or a
    # domain that signs with it would read as merely unguessed instead of not deployed.
    found = run(dkim, D, {(D, "MX"): ["10 mx.example.com."]}, dkim_selectors=("s9._domainkey",))
    assert "you gave (s9)" in found[0].summary
    assert found[0].evidence["given_without_key"] == ["s9"]
    nothing = run(dkim, D, {(D, "MX"): ["10 mx.example.com."]}, dkim_selectors=("_domainkey",))
    assert nothing[0].evidence["selectors_tried"] == list(dkim.COMMON_SELECTORS)
