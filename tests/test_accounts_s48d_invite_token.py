"""Task s48d, item 3: the invitation's token travels in its URL (/invite/<token>/, mailed).

Pinned here: the page and the pages it leads to send no Referer with it to another site
(Referrer-Policy: same-origin on every answer, and no link, form or asset of the page points
elsewhere); the token accepts once, for the invited address, and not after a week; and no log
record of the site carries it. Django's own request log named the path of every answer of 400
or more, so the token of a live invitation was logged for a HEAD of the link (405: link
scanners ask so) and for a join by someone signed in with another address (404);
mailsec.logfilter.HideUrlTokens now writes /invite/…/ in such records."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from html.parser import HTMLParser

from django.core import mail
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from mailsec.accounts.models import Invite
from tests.conftest import BaseTestCase


class Links(HTMLParser):
    """Every URL a page makes the browser load or go to: href, src, action, formaction."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.meta_referrer: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        for name in ("href", "src", "action", "formaction", "srcset", "poster"):
            if values.get(name):
                self.urls.append(values[name] or "")
        if tag == "meta" and (values.get("name") or "").lower() == "referrer":
            self.meta_referrer.append(values.get("content") or "")


def same_site(url: str) -> bool:
    return (url.startswith("/") and not url.startswith("//")) or url.startswith(
        ("#", "?", "data:", "http://testserver/")
    )


class Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(f"{record.name}: {self.format(record)}")


@contextmanager
def every_log_record() -> Iterator[Records]:
    """Every record logged anywhere, as the site's handlers see it (after the loggers' own
    filters), at any level."""
    records = Records()
    root = logging.getLogger()
    # django.security.* (the CSRF refusals among them) stop at "django.security", which writes
    # them to stderr itself and does not propagate (s48r2: not mailed to ADMINS).
    security = logging.getLogger("django.security")
    level = root.level
    root.addHandler(records)
    security.addHandler(records)
    root.setLevel(logging.DEBUG)
    try:
        yield records
    finally:
        root.removeHandler(records)
        security.removeHandler(records)
        root.setLevel(level)


class InviteTokenTestCase(BaseTestCase):
    def setUp(self) -> None:
        cache.clear()

    def invited(self, email: str = "charlie@example.org") -> Invite:
        owner = Client()
        owner.force_login(self.alice)
        r = owner.post("/team/invite/", {"email": email, "role": "member"})
        self.assertEqual(r.status_code, 302, r.content[:300])
        invite = Invite.objects.get(email=email)
        self.assertIn(f"/invite/{invite.token}/", mail.outbox[-1].body)
        return invite

    def assert_referrer_kept(self, response: object, where: str) -> None:
        self.assertEqual(response["Referrer-Policy"], "same-origin", where)  # type: ignore[index]
        links = Links()
        links.feed(response.content.decode())  # type: ignore[attr-defined]
        self.assertTrue(links.urls, where)
        self.assertEqual([url for url in links.urls if not same_site(url)], [], where)
        self.assertEqual(links.meta_referrer, [], where)

    def test_the_page_sends_no_referer_elsewhere(self) -> None:
        invite = self.invited()
        url = f"/invite/{invite.token}/"
        signed_out, bob, charlie = Client(), Client(), Client()
        bob.force_login(self.bob)
        charlie.force_login(self.charlie)
        for who, client in (("signed out", signed_out), ("bob", bob), ("charlie", charlie)):
            page = client.get(url)
            self.assertEqual(page.status_code, 200, who)
            self.assertContains(page, "Join ")
            self.assert_referrer_kept(page, who)
        # The sign-in and sign-up pages it leads to carry the token in ?next=.
        for link in (f"/accounts/login/?next={url}", f"/accounts/signup/?next={url}"):
            self.assert_referrer_kept(signed_out.get(link), link)
        charlie.post(url)
        self.assert_referrer_kept(Client().get(url), "used")  # the "can't be used" page

    def test_it_accepts_once_for_the_invited_address(self) -> None:
        invite = self.invited()
        url = f"/invite/{invite.token}/"
        bob = Client()
        bob.force_login(self.bob)
        self.assertEqual(bob.post(url).status_code, 404)  # bob's address is not the invited one
        charlie = Client()
        charlie.force_login(self.charlie)
        self.assertEqual(charlie.post(url).status_code, 302)
        self.assertEqual(self.team.role_of(self.charlie), "member")
        invite.refresh_from_db()
        self.assertIsNotNone(invite.accepted_at)
        # Spent: nobody else joins with it, and the page says it can't be used (to charlie
        # too once removed from the team; bob, a member, is sent on to the team's domains).
        self.team.memberships.filter(user=self.charlie).delete()
        for client in (Client(), charlie):
            self.assertContains(client.get(url), "can't be used", status_code=404)
            self.assertEqual(client.post(url).status_code, 404)
        self.assertIsNone(self.team.role_of(self.charlie))

    def test_it_expires_after_a_week(self) -> None:
        invite = self.invited()
        url = f"/invite/{invite.token}/"
        charlie = Client()
        charlie.force_login(self.charlie)
        Invite.objects.filter(pk=invite.pk).update(
            created=timezone.now() - timedelta(days=7, minutes=1)
        )
        self.assertContains(charlie.get(url), "can't be used", status_code=404)
        self.assertEqual(charlie.post(url).status_code, 404)
        self.assertIsNone(self.team.role_of(self.charlie))
        Invite.objects.filter(pk=invite.pk).update(
            created=timezone.now() - timedelta(days=6, hours=23)
        )
        self.assertEqual(charlie.post(url).status_code, 302)

    def test_no_log_record_carries_the_token(self) -> None:
        with every_log_record() as records:
            invite = self.invited()
            withdrawn = self.invited("dana@example.org")
            url = f"/invite/{invite.token}/"
            scanner, bob, charlie = Client(), Client(), Client()
            self.assertEqual(scanner.head(url).status_code, 405)  # a mail filter's link check
            self.assertEqual(scanner.get(url).status_code, 200)
            self.assertEqual(scanner.get(f"/accounts/login/?next={url}").status_code, 200)
            bob.force_login(self.bob)
            self.assertEqual(bob.get(url).status_code, 200)
            self.assertEqual(bob.post(url).status_code, 404)
            csrf_checked = Client(enforce_csrf_checks=True)
            csrf_checked.force_login(self.charlie)
            self.assertEqual(csrf_checked.post(url).status_code, 403)
            charlie.force_login(self.charlie)
            self.assertEqual(charlie.post(url).status_code, 302)
            self.assertEqual(scanner.get(url).status_code, 404)
            owner = Client()
            owner.force_login(self.alice)
            revoke = f"/team/invites/{withdrawn.token}/revoke/"
            self.assertEqual(bob.post(revoke).status_code, 404)
            self.assertEqual(owner.post(revoke).status_code, 302)
            self.assertEqual(Client().get(f"/invite/{withdrawn.token}/").status_code, 404)
        text = "\n".join(records.lines)
        # The records were captured: Django's request log names these answers.
        self.assertIn("Method Not Allowed (HEAD): /invite/…/", text)
        self.assertIn("Not Found: /invite/…/", text)
        self.assertIn("Forbidden (CSRF cookie not set.): /invite/…/", text)
        self.assertIn("Not Found: /team/invites/…/revoke/", text)
        for token in (invite.token, withdrawn.token):
            self.assertNotIn(token, text)
            self.assertNotIn(token[:12], text)
        self.assertFalse(re.search(r"/invite/(?!…/)", text), text)
