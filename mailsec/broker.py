"""The embedded broker: kombu's filesystem transport, with message files written atomically.

kombu writes a message straight into its final name in the queue folder, so a consumer polling
the folder can pick up a file that is still empty or half-written, and its JSON decode error
stops the worker (seen in our test runs; celery/kombu#1551). Here each message is written under
a name the consumer ignores and then renamed into place, which is atomic on one filesystem.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from time import monotonic
from typing import Any

from kombu.exceptions import ChannelError
from kombu.transport import TRANSPORT_ALIASES, filesystem
from kombu.utils.encoding import str_to_bytes
from kombu.utils.json import dumps

ALIAS = "mailsecfs"


class Channel(filesystem.Channel):
    def _put(self, queue: str, payload: Any, **kwargs: Any) -> None:
        name = f"{int(round(monotonic() * 1000))}_{uuid.uuid4()}.{queue}.msg"
        final = os.path.join(self.data_folder_out, name)
        # A leading dot: the consumer only takes files named "<anything>.<queue>.msg".
        partial = os.path.join(self.data_folder_out, f".{uuid.uuid4()}.partial")
        try:
            with open(partial, "wb") as f:
                f.write(str_to_bytes(dumps(payload)))
            os.replace(partial, final)
        except OSError as exc:
            with contextlib.suppress(OSError):
                os.remove(partial)
            raise ChannelError(f"Cannot add file {final!r} to directory") from exc


class Transport(filesystem.Transport):
    Channel = Channel

    @property
    def default_connection_params(self) -> dict[str, Any]:
        # A folder of files has no host. kombu's virtual transports default the hostname to
        # 'localhost' and warn "No hostname was supplied. Reverting to default 'localhost'" on
        # every connection (worker, beat, each `manage.py ingest_email`); no default, no warning.
        return {"port": self.default_port}


def register() -> None:
    TRANSPORT_ALIASES[ALIAS] = "mailsec.broker:Transport"
