"""Serving the dashboard: uvicorn on h11 and asyncio, one process, nothing else loaded.

The listening socket is opened here, before uvicorn starts, so a port in use or an address
that is not this machine's is one clear sentence instead of a log line and a silent exit.
"""

from __future__ import annotations

import contextlib
import logging
import signal
import socket
from collections.abc import Iterator
from pathlib import Path

import uvicorn
from starlette.types import ASGIApp

logger = logging.getLogger(__name__)


class ServeError(OSError):
    """The dashboard cannot listen; the message says where and why."""


def open_socket(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP spelled out: asyncio turns Nagle's algorithm off (TCP_NODELAY) only on
    # sockets that say they are TCP; with it on, each reply on a kept-alive connection waited
    # about 40 ms for the browser's delayed ACK between its head and its body.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if family == socket.AF_INET6:
        sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)  # IPv4 too
    try:
        sock.bind((host, port))
        sock.listen(128)
    except OSError as error:
        sock.close()
        why = error.strerror or str(error)
        raise ServeError(
            f"cannot listen on {host} port {port} ({why}). Is the dashboard running already, "
            "or another program using the port? Choose another with --port, or an address of "
            "this machine with --host."
        ) from error
    sock.set_inheritable(True)
    return sock


def serve(
    app: ASGIApp,
    sock: socket.socket,
    *,
    certfile: Path | None = None,
    keyfile: Path | None = None,
) -> None:
    """Serve until SIGINT or SIGTERM (uvicorn's handlers end it cleanly)."""
    config = uvicorn.Config(
        app,
        loop="asyncio",
        http="h11",
        ws="none",
        lifespan="off",
        interface="asgi3",
        proxy_headers=False,  # the dashboard reads X-Forwarded-* itself, only when told to
        server_header=False,
        access_log=False,
        log_config=None,
        timeout_graceful_shutdown=3,
        timeout_keep_alive=15,
        ssl_certfile=str(certfile) if certfile else None,
        ssl_keyfile=str(keyfile) if keyfile else None,
    )
    _Server(config).run(sockets=[sock])


class _Server(uvicorn.Server):
    """uvicorn's server, ending with status 0 on SIGTERM or SIGINT (uvicorn itself raises the
    signal again once it has stopped, which ends the process by the signal)."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        def stop(signum: int, frame: object) -> None:
            if self.should_exit:
                self.force_exit = True  # a second Ctrl+C: do not wait for slow downloads
            self.should_exit = True

        previous = {s: signal.signal(s, stop) for s in (signal.SIGINT, signal.SIGTERM)}
        try:
            yield
        finally:
            for number, handler in previous.items():
                signal.signal(number, handler)
