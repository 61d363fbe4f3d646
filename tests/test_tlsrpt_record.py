"""checks/tlsrpt.py: the TLS-RPT record parser (unit + property-based) and TLSRPT-01..11."""

from __future__ import annotations

import asyncio

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from checks import https, tlsrpt
from checks.findings import Finding, Status
from checks.tlsrpt import parse_tlsrpt_record
from tests.test_mx import FakeDns, bad, make_ctx, statuses


def ids(record: tlsrpt.TlsRptRecord) -> set[tuple[str, str]]:
    return {(p.check_id, str(p.status)) for p in record.problems}


@pytest.mark.parametrize(
    ("raw", "expected", "valid"),
    [
        ("v=TLSRPTv1; rua=mailto:tlsrpt@example.org,https://rpt.example.net/v1", set(), True),
        ("v=TLSRPTv1; rua=mailto:a@example.org , mailto:b@example.org;", set(), True),
        ("v=TLSRPTv1;", {("TLSRPT-05", "fail")}, False),
        ("rua=mailto:tls@example.org; v=TLSRPTv1", {("TLSRPT-04", "fail")}, False),
        ("v=TLSRPTV1; rua=mailto:tls@example.org", {("TLSRPT-04", "fail")}, False),
        ("v=TLSRPTv1, rua=mailto:tls@example.org", {("TLSRPT-04", "fail")}, False),
        # The record must begin with "v=TLSRPTv1": leading whitespace has it discarded
        # (RFC 8460 §3), while whitespace before the first ';' is legal ABNF.
        (" v=TLSRPTv1; rua=mailto:tls@example.org", {("TLSRPT-04", "fail")}, False),
        ("\tv=TLSRPTv1; rua=mailto:tls@example.org", {("TLSRPT-04", "fail")}, False),
        ("v=TLSRPTv1 ; rua=mailto:tls@example.org", {("TLSRPT-04", "warn")}, True),
        ("v=TLSRPTv1; rua=http://rpt.example.org/v1", {("TLSRPT-06", "fail")}, False),
        ("v=TLSRPTv1; rua=reports@example.org", {("TLSRPT-06", "fail")}, False),
        ("v=TLSRPTv1; rua=mailto:", {("TLSRPT-06", "fail")}, False),
        ("v=TLSRPTv1; rua=http://x.example/, mailto:a@example.org", {("TLSRPT-06", "warn")}, True),
        ("v=TLSRPTv1; rua=mailto:tls@example.org!10m", {("TLSRPT-07", "warn")}, True),
        (
            "v=TLSRPTv1; rua=mailto:a@example.org; rua=https://rpt.example.net/v1",
            {("TLSRPT-08", "info")},
            True,
        ),
        ("v=TLSRPTv1; rua=mailto:a@example.org; ext=1", {("TLSRPT-09", "info")}, True),
        ("v=TLSRPTv1; rua=mailto:a@example.org; bad ext=1", {("TLSRPT-09", "fail")}, False),
        # The ABNF needs at least one URI after rua=.
        ("v=TLSRPTv1; rua=", {("TLSRPT-05", "fail")}, False),
        ("v=TLSRPTv1; rua=,", {("TLSRPT-05", "fail"), ("TLSRPT-07", "warn")}, False),
        (
            "v=TLSRPTv1; rua=; rua=mailto:a@example.org",
            {("TLSRPT-07", "warn"), ("TLSRPT-08", "info")},
            True,
        ),
        # A URI holds no whitespace: a missing comma makes one unusable URI.
        ("v=TLSRPTv1; rua=mailto:a@example.org mailto:c@d.example", {("TLSRPT-06", "fail")}, False),
        (
            "v=TLSRPTv1; rua=mailto:a@example.org mailto:c@d.example,https://rpt.example.net/",
            {("TLSRPT-06", "warn")},
            True,
        ),
    ],
)
def test_record(raw: str, expected: set[tuple[str, str]], valid: bool) -> None:
    record = parse_tlsrpt_record(raw)
    assert ids(record) == expected
    assert record.valid is valid


def test_uri_with_space_is_not_usable() -> None:
    record = parse_tlsrpt_record("v=TLSRPTv1; rua=mailto:a@example.org mailto:c@d.example")
    assert [(u.usable, u.target) for u in record.uris] == [(False, "")]


def test_uri_targets() -> None:
    record = parse_tlsrpt_record("v=TLSRPTv1; rua=mailto:a@Example.org,https://rpt.example.net/x")
    assert [(u.scheme, u.target) for u in record.uris] == [
        ("mailto", "example.org"),
        ("https", "rpt.example.net"),
    ]


@given(st.text())
@settings(max_examples=300)
def test_never_raises_text(text: str) -> None:
    parse_tlsrpt_record(text)


@given(st.binary())
@settings(max_examples=300)
def test_never_raises_bytes(raw: bytes) -> None:
    parse_tlsrpt_record(raw)


@given(st.lists(st.text(max_size=20), max_size=6))
def test_never_raises_structured(parts: list[str]) -> None:
    parse_tlsrpt_record("v=TLSRPTv1; rua=" + ",".join(parts))


# --- evaluator ----------------------------------------------------------------------------

BASE: dict[tuple[str, str], list[str] | str] = {
    ("example.org", "MX"): ["10 mx1.example.org."],
    ("mx1.example.org", "A"): ["192.0.2.11"],
    ("rpt.example.net", "A"): ["198.51.100.1"],
    ("_smtp._tls.example.org", "TXT"): [
        '"v=TLSRPTv1; rua=mailto:tls@example.org,https://rpt.example.net/v1"'
    ],
}


@pytest.fixture(autouse=True)
def _endpoints_take_posts(monkeypatch: pytest.MonkeyPatch) -> None:
    """The https report host here is at a documentation address with private targets allowed:
    TLSRPT-10's POST probe would reach the network (tests/test_engine_s25p.py tests it against
    a local server). These tests are about the record and the mailto addresses, so the probe
    is stubbed at its boundary as finding nothing wrong (the URL takes POSTs)."""

    async def takes_posts(ctx: object, uri: object) -> list[object]:
        return []

    monkeypatch.setattr(tlsrpt, "_post_probe", takes_posts)


def run(zone: dict[tuple[str, str], list[str] | str], **kw: object) -> list[Finding]:
    ctx = make_ctx("example.org", zone)
    if kw:
        ctx.dns = FakeDns(zone, **kw)  # type: ignore[assignment,arg-type]
    return asyncio.run(tlsrpt.evaluate(ctx))


def test_good() -> None:
    findings = run(BASE)
    assert bad(findings) == set()
    # TLS-RPT checked alone opens no connection to the MX (the mailbox's note, s38n, reads only
    # the SMTP mechanism's probes of a run: tests/test_engine_s38n_rua_unreachable_mx.py).
    assert statuses(findings, "TLSRPT-10") == [Status.PASS]


def test_absent_info() -> None:
    zone = {k: v for k, v in BASE.items() if k[0] != "_smtp._tls.example.org"}
    findings = run(zone)
    assert [(f.id, f.status) for f in findings] == [("TLSRPT-01", Status.INFO)]
    assert findings[0].fix == (
        '_smtp._tls.example.org. TXT "v=TLSRPTv1; rua=mailto:tls-reports@example.org"'
    )


def serve_policy(monkeypatch: pytest.MonkeyPatch, body: str) -> None:
    """The policy file at mta-sts.example.org, as the MTA-STS module fetches it."""

    async def fetch(ctx: object, url: str, **kw: object) -> https.HttpsResult:
        result = https.HttpsResult(url=url, host=url.split("/")[2], elapsed_ms=5.0)
        result.status, result.body = 200, body.encode()
        result.headers = {"content-type": "text/plain"}
        result.per_address = [https.AddressOutcome("192.0.2.13", True, status=200)]
        return result

    monkeypatch.setattr(https, "fetch", fetch)


ENFORCE = "version: STSv1\nmode: enforce\nmx: mx1.example.org\nmax_age: 604800\n"


def test_absent_with_mta_sts_warns(monkeypatch: pytest.MonkeyPatch) -> None:
    serve_policy(monkeypatch, ENFORCE)
    zone = {k: v for k, v in BASE.items() if k[0] != "_smtp._tls.example.org"}
    zone[("_mta-sts.example.org", "TXT")] = ['"v=STSv1; id=1"']
    assert bad(run(zone)) == {("TLSRPT-01", "warn")}


@pytest.mark.parametrize(
    ("record", "body"),
    [
        ('"v=STSv1; id=1"', ENFORCE.replace("enforce", "none")),
        # Senders discard a record not starting with the exact "v=STSv1;" (MTASTS-04).
        ('"v=stsv1; id=1"', ENFORCE),
    ],
    ids=["mode-none", "discarded-record"],
)
def test_absent_with_mta_sts_senders_do_not_apply_is_info(
    monkeypatch: pytest.MonkeyPatch, record: str, body: str
) -> None:
    # Senders apply no MTA-STS policy here, so there is nothing TLS-RPT would report yet.
    serve_policy(monkeypatch, body)
    zone = {k: v for k, v in BASE.items() if k[0] != "_smtp._tls.example.org"}
    zone[("_mta-sts.example.org", "TXT")] = [record]
    assert statuses(run(zone), "TLSRPT-01") == [Status.INFO]


def test_absent_with_mta_sts_we_could_not_fetch_still_warns(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Our fetch of the policy timed out: senders may well apply it, and "could not check"
    # must not turn the warning into a note.
    async def fetch(ctx: object, url: str, **kw: object) -> https.HttpsResult:
        result = https.HttpsResult(url=url, host=url.split("/")[2], elapsed_ms=5.0)
        result.error_kind, result.error = "timeout", "timed out after 8 s"
        return result

    monkeypatch.setattr(https, "fetch", fetch)
    zone = {k: v for k, v in BASE.items() if k[0] != "_smtp._tls.example.org"}
    zone[("_mta-sts.example.org", "TXT")] = ['"v=STSv1; id=1"']
    assert statuses(run(zone), "TLSRPT-01") == [Status.WARN]


def test_absent_with_dane_warns() -> None:
    zone = {k: v for k, v in BASE.items() if k[0] != "_smtp._tls.example.org"}
    zone[("_25._tcp.mx1.example.org", "TLSA")] = ["3 1 1 " + "ab" * 32]
    assert bad(run(zone)) == {("TLSRPT-01", "warn")}


def test_servfail_is_error() -> None:
    findings = run({**BASE, ("_smtp._tls.example.org", "TXT"): "SERVFAIL"})
    assert [(f.id, f.status) for f in findings] == [("TLSRPT-01", Status.ERROR)]


def test_null_mx_na() -> None:
    findings = run({**BASE, ("example.org", "MX"): ["0 ."]})
    assert [(f.id, f.status) for f in findings] == [("TLSRPT-01", Status.NA)]


def test_two_records_fail() -> None:
    zone = {
        **BASE,
        ("_smtp._tls.example.org", "TXT"): [
            '"v=TLSRPTv1; rua=mailto:a@example.org"',
            '"v=TLSRPTv1; rua=https://rpt.example.net/"',
        ],
    }
    assert bad(run(zone)) == {("TLSRPT-02", "fail")}


LEADING_SPACE = '" v=TLSRPTv1; rua=mailto:tls@example.org"'


def test_leading_whitespace_record_is_discarded() -> None:
    # Senders discard a record that does not begin with "v=TLSRPTv1" (RFC 8460 §3): it fails
    # and TLS-RPT is not deployed, rather than a warn and "exactly one record".
    zone = {**BASE, ("_smtp._tls.example.org", "TXT"): [LEADING_SPACE]}
    findings = run(zone)
    assert bad(findings) == {("TLSRPT-04", "fail")}
    assert statuses(findings, "TLSRPT-02") == []
    assert statuses(findings, "TLSRPT-05") == []
    state = asyncio.run(tlsrpt.get_record(make_ctx("example.org", zone)))
    assert (state.status, state.usable) == ("invalid", False)


def test_leading_whitespace_record_next_to_a_good_one_is_not_counted() -> None:
    # Only the good record counts, so there is exactly one (no "more than one record" fail).
    zone = {
        **BASE,
        ("_smtp._tls.example.org", "TXT"): [
            LEADING_SPACE,
            '"v=TLSRPTv1; rua=mailto:a@example.org"',
        ],
    }
    findings = run(zone)
    # Discarded beside the valid record, it does not disable TLS-RPT: a warning (s11-rptorder).
    assert bad(findings) == {("TLSRPT-04", "warn")}
    assert statuses(findings, "TLSRPT-02") == [Status.PASS]
    state = asyncio.run(tlsrpt.get_record(make_ctx("example.org", zone)))
    assert state.usable and state.record is not None
    assert state.record.raw == "v=TLSRPTv1; rua=mailto:a@example.org"


def test_whitespace_before_the_first_separator_is_tolerated() -> None:
    zone = {**BASE, ("_smtp._tls.example.org", "TXT"): ['"v=TLSRPTv1 ; rua=mailto:a@example.org"']}
    findings = run(zone)
    assert bad(findings) == {("TLSRPT-04", "warn")}
    assert statuses(findings, "TLSRPT-02") == [Status.PASS]


def test_several_rua_is_not_a_failure() -> None:
    zone = {
        **BASE,
        ("_smtp._tls.example.org", "TXT"): [
            '"v=TLSRPTv1; rua=mailto:a@example.org; rua=https://rpt.example.net/v1"'
        ],
    }
    findings = run(zone)
    assert bad(findings) == set()
    assert statuses(findings, "TLSRPT-08") == [Status.INFO]


def test_mailto_domain_with_null_mx_warns() -> None:
    zone = {
        **BASE,
        ("_smtp._tls.example.org", "TXT"): ['"v=TLSRPTv1; rua=mailto:r@dead.test"'],
        ("dead.test", "MX"): ["0 ."],
    }
    assert bad(run(zone)) == {("TLSRPT-10", "warn")}


def test_empty_rua_fails_in_evaluator() -> None:
    findings = run({**BASE, ("_smtp._tls.example.org", "TXT"): ['"v=TLSRPTv1; rua="']})
    assert bad(findings) == {("TLSRPT-05", "fail")}
    assert statuses(findings, "TLSRPT-02") == []


def test_mailto_domain_address_servfail_is_error() -> None:
    # No MX and A/AAAA SERVFAIL: could not check, not "no address" (checklist §0).
    zone = {
        **BASE,
        ("_smtp._tls.example.org", "TXT"): ['"v=TLSRPTv1; rua=mailto:r@r.example"'],
        ("r.example", "TXT"): ['"x"'],  # the name exists but has no MX
        ("r.example", "A"): "SERVFAIL",
        ("r.example", "AAAA"): "SERVFAIL",
    }
    findings = run(zone)
    assert statuses(findings, "TLSRPT-10") == [Status.ERROR]
    assert bad(findings) == set()


def test_mailto_domain_without_mx_or_address_warns() -> None:
    zone = {
        **BASE,
        ("_smtp._tls.example.org", "TXT"): ['"v=TLSRPTv1; rua=mailto:r@r.example"'],
        ("r.example", "TXT"): ['"x"'],
    }
    assert bad(run(zone)) == {("TLSRPT-10", "warn")}


def test_https_host_not_resolving_warns() -> None:
    zone = {
        **BASE,
        ("_smtp._tls.example.org", "TXT"): ['"v=TLSRPTv1; rua=https://nowhere.example.net/"'],
    }
    assert bad(run(zone)) == {("TLSRPT-10", "warn")}


def test_a_short_ttl_seen_only_through_the_resolver_is_no_note() -> None:
    # The resolver shows what is left of its cached copy, a lower bound of the published TTL
    # at best: the note needs the zone's own servers' figure (tests/test_engine_s18_causes.py
    # has the short published TTL noted, with an authoritative server answering).
    findings = run(BASE, ttl=300)
    assert statuses(findings, "TLSRPT-11") == []
    assert bad(findings) == set()
    assert statuses(run(BASE, ttl=300, ad=True), "TLSRPT-11") == []


def test_split_strings_are_joined_without_spaces() -> None:
    zone = {
        **BASE,
        ("_smtp._tls.example.org", "TXT"): ['"v=TLSRPTv1; rua=mailto:tls@exa" "mple.org"'],
    }
    findings = run(zone)
    assert bad(findings) == set()
    assert statuses(findings, "TLSRPT-03") == [Status.INFO]


@pytest.mark.parametrize("uri", ["https://198.51.100.7/tlsrpt", "https://[2001:db8::7]/x"])
def test_https_ip_literal_needs_no_dns(uri: str) -> None:
    # An IP literal is not a name: looking it up gave NXDOMAIN and a "does not resolve" warn.
    zone = {**BASE, ("_smtp._tls.example.org", "TXT"): [f'"v=TLSRPTv1; rua={uri}"']}
    findings = run(zone)
    assert bad(findings) == set()
    assert statuses(findings, "TLSRPT-10") == [Status.PASS]
    passed = next(f for f in findings if f.id == "TLSRPT-10")
    assert "IP address" in passed.summary and uri in passed.subject


def _fix(zone: dict[tuple[str, str], list[str] | str], check_id: str) -> str:
    return next(f.fix for f in run(zone) if f.id == check_id and f.fix)


@pytest.mark.parametrize(
    ("rua", "check_id", "expected"),
    [
        # A bare address is the owner's mailbox missing its scheme: repair it, keep it.
        ("tls@example.org", "TLSRPT-06", "mailto:tls@example.org"),
        (
            "tls@example.org,https://rpt.example.net/v1",
            "TLSRPT-06",
            "mailto:tls@example.org,https://rpt.example.net/v1",
        ),
        # An unsupported scheme is kept out; the usable address stays.
        ("http://x.example/,mailto:a@example.org", "TLSRPT-06", "mailto:a@example.org"),
        # The DMARC-style size suffix is dropped rather than carried into the fix.
        ("mailto:tls@example.org!10m", "TLSRPT-07", "mailto:tls@example.org"),
        # Nothing usable or certainly repairable: only then the example mailbox.
        ("http://rpt.example.org/v1", "TLSRPT-06", "mailto:tls-reports@example.org"),
        ("tls@", "TLSRPT-06", "mailto:tls-reports@example.org"),
    ],
)
def test_record_fix_keeps_the_owners_addresses(rua: str, check_id: str, expected: str) -> None:
    zone = {**BASE, ("_smtp._tls.example.org", "TXT"): [f'"v=TLSRPTv1; rua={rua}"']}
    # Starts with the record name: the domain page swaps in the domain's own report address.
    assert _fix(zone, check_id) == f'_smtp._tls.example.org. TXT "v=TLSRPTv1; rua={expected}"'


def test_two_records_fix_merges_their_addresses() -> None:
    zone = {
        **BASE,
        ("_smtp._tls.example.org", "TXT"): [
            '"v=TLSRPTv1; rua=mailto:a@example.org"',
            '"v=TLSRPTv1; rua=https://rpt.example.net/"',
        ],
    }
    # The records in the order of their text (tlsrpt.merge_order), not of the DNS answer, so
    # the fix reads the same from one run to the next.
    assert _fix(zone, "TLSRPT-02") == (
        '_smtp._tls.example.org. TXT "v=TLSRPTv1; rua=https://rpt.example.net/,mailto:a@example.org"'
    )


def test_a_long_merged_record_is_split_into_255_octet_strings() -> None:
    import dns.rdata

    records = [
        tlsrpt.parse_tlsrpt_record(
            "v=TLSRPTv1; rua=" + ",".join(f"mailto:{n}{'x' * 40}@example.com" for n in "abc")
        ),
        tlsrpt.parse_tlsrpt_record(
            "v=TLSRPTv1; rua=" + ",".join(f"mailto:{n}{'y' * 40}@example.com" for n in "abc")
        ),
    ]
    fix = tlsrpt.record_fix("example.com", records)
    assert fix.startswith('_smtp._tls.example.com. TXT "v=TLSRPTv1; rua=')
    text = fix.split(" TXT ", 1)[1]
    rdata = dns.rdata.from_text("IN", "TXT", text)  # refuses strings over 255 octets
    assert len(rdata.strings) > 1
    assert b"".join(rdata.strings).count(b"mailto:") == 6
