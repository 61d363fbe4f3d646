"""s24x: a subject's long sentence is cut between words, not inside them.

keep_ends kept the first and last characters of a line too long for a subject, cutting
words in two ("… does not pass MT…ertificate of mx3.a.test …"). A sentence is now cut where a
word ends and resumes where one starts ("… does not pass … the certificate of mx3.a.test …"),
within the same bound; a domain name, one long word, keeps its ends by characters as before."""

from __future__ import annotations

from django.utils import timezone

from mailsec.alerts.emails import build_message
from mailsec.alerts.models import Change, Notification
from mailsec.domains.models import Domain
from mailsec.domains.templatetags.domains import keep_ends
from tests.conftest import BaseTestCase
from tests.test_emails_extra3 import LONG
from tests.test_emails_extra4 import SITE

LINE = (
    "mx3.a.test at 2001:db8::33 does not pass MTA-STS validation: its certificate is not valid "
    "for the name: the certificate of mx3.a.test names only mail.other.test"
)


def test_a_sentence_is_cut_between_words() -> None:
    cut = keep_ends(LINE, "40,59")
    # Was "mx3.a.test at 2001:db8::33 does not pass…e: the certificate of mx3.a.test …".
    assert cut == (
        "mx3.a.test at 2001:db8::33 does not pass … the certificate of mx3.a.test names only "
        "mail.other.test"
    )
    assert len(cut) <= 40 + 59 + 1
    for word in cut.replace("…", " ").split():
        assert word in LINE.split(), word


def test_a_short_text_is_whole() -> None:
    assert keep_ends("The score dropped.", "40,59") == "The score dropped."
    assert keep_ends("x" * 100, "40,59") == "x" * 100


def test_one_long_word_keeps_its_ends_by_characters() -> None:
    assert keep_ends(LONG, "30,29") == f"{LONG[:30]}…{LONG[-29:]}"
    # A sentence whose end is one long word (a domain name): that end is cut in it.
    text = "The MTA-STS record of " + LONG + " has gone"
    assert keep_ends(text, "40,59") == f"The MTA-STS record of …{text[-59:]}"


def test_the_cut_keeps_within_its_bound() -> None:
    words = " ".join(f"w{i:03d}" + "x" * (i % 7) for i in range(80))
    for head, tail in ((40, 59), (40, 19), (30, 29), (4, 1), (5, 0)):
        cut = keep_ends(words, f"{head},{tail}")
        assert len(cut) <= head + tail + 1, (head, tail, cut)
        start, end = cut.split("…")
        assert words.startswith(start.rstrip()) and words.endswith(end.lstrip())


@SITE
class AlertSubjectTestCase(BaseTestCase):
    def test_an_alert_subject_cuts_its_line_between_words(self) -> None:
        domain = Domain.objects.create(team=self.team, name="a.test", verified_at=timezone.now())
        change = Change.objects.create(
            domain=domain,
            kind="finding",
            key="finding:MTASTS-30|mx3.a.test",
            summary=LINE,
            state=Change.State.CONFIRMED,
            confirmed_at=timezone.now(),
        )
        n = Notification.objects.create(
            user=self.alice, domain=domain, kind=Notification.Kind.ALERT, to_address="a@x.test"
        )
        n.changes.set([change])
        subject = str(build_message(n).subject)
        self.assertEqual(
            subject,
            "[mailsec] a.test: mx3.a.test at 2001:db8::33 does not pass … the certificate of "
            "mx3.a.test names only mail.other.test",
        )
