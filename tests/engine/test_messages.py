"""Every student-facing message exists in Korean and English with the same placeholders."""
import string

from autograder.engine.messages import LANGUAGES, MESSAGES


def _fields(template):
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_every_message_in_both_languages_with_same_fields():
    for code, templates in MESSAGES.items():
        assert set(templates) == set(LANGUAGES), code
        assert _fields(templates["ko"]) == _fields(templates["en"]), code
        assert templates["ko"] != templates["en"] or not any(c.isalpha() for c in templates["en"]), code
