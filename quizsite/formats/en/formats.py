# One way to write a moment on every page, in local time (TIME_ZONE): "20 Dec 2026 08:49", a day
# and month no reader mistakes the other way round (Django's "12/20/2026 8:49 AM" is the US order)
# and a 24-hour clock, as the Chinese pages have, with no "a.m." ending a sentence in a second full
# stop.
DATETIME_FORMAT = "j M Y H:i"
SHORT_DATETIME_FORMAT = "j M Y H:i"
DATE_FORMAT = "j M Y"
SHORT_DATE_FORMAT = "j M Y"
