"""Errors every verb may raise to end the command with a one-line message and exit status 2."""


class UsageError(Exception):
    """Bad arguments or an unusable environment (not a problem of a student's work)."""
