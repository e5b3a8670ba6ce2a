"""`check(...)` in a notebook and the `autograder check` verb: verdicts, hints, languages, robustness,
and the promise that the student-side code imports no reference code."""
from __future__ import annotations

import argparse
import ast
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from autograder.cli import check as check_verb
from autograder.authoring import release
from autograder.student import selfcheck
from autograder.student.messages import MESSAGES
from autograder.grading.pipeline import reference_namespace
from autograder.sandbox.inside.protocol import load_npz, save_npz
from autograder.student.selfcheck import FIXTURE_NAME, check

from tests.notebooks.nbtools import (ROOT, SOLUTION_REGION, course, exercise_of, imported_names, kernel_env,
                                     notebook_id, solution_notebooks)

SOLUTIONS = solution_notebooks()
STUDENT_SIDE = ["autograder/student/selfcheck.py", "autograder/student/nbgrader_cell.py"]


@pytest.fixture(scope="module")
def fixture_file(tmp_path_factory):
    """Public cases of the rnn assignment, built fresh (independent of the committed file)."""
    path = tmp_path_factory.mktemp("fixture") / FIXTURE_NAME
    save_npz(path, release.build_fixture(course(), "rnn"))
    return path


@pytest.fixture(scope="module")
def reference_ns():
    return reference_namespace(course())


def _with(reference_ns, **functions):
    return {**reference_ns, **functions}


def test_correct_functions_pass(fixture_file, reference_ns, capsys):
    for spec in course().functions_of("rnn"):
        result = check(spec.name, fixture_file, namespace=reference_ns, lang="en")
        assert result and result.status == "passed" and result.passed == result.total == len(spec.items)
    out = capsys.readouterr().out
    assert "[PASS] rnn_backward.dWh: relative error" in out and "[FAIL]" not in out


def test_wrong_shape_fails_with_axis_hint(fixture_file, reference_ns, capsys):
    def rnn_step_backward(dnext_h, cache):
        dx, dprev_h, dWx, dWh, db = reference_ns["rnn_step_backward"](dnext_h, cache)
        return dx[:, :-1], dprev_h, dWx, dWh, db

    result = check("rnn_step_backward", fixture_file, namespace=_with(reference_ns, rnn_step_backward=rnn_step_backward),
                   lang="en")
    assert result.status == "failed" and (result.passed, result.total) == (4, 5)
    assert result.verdicts["dx"].code == "shape" and result.verdicts["dWh"].ok
    out = capsys.readouterr().out
    assert "[FAIL] rnn_step_backward.dx: wrong shape" in out and "axis order" in out


def test_wrong_gradient_fails_with_relative_error_and_gradient_path_hint(fixture_file, reference_ns, capsys):
    def rnn_backward(dh, cache):
        dx, dh0, dWx, dWh, db = reference_ns["rnn_backward"](dh, cache)
        return dx, dh0, dWx, dWh * 0.5, db

    result = check("rnn_backward", fixture_file, namespace=_with(reference_ns, rnn_backward=rnn_backward), lang="en")
    assert result.status == "failed" and not result.verdicts["dWh"].ok
    assert result.verdicts["dWh"].error == pytest.approx(1 / 3)
    out = capsys.readouterr().out
    assert re.search(r"\[FAIL\] rnn_backward\.dWh: relative error 0\.33 on case 1", out)
    assert "gradient path" in out


def test_forward_value_hint_points_at_the_formula(fixture_file, reference_ns, capsys):
    ns = _with(reference_ns, rnn_step_forward=lambda x, prev_h, Wx, Wh, b: (np.tanh(x @ Wx + prev_h @ Wh) * 0.5, None))
    assert check("rnn_step_forward", fixture_file, namespace=ns, lang="ko").status == "failed"
    out = capsys.readouterr().out
    assert "[실패] rnn_step_forward.next_h" in out and "수식" in out and "알려진 실수" not in out


def test_a_missing_bias_is_named_as_the_catalogued_mistake(fixture_file, reference_ns, capsys):
    ns = _with(reference_ns, rnn_step_forward=lambda x, prev_h, Wx, Wh, b: (np.tanh(x @ Wx + prev_h @ Wh), None))
    assert check("rnn_step_forward", fixture_file, namespace=ns, lang="ko").status == "failed"
    out = capsys.readouterr().out
    assert "[실패] rnn_step_forward.next_h" in out and "알려진 실수" in out


def test_stub_reports_not_implemented_and_never_raises(fixture_file, reference_ns, capsys):
    def stub(*args):
        raise NotImplementedError()

    for name in ("rnn_forward", "rnn_backward"):
        result = check(name, fixture_file, namespace=_with(reference_ns, rnn_forward=stub), lang="en")
        assert result.status == "not-implemented" and not result and result.passed == 0
    out = capsys.readouterr().out
    assert out.count("[TODO] rnn_forward: not implemented yet") == 2
    assert "rnn_backward is checked through your rnn_forward" in out


@pytest.mark.parametrize("bad, status, words", [
    (lambda *a: (_ for _ in ()).throw(ValueError("boom")), "error", "ValueError: boom"),
    (lambda *a: np.zeros(3), "error", "expected a tuple of 2 values"),
    ("not a function", "missing", "[MISSING] rnn_forward"),
])
def test_errors_are_reported_not_raised(fixture_file, reference_ns, capsys, bad, status, words):
    result = check("rnn_forward", fixture_file, namespace=_with(reference_ns, rnn_forward=bad), lang="en")
    assert result.status == status
    assert words in capsys.readouterr().out


def test_undefined_function_and_missing_fixture(fixture_file, tmp_path, capsys):
    assert check("rnn_forward", fixture_file, namespace={}, lang="en").status == "missing"
    assert check("no_such_function", fixture_file, namespace={}, lang="en").status == "error"
    assert check("rnn_forward", tmp_path / "none.npz", namespace={}, lang="en").status == "error"
    out = capsys.readouterr().out
    assert "no public cases for this function" in out and "download the assignment's folder again" in out


def test_in_place_change_of_an_input_is_noted(fixture_file, reference_ns, capsys):
    def temporal_affine_forward(x, w, b):
        out, cache = reference_ns["temporal_affine_forward"](x, w, b)
        w[...] = 0.0
        return out, cache

    ns = _with(reference_ns, temporal_affine_forward=temporal_affine_forward)
    assert check("temporal_affine_forward", fixture_file, namespace=ns, lang="en").status == "passed"
    assert "in place" in capsys.readouterr().out


def test_finds_the_function_in_the_callers_globals(fixture_file, reference_ns):
    notebook_globals = {"check": check, "path": fixture_file, "rnn_step_forward": reference_ns["rnn_step_forward"]}
    exec("result = check('rnn_step_forward', path, lang='en', quiet=True)", notebook_globals)
    assert notebook_globals["result"].status == "passed"


def test_default_fixture_is_in_the_current_folder(fixture_file, reference_ns, monkeypatch):
    monkeypatch.chdir(fixture_file.parent)
    assert check("rnn_step_forward", namespace=reference_ns, quiet=True).status == "passed"


def test_language_comes_from_the_environment(fixture_file, reference_ns, monkeypatch, capsys):
    monkeypatch.delenv(selfcheck.LANG_ENV, raising=False)
    check("rnn_step_forward", fixture_file, namespace=reference_ns)
    monkeypatch.setenv(selfcheck.LANG_ENV, "en")
    check("rnn_step_forward", fixture_file, namespace=reference_ns)
    monkeypatch.setenv(selfcheck.LANG_ENV, "xx")
    check("rnn_step_forward", fixture_file, namespace=reference_ns)
    out = capsys.readouterr().out
    assert out.count("[통과]") == 2 and out.count("[PASS]") == 1


def test_result_repr_is_short_and_parseable(fixture_file, reference_ns):
    result = check("rnn_forward", fixture_file, namespace=reference_ns, quiet=True)
    assert repr(result) == "CheckResult(function='rnn_forward', status='passed', passed=1, total=1)"
    assert result._ipython_display_() is None  # Jupyter shows nothing under the cell (test_execution.py)


def test_default_fixture_beside_the_module_when_the_cwd_has_none(tmp_path, monkeypatch, reference_ns, fixture_file):
    """The bundled module sits in the notebook's folder: a kernel started elsewhere still finds the cases."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(selfcheck, "__file__", str(fixture_file.with_name("rnnlab_check.py")))
    assert selfcheck.fixture_path() == fixture_file.resolve()
    assert check("rnn_step_forward", namespace=reference_ns, quiet=True).status == "passed"


def test_every_message_the_selfcheck_uses_exists():
    for code in ("check.pass", "check.fail", "check.not-implemented", "check.error", "check.summary",
                 "check.hint-label", "check.missing", "check.no-fixtures", "check.through",
                 *(f"check.hint.{k}" for k in ("shape", "value", "value-backward", "dtype", "nonfinite",
                                               "type", "keys", "length"))):
        assert code in MESSAGES, code


# --------------------------------------------------------------------------- no reference code


def _autograder_imports(relative: str) -> set[str]:
    """Modules a file of autograder/ imports, following its own relative imports (transitively)."""
    seen, todo = set(), [relative]
    while todo:
        path = ROOT / todo.pop()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom):
                if node.level:
                    targets = [node.module] if node.module else [a.name for a in node.names]
                    for target in targets:
                        name = "autograder." + target
                        if name not in seen and (ROOT / "autograder" / f"{target}.py").is_file():
                            seen.add(name)
                            todo.append(f"autograder/{target}.py")
                else:
                    seen.add(node.module)
            elif isinstance(node, ast.Import):
                seen.update(alias.name for alias in node.names)
    return seen


@pytest.mark.parametrize("relative", STUDENT_SIDE)
def test_student_side_code_imports_no_reference_and_no_course(relative):
    modules = _autograder_imports(relative)
    banned = {m for m in modules if m.split(".")[0] == "reference"
              or m in ("autograder.grading.course", "autograder.grading.pipeline", "autograder.authoring.release", "autograder.grading.cases")}
    assert not banned, f"{relative} imports {sorted(banned)}"


def test_student_side_code_imports_without_reference_installed():
    code = ("import sys; sys.modules['reference'] = None\n"
            "import autograder.student.selfcheck, autograder.student.nbgrader_cell\n"
            "bad = [m for m, mod in sys.modules.items() if mod is not None and (m.split('.')[0] in"
            " ('reference', 'yaml') or m in ('autograder.grading.course', 'autograder.grading.pipeline'))]\n"
            "assert not bad, bad\n")
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=kernel_env(), capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


@pytest.mark.parametrize("path", SOLUTIONS, ids=notebook_id)
def test_exercise_imports_no_reference_code(path):
    import nbformat

    exercise = exercise_of(path)
    notebook = nbformat.read(str(exercise), as_version=4)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            modules = imported_names(cell.source)
            assert not {m for m in modules if m.split(".")[0] == "reference"}, cell.get("id")
            autograder = {m for m in modules if m.split(".")[0] == "autograder"}
            assert not autograder, f"{cell.get('id')}: {autograder} (students have no autograder package)"
    assert any("from rnnlab_check import check" in c.source for c in notebook.cells if c.cell_type == "code")


# --------------------------------------------------------------------------- the verb


def _cli(*args):
    return subprocess.run([sys.executable, "-m", "autograder", "check", *map(str, args), "--lang", "en"],
                          cwd=ROOT, env=kernel_env(), capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize("path", SOLUTIONS, ids=notebook_id)
def test_cli_check_passes_on_the_solution(path):
    proc = _cli(path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for spec in course().functions_of(path.parent.name):
        assert f"{spec.name}: {len(spec.items)}/{len(spec.items)} outputs pass" in proc.stdout
    assert "[FAIL]" not in proc.stdout


@pytest.mark.parametrize("path", SOLUTIONS, ids=notebook_id)
def test_cli_check_reports_not_implemented_on_the_exercise(path):
    proc = _cli(exercise_of(path))
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "running the notebook's code failed" not in proc.stdout, proc.stdout
    assert "not implemented yet" in proc.stdout
    assert f"0/{len(course().functions_of(path.parent.name))} functions pass" in proc.stdout


def _broken_copy(path: Path, tmp_path: Path, replacement: str) -> Path:
    """A copy of a solutions notebook whose first solution region is replaced."""
    import nbformat

    notebook = nbformat.read(str(path), as_version=4)
    cell = next(c for c in notebook.cells if SOLUTION_REGION.search(c.source))
    cell.source = SOLUTION_REGION.sub(lambda m: m.group("indent") + replacement + "\n", cell.source, count=1)
    target = tmp_path / path.name
    nbformat.write(notebook, str(target))
    shutil.copy2(path.parent / FIXTURE_NAME, tmp_path / FIXTURE_NAME)
    return target


def _run_verb(notebook: Path, *extra: str) -> int:
    parser = argparse.ArgumentParser()
    check_verb.add_arguments(parser)
    return check_verb.run(parser.parse_args([str(notebook), "--lang", "en", *extra]), None)


@pytest.mark.sandbox
def test_verb_checks_several_notebooks_in_one_call():
    """What the student workflow runs: `autograder check exercises/*/*.ipynb`."""
    paths = [exercise_of(p) for p in SOLUTIONS[:2]] + [SOLUTIONS[0]]
    proc = _cli(*paths)
    assert proc.returncode == 1, proc.stdout + proc.stderr  # the exercises are stubs
    for path in paths:
        assert f"== {path}" in proc.stdout
    graded = len(course().functions_of(SOLUTIONS[0].parent.name))
    assert f"{SOLUTIONS[0].name}: {graded}/{graded} functions pass" in proc.stdout
    assert f"{exercise_of(SOLUTIONS[1]).name}: 0/" in proc.stdout
    ok = _cli(SOLUTIONS[0], SOLUTIONS[-1])
    assert ok.returncode == 0, ok.stdout + ok.stderr


@pytest.mark.sandbox
def test_verb_without_a_course_uses_the_notebooks_own_folder(tmp_path, monkeypatch, capsys):
    """A student's released folder: no course.yaml; the notebook's own setup cells and public cases."""
    folder = tmp_path / SOLUTIONS[0].parent.name
    shutil.copytree(SOLUTIONS[0].parent, folder, ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
    monkeypatch.chdir(tmp_path)
    assert _run_verb(folder / SOLUTIONS[0].name) == 0
    assert "[FAIL]" not in capsys.readouterr().out


def test_verb_no_sandbox_warns(tmp_path, capsys):
    path = SOLUTIONS[0]
    name = course().functions_of(path.parent.name)[0].name
    assert _run_verb(path, "--function", name, "--no-sandbox") == 0
    captured = capsys.readouterr()
    assert "--no-sandbox" in captured.err and "only for code you trust" in captured.err
    assert "1/1 functions pass" in captured.out


@pytest.mark.sandbox
def test_verb_fails_when_a_solution_is_broken(tmp_path, capsys):
    path = SOLUTIONS[0]
    assert _run_verb(_broken_copy(path, tmp_path, "raise ValueError('broken on purpose')")) == 1
    assert "broken on purpose" in capsys.readouterr().out


@pytest.mark.sandbox
def test_verb_reports_a_notebook_that_does_not_load(tmp_path, capsys):
    notebook = _broken_copy(SOLUTIONS[0], tmp_path, "pass\nthis is not python")
    assert _run_verb(notebook) == 1
    assert "running the notebook's code failed" in capsys.readouterr().out


@pytest.mark.sandbox
def test_verb_checks_only_the_named_function(capsys):
    path = SOLUTIONS[0]
    name = course().functions_of(path.parent.name)[0].name
    assert _run_verb(path, "--function", name) == 0
    assert "1/1 functions pass" in capsys.readouterr().out


def test_verb_usage_errors(tmp_path, monkeypatch):
    from autograder.grading.errors import UsageError

    with pytest.raises(UsageError):
        _run_verb(tmp_path / "missing.ipynb")
    with pytest.raises(UsageError):
        _run_verb(SOLUTIONS[0], "--function", "no_such_function")
    stray = tmp_path / "scratch.ipynb"  # inside a course, a notebook that is none of its assignments
    shutil.copy2(SOLUTIONS[0], stray)
    with pytest.raises(UsageError, match="not a notebook of the course"):
        _run_verb(stray)
    lonely = tmp_path / "alone" / SOLUTIONS[0].name  # no course, no public cases beside it
    lonely.parent.mkdir()
    shutil.copy2(SOLUTIONS[0], lonely)
    monkeypatch.chdir(lonely.parent)
    with pytest.raises(UsageError, match="no public cases"):
        _run_verb(lonely)


def test_a_catalogued_mistake_is_named_at_hint_level(fixture_file, reference_ns, capsys):
    """check() names a mistake the public cases recognise: the concept and where to look, not the fix."""
    from reference.mutants import by_id, namespace_with

    from autograder.grading.mistakes import render as words

    mutant = by_id("bptt-overwrite-accumulator")
    namespace = namespace_with(reference_ns, mutant)
    result = check("rnn_backward", fixture_file, namespace=namespace, lang="en")
    assert result.status == "failed"
    out = capsys.readouterr().out
    root = Path(__file__).resolve().parents[2]  # the shipped course, whose words the release wrote
    hint, reveal = words(mutant.id, "hint", "en", course=root), words(mutant.id, "reveal", "en", course=root)
    assert hint["explanation"] in out and hint["hint"] in out
    assert reveal["hint"] not in out  # the fix stays out of the self-check
    correct = check("rnn_backward", fixture_file, namespace=reference_ns, lang="en")
    assert correct.status == "passed" and "known mistake" not in capsys.readouterr().out


def test_an_unknown_mistake_gets_only_the_generic_hint(fixture_file, reference_ns, capsys):
    def rnn_step_forward(x, prev_h, Wx, Wh, b):
        next_h, cache = reference_ns["rnn_step_forward"](x, prev_h, Wx, Wh, b)
        return next_h * 1.37, cache  # a made-up slip, in no catalogue

    check("rnn_step_forward", fixture_file, namespace=_with(reference_ns, rnn_step_forward=rnn_step_forward), lang="en")
    assert "known mistake" not in capsys.readouterr().out


# ------------------------------------------------------------- a check students can trust

STEP_FORWARD = ("def rnn_step_forward(x, prev_h, Wx, Wh, b):\n"
                "    next_h = np.tanh(x @ Wx + prev_h @ Wh + b)\n"
                "    return next_h, (x, prev_h, Wx, Wh, next_h)\n")
STEP_BACKWARD = ("def rnn_step_backward(dnext_h, cache):\n"
                 "    x, prev_h, Wx, Wh, next_h = cache\n"
                 "    da = dnext_h * {factor}\n"
                 "    return da @ Wx.T, da @ Wh.T, x.T @ da, prev_h.T @ da, da.sum(axis=0)\n")


def _kernel(cells: list[tuple[str, str]]) -> dict:
    """A kernel's globals after running ``cells`` [(cell file name, source)] in order, with
    IPython's history ``In`` (each cell compiled under its own file name, as ipykernel does)."""
    ns: dict = {"In": [""]}
    for filename, source in cells:
        ns["In"].append(source)
        exec(compile(source, filename, "exec"), ns)
    return ns


def test_a_helper_defined_outside_the_solution_cells_is_named(fixture_file, capsys):
    ns = _kernel([("setup", "import numpy as np"),
                  ("helpers", "def tanh_grad(h):\n    return 1.0 - h ** 2\n"),
                  ("cell-7", STEP_FORWARD),
                  ("cell-10", STEP_BACKWARD.format(factor="tanh_grad(next_h)"))])
    result = check("rnn_step_backward", fixture_file, namespace=ns, lang="ko")
    assert result.status == "passed" and result.outside == ["tanh_grad"]  # passes here, NameError when graded
    out = capsys.readouterr().out
    assert "[경고] rnn_step_backward가" in out and "tanh_grad" in out and "솔루션 셀 안으로 옮기세요" in out
    result = check("rnn_step_backward", fixture_file, namespace=ns, lang="en")
    assert "move the definition of tanh_grad into a solution cell" in capsys.readouterr().out


def test_a_constant_or_module_from_another_cell_is_named_from_the_kernels_history(fixture_file, capsys):
    ns = _kernel([("setup", "import numpy as np"),
                  ("mine", "ONE = 1.0\nimport math\n"),
                  ("cell-7", STEP_FORWARD),
                  ("cell-10", STEP_BACKWARD.format(factor="(ONE - next_h ** 2) * math.cos(0.0)"))])
    result = check("rnn_step_backward", fixture_file, namespace=ns, lang="en")
    assert result.status == "passed" and result.outside == ["ONE", "math"]


def test_no_warning_for_what_the_grader_has(fixture_file, capsys):
    # a private helper and an import in the solution cell itself, the setup cell's names, builtins
    backward = ("import math\n\ndef _tanh_grad(h):\n    return 1.0 - h ** 2\n\n"
                + STEP_BACKWARD.format(factor="_tanh_grad(next_h) * abs(math.cos(0.0))"))
    ns = _kernel([("setup", "import numpy as np"), ("cell-7", STEP_FORWARD), ("cell-10", backward)])
    result = check("rnn_step_backward", fixture_file, namespace=ns, lang="en")
    assert result.status == "passed" and result.outside == []
    assert "WARNING" not in capsys.readouterr().out


def test_the_fixture_names_what_the_grader_provides(fixture_file):
    provided, solutions = release.notebook_names(course(), "gradients")
    assert "np" in provided and "vanishing_step" in solutions and "clip_grad_norm" in solutions
    assert "plt" not in provided + solutions and "check" not in provided + solutions
    fixture = load_npz(fixture_file)
    assert fixture["assignment"] == "rnn" and fixture["course_functions"]["lstm_forward"] == "lstm"
    assert fixture["language"] == course().language and "np" in fixture["provided"]
    assert all(entry["call_seconds"] == course().functions[name].call_seconds
               for name, entry in fixture["functions"].items())


def test_check_accepts_the_function_itself(fixture_file, reference_ns, capsys):
    rnn_step_backward = reference_ns["rnn_step_backward"]
    result = check(rnn_step_backward, fixture_file, namespace=reference_ns, lang="en")
    assert result.function == "rnn_step_backward" and result.status == "passed"
    out = capsys.readouterr().out
    assert "<function" not in out and "[PASS] rnn_step_backward.dWh" in out
    # the object passed is the one checked, whatever the notebook's global of that name holds
    wrong = _with(reference_ns, rnn_step_backward=lambda dnext_h, cache: None)
    assert check(rnn_step_backward, fixture_file, namespace=wrong, lang="en").status == "passed"
    assert check(3, fixture_file, namespace=reference_ns, lang="en").status == "error"
    assert "check() takes a function or its name" in capsys.readouterr().out


@pytest.mark.parametrize("damage", ["garbage", "pickled", "empty", "foreign", "missing"])
def test_a_bad_fixture_gets_one_sentence_download_again(tmp_path, fixture_file, reference_ns, capsys, damage):
    path = tmp_path / FIXTURE_NAME
    if damage == "garbage":
        path.write_bytes(b"PK\x03\x04 not really a zip")
    elif damage == "pickled":
        np.savez(path, functions=np.array([{"rnn_forward": 1}], dtype=object))
    elif damage == "empty":
        np.savez(path, x=np.zeros(3))
    elif damage == "foreign":
        data = load_npz(fixture_file)
        data["assignment"] = "lstm"
        data["functions"] = {"lstm_forward": data["functions"]["rnn_step_forward"]}
        save_npz(path, data)
    for lang, words in (("en", "download the"), ("ko", "다시 내려받")):
        result = check("rnn_forward", path, namespace=reference_ns, lang=lang)
        assert result.status == "error"
        out = capsys.readouterr().out
        problem = [line for line in out.splitlines() if line.startswith(("[ERROR]", "[오류]"))]
        assert len(problem) == 1 and words in problem[0], out
        assert "allow_pickle" not in out and "Traceback" not in out
        if damage == "foreign":
            assert "'lstm'" in problem[0] and "'rnn'" in problem[0]


def _fixture_with_limit(fixture_file, tmp_path, seconds: float) -> Path:
    data = load_npz(fixture_file)
    for entry in data["functions"].values():
        entry["call_seconds"] = seconds
    path = tmp_path / FIXTURE_NAME
    save_npz(path, data)
    return path


@pytest.mark.parametrize("swallow", [False, True])
def test_an_endless_loop_stops_at_the_time_limit(tmp_path, fixture_file, reference_ns, capsys, swallow):
    def rnn_forward(x, h0, Wx, Wh, b):
        while True:
            if swallow:
                try:
                    np.tanh(x)
                except:  # noqa: E722 - a bare except in the loop catches the first stop, not the next ones
                    pass
            sum(range(1000))

    path = _fixture_with_limit(fixture_file, tmp_path, 0.3)
    result = check("rnn_forward", path, namespace=_with(reference_ns, rnn_forward=rnn_forward), lang="en")
    assert result.status == "error"
    assert "stopped after 0.3 s, the grader's time limit" in capsys.readouterr().out
    # and the timer is gone: the next check runs normally
    assert check("rnn_forward", path, namespace=reference_ns, lang="en").status == "passed"
    import signal
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


def test_the_language_follows_the_course_and_the_switch_is_shown_once(tmp_path, fixture_file, reference_ns, capsys,
                                                                    monkeypatch):
    monkeypatch.delenv("RNNLAB_LANG", raising=False)
    monkeypatch.setattr(selfcheck, "_LANGUAGE_NOTED", set())
    data = load_npz(fixture_file)
    for lang, passed, switch in (("en", "[PASS]", 'lang="ko"'), ("ko", "[통과]", 'lang="en"')):
        data["language"] = lang
        save_npz(tmp_path / FIXTURE_NAME, data)
        check("rnn_step_forward", tmp_path / FIXTURE_NAME, namespace=reference_ns)
        check("rnn_forward", tmp_path / FIXTURE_NAME, namespace=reference_ns)
        out = capsys.readouterr().out
        assert passed in out and out.count(switch) == 1, out


def _grade_cell(folder: Path, ns: dict, name: str):
    """``check("name")`` as a grade cell runs it: no fixture or namespace argument, cwd = the notebook's folder."""
    code = compile(f'check("{name}")', "grade-cell", "eval")
    return eval(code, {**ns, "check": check})


def test_nbgrader_validate_fails_on_stubs_and_wrong_answers(tmp_path, fixture_file, reference_ns, monkeypatch, capsys):
    shutil.copy(fixture_file, tmp_path / FIXTURE_NAME)
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("RNNLAB_AUTOGRADE", raising=False)
    monkeypatch.setenv("RNNLAB_LANG", "en")

    def stub(*args):
        raise NotImplementedError()

    wrong = _with(reference_ns, rnn_step_forward=lambda x, prev_h, Wx, Wh, b: (np.tanh(x @ Wx + prev_h @ Wh), None))
    monkeypatch.setenv("NBGRADER_EXECUTION", "validate")
    with pytest.raises(AssertionError, match=r"not implemented"):
        _grade_cell(tmp_path, _with(reference_ns, rnn_forward=stub), "rnn_forward")
    with pytest.raises(AssertionError, match=r"rnn_step_forward: 0/1"):
        _grade_cell(tmp_path, wrong, "rnn_step_forward")
    assert _grade_cell(tmp_path, reference_ns, "rnn_step_forward").status == "passed"
    # a student's own call (a namespace or a fixture given) never raises, nor does Jupyter
    assert check("rnn_step_forward", tmp_path / FIXTURE_NAME, namespace=wrong).status == "failed"
    monkeypatch.delenv("NBGRADER_EXECUTION")
    assert _grade_cell(tmp_path, _with(reference_ns, rnn_forward=stub), "rnn_forward").status == "not-implemented"
