"""The domain error every service may raise."""


class CaseStateError(Exception):
    """A step that the case's current state does not allow; the message is for the person."""
