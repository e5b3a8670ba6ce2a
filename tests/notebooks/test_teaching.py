"""What the notebooks teach: derivations behind hints, gradient checks,
truncated BPTT and perplexity, the architecture preview, a run without clipping that explodes,
precise claims, one set of terms, and an expected time in every header.

Code cells are run in-process on the filled-in solutions (setup, provided and solution cells, then
the cell under test), so these tests need no kernel; the notebooks' full runs are in test_execution.
"""
from __future__ import annotations

import ast
import contextlib
import io
import re
import sys

import numpy as np
import pytest

from .nbtools import ROOT, is_grade, is_locked, is_setup, is_solution, meta, read, solution_notebooks

SOLUTIONS = {p.parent.name: p for p in solution_notebooks()}


def _graded_backwards() -> dict[str, set[str]]:
    """assignment -> its graded backwards (functions graded through a forward), from course.yaml."""
    from autograder.grading.course import load_course

    course = load_course(ROOT / "course.yaml")
    found = {aid: {spec.name for spec in course.functions_of(aid) if spec.through} for aid in course.assignments}
    return {aid: names for aid, names in found.items() if names}


BACKWARDS = _graded_backwards()
WITH_BACKWARD = sorted(BACKWARDS)  # every notebook with a backward to derive has a gradient check
DETAILS = re.compile(r"<details>|</details>")


def _nb(assignment):
    return read(SOLUTIONS[assignment])


def _cell(nb, cell_id):
    for cell in nb.cells:
        if cell.get("id") == cell_id:
            return cell
    raise AssertionError(f"no cell with id {cell_id!r}")


def _index(nb, predicate):
    return next(i for i, c in enumerate(nb.cells) if predicate(c))


def _solution_index(nb, name):
    return _index(nb, lambda c: is_solution(c) and meta(c).get("grade_id") == name)


def _markdown(nb):
    return [c for c in nb.cells if c.cell_type == "markdown"]


def _namespace(nb):
    """What a student's kernel holds once the setup, the provided cells and the solutions have run."""
    import matplotlib

    matplotlib.use("Agg")
    folder = str(ROOT / "solutions" / "rnn")  # rnnlab_check.py: the same bytes beside every notebook
    if folder not in sys.path:
        sys.path.insert(0, folder)
    ns: dict = {}
    for cell in nb.cells:
        if cell.cell_type != "code" or is_grade(cell):
            continue
        if is_setup(cell) or is_solution(cell) or is_locked(cell):
            exec(compile(cell.source, cell.get("id", "cell"), "exec"), ns)
    return ns


def _run(ns, cell) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out), np.errstate(all="ignore"):
        exec(compile(cell.source, cell.get("id", "cell"), "exec"), ns)
    return out.getvalue()


def _outside_details(text: str) -> str:
    """The text with every <details> ... </details> block (nested ones included) removed."""
    depth, kept, pos = 0, [], 0
    for match in DETAILS.finditer(text):
        if depth == 0:
            kept.append(text[pos:match.start()])
        depth += 1 if match.group() == "<details>" else -1
        assert depth >= 0, "a </details> without its <details>"
        pos = match.end()
    assert depth == 0, "an unclosed <details>"
    kept.append(text[pos:])
    return "".join(kept)


def _without_code(text: str) -> str:
    text = re.sub(r"```.*?```", " ", text, flags=re.S)
    return re.sub(r"`[^`\n]*`", " ", text)


# ------------------------------------------------------------------ planning aids

EXPECTED = re.compile(r"about (\d+) h(?: (\d+) min)?|about (\d+) min")


@pytest.mark.parametrize("assignment", sorted(SOLUTIONS))
def test_header_says_the_expected_time(assignment):
    intro = _nb(assignment).cells[0].source
    assert "예상 소요 시간" in intro and "expected time" in intro, "the header says how long the notebook takes"
    match = EXPECTED.search(intro[intro.index("expected time"):])
    assert match, "the expected time reads 'about X h Y min' or 'about Y min'"
    hours, minutes, only_minutes = match.groups()
    total = int(only_minutes) if only_minutes else 60 * int(hours) + int(minutes or 0)
    assert 30 <= total <= 180, f"{assignment}: {total} min; a notebook over 3 hours must be split or slimmed"


# ------------------------------------------------------- the student derives the backward

FORMULA = [
    re.compile(r"\bda_\{?[ifogrzn]\b"),                      # gate / candidate pre-activation gradients
    re.compile(r"(?<![\w\\])(dc|dn|dz|dr|dx|db|dW_[xh]|db_[xh]|dh_n|dh_\{t-1\})\s*&?\s*(=|\\mathrel\{\+\}=)"),
    re.compile(r"dprev\\?_[ch]\}?\s*&?\s*="),
    re.compile(r"\\frac\{\\partial L\}\{\\partial [hc]_t\}\s*="),  # the BPTT recursion
    re.compile(r"d\(h_\{t-1\}\s*W_h|d\(xW_x"),
]


# rnn writes its gradients as fractions: no "dL/d(anything) =" outside a hint either
RNN_FORMULA = [re.compile(r"\\frac\{\\partial L\}\{\\partial [^=$]*\}\s*="), re.compile(r"(?<![\w\\])d(W|w|x|b)\w*\s*=")]


@pytest.mark.parametrize("assignment", ["rnn", "lstm", "gru"])
def test_no_backward_formula_outside_a_hint(assignment):
    patterns = FORMULA + (RNN_FORMULA if assignment == "rnn" else [])
    for cell in _markdown(_nb(assignment)):
        visible = _without_code(_outside_details(cell.source))
        for pattern in patterns:
            found = pattern.search(visible)
            assert not found, f"{cell.get('id')}: backward formula {found.group()!r} outside a <details> hint"


@pytest.mark.parametrize("assignment", ["lstm", "gru"])
def test_step_backward_is_derived_with_graded_hints(assignment):
    nb = _nb(assignment)
    forward_md = nb.cells[_solution_index(nb, f"{assignment}_step_forward") - 1]
    assert forward_md.cell_type == "markdown"
    graph = re.search(r"```(.*?)```", forward_md.source, flags=re.S)
    assert graph and "(*)" in graph.group(1) and "(+)" in graph.group(1) and "h_next" in graph.group(1), \
        "the forward's markdown shows its computational graph"

    backward_md = nb.cells[_solution_index(nb, f"{assignment}_step_backward") - 1]
    text = backward_md.source
    assert backward_md.cell_type == "markdown" and "derive it yourself" in text
    assert text.count("<details>") == text.count("</details>") == text.count("<summary>")
    hints = re.findall(r"<summary><b>힌트 (\d+)</b>", text)
    assert hints == [str(k) for k in range(1, len(hints) + 1)] and len(hints) >= 4, \
        "consecutive numbered hints, from the local derivatives to the full formulas"
    assert "국소 미분" in text.split("<summary><b>힌트 2</b>")[0], "hint 1 names the local derivatives needed"
    # every hint after the first keeps its formulas one level deeper, behind "식 보기"
    for hint in text.split("<summary><b>힌트 ")[2:]:
        assert "<details>\n<summary>식 보기" in hint, "the formula is a nested hint of its own"
    # and the formulas are there, for the student who opens everything
    assert any(p.search(text) for p in FORMULA)


def test_rnn_backwards_are_derived_with_step_by_step_hints():
    nb = _nb("rnn")
    step = nb.cells[_solution_index(nb, "rnn_step_backward") - 1].source
    assert "derive it yourself" in step and "(+)" in step, "the graph to walk backwards"
    hints = re.findall(r"<summary><b>힌트 (\d+)</b>", step)
    assert hints == [str(k) for k in range(1, len(hints) + 1)] and len(hints) >= 3
    assert "국소 미분" in step.split("<summary><b>힌트 2</b>")[0]
    for hint in step.split("<summary><b>힌트 ")[2:]:
        assert "<details>\n<summary>식 보기" in hint, "the formula is a nested hint of its own"
    assert "tanh의 국소 미분을 빠뜨리기" in step, "the classic mistake is named among the common mistakes"
    # every other backward of the notebook keeps its formulas behind a nested "식 보기"
    for name in ("rnn_backward", "word_embedding_backward", "temporal_affine_backward", "temporal_softmax_loss"):
        index = _solution_index(nb, name)
        text = next(c.source for c in reversed(nb.cells[:index]) if c.cell_type == "markdown")
        assert "<summary>식 보기" in text and text.count("<details>") == text.count("</details>"), name


# --------------------------------------------------------------------- gradient checks


def _gradcheck_cells(nb):
    return [c for c in nb.cells if c.cell_type == "code" and not is_solution(c) and not is_locked(c)
            and "numerical_gradient(" in c.source and "rel_error(" in c.source]


@pytest.mark.parametrize("assignment", WITH_BACKWARD)
def test_gradient_check_cells_pass_on_the_solution(assignment):
    nb = _nb(assignment)
    cells = _gradcheck_cells(nb)
    assert cells, f"{assignment}: no numerical_gradient + rel_error cell (CS231n-style gradient check)"
    ns = _namespace(nb)
    assert callable(ns.get("numerical_gradient")) and callable(ns.get("rel_error")), "provided in a locked cell"
    checked = set()
    for cell in cells:
        calls = {n.func.id for n in ast.walk(ast.parse(cell.source))
                 if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)}
        checked |= {name for name in calls if name.endswith("_backward")}
        text = _run(ns, cell)
        errors = [float(e) for e in re.findall(r"relative error: (\S+)", text)]
        assert errors, f"{cell.get('id')} printed no relative error:\n{text}"
        assert max(errors) < 1e-7, f"{cell.get('id')}:\n{text}"
    # the notebook's own backwards (named after it) are checked; helpers like word_embedding_backward may not be
    own = {name for name in BACKWARDS[assignment] if name.startswith(f"{assignment}_")}
    assert own <= checked, own - checked
    if assignment == "rnn":
        assert {"word_embedding_backward", "temporal_affine_backward"} <= checked, checked
        assert any("temporal_softmax_loss(" in c.source for c in cells), "the softmax loss's dx is checked too"


@pytest.mark.parametrize("assignment", WITH_BACKWARD)
def test_a_gradient_of_the_wrong_shape_is_reported_not_a_crash(assignment):
    nb = _nb(assignment)
    ns = _namespace(nb)
    for cell in _gradcheck_cells(nb):
        names = {n.func.id for n in ast.walk(ast.parse(cell.source))
                 if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id.endswith("_backward")}
        for name in names:
            right = ns[name]

            def wrong(*args, _right=right):  # every array gradient loses its last column
                out = _right(*args)
                cut = lambda g: g[..., :-1] if isinstance(g, np.ndarray) and g.ndim and g.shape[-1] > 1 else g
                return tuple(cut(g) for g in out) if isinstance(out, tuple) else cut(out)

            text = _run({**ns, name: wrong}, cell)
            assert "[shape]" in text and "relative error: nan" in text, (cell.get("id"), name, text)


# ------------------------------------------------------------------------- rnn notebook


def test_rnn_teaches_perplexity_and_truncated_bptt():
    nb = _nb("rnn")
    markdown = "\n".join(c.source for c in _markdown(nb))
    assert "퍼플렉서티(perplexity)" in markdown and "잘린 시간 역전파(Truncated BPTT" in markdown
    ns = _namespace(nb)
    assert "perplexity" in ns, "a solution cell defines perplexity"
    text = _run(ns, _cell(nb, "perplexity-uniform"))
    assert re.search(r"perplexity 7\.0000", text), text

    tbptt = _cell(nb, "tbptt")
    assert "rnn_backward(" in tbptt.source and "h_carry" in tbptt.source
    text = _run(ns, tbptt)
    assert 1 < ns["TBPTT_LEN"] < ns["L_text"] - 1, "the text is longer than one chunk"
    assert ns["updates"] >= ns["EPOCHS"] * ((ns["L_text"] - 1) // ns["TBPTT_LEN"]), "one update per chunk"
    assert ns["ppl_before"] > 0.8 * ns["V_c"], "an untrained model is about as unsure as a uniform one"
    assert ns["ppl_after"] < ns["ppl_before"] / 10, text


def test_rnn_previews_the_architectures_before_bptt():
    nb = _nb("rnn")
    start = _index(nb, lambda c: c.get("id") == "md-preview")
    assert _solution_index(nb, "rnn_forward") < start < _solution_index(nb, "rnn_backward"), \
        "the lecture shows the architectures after the cell and before BPTT"
    text = nb.cells[start].source
    terms = ["일대다 (one-to-many)", "다대일 (many-to-one)", "인코더–디코더 (many-to-many, encoder–decoder)",
             "다대다, 동기 (many-to-many, synchronous)", "다층 RNN (stacked", "양방향 RNN (bidirectional"]
    positions = [text.find(term) for term in terms]
    assert -1 not in positions, dict(zip(terms, positions))
    assert positions[:4] == sorted(positions[:4]) and max(positions[:4]) < min(positions[4:]), \
        "input/output correspondence first, then the extensions, as in the lecture"
    code = nb.cells[start + 1]
    assert code.cell_type == "code"
    called = {n.func.id for n in ast.walk(ast.parse(code.source)) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)}
    assert "rnn_forward" in called and not any(name.endswith("_backward") for name in called), "forward only"
    lines = _run(_namespace(nb), code).splitlines()
    assert [line.split(":")[0].strip() for line in lines] == [
        "one-to-many", "many-to-one", "encoder-decoder", "many-to-many (sync)", "stacked, 2 layers", "bidirectional"]
    assert "architectures" in text, "it points to the notebook that grades them"


# -------------------------------------------------------------------- training notebook


def _training_constants(nb):
    """The constants of the training cell, without running the training."""
    tree = ast.parse(_cell(nb, "code-18").source)
    assign = next(node for node in tree.body if isinstance(node, ast.Assign))
    ns: dict = {}
    exec(compile(ast.Module(body=[assign], type_ignores=[]), "code-18", "exec"), ns)
    return {k: v for k, v in ns.items() if k.isupper()}


def test_training_work_is_bounded():
    """The whole notebook runs in 20 s or less on 2 cores; wall time depends on the machine's load, so the
    test bounds the work instead (measured: benchmarks/README.md, "Notebook run times")."""
    nb = _nb("training")
    c = _training_constants(nb)
    main = 3 * c["T_ADD"] * c["STEPS"] * c["BATCH"]          # rnn, lstm, gru
    assert main <= 3 * 20 * 400 * 32, c
    assert c["HIDDEN"] <= 16
    ns = {**c}
    exec(compile(ast.Module(body=[ast.parse(_cell(nb, "explode").source).body[0]], type_ignores=[]), "explode", "exec"), ns)
    explode = ns["EXPLODE"]
    assert explode["cell"] == "rnn" and 2 * explode["T"] * explode["steps"] * explode["batch"] <= 2 * 20 * 200 * 32


def test_training_run_without_clipping_explodes_and_the_clipped_one_does_not():
    nb = _nb("training")
    ns = _namespace(nb)
    ns.update(_training_constants(nb))
    text = _run(ns, _cell(nb, "explode"))
    runs = ns["explode_runs"]
    clipped, free = runs["clipped"], runs["no clipping"]
    assert clipped["diverged_at"] is None and np.isfinite(clipped["train_loss"]).all(), text
    # stable, yet it learns nothing: the summary says so, with this number
    assert 1 / 6 < np.mean(clipped["train_loss"][-50:]) < 0.2, text
    assert free["diverged_at"] is not None, text
    free_norms = free["grad_norm"][np.isfinite(free["grad_norm"])]
    assert free_norms.max() > 100 * clipped["grad_norm"].max(), text
    # the clipped run does clip: this setting's gradients exceed the clip norm, unlike the Adam runs
    assert (clipped["grad_norm"] > ns["CLIP"]).mean() > 0.2, text
    assert "DIVERGED" in text and "no clipping" in text


def test_training_questions_ask_for_the_students_own_clipping_numbers():
    nb = _nb("training")
    questions = _cell(nb, "md-22").source
    assert "7절의 두 실행" in questions and "인용" in questions


# ---------------------------------------------------------------------- imprecise claims


def test_claims_are_precise():
    gradients = _cell(_nb("gradients"), "md-04").source
    assert "필요조건" in gradients and "충분조건은 아닙니다" in gradients
    assert "시점 사이의 길이" not in gradients and "시점(time step)" in gradients

    lstm = _cell(_nb("lstm"), "md-01").source
    assert r"\prod" not in lstm and r"J_t\, J_{t-1} \cdots J_{k+1}" in lstm and "교환 법칙" in lstm

    training = _cell(_nb("training"), "md-13").source
    assert "거의 움직이지 못" not in training and "0.40" in training

    rnn = _cell(_nb("rnn"), "md-19").source
    assert r"D = \{" not in rnn and "_{i=1}^{N}" not in rnn and r"\mathcal{D}" in rnn


def test_round_two_claims():
    everything = {a: "\n".join(c.source for c in _markdown(_nb(a))) for a in SOLUTIONS}
    assert not any("곱셈 없이" in text for text in everything.values()), "the forget gate multiplies: diag(f_t)"
    lstm = _cell(_nb("lstm"), "md-01").source
    assert "직접 경로" in lstm and "Gers" in lstm and "2000" in lstm
    assert "직접 경로의" in _cell(_nb("lstm"), "md-21").source
    assert "선형 영역(linear regime)" in _cell(_nb("gradients"), "md-04").source
    tbptt = _cell(_nb("rnn"), "md-tbptt").source
    assert "조각의 경계를 넘는 의존성" in tbptt and "K 시점보다 먼" not in tbptt
    gru = _nb("gru")
    assert "Cho et al. (2014)의 규약" in _cell(gru, "md-02").source
    assert not re.search(r"\\sum_\{?n\b", everything["gru"]), "n is the candidate, not a batch index"
    training = _cell(_nb("training"), "summary").source
    assert "아무것도 배우지 못합니다" in training and "0.18" in training and "안정적으로 학습됩니다" not in training
    box = _cell(_nb("gradients"), "md-lecture-corrections").source
    assert "강의 표현 바로잡기" in box and "1보다 큰 경우는 없습니다" in box and "출력 게이트" in box
    assert "출력 게이트는 **없습니다**" in _cell(gru, "md-01").source


@pytest.mark.parametrize("assignment", sorted(SOLUTIONS))
def test_students_are_told_only_what_they_have(assignment):
    for cell in _markdown(_nb(assignment)):
        assert "autograder check" not in cell.source, f"{cell.get('id')}: students have no autograder command"


# ------------------------------------------------------------------------------- terms

WRONG_TERMS = ["forget 게이트", "업데이트 게이트", "update 게이트", "reset 게이트", "시간 스텝", "타임 스텝", "타임스텝",
               "셀 스테이트", "pytorch", "Pytorch", "행렬 곱",
               "파라미터",                      # one term: 매개변수, the lecture's
               "TBPTT", "잘린 BPTT", "절단"]     # one name: 잘린 시간 역전파 (Truncated BPTT)


@pytest.mark.parametrize("assignment", sorted(SOLUTIONS))
def test_one_set_of_terms(assignment):
    for cell in _markdown(_nb(assignment)):
        prose = _without_code(cell.source)
        for term in WRONG_TERMS:
            assert term not in prose, f"{cell.get('id')}: {term!r}"
        bare_torch = re.search(r"(?<![Py\w.])torch(?![\w.])", prose)
        assert not bare_torch, f"{cell.get('id')}: write PyTorch, not torch: ...{prose[bare_torch.start() - 30:bare_torch.end() + 30]}..."


def test_gate_terms():
    lstm = "\n".join(c.source for c in _markdown(_nb("lstm")))
    for term in ["망각 게이트 (forget gate)", "입력 게이트 (input gate)", "출력 게이트 (output gate)", "셀 상태(cell state)"]:
        assert term in lstm, term
    gru = "\n".join(c.source for c in _markdown(_nb("gru")))
    for term in ["리셋 게이트 (reset gate)", "갱신 게이트 (update gate)"]:
        assert term in gru, term
    assert "시점(time step)" in "\n".join(c.source for c in _markdown(_nb("rnn")))

