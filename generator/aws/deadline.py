"""One deadline for the whole of every AWS call, and what each thread last sent.

botocore's timeouts bound each wait on the socket, not a call: an endpoint that answers
`200` with a large Content-Length and then one byte every 3 s never lets a 4 s read
timeout fire, and a call waits for as long as the body takes. So every operation of
every client a session creates (those botocore creates to fetch a role's credentials
included) runs on a worker thread, and the caller waits at most its deadline: what its
timeouts and retries allow a silent endpoint, `attempts x (connect + read) + BACKOFF`.
A worker still reading after the deadline is left behind (a daemon thread, holding only
its socket) and the call fails naming the endpoint and the operation it was sending.

The hook is boto3's documented `creating-client-class` event (boto3 "Extensibility
guide"), which wraps the operations of the client class; nothing of botocore is patched.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from botocore.config import Config

# The retry backoff of all attempts together, at most (botocore's standard mode sleeps
# well under a second; older releases started at 1 s).
BACKOFF = 3


@dataclass
class Sent:
    """The last request sent on behalf of a call: `service:Operation`, its URL, its bound."""

    call: str | None = None
    url: str | None = None
    read_timeout: float | None = None


class DeadlineExceeded(Exception):
    """A call did not finish within its deadline (the endpoint may still be sending)."""

    def __init__(self, sent: Sent, seconds: float) -> None:
        super().__init__(f"{sent.call or 'the call'} took over {seconds:g} s")
        self.sent = sent
        self.seconds = seconds


_local = threading.local()


def _trail() -> list[Sent]:
    return getattr(_local, "trail", [])


@contextmanager
def watching() -> Iterator[Sent]:
    """What the calls in this block last sent (also from the workers they run on)."""
    seen = Sent()
    outer = _trail()
    _local.trail = [*outer, seen]
    try:
        yield seen
    finally:
        _local.trail = outer


def note_sending(
    event_name: str, request: Any = None, read_timeout: float | None = None, **_: Any
) -> None:
    """botocore's `before-send.SERVICE.Operation` event: record what is sent, for messages."""
    _, service, operation = [*event_name.split(".", 2), "", ""][:3]
    for seen in _trail():
        seen.call = f"{service}:{operation}" if operation else None
        seen.url = getattr(request, "url", None)
        seen.read_timeout = read_timeout  # None: the default (the session's handler runs first)


def seconds_for(config: Config) -> float:
    """A call's deadline: what its timeouts and retries give an endpoint that never answers."""
    attempts = (config.retries or {}).get("total_max_attempts", 3)
    return attempts * (config.connect_timeout + config.read_timeout) + BACKOFF


def bound_every_call(class_attributes: dict[str, Any], **_: Any) -> None:
    """boto3's `creating-client-class` event: give every operation of the class a deadline."""
    for name in class_attributes.get("_PY_TO_OP_NAME", {}):
        if callable(class_attributes.get(name)):
            class_attributes[name] = _within_deadline(class_attributes[name])


def _within_deadline(operation: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(operation)
    def bounded(client: Any, *args: Any, **kwargs: Any) -> Any:
        seconds = seconds_for(client.meta.config)
        outcome: dict[str, Any] = {}
        with watching() as sent:
            trail = _trail()

            def run() -> None:
                _local.trail = trail
                try:
                    outcome["value"] = operation(client, *args, **kwargs)
                except BaseException as error:  # handed to the caller's thread
                    outcome["error"] = error

            worker = threading.Thread(target=run, name=f"xgen {operation.__name__}", daemon=True)
            worker.start()
            worker.join(seconds)
        if worker.is_alive():
            raise DeadlineExceeded(sent, seconds)
        if "error" in outcome:
            raise outcome["error"]
        return outcome["value"]

    return bounded
