"""s37k: the free check badges a note of a mechanism the score counts as not deployed (no
MTA-STS, no TLS-RPT: it costs the category's points) "missing" in warning colours, as the
domain page does since s37b, not "info"; the score and statuses are unchanged."""

from __future__ import annotations

import re

from tests.test_freecheck import FreeCheckTestCase, done_check


class MissingBadgeTestCase(FreeCheckTestCase):
    def test_a_not_deployed_note_is_badged_missing(self) -> None:
        check = done_check("example.com")
        page = self.client.get(check.get_absolute_url()).content.decode()
        badge = re.search(
            r'<span class="fc-badge fc-badge-(\w+)">([^<]*)</span>\s*<code class="fc-id">MTASTS-01<',
            page,
        )
        self.assertIsNotNone(badge, page)
        assert badge is not None
        self.assertEqual(badge.groups(), ("warn", "missing"))

    def test_a_deployed_mechanisms_pass_keeps_its_badge(self) -> None:
        check = done_check("example.com")
        page = self.client.get(check.get_absolute_url()).content.decode()
        badge = re.search(
            r'<span class="fc-badge fc-badge-(\w+)">([^<]*)</span>\s*<code class="fc-id">SPF-10<',
            page,
        )
        assert badge is not None, page
        self.assertEqual(badge.groups(), ("pass", "pass"))

    def test_the_score_is_unchanged(self) -> None:
        check = done_check("example.com")
        r = self.client.get(check.get_absolute_url())
        self.assertContains(r, '<span class="fc-score-value fc-band-fair">72</span>', html=True)
