"""s41q item 1: the host-name note said "mail for epsilon-s41j.com is checked at
epsilon-s41j.com" (blind round s41j), which it said of every name it is shown for: the
sentence named the parent twice and told nothing. It now says why the parent is the one to
check: it is the domain after the @ in the addresses. One sentence for the free check, the
CLI and the Domains page (checks.cli.host_name_note); the free check's offer said the same
circle in its own words."""

from __future__ import annotations

import re

from checks.cli import host_name_note
from mailsec.domains.forms import host_name_words
from tests.test_freecheck import FreeCheckTestCase, done_check


def test_s41q_the_note_says_why_not_the_parent_twice() -> None:
    note = host_name_note("www.epsilon-s41j.com", "epsilon-s41j.com")
    assert "checked at epsilon-s41j.com" not in note
    assert note == (
        "www.epsilon-s41j.com looks like a host name, not the domain after the @ in email "
        "addresses: for mail to …@epsilon-s41j.com, check epsilon-s41j.com instead"
    )


def test_s41q_the_domains_page_sentence_reads_on_from_it() -> None:
    words = host_name_words("www.epsilon-s41j.com", "epsilon-s41j.com")
    assert words == (
        host_name_note("www.epsilon-s41j.com", "epsilon-s41j.com")
        + ". Add epsilon-s41j.com here, and remove www.epsilon-s41j.com unless it receives "
        "mail itself."
    )


class S41qFreeCheckTestCase(FreeCheckTestCase):
    def test_s41q_the_report_and_the_offer_say_it_without_the_circle(self) -> None:
        check = done_check("www.epsilon-s41j.com")
        page = re.sub(r"\s+", " ", self.client.get(check.get_absolute_url()).content.decode())
        self.assertNotIn("is checked at epsilon-s41j.com", page)
        self.assertIn(
            f"<strong>{host_name_note('www.epsilon-s41j.com', 'epsilon-s41j.com')}.</strong>",
            page,
        )
        self.assertIn(
            "The results above are those of www.epsilon-s41j.com, a host name, not of "
            "epsilon-s41j.com, the domain in the addresses.",
            page,
        )
