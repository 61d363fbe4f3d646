"""The HTTPS intake (RFC 8460 §5.4) at URLs and with methods test_reports_intake does not
list: a trailing slash, the token's case and shape, other methods, a removed domain, CSRF.

The promise to senders: 2xx only once the raw body is committed, 4xx with a reason for what
would fail again, never a 500, nothing lost. Fixtures here serve test_http_s11_labels too;
test_http_s11_gunicorn sends what needs a real server.
"""

from __future__ import annotations

import gzip
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.http import HttpResponse
from django.test import Client

from mailsec.accounts.models import Team
from mailsec.celery import app
from mailsec.domains.models import Domain
from reports.models import RawReport, ReportAddress

SAMPLE = (Path(__file__).parent / "data" / "tlsrpt" / "sample.json").read_bytes()
GZ = "application/tlsrpt+gzip"
JS = "application/tlsrpt+json"


@pytest.fixture
def eager() -> Iterator[None]:
    app.conf.task_always_eager = True
    try:
        yield
    finally:
        app.conf.task_always_eager = False


@pytest.fixture
def address(db: None) -> ReportAddress:
    return ReportAddress.objects.create(domain_name="example.com")


def report(report_id: str) -> bytes:
    """The sample report under another report-id: each one a report of its own."""
    return SAMPLE.replace(b"2026-06-01T00:00:00Z_example.com", report_id.encode())


@pytest.fixture
def send(
    client: Client, address: ReportAddress, eager: None, django_capture_on_commit_callbacks: Any
) -> Callable[..., HttpResponse]:
    """POST bytes as they are (the test client would re-encode a body with a charset) and run
    the parse queued on commit, as the worker would."""

    def send(body: bytes, content_type: str | None = GZ, path: str = "", **extra: Any) -> Any:
        if content_type is None:
            extra["CONTENT_TYPE"] = ""  # no Content-Type header at all, as from a raw client
            content_type = ""
        with django_capture_on_commit_callbacks(execute=True):
            return client.generic(
                "POST", path or f"/tlsrpt/{address.token}", body, content_type, **extra
            )

    return send


def stored(response: Any) -> RawReport:
    return RawReport.objects.get(public_id=response.json()["id"])


def test_the_intake_url_with_a_trailing_slash_is_the_intake(
    send: Callable[..., Any], address: ReportAddress
) -> None:
    # An owner who published rua=https://…/tlsrpt/<token>/ would otherwise lose every report
    # to an HTML 404.
    response = send(gzip.compress(SAMPLE), path=f"/tlsrpt/{address.token}/")
    assert response.status_code == 201, response.content[:200]
    assert stored(response).address == address


def test_an_upper_case_token_is_the_same_address(
    send: Callable[..., Any], address: ReportAddress
) -> None:
    response = send(gzip.compress(SAMPLE), path=f"/tlsrpt/{address.token.upper()}")
    assert response.status_code == 201
    assert stored(response).address == address


@pytest.mark.parametrize(
    "token", ["ab%00cd", "0123456789abcdef%00", "%ff%fe", "x" * 300, "not-a-token"]
)
def test_a_token_no_address_can_have_is_404_not_a_retry(
    send: Callable[..., Any], address: ReportAddress, token: str
) -> None:
    # A NUL byte made PostgreSQL refuse the look-up, answered 503 + Retry-After: the sender
    # retried for a day a URL that can never work, and every try logged a traceback.
    response = send(gzip.compress(SAMPLE), path=f"/tlsrpt/{token}")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"error": "no report address with this token"}
    assert RawReport.objects.count() == 0


def test_the_dashboard_urls_answer_404_for_a_token_with_a_nul_byte(
    client: Client, address: ReportAddress
) -> None:
    staff = User.objects.create_user("operator", "op@example.org", is_staff=True)
    client.force_login(staff)
    assert client.get(f"/tlsrpt/{address.token}/dashboard/").status_code == 200
    for path in ("dashboard/", "export.csv"):
        assert client.get(f"/tlsrpt/ab%00cd/{path}").status_code == 404


def test_other_methods_are_405_with_allow_and_no_body_for_head(
    client: Client, address: ReportAddress
) -> None:
    for method in ("HEAD", "OPTIONS", "PATCH"):
        response = client.generic(method, f"/tlsrpt/{address.token}")
        assert response.status_code == 405, method
        assert response["Allow"] == "POST"
        if method == "HEAD":
            assert response.content == b""


def test_a_removed_domains_address_keeps_storing_reports(
    send: Callable[..., Any], address: ReportAddress
) -> None:
    # The owner's _smtp._tls record still names the token; adding the name again gets the
    # reports back (ReportAddress.team), so they are stored meanwhile, not refused.
    owner = User.objects.create_user("owner", "owner@example.org")
    domain = Domain.objects.create(team=Team.create_for(owner), name="example.com")
    address.domain = domain
    address.save()
    domain.delete()
    response = send(gzip.compress(SAMPLE))
    assert response.status_code == 201
    assert stored(response).address == address


# --- CSRF ---------------------------------------------------------------------------------


def test_the_intake_needs_no_csrf_token_but_the_rest_of_the_site_does(
    address: ReportAddress,
) -> None:
    client = Client(enforce_csrf_checks=True)
    response = client.generic("POST", f"/tlsrpt/{address.token}", gzip.compress(SAMPLE), GZ)
    assert response.status_code == 201
    user = User.objects.create_user("alice", "alice@example.org")
    Team.create_for(user)
    client.force_login(user)
    refused = client.post("/domains/add/", {"name": "example.org"})
    assert refused.status_code == 403 and b"CSRF" in refused.content
    assert not Domain.objects.filter(name="example.org").exists()
