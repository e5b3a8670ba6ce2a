"""Owns: the language a command speaks on the terminal, and how its lines are rendered.

A verb's errors (``usage.*``), the course file's problems (``course.*``) and its status lines
(``cli.*``) are messages of messages.py like every other sentence; they are for course staff
and name flags, files and commands, so they are shown whole (a list of problems is not cut).
The language: ``--lang``, else $RNNLAB_LANG, else the course's ``language`` (course.yaml);
before a course is loaded (none found, or an invalid one) the locale's language if it is
Korean or English ($LC_ALL, $LC_MESSAGES, $LANG, the first one set: ko_KR.UTF-8, en_US.UTF-8);
else Korean, the course's default and the self-check's.  Once the verb has decided, lines printed
below it (a file of a submission ignored while grading) use the same language (:func:`speak`).
"""
from __future__ import annotations

import os
from typing import Mapping

from autograder.sandbox import probe
from autograder.student.glossary import fill_particles
from autograder.student.messages import LANG_ENV, LANGUAGES, MESSAGES, Nested

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


_SPOKEN: list[str] = []  # the language this process's command speaks, once decided (cli/__init__.py)


def speak(language: str | None) -> None:
    """Make ``language`` the one of lines printed below the verb (a warning while grading); None:
    the command has ended."""
    _SPOKEN[:] = [language] if language else []


def spoken_language() -> str:
    """The language the running command speaks (:func:`speak`), else :func:`terminal_language`'s."""
    return _SPOKEN[0] if _SPOKEN else terminal_language()


def render_terminal(code: str, language: str, **params) -> str:
    """The message ``code`` in ``language``, whole.  A parameter with a ``message(language)``
    method (an error, a course file's problems) or a :class:`Nested` message is said in
    ``language`` too."""
    templates = MESSAGES[code]
    template = templates.get(language) or templates["en"]
    return fill_particles(template.format(**{k: _said(v, language) for k, v in params.items()}))


def say_words(words: probe.Words, language: str) -> str:
    """A sentence of the sandbox (why none can run here, what to do: :class:`probe.Words`) in
    ``language``: a parameter that is ``Words`` is said in it too, a list of them joined by "; ",
    text (a path, bwrap's own words) as it is."""
    params = {k: "; ".join(said(v, language) for v in value) if isinstance(value, list) else value
              for k, value in words.params.items()}
    return render_terminal(words.code, language, **params)


probe.WORDING[:] = [say_words]  # the sandbox's words, in any language, by this module's renderer


def name_list(names, limit: int):
    """``names`` joined by ", ": the first ``limit`` of them, and the count of the rest said in the
    language of the line that shows them (a :class:`Nested` message then)."""
    names = [str(n) for n in names]
    shown = ", ".join(names[:limit])
    return shown if len(names) <= limit else Nested("cli.names-more", names=shown, more=len(names) - limit)


def said(value, language: str) -> str:
    """A line in ``language``: a :class:`Nested` message, anything with a ``message(language)``
    method (an error, a problem), else the text as it is."""
    return str(_said(value, language))


def _said(value, language: str):
    if isinstance(value, Nested):
        return render_terminal(value.code, language, **value.params)
    message = getattr(value, "message", None)
    return message(language) if callable(message) else value
