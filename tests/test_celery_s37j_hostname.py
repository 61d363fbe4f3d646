"""Task s37j: the embedded broker has no host, so kombu must not warn "No hostname was supplied.
Reverting to default 'localhost'" whenever a connection is made (printed by `make run`'s worker
and beat and by every `manage.py ingest_email`). Real broker errors still surface."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from django.conf import settings
from kombu import Connection
from kombu.exceptions import ChannelError

from mailsec.celery import app

pytestmark = pytest.mark.skipif(bool(settings.REDIS_URL), reason="embedded broker only")


def test_connection_info_names_no_default_hostname(caplog: pytest.LogCaptureFixture) -> None:
    with (
        caplog.at_level(logging.DEBUG, logger="kombu.connection"),
        app.connection_for_write() as conn,
    ):
        info = conn.info()
        conn.ensure_connection(max_retries=1)
        uri = conn.as_uri()
    assert "No hostname was supplied" not in caplog.text
    assert info["hostname"] in (None, "")
    assert uri.startswith("mailsecfs://")


def test_an_unusable_queue_folder_is_still_an_error(tmp_path: Path) -> None:
    missing = str(tmp_path / "nope" / "queue")
    conn = Connection(
        "mailsecfs://", transport_options={"data_folder_in": missing, "data_folder_out": missing}
    )
    with pytest.raises(ChannelError, match="Cannot add file"), conn:
        channel = conn.default_channel
        channel.basic_publish(channel.prepare_message("x"), exchange="", routing_key="q")
