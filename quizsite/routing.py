from django.urls import path

from contests.consumers import ClockConsumer, ContestConsumer

websocket_urlpatterns = [
    path("ws/clock/", ClockConsumer.as_asgi()),
    path("ws/contests/<str:code>/", ContestConsumer.as_asgi()),
]
