"""Individual online contests (preliminaries): a window, an audience and a paper drawn per member,
taken through lessons' attempt engine (server-owned deadlines, autosave, grading)."""
