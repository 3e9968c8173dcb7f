from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from mockminimax.core.mock import MiniMaxMock
from mockminimax.inprocess import SyncASGITransport
from mockminimax.server.app import create_app
from mockminimax.server.runner import ServerThread
from tests.receiver import Receiver

KEY = "sk-api-test-key"
AUTH = {"Authorization": f"Bearer {KEY}"}


@pytest.fixture
def mock() -> MiniMaxMock:
    return MiniMaxMock(clock="virtual", seed=7)


@pytest.fixture
def client(mock: MiniMaxMock) -> Iterator[httpx.Client]:
    """A sync httpx client talking to the app in-process."""
    with app_client(mock) as c:
        yield c


def app_client(mock: MiniMaxMock) -> httpx.Client:
    return httpx.Client(transport=SyncASGITransport(create_app(mock)), base_url="http://mock.test")


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
async def aclient(mock: MiniMaxMock) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=create_app(mock))
    async with httpx.AsyncClient(transport=transport, base_url="http://mock.test") as c:
        yield c


@pytest.fixture(scope="module")
def live_mock() -> MiniMaxMock:
    return MiniMaxMock(clock="virtual", seed=11)


@pytest.fixture(scope="module")
def live_server(live_mock: MiniMaxMock) -> Iterator[ServerThread]:
    with ServerThread(live_mock) as server:
        yield server


@pytest.fixture
def live(live_server: ServerThread, live_mock: MiniMaxMock) -> ServerThread:
    live_mock.reset()
    return live_server


@pytest.fixture(scope="session")
def _receiver() -> Iterator[Receiver]:
    receiver = Receiver().start()
    try:
        yield receiver
    finally:
        receiver.stop()


@pytest.fixture
def receiver(_receiver: Receiver) -> Receiver:
    """A live webhook receiver on a loopback port, emptied for this test."""
    _receiver.clear()
    return _receiver
