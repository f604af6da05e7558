# One way to write a moment on every page, in local time (TIME_ZONE): "2026-12-20 08:49", not
# Django's "2026年12月20日 08:49" on some pages and "2026-12-20 08:49" on others.
DATETIME_FORMAT = "Y-m-d H:i"
SHORT_DATETIME_FORMAT = "Y-m-d H:i"
DATE_FORMAT = "Y-m-d"
SHORT_DATE_FORMAT = "Y-m-d"
