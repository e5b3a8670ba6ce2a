"""Errors every verb may raise to end the command with a one-line message and exit status 2.

Owns: :class:`UsageError` and the one sentence a full disk gets (:class:`DiskFull`)."""
from __future__ import annotations

import errno
import os


class UsageError(Exception):
    """Bad arguments or an unusable environment (not a problem of a student's work)."""


DISK_FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT})


def is_disk_full(exc: BaseException) -> bool:
    """True when ``exc`` (or what it was raised from) says the disk or the user's quota is full."""
    return any(isinstance(e, OSError) and e.errno in DISK_FULL_ERRNOS for e in _chain(exc))


class DiskFull(UsageError):
    """A write failed because the disk (or the quota) is full; the message says what to do."""

    def __init__(self, folder: str | os.PathLike, exc: BaseException, resumes: bool = False):
        self.folder = folder
        strerror = next((e.strerror for e in _chain(exc) if isinstance(e, OSError) and e.strerror), "disk full")
        then = ("run the same command again: it grades only what is missing" if resumes
                else "run the same command again")
        super().__init__(f"{folder}: the disk is full ({strerror}); everything written so far is complete and no "
                         f"temporary file is left: free some space (see `df -h {folder}`), then {then}")


def _chain(exc: BaseException | None):
    while exc is not None:
        yield exc
        exc = exc.__cause__ or exc.__context__
