"""Notifications over /api/v1/notifications/: the member's own list (newest first, in the
reader's language), the unread count, and marking read, by the same service as the pages."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.generics import ListAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from . import services
from .models import Notification


class NotificationSerializer(serializers.ModelSerializer):
    title = serializers.CharField(read_only=True, help_text="In the request's language.")
    body = serializers.CharField(read_only=True)
    read = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = ["id", "kind", "title", "body", "url", "created_at", "read", "read_at"]

    def get_read(self, notification: Notification) -> bool:
        return notification.read_at is not None


UnreadSerializer = inline_serializer("NotificationUnread", {"unread": serializers.IntegerField()})
MarkedSerializer = inline_serializer(
    "NotificationsMarked",
    {
        "marked": serializers.IntegerField(help_text="How many were unread and are now read."),
        "unread": serializers.IntegerField(),
    },
)


class NotificationListView(ListAPIView):
    """Your notifications, newest first; nobody else's."""

    serializer_class = NotificationSerializer

    def get_queryset(self):
        return Notification.objects.filter(recipient=self.request.user)

    @extend_schema(operation_id="notifications_list")
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class UnreadView(APIView):
    """How many of your notifications are unread (the bell's badge)."""

    @extend_schema(operation_id="notifications_unread", responses=UnreadSerializer)
    def get(self, request):
        return Response({"unread": services.unread_for(request.user).count()})


class ReadView(APIView):
    """Mark one of your notifications read (reading it twice changes nothing)."""

    @extend_schema(operation_id="notifications_read", request=None, responses=MarkedSerializer)
    def post(self, request, notification_id: int):
        get_object_or_404(Notification, pk=notification_id, recipient=request.user)
        marked = services.notification_mark_read(user=request.user, notification_id=notification_id)
        return Response({"marked": marked, "unread": services.unread_for(request.user).count()})


class ReadAllView(APIView):
    """Mark all your notifications read."""

    @extend_schema(operation_id="notifications_read_all", request=None, responses=MarkedSerializer)
    def post(self, request):
        marked = services.notification_mark_read(user=request.user)
        return Response({"marked": marked, "unread": 0})
