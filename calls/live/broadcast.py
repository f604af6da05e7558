"""A speech night's broadcasts: numbered in the change's transaction, built once per audience
after the commit, sent through the channel layer to the night's groups (any process's sockets).

A night has a panel of judges, one host and a screen or two: a channel-layer group per audience
is plenty (the per-process fan-out of `contests.fanout` is for halls of thousands). The group
handler only writes the text it is given; it never touches the database."""

from __future__ import annotations

import json
import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction
from django.db.models import F

log = logging.getLogger(__name__)
JUDGES, SCREENS, HOSTS = "judges", "screens", "hosts"


def group(night_id: int, audience: str) -> str:
    return f"night-{night_id}-{audience}"


def after_commit(night, event: str) -> None:
    """Number the change (the UPDATE holds the night's row until the commit, so numbers follow
    the commits) and queue its broadcast for after the commit. Call inside the transaction."""
    from .models import Night

    Night.objects.filter(pk=night.pk).update(seq=F("seq") + 1)
    seq = Night.objects.filter(pk=night.pk).values_list("seq", flat=True).get()
    night_id = night.pk
    # Robust: the change is stored whatever becomes of its frames; snapshots make up for them.
    transaction.on_commit(lambda: send_now(night_id, event, seq), robust=True)


def send_now(night_id: int, event: str, seq: int) -> None:
    from . import presenters
    from .models import Night

    night = Night.objects.select_related("call", "panel").get(pk=night_id)
    frames = presenters.frames(night, event=event, seq=seq)
    layer = get_channel_layer()
    for audience, frame in frames.items():
        text = json.dumps(frame, ensure_ascii=False, separators=(",", ":"))
        try:
            async_to_sync(layer.group_send)(group(night_id, audience), {"type": "night.frame", "text": text})
        except Exception:
            # Redis unreachable: the change is committed; a client that sees a gap in `seq`, or
            # reconnects, gets a snapshot with it.
            log.warning("speech night %d: broadcast %d not sent", night_id, seq, exc_info=True)
