"""The Content-Security-Policy with DEBUG on, and no inline style anywhere.

With DEBUG on the policy was left out altogether (Django's debug error pages are inline
scripts and styles), so a developer never saw in the browser what production would block.
It is now sent with DEBUG on as well, except on Django's own debug error pages. And style
attributes, which the policy allowed for two legend colours (style-src-attr 'unsafe-inline'),
are gone from the templates and from the policy."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.http import Http404, HttpRequest, HttpResponse
from django.test import Client, override_settings
from django.urls import include, path
from django.utils import timezone

from mailsec.domains.models import CheckRun, Domain
from reports.models import ReportAddress
from tests.conftest import BaseTestCase
from tests.test_web_s10_csp import LOCMEM, directives, page_templates
from tests.test_web_s13_polish import store_report

ROOT = Path(__file__).resolve().parent.parent
HEADER = "Content-Security-Policy"


def ours(request: HttpRequest) -> HttpResponse:
    return HttpResponse("<!doctype html><title>ours</title><p>ours</p>", status=400)


def missing(request: HttpRequest) -> HttpResponse:
    raise Http404("no such thing")


def broken(request: HttpRequest) -> HttpResponse:
    raise RuntimeError("broken on purpose")


# A URLconf of its own for the error pages (ROOT_URLCONF=this module), with the site's URLs:
# the error pages (templates/404.html…) are in the site's layout, which links to its pages.
urlpatterns = [
    path("ours", ours),
    path("missing", missing),
    path("broken", broken),
    path("", include("mailsec.urls")),
]


@override_settings(CACHES=LOCMEM)
class DebugTestCase(BaseTestCase):
    def test_it_sends_the_same_policy_with_debug_on(self) -> None:
        self.client.force_login(self.alice)
        urls = ["/", "/domains/", "/team/", "/account/", "/accounts/email/"]
        off = {url: self.client.get(url).headers[HEADER] for url in urls}
        with override_settings(DEBUG=True):
            on = {url: self.client.get(url).headers[HEADER] for url in urls}
        assert on == off
        assert "script-src http://testserver/static/" in on["/"]

    @override_settings(DEBUG=True)
    def test_it_keeps_it_on_our_own_error_answers_with_debug_on(self) -> None:
        # The exception is for Django's debug pages only, not for any answer with an error.
        self.client.force_login(self.alice)
        response = self.client.post("/team/invite/", {"email": "friend@example"})
        assert response.status_code == 400
        assert HEADER in response.headers
        with override_settings(ROOT_URLCONF=__name__):
            response = self.client.get("/ours")
        assert response.status_code == 400
        assert HEADER in response.headers

    @override_settings(DEBUG=True, ROOT_URLCONF=__name__)
    def test_it_leaves_out_djangos_own_debug_pages(self) -> None:
        # Inline scripts, styles and onclick handlers, shown to the developer only: a policy
        # would leave the traceback's frames unfoldable and the page unstyled.
        client = Client(raise_request_exception=False)
        for url, status in [("/missing", 404), ("/nowhere", 404), ("/broken", 500)]:
            response = client.get(url)
            assert response.status_code == status, url
            assert b'content="NONE,NOARCHIVE"' in response.content, url
            assert HEADER not in response.headers, url

    @override_settings(ROOT_URLCONF=__name__)
    def test_it_sends_it_on_every_error_page_with_debug_off(self) -> None:
        client = Client(raise_request_exception=False)
        for url in ["/missing", "/nowhere", "/broken", "/ours"]:
            assert HEADER in client.get(url).headers, url


@override_settings(CACHES=LOCMEM)
class StyleTestCase(BaseTestCase):
    def test_the_policy_allows_no_inline_style(self) -> None:
        policy = directives(self.client.get("/").headers[HEADER])
        assert "style-src-attr" not in policy  # falls back to style-src
        assert "'unsafe-inline'" not in policy["style-src"]
        assert "'unsafe-hashes'" not in policy["style-src"]

    def test_the_tls_reports_legend_colours_through_classes(self) -> None:
        domain = Domain.objects.create(
            team=self.team, name="example.com", verified_at=timezone.now()
        )
        address = ReportAddress.for_domain(domain)
        store_report(address, 90, 10)
        self.client.force_login(self.alice)
        page = self.client.get(f"/tlsrpt/{address.token}/dashboard/").content.decode()
        assert '<span class="swatch-ok">■</span> successful' in page
        assert '<span class="swatch-fail">■</span> failed' in page
        assert " style=" not in page
        css = (ROOT / "static/css/app.css").read_text()
        assert ".legend .swatch-ok { color: #0b6e4f; }" in css
        assert ".legend .swatch-fail { color: #b42318; }" in css

    def test_the_score_chart_legend_draws_partial_runs_through_a_class(self) -> None:
        domain = Domain.objects.create(
            team=self.team, name="example.org", verified_at=timezone.now()
        )
        now = timezone.now()
        for n, partial in enumerate([False, True, False]):
            when = now - timedelta(days=3 - n)
            CheckRun.objects.create(
                domain=domain,
                status=CheckRun.Status.DONE,
                created=when,
                finished=when,
                score=80,
                score_detail={"not_checked": ["starttls"] if partial else []},
            )
        self.client.force_login(self.alice)
        page = self.client.get(f"/domains/{domain.code}/").content.decode()
        assert '<span class="key-partial"></span> partial' in page
        assert " style=" not in page
        css = (ROOT / "static/css/app.css").read_text()
        assert re.search(r"\.key-partial \{[^}]*border: 1\.5px dashed", css)


TAG = re.compile(r"<[a-zA-Z][^>]*>", re.S)


@pytest.mark.parametrize("path", page_templates(), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_page_template_has_a_style_attribute(path: Path) -> None:
    for tag in TAG.findall(path.read_text()):
        assert not re.search(r"\sstyle\s*=", tag, re.I), f"style attribute in {tag!r}"
