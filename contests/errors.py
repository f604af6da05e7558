"""The refusal every contest rule raises (the round kinds as well as the services that call them)."""


class ContestRejected(Exception):
    """A refused action, with a stable code (sent to clients) and a message for people. The
    message is lazy: one batch's refusals reach players of several languages, each in their own."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
