"""ASGI entry point: HTTP through Django, WebSockets through Channels with session auth."""

import gc
import os
import sys

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "quizsite.settings")

# Django must be set up before anything imports models (consumers, routing).
django.setup(set_prefix=False)

from django.conf import settings  # noqa: E402

from quizsite.asgi_http import PooledASGIHandler  # noqa: E402

django_asgi_app = PooledASGIHandler(threads=settings.WEB_THREADS)

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from orgs.sockets import SocketAuthStack  # noqa: E402
from quizsite.routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": AllowedHostsOriginValidator(SocketAuthStack(URLRouter(websocket_urlpatterns))),
    }
)

# Garbage collection in a live-contest server. A hall's 2,000 sockets keep about a million
# objects alive, and with CPython's default thresholds a full collection ran every second or
# so under an answer burst, stopping the process for 100-330 ms each time (measured with
# gc.callbacks in bench/live.py runs): that was the tail of the answer acknowledgements. The
# code and settings loaded at start-up are frozen out of collection, and the youngest generation
# is collected every 20,000 allocations instead of 700, so full collections become rare. The
# middle generation is collected after every two young collections, not ten: holding ten young
# collections' survivors (a hall that has just connected), it took 0.3-0.5 s to collect at
# 2,500 sockets, in the middle of the next question; now at most ~0.2 s.
gc.freeze()
gc.set_threshold(20_000, 2, 10)

# The GIL's switch interval. A batch of answers runs on a pool thread and makes round trips to
# PostgreSQL (six when this was measured, one or two since the seventh pass); after each the
# thread needs the GIL back, and under the answer burst the event loop holds it, so the thread
# could wait the whole default interval
# (5 ms) each time. Timed in bench/live.py runs (2,000 players, a busy machine), a batch spent
# under a tenth of its time on CPU; at 1 ms instead of 5 the hop onto a thread took 3-10 ms
# instead of 10-14 (median), batches 0.2-0.37 s instead of 0.3-0.53 s, for the same server CPU
# (docs/benchmarks.md, sixth pass).
sys.setswitchinterval(0.001)
