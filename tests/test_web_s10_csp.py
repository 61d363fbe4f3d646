"""The Content-Security-Policy header, and page templates that need nothing it forbids."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.test import Client, override_settings
from django.utils import timezone

from mailsec.domains.models import Domain
from tests.conftest import BaseTestCase

ROOT = Path(__file__).resolve().parent.parent
LOCMEM = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


def directives(policy: str) -> dict[str, list[str]]:
    parsed: dict[str, list[str]] = {}
    for part in policy.split(";"):
        name, *values = part.split()
        parsed[name] = values
    return parsed


@override_settings(CACHES=LOCMEM)
class HeaderTestCase(BaseTestCase):
    def pages(self) -> list[str]:
        domain = Domain.objects.create(team=self.team, name="example.org", verified_at=None)
        return ["/", "/check", "/domains/", f"/domains/{domain.code}/", "/team/"]

    def test_every_page_gets_a_strict_policy(self) -> None:
        signed_in = Client()
        signed_in.force_login(self.alice)
        pages = [(Client(), "/accounts/login/"), *((signed_in, url) for url in self.pages())]
        for client, url in pages:
            r = client.get(url)
            self.assertEqual(r.status_code, 200, url)
            policy = directives(r.headers["Content-Security-Policy"])
            # Scripts only from the static files of the host asked, nothing inline, no eval.
            self.assertEqual(
                policy["script-src"],
                ["http://testserver/static/", "http://testserver/admin/jsi18n/"],
                url,
            )
            self.assertEqual(policy["object-src"], ["'none'"])
            self.assertEqual(policy["base-uri"], ["'none'"])
            self.assertEqual(policy["frame-ancestors"], ["'none'"])
            self.assertEqual(policy["form-action"], ["'self'"])
            for name in ("default-src", "style-src", "connect-src", "img-src"):
                self.assertNotIn("'unsafe-inline'", policy[name], name)
                self.assertNotIn("'unsafe-eval'", policy[name], name)
                self.assertNotIn("*", policy[name], name)

    def test_the_script_source_follows_the_host_and_scheme(self) -> None:
        with override_settings(ALLOWED_HOSTS=["mailsec.example"]):
            r = Client().get("/", headers={"host": "mailsec.example"}, secure=True)
        policy = directives(r.headers["Content-Security-Policy"])
        self.assertEqual(
            policy["script-src"],
            ["https://mailsec.example/static/", "https://mailsec.example/admin/jsi18n/"],
        )

    def test_a_request_for_a_host_we_do_not_serve_still_gets_it(self) -> None:
        r = Client().get("/", headers={"host": "evil.example"})
        self.assertEqual(r.status_code, 400)
        self.assertIn("script-src", r.headers["Content-Security-Policy"])

    def test_it_is_the_same_with_debug(self) -> None:
        # Only Django's own debug error pages go without it (tests/test_web_s14_csp.py).
        policy = self.client.get("/").headers["Content-Security-Policy"]
        with override_settings(DEBUG=True):
            self.assertEqual(self.client.get("/").headers["Content-Security-Policy"], policy)

    def test_remove_asks_through_a_data_attribute(self) -> None:
        domain = Domain.objects.create(
            team=self.team, name="o'neil.example", verified_at=timezone.now()
        )
        self.client.force_login(self.alice)
        page = self.client.get(f"/domains/{domain.code}/").content.decode()
        self.assertIn('data-confirm="Remove o&#x27;neil.example and its check history?"', page)
        self.assertIn("/static/js/confirm.js", page)


# Mail bodies are not pages: no browser applies a policy to them (and mail clients run no
# script at all).
def page_templates() -> list[Path]:
    found = []
    for path in sorted((ROOT / "templates").rglob("*.html")):
        parts = path.relative_to(ROOT / "templates").parts
        if "emails" in parts or "email" in parts:
            continue
        found.append(path)
    return found


TAG = re.compile(r"<[a-zA-Z][^>]*>", re.S)
HANDLER = re.compile(r"\son[a-z]+\s*=", re.I)


@pytest.mark.parametrize("path", page_templates(), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_page_template_runs_inline_script(path: Path) -> None:
    text = path.read_text()
    for tag in TAG.findall(text):
        assert not HANDLER.search(tag), f"inline handler in {tag!r}"
        assert not re.search(r"\shx-on", tag), f"htmx runs hx-on with eval: {tag!r}"
        assert "javascript:" not in tag.lower(), tag
        assert not re.search(r"hx-va(ls|rs)\s*=\s*['\"]\s*(js|javascript):", tag), tag
        if tag.lower().startswith("<script"):
            data_block = re.search(r'type\s*=\s*"application/(ld\+)?json"', tag)
            assert " src=" in tag or data_block, f"inline <script> in {path}"
    assert not re.search(r"<style[\s>]", text, re.I), f"<style> element in {path}"


def test_the_scan_finds_the_templates() -> None:
    names = {str(p.relative_to(ROOT)) for p in page_templates()}
    assert {"templates/base.html", "templates/domains/_details.html"} <= names
    assert not any("emails" in n for n in names)


@pytest.mark.django_db
def test_the_admin_pages_scripts_are_all_allowed(client: Client) -> None:
    # The admin's change list and forms load its JavaScript catalog (gettext) from a view,
    # outside the static files: without it the action counter and date shortcuts break.
    admin = User.objects.create_superuser("root", "root@example.org", "pw-123456789")
    client.force_login(admin)
    for url in ["/admin/domains/domain/", "/admin/accounts/invite/add/"]:
        response = client.get(url, secure=True)
        assert response.status_code == 200, url
        policy = response.headers["Content-Security-Policy"]
        match = re.search(r"script-src ([^;]+)", policy)
        assert match is not None
        sources = match.group(1).split()
        scripts = re.findall(r'<script[^>]*src="([^"]+)"', response.content.decode())
        assert scripts, url
        blocked = [
            s for s in scripts if not any(f"https://testserver{s}".startswith(x) for x in sources)
        ]
        assert not blocked, (url, blocked)
