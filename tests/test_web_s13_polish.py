"""Polish a browser walk-through found (as a new admin and as an MSP): the invitation form's
doubled error, the sign-in message naming allauth's generated username, allauth's stock sign-in
pages, the TLS reports dashboard's wording, numbers, copy button and way back, the missing
"skip to main content" link, and a team that could not be renamed."""

from __future__ import annotations

import gzip
import html
import json
import re
from datetime import timedelta
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from django.contrib.auth.models import User
from django.core import mail
from django.test import Client
from django.utils import timezone
from playwright.sync_api import Browser, expect

from mailsec.accounts.models import Membership, Team
from mailsec.domains.models import Domain
from reports.models import RawReport, ReportAddress
from tests import test_browser_s11_readiness
from tests.conftest import BaseTestCase
from tests.test_browser_s11_readiness import WATCH_CSP, csp_violations

browser = test_browser_s11_readiness.browser


def text_of(response: Any) -> str:
    """The page's text with tags kept, entities decoded and white space collapsed."""
    return re.sub(r"\s+", " ", html.unescape(response.content.decode()))


def main_of(page: str) -> str:
    match = re.search(r"<main\b.*?</main>", page, re.S)
    assert match, page
    return match.group(0)


# 1. The invitation form: one error, beside the field.


class InviteErrorTests(BaseTestCase):
    def test_it_shows_one_error_beside_the_field_for_an_address_without_a_dot(self) -> None:
        self.client.force_login(self.alice)
        response = self.client.post("/team/invite/", {"email": "friend@example"})
        assert response.status_code == 400
        page = main_of(text_of(response))
        # No message banner; the error is under the field, linked to it, with the address kept.
        assert 'class="messages"' not in page
        error = re.search(r'<p class="field-error" id="invite-email-error">(.*?)</p>', page)
        assert error, page
        assert error.group(1).startswith("friend@example is not an email address we can send to")
        assert page.count("not an email address") == 1
        assert "Enter a valid email address" not in page
        assert 'aria-describedby="invite-email-error"' in page
        assert 'value="friend@example"' in page
        assert not mail.outbox

    def test_it_asks_for_an_address_when_none_is_typed(self) -> None:
        self.client.force_login(self.alice)
        page = main_of(text_of(self.client.post("/team/invite/", {"email": "  "})))
        assert 'class="messages"' not in page
        assert page.count("Enter the email address of the person to invite.") == 1


# 2. The sign-in message names the email address, not allauth's username.


class SignedInMessageTests(BaseTestCase):
    def test_it_names_the_email_address_after_signing_in(self) -> None:
        mate = User.objects.create_user("mate2", "mate@example.org", password="a long passphrase")
        EmailAddress.objects.create(user=mate, email=mate.email, verified=True, primary=True)
        client = Client()
        response = client.post(
            "/accounts/login/",
            {"login": "mate@example.org", "password": "a long passphrase"},
            follow=True,
        )
        assert response.wsgi_request.user == mate
        said = [str(m) for m in response.context["messages"]]
        assert said == ["Signed in as mate@example.org."]
        assert "mate2" not in text_of(response)


# 3. allauth's entrance pages in the site's layout and words.


class EntrancePageTests(BaseTestCase):
    def assert_plain(self, page: str) -> None:
        # Sentence case as in the navigation, no stock allauth wording, no inline script or
        # style (the CSP allows neither), a CSRF token.
        for stock in ("Sign In", "Sign Up", "Remember Me", "Request Code", "Signup"):
            assert stock not in page, stock
        assert "csrfmiddlewaretoken" in page
        assert "<script>" not in main_of(page)
        assert " style=" not in main_of(page)

    def test_it_lays_out_the_sign_in_page(self) -> None:
        page = text_of(self.client.get("/accounts/login/"))
        self.assert_plain(page)
        assert "<title>Sign in — mailsec</title>" in page
        assert "<h1>Sign in</h1>" in page
        assert '<button type="submit" class="btn">Sign in</button>' in page
        # Every input has a label; "Forgot your password?" is its own line under the field,
        # the text the password's aria-describedby points to.
        for name in ("login", "password", "remember"):
            assert f'<label for="id_{name}">' in page, name
        assert re.search(
            r'<p class="muted small" id="id_password_helptext"><a href="/accounts/password/reset/">'
            r"Forgot your password\?</a></p>",
            page,
        )
        assert 'aria-describedby="id_password_helptext"' in page
        assert 'href="/accounts/login/code/"' in page
        assert 'href="/accounts/signup/"' in page

    def test_it_shows_a_wrong_password_beside_the_form(self) -> None:
        response = self.client.post(
            "/accounts/login/", {"login": "alice@example.org", "password": "not it"}
        )
        page = text_of(response)
        self.assert_plain(page)
        assert re.search(r'<div class="field-error" role="alert"><p>[^<]+</p></div>', page)

    def test_it_lays_out_the_sign_in_code_page(self) -> None:
        page = text_of(self.client.get("/accounts/login/code/"))
        self.assert_plain(page)
        assert "<h1>Sign in with a code</h1>" in page
        assert '<label for="id_email">Email address</label>' in page
        assert '<button type="submit" class="btn">Request code</button>' in page

    def test_it_lays_out_the_sign_up_page_and_keeps_the_field_errors(self) -> None:
        page = text_of(self.client.get("/accounts/signup/"))
        self.assert_plain(page)
        assert "<h1>Sign up</h1>" in page
        assert '<label for="id_email">Email address</label>' in page
        page = text_of(self.client.post("/accounts/signup/", {"email": "friend@example"}))
        self.assert_plain(page)
        assert 'aria-describedby="id_email_error"' in page
        assert re.search(r'<ul class="errorlist" id="id_email_error"><li>[^<]+</li></ul>', page)


# 4. The TLS reports dashboard.


def store_report(address: ReportAddress, successful: int, failed: int) -> None:
    day = timezone.now().date() - timedelta(days=1)
    body = {
        "organization-name": "Big Mail",
        "date-range": {"start-datetime": f"{day}T00:00:00Z", "end-datetime": f"{day}T23:59:59Z"},
        "contact-info": "tlsrpt@big.example",
        "report-id": "big-1",
        "policies": [
            {
                "policy": {"policy-type": "sts", "policy-domain": address.domain_name},
                "summary": {
                    "total-successful-session-count": successful,
                    "total-failure-session-count": failed,
                },
                "failure-details": [
                    {
                        "result-type": "certificate-expired",
                        "receiving-mx-hostname": f"mx.{address.domain_name}",
                        "receiving-ip": "192.0.2.1",
                        "failed-session-count": failed,
                    }
                ],
            }
        ],
    }
    raw, _ = RawReport.store(
        address, gzip.compress(json.dumps(body).encode()), source=RawReport.HTTPS
    )
    raw.process()


class DashboardTests(BaseTestCase):
    @classmethod
    def setUpTestData(cls) -> None:
        super().setUpTestData()
        cls.domain = Domain.objects.create(
            team=cls.team, name="example.com", verified_at=timezone.now()
        )
        cls.address = ReportAddress.for_domain(cls.domain)

    def dashboard(self) -> str:
        self.client.force_login(self.alice)
        response = self.client.get(f"/tlsrpt/{self.address.token}/dashboard/")
        assert response.status_code == 200
        return main_of(text_of(response))

    def test_it_says_plainly_that_no_reports_have_arrived(self) -> None:
        page = self.dashboard()
        assert " ." not in re.sub(r"<[^>]+>", "", page)
        assert "0 successful and 0 failed" not in page
        assert "No TLS reports have arrived yet." in page
        # What to publish for them to come: the record, at its name.
        assert "once the TXT record above is published at <code>_smtp._tls.example.com</code>" in (
            page
        )

    def test_it_groups_the_thousands_in_totals_and_tables(self) -> None:
        store_report(self.address, 97636, 1234567)
        page = self.dashboard()
        assert "97,636 successful and 1,234,567 failed TLS sessions reported — failure rate" in page
        assert "<td>Big Mail</td><td>1</td><td>97,636</td><td>1,234,567</td>" in page
        assert "<td>1,234,567</td>" in page.split("<h2>By result type</h2>")[1].split("</table>")[0]
        receivers = page.split("<h2>By receiving MX and IP</h2>")[1].split("</table>")[0]
        assert "<td>1,234,567</td>" in receivers
        reports = page.split("<h2>Reports</h2>")[1].split("</table>")[0]
        assert "<td>97,636</td><td>1,234,567</td>" in reports
        assert re.search(r": 97,636 successful, 1,234,567 failed</title>", page)
        assert not re.search(r"\b(97636|1234567)\b", page)

    def test_it_offers_to_copy_the_record_and_links_back_to_the_domain(self) -> None:
        page = self.dashboard()
        assert re.search(
            r'<button type="button" class="btn-small" data-copy-target="tlsrpt-record"[^>]*>Copy'
            r'</button></div> <pre class="record" id="tlsrpt-record">v=TLSRPTv1; rua=[^<]+</pre>',
            page,
        )
        assert f'<a href="/domains/{self.domain.code}/">← example.com</a>' in page

    def test_it_checks_ownership(self) -> None:
        self.client.force_login(self.charlie)
        response = self.client.get(f"/tlsrpt/{self.address.token}/dashboard/")
        assert response.status_code == 404


# 5. A "skip to main content" link on every page.


class SkipLinkTests(BaseTestCase):
    def test_it_puts_the_skip_link_first_and_main_has_its_target(self) -> None:
        self.client.force_login(self.alice)
        for url in ("/domains/", "/team/", "/account/"):
            page = text_of(self.client.get(url))
            body = page.split("<body", 1)[1]
            first_link = re.search(r"<a [^>]*>[^<]*</a>", body)
            assert first_link, url
            assert (
                first_link.group(0) == '<a class="skip-link" href="#main">Skip to main content</a>'
            )
            assert '<main class="wrap" id="main">' in page
        page = text_of(Client().get("/accounts/login/"))
        assert 'href="#main">Skip to main content</a>' in page


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_it_shows_the_skip_link_on_the_first_tab_and_it_moves_on_to_main(
    browser: Browser, live_server: Any
) -> None:
    page = browser.new_page(viewport={"width": 1000, "height": 700})
    page.add_init_script(WATCH_CSP)
    page.goto(f"{live_server.url}/accounts/login/")
    skip = page.get_by_role("link", name="Skip to main content")
    # Out of sight until focused.
    box = skip.bounding_box()
    assert box is not None and box["y"] + box["height"] <= 0
    page.keyboard.press("Tab")
    expect(skip).to_be_focused()
    box = skip.bounding_box()
    assert box is not None and box["y"] >= 0 and box["height"] > 0
    page.keyboard.press("Enter")
    # The next Tab lands inside main (the page's first link there), not in the header's nav.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.closest('main') !== null")
    assert csp_violations(page) == []


# 6. The team's owner renames the team.


class RenameTeamTests(BaseTestCase):
    def test_it_renames_the_team_for_its_owner(self) -> None:
        self.client.force_login(self.alice)
        response = self.client.post("/team/rename/", {"name": "  Acme  <b>mail</b> ops  "})
        assert response.status_code == 302
        self.team.refresh_from_db()
        assert self.team.name == "Acme  <b>mail</b> ops"
        page = self.client.get("/team/").content.decode()
        assert "<h1>Acme  &lt;b&gt;mail&lt;/b&gt; ops</h1>" in page
        assert "<b>mail</b>" not in page

    def test_it_uses_the_new_name_in_invitations(self) -> None:
        self.client.force_login(self.alice)
        self.client.post("/team/rename/", {"name": "Acme ops"})
        self.client.post("/team/invite/", {"email": "dave@example.org"})
        (sent,) = mail.outbox
        assert sent.subject.endswith("You're invited to Acme ops on mailsec")
        assert 'join the team "Acme ops"' in sent.body

    def test_it_refuses_an_empty_a_too_long_or_a_multi_line_name(self) -> None:
        self.client.force_login(self.alice)
        before = self.team.name
        for name, error in (
            ("   ", "Enter a name for the team."),
            ("x" * 101, "Use at most 100 characters (this has 101)."),
            ("Acme\r\nBcc: x@example.net", "Use a name on one line"),
        ):
            response = self.client.post("/team/rename/", {"name": name})
            assert response.status_code == 400, name
            page = main_of(text_of(response))
            assert re.search(
                rf'<p class="field-error" id="team-name-error">{re.escape(error)}', page
            ), name
            assert 'aria-describedby="team-name-error"' in page
        self.team.refresh_from_db()
        assert self.team.name == before

    def test_it_checks_ownership(self) -> None:
        before = self.team.name
        # bob is a teammate, not an owner: no form, and posting is refused.
        self.client.force_login(self.bob)
        assert 'action="/team/rename/"' not in self.client.get("/team/").content.decode()
        assert self.client.post("/team/rename/", {"name": "Bob's"}).status_code == 404
        # charlie, an outsider, can only ever name his own current team.
        self.client.force_login(self.charlie)
        self.client.post("/team/rename/", {"name": "Charlie's"})
        self.team.refresh_from_db()
        assert self.team.name == before
        assert Team.objects.get(pk=self.charlies_team.pk).name == "Charlie's"
        assert Membership.objects.filter(team=self.team).count() == 2

    def test_it_only_accepts_posts(self) -> None:
        self.client.force_login(self.alice)
        assert self.client.get("/team/rename/").status_code == 405


class JustNowTestCase(BaseTestCase):
    def test_a_fresh_invitation_was_sent_just_now(self) -> None:
        """timesince said "sent 0 minutes ago" for an invitation made a moment ago."""
        self.client.force_login(self.alice)
        self.client.post("/team/invite/", {"email": "friend@example.org"})
        r = self.client.get("/team/")
        self.assertContains(r, "friend@example.org")
        self.assertContains(r, "sent just now")
        self.assertNotContains(r, "0 minutes")
