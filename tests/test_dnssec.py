"""DNSSEC: validation status from AD / SERVFAIL + CD retry, and the lab's bogus fixtures."""

from __future__ import annotations

import asyncio
import time
from unittest import mock

import pytest

from checks import dnssec
from checks.config import CheckConfig
from checks.context import CheckContext
from checks.dns import DnsAnswer
from checks.findings import Status


class FakeDns:
    def __init__(self, answers: dict[tuple[str, str, bool], DnsAnswer]) -> None:
        self.answers = answers

    async def query(
        self,
        name: str,
        rdtype: str,
        *,
        cd: bool = False,
        want_dnssec: bool = False,
        fresh: bool = False,
    ) -> DnsAnswer:
        return self.answers.get((name, rdtype, cd), DnsAnswer(name, rdtype, "TIMEOUT"))


def _status(answers: dict[tuple[str, str, bool], DnsAnswer]) -> dnssec.Validation:
    ctx = CheckContext("example.test", CheckConfig(), dns=FakeDns(answers))  # type: ignore[arg-type]
    return asyncio.run(dnssec.validation_status(ctx, "example.test", "SOA"))


def test_secure_and_insecure() -> None:
    ok = DnsAnswer("example.test", "SOA", "NOERROR", records=[object()], ad=True)  # type: ignore[list-item]
    assert _status({("example.test", "SOA", False): ok}).status == "secure"
    ok.ad = False
    assert _status({("example.test", "SOA", False): ok}).status == "insecure"


def test_servfail_with_answering_cd_retry_is_bogus() -> None:
    fail = DnsAnswer("example.test", "SOA", "SERVFAIL", ede=[(7, "signature expired")])
    cd = DnsAnswer("example.test", "SOA", "NOERROR", records=[object()])  # type: ignore[list-item]
    v = _status({("example.test", "SOA", False): fail, ("example.test", "SOA", True): cd})
    assert v.status == "bogus" and "EDE 7 (Signature Expired)" in v.reasons[0]


def test_servfail_without_ede_is_bogus_only_for_signed_data() -> None:
    # A resolver without RFC 8914 (BIND without EDE, dnsmasq): SERVFAIL, and the CD retry
    # answers. Without RRSIGs the zone is unsigned and cannot be bogus (RFC 4035 §4.3).
    fail = DnsAnswer("example.test", "SOA", "SERVFAIL")
    cd = DnsAnswer("example.test", "SOA", "NOERROR", records=[object()])  # type: ignore[list-item]
    answers = {("example.test", "SOA", False): fail, ("example.test", "SOA", True): cd}
    assert _status(answers).status == "indeterminate"
    cd.signed = True  # signed, and the plain lookup fails again: bogus
    assert _status(answers).status == "bogus"


def test_timeouts_are_indeterminate_not_bogus() -> None:
    assert _status({}).status == "indeterminate"
    fail = DnsAnswer("example.test", "SOA", "SERVFAIL")
    assert _status({("example.test", "SOA", False): fail}).status == "indeterminate"


def _lab_eval(lab, domain: str) -> list:  # type: ignore[no-untyped-def]
    host, port = lab.resolver.split(":")
    config = CheckConfig(
        resolvers=((host, int(port)),),
        ca_bundle=lab.ca_bundle,
        allow_private_targets=True,
        extra_public_suffixes=("test", "lab.test"),
    )
    return asyncio.run(dnssec.evaluate(CheckContext(domain, config)))


@pytest.mark.lab
@pytest.mark.parametrize(
    ("domain", "fail", "info"),
    [
        ("f01.lab.test", set(), set()),
        ("f48.lab.test", {"DNSSEC-01", "DNSSEC-05"}, set()),
        ("f49.lab.test", {"DNSSEC-01", "DNSSEC-02"}, set()),
        ("f50.lab.test", {"DNSSEC-01"}, set()),
        ("f52.lab.test", set(), {"DNSSEC-01"}),
    ],
)
def test_lab_fixtures(lab, domain: str, fail: set[str], info: set[str]) -> None:  # type: ignore[no-untyped-def]
    findings = _lab_eval(lab, domain)
    assert {f.id for f in findings if f.status == "fail"} == fail
    assert not [f for f in findings if f.status == "warn"]
    assert info <= {f.id for f in findings if f.status == "info"}
    if domain == "f48.lab.test":
        # The other mechanisms see SERVFAIL ("could not check"), never "absent".
        async def txt() -> bool:
            host, port = lab.resolver.split(":")
            ctx = CheckContext(domain, CheckConfig(resolvers=((host, int(port)),)))
            answer = await ctx.dns.query("_mta-sts.f48.lab.test", "TXT")
            return answer.failed and not answer.empty

        assert asyncio.run(txt())


def test_within_is_on_a_label_boundary() -> None:
    assert dnssec._within("_25._tcp.mx.ex.com", "ex.com")
    assert dnssec._within("EX.com.", "ex.com")
    assert not dnssec._within("_25._tcp.mx.notex.com", "ex.com")


def test_absence_outside_the_domain_is_not_judged() -> None:
    # DNSSEC-07 judges denial of existence only for names inside the checked domain: a TLSA
    # name under mx.notex.com is not in ex.com, although the string ends with "ex.com".
    from checks.findings import Collector, Mechanism
    from tests.test_mx import make_ctx

    zone: dict[tuple[str, str], list[str] | str] = {
        ("ex.com", "MX"): ["10 mx.notex.com."],
        ("mx.notex.com", "A"): ["192.0.2.1"],
        ("_25._tcp.mx.notex.com", "TXT"): ['"x"'],  # exists, so the TLSA lookup is NODATA
    }
    ctx = make_ctx("ex.com", zone)
    soa = DnsAnswer("ex.com", "SOA", "NOERROR", records=[object()], ad=True)  # type: ignore[list-item]
    out = Collector(Mechanism.DNSSEC)
    asyncio.run(dnssec._mail_names(out, ctx, dnssec.Validation("ex.com", "secure", soa)))
    judged = {f.subject for f in out.findings if f.id == "DNSSEC-07"}
    assert "_mta-sts.ex.com" in judged  # control: names inside the domain are judged
    assert not any("notex" in s for s in judged)


def test_sha1_only_ds_still_matches_its_key() -> None:
    # dnspython refuses to *create* a SHA-1 DS by default; resolvers still validate one, so a
    # zone whose only DS is digest type 1 has an intact chain (DNSSEC-04 warns about SHA-1).
    import dns.dnssec
    from cryptography.hazmat.primitives.asymmetric import ec

    from checks.findings import Collector, Mechanism

    key = dns.dnssec.make_dnskey(ec.generate_private_key(ec.SECP256R1()).public_key(), 13, 257)
    ds = dns.dnssec.make_ds("example.test.", key, 1, validating=True)
    out = Collector(Mechanism.DNSSEC)
    dnssec._dnssec02(
        out,
        "example.test",
        DnsAnswer("example.test", "DS", "NOERROR", records=[ds]),
        DnsAnswer("example.test", "DNSKEY", "NOERROR", records=[key]),
    )
    dnssec._dnssec04(out, "example.test", DnsAnswer("example.test", "DS", "NOERROR", records=[ds]))
    assert [(f.id, f.status) for f in out.findings] == [
        ("DNSSEC-02", Status.PASS),
        ("DNSSEC-04", Status.WARN),
    ]


def _mail_names(zone: dict, cdzone: dict, status: str = "secure") -> list:  # type: ignore[type-arg]
    from checks.findings import Collector, Mechanism
    from tests.test_mx import make_ctx

    ctx = make_ctx("ex.com", zone, cdzone=cdzone)
    soa = DnsAnswer("ex.com", "SOA", "NOERROR", records=[object()], ad=True)  # type: ignore[list-item]
    out = Collector(Mechanism.DNSSEC)
    asyncio.run(dnssec._mail_names(out, ctx, dnssec.Validation("ex.com", status, soa)))
    return out.findings


MAIL_ZONE = {
    ("ex.com", "MX"): ["10 mx.ex.com."],
    ("mx.ex.com", "A"): ["192.0.2.1"],
    ("_dmarc.ex.com", "TXT"): "SERVFAIL",
}


def test_bogus_record_at_a_mail_name_fails() -> None:
    # _dmarc answers SERVFAIL, and with CD the record is there: it is bogus, so validating
    # receivers see no DMARC policy at all.
    cd = {("_dmarc.ex.com", "TXT"): ['"v=DMARC1; p=reject"']}
    findings = _mail_names(MAIL_ZONE, cd)
    failing = [(f.id, f.subject) for f in findings if f.status == Status.FAIL]
    assert failing == [("DNSSEC-01", "_dmarc.ex.com")]
    assert "DMARC" in next(f.summary for f in findings if f.status == Status.FAIL)


def test_servfail_at_a_mail_name_that_is_not_bogus_is_no_finding() -> None:
    cd = {("_dmarc.ex.com", "TXT"): "SERVFAIL"}  # the CD retry fails too: could not check
    findings = _mail_names(MAIL_ZONE, cd)
    assert not [f for f in findings if f.status == Status.FAIL]


BOGUS_HOST_ZONE = {
    ("ex.com", "MX"): ["10 mx.provider.example."],
    ("mx.provider.example", "A"): "SERVFAIL",
    ("mx.provider.example", "AAAA"): "SERVFAIL",
}


def test_bogus_mx_host_addresses_fail_dnssec09() -> None:
    cd = {("mx.provider.example", "A"): ["192.0.2.7"]}
    findings = _mail_names(BOGUS_HOST_ZONE, cd)
    assert [(f.id, f.status) for f in findings if f.id == "DNSSEC-09"] == [
        ("DNSSEC-09", Status.FAIL)
    ]


def test_unanswered_mx_host_addresses_are_an_error() -> None:
    cd = {("mx.provider.example", "A"): "SERVFAIL", ("mx.provider.example", "AAAA"): "SERVFAIL"}
    findings = _mail_names(BOGUS_HOST_ZONE, cd)
    assert [(f.id, f.status) for f in findings if f.id == "DNSSEC-09"] == [
        ("DNSSEC-09", Status.ERROR)
    ]


def _ds(key: object, digest_type: int) -> object:
    import dns.dnssec
    import dns.rdata
    import dns.rdataclass
    import dns.rdatatype

    size = {1: 20, 2: 32, 3: 32, 4: 48}[digest_type]
    text = f"{dns.dnssec.key_id(key)} 13 {digest_type} {'ab' * size}"  # type: ignore[arg-type]
    return dns.rdata.from_text(dns.rdataclass.IN, dns.rdatatype.DS, text)


@pytest.mark.parametrize(
    ("digests", "status", "words"),
    [
        ((2, 3), Status.INFO, "the GOST R 34.11-94 one can be removed"),
        ((1, 2), Status.INFO, "the SHA-1 one can be removed"),
        ((3,), Status.WARN, "GOST R 34.11-94 must not be used for DS"),
        ((1, 3), Status.WARN, "SHA-1 and GOST R 34.11-94 must not be used"),
        ((4,), Status.PASS, "SHA-384"),
    ],
)
def test_dnssec04_names_the_weak_digest_that_is_there(
    digests: tuple[int, ...], status: Status, words: str
) -> None:
    # A SHA-256 + GOST DS pair used to be told "the SHA-1 one can be removed" (there is none).
    import dns.dnssec
    from cryptography.hazmat.primitives.asymmetric import ec

    from checks.findings import Collector, Mechanism

    key = dns.dnssec.make_dnskey(ec.generate_private_key(ec.SECP256R1()).public_key(), 13, 257)
    out = Collector(Mechanism.DNSSEC)
    records = [_ds(key, d) for d in digests]
    dnssec._dnssec04(
        out, "example.test", DnsAnswer("example.test", "DS", "NOERROR", records=records)
    )  # type: ignore[arg-type]
    assert [f.status for f in out.findings] == [status]
    assert words in out.findings[0].summary
    if 1 not in digests:
        assert "SHA-1" not in out.findings[0].summary


@pytest.mark.parametrize(
    ("algorithm", "status"),
    [
        (5, "warn"),
        (7, "warn"),
        (8, "pass"),
        (10, "warn"),
        (13, "pass"),
        (14, "pass"),
        (15, "pass"),
        (16, "pass"),
    ],
)
def test_dnssec03_follows_rfc8624_for_each_signing_algorithm(algorithm: int, status: str) -> None:
    # RFC 8624 §3.1 signing column: RSASHA1 (5, 7) and RSASHA512 (10) NOT RECOMMENDED; 8 and
    # 13 MUST; 15 RECOMMENDED; 14 and 16 MAY. The DS built from each key still matches it.
    import dns.dnssec
    from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, rsa

    from checks.findings import Collector, Mechanism

    private: object
    if algorithm in (5, 7, 8, 10):
        private = rsa.generate_private_key(65537, 2048)
    elif algorithm in (13, 14):
        private = ec.generate_private_key(ec.SECP256R1() if algorithm == 13 else ec.SECP384R1())
    else:
        private = (
            ed25519.Ed25519PrivateKey if algorithm == 15 else ed448.Ed448PrivateKey
        ).generate()
    key = dns.dnssec.make_dnskey(private.public_key(), algorithm, 257)  # type: ignore[attr-defined]
    ds = dns.dnssec.make_ds("example.test.", key, 2)
    out = Collector(Mechanism.DNSSEC)
    ds_answer = DnsAnswer("example.test", "DS", "NOERROR", records=[ds])
    key_answer = DnsAnswer("example.test", "DNSKEY", "NOERROR", records=[key])
    dnssec._dnssec03(out, "example.test", ds_answer, key_answer)
    dnssec._dnssec02(out, "example.test", ds_answer, key_answer)
    assert [(f.id, f.status) for f in out.findings] == [
        ("DNSSEC-03", status),
        ("DNSSEC-02", "pass"),
    ]


@pytest.mark.parametrize(
    ("params", "status"),
    [("1 0 0 -", "pass"), ("1 0 0 AABBCCDD", "warn"), ("1 0 10 -", "warn"), ("1 0 150 AB", "fail")],
)
def test_dnssec06_follows_rfc9276(params: str, status: str) -> None:
    # RFC 9276 §3.1: 0 iterations and no salt; above 100 (heuristic) resolvers may give up.
    import dns.rdata
    import dns.rdataclass
    import dns.rdatatype

    from checks.findings import Collector, Mechanism

    record = dns.rdata.from_text(dns.rdataclass.IN, dns.rdatatype.NSEC3PARAM, params)
    out = Collector(Mechanism.DNSSEC)
    dnssec._dnssec06(
        out, "example.test", DnsAnswer("example.test", "NSEC3PARAM", "NOERROR", records=[record])
    )
    assert [f.status for f in out.findings] == [status]


def _dnssec02(ds_texts: list[str], key: object | None = None) -> tuple[object, list]:  # type: ignore[type-arg]
    """DNSSEC-02 for a zone with one ECDSA KSK and the DS records `ds_texts`, in which
    "{tag}" stands for that key's tag and "{sha1}"/"{sha256}" for its real digests."""
    import dns.dnssec
    import dns.rdata
    import dns.rdataclass
    import dns.rdatatype
    from cryptography.hazmat.primitives.asymmetric import ec

    from checks.findings import Collector, Mechanism

    if key is None:
        key = dns.dnssec.make_dnskey(ec.generate_private_key(ec.SECP256R1()).public_key(), 13, 257)
    fields = {
        "tag": dns.dnssec.key_id(key),  # type: ignore[arg-type]
        "sha1": dns.dnssec.make_ds("example.test.", key, 1, validating=True).digest.hex(),  # type: ignore[arg-type]
        "sha256": dns.dnssec.make_ds("example.test.", key, 2).digest.hex(),  # type: ignore[arg-type]
    }
    records = [
        dns.rdata.from_text(dns.rdataclass.IN, dns.rdatatype.DS, t.format(**fields))
        for t in ds_texts
    ]
    out = Collector(Mechanism.DNSSEC)
    dnssec._dnssec02(
        out,
        "example.test",
        DnsAnswer("example.test", "DS", "NOERROR", records=records),
        DnsAnswer("example.test", "DNSKEY", "NOERROR", records=[key]),  # type: ignore[list-item]
    )
    return key, out.findings


@pytest.mark.parametrize("digest_type", [3, 5])
def test_dnssec02_a_gost_ds_is_not_called_a_mismatch(digest_type: int) -> None:
    # GOST R 34.11-94 (3) and -2012 (5, RFC 9558) digests cannot be computed here: whether the
    # DS matches is unknown, and validators without GOST treat the zone as insecure, not bogus
    # (RFC 4035 §5.2). DNSSEC-04 already warns about the digest.
    _, found = _dnssec02([f"{{tag}} 13 {digest_type} {'ab' * 32}"])
    assert [(f.id, f.status) for f in found] == [("DNSSEC-02", Status.ERROR)]
    assert "not checked" in found[0].summary
    # Control: a GOST DS naming a key tag the zone does not publish is a real mismatch.
    _, found = _dnssec02([f"1 13 {digest_type} {'ab' * 32}"])
    assert [f.status for f in found] == [Status.FAIL]


def test_dnssec02_a_matching_sha1_ds_does_not_rescue_a_wrong_sha256_one() -> None:
    # RFC 4509 §3: with a SHA-256 DS in the set, validators (Unbound, BIND) ignore the SHA-1
    # ones, so a typo in the SHA-256 DS makes the zone bogus even though the SHA-1 DS matches.
    key, found = _dnssec02(["{tag} 13 1 {sha1}", "{tag} 13 2 " + "ab" * 32])
    assert [(f.id, f.status) for f in found] == [("DNSSEC-02", Status.FAIL)]
    assert "RFC 4509" in found[0].summary
    import dns.dnssec

    right = dns.dnssec.make_ds("example.test.", key, 2).to_text()  # type: ignore[arg-type]
    assert found[0].fix.endswith(right)
    # Controls: both right, or the SHA-256 one right and the SHA-1 one wrong, pass.
    for texts in (
        ["{tag} 13 1 {sha1}", "{tag} 13 2 {sha256}"],
        ["{tag} 13 1 " + "ab" * 20, "{tag} 13 2 {sha256}"],
    ):
        assert [f.status for f in _dnssec02(texts, key)[1]] == [Status.PASS]


def test_dnssec02_a_stale_ds_beside_the_matching_one_passes() -> None:
    # A rollover: the parent still lists the DS of a retired key (another tag and algorithm);
    # one DS matching a key that signs the key set is a complete chain (RFC 6840 §5.11).
    _, found = _dnssec02(["{tag} 13 2 {sha256}", "4711 8 2 " + "cd" * 32])
    assert [f.status for f in found] == [Status.PASS]


@pytest.mark.parametrize("stale_algorithm", [1, 5, 7])
def test_dnssec03_judges_the_signing_keys_not_a_stale_ds(stale_algorithm: int) -> None:
    # After a rollover from RSASHA1 (or worse) to ECDSA, the parent still lists the old DS.
    # The zone signs with algorithm 13 only: "signed with RSAMD5/RSASHA1" would be untrue.
    import dns.dnssec
    import dns.rdata
    import dns.rdataclass
    import dns.rdatatype
    from cryptography.hazmat.primitives.asymmetric import ec

    from checks.findings import Collector, Mechanism

    key = dns.dnssec.make_dnskey(ec.generate_private_key(ec.SECP256R1()).public_key(), 13, 257)
    stale = dns.rdata.from_text(
        dns.rdataclass.IN, dns.rdatatype.DS, f"4711 {stale_algorithm} 2 {'cd' * 32}"
    )
    ds = DnsAnswer(
        "example.test",
        "DS",
        "NOERROR",
        records=[dns.dnssec.make_ds("example.test.", key, 2), stale],
    )
    out = Collector(Mechanism.DNSSEC)
    dnssec._dnssec03(
        out, "example.test", ds, DnsAnswer("example.test", "DNSKEY", "NOERROR", records=[key])
    )
    assert [f.status for f in out.findings] == [Status.PASS]
    assert out.findings[0].evidence["algorithms"] == [13]
    # Without a readable DNSKEY set the DS algorithms are all there is to judge.
    out = Collector(Mechanism.DNSSEC)
    dnssec._dnssec03(out, "example.test", ds, DnsAnswer("example.test", "DNSKEY", "SERVFAIL"))
    assert out.findings[0].evidence["algorithms"] == [stale_algorithm, 13]


def test_an_authoritative_server_that_hangs_up_or_stalls_is_left_out() -> None:
    # DNSSEC-10 asks each authoritative server directly; one that closes its TCP connection
    # without a reply (EOFError from dnspython) or stalls past the limit is "no answer", never
    # an exception that ends the whole mechanism or a wait beyond the check's timeout.
    ctx = CheckContext("example.test", CheckConfig(timeout=0.2), dns=FakeDns({}))  # type: ignore[arg-type]

    async def hang_up(*args: object, **kwargs: object) -> None:
        raise EOFError

    async def stall(*args: object, **kwargs: object) -> None:
        await asyncio.sleep(30)

    for transport in (hang_up, stall):
        with mock.patch("dns.asyncquery.udp_with_fallback", transport):
            started = asyncio.run(asyncio.wait_for(_timed(ctx), 5))
        assert started[0] is None
        assert started[1] < 1.0


async def _timed(ctx: CheckContext) -> tuple[object, float]:
    t0 = time.monotonic()
    result = await dnssec._ask_authoritative(ctx, "example.test", "192.0.2.53")
    return result, time.monotonic() - t0
