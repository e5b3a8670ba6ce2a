"""Errors every verb may raise to end the command with a one-line message and exit status 2.

Owns: :class:`UsageError`, the one sentence a full disk gets (:class:`DiskFull`), and
:class:`Problem`, one thing wrong in a course told as file, cell, function and fix.  The
errors' wording lives in messages.py as message codes (``usage.*``); the command renders them in
the language it speaks (grading/terminal.py).
"""
from __future__ import annotations

import errno
import os
from dataclasses import dataclass

from autograder.grading.terminal import render_terminal, said
from autograder.student.messages import Nested


class UsageError(Exception):
    """Bad arguments or an unusable environment (not a problem of a student's work).

    ``UsageError("usage.no-such-folder", path=p)``: a message code of messages.py and its
    parameters; :meth:`message` says it in a language, ``str()`` in English (logs, tests).
    """

    def __init__(self, code: str, /, **params):
        super().__init__(code)
        self.code, self.params = code, params

    def message(self, language: str = "en") -> str:
        return render_terminal(self.code, language, **self.params)

    def __str__(self) -> str:
        return self.message("en")


DISK_FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT})


def is_disk_full(exc: BaseException) -> bool:
    """True when ``exc`` (or what it was raised from) says the disk or the user's quota is full."""
    return any(isinstance(e, OSError) and e.errno in DISK_FULL_ERRNOS for e in _chain(exc))


class DiskFull(UsageError):
    """A write failed because the disk (or the quota) is full; the message says what to do."""

    def __init__(self, folder: str | os.PathLike, exc: BaseException, resumes: bool = False):
        self.folder = folder
        strerror = next((e.strerror for e in _chain(exc) if isinstance(e, OSError) and e.strerror), "disk full")
        super().__init__("usage.disk-full-resumes" if resumes else "usage.disk-full", folder=folder,
                         strerror=strerror)


def _chain(exc: BaseException | None):
    while exc is not None:
        yield exc
        exc = exc.__cause__ or exc.__context__


@dataclass(frozen=True)
class Problem:
    """One broken convention of a course: where it is, what is wrong, how to fix it.

    ``what``, ``fix`` and ``cell`` are text or :class:`Nested` messages (``course.*`` codes);
    :meth:`message` says the whole line in a language, ``str()`` in English."""

    file: str
    cell: "str | Nested | None"
    function: str | None
    what: "str | Nested"
    fix: "str | Nested | None"

    def message(self, language: str = "en") -> str:
        if self.fix is None:  # ``what`` is a whole line, its file and fix in it
            return said(self.what, language)
        return render_terminal("course.problem-in-cell" if self.cell else "course.problem", language,
                               file=self.file, cell=self.cell or "",
                               who=f" {self.function}:" if self.function else "", what=self.what, fix=self.fix)

    def __str__(self) -> str:
        return self.message("en")


@dataclass(frozen=True)
class Lines:
    """Lines (text, :class:`Nested` messages or problems) said one per line in a language,
    each after ``indent``: a message parameter that lists problems."""

    lines: tuple
    indent: str = ""

    def message(self, language: str = "en") -> str:
        return "\n".join(self.indent + said(line, language) for line in self.lines)
