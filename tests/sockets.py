"""What socket tests share."""

from channels.testing import WebsocketCommunicator

# How long a socket test waits for what it expects (the handshake, a reply, a refusal, a close).
# A bound, not a pace: what comes returns at once, so a passing test never waits it out. Channels'
# communicator waits 1 s by default, and the tests allowed 2-5 s for a refusal: too little on a
# loaded machine (two test workers beside other work, load average 20 and more).
FRAME_WAIT_S = 30


class Communicator(WebsocketCommunicator):
    """Channels' WebSocket communicator, waiting FRAME_WAIT_S unless told otherwise."""

    async def connect(self, timeout=FRAME_WAIT_S):
        return await super().connect(timeout)

    async def receive_output(self, timeout=FRAME_WAIT_S):
        return await super().receive_output(timeout)

    async def receive_from(self, timeout=FRAME_WAIT_S):
        return await super().receive_from(timeout)

    async def receive_json_from(self, timeout=FRAME_WAIT_S):
        return await super().receive_json_from(timeout)

    async def disconnect(self, code=1000, timeout=FRAME_WAIT_S):
        return await super().disconnect(code, timeout)
