"""/healthz answers HEAD as it answers GET (lead, after s38r): a load balancer that checks with
HEAD got 405 and took a healthy site out of service. The status says the health (200, or 503
naming nothing in the body HEAD does not get); POST stays 405.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client


@pytest.fixture
def production_hosts(settings: Any) -> None:
    settings.ALLOWED_HOSTS = ["mailsec.example"]
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_REDIRECT_EXEMPT = [r"^healthz$"]


@pytest.mark.django_db
@pytest.mark.usefixtures("production_hosts")
@pytest.mark.parametrize("host", ("mailsec.example", "10.0.0.5:8000"))
def test_head_answers_as_get_does(client: Client, host: str) -> None:
    r = client.head("/healthz", HTTP_HOST=host)
    assert r.status_code == 200, r.content
    assert r.content == b""
    assert r["Content-Type"] == "application/json"
    assert "no-cache" in r["Cache-Control"]


@pytest.mark.django_db
@pytest.mark.usefixtures("production_hosts")
def test_other_methods_are_still_refused(client: Client) -> None:
    for method in ("post", "put", "delete"):
        r = getattr(client, method)("/healthz", HTTP_HOST="mailsec.example")
        assert r.status_code == 405, (method, r.status_code)
