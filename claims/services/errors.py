"""The domain error every service may raise."""


class CaseStateError(Exception):
    """A step that the case's current state does not allow; the message is for the person."""


class SuperbillIncompleteError(CaseStateError):
    """A superbill refused while a field is missing. The message is generic: messages may travel
    in a cookie, so the missing fields (codes, dates of service) are in `missing`, for a page to
    list."""

    def __init__(self, message: str, *, missing: list[str]) -> None:
        super().__init__(message)
        self.missing = missing
