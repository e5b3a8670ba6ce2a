"""`autograder new-function` and `new-assignment`: the stubs they write, filled in, make a course that
validates, releases and grades; and validate's checks for the slips made while writing them.

Every test works on a copy of the course, and expects of it only what the copy itself says (its
last rnn function, whether reference/added.py exists yet), so the tests hold after the course
has grown with these very commands."""
from __future__ import annotations

import contextlib
import csv
import dataclasses
import io
import re
import shutil
from pathlib import Path

import nbformat
import pytest

from autograder.cli import main
from autograder.authoring.conventions import check_conventions
from autograder.grading.course import load_course

ROOT = Path(__file__).resolve().parents[2]


def copy_course(tmp_path: Path) -> Path:
    for name in ("course.yaml", "nbgrader_config.py"):
        shutil.copy2(ROOT / name, tmp_path / name)
    for folder in ("solutions", "exercises", "reference"):
        shutil.copytree(ROOT / folder, tmp_path / folder, ignore=shutil.ignore_patterns("__pycache__"))
    return tmp_path / "course.yaml"


def grown_course(tmp_path: Path) -> Path:
    """A copy of the course in which `new-function` was used before (reference/added.py exists)."""
    course_file = copy_course(tmp_path)
    if not (tmp_path / "reference/added.py").exists():
        assert main(["--course", str(course_file), "new-function", "earlier_forward", "--assignment", "gradients",
                     "--arg", "x=N,H", "--returns", "out=N,H"]) == 0
        text = (tmp_path / "reference/added.py").read_text()
        (tmp_path / "reference/added.py").write_text(text.replace(
            '    raise NotImplementedError("reference earlier_forward: write it here, then run `autograder validate`")',
            "    return 2 * x"))
    return course_file


COURSES = {"as-shipped": copy_course, "grown": grown_course}


def functions_in_order(text: str) -> list[str]:
    """The function keys of course.yaml's functions mapping, in the file's order."""
    functions = text[text.index("\nfunctions:\n"):]
    return re.findall(r"^  ([A-Za-z_]\w*):\s*$", functions, flags=re.M)


def scaffold_tanh(course_file: Path) -> None:
    assert main(["--course", str(course_file), "new-function", "tanh_forward", "--assignment", "rnn",
                 "--arg", "x=N,H", "--returns", "out=N,H", "--returns", "cache",
                 "--summary", "Elementwise tanh, the RNN's activation."]) == 0
    assert main(["--course", str(course_file), "new-function", "tanh_backward", "--assignment", "rnn",
                 "--through", "tanh_forward", "--returns", "dx=N,H", "--points", "dx=2"]) == 0


def fill_in(root: Path) -> None:
    """What the instructor writes into the stubs."""
    added = root / "reference/added.py"
    text = added.read_text()
    text = text.replace('    raise NotImplementedError("reference tanh_forward: write it here, then run `autograder validate`")',
                        "    out = np.tanh(x)\n    return out, out")
    text = text.replace('    raise NotImplementedError("reference tanh_backward: write it here, then run `autograder validate`")',
                        "    return dout * (1.0 - cache ** 2)")
    added.write_text(text)
    path = root / "solutions/rnn/rnn.ipynb"
    nb = nbformat.read(str(path), as_version=4)
    for cell in nb.cells:
        if cell.get("id") == "tanh-forward":
            cell.source = cell.source.replace('raise NotImplementedError("solution of tanh_forward: compute out, cache here")',
                                              "out = np.tanh(x)\n    return out, out")
        elif cell.get("id") == "tanh-backward":
            cell.source = cell.source.replace('raise NotImplementedError("solution of tanh_backward: compute dx here")',
                                              "return dout * (1.0 - cache ** 2)")
    nbformat.write(nb, str(path))


@pytest.mark.parametrize("make_course", COURSES.values(), ids=COURSES)
def test_scaffold_writes_entry_reference_stub_and_cells(tmp_path, capsys, make_course):
    course_file = make_course(tmp_path)
    capsys.readouterr()
    first_time = not (tmp_path / "reference/added.py").exists()
    last_rnn = load_course(course_file).assignments["rnn"].functions[-1]
    last_check = "check-" + last_rnn.replace("_", "-")
    before = course_file.read_text()
    scaffold_tanh(course_file)
    out = capsys.readouterr().out
    wrote = "wrote course.yaml\nwrote reference/added.py\n" + ("wrote reference/__init__.py\n" if first_time else "") \
        + "wrote solutions/rnn/rnn.ipynb"
    assert wrote in out
    after = course_file.read_text()
    entry = ("  tanh_forward:\n    assignment: rnn\n    description: \"Elementwise tanh, the RNN's activation.\"\n"
             "    inputs:\n      x: {shape: [N, H]}\n    returns: [out, cache]\n    points: {out: 1}\n"
             "  tanh_backward:\n    assignment: rnn\n    through: tanh_forward\n    inputs:\n      dout: {like: out}\n"
             "      cache: {from: cache}\n    returns: [dx]\n    points: {dx: 2}\n")
    # an insertion after the assignment's last function, nothing else: every comment stays
    assert entry in after and after.replace(entry, "", 1) == before
    order = functions_in_order(after)
    assert order[order.index("tanh_forward") - 1] == last_rnn
    course = load_course(course_file)
    assert course.assignments["rnn"].functions[-2:] == ("tanh_forward", "tanh_backward")

    stub = (tmp_path / "reference/added.py").read_text()
    assert ('def tanh_backward(dout, cache):\n    """\n    TODO: one line on what tanh_backward computes.\n\n'
            "    Inputs:\n    - dout: Upstream gradient, shaped like the out of tanh_forward\n"
            "    - cache: Cache object from your tanh_forward\n\n    Returns:\n"
            "    - dx: Gradient with respect to x, of shape (N, H)\n    \"\"\"\n") in stub

    nb = nbformat.read(str(tmp_path / "solutions/rnn/rnn.ipynb"), as_version=4)
    ids = [c.get("id") for c in nb.cells]
    start = ids.index(last_check) + 1
    assert ids[start:start + 6] == ["md-tanh-forward", "tanh-forward", "check-tanh-forward",
                                    "md-tanh-backward", "tanh-backward", "check-tanh-backward"]
    grade = nb.cells[start + 5]
    assert grade.source == 'check("tanh_backward")' and grade.metadata["nbgrader"]["points"] == 2
    assert grade.metadata["nbgrader"]["locked"] and grade.metadata["nbgrader"]["grade"]
    solution = nb.cells[start + 4]
    assert solution.metadata["nbgrader"] == {"grade": False, "grade_id": "tanh_backward", "locked": False,
                                             "schema_version": 3, "solution": True, "task": False}
    assert "    ### BEGIN SOLUTION\n" in solution.source and "Inputs:" in solution.source

    # until the stubs are written, validate names them (and nothing else)
    problems = [str(p) for p in check_conventions(course, ["rnn"]).problems]
    assert problems[0] == ("reference/added.py: tanh_forward: the reference is still a stub (raises "
                           "NotImplementedError); fix: implement it: the grader compares every student with it")
    assert len(problems) == 2 and problems[1].startswith("reference/added.py: tanh_backward: ")


def _files(root):
    """Every file of the course copy, but the validation cache (a cache, not the course)."""
    return {p: p.read_bytes() for p in root.rglob("*") if p.is_file() and ".rnnlab-cache" not in p.parts}


@pytest.mark.parametrize("argv, message", [
    (["rnn_forward", "--assignment", "rnn"], "rnn_forward is already in course.yaml"),
    (["tanh", "--assignment", "rnnn"], "unknown assignment 'rnnn'"),
    (["tanh", "--assignment", "attention"], "(a new one: `autograder new-assignment attention` first)"),
    (["tanh", "--assignment", "rnn", "--through", "nope"], "--through nope: not a graded function"),
    (["tanh", "--assignment", "rnn", "--arg", "x=N,Q"], "size 'Q' is not defined"),
    (["tanh", "--assignment", "rnn", "--points", "out=x"], "write OUTPUT=POINTS"),
    (["2tanh", "--assignment", "rnn"], "is not a Python function name"),
    (["tanh", "--assignment", "rnn", "--dim", "tq=2,5"], "'tq' is not a size name"),
    (["tanh", "--assignment", "rnn", "--dim", "Tq=5,2"], "need 1 <= LOW <= HIGH"),
    (["tanh", "--assignment", "rnn", "--dim", "Tq=2"], "write NAME=LOW,HIGH"),
    (["tanh", "--assignment", "rnn", "--dim", "Tq=2,3", "--dim", "Tq=2,4"], "--dim Tq is given twice"),
])
def test_bad_requests_change_nothing(tmp_path, capsys, argv, message):
    course_file = copy_course(tmp_path)
    before = _files(tmp_path)
    assert main(["--course", str(course_file), "new-function", *argv]) == 2
    assert message in capsys.readouterr().err
    assert _files(tmp_path) == before


@pytest.mark.slow
@pytest.mark.sandbox
@pytest.mark.parametrize("make_course", COURSES.values(), ids=COURSES)
def test_filled_in_scaffold_validates(tmp_path, capsys, make_course):
    course_file = make_course(tmp_path)
    scaffold_tanh(course_file)
    fill_in(tmp_path)
    assert main(["--course", str(course_file), "release", "rnn"]) == 0
    assert (tmp_path / "exercises/rnn/rnn.ipynb").read_text().count('check(\\"tanh_backward\\")') == 1
    capsys.readouterr()
    assert main(["--course", str(course_file), "validate", "--assignment", "rnn"]) == 0, capsys.readouterr().out
    out = capsys.readouterr().out
    total = sum(spec.max_score for spec in load_course(course_file).functions_of("rnn"))
    assert "FAIL" not in out and f"rnn {total:g}/{total:g}" in out and "the course is valid" in out


# ------------------------------------------------------------------ sizes of a function's own


def test_dim_gives_a_function_its_own_sizes_and_leaves_every_other_function_as_it_was(tmp_path):
    course_file = copy_course(tmp_path)
    before = load_course(course_file)
    assert not any("Tq" in spec.dims for spec in before.functions.values())
    assert main(["--course", str(course_file), "new-function", "attend", "--assignment", "rnn",
                 "--dim", "Tq=2,5", "--dim", "Tk=3,4", "--arg", "q=N,Tq,D", "--arg", "k=N,Tk,D",
                 "--returns", "out=N,Tq,Tk", "--returns", "cache"]) == 0
    assert "    dims: {Tq: [2, 5], Tk: [3, 4]}\n" in course_file.read_text()
    after = load_course(course_file)
    assert after.functions["attend"].dims["Tq"] == (2, 5) and after.functions["attend"].dims["Tk"] == (3, 4)
    for name, spec in before.functions.items():  # grading.dims untouched: no other function's cases change
        assert after.functions[name].dims == spec.dims, name


def test_a_refused_entry_is_told_by_course_yaml_lines_not_a_deleted_temporary_file(tmp_path, capsys):
    course_file = copy_course(tmp_path)
    assert main(["--course", str(course_file), "new-function", "attend", "--assignment", "rnn",
                 "--arg", "q=N,Tq,D"]) == 2
    err = capsys.readouterr().err
    assert ".course." not in err and str(tmp_path) not in err
    assert "the new entry, line 4: functions.attend.inputs.q.shape: size 'Tq' is not defined" in err
    assert "  4        q: {shape: [N, Tq, D]}" in err  # the entry, numbered as the message counts
    assert "--dim NAME=LOW,HIGH" in err


# ------------------------------------------------------------------ a new assignment


def test_new_assignment_writes_its_entry_and_a_skeleton_notebook(tmp_path, capsys):
    course_file = copy_course(tmp_path)
    before = course_file.read_text()
    assert main(["--course", str(course_file), "new-assignment", "attention", "--title", "Scaled dot-product attention",
                 "--title-ko", "스케일드 점곱 어텐션", "--minutes", "75"]) == 0
    assert capsys.readouterr().out.startswith("wrote course.yaml\nwrote solutions/attention/attention.ipynb\n")
    entry = '  - {id: attention, notebook: attention.ipynb, title: "Scaled dot-product attention", ' \
            'title_ko: "스케일드 점곱 어텐션"}\n'
    after = course_file.read_text()
    assert entry in after and after.replace(entry, "", 1) == before  # one line, after the last assignment
    course = load_course(course_file)
    assert list(course.assignments)[-1] == "attention" and course.functions_of("attention") == []

    nb = nbformat.read(str(tmp_path / "solutions/attention/attention.ipynb"), as_version=4)
    nbformat.validate(nb)
    assert [c.get("id") for c in nb.cells] == ["intro", "setup", "notebook-imports", "summary"]
    # laid out as the course's own notebooks: the same header, setup and import cells
    model = nbformat.read(str(ROOT / "solutions/gradients/gradients.ipynb"), as_version=4)
    by_id = {c.get("id"): c for c in model.cells}
    for cell in nb.cells[1:3]:
        assert cell.metadata == by_id[cell.id].metadata
    assert nb.cells[1].source == by_id["setup"].source.split("\nimport numpy as np")[0] + "\nimport numpy as np"
    assert "from rnnlab_check import check" in nb.cells[2].source
    intro = nb.cells[0].source
    # numbered after the course's assignments (the new one is the last)
    assert intro.startswith(f"# 실습 {len(course.assignments)}. 스케일드 점곱 어텐션 (Scaled dot-product attention)")
    assert "**예상 소요 시간 (expected time): 약 1시간 15분 / about 1 h 15 min**" in intro
    assert nb.cells[-1].source.startswith("## 정리 (Summary)")
    assert nb.metadata["kernelspec"] == model.metadata["kernelspec"]
    assert check_conventions(course, ["attention"]).problems == []


@pytest.mark.parametrize("argv, message", [
    (["rnn"], "assignment 'rnn' is already in course.yaml"),
    (["Attention"], "'Attention' is not an assignment id"),
    (["attention", "--notebook", "attention.py"], "a file name ending in .ipynb"),
    (["attention", "--minutes", "400"], "30 to 180 minutes"),
])
def test_bad_new_assignments_change_nothing(tmp_path, capsys, argv, message):
    course_file = copy_course(tmp_path)
    before = _files(tmp_path)
    assert main(["--course", str(course_file), "new-assignment", *argv]) == 2
    assert message in capsys.readouterr().err
    assert _files(tmp_path) == before


def test_new_assignment_refuses_an_existing_folder(tmp_path, capsys):
    course_file = copy_course(tmp_path)
    (tmp_path / "solutions/attention").mkdir()
    before = _files(tmp_path)
    assert main(["--course", str(course_file), "new-assignment", "attention"]) == 2
    assert "solutions/attention exists already" in capsys.readouterr().err
    assert _files(tmp_path) == before


ATTENTION_FORWARD = """    D = q.shape[-1]
    scores = q @ k.transpose(0, 2, 1) / np.sqrt(D)
    scores = scores - scores.max(axis=-1, keepdims=True)
    weights = np.exp(scores)
    weights /= weights.sum(axis=-1, keepdims=True)
    out = weights @ v
    cache = (q, k, v, weights)
    return out, cache"""
ATTENTION_BACKWARD = """    q, k, v, weights = cache
    dv = weights.transpose(0, 2, 1) @ dout
    dweights = dout @ v.transpose(0, 2, 1)
    dscores = weights * (dweights - (dweights * weights).sum(axis=-1, keepdims=True)) / np.sqrt(q.shape[-1])
    dq = dscores @ k
    dk = dscores.transpose(0, 2, 1) @ q
    return dq, dk, dv"""


def make_attention(course_file: Path) -> None:
    """The docs' walk-through (docs/NOTEBOOKS.md, 'Adding an assignment'), commands only."""
    course = ["--course", str(course_file)]
    assert main([*course, "new-assignment", "attention", "--title", "Scaled dot-product attention",
                 "--title-ko", "스케일드 점곱 어텐션"]) == 0
    assert main([*course, "new-function", "attention_forward", "--assignment", "attention",
                 "--dim", "Tq=2,5", "--dim", "Tk=2,5", "--arg", "q=N,Tq,D", "--arg", "k=N,Tk,D", "--arg", "v=N,Tk,H",
                 "--returns", "out=N,Tq,H", "--returns", "cache",
                 "--summary", "Scaled dot-product attention of queries over keys and values."]) == 0
    assert main([*course, "new-function", "attention_backward", "--assignment", "attention",
                 "--through", "attention_forward", "--returns", "dq=N,Tq,D", "--returns", "dk=N,Tk,D",
                 "--returns", "dv=N,Tk,H", "--points", "dq=2", "--points", "dk=2", "--points", "dv=1"]) == 0


def write_attention(root: Path) -> None:
    """What the instructor writes into the stubs: the reference and the solution, the same code."""
    added = root / "reference/added.py"
    text = added.read_text()
    for name, body in (("attention_forward", ATTENTION_FORWARD), ("attention_backward", ATTENTION_BACKWARD)):
        stub = f'    raise NotImplementedError("reference {name}: write it here, then run `autograder validate`")'
        assert stub in text
        text = text.replace(stub, body)
    added.write_text(text)
    path = root / "solutions/attention/attention.ipynb"
    nb = nbformat.read(str(path), as_version=4)
    for cell in nb.cells:
        cell.source = cell.source.replace(
            '    raise NotImplementedError("solution of attention_forward: compute out, cache here")', ATTENTION_FORWARD)
        cell.source = cell.source.replace(
            '    raise NotImplementedError("solution of attention_backward: compute dq, dk, dv here")', ATTENTION_BACKWARD)
    nbformat.write(nb, str(path))


def student_notebook(root: Path, solved: bool) -> nbformat.NotebookNode:
    """The released exercise, as a student hands it in: solved (the solution's lines) or untouched."""
    nb = nbformat.read(str(root / "exercises/attention/attention.ipynb"), as_version=4)
    if solved:
        for cell in nb.cells:
            if cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") == "attention_forward":
                cell.source = cell.source.replace("    # YOUR CODE HERE\n    raise NotImplementedError()",
                                                  ATTENTION_FORWARD)
            if cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") == "attention_backward":
                cell.source = cell.source.replace("    # YOUR CODE HERE\n    raise NotImplementedError()",
                                                  ATTENTION_BACKWARD)
    return nb


@pytest.mark.slow
@pytest.mark.sandbox
def test_an_assignment_made_only_with_the_commands_validates_releases_and_grades(tmp_path, capsys):
    root = tmp_path / "course"
    root.mkdir()
    course_file = grown_course(root)
    make_attention(course_file)
    write_attention(root)
    assert main(["--course", str(course_file), "release", "attention"]) == 0
    released = root / "exercises/attention"
    assert {p.name for p in released.iterdir()} >= {"attention.ipynb", "rnnlab_check.py", "public_cases.npz"}
    capsys.readouterr()
    assert main(["--course", str(course_file), "validate", "--assignment", "attention"]) == 0, capsys.readouterr().out
    out = capsys.readouterr().out
    assert "attention 6/6" in out and "the course is valid" in out and "FAIL" not in out

    # the gradient check new-function wrote for the backward passes on the solution
    nb = nbformat.read(str(root / "solutions/attention/attention.ipynb"), as_version=4)
    namespace: dict = {}
    for cell in nb.cells:
        nbgrader = cell.get("metadata", {}).get("nbgrader", {})
        if cell.cell_type == "code" and (nbgrader.get("solution") or cell.get("id") in ("setup", "gradcheck-helpers")):
            exec(cell.source, namespace)  # the instructor's own notebook
    check = next(c for c in nb.cells if c.get("id") == "gradcheck-attention-backward")
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        exec(check.source, namespace)
    errors = {name: float(e) for name, e in re.findall(r"(d\w+)\s+relative error: (\S+)", printed.getvalue())}
    assert set(errors) == {"dq", "dk", "dv"} and max(errors.values()) < 1e-7, printed.getvalue()

    submitted = tmp_path / "submitted"
    for student, solved in (("s1", True), ("s2", False)):
        (submitted / student / "attention").mkdir(parents=True)
        nbformat.write(student_notebook(root, solved), str(submitted / student / "attention/attention.ipynb"))
    assert main(["--course", str(course_file), "grade", str(submitted), "--out", str(tmp_path / "results"),
                 "--assignment", "attention", "--quiet"]) == 0
    rows = {r["student_id"]: r for r in csv.DictReader(open(tmp_path / "results/grades.csv"))}
    assert (float(rows["s1"]["score"]), float(rows["s1"]["max_score"])) == (6, 6)
    assert float(rows["s2"]["score"]) == 0


# ------------------------------------------------------------------ validate's slips


def _with_cell_source(root: Path, grade_id: str, change) -> None:
    path = root / "solutions/gradients/gradients.ipynb"
    nb = nbformat.read(str(path), as_version=4)
    cell = next(c for c in nb.cells if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") == grade_id)
    cell.source = change(cell.source)
    nbformat.write(nb, str(path))


def test_validate_refuses_solution_markers_outside_a_function(tmp_path):
    course_file = copy_course(tmp_path)
    _with_cell_source(tmp_path, "clip_grad_value", lambda source: source + "\n\n### BEGIN SOLUTION\nLIMIT = 5.0\n"
                                                                          "### END SOLUTION")
    problems = [str(p) for p in check_conventions(load_course(course_file), ["gradients"]).problems]
    assert len(problems) == 1, problems
    nb = nbformat.read(str(tmp_path / "solutions/gradients/gradients.ipynb"), as_version=4)
    cell = next(c for c in nb.cells if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") == "clip_grad_value")
    line = cell.source.splitlines().index("### BEGIN SOLUTION") + 1
    assert f"clip_grad_value: line {line}: ### BEGIN SOLUTION is outside a function" in problems[0]
    assert "put the markers inside the function's body" in problems[0]


def test_solution_markers_inside_functions_are_fine(tmp_path):
    """Every shipped notebook keeps its markers inside functions: the rule above costs no false alarm."""
    course = load_course(ROOT / "course.yaml")
    problems = [str(p) for p in check_conventions(course, list(course.assignments)).problems]
    assert not [p for p in problems if "BEGIN SOLUTION" in p]


def test_validate_refuses_a_catalogued_mistake_without_wording(tmp_path):
    import reference.mutants

    course = load_course(copy_course(tmp_path))
    catalogue = list(reference.mutants.applicable(course.gru_form))
    unworded = dataclasses.replace(catalogue[0], id="bptt-brand-new-mistake")
    problems = [str(p) for p in check_conventions(course, ["rnn"], catalogue=[*catalogue, unworded]).problems]
    assert problems == ["reference/mistakes.yaml: mistake 'bptt-brand-new-mistake' has no feedback wording in "
                        "Korean and English; fix: write its wording (what, where, why, fix, fix_words) in Korean and "
                        "English under 'bptt-brand-new-mistake:' in reference/mistakes.yaml (`autograder new-mistake` "
                        "writes one to fill in; docs/NOTEBOOKS.md)"]
    assert check_conventions(course, ["rnn"], catalogue=catalogue).problems == []


def test_validate_refuses_a_mistake_worded_in_english_only(tmp_path):
    """Korean that is the English text is no Korean wording (reference/mistakes.yaml, the data file)."""
    course_file = copy_course(tmp_path)
    wording = tmp_path / "reference/mistakes.yaml"
    text = wording.read_text()
    start = text.index("  bptt-overwrite-accumulator:\n")
    end = text.index("\n  bptt-missing-carried-gradient:\n")
    block = re.sub(r'      ko: .*\n(      en: (.*)\n)', lambda m: f"      ko: {m.group(2)}\n{m.group(1)}", text[start:end])
    wording.write_text(text[:start] + block + text[end:])
    problems = [str(p) for p in check_conventions(load_course(course_file), ["rnn"]).problems]
    assert problems == ["reference/mistakes.yaml:23: mistake 'bptt-overwrite-accumulator' has no feedback wording in "
                        "Korean (its ko texts are the English ones); fix: write what, where, why and fix in Korean"]


def test_new_assignment_follows_the_lists_own_indentation(tmp_path, capsys):
    course_file = copy_course(tmp_path)
    course_file.write_text(course_file.read_text().replace("\n  - {id: ", "\n- {id: "))
    assert main(["--course", str(course_file), "new-assignment", "attention"]) == 0
    assert '\n- {id: attention, notebook: attention.ipynb, title: "Attention", title_ko: "Attention"}\n' \
        in course_file.read_text()
    assert list(load_course(course_file).assignments)[-1] == "attention"
