from django.urls import path

from contests.consumers import ClockConsumer

websocket_urlpatterns = [
    path("ws/clock/", ClockConsumer.as_asgi()),
]
