"""Every student-facing message exists in Korean and English with the same placeholders."""
import string

from autograder.student.messages import LANGUAGES, MESSAGES


def _fields(template):
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_every_message_in_both_languages_with_same_fields():
    for code, templates in MESSAGES.items():
        assert set(templates) == set(LANGUAGES), code
        assert _fields(templates["ko"]) == _fields(templates["en"]), code
        assert templates["ko"] != templates["en"] or not any(c.isalpha() for c in templates["en"]), code


def test_student_text_in_a_message_is_bounded():
    """14 000 unexpected dict keys of 1 000 characters once made a 14 MB message (and 56 MB files)."""
    from autograder.student.messages import MAX_TEXT, render

    keys = [f"k{i:05d}" + "x" * 994 for i in range(14_000)]
    text = render("verdict.keys", "en", path="", missing=["Wx"], extra=keys)
    assert len(text) <= MAX_TEXT and "and 13,992 more" in text and "k00007" in text and "k00008" not in text
    detail = render("status.exception", "en", function="f", case=1, dims="N=2", detail="y" * 1_000_000)
    assert len(detail) < 1000
    huge = render("notebook.load-error", "en", detail="z" * 100_000)
    assert len(huge) < 1000
    # what the grader itself puts in a message is untouched: shapes, short key lists, numbers
    shape = render("verdict.shape", "en", path="", case=1, dims="N=2", got=[1, 2, 3, 4, 5, 6, 7, 8], expected=[2])
    assert "got [1, 2, 3, 4, 5, 6, 7, 8], expected [2]" in shape
    assert render("verdict.keys", "en", path="", missing=["a"], extra=["b"]).endswith("missing ['a'], unexpected ['b']")


def test_markdown_rendering_is_the_plain_rendering_with_escaped_parameters():
    """render_markdown (the feedback page's) says exactly what render says when nothing needs
    escaping: same words, same particles, same formats."""
    from autograder.student.messages import Nested, render, render_markdown

    for code, templates in MESSAGES.items():
        for language in LANGUAGES:
            for word in ("rnn_step_backward", "값"):
                params = {}
                for _, name, spec, _ in string.Formatter().parse(templates[language]):
                    if name:
                        params[name] = 1.5 if spec and spec[-1] in "efg" else 1500 if spec and spec[-1] in ",d" else word
                plain = render(code, language, **params)
                assert render_markdown(code, language, lambda text, in_code: text, params) == plain, (code, language)
    nested = {"forward": "rnn_forward", "detail": Nested("status.not-implemented", function="rnn_forward")}
    marked = render_markdown("status.through-forward", "ko", lambda text, in_code: f"<{text}>", nested)
    assert marked == "이 함수는 여러분의 `<rnn_forward>`를 거쳐 채점되는데, 그 함수가 실패했습니다: `<rnn_forward>`가 아직 구현되지 않았습니다 (NotImplementedError)"
