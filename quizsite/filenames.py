"""Names of uploaded files as they are kept, shown and offered for download."""

import unicodedata
from pathlib import PurePosixPath

NAME_MAX = 200  # the columns that keep them

# Control characters become spaces; invisible formatting ones (a right-to-left override shows
# "fdp.exe" as "exe.pdf", zero-width spaces) and lone surrogates (which no database stores) go.
_AS_SPACE = {"Cc", "Zl", "Zp"}
_DROPPED = {"Cf", "Cs"}


def uploaded_name(name: str, *, default: str = "file") -> str:
    """`name` as an upload's name to keep: its last path part (after either slash), without control
    or invisible formatting characters (a newline broke the download's header, a NUL the
    PostgreSQL string), spaces run together, no trailing dots or spaces, at most `NAME_MAX`
    characters with its extension kept; `default` when nothing is left (a name of only dots)."""
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(
        " " if unicodedata.category(char) in _AS_SPACE else char
        for char in name
        if unicodedata.category(char) not in _DROPPED
    )
    name = " ".join(name.split()).rstrip(" .")
    if len(name) > NAME_MAX:
        suffix = PurePosixPath(name).suffix
        suffix = suffix if len(suffix) <= 16 else ""
        name = name[: NAME_MAX - len(suffix)].rstrip(" .") + suffix
    return name if name.strip(".") else default
