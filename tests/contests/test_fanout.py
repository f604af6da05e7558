"""A process's delivery of one broadcast to its sockets (the transport writes, without a server)."""

import asyncio
import json
from types import SimpleNamespace

import pytest
from websockets.protocol import State

from contests import fanout

pytestmark = pytest.mark.asyncio


class Transport:
    """What write_direct needs of uvicorn's transport; records what was written, in `log` too."""

    def __init__(self, log: list) -> None:
        self.log, self.frames = log, []

    def write(self, data: bytes) -> None:
        assert data[0] == 0x81 and data[1] < 126  # one unmasked text frame, short enough for a 2-byte header
        self.frames.append(json.loads(data[2:]))
        self.log.append("write")

    def is_closing(self) -> bool:
        return False

    def get_write_buffer_size(self) -> int:
        return 0


class Socket:
    """A joined consumer as write_direct sees it: its uvicorn protocol, open."""

    def __init__(self, log: list) -> None:
        self.transport = Transport(log)
        self.fanout_protocol = SimpleNamespace(
            close_sent=False, conn=SimpleNamespace(state=State.OPEN), transport=self.transport
        )


async def test_a_broadcast_to_a_big_hall_lets_acknowledgements_out_between_chunks_and_keeps_each_sockets_order():
    hub, log = fanout.Hub(), []
    hall = [Socket(log) for _ in range(fanout.DELIVERY_CHUNK * 3)]
    hub.groups["1:players"] = set(hall)
    late_comers = [Socket(log) for _ in range(fanout.DELIVERY_CHUNK)]

    async def meanwhile():
        log.append("ack")  # an acknowledgement that became due while the hall was being written
        hub.groups["1:players"].update(late_comers)  # sockets joining meanwhile (the set grows)

    first = asyncio.create_task(hub.deliver("1:players", '{"type":"state","seq":1}'))
    second = asyncio.create_task(hub.deliver("1:players", '{"type":"state","seq":2}'))
    other = asyncio.create_task(meanwhile())
    await asyncio.gather(first, second, other)

    assert 0 < log.index("ack") < len(hall)  # not after the whole hall
    for socket in hall:
        assert [frame["seq"] for frame in socket.transport.frames] == [1, 2]
    for socket in late_comers:
        assert [frame["seq"] for frame in socket.transport.frames] == [2]
    assert hub.delivered_seq[1] == 2


async def test_sites_on_one_redis_server_with_their_own_databases_publish_on_their_own_channels(settings):
    # Redis keeps pub/sub channels per server, not per database: contest 1 of one site must not
    # reach the sockets of another site's contest 1.
    prefixes = []
    for url in ("redis://127.0.0.1:6379/2", "redis://127.0.0.1:6379/3", "redis://127.0.0.1:6379"):
        settings.REDIS_URL = url
        prefixes.append(fanout.channel_prefix())
    assert prefixes == ["quizsite:2:contest:", "quizsite:3:contest:", "quizsite:0:contest:"]
