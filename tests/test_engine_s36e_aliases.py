"""Task s36e, item 6: a TLS-RPT record reached through an alias at a name senders never look.

TLSRPT-01's lookup of the misplaced names follows a CNAME and says so since s35e (b3158664,
checks.dns.misplaced_lookup, as MTASTS-01's): '_smtp_tlsrpt.<d>, an alias (CNAME) to <t>,
reaches ...', its fix deletes the alias, and its evidence's 'misplaced' entry carries 'alias'.
The pages that build their own steps from that evidence read only the name and the record:
the TLS reports card said 'Then delete the record at _smtp_tlsrpt.<d>: _smtp_tlsrpt.<d>. TXT
"..."' and the hosting page's _smtp._tls row 'Then delete the TLS-RPT record at ...', a TXT
record that is not there (the record is the alias target's, no other data stands beside a
CNAME, RFC 2181 §10.1). They now say to delete the alias, as the finding's fix does.
"""

from __future__ import annotations

import html
from typing import Any

from django.urls import reverse
from django.utils import timezone

from checks import tlsrpt
from mailsec.domains.models import CheckRun, Domain
from reports.models import ReportAddress
from tests.blind_engine import run_engine
from tests.conftest import BaseTestCase
from tests.test_hosting import HostingCase, fake_dns
from tests.test_webapp_s32w import run_of

DOMAIN = "shop.example.com"
RECORD = "v=TLSRPTv1; rua=mailto:tls@owner.example"
TARGET = "records.s36e-host.example"
ALIAS = f"_smtp_tlsrpt.{DOMAIN}"


def _finding(name: str) -> dict[str, Any]:
    """TLSRPT-01 as the engine writes it for `name`'s misplaced alias (its evidence below)."""
    zone = {
        (name, "MX"): [f"10 mx.{name}."],
        (f"mx.{name}", "A"): ["192.0.2.80"],
        (f"_smtp_tlsrpt.{name}", "CNAME"): [f"{TARGET}."],
        (TARGET, "TXT"): [RECORD],
    }
    (found,) = [f for f in run_engine(tlsrpt, name, zone).findings if f.id == "TLSRPT-01"]
    return found.to_dict()


def test_the_engine_names_the_alias_in_the_evidence_the_pages_read() -> None:
    found = _finding(DOMAIN)
    assert found["evidence"]["misplaced"] == [{"name": ALIAS, "record": RECORD, "alias": TARGET}]
    assert f"Delete the alias at {ALIAS} (a CNAME to {TARGET}" in found["fix"]


class TlsReportsCardTestCase(BaseTestCase):
    def setUp(self) -> None:
        self.client.force_login(self.alice)
        self.domain = Domain.objects.create(team=self.team, name=DOMAIN)
        self.address = ReportAddress.for_domain(self.domain)

        def alias(name: str, findings: list[dict[str, Any]]) -> None:
            findings[:] = [f for f in findings if f["mechanism"] != "tls-rpt"]
            findings.append(_finding(name))

        run_of(self.domain, 0, alias)
        page = html.unescape(self.client.get(f"/domains/{self.domain.code}/").content.decode())
        self.card = page.split('id="tlsrpt-title"', 1)[1].split("</section>", 1)[0]

    def test_the_card_keeps_the_address_and_deletes_the_alias_not_a_txt_record(self) -> None:
        assert f'id="tlsrpt-record">{self.address.rua_record(RECORD)}</pre>' in self.card
        assert f"delete the alias at <code>{ALIAS}</code>" in self.card, self.card
        assert f"<code>{ALIAS}. CNAME {TARGET}.</code>" in self.card, self.card
        assert f"{ALIAS}. TXT" not in self.card, self.card


class HostingRowTestCase(HostingCase):
    def setUp(self) -> None:
        finding = _finding(self.domain.name)
        run = CheckRun.objects.create(
            domain=self.domain, status="done", finished=timezone.now(), findings=[finding]
        )
        Domain.objects.filter(pk=self.domain.pk).update(last_run=run)
        self.host()
        self.client.force_login(self.alice)

    def test_the_row_says_to_delete_the_alias(self) -> None:
        with fake_dns(tlsrpt=[]):
            r = self.client.get(reverse("hosting:records", args=[self.domain.code]))
        [row] = [row for row in r.context["records"] if row.name.startswith("_smtp._tls.")]
        assert row.state == "missing"
        assert row.value.startswith("v=TLSRPTv1; rua=mailto:tls@owner.example,mailto:tlsrpt+")
        alias = f"_smtp_tlsrpt.{self.domain.name}"
        assert f"delete the alias (CNAME) at {alias}, which reaches a TLS-RPT record" in (
            row.detail
        ), row.detail
        assert "delete the TLS-RPT record at" not in row.detail, row.detail
