"""The admin renders as designed under the Content-Security-Policy: every script, style sheet,
<style> element and style attribute of its pages is one the policy allows. Django 5.2's admin
has no inline script or handler, and its one possible <style> (a change list without actions
bars) only appears when a ModelAdmin turns both bars off; it has no style attribute either,
which the policy no longer allows anywhere (tests/test_web_s14_csp.py)."""

from __future__ import annotations

import base64
import hashlib
import re

import pytest
from django.contrib import admin
from django.contrib.auth.models import User
from django.test import Client

from mailsec.accounts.models import Team
from mailsec.domains.models import Domain


def directives(policy: str) -> dict[str, list[str]]:
    parsed: dict[str, list[str]] = {}
    for part in policy.split(";"):
        name, *values = part.split()
        parsed[name] = values
    return parsed


def allowed(url: str, sources: list[str], origin: str) -> bool:
    absolute = url if "://" in url else f"{origin}{url}"
    return any(
        absolute.startswith(s if s != "'self'" else f"{origin}/")
        for s in sources
        if not s.startswith("'") or s == "'self'"
    )


def blocked_by_policy(html: str, policy: str, origin: str) -> list[str]:
    """What in `html` the browser would refuse under `policy` (scripts and styles)."""
    csp = directives(policy)
    scripts = csp.get("script-src", csp["default-src"])
    styles = csp.get("style-src", csp["default-src"])
    blocked: list[str] = []
    for tag in re.findall(r"<script\b[^>]*>", html):
        src = re.search(r'\ssrc="([^"]+)"', tag)
        if src is None:
            blocked.append(f"inline script {tag}")
        elif not allowed(src.group(1), scripts, origin):
            blocked.append(f"script {src.group(1)}")
    blocked += [f"handler {h}" for h in re.findall(r"<[^>]*\s(on[a-z]+)=", html)]
    for href in re.findall(r'<link\b[^>]*rel="stylesheet"[^>]*href="([^"]+)"', html):
        if not allowed(href, styles, origin):
            blocked.append(f"style sheet {href}")
    for body in re.findall(r"<style\b[^>]*>(.*?)</style>", html, re.S):
        digest = base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
        if f"'sha256-{digest}'" not in styles and "'unsafe-inline'" not in styles:
            blocked.append(f"<style> {body.strip()[:60]}")
    attribute_styles = csp.get("style-src-attr", styles)
    if re.search(r"<[^>]*\sstyle=", html) and "'unsafe-inline'" not in attribute_styles:
        blocked.append("style attributes")
    return blocked


@pytest.mark.django_db
def test_the_admin_pages_need_nothing_the_policy_forbids(client: Client) -> None:
    root = User.objects.create_superuser("root", "root@example.org", "pw-123456789")
    client.force_login(root)
    domain = Domain.objects.create(team=Team.create_for(root), name="example.org")
    pages = ["/admin/", f"/admin/auth/user/{root.pk}/password/", "/admin/password_change/"]
    for model in admin.site._registry:
        base = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
        pages += [base, f"{base}add/"]
    change = f"/admin/domains/domain/{domain.pk}/"
    pages += [f"{change}change/", f"{change}delete/", f"{change}history/"]
    checked = 0
    for url in pages:
        response = client.get(url, secure=True)
        if response.status_code == 403:  # a read-only model's add page
            continue
        assert response.status_code == 200, url
        html = response.content.decode()
        policy = response.headers["Content-Security-Policy"]
        assert not blocked_by_policy(html, policy, "https://testserver"), url
        checked += 1
    # The delete confirmation of the change list's action.
    response = client.post(
        "/admin/domains/domain/",
        {"action": "delete_selected", "_selected_action": [domain.pk]},
        secure=True,
    )
    assert b"Are you sure" in response.content
    policy = response.headers["Content-Security-Policy"]
    assert not blocked_by_policy(response.content.decode(), policy, "https://testserver")
    assert checked > 20


@pytest.mark.django_db
def test_the_admin_sign_in_goes_through_the_sites_own_sign_in_page(client: Client) -> None:
    # /admin/login/ checks no password (mailsec/urls.py): it sends people to the site's sign
    # in, whose page must render under the policy too.
    response = client.get("/admin/login/?next=/admin/", secure=True, follow=True)
    assert response.redirect_chain and response.status_code == 200
    policy = response.headers["Content-Security-Policy"]
    origin = response.wsgi_request.build_absolute_uri("/").rstrip("/")
    assert not blocked_by_policy(response.content.decode(), policy, origin)


def test_the_check_sees_what_a_strict_policy_would_block() -> None:
    # Without this, the tests above could pass by seeing nothing.
    strict = "default-src 'self'; script-src https://testserver/static/; style-src 'self'"
    html = (
        '<script src="https://cdn.example/x.js"></script><script>alert(1)</script>'
        '<a onclick="x()">x</a><style>p{color:red}</style><p style="color:red">x</p>'
        '<link rel="stylesheet" href="/static/admin/css/base.css">'
    )
    assert blocked_by_policy(html, strict, "https://testserver") == [
        "script https://cdn.example/x.js",
        "inline script <script>",
        "handler onclick",
        "<style> p{color:red}",
        "style attributes",
    ]
