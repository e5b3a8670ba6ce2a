"""Owns: the language a command speaks on the terminal, and how its lines are rendered.

A verb's errors (``usage.*``), the course file's problems (``course.*``) and its status lines
(``cli.*``) are messages of messages.py like every other sentence; they are for course staff
and name flags, files and commands, so they are shown whole (a list of problems is not cut).
The language: ``--lang``, else $RNNLAB_LANG, else the course's ``language`` (course.yaml);
before a course is loaded (none found, or an invalid one) the locale's language if it is
Korean or English ($LC_ALL, $LC_MESSAGES, $LANG, the first one set: ko_KR.UTF-8, en_US.UTF-8);
else Korean, the course's default and the self-check's.
"""
from __future__ import annotations

import os
from typing import Mapping

from autograder.student.glossary import fill_particles
from autograder.student.messages import LANGUAGES, MESSAGES, Nested
from autograder.student.selfcheck import LANG_ENV

TERMINAL_CODES = ("usage.", "course.", "cli.")  # the message codes of a command's own lines
LOCALE_ENVS = ("LC_ALL", "LC_MESSAGES", "LANG")  # POSIX: the first one set decides
DEFAULT_LANGUAGE = "ko"


def terminal_language(preferred: str | None = None, course: str | None = None,
                      environ: Mapping[str, str] | None = None) -> str:
    """The language of a command's lines (module docstring); ``course`` is the loaded course's
    ``language``, None when no course is loaded."""
    env = os.environ if environ is None else environ
    for lang in (preferred, env.get(LANG_ENV, "").strip().lower(), course):
        if lang in LANGUAGES:
            return lang
    if course is None:
        locale = next((env[name] for name in LOCALE_ENVS if env.get(name)), "")
        if locale[:2].lower() in LANGUAGES:
            return locale[:2].lower()
    return DEFAULT_LANGUAGE


def render_terminal(code: str, language: str, **params) -> str:
    """The message ``code`` in ``language``, whole.  A parameter with a ``message(language)``
    method (an error, a course file's problems) or a :class:`Nested` message is said in
    ``language`` too."""
    templates = MESSAGES[code]
    template = templates.get(language) or templates["en"]
    return fill_particles(template.format(**{k: _said(v, language) for k, v in params.items()}))


def _said(value, language: str):
    if isinstance(value, Nested):
        return render_terminal(value.code, language, **value.params)
    message = getattr(value, "message", None)
    return message(language) if callable(message) else value
