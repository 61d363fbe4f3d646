"""The 400 page for a request refused for its Host header (ALLOWED_HOSTS, DisallowedHost) set
a csrftoken cookie (task s38k, item 4; seen in blind round s38g for 'evil-mta-sts.example.org'
and 'mta-sts.'). Django 5.2's bad_request renders 400.html with the request, so the layout's
{{ csrf_token }} (base.html's hx-headers) made a token and the CSRF middleware sent it: a
cookie for a name that is not ours, on a page with no form. The page is rendered without the
request now, as templates/400.html expects (mailsec.views.bad_request)."""

from __future__ import annotations

from django.test import override_settings

from tests.conftest import BaseTestCase


@override_settings(DEBUG=False)
class BadHostPage(BaseTestCase):
    def test_it_sets_no_cookie_for_an_unknown_host(self) -> None:
        for host, path in [
            ("evil.example", "/"),
            ("evil-mta-sts.example.org", "/.well-known/mta-sts.txt"),
            ("mta-sts.", "/.well-known/mta-sts.txt"),
        ]:
            r = self.client.get(path, HTTP_HOST=host, secure=True)
            assert r.status_code == 400, (host, r.status_code)
            assert "Request not understood" in r.content.decode(), host
            assert not r.cookies, (host, r.cookies.output())
            assert not r.has_header("Set-Cookie"), host

    def test_it_sets_no_cookie_for_a_signed_in_visitor_either(self) -> None:
        self.client.force_login(self.alice)
        r = self.client.get("/", HTTP_HOST="evil.example", secure=True)
        assert r.status_code == 400
        assert "csrftoken" not in r.cookies, r.cookies.output()
