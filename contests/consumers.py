"""WebSocket consumers. Thin: authenticate, parse a frame, call a service, send the answer."""

from channels.generic.websocket import AsyncWebsocketConsumer

from . import protocol


class ClockConsumer(AsyncWebsocketConsumer):
    """Answers time.sync so a screen can measure its clock offset and round-trip time (NTP style)."""

    async def connect(self) -> None:
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=4401)
            return
        await self.accept()

    async def receive(self, text_data=None, bytes_data=None) -> None:
        received_at = protocol.server_now_ms()
        try:
            message = protocol.parse_frame(text_data, allowed=protocol.CLIENT_TYPES)
        except protocol.ProtocolError as error:
            await self.send(text_data=protocol.error_message(error.code, error.message))
            return
        await self.send(
            text_data=protocol.time_synced(client_sent_at=message.get("client_sent_at"), received_at=received_at)
        )
