"""Task s33x: "Copy all records" never makes a zone worse.

1. A record a fix asks for in place of one published now (same name, same kind) was put on
   the clipboard with the records to add: imported beside the old one, a corrected SPF record
   makes two (permerror, RFC 7208 §4.5) and DMARC-06's p=quarantine record beside a p=none one
   makes two DMARC records, which count as none (RFC 7489 §6.6.3), its rua lost. Such a record
   is now listed under "Replace these records", in a copy box of its own, with the record it
   replaces beside it; what is published is read from the run's own evidence.
   tests/test_browser_s33x.py reads the clipboard in chromium.
"""

from __future__ import annotations

import html
from typing import Any

from mailsec.domains.fixparts import published_records, records_to_publish
from mailsec.domains.models import Domain
from tests.conftest import BaseTestCase
from tests.test_webapp_s32w import run_of
from tests.test_webapp_s33w import records_card

DOMAIN = "shop.example.com"
# Published now: an SPF record with a field no receiver knows (SPF-10), and a DMARC record at
# p=none with the owner's report address.
SPF_PUBLISHED = "v=spf1 mx -all foo=bar include:x.example"
SPF_10 = f'{DOMAIN}. TXT "v=spf1 mx include:x.example -all"'
DMARC_PUBLISHED = "v=DMARC1; p=none; rua=mailto:dmarc@shop.example.com"
DMARC_06 = f'_dmarc.{DOMAIN}. TXT "v=DMARC1; p=quarantine; rua=mailto:dmarc@shop.example.com"'
# Nothing of its kind published: an addition.
TLSA_RECORD = f"_25._tcp.mx1.{DOMAIN}. TLSA 3 1 1 {'AB' * 32}"

# As the engine stores them: SPF-01's lookup (checks.dns.Answer.evidence) and DMARC's walk.
SPF_EVIDENCE = {
    "dns": {"query": f"{DOMAIN} TXT", "rcode": "NOERROR", "answers": [f'"{SPF_PUBLISHED}"']}
}
DMARC_EVIDENCE = {
    "record": DMARC_PUBLISHED,
    "walk": [
        {"name": f"_dmarc.{DOMAIN}", "rcode": "NOERROR", "records": [DMARC_PUBLISHED]},
        {"name": "_dmarc.example.com", "rcode": "NXDOMAIN", "records": []},
    ],
}
FINDINGS = [
    {"id": "SPF-01", "status": "pass", "evidence": SPF_EVIDENCE},
    {"id": "DMARC-01", "status": "pass", "evidence": DMARC_EVIDENCE},
]


def test_published_records_are_read_from_the_evidence() -> None:
    published = published_records(FINDINGS)
    assert published[(DOMAIN, "TXT")] == [f'"{SPF_PUBLISHED}"']
    assert published[(f"_dmarc.{DOMAIN}", "TXT")] == [f'"{DMARC_PUBLISHED}"']
    assert published[("_dmarc.example.com", "TXT")] == []


def test_a_corrected_spf_record_is_not_copied_beside_the_published_one() -> None:
    found = records_to_publish([SPF_10, TLSA_RECORD], DOMAIN, published_records(FINDINGS))
    assert found.lines == [TLSA_RECORD]
    [replacement] = found.replacements
    assert (replacement.part.name, replacement.part.rtype) == (DOMAIN, "TXT")
    assert replacement.part.text == "v=spf1 mx include:x.example -all"
    assert replacement.replaces == [f'{DOMAIN}. TXT "{SPF_PUBLISHED}"']


def test_a_stricter_dmarc_record_is_not_copied_beside_the_published_one() -> None:
    found = records_to_publish([DMARC_06], DOMAIN, published_records(FINDINGS))
    assert found.lines == []
    [replacement] = found.replacements
    assert replacement.part.name == f"_dmarc.{DOMAIN}"
    assert replacement.replaces == [f'_dmarc.{DOMAIN}. TXT "{DMARC_PUBLISHED}"']


def test_a_record_of_another_kind_at_a_name_is_an_addition() -> None:
    # A domain-verification TXT record at the apex is no SPF record: SPF is added beside it.
    other = [{"evidence": {"dns": {"query": f"{DOMAIN} TXT", "answers": ['"google-x=1"']}}}]
    spf = f'{DOMAIN}. TXT "v=spf1 mx -all"'
    found = records_to_publish([spf], DOMAIN, published_records(other))
    assert (found.lines, found.replacements) == ([spf], [])


def test_a_dkim_key_and_the_mx_set_are_replaced_not_added() -> None:
    evidence = [
        {"evidence": {"dns": {"query": f"sel._domainkey.{DOMAIN} TXT", "answers": ['"p=AAAA"']}}},
        {"evidence": {"dns": {"query": f"{DOMAIN} MX", "answers": ["10 old.example.net."]}}},
    ]
    key = f'sel._domainkey.{DOMAIN}. TXT "v=DKIM1; k=rsa; p=BBBB"'
    mx = f"{DOMAIN}. MX 10 mx1.{DOMAIN}."
    found = records_to_publish([key, mx], DOMAIN, published_records(evidence))
    assert found.lines == []
    assert [r.replaces for r in found.replacements] == [
        [f'sel._domainkey.{DOMAIN}. TXT "p=AAAA"'],
        [f"{DOMAIN}. MX 10 old.example.net."],
    ]


def published_now(name: str, findings: list[dict[str, Any]]) -> None:
    findings[:] = [f for f in findings if f["id"] not in ("SPF-01", "DMARC-01")]
    for finding in FINDINGS:
        findings.append(
            {
                "mechanism": finding["id"].split("-")[0].lower(),
                "summary": f"{finding['id']} found a record",
                "subject": "",
                "fix": "",
                **finding,
            }
        )
    for check_id, mechanism, fix in [
        ("SPF-10", "spf", SPF_10),
        ("DMARC-06", "dmarc", DMARC_06),
        ("DANE-04", "dane", TLSA_RECORD),
    ]:
        findings.append(
            {
                "id": check_id,
                "status": "warn",
                "mechanism": mechanism,
                "summary": f"{check_id} found something",
                "subject": "",
                "evidence": {},
                "fix": fix,
            }
        )


class ReplaceTheseRecordsTestCase(BaseTestCase):
    def setUp(self) -> None:
        self.client.force_login(self.alice)
        self.domain = Domain.objects.create(team=self.team, name=DOMAIN)

    def test_replacements_have_their_own_boxes_and_are_not_copied_all_at_once(self) -> None:
        run_of(self.domain, 0, published_now)
        page = html.unescape(self.client.get(f"/domains/{self.domain.code}/").content.decode())
        card = records_card(page)
        copied = card.split('<pre class="record" id="all-records">', 1)[1].split("</pre>", 1)[0]
        self.assertEqual(copied.strip(), TLSA_RECORD)
        replace = card.split('id="records-to-replace">', 1)[1]
        self.assertIn('<h3 id="replace-title">Replace these records</h3>', card)
        for number, (name, value, old) in enumerate(
            [
                (DOMAIN, "v=spf1 mx include:x.example -all", f'{DOMAIN}. TXT "{SPF_PUBLISHED}"'),
                (
                    f"_dmarc.{DOMAIN}",
                    "v=DMARC1; p=quarantine; rua=mailto:dmarc@shop.example.com",
                    f'_dmarc.{DOMAIN}. TXT "{DMARC_PUBLISHED}"',
                ),
            ],
            start=1,
        ):
            self.assertIn(f"TXT record at <code>{name}</code>", replace)
            self.assertIn(
                f'<pre class="record" id="replace-record-{number}">{value}</pre>', replace
            )
            self.assertIn(f"In place of <code>{old}</code>", replace)


# 2. With no record at _smtp._tls but a TLS-RPT record at a name senders never look (the apex),
# TLSRPT-01's fix moves it: the owner's addresses kept, then "Delete the record at <name>". The
# page put our record with our addresses alone in its place (it read only _smtp._tls) and lost
# the delete step, in the TLS-RPT panel and on the TLS reports card.
MISPLACED = "v=TLSRPTv1; rua=mailto:tls@owner.example"
TLSRPT_01_FIX = (
    f'_smtp._tls.{DOMAIN}. TXT "{MISPLACED}"\n'
    f"Delete the record at {DOMAIN}, where senders never look: {DOMAIN}. TXT "
    f'"{MISPLACED}"'
)


def test_tlsrpt01_keeps_the_misplaced_record_in_its_evidence() -> None:
    import asyncio

    from checks import tlsrpt
    from tests.test_mx import make_ctx

    zone: dict[tuple[str, str], list[str] | str] = {
        ("example.org", "MX"): ["10 mx1.example.org."],
        ("mx1.example.org", "A"): ["192.0.2.11"],
        ("example.org", "TXT"): ['"v=spf1 mx -all"', f'"{MISPLACED}"'],
    }
    ctx = make_ctx("example.org", zone)
    (found,) = [f for f in asyncio.run(tlsrpt.evaluate(ctx)) if f.id == "TLSRPT-01"]
    assert "Delete the record at example.org" in found.fix
    assert found.evidence["misplaced"] == [{"name": "example.org", "record": MISPLACED}]


def misplaced_tlsrpt(name: str, findings: list[dict[str, Any]]) -> None:
    findings[:] = [f for f in findings if f["mechanism"] != "tls-rpt"]
    findings.append(
        {
            "id": "TLSRPT-01",
            "status": "info",
            "mechanism": "tls-rpt",
            "summary": f"No TLS-RPT record: a TLS-RPT record is published at {name}",
            "subject": f"_smtp._tls.{name}",
            "evidence": {
                "query": f"_smtp._tls.{name} TXT",
                "rcode": "NXDOMAIN",
                "answers": [],
                "misplaced": [{"name": name, "record": MISPLACED}],
            },
            "fix": TLSRPT_01_FIX,
        }
    )


class MisplacedTlsRptRecordTestCase(BaseTestCase):
    def setUp(self) -> None:
        from reports.models import ReportAddress

        self.client.force_login(self.alice)
        self.domain = Domain.objects.create(team=self.team, name=DOMAIN)
        self.address = ReportAddress.for_domain(self.domain)
        run_of(self.domain, 0, misplaced_tlsrpt)
        self.page = html.unescape(self.client.get(f"/domains/{self.domain.code}/").content.decode())

    def test_the_panels_record_keeps_the_owners_address_and_the_delete_step(self) -> None:
        record = self.address.rua_record(MISPLACED)
        self.assertIn("mailto:tls@owner.example,mailto:", record)  # theirs, then ours
        panel = self.page.split('id="records-title"', 1)[-1]
        self.assertIn(f">{record}</pre>", panel)
        self.assertIn(f"Delete the record at {DOMAIN}, where senders never look:", panel)
        # The record it deletes is a box of its own, and no record is copied without its step.
        self.assertIn(f"<code>_smtp._tls.{DOMAIN} (TXT)</code>: its fix has steps", self.page)

    def test_the_tls_reports_card_keeps_the_owners_address_and_the_delete_step(self) -> None:
        card = self.page.split('id="tlsrpt-title"', 1)[1].split("</section>", 1)[0]
        self.assertIn(f'id="tlsrpt-record">{self.address.rua_record(MISPLACED)}</pre>', card)
        self.assertIn(f"delete the record at <code>{DOMAIN}</code>", card)
        self.assertIn(f'<code>{DOMAIN}. TXT "{MISPLACED}"</code>', card)
