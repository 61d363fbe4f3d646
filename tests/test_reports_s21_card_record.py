"""The TLS reports card's record (domain page card and dashboard, reports_tags.record_context)
read as the engine reads the owner's records (checks.tlsrpt), from a run's stored findings:

1. `_smtp._tls.<domain>` an alias (CNAME) of T: no TXT record can sit beside the CNAME
   (RFC 1034 §3.6.2), so the card says the record goes at T (whoever runs it), or the alias is
   deleted and the record published at `_smtp._tls.<domain>`, as the domain page's fixes say.
2. Several records: their addresses in the engine's merge order (tlsrpt.merge_order), not the
   DNS answer's, which resolvers rotate: the record to copy must not change between two checks.
3. A record the engine keeps the addresses of ("v=TLSRPTv1,rua=…", a comma for ';'): the card
   keeps them too, and one such record beside a valid one is discarded by senders (the valid
   one is used), not "several records, senders ignore them all".
"""

from __future__ import annotations

import html
import re
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from mailsec.accounts.models import Team
from mailsec.domains.models import CheckRun, Domain
from reports.models import ReportAddress
from reports.templatetags.reports_tags import published_record
from tests.test_domains_s21_tlsrpt_record import ALIAS, TARGET, ZONE, engine_findings, ours

pytestmark = pytest.mark.django_db

NAME = "_smtp._tls.example.org"


@pytest.fixture(autouse=True)
def site(settings: Any) -> None:
    settings.SITE_ROOT = "https://mailsec.example"
    settings.TLSRPT_INBOUND_DOMAIN = "in.mailsec.example"


def card_and_dashboard(findings: list[dict[str, Any]], owner_name: str = "owner") -> list[str]:
    """The card on the domain page and the dashboard's record section, tags dropped, for a
    domain whose latest run stored `findings`; and our token last."""
    owner = User.objects.create_user(owner_name, f"{owner_name}@example.org")
    domain = Domain.objects.create(
        team=Team.create_for(owner), name="example.org", verified_at=timezone.now()
    )
    token = ReportAddress.for_domain(domain).token
    run = CheckRun.objects.create(
        domain=domain, status=CheckRun.Status.DONE, finished=timezone.now(), findings=findings
    )
    domain.last_run = run
    domain.save(update_fields=["last_run"])
    client = Client()
    client.force_login(owner)
    page = client.get(f"/domains/{domain.code}/").content.decode()
    dashboard = client.get(f"/tlsrpt/{token}/dashboard/").content.decode()
    return [
        _section(page, 'aria-labelledby="tlsrpt-title"'),
        _section(dashboard, 'id="report-record"'),
        token,
    ]


def _section(page: str, marker: str) -> str:
    start = page.index(marker)
    text = page[start : page.index("</section>", start)]
    # The record as copied, then the words as read.
    record = re.search(r'id="tlsrpt-record">([^<]*)</pre>', text)
    words = re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", "", text)))
    return (html.unescape(record.group(1)) if record else "") + "\n" + words


def record_of(section: str) -> str:
    return section.partition("\n")[0]


# 1. _smtp._tls an alias -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "extra",
    [
        {},  # nothing behind the alias
        {(TARGET, "TXT"): ['"v=TLSRPTv1; rua=mailto:tls@msp.example"']},  # the owner's record
    ],
)
def test_with_the_name_an_alias_the_record_goes_at_the_target(
    monkeypatch: pytest.MonkeyPatch, extra: dict[tuple[str, str], list[str]]
) -> None:
    findings = engine_findings(monkeypatch, {**ZONE, **extra}, ALIAS)
    *sections, token = card_and_dashboard(findings)
    kept = "mailto:tls@msp.example," if extra else ""
    for section in sections:
        assert record_of(section) == f"v=TLSRPTv1; rua={kept}{ours(token)}"
        words = section.partition("\n")[2]
        # The domain page's words (the engine's): at the target, or with the alias deleted.
        assert f"{NAME} is an alias (CNAME) of {TARGET}" in words
        assert f"publish the record at {TARGET} (whoever runs it does)" in words
        assert f"or delete the alias and publish it at {NAME}" in words
        assert f"TXT record at {TARGET}" in words
        assert f"TXT record at {NAME} " not in words


def test_without_an_alias_the_record_goes_at_the_name(monkeypatch: pytest.MonkeyPatch) -> None:
    *sections, token = card_and_dashboard(engine_findings(monkeypatch, ZONE))
    for section in sections:
        assert record_of(section) == f"v=TLSRPTv1; rua={ours(token)}"
        assert f"TXT record at {NAME} " in section
        assert "alias" not in section


# 2. Several records: the engine's order -------------------------------------------------------

A = "v=TLSRPTv1; rua=mailto:a@y.example"
C = "v=TLSRPTv1; rua=mailto:c@y.example"


def test_several_records_merge_in_the_engines_order_whatever_the_answers_order(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    shown = []
    for i, answer in enumerate(([A, C], [C, A])):
        zone = {**ZONE, (NAME, "TXT"): [f'"{r}"' for r in answer]}
        findings = engine_findings(monkeypatch, zone)
        [engine] = [f["fix"] for f in findings if f["id"] == "TLSRPT-02"]
        *sections, token = card_and_dashboard(findings, f"owner{i}")
        # The engine's merged record, with ours added.
        theirs = engine.partition("rua=")[2].rstrip('"')
        assert theirs == "mailto:a@y.example,mailto:c@y.example"
        for section in sections:
            assert record_of(section) == f"v=TLSRPTv1; rua={theirs},{ours(token)}"
            assert "There are 2 TLS-RPT records" in section
        shown.append(record_of(sections[0]).replace(token, "TOKEN"))
    assert shown[0] == shown[1]


# 3. The engine's reading of the owner's records -----------------------------------------------

COMMA = "v=TLSRPTv1,rua=mailto:b@y.example"


def test_several_records_keep_the_addresses_of_one_written_with_a_comma(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    zone = {**ZONE, (NAME, "TXT"): [f'"{r}"' for r in (A, C, COMMA)]}
    findings = engine_findings(monkeypatch, zone)
    [engine] = [f["fix"] for f in findings if f["id"] == "TLSRPT-02"]
    *sections, token = card_and_dashboard(findings)
    theirs = engine.partition("rua=")[2].rstrip('"')
    assert "mailto:b@y.example" in theirs
    for section in sections:
        assert record_of(section) == f"v=TLSRPTv1; rua={theirs},{ours(token)}"
        assert "There are 3 TLS-RPT records" in section


def test_a_record_with_a_comma_beside_a_valid_one_is_not_several(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Senders discard the record not beginning with "v=TLSRPTv1;" and use the valid one
    # (RFC 8460 §3): TLS-RPT works, the engine's fix merges the two into the valid one.
    zone = {**ZONE, (NAME, "TXT"): [f'"{r}"' for r in (A, COMMA)]}
    findings = engine_findings(monkeypatch, zone)
    assert [f["status"] for f in findings if f["id"] == "TLSRPT-02"] == ["pass"]
    *sections, token = card_and_dashboard(findings)
    for section in sections:
        assert record_of(section) == (
            f"v=TLSRPTv1; rua=mailto:a@y.example,mailto:b@y.example,{ours(token)}"
        )
        assert "senders ignore them all" not in section


def test_the_stored_answers_are_read_as_the_engine_reads_them() -> None:
    # The engine stores TXT answers as dnspython writes them: a non-ASCII byte as \DDD. The
    # card read only \" and \\, so a U-label mailbox reached the record as "b\195\188cher".
    answers = [r'"v=TLSRPTv1; rua=mailto:tls@b\195\188cher.example"']
    run = CheckRun(findings=[{"id": "TLSRPT-01", "evidence": {"answers": answers}}])
    assert published_record(run) == "v=TLSRPTv1; rua=mailto:tls@bücher.example"
    # Text that is not in presentation form is the record itself, ';' and all.
    run.findings[0]["evidence"]["answers"] = ["v=TLSRPTv1;rua=mailto:a@b.example"]
    assert published_record(run) == "v=TLSRPTv1;rua=mailto:a@b.example"
