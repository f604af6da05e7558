# Django's English short date-time ends in "a.m."/"p.m.", so a sentence that ends with a time
# ("Run your leg ... before 12/06/2026 9:05 a.m..") gets two full stops. "AM"/"PM" has none.
SHORT_DATETIME_FORMAT = "m/d/Y g:i A"
