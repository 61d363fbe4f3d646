"""The domain page's TLS reports card: an address per domain, the exact `_smtp._tls` record to
publish (keeping the owner's own rua, RFC 8460 §3), and the link to the dashboard."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from mailsec.accounts.models import Team
from mailsec.domains.models import CheckRun, Domain
from reports.models import ReportAddress
from reports.templatetags.reports_tags import published_record

pytestmark = pytest.mark.django_db


def owner_and_domain() -> tuple[User, Domain]:
    owner = User.objects.create_user("owner", "owner@example.org")
    domain = Domain.objects.create(
        team=Team.create_for(owner), name="example.com", verified_at=timezone.now()
    )
    return owner, domain


def with_published(domain: Domain, record: str, *more: str) -> None:
    # As the engine stores TLSRPT-01: the TXT answers in presentation form, split strings.
    answers = []
    for each in (record, *more):
        half = len(each) // 2
        answers.append(f'"{each[:half]}" "{each[half:]}"')
    run = CheckRun.objects.create(
        domain=domain,
        status=CheckRun.Status.DONE,
        finished=timezone.now(),
        findings=[
            {
                "id": "TLSRPT-01",
                "status": "pass",
                "mechanism": "tls-rpt",
                "subject": f"_smtp._tls.{domain.name}",
                "summary": "",
                "evidence": {"answers": answers},
                "fix": "",
            }
        ],
    )
    domain.last_run = run
    domain.save(update_fields=["last_run"])


def page(user: User, domain: Domain) -> str:
    client = Client()
    client.force_login(user)
    response = client.get(f"/domains/{domain.code}/")
    assert response.status_code == 200
    return response.content.decode()


def test_each_new_domain_gets_one_report_address() -> None:
    _, domain = owner_and_domain()
    address = ReportAddress.objects.get(domain=domain)
    assert address.domain_name == "example.com"
    assert ReportAddress.for_domain(domain) == address


def test_the_page_shows_the_record_to_publish_and_the_dashboard_link(settings) -> None:
    settings.SITE_ROOT = "https://mailsec.example"
    settings.TLSRPT_INBOUND_DOMAIN = "in.mailsec.example"
    owner, domain = owner_and_domain()
    token = ReportAddress.for_domain(domain).token
    html = page(owner, domain)
    assert "<code>_smtp._tls.example.com</code>" in html
    assert (
        f"v=TLSRPTv1; rua=mailto:tlsrpt+{token}@in.mailsec.example,"
        f"https://mailsec.example/tlsrpt/{token}" in html
    )
    assert f'href="/tlsrpt/{token}/dashboard/"' in html
    # One click copies exactly the record.
    assert 'data-copy-target="tlsrpt-record"' in html
    assert f'id="tlsrpt-record">v=TLSRPTv1; rua=mailto:tlsrpt+{token}@' in html


def test_the_owners_own_rua_is_kept(settings) -> None:
    settings.SITE_ROOT = "https://mailsec.example"
    settings.TLSRPT_INBOUND_DOMAIN = "in.mailsec.example"
    owner, domain = owner_and_domain()
    token = ReportAddress.for_domain(domain).token
    with_published(domain, "v=TLSRPTv1; rua=mailto:tls@example.com")
    html = page(owner, domain)
    assert (
        f"v=TLSRPTv1; rua=mailto:tls@example.com,mailto:tlsrpt+{token}@in.mailsec.example,"
        f"https://mailsec.example/tlsrpt/{token}" in html
    )
    assert "in place of the one you have" in html


def test_a_published_record_is_acknowledged(settings) -> None:
    settings.SITE_ROOT = "https://mailsec.example"
    owner, domain = owner_and_domain()
    address = ReportAddress.for_domain(domain)
    with_published(domain, address.rua_record("v=TLSRPTv1; rua=mailto:tls@example.com"))
    html = page(owner, domain)
    assert "Senders send their TLS reports (RFC 8460) to us" in html


def test_two_records_are_not_published_even_when_the_first_names_us(settings) -> None:
    # TLSRPT-02: with more than one record senders ignore them all.
    settings.SITE_ROOT = "https://mailsec.example"
    settings.TLSRPT_INBOUND_DOMAIN = "in.mailsec.example"
    owner, domain = owner_and_domain()
    address = ReportAddress.for_domain(domain)
    ours = address.rua_record()
    with_published(domain, ours, "v=TLSRPTv1; rua=mailto:tls@example.com")
    html = page(owner, domain)
    assert "Senders send their TLS reports (RFC 8460) to us" not in html
    assert "There are 2 TLS-RPT records at <code>_smtp._tls.example.com</code>" in html
    assert "senders ignore them all" in html
    # The one to keep: ours and the owner's address from the other record, merged in the
    # engine's order (tlsrpt.merge_order: by the records' text, not the DNS answer's order).
    keep = (
        f"v=TLSRPTv1; rua=mailto:tls@example.com,mailto:tlsrpt+{address.token}@in.mailsec.example,"
        f"https://mailsec.example/tlsrpt/{address.token}"
    )
    assert f'id="tlsrpt-record">{keep}</pre>' in html
    # The dashboard says the same.
    client = Client()
    client.force_login(owner)
    dashboard = client.get(f"/tlsrpt/{address.token}/dashboard/").content.decode()
    assert "There are 2 TLS-RPT records" in dashboard
    assert f'id="tlsrpt-record">{keep}</pre>' in dashboard


def test_the_dashboard_keeps_the_owners_addresses_as_the_card_does(settings) -> None:
    settings.SITE_ROOT = "https://mailsec.example"
    settings.TLSRPT_INBOUND_DOMAIN = "in.mailsec.example"
    owner, domain = owner_and_domain()
    address = ReportAddress.for_domain(domain)
    with_published(domain, "v=TLSRPTv1; rua=mailto:tls@example.com")
    client = Client()
    client.force_login(owner)
    html = client.get(f"/tlsrpt/{address.token}/dashboard/").content.decode()
    record = address.rua_record("v=TLSRPTv1; rua=mailto:tls@example.com")
    assert record.startswith("v=TLSRPTv1; rua=mailto:tls@example.com,mailto:tlsrpt+")
    assert f'id="tlsrpt-record">{record}</pre>' in html
    assert "it keeps your own addresses" in html
    assert record in page(owner, domain)  # the card's record


def test_published_record_reads_quoted_strings() -> None:
    run = CheckRun(
        findings=[
            {
                "id": "TLSRPT-01",
                "evidence": {"answers": ['"v=TLSRPTv1; " "rua=mailto:a@b.example"']},
            }
        ]
    )
    assert published_record(run) == "v=TLSRPTv1; rua=mailto:a@b.example"
    assert published_record(None) is None
    assert published_record(CheckRun(findings=[])) is None


def test_the_tls_rpt_fix_on_the_page_names_our_address(settings) -> None:
    # The engine knows no mailsec and suggests a mailbox at the domain; the page offers the
    # record of the reports card instead, keeping the owner's own address.
    settings.SITE_ROOT = "https://mailsec.example"
    owner, domain = owner_and_domain()
    token = ReportAddress.for_domain(domain).token
    run = CheckRun.objects.create(
        domain=domain,
        status=CheckRun.Status.DONE,
        finished=timezone.now(),
        mechanisms={"tls-rpt": "fail"},
        findings=[
            {
                "id": "TLSRPT-06",
                "status": "fail",
                "mechanism": "tls-rpt",
                "subject": f"_smtp._tls.{domain.name}",
                "summary": "The report address uses the http: scheme.",
                "evidence": {"answers": ['"v=TLSRPTv1; rua=mailto:mine@example.com"']},
                "fix": f'_smtp._tls.{domain.name}. TXT "v=TLSRPTv1; rua=mailto:tls-reports@'
                f'{domain.name}"',
            }
        ],
    )
    domain.set_last_run(run)
    html = page(owner, domain)
    assert "tls-reports@example.com" not in html
    assert f"rua=mailto:tlsrpt+{token}@" in html


def test_a_report_about_another_domain_is_listed_but_not_counted() -> None:
    import datetime
    import json
    from pathlib import Path

    from reports.dashboard import summarise
    from reports.models import TlsReport
    from reports.parse import parse_report

    owner, domain = owner_and_domain()
    address = ReportAddress.for_domain(domain)
    today = datetime.datetime.now(datetime.UTC).date()
    sample = json.loads((Path(__file__).parent / "data" / "tlsrpt" / "sample.json").read_text())
    sample["date-range"] = {
        "start-datetime": f"{today}T00:00:00Z",
        "end-datetime": f"{today}T23:59:59Z",
    }
    own = parse_report(json.dumps(sample).encode())
    sample["report-id"] = "parked"
    sample["policies"][0]["policy"]["policy-domain"] = "parked.example.net"
    sample["policies"][0]["failure-details"][0]["result-type"] = "sts-policy-fetch-error"
    parked = TlsReport.objects.store(address, parse_report(json.dumps(sample).encode()))
    TlsReport.objects.store(address, own)

    summary = summarise(address)
    assert (summary.successful, summary.failed) == (48210 + 31877, 17)
    assert [t.name for t, _, _ in summary.by_result_type] == [
        "certificate-expired",
        "certificate-host-mismatch",
    ]
    assert [row["reports"] for row in summary.by_organisation] == [1]
    assert sum(d.failed for d in summary.days) == 17
    assert parked in summary.recent_reports  # still listed, its page still reachable

    client = Client()
    client.force_login(owner)
    html = client.get(f"/tlsrpt/{address.token}/dashboard/").content.decode()
    assert "about parked.example.net: not counted here" in html
    html = client.get(f"/tlsrpt/{address.token}/reports/{parked.public_id}/").content.decode()
    assert "This report is about parked.example.net, not example.com" in html


def null_mx_run(domain: Domain) -> CheckRun:
    """The last run of a domain publishing `MX 0 .` (RFC 7505), as the engine reports it:
    the transport mechanisms do not apply."""
    na = [
        ("MTASTS-01", "mta-sts", "accepts no mail (null MX), so MTA-STS does not apply."),
        ("TLSRPT-01", "tls-rpt", "accepts no mail (null MX), so TLS reporting does not apply."),
        ("DANE-01", "dane", "receives no mail (null MX): DANE does not apply."),
    ]
    run = CheckRun.objects.create(
        domain=domain,
        status=CheckRun.Status.DONE,
        finished=timezone.now(),
        mechanisms={"mx": "pass", "mta-sts": "na", "tls-rpt": "na", "dane": "na", "smtp": "na"},
        findings=[
            {"id": "MX-01", "status": "pass", "mechanism": "mx", "summary": "A null MX."},
            *(
                {
                    "id": id_,
                    "status": "na",
                    "mechanism": mech,
                    "subject": f"_smtp._tls.{domain.name}" if mech == "tls-rpt" else domain.name,
                    "summary": f"{domain.name} {text}",
                }
                for id_, mech, text in na
            ),
        ],
    )
    domain.set_last_run(run)
    return run


def test_a_domain_receiving_no_mail_is_not_asked_to_publish_a_record(settings) -> None:
    settings.TLSRPT_INBOUND_DOMAIN = "in.mailsec.example"
    owner, domain = owner_and_domain()
    address = ReportAddress.for_domain(domain)
    null_mx_run(domain)
    html = page(owner, domain)
    card = html.split('id="tlsrpt-title"', 1)[1].split("</section>", 1)[0]
    assert "TLS reporting does not apply" in card
    assert "null MX" in card
    assert "publish this TXT record" not in card
    assert address.rua_record() not in card
    assert 'data-copy-target="tlsrpt-record"' not in card
    assert f'href="/tlsrpt/{address.token}/dashboard/"' in card
    assert "v=TLSRPTv1" not in html  # nowhere on the page
    # The dashboard says the same.
    client = Client()
    client.force_login(owner)
    dashboard = client.get(f"/tlsrpt/{address.token}/dashboard/").content.decode()
    assert "TLS reporting does not apply" in dashboard
    assert "Publish this TXT record" not in dashboard


def test_another_teams_report_address_is_dropped_from_the_suggested_record(settings) -> None:
    # The domain changed hands: the record still names the old team's address at mailsec.
    # Kept in the suggestion, the new owner's reports would go on feeding that team.
    settings.SITE_ROOT = "https://mailsec.example"
    settings.TLSRPT_INBOUND_DOMAIN = "in.mailsec.example"
    owner, domain = owner_and_domain()
    address = ReportAddress.for_domain(domain)
    old = "0123456789abcdef0123456789abcdef"
    published = (
        f"v=TLSRPTv1; rua=mailto:tlsrpt+{old}@In.Mailsec.Example,"
        f"https://mailsec.example/tlsrpt/{old},mailto:tls@example.com"
    )
    record = address.rua_record(published)
    assert old not in record
    assert record == (
        f"v=TLSRPTv1; rua=mailto:tls@example.com,mailto:tlsrpt+{address.token}"
        f"@in.mailsec.example,https://mailsec.example/tlsrpt/{address.token}"
    )
    # Our own address in the record stays where the owner put it.
    assert address.rua_record(address.rua_record()) == address.rua_record()
    # Someone else's tlsrpt+ mailbox elsewhere is the owner's business.
    other = "v=TLSRPTv1; rua=mailto:tlsrpt+x@example.com"
    assert address.rua_record(other).startswith("v=TLSRPTv1; rua=mailto:tlsrpt+x@example.com,")
