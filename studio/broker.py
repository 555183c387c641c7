"""The embedded default broker: kombu's filesystem transport, with each message written whole
before it appears, and messages taken by priority before age.

kombu creates a message's file and then writes it, so a worker polling the folder at that moment
can take the empty file and fail to decode it (the message is lost). Here a message is written
under a name no queue reads and then renamed into place, which is atomic on one filesystem.
"""

import os
import time
import uuid

from kombu.exceptions import ChannelError
from kombu.transport import TRANSPORT_ALIASES, filesystem
from kombu.utils.encoding import str_to_bytes
from kombu.utils.json import dumps


class Channel(filesystem.Channel):
    def _put(self, queue, payload, **kwargs):
        # The name kombu gives a message, led by its priority (0–9, lower first: workers take messages in the
        # folder's sort order), and a hidden one to write it under first.
        priority = min(9, max(0, int(payload.get("properties", {}).get("priority") or 0)))
        final = os.path.join(self.data_folder_out,
                             f"{priority}_{time.monotonic_ns():020d}_{uuid.uuid4()}.{queue}.msg")
        partial = os.path.join(self.data_folder_out, f"partial-{uuid.uuid4().hex}")
        try:
            with open(partial, "wb") as handle:
                handle.write(str_to_bytes(dumps(payload)))
            os.replace(partial, final)
        except OSError as error:
            raise ChannelError(f"Cannot add file {final!r} to directory") from error


class Transport(filesystem.Transport):
    Channel = Channel


TRANSPORT_ALIASES["filesystem"] = "studio.broker:Transport"
