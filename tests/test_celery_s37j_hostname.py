"""Task s37j: the embedded broker has no host, so kombu must not warn "No hostname was supplied.
Reverting to default 'localhost'" whenever a connection is made (printed by `make run`'s worker
and beat and by every `manage.py ingest_email`). Real broker errors still surface."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from kombu import Connection
from kombu.exceptions import ChannelError

from mailsec import broker

# The embedded broker's transport itself, whichever broker this run's settings name (CI's is
# Redis): nothing here is skipped.
broker.register()


def test_connection_info_names_no_default_hostname(
    caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    folder = str(tmp_path)
    with (
        caplog.at_level(logging.DEBUG, logger="kombu.connection"),
        Connection(
            "mailsecfs://", transport_options={"data_folder_in": folder, "data_folder_out": folder}
        ) as conn,
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
