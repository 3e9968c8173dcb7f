"""The respx router behind `minimax_respx`: httpx calls to the MiniMax hosts, to configured
gateway base URLs and to the download host answered in-process by the same Starlette app
the live server runs.

respx calls a route's side effect synchronously for both client kinds, then awaits the
result only when an `httpx.AsyncClient` sent the request (respx `Router.aresolve`). The
router therefore notes which kind of resolution is under way (a context variable set by
`MiniMaxRouter.resolve`/`aresolve`), and the side effect answers a sync client through
`SyncASGITransport` (right away when nothing can delay the answer, else on an event loop
of the calling thread's own) or hands an async client a coroutine running the app on the
client's own loop (`inprocess.respond`). Either way a connection fault becomes the httpx
error a socket would give (`core.faults.to_httpx_error`), so a fault rule reads the same
under either fixture.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Sequence
from contextvars import ContextVar
from typing import Any
from urllib.parse import urlsplit

import httpx
import respx
from respx.models import AllMockedAssertionError, ResolvedRoute, Route, RouteList

from .core.hosts import CDN_URL, MINIMAX_HOSTS, UNMATCHED_MODES
from .core.mock import MiniMaxMock
from .inprocess import SyncASGITransport, asgi_scope, respond
from .plugin.guard import is_loopback
from .server.app import create_app

__all__ = [
    "InProcess",
    "MiniMaxRouter",
    "NotMiniMax",
]


#: The client address the app sees for in-process requests.
_CLIENT = ("127.0.0.1", 123)

_ASYNC: ContextVar[bool] = ContextVar("mockminimax_respx_async", default=False)

SideEffectResult = httpx.Response | httpx.Request | Coroutine[Any, Any, httpx.Response] | None


class NotMiniMax(AllMockedAssertionError):
    """A request `minimax_respx` refuses (`unmatched = refuse`, the default): any host but
    the ones it serves and loopback (a live server of the test's own, `minimax_server`).

    An `AllMockedAssertionError`, so respx still offers the request to any other router the
    test started; this message is shown only when none of them answers it either.
    """


class MiniMaxRouter(respx.MockRouter):
    """A `respx.MockRouter` that tells its side effects whether the client is async, and
    puts routes a test adds ahead of the mock's own, so a test's route always wins (over
    the pass-through catch-all, and over a MiniMax host it means to answer itself)."""

    _builtin: frozenset[int] = frozenset()

    def seal(self) -> None:
        """Mark the routes so far as the mock's own; routes added later go ahead of them."""
        self._builtin = frozenset(id(route) for route in self.routes)

    def add(self, route: Route, *, name: str | None = None) -> Route:
        added = super().add(route, name=name)
        if self._builtin and id(added) not in self._builtin:
            ordered = [r for r in self.routes if id(r) not in self._builtin]
            ordered += [r for r in self.routes if id(r) in self._builtin]
            routes = RouteList()
            for r in ordered:
                routes.add(r, name=r.name)
            self.routes[:] = routes
        return added

    def resolve(self, request: httpx.Request) -> ResolvedRoute:
        token = _ASYNC.set(False)
        try:
            return super().resolve(request)
        finally:
            _ASYNC.reset(token)

    async def aresolve(self, request: httpx.Request) -> ResolvedRoute:
        token = _ASYNC.set(True)
        try:
            return await super().aresolve(request)
        finally:
            _ASYNC.reset(token)


def _root(url: str, *, gateway: bool = False) -> httpx.URL:
    """A base URL without a trailing slash; for a gateway, also without `/minimaxi[/v1]`,
    since clients append `/minimaxi/v1/...` themselves but users write it either way."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{url!r} is not an http(s) base URL such as https://hub.example.com")
    path = parts.path.rstrip("/")
    if gateway:
        for suffix in ("/minimaxi/v1", "/minimaxi"):
            if path.endswith(suffix):
                path = path[: -len(suffix)]
                break
    return httpx.URL(scheme=parts.scheme, host=parts.hostname, port=parts.port, path=path or "/")


def _pattern(root: httpx.URL) -> dict[str, Any]:
    lookups: dict[str, Any] = {"scheme": root.scheme, "host": root.host}
    if root.port is not None:
        lookups["port"] = root.port
    prefix = root.path.rstrip("/")
    if prefix:
        lookups["path__startswith"] = prefix + "/"
    return lookups


class InProcess:
    """One mock and its app, served to httpx clients without a socket.

    Lives for the test session: the app, the async transport and the sync transport's
    helper thread are built once; each test gets a fresh router over them.
    """

    def __init__(self, mock: MiniMaxMock) -> None:
        self.mock = mock
        self.app = create_app(mock)
        self._sync: SyncASGITransport | None = None

    def close(self) -> None:
        self.mock.close()
        if self._sync is not None:
            self._sync.close()
            self._sync = None

    def router(
        self,
        *,
        hosts: Sequence[str] = (),
        gateway_urls: Sequence[str] = (),
        cdn_url: str = CDN_URL,
        unmatched: str = "refuse",
        local_hosts: Sequence[str] = (),
    ) -> MiniMaxRouter:
        """A router (not started) claiming the MiniMax hosts plus `hosts`, each gateway base
        URL and the download host; everything else passes through or is refused, but for
        loopback and `local_hosts` (the live server's interface), which always pass."""
        if unmatched not in UNMATCHED_MODES:
            raise ValueError(f"unmatched: {unmatched!r} is not one of {', '.join(UNMATCHED_MODES)}")
        router = MiniMaxRouter(assert_all_called=False, assert_all_mocked=True)
        for host in dict.fromkeys((*MINIMAX_HOSTS, *hosts)):
            router.route(host=host, name=f"minimax {host}").mock(side_effect=self._forward(""))
        for url in gateway_urls:
            root = _root(url, gateway=True)
            router.route(**_pattern(root), name=f"gateway {root}").mock(
                side_effect=self._forward(root.path.rstrip("/"))
            )
        cdn = _root(cdn_url)
        router.route(**_pattern(cdn), name=f"cdn {cdn}").mock(
            side_effect=self._forward(cdn.path.rstrip("/"))
        )
        local = frozenset(h.lower() for h in local_hosts)
        router.route(name="unmatched").mock(side_effect=_unmatched(router, unmatched, local))
        router.seal()
        return router

    # -- forwarding -------------------------------------------------------------------

    def _forward(self, prefix: str) -> Callable[[httpx.Request], SideEffectResult]:
        path = prefix.encode()

        def forward(request: httpx.Request) -> SideEffectResult:
            # The request as the app sees it: same host and headers, the base URL's path
            # dropped.
            scope = asgi_scope(request, _CLIENT, path)
            if _ASYNC.get():
                return respond(self.app, request, scope, request.content)
            return self._send_sync(scope, request)

        return forward

    def _send_sync(self, scope: dict[str, Any], request: httpx.Request) -> httpx.Response:
        if self._sync is None:
            self._sync = SyncASGITransport(self.app, _CLIENT)
        return self._sync.respond(request, scope, request.content)


def _unmatched(
    router: MiniMaxRouter, mode: str, local: frozenset[str]
) -> Callable[[httpx.Request], SideEffectResult]:
    def unmatched(request: httpx.Request) -> SideEffectResult:
        if _claimed_elsewhere(router, request):
            return None  # another respx router of this test answers it
        host = request.url.host
        if mode == "passthrough" or is_loopback(host) or host.lower() in local:
            return request  # respx sends it for real: on loopback it stays on this machine
        raise NotMiniMax(
            f"mockminimax refused {request.method} {request.url}: minimax_respx answers only "
            f"the MiniMax hosts, the gateway base URLs and the download host it was given, "
            f"and refuses {host} rather than reach the network. To let {host} through: "
            f'@pytest.mark.minimax(unmatched="passthrough"), the ini option '
            f"minimax_unmatched = passthrough, or a respx route of the test's own "
            f'(minimax_respx.router.route(host="{host}").pass_through() or .respond(...)). '
            f'To have the mock answer it as MiniMax: hosts=["{host}"] (a gateway: '
            f"gateway_urls=[...])."
        )

    return unmatched


def _claimed_elsewhere(router: MiniMaxRouter, request: httpx.Request) -> bool:
    """Whether another started respx router has a route for this request, so a test's own
    `respx_mock` routes win over this router's pass-through or refusal."""
    mocker = router.Mocker
    if mocker is None:
        return False
    for other in mocker.routers:
        if other is router:
            continue
        for route in other.routes:
            pattern = route.pattern
            if pattern is None or pattern.match(request):
                return True
    return False
