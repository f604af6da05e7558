from django.urls import path

from calls.live.consumers import NightConsumer
from contests.consumers import ClockConsumer, ContestConsumer

websocket_urlpatterns = [
    path("ws/clock/", ClockConsumer.as_asgi()),
    path("ws/contests/<str:code>/", ContestConsumer.as_asgi()),
    path("ws/nights/<int:call_id>/", NightConsumer.as_asgi()),
]
