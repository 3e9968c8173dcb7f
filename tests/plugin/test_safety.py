"""Safe by default: under `minimax_respx` nothing leaves the machine unless the test says so.

Other hosts are refused by the router (httpx), and any other client (requests, urllib,
aiohttp, a raw socket) is refused before its name lookup, while loopback stays open.
The inner suites replace the resolver with a recorder that answers nothing, so a lookup
that got past the guard shows up in `LOOKUPS` instead of reaching a DNS server.
"""

from __future__ import annotations

from .conftest import Downstream

pytest_plugins = ("pytester",)


def literal(pattern: str) -> str:
    return pattern.replace("[", "[[]")


RECORDING_RESOLVER = """
import socket

import pytest

LOOKUPS = []


@pytest.fixture(autouse=True, scope="session")
def recording_resolver():
    real = socket.getaddrinfo

    def record(host, *args, **kwargs):
        if host in (None, "", "localhost") or str(host).startswith(("127.", "::1")):
            return real(host, *args, **kwargs)
        LOOKUPS.append(host)
        raise socket.gaierror(socket.EAI_NONAME, "the test's recorder answers no name")

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(socket, "getaddrinfo", record)
        yield
"""

REFUSED_HOSTS = """
import httpx
import pytest


def test_another_host_is_refused_with_the_ways_out(minimax_respx):
    with pytest.raises(AssertionError) as refused:
        httpx.get("https://api.example.com/v1/things")
    message = str(refused.value)
    assert "mockminimax refused GET https://api.example.com/v1/things" in message
    assert '@pytest.mark.minimax(unmatched="passthrough")' in message
    assert "minimax_unmatched = passthrough" in message
    assert 'minimax_respx.router.route(host="api.example.com").pass_through()' in message
    assert minimax_respx.requests.routes == []


@pytest.mark.anyio
async def test_async_clients_too(minimax_respx):
    async with httpx.AsyncClient() as http:
        with pytest.raises(AssertionError, match="refused POST https://typo.minimax.io/v1/"):
            await http.post("https://typo.minimax.io/v1/video_generation", json={})


def test_a_route_of_the_test_s_own_answers(minimax_respx):
    minimax_respx.router.get("https://api.example.com/ping").respond(204)
    assert httpx.get("https://api.example.com/ping").status_code == 204


@pytest.fixture
def anyio_backend():
    return "asyncio"
"""


def test_minimax_respx_refuses_other_hosts_by_default(downstream: Downstream) -> None:
    downstream.pytester.makeconftest(RECORDING_RESOLVER)
    downstream.files(test_refused=REFUSED_HOSTS)
    result = downstream.run()
    result.assert_outcomes(passed=3)


OTHER_CLIENTS = """
import asyncio
import socket
import urllib.request

import aiohttp
import httpx
import pytest
import requests

from conftest import LOOKUPS
from mockminimax.plugin.guard import NetworkBlockedError


def refused(excinfo, host):
    message = str(excinfo.value)
    assert f"mockminimax blocked" in message and host in message, message
    assert "use the minimax_server fixture" in message
    assert "block_network=False" in message and "minimax_block_network = false" in message
    assert LOOKUPS == []  # refused before any lookup


def test_requests(minimax_respx):
    with pytest.raises(NetworkBlockedError) as excinfo:
        requests.get("https://api.minimax.io/v1/query/video_generation?task_id=1", timeout=5)
    refused(excinfo, "api.minimax.io")


def test_urllib(minimax_respx):
    with pytest.raises(NetworkBlockedError) as excinfo:
        urllib.request.urlopen("http://example.org/", timeout=5)
    refused(excinfo, "example.org")


def test_a_raw_socket_by_name_and_by_address(minimax_respx):
    with pytest.raises(NetworkBlockedError) as excinfo:
        socket.create_connection(("video-product.cdn.minimax.io", 443), timeout=5)
    refused(excinfo, "video-product.cdn.minimax.io")
    with socket.socket() as sock, pytest.raises(NetworkBlockedError) as excinfo:
        sock.connect(("192.0.2.10", 443))  # an address: no lookup to stop, the connect is
    refused(excinfo, "192.0.2.10:443")
    with socket.socket() as sock, pytest.raises(NetworkBlockedError):
        sock.connect_ex(("192.0.2.10", 443))


def test_aiohttp(minimax_respx):
    async def fetch():
        async with aiohttp.ClientSession() as session:
            async with session.get("https://api.minimaxi.com/v1/files/retrieve") as response:
                return response.status

    with pytest.raises(NetworkBlockedError) as excinfo:
        asyncio.run(fetch())
    refused(excinfo, "api.minimaxi.com")


def test_loopback_stays_open(minimax_respx, minimax_server):
    # requests, urllib and aiohttp against the live server: loopback is not the network.
    path = "/v1/query/video_generation?task_id=1"
    auth = {"Authorization": f"Bearer {minimax_server.api_key}"}
    assert requests.get(f"{minimax_server.base_url}{path}", headers=auth, timeout=5).ok
    opened = urllib.request.Request(f"{minimax_server.base_url}{path}", headers=auth)
    with urllib.request.urlopen(opened, timeout=5) as r:
        assert r.status == 200
    localhost = minimax_server.base_url.replace("127.0.0.1", "localhost")
    assert requests.get(f"{localhost}{path}", headers=auth, timeout=5).ok

    async def fetch():
        async with aiohttp.ClientSession(headers=auth) as session:
            async with session.get(f"{minimax_server.base_url}{path}") as response:
                return response.status

    assert asyncio.run(fetch()) == 200
    assert minimax_server.requests.routes == ["query"] * 4
    assert LOOKUPS == []


def test_the_in_process_traffic_is_untouched(minimax_respx, minimax_payloads):
    auth = {"Authorization": f"Bearer {minimax_respx.api_key}"}
    body = minimax_payloads.text_to_video()

    with httpx.Client(headers=auth) as http:
        task_id = http.post("https://api.minimax.io/v1/video_generation", json=body).json()[
            "task_id"
        ]

    async def query():
        async with httpx.AsyncClient(headers=auth) as http:
            minimax_respx.advance(60)
            url = "https://api.minimax.io/v1/query/video_generation"
            answer = (await http.get(url, params={"task_id": task_id})).json()
            file = await http.get(
                "https://api.minimax.io/v1/files/retrieve", params={"file_id": answer["file_id"]}
            )
            return (await http.get(file.json()["file"]["download_url"])).content

    assert asyncio.run(query())[4:8] == b"ftyp"
    assert minimax_respx.requests.routes == ["create", "query", "retrieve", "download"]


def test_nothing_is_guarded_without_the_fixture():
    with pytest.raises(socket.gaierror):  # the recorder answered: the lookup went through
        socket.getaddrinfo("example.net", 443)
    assert LOOKUPS == ["example.net"]
    LOOKUPS.clear()
"""


def test_other_clients_are_refused_before_any_lookup(downstream: Downstream) -> None:
    downstream.pytester.makeconftest(RECORDING_RESOLVER)
    downstream.files(test_clients=OTHER_CLIENTS)
    result = downstream.run("-p", "no:randomly")
    result.assert_outcomes(passed=7)


GUARD_OFF = """
import socket

import pytest
import requests

from conftest import LOOKUPS


@pytest.fixture(autouse=True)
def clear():
    LOOKUPS.clear()


def lookup_goes_out():
    with pytest.raises(requests.ConnectionError):
        requests.get("https://example.com/", timeout=5)
    assert LOOKUPS == ["example.com"]


@pytest.mark.minimax(block_network=False)
def test_the_marker_lifts_the_guard(minimax_respx):
    lookup_goes_out()


@pytest.mark.minimax(unmatched="passthrough")
def test_passthrough_lifts_it_too(minimax_respx):
    lookup_goes_out()


@pytest.mark.minimax(block_network=True)
def test_the_marker_puts_it_back(minimax_respx):
    with pytest.raises(RuntimeError, match="mockminimax blocked a name lookup of example.com"):
        requests.get("https://example.com/", timeout=5)
    assert LOOKUPS == []
"""


def test_an_option_turns_the_guard_off(downstream: Downstream) -> None:
    downstream.pytester.makeconftest(RECORDING_RESOLVER)
    downstream.with_ini("minimax_block_network = false\n")
    downstream.files(
        test_off=GUARD_OFF
        + """

def test_the_ini_option_lifts_it(minimax_respx):
    lookup_goes_out()
"""
    )
    result = downstream.run("-p", "no:randomly")
    result.assert_outcomes(passed=4)

    downstream.with_ini("minimax_block_network = sometimes\n")
    result = downstream.run()
    result.stderr.fnmatch_lines(
        ["*minimax_block_network: block_network: 'sometimes' is not true or false*"]
    )


SERVER_INTERFACE = """
import socket

import httpx
import pytest

from conftest import LOOKUPS


def test_the_live_server_s_interface_stays_reachable(minimax_respx):
    # minimax_server_host names an interface other processes reach the live server on:
    # both the router and the guard let it through (the recorder answers the lookup).
    with pytest.raises(httpx.ConnectError):
        httpx.get("http://mock.internal:8080/_mock/health")
    with pytest.raises(socket.gaierror):
        socket.getaddrinfo("mock.internal", 8080)
    assert LOOKUPS == ["mock.internal", "mock.internal"]
    with pytest.raises(RuntimeError, match="blocked a name lookup of other.internal"):
        socket.getaddrinfo("other.internal", 8080)
"""


def test_the_live_server_interface_is_let_through(downstream: Downstream) -> None:
    downstream.pytester.makeconftest(RECORDING_RESOLVER)
    downstream.with_ini("minimax_server_host = mock.internal\n")
    downstream.files(test_interface=SERVER_INTERFACE)
    result = downstream.run()
    result.assert_outcomes(passed=1)
