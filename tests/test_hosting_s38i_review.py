"""Review s38i of s38g's literal wildcard MX (abbc988c): an MX record naming a `*` label is left
out of the hosted policy (policy.host_problem), but the page's preview of where hosting starts
(a domain that already serves a policy) still listed it: "serving: ... mx: *.mx.example.org",
a wildcard Host MTA-STS then did not serve. The preview must be the text hosting serves."""

from __future__ import annotations

import html
import re

from django.urls import reverse

from mailsec.hosting import service
from tests.test_hosting import T0, HostingCase, fake_dns
from tests.test_hosting_s19o_start import SERVED, ZONE, engine_findings, smtp_pass
from tests.test_hosting_s19o_start import store_run as store

LITERAL = "*.mx.example.org"
WITH_LITERAL = {
    **ZONE,
    ("example.org", "MX"): ["10 mx1.example.org.", "20 b1.backup-mx.net.", f"30 {LITERAL}."],
    (LITERAL, "A"): ["192.0.2.31"],
}


class LiteralWildcardPreviewTestCase(HostingCase):
    def url(self, name: str) -> str:
        return reverse(f"hosting:{name}", args=[self.domain.code])

    def test_the_start_preview_leaves_a_literal_wildcard_mx_out_as_hosting_does(self) -> None:
        store(
            self.domain,
            engine_findings(WITH_LITERAL, SERVED),
            smtp_pass("mx1.example.org", "192.0.2.11")
            + smtp_pass("b1.backup-mx.net", "192.0.2.21")
            + smtp_pass(LITERAL, "192.0.2.31"),
        )
        self.client.force_login(self.alice)
        live = ["b1.backup-mx.net", "mx1.example.org", LITERAL]
        with fake_dns(live):
            page = self.client.get(self.url("page")).content.decode()
            shown = re.search(r'<pre id="starting-text">(.*?)</pre>', page, re.S)
            assert shown is not None, page
            preview = html.unescape(shown[1])
            policy = service.enable(self.domain, now=T0)
        assert f"mx: {LITERAL}" not in policy.text
        assert f"mx: {LITERAL}" not in preview, preview
        assert preview.replace("\r\n", "\n") == policy.text.replace("\r\n", "\n")
