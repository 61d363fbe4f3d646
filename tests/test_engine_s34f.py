"""Engine follow-ups of task s34f (the last session's "noticed and left"), each written failing
before its change.

1. MTASTS-01 names an MTA-STS record published at mta-sts.<domain> (no underscore: the
   checklist's other "Bad" example) as it names one at _mta_sts.<domain>, and its fix deletes
   only that TXT record: the name is the policy host, whose A/AAAA records stay. A null-MX
   domain needs no MTA-STS (RFC 7505 §3): a record at either name is named to be deleted,
   never moved.
2. A TLS-RPT mailto: address is read percent-decoded (RFC 6068 §2), by the engine's parser,
   so ReportAddress._is_ours, rua_record and the reports card read 'tlsrpt%2B<token>' as ours.
3. MTASTS-05 (and MTASTS-07) quote a byte that is not UTF-8 as its escape ('\\xe9'), not as
   '\ufffd', and MTASTS-05 names full-width digits or letters as MTASTS-08 does.
5. MTASTS-16 (slow fetch) and MTASTS-11 (past our limit) say the same of how long senders
   wait. (Item 4, the reports parser, is tests/test_reports_s34f.py.)"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import override_settings

from checks.findings import Status
from mailsec.domains.models import Domain
from reports.models import ReportAddress
from tests.conftest import BaseTestCase
from tests.test_engine_s32t_blind import policy_file, policy_text
from tests.test_engine_s33e import DOMAIN, UNDERSCORE, _mtasts01, _run, _zone
from tests.test_spf import published

HOST = f"mta-sts.{DOMAIN}"


def _at_host(record: str, *, underscore: str | None = None) -> dict[Any, Any]:
    """No record at _mta-sts; `record` at the policy host mta-sts.<domain> (beside its A)."""
    zone = _zone(underscore)
    zone[(HOST, "TXT")] = [record]
    return zone


def _asked(dns: Any, name: str) -> int:
    return sum(1 for asked, rdtype in dns.asked if asked == name and rdtype == "TXT")


def test_a_record_at_the_policy_host_beside_a_served_policy_is_named_and_moved() -> None:
    findings, dns = _run(
        _at_host("v=STSv1; id=20261203; note=owner"), policy_file(DOMAIN, policy_text(DOMAIN))
    )
    finding = _mtasts01(findings)
    assert finding.status == Status.INFO  # no status change
    assert f"published at {HOST}, where senders never look" in finding.summary
    assert "'v=STSv1; id=20261203; note=owner'" in finding.summary
    assert f"puts it at _mta-sts.{DOMAIN}, so move it there" in finding.summary
    first, *rest = finding.fix.split("\n")
    name, record = published(first)
    assert name == f"_mta-sts.{DOMAIN}"
    assert record.startswith("v=STSv1; id=") and record.endswith("; note=owner"), record
    assert len(rest) == 1, finding.fix
    # Only the TXT record goes: the name is the policy host, whose address records stay.
    assert rest[0].startswith(f"Delete the TXT record at {HOST}, where senders never look"), rest
    assert "A or AAAA records" in rest[0] and "stay" in rest[0], rest
    assert rest[0].endswith(f'{HOST}. TXT "v=STSv1; id=20261203; note=owner"'), rest
    assert finding.evidence["misplaced"] == [
        {"name": HOST, "record": "v=STSv1; id=20261203; note=owner"}
    ]
    assert _asked(dns, HOST) == 1


def test_records_at_both_wrong_names_are_named_together() -> None:
    findings, _ = _run(_at_host("v=STSv1; id=2", underscore="v=STSv1; id=1"), {})
    finding = _mtasts01(findings)
    assert f"published at {UNDERSCORE} and {HOST}, where senders never look" in finding.summary
    assert finding.fix.startswith("Publish these three, in this order:"), finding.fix
    deletes = finding.fix.split("\n")[-2:]
    assert deletes[0] == (
        f'Delete the record at {UNDERSCORE}, where senders never look: {UNDERSCORE}. TXT "v=STSv1; id=1"'
    )
    assert deletes[1].startswith(f"Delete the TXT record at {HOST}"), deletes
    assert [m["name"] for m in finding.evidence["misplaced"]] == [UNDERSCORE, HOST]


def test_other_text_at_the_policy_host_is_not_named() -> None:
    findings, _ = _run(_at_host("google-site-verification=abc"), {})
    finding = _mtasts01(findings)
    assert HOST not in finding.summary
    assert "misplaced" not in finding.evidence


def test_a_record_reached_through_the_policy_host_alias_is_not_named() -> None:
    # mta-sts.<domain> CNAME to a hosting service: a TXT record there is the service's, not
    # at mta-sts.<domain> (no other data beside a CNAME), and the alias must stay.
    zone = _zone(None)
    del zone[(HOST, "A")]
    zone[(HOST, "CNAME")] = ["sts.host.example."]
    zone[("sts.host.example", "A")] = ["192.0.2.13"]
    zone[("sts.host.example", "TXT")] = ["v=STSv1; id=20261203"]
    findings, _ = _run(zone, {})
    finding = _mtasts01(findings)
    assert HOST not in finding.summary and "sts.host.example" not in finding.summary
    assert "misplaced" not in finding.evidence


def test_the_policy_host_is_not_asked_when_the_record_is_at_mta_sts() -> None:
    findings, dns = _run(
        _zone("v=STSv1; id=20261203", at_hyphen=True), policy_file(DOMAIN, policy_text(DOMAIN))
    )
    assert _mtasts01(findings).status == Status.PASS
    assert _asked(dns, HOST) == 0


def _null_mx(zone: dict[Any, Any]) -> dict[Any, Any]:
    for key in [k for k in zone if k[1] == "MX"]:
        del zone[key]
    zone[(DOMAIN, "MX")] = ["0 ."]
    return zone


def test_a_null_mx_domain_is_told_to_delete_a_misplaced_record_not_to_move_it() -> None:
    findings, _ = _run(_null_mx(_zone("v=STSv1; id=20261203")), {})
    finding = _mtasts01(findings)
    assert finding.status == Status.NA  # MTA-STS does not apply: unchanged
    assert finding.summary.startswith(f"{DOMAIN} accepts no mail (null MX), so MTA-STS does not")
    assert f"published at {UNDERSCORE}, where senders never look" in finding.summary
    assert "needs none" in finding.summary and "deleted" in finding.summary, finding.summary
    assert "move it" not in finding.summary
    assert finding.fix == (
        f"Delete the record at {UNDERSCORE}, where senders never look: "
        f'{UNDERSCORE}. TXT "v=STSv1; id=20261203"'
    ), finding.fix
    assert finding.evidence["misplaced"] == [{"name": UNDERSCORE, "record": "v=STSv1; id=20261203"}]


def test_a_null_mx_domain_with_a_left_over_record_deletes_the_misplaced_one_too() -> None:
    zone = _null_mx(_zone("v=STSv1; id=1", at_hyphen=True))
    zone[(HOST, "TXT")] = ["v=STSv1; id=2"]
    findings, _ = _run(zone, {})
    finding = _mtasts01(findings)
    assert finding.status == Status.NA
    assert f"Its MTA-STS record (_mta-sts.{DOMAIN}) is left over" in finding.summary
    assert f"published at {HOST}, where senders never look" in finding.summary
    assert finding.fix.startswith(f"Delete the TXT record _mta-sts.{DOMAIN}"), finding.fix
    assert finding.fix.split("\n")[-1].startswith(f"Delete the TXT record at {HOST}"), finding.fix


def test_a_null_mx_domain_with_nothing_misplaced_reads_as_before() -> None:
    findings, _ = _run(_null_mx(_zone(None)), {})
    finding = _mtasts01(findings)
    assert finding.summary == f"{DOMAIN} accepts no mail (null MX), so MTA-STS does not apply."
    assert finding.fix == ""


# 2. A mailto: address is read percent-decoded (RFC 6068 §2: '+' may be written %2B, a quote
#    %22, any octet of the address may be), by the engine's parser, so whoever asks whose an
#    address is (ReportAddress._is_ours) reads what senders read.

INBOUND = "in.mailsec.example"


def test_the_engine_reads_a_mailbox_percent_decoded() -> None:
    from checks.tlsrpt import mailbox

    assert mailbox(f"mailto:tlsrpt%2B0123abcd@{INBOUND}") == ("tlsrpt+0123abcd", INBOUND)
    assert mailbox("mailto:tls%2dreports@Example%2EOrg") == ("tls-reports", "example.org")
    assert mailbox("mailto:%22a%20b%22@example.org") == ('"a b"', "example.org")


def test_an_at_sign_percent_encoded_outside_quotes_is_no_address() -> None:
    from checks.tlsrpt import mailbox, parse_tlsrpt_record

    # Decoded, 'tlsrpt+a@b@<inbound>': an '@' outside quotes, as written unencoded.
    assert mailbox(f"mailto:tlsrpt+a%40b@{INBOUND}") is None
    assert mailbox("mailto:%22a%40b%22@example.org") == ('"a@b"', "example.org")
    record = parse_tlsrpt_record("v=TLSRPTv1; rua=mailto:a%40b@example.org")
    [problem] = [p for p in record.problems if p.check_id == "TLSRPT-06"]
    assert problem.status == Status.FAIL and "'a%40b' (read 'a@b')" in problem.message


def test_our_address_written_with_a_percent_encoded_plus_is_ours(settings: Any) -> None:
    settings.TLSRPT_INBOUND_DOMAIN = INBOUND
    assert ReportAddress._is_ours(f"mailto:tlsrpt%2B0123abcd@{INBOUND}")
    assert ReportAddress._is_ours(f"mailto:tlsrpt%2b0123abcd@{INBOUND}")
    assert ReportAddress._is_ours(f"mailto:%74lsrpt+0123abcd@{INBOUND}")
    assert not ReportAddress._is_ours("mailto:tlsrpt%2B0123abcd@example.com")
    assert not ReportAddress._is_ours(f"mailto:tlsrpt+a%40b@{INBOUND}")


@override_settings(TLSRPT_INBOUND_DOMAIN=INBOUND)
class RuaRecordTestCase(BaseTestCase):
    def test_our_own_address_written_with_2b_is_suggested_once(self) -> None:
        domain = Domain.objects.create(team=self.team, name="example.org")
        address = ReportAddress.for_domain(domain)
        published = (
            f"v=TLSRPTv1; rua=mailto:tls@example.org,mailto:tlsrpt%2B{address.token}@{INBOUND}"
        )
        record = address.rua_record(published)
        assert record.startswith(
            f"v=TLSRPTv1; rua=mailto:tls@example.org,mailto:tlsrpt+{address.token}@{INBOUND}"
        ), record
        assert "%2B" not in record, record

    # A site with https, whose URL the record must name too (a plain-http development site
    # offers the mailbox alone: tests/test_review_s34o.py).
    @override_settings(SITE_ROOT="https://mailsec.example")
    def test_the_card_counts_our_address_written_with_2b_as_published(self) -> None:
        from types import SimpleNamespace

        from reports.templatetags.reports_tags import record_context

        domain = Domain.objects.create(team=self.team, name="example.org")
        address = ReportAddress.for_domain(domain)

        def published(rua: str) -> bool:
            evidence = {
                "query": "_smtp._tls.example.org TXT",
                "rcode": "NOERROR",
                "answers": [f'"v=TLSRPTv1; rua={rua}"'],
            }
            run = SimpleNamespace(findings=[{"id": "TLSRPT-01", "evidence": evidence}])
            return bool(record_context(address, run)["published"])

        https = address.https_url
        assert published(f"mailto:tlsrpt+{address.token}@{INBOUND},{https}")
        assert published(f"mailto:tlsrpt%2B{address.token}@{INBOUND},{https}")
        assert published(f"MAILTO:tlsrpt+{address.token}@{INBOUND.upper()},{https}")
        assert not published(f"mailto:tlsrpt+{address.token}@{INBOUND}.evil.example,{https}")
        assert not published(f"mailto:tlsrpt+{address.token}@{INBOUND}")


# 3. MTASTS-05 quotes an id as the owner can find it in the zone: a byte that is not UTF-8
#    (Latin-1 'é', 0xE9) as its escape, not as '�', and full-width digits or letters named as
#    MTASTS-08 names them (checks.lookalike.full_width).


def _problems(raw: bytes | str, check_id: str) -> list[str]:
    from checks.mtasts import parse_sts_record

    return [p.message for p in parse_sts_record(raw).problems if p.check_id == check_id]


def test_mtasts05_shows_a_latin1_byte_of_the_id_as_its_escape() -> None:
    [message] = _problems(b"v=STSv1; id=2024\xe9", "MTASTS-05")
    assert "\ufffd" not in message
    assert message.startswith("The id '2024\\xe9' "), message
    assert "not UTF-8" in message and "'é' in Latin-1" in message, message


def test_mtasts07_shows_a_latin1_byte_of_a_field_as_its_escape() -> None:
    [message] = _problems(b"v=STSv1; id=20260601; note=caf\xe9", "MTASTS-07")
    assert "\ufffd" not in message
    assert "'note=caf\\xe9'" in message, message


def test_a_replacement_character_published_as_utf8_is_shown_as_it_is() -> None:
    [message] = _problems("v=STSv1; id=2024\ufffd".encode(), "MTASTS-05")
    assert message.startswith("The id '2024\ufffd' "), message


def test_mtasts05_names_full_width_digits_of_the_id() -> None:
    [message] = _problems("v=STSv1; id=２０２６０６", "MTASTS-05")
    assert "full-width digits ('２０２６０６', in ASCII '202606')" in message, message
    assert "not only letters and digits" not in message
    [mixed] = _problems("v=STSv1; id=ＡＢ12", "MTASTS-05")
    assert "full-width letters ('ＡＢ', in ASCII 'AB')" in mixed, mixed


# 5. MTASTS-16 (a fetch over 10 s: "senders may give up") and MTASTS-11 (no answer within our
#    limit: "senders may wait up to a minute, so their fetch can still succeed") told two
#    stories. Both now say the same true one: RFC 8461 §3.3 suggests a one-minute timeout,
#    which senders MAY impose, and some wait that long (mox), but postfix-mta-sts-resolver
#    gives up after 4 s by default (its `timeout`, for the DNS and the HTTPS requests).


def test_a_slow_fetch_says_what_senders_wait(monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.test_engine_s33q import _mtasts16

    ((status, summary),) = _mtasts16(monkeypatch, 11_602.0)
    assert status == Status.WARN  # unchanged
    assert "took 11.6 s" in summary
    assert "up to a minute (RFC 8461 §3.3)" in summary, summary
    assert "postfix-mta-sts-resolver after 4 s by default" in summary, summary
    assert "senders may give up." not in summary


def test_a_host_past_our_limit_says_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.test_engine_s33q import _timed_out_summary

    summary = _timed_out_summary(monkeypatch)
    assert "up to a minute (RFC 8461 §3.3)" in summary, summary
    assert "postfix-mta-sts-resolver after 4 s by default" in summary, summary
    assert "so their fetch can still succeed" not in summary
