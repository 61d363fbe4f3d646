"""Task s29f: gaps left by session s28's notes (no lab; the NULL-only server is in the lab's
blind round s28s, tests/test_lab_s28s_blind.py)."""

from __future__ import annotations

import pytest

from checks.findings import Status
from checks.tlsrpt import parse_tlsrpt_record


# ------------------------------------------------------------------ TLSRPT-04 (item 4)
@pytest.mark.parametrize(
    ("raw", "what", "quoted"),
    [
        ("v=TLSRPTv1\t; rua=mailto:tls@example.org", "A tab", '"v=TLSRPTv1<tab>;"'),
        ("v=TLSRPTv1 ; rua=mailto:tls@example.org", "A space", '"v=TLSRPTv1 ;"'),
        ("v=TLSRPTv1  ; rua=mailto:tls@example.org", "Whitespace", '"v=TLSRPTv1  ;"'),
    ],
)
def test_tlsrpt04_quotes_the_whitespace_that_was_published(
    raw: str, what: str, quoted: str
) -> None:
    # The warning quoted '"v=TLSRPTv1 ;"' with a space also where the owner typed a tab.
    record = parse_tlsrpt_record(raw)
    assert record.valid
    (problem,) = [p for p in record.problems if p.check_id == "TLSRPT-04"]
    assert problem.status == Status.WARN
    assert problem.message.startswith(f"{what} before the first ';' ({quoted})")
    if "\t" in raw:
        assert '"v=TLSRPTv1 ;"' not in problem.message


# ------------------------------------------------------------------ SMTP-01 (item 2)
def _smtp01(mx_data: str) -> object:
    import asyncio

    from checks import starttls
    from tests.test_mx import make_ctx

    zone = {
        ("example.org", "MX"): [mx_data],
        ("example.org", "TXT"): ['"v=spf1 ip4:192.0.2.12 -all"'],
    }
    findings = asyncio.run(starttls.evaluate(make_ctx("example.org", zone)))
    (smtp01,) = [f for f in findings if f.id == "SMTP-01"]
    return smtp01


@pytest.mark.parametrize("mx_data", ["10 192.0.2.12.example.org.", "10 192.0.2.12."])
def test_smtp01_for_an_ip_as_mx_target_points_at_mx05(mx_data: str) -> None:
    # 'MX 10 192.0.2.12' without its final dot becomes 192.0.2.12.example.org: MX-05 explains
    # it and gives the records to publish; SMTP-01's fix said 'see MX-01, MX-06'.
    smtp01 = _smtp01(mx_data)
    assert smtp01.status == Status.FAIL  # type: ignore[attr-defined]
    assert "(see MX-05)" in smtp01.fix  # type: ignore[attr-defined]
    assert "MX-01" not in smtp01.fix  # type: ignore[attr-defined]
    assert "192.0.2.12" in smtp01.summary  # type: ignore[attr-defined]
    assert "(MX-05)" in smtp01.summary  # type: ignore[attr-defined]


def test_smtp01_for_a_host_without_address_still_points_at_mx01_and_mx06() -> None:
    smtp01 = _smtp01("10 mx1.example.org.")
    assert "(see MX-01, MX-06)" in smtp01.fix  # type: ignore[attr-defined]


# ------------------------------------------------------------------ MX-04 (item 3)
def _mx04(cnames: dict[str, str], zone_extra: dict[tuple[str, str], list[str]]) -> object:
    import asyncio

    from checks import mx
    from tests.test_mx import make_ctx

    zone = {("example.org", "MX"): ["10 mail.example.org."], **zone_extra}
    findings = asyncio.run(mx.evaluate(make_ctx("example.org", zone, cnames=cnames)))
    (mx04,) = [f for f in findings if f.id == "MX-04"]
    return mx04


def test_mx04_shows_the_whole_alias_chain() -> None:
    # 'mail CNAME relay', 'relay CNAME mx1': the text named only mx1 (RFC 5321 §5.1, RFC 2181
    # §10.3: the MX must name mx1 itself; both steps are aliases senders have to follow).
    mx04 = _mx04(
        {"mail.example.org": "relay.example.org", "relay.example.org": "mx1.example.org"},
        {("mx1.example.org", "A"): ["192.0.2.11"]},
    )
    assert mx04.status == Status.WARN  # type: ignore[attr-defined]
    chain = "mail.example.org → relay.example.org → mx1.example.org"
    assert chain in mx04.summary  # type: ignore[attr-defined]
    assert "a chain of 2 aliases" in mx04.summary  # type: ignore[attr-defined]
    assert mx04.evidence["cname_chain"] == [  # type: ignore[attr-defined]
        "relay.example.org",
        "mx1.example.org",
    ]
    assert mx04.fix == "example.org. MX 10 mx1.example.org."  # type: ignore[attr-defined]


def test_mx04_for_a_dangling_chain_shows_it_too() -> None:
    mx04 = _mx04(
        {"mail.example.org": "relay.example.org", "relay.example.org": "gone.example.org"}, {}
    )
    assert "mail.example.org → relay.example.org → gone.example.org" in mx04.summary  # type: ignore[attr-defined]
    assert "dangling" in mx04.summary  # type: ignore[attr-defined]


def test_mx04_for_one_alias_reads_as_before() -> None:
    mx04 = _mx04(
        {"mail.example.org": "mx1.example.org"}, {("mx1.example.org", "A"): ["192.0.2.11"]}
    )
    assert mx04.summary.startswith(  # type: ignore[attr-defined]
        "The MX target mail.example.org is an alias (CNAME) for mx1.example.org; RFC 2181"
    )


# ------------------------------------------------------------------ SMTP-08 (item 1)
# The probe itself runs in the lab (tests/test_lab_s28s_blind.py, s28s-nullonly); here the
# findings given a probe that learnt it, and the offer that asks.
def _smtp_findings(null_cipher: str) -> list:  # type: ignore[type-arg]
    from types import SimpleNamespace

    from checks import starttls
    from checks.config import CheckConfig
    from checks.context import CheckContext
    from checks.findings import Collector, Mechanism

    probe = starttls.SmtpProbe(host="mx2.example.test", address="192.0.2.25", port=25)
    probe.banner, probe.banner_code, probe.ehlo_ok = "220 mx2 ESMTP", 220, True
    probe.extensions, probe.starttls_offered = ["STARTTLS"], True
    probe.error_kind = "tls-handshake"
    probe.problem = (
        "the TLS handshake failed: the server closed the connection without a TLS alert "
        "(twice in a row)"
    )
    probe.suites_refused, probe.null_cipher = True, null_cipher
    out = Collector(Mechanism.SMTP)
    ctx = CheckContext("example.test", CheckConfig(allow_private_targets=True))
    starttls._per_probe(
        out, SimpleNamespace(name=probe.host), probe, starttls._Context(), None, ctx
    )
    return out.findings


def test_smtp08_warns_of_a_server_that_takes_only_null_suites() -> None:
    findings = _smtp_findings("ECDHE-ECDSA-NULL-SHA")
    (smtp04,) = [f for f in findings if f.id == "SMTP-04"]
    assert smtp04.status == Status.FAIL
    assert "cipher suites" in smtp04.fix
    (smtp08,) = [f for f in findings if f.id == "SMTP-08"]
    assert smtp08.status == Status.WARN
    assert "only NULL (unencrypted) cipher suites" in smtp08.summary
    assert "ECDHE-ECDSA-NULL-SHA" in smtp08.summary
    assert smtp08.evidence["null_cipher_only"] == "ECDHE-ECDSA-NULL-SHA"


def test_smtp08_says_nothing_when_the_null_question_was_not_answered() -> None:
    findings = _smtp_findings("")
    assert [f.status for f in findings if f.id == "SMTP-04"] == [Status.FAIL]
    assert not [f for f in findings if f.id == "SMTP-08"]


def test_the_null_question_offers_null_encryption_suites_alone() -> None:
    import ssl

    from checks import starttls

    context = starttls._client_context(null_only=True)
    names = [c["name"] for c in context.get_ciphers() if c["protocol"] != "TLSv1.3"]
    assert names and all("NULL" in name for name in names)
    assert context.maximum_version == ssl.TLSVersion.TLSv1_2


# ------------------------------------------------------------------ BIMI-02 (item 5)
# The draft (Assertion Record Definition): "Mail receivers MUST NOT attempt to fix syntactical
# or capitalization errors"; the record follows DKIM's tag-value syntax (RFC 6376 §3.2), so a
# record that does not parse is invalid (Authentication-Results bimi=fail, "syntax error in the
# BIMI record"). As for a repeated tag (s28n), nothing in it is judged as if it applied.
@pytest.mark.parametrize(
    "tail",
    ["; junk", "; (managed by IT)", "; l2 https://bimi.example.com/other.svg", "; =x"],
)
def test_a_bimi_record_with_a_syntax_error_ends_at_bimi02(tail: str) -> None:
    from tests.test_bimi import CERT, LOGO, bimi_run

    found = bimi_run(f"v=BIMI1; l={LOGO}; a={CERT}{tail}")
    [verdict] = [f for f in found if f.id == "BIMI-02"]
    assert verdict.status == Status.FAIL
    assert "not a 'tag=value' pair" in verdict.summary
    assert "ignore" in verdict.summary
    # No logo URL, certificate or logo judged from a record receivers do not use.
    assert {f.id for f in found} <= {"BIMI-01", "BIMI-02"}


def test_a_bimi_record_with_an_unknown_tag_is_still_judged() -> None:
    # Unknown tags MUST be ignored (draft §4.3): no syntax error, the record applies.
    from tests.test_bimi import CERT, LOGO, bimi_run

    found = bimi_run(f"v=BIMI1; l={LOGO}; a={CERT}; x=y")
    assert [f.status for f in found if f.id == "BIMI-02"] == [Status.PASS]
    assert [f.status for f in found if f.id == "BIMI-09"] == [Status.PASS]
