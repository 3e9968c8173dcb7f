"""The network guard of `minimax_respx` tests: non-loopback hosts are refused before any lookup.

respx sees only httpx. A `requests`, `urllib`, `aiohttp` or raw-socket client in a
`minimax_respx` test would reach the real network, with a real key. pytest-socket's host
allow-list checks `socket.connect` only: a client resolves the name first, so the lookup
still goes out (leaking the host name, or hanging an offline CI) before the refusal. This
guard wraps the name lookups (`socket.getaddrinfo`, `gethostbyname[_ex]`) as well as
`socket.socket.connect[_ex]`, and lets through loopback only (127.0.0.0/8, ::1,
`localhost`), so the live server, the in-process transport and the event loop's own
socket pairs keep working.

Not covered: code that resolves or connects below Python's `socket` module (uvloop's
libuv resolver, aiodns/c-ares lookups; their connect still goes through `socket` unless
the loop is uvloop) and child processes.
"""

from __future__ import annotations

import ipaddress
import socket
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

__all__ = ["NetworkBlockedError", "block_network", "is_loopback"]

_HOW_TO = (
    "minimax_respx answers httpx clients in-process and nothing else; requests, urllib, "
    "aiohttp, raw sockets and other processes need the live server: use the "
    "minimax_server fixture and point the client at its base_url. To reach the network "
    "anyway: @pytest.mark.minimax(block_network=False) or the ini option "
    "minimax_block_network = false."
)


class NetworkBlockedError(RuntimeError):
    """A lookup or connection to a non-loopback host during a `minimax_respx` test.

    A `RuntimeError`, not an `OSError`: clients would wrap an `OSError` in their own
    connection error (and may retry it); this one reaches the test as it is.
    """


def is_loopback(host: object) -> bool:
    """Whether `host` (a name or address as `getaddrinfo`/`connect` take it) stays on
    this machine without a lookup: loopback and unspecified addresses, `localhost`."""
    if host is None:  # a passive (bind) lookup
        return True
    name = _name(host)
    if name is None:
        return False
    if name in ("", "localhost"):
        return True
    try:
        address = ipaddress.ip_address(name.split("%", 1)[0].strip("[]"))
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_loopback or address.is_unspecified


def _name(host: object) -> str | None:
    """`host` as compared: text, trimmed, without a trailing dot, lower case; None when
    it is neither text nor bytes."""
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    return host.strip().rstrip(".").lower() if isinstance(host, str) else None


def _refuse(what: str, host: object, port: object) -> NetworkBlockedError:
    target = f"{host}:{port}" if port not in (None, 0, "") else f"{host}"
    return NetworkBlockedError(f"mockminimax blocked {what} {target}: {_HOW_TO}")


_lock = threading.Lock()
_active = 0
_originals: dict[str, Any] = {}
#: Hosts let through besides loopback: the interface the live server binds, when the
#: suite set `minimax_server_host` to one other processes or containers can reach.
_allowed: set[str] = set()


def _permitted(host: object) -> bool:
    return is_loopback(host) or _name(host) in _allowed


def _guard_lookup(name: str, original: Callable[..., Any]) -> Callable[..., Any]:
    def guarded(host: Any, *args: Any, **kwargs: Any) -> Any:
        if not _permitted(host):
            port = args[0] if args else kwargs.get("port")
            raise _refuse("a name lookup of", host, port)
        return original(host, *args, **kwargs)

    guarded.__name__ = guarded.__qualname__ = name
    guarded.__doc__ = original.__doc__
    return guarded


def _guard_connect(name: str, original: Callable[..., Any]) -> Callable[..., Any]:
    def guarded(sock: socket.socket, address: Any, *args: Any) -> Any:
        if sock.family in (socket.AF_INET, socket.AF_INET6) and isinstance(address, tuple):
            host = address[0] if address else None
            if host is None or not _permitted(host):
                raise _refuse("a connection to", host, address[1] if len(address) > 1 else None)
        return original(sock, address, *args)

    guarded.__name__ = guarded.__qualname__ = name
    guarded.__doc__ = original.__doc__
    return guarded


def _install() -> None:
    for name in ("getaddrinfo", "gethostbyname", "gethostbyname_ex"):
        original = getattr(socket, name)
        _originals[name] = original
        setattr(socket, name, _guard_lookup(name, original))
    for name in ("connect", "connect_ex"):
        original = getattr(socket.socket, name)
        _originals[f"socket.{name}"] = original
        setattr(socket.socket, name, _guard_connect(name, original))


def _uninstall() -> None:
    for key, original in _originals.items():
        if key.startswith("socket."):
            setattr(socket.socket, key.removeprefix("socket."), original)
        else:
            setattr(socket, key, original)
    _originals.clear()


@contextmanager
def block_network(allow: Iterable[str] = ()) -> Iterator[None]:
    """Refuse lookups and connections but to loopback and `allow`, from every thread,
    while inside."""
    global _active
    with _lock:
        if _active == 0:
            _install()
            _allowed.clear()
        _allowed.update(name for host in allow if (name := _name(host)))
        _active += 1
    try:
        yield
    finally:
        with _lock:
            _active -= 1
            if _active == 0:
                _uninstall()
                _allowed.clear()
