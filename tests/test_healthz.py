from __future__ import annotations

import pytest
from django.db import DatabaseError
from django.test import Client

from mailsec import views
from mailsec.celery import app as celery_app


@pytest.mark.django_db
def test_it_answers_200_when_database_and_broker_answer(client: Client) -> None:
    r = client.get("/healthz")
    assert r.status_code == 200
    assert r.json() == {"database": "ok", "broker": "ok"}
    assert "no-cache" in r["Cache-Control"]


@pytest.mark.django_db
def test_it_answers_503_naming_the_broker(client: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    # nothing listens on port 1
    monkeypatch.setitem(celery_app.conf, "broker_url", "redis://127.0.0.1:1/0")
    monkeypatch.setitem(celery_app.conf, "broker_transport_options", {})
    r = client.get("/healthz")
    assert r.status_code == 503
    body = r.json()
    assert body["database"] == "ok"
    assert body["broker"].startswith("error")


@pytest.mark.django_db
def test_it_answers_503_naming_the_database(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken() -> None:
        raise DatabaseError("gone")

    monkeypatch.setattr(views, "check_database", broken)
    r = client.get("/healthz")
    assert r.status_code == 503
    assert r.json() == {"database": "error: DatabaseError", "broker": "ok"}


@pytest.mark.django_db
def test_home_page_renders(client: Client) -> None:
    r = client.get("/")
    assert r.status_code == 200
    assert b"mailsec" in r.content
    assert b"htmx.min.js" in r.content
