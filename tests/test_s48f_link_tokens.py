"""Task s48f, item 1 (follow-up of s48d's invitation tokens): the secret of each of our links
is in its path, and no log record or error report of the site writes it whole.

Django's request log names the path of every answer of 400 or more. Before s48f only an
invitation's token was hidden (/invite/…/); an alert email's unsubscribe link
(/alerts/unsubscribe/<signed token>/, which never expires), a team address's confirmation link
(/alerts/address/<token>/) and a TLS report address (/tlsrpt/<token>, answering 405 to a GET
and 404 to a stranger on its dashboard) were logged whole for any 4xx. The report address
keeps its first 8 characters (published in DNS; the intake's own log names it so).
The mailed report of a 500 hid the invitation's token in its subject only: its body (Request
URL, the path, the query, META's PATH_INFO and HTTP_REFERER) and the DEBUG page's variables
carried each token (mailsec.debugfilter.SecretUrlReporter)."""

from __future__ import annotations

import logging
from typing import Any
from unittest import mock

from django.core import mail
from django.core.cache import cache
from django.test import Client, override_settings
from django.utils import timezone

from mailsec.alerts import views as alert_views
from mailsec.alerts.emails import ALL_DOMAINS, address_unsubscribe_token, unsubscribe_token
from mailsec.alerts.models import TeamAlertAddress
from mailsec.middleware import TimeZoneMiddleware
from reports.models import ReportAddress
from tests.conftest import BaseTestCase
from tests.test_accounts_s48d_invite_token import Records, every_log_record

ADMINS = [("Ops", "ops@mailsec.example")]


def failing_page(self: Any, request: Any) -> Any:
    raise RuntimeError("s48f forced failure")


class LinkTokensTestCase(BaseTestCase):
    def setUp(self) -> None:
        cache.clear()

    def address(self, **fields: Any) -> TeamAlertAddress:
        return TeamAlertAddress.objects.create(
            team=self.team, email=f"noc{TeamAlertAddress.objects.count()}@example.org", **fields
        )

    def assert_hidden(self, text: str, *tokens: str) -> None:
        self.assertTrue(text)
        for token in tokens:
            self.assertNotIn(token, text)
            self.assertNotIn(token[:12], text)

    def test_an_unsubscribe_link_is_logged_without_its_token(self) -> None:
        mailbox = self.address(confirmed_at=timezone.now())
        tokens = [
            unsubscribe_token(self.alice, None, ALL_DOMAINS),
            address_unsubscribe_token(mailbox, None),
        ]
        with every_log_record() as records:
            for token in tokens:
                url = f"/alerts/unsubscribe/{token}/"
                self.assertEqual(Client().options(url).status_code, 405)
                # Cut short by a mail client: refused, and still most of the secret.
                self.assertEqual(
                    Client().get(f"/alerts/unsubscribe/{token[:-1]}/").status_code, 400
                )
                # RFC 8058's one-click POST takes no CSRF token: a cut one is refused the same.
                self.assertEqual(
                    Client().post(f"/alerts/unsubscribe/{token[:-1]}/").status_code, 400
                )
        text = "\n".join(records.lines)
        self.assertIn("Method Not Allowed (OPTIONS): /alerts/unsubscribe/…/", text)
        self.assertIn("Bad Request: /alerts/unsubscribe/…/", text)
        self.assert_hidden(text, *tokens)

    def test_a_team_address_link_is_logged_without_its_token(self) -> None:
        waiting = self.address()
        spent = self.address(unsubscribed_at=timezone.now())
        with every_log_record() as records:
            url = f"/alerts/address/{waiting.token}/"
            self.assertEqual(Client().get(url).status_code, 200)
            self.assertEqual(Client().options(url).status_code, 405)
            checked = Client(enforce_csrf_checks=True)
            self.assertEqual(checked.post(url).status_code, 403)
            self.assertEqual(Client().get(f"/alerts/address/{spent.token}/").status_code, 404)
        text = "\n".join(records.lines)
        self.assertIn("Method Not Allowed (OPTIONS): /alerts/address/…/", text)
        self.assertIn("Forbidden (CSRF cookie not set.): /alerts/address/…/", text)
        self.assertIn("Not Found: /alerts/address/…/", text)
        self.assert_hidden(text, waiting.token, spent.token)
        # The owner's pages of a row, by its code, are no link: they stay readable.
        owner = Client()
        owner.force_login(self.alice)
        with every_log_record() as records:
            self.assertEqual(
                owner.get(f"/alerts/addresses/{waiting.code}/remove/").status_code, 405
            )
        self.assertIn(f"/alerts/addresses/{waiting.code}/remove/", "\n".join(records.lines))

    def test_a_report_address_is_logged_by_its_first_8_characters(self) -> None:
        address = ReportAddress.objects.create(domain_name="example.org")
        token = address.token
        stranger = Client()  # signed in, not of the address's team
        stranger.force_login(self.charlie)
        with every_log_record() as records:
            self.assertEqual(Client().get(f"/tlsrpt/{token}").status_code, 405)
            self.assertEqual(Client().get(f"/tlsrpt/{token}/").status_code, 405)
            self.assertEqual(Client().head(f"/tlsrpt/{token}").status_code, 405)
            self.assertEqual(Client().post("/tlsrpt/0123456789abcdef0123").status_code, 404)
            self.assertEqual(stranger.get(f"/tlsrpt/{token}/dashboard/").status_code, 404)
            self.assertEqual(stranger.get(f"/tlsrpt/{token}/export.csv").status_code, 404)
            self.assertEqual(stranger.post("/tlsrpt/all-domains/").status_code, 405)
        text = "\n".join(records.lines)
        self.assertIn(f"Method Not Allowed: /tlsrpt/{token[:8]}…\n", text + "\n")
        self.assertIn(f"Method Not Allowed: /tlsrpt/{token[:8]}…/", text)
        self.assertIn("Not Found: /tlsrpt/01234567…", text)
        self.assertIn(f"Not Found: /tlsrpt/{token[:8]}…/dashboard/", text)
        self.assertIn(f"Not Found: /tlsrpt/{token[:8]}…/export.csv", text)
        self.assertIn("Method Not Allowed (POST): /tlsrpt/all-domains/", text)
        self.assertNotIn(token, text)
        self.assertNotIn(token[:9], text)
        self.assertNotIn("0123456789", text)

    def test_runservers_request_lines_hide_them(self) -> None:
        token = unsubscribe_token(self.alice, None, ALL_DOMAINS)
        records = Records()
        server = logging.getLogger("django.server")  # its own handler, not propagated
        server.addHandler(records)
        try:
            # What runserver's WSGIRequestHandler.log_message writes for each request.
            server.warning('"%s" %s %s', f"GET /alerts/unsubscribe/{token}/ HTTP/1.1", "404", "179")
        finally:
            server.removeHandler(records)
        self.assertEqual(
            records.lines, ['django.server: "GET /alerts/unsubscribe/…/ HTTP/1.1" 404 179']
        )

    @override_settings(ADMINS=ADMINS)
    def test_the_mailed_report_of_a_500_hides_every_token(self) -> None:
        waiting = self.address()
        invite = "S48fInviteTokenInTheQuery0a1b"
        unsubscribe = unsubscribe_token(self.alice, None, ALL_DOMAINS)
        url = f"/alerts/address/{waiting.token}/"
        client = Client(raise_request_exception=False)
        with mock.patch.object(TimeZoneMiddleware, "__call__", failing_page):
            response = client.get(
                url,
                {"next": f"/invite/{invite}/"},
                HTTP_REFERER=f"https://mail.example/alerts/unsubscribe/{unsubscribe}/",
                REQUEST_URI=url,
            )
        self.assertEqual(response.status_code, 500)
        self.assertEqual(len(mail.outbox), 1)
        message = mail.outbox[0]
        self.assertIn("Internal Server Error: /alerts/address/…/", message.subject)
        body = message.body
        self.assertIn("s48f forced failure", body)
        self.assertIn("RuntimeError at /alerts/address/…/", body)
        self.assertIn(
            "Request URL: http://testserver/alerts/address/…/?next=%2Finvite%2F…%2F", body
        )
        self.assertIn("QUERY_STRING = 'next=%2Finvite%2F…%2F'", body)
        self.assertIn("next = '/invite/…/'", body)
        self.assertIn("PATH_INFO = '/alerts/address/…/'", body)
        self.assertIn("HTTP_REFERER = 'https://mail.example/alerts/unsubscribe/…/'", body)
        self.assert_hidden(body + message.subject, waiting.token, invite, unsubscribe)

    @override_settings(DEBUG=True)
    def test_the_debug_page_hides_them_in_its_variables(self) -> None:
        waiting = self.address()
        client = Client(raise_request_exception=False)

        def failing_render(*args: Any, **kwargs: Any) -> Any:
            raise RuntimeError("s48f forced failure in the view")

        with mock.patch.object(alert_views, "render", failing_render):
            response = client.get(f"/alerts/address/{waiting.token}/")
        self.assertEqual(response.status_code, 500)
        page = response.content.decode()
        self.assertIn("s48f forced failure in the view", page)
        self.assertIn("confirm_address", page)  # the view's frame and its variables are shown
        self.assertIn("/alerts/address/…/", page)
        self.assertIn("{&#x27;token&#x27;: &#x27;********************&#x27;}", page)
        self.assert_hidden(page, waiting.token)
