"""kombu's filesystem transport (the embedded broker) with an atomic put.

kombu 5.7's filesystem Channel._put creates `<ms>_<uuid>.<queue>.msg` and only then writes the message
into it, while _get takes any file with that name at once (it moves the file away, no lock). A worker
that takes a file between the two reads b"", fails with JSONDecodeError ("Unrecoverable error") and
exits, which takes `make run` down. Here the message is written under a name no reader matches and then
renamed into place: a rename within one directory is atomic, so a reader gets the whole message or none.
"""

from __future__ import annotations

import os
import uuid
from time import monotonic
from typing import Any

from kombu.exceptions import ChannelError
from kombu.transport import filesystem
from kombu.utils.encoding import str_to_bytes
from kombu.utils.json import dumps


class Channel(filesystem.Channel):
    # kombu's own signature: its stub's filesystem.Channel._put ignores the same override of AbstractChannel's.
    def _put(self, queue: str, payload: dict[str, Any], **kwargs: Any) -> None:  # type: ignore[override]
        name = f"{round(monotonic() * 1000)}_{uuid.uuid4()}.{queue}.msg"
        final = os.path.join(self.data_folder_out, name)
        # _get matches filename.partition(".")[2] == "<queue>.msg"; a leading dot never does.
        partial = os.path.join(self.data_folder_out, f".partial-{name}")
        try:
            with open(partial, "wb") as f:
                f.write(str_to_bytes(dumps(payload)))
            os.replace(partial, final)
        except OSError as exc:
            raise ChannelError(f"Cannot add file {final!r} to directory") from exc


class Transport(filesystem.Transport):
    Channel = Channel
