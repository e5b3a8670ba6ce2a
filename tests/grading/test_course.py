"""course.yaml loading: the shipped course is valid, and every kind of mistake is reported
with file, line, key and a fix."""
from pathlib import Path

import pytest
import yaml

from autograder.grading.course import CourseError, load_course

ROOT = Path(__file__).resolve().parents[2]
COURSE = ROOT / "course.yaml"


def test_shipped_course_loads_and_every_item_has_points():
    course = load_course(COURSE)
    assert course.language in ("ko", "en")
    assert set(course.assignments) >= {"rnn", "lstm", "gru", "gradients"}
    for spec in course.functions.values():
        assert spec.items, spec.name
        assert all(item.id == f"{spec.name}.{item.output}" for item in spec.items)
        assert "cache" not in {item.output for item in spec.items}


def test_item_ids_follow_design_contract():
    course = load_course(COURSE)
    ids = {item.id for spec in course.functions.values() for item in spec.items}
    assert {"rnn_backward.dWh", "lstm_step_forward.next_c"} <= ids


def _broken(tmp_path, mutate) -> Path:
    data = yaml.safe_load(COURSE.read_text())
    mutate(data)
    path = tmp_path / "course.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
    return path


def _problems(path) -> str:
    with pytest.raises(CourseError) as info:
        load_course(path)
    return str(info.value)


def test_wrong_type_names_line_key_and_fix(tmp_path):
    path = _broken(tmp_path, lambda d: d["functions"]["rnn_backward"]["points"].__setitem__("dWh", "two"))
    message = _problems(path)
    line = next(i for i, text in enumerate(path.read_text().splitlines(), 1) if "dWh: two" in text)
    assert f"{path}:{line}: functions.rnn_backward.points.dWh" in message
    assert "fix:" in message and "number" in message


def test_unknown_key_is_named_with_allowed_keys(tmp_path):
    path = _broken(tmp_path, lambda d: d["grading"].__setitem__("tolerence", 1e-6))
    message = _problems(path)
    assert "grading.tolerence" in message and "allowed:" in message and "tolerance" in message


def test_bad_language_lists_choices(tmp_path):
    message = _problems(_broken(tmp_path, lambda d: d["course"].__setitem__("language", "fr")))
    assert "course.language" in message and "ko, en" in message


def test_points_for_an_output_that_is_not_returned(tmp_path):
    message = _problems(_broken(tmp_path, lambda d: d["functions"]["rnn_forward"]["points"].__setitem__("c", 1)))
    assert "functions.rnn_forward.points.c" in message and "not one of the returned values" in message


def test_cache_cannot_be_graded(tmp_path):
    message = _problems(_broken(tmp_path, lambda d: d["functions"]["rnn_forward"]["points"].__setitem__("cache", 1)))
    assert "never graded" in message


def test_undefined_size_is_reported(tmp_path):
    message = _problems(_broken(tmp_path, lambda d: d["functions"]["rnn_forward"]["inputs"]["x"].__setitem__("shape", ["N", "Q"])))
    assert "size 'Q' is not defined" in message


def test_backward_through_unknown_forward(tmp_path):
    message = _problems(_broken(tmp_path, lambda d: d["functions"]["rnn_backward"].__setitem__("through", "nope")))
    assert "functions.rnn_backward.through" in message


def test_like_must_name_a_forward_output(tmp_path):
    message = _problems(_broken(tmp_path, lambda d: d["functions"]["rnn_backward"]["inputs"]["dh"].__setitem__("like", "hh")))
    assert "'hh' is not an output of rnn_forward" in message


def test_unknown_assignment(tmp_path):
    message = _problems(_broken(tmp_path, lambda d: d["functions"]["rnn_forward"].__setitem__("assignment", "cnn")))
    assert "unknown assignment 'cnn'" in message


def test_yaml_syntax_error_has_a_line(tmp_path):
    path = tmp_path / "course.yaml"
    path.write_text("course:\n  id: x\n  title: [unclosed\n")
    assert f"{path}:" in _problems(path) and "YAML syntax error" in _problems(path)


def test_missing_file(tmp_path):
    assert f"{tmp_path / 'nope.yaml'}: no such file" in _problems(tmp_path / "nope.yaml")


def test_per_output_tolerance_overrides_default(tmp_path):
    path = _broken(tmp_path, lambda d: d["functions"]["temporal_softmax_loss"].__setitem__("tolerance", {"loss": 1e-9}))
    course = load_course(path)
    tol = {i.output: i.tolerance for i in course.functions["temporal_softmax_loss"].items}
    assert tol == {"loss": 1e-9, "dx": course.tolerance}


# --------------------------------------------------------------------------- start-up cost

import subprocess  # noqa: E402
import sys  # noqa: E402

# importing jsonschema builds rfc3987-syntax's lark grammars (slow); nbformat imports jsonschema
HEAVY = ("jsonschema", "lark", "rfc3987_syntax", "nbformat", "tqdm")


def test_a_validated_file_is_remembered_by_its_content(tmp_path, monkeypatch):
    import autograder.grading.course as course_mod

    path = tmp_path / "course.yaml"
    path.write_bytes(COURSE.read_bytes())
    load_course(path)
    assert len(list((tmp_path / course_mod.VALID_CACHE).iterdir())) == 1
    monkeypatch.setattr(course_mod, "_jsonschema_problems", lambda *a: pytest.fail("validated twice"))
    load_course(path)  # remembered: no jsonschema
    text = path.read_text()
    path.write_text(text.replace("language: ", "language: fr #", 1))  # other bytes: validated again
    monkeypatch.undo()
    message = _problems(path)
    line = next(i for i, t in enumerate(path.read_text().splitlines(), 1) if t.lstrip().startswith("language: fr"))
    assert f"{path}:{line}: course.language" in message


def test_a_course_folder_without_room_for_the_cache_is_validated_every_time(tmp_path, monkeypatch):
    import autograder.grading.course as course_mod

    (tmp_path / "course.yaml").write_bytes(COURSE.read_bytes())
    (tmp_path / course_mod.VALID_CACHE.parts[0]).write_text("a file where the cache folder would go")
    calls = []
    real = course_mod._jsonschema_problems
    monkeypatch.setattr(course_mod, "_jsonschema_problems", lambda *a: calls.append(1) or real(*a))
    assert load_course(tmp_path / "course.yaml").id and load_course(tmp_path / "course.yaml").id
    assert len(calls) == 2


def _modules_after(args: list[str]) -> list[str]:
    code = ("import sys\n"
            "from autograder.cli import main\n"
            f"status = main({args!r})\n"
            f"print(sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY!r}))\n")
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300,
                          env={**__import__("os").environ, "RNNLAB_SECRET": "test-imports", "RNNLAB_LANG": "en"})
    assert proc.returncode == 0, proc.stderr
    return eval(proc.stdout.strip().splitlines()[-1])  # our own printout: a list of names


@pytest.mark.sandbox
def test_check_and_grade_notebook_import_no_schema_machinery():
    """`autograder check` and `grade-notebook` (every nbgrader grade cell) stay light: no jsonschema,
    no lark, no nbformat, no tqdm once course.yaml is known valid."""
    load_course(COURSE)  # validated once (as the first command on a machine does)
    notebook = str(ROOT / "solutions" / "rnn" / "rnn.ipynb")
    assert _modules_after(["check", notebook, "--function", "rnn_forward"]) == []
    assert _modules_after(["grade-notebook", notebook, "--no-cache", "--json"]) == []


@pytest.mark.sandbox
def test_grading_a_class_imports_no_schema_machinery(tmp_path):
    """`autograder grade` pays its start-up once per class, but jsonschema's format checkers (pulled
    in by nbformat) would still cost every student a share of it (benchmarks/README.md): none of it."""
    load_course(COURSE)
    one = tmp_path / "submitted"
    student = sorted(p for p in (ROOT / "examples" / "submitted").iterdir() if p.is_dir())[0]
    import shutil

    shutil.copytree(student, one / student.name)
    assert _modules_after(["grade", str(one), "--out", str(tmp_path / "out"), "--quiet"]) == []  # (tqdm: a bar)


def test_a_parsed_file_is_read_back_the_same_without_yaml(tmp_path, monkeypatch):
    """pyyaml's parse of bytes parsed before is read back from JSON: the same data, type for type,
    and the same line numbers for messages; nothing of pyyaml is imported for it."""
    import autograder.grading.course as course_mod

    path = tmp_path / "course.yaml"
    path.write_bytes(COURSE.read_bytes())
    data, lines, _ = course_mod._parse(path)  # parsed by pyyaml, and kept
    assert len(list((tmp_path / course_mod.PARSED_CACHE).iterdir())) == 1
    monkeypatch.setattr(course_mod, "_yaml_loader", lambda: pytest.fail("parsed twice"))
    kept_data, kept_lines, _ = course_mod._parse(path)
    assert course_mod._same(kept_data, data) and kept_lines == lines
    assert course_mod._same(kept_data, yaml.safe_load(COURSE.read_text()))
    kept_course = load_course(path)
    monkeypatch.undo()
    import shutil

    shutil.rmtree(tmp_path / course_mod.PARSED_CACHE)
    assert kept_course == load_course(path)  # parsed afresh
    code = (f"import sys\nfrom autograder.grading.course import load_course\nload_course({str(path)!r})\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] == 'yaml'))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"


def test_a_changed_file_is_parsed_again_and_its_lines_are_its_own(tmp_path):
    import autograder.grading.course as course_mod

    path = tmp_path / "course.yaml"
    path.write_bytes(COURSE.read_bytes())
    load_course(path)
    path.write_text("# one more line on top\n" + COURSE.read_text().replace("language: ", "language: fr #", 1))
    message = _problems(path)
    line = next(i for i, t in enumerate(path.read_text().splitlines(), 1) if t.lstrip().startswith("language: fr"))
    assert f"{path}:{line}: course.language" in message
    assert len(list((tmp_path / course_mod.PARSED_CACHE).iterdir())) == 2
