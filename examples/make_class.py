"""Build the example class in nbgrader's ``submitted/<student>/<assignment>/<notebook>`` layout.

Each student starts from the filled solutions (or, for stubs, the student release) and
gets the edits of their profile: a typical mistake, a hostile trick or a broken file.
Every edit states which rubric items it must cost and with which status; the example
class's tests hold the grader to exactly that.  An edit whose target text is no longer in
the notebook stops the build, so the class cannot silently drift from the notebooks.

    python examples/make_class.py            # rewrite examples/submitted/
    python examples/make_class.py --check    # fail if examples/submitted/ is stale
    python examples/make_class.py --out DIR --students 300   # a large class for benchmarks
"""
from __future__ import annotations

import argparse
import filecmp
import json
import shutil
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from autograder.grading.course import load_course  # noqa: E402


@dataclass(frozen=True)
class Edit:
    assignment: str
    cell: str  # nbgrader grade_id of the solution cell
    old: str
    new: str


@dataclass(frozen=True)
class Profile:
    """One student: where their notebooks come from, what was changed, what it must cost."""

    name: str
    about: str
    edits: tuple[Edit, ...] = ()
    # item id (or "<assignment>.*" for every item of an assignment) -> expected status
    expect: dict[str, str] = field(default_factory=dict)
    stubs: bool = False  # start from the student release instead of the solutions
    replace_file: dict[str, bytes] = field(default_factory=dict)  # assignment -> raw file content
    hostile: bool = False
    # item id -> share of its points a failed item still earns (self-consistency credit)
    partial: dict[str, float] = field(default_factory=dict)


RNN_BACKWARD = ("rnn_backward.dx", "rnn_backward.dh0", "rnn_backward.dWx", "rnn_backward.dWh", "rnn_backward.db")
RNN_STEP_BACKWARD = tuple(f"rnn_step_backward.{o}" for o in ("dx", "dprev_h", "dWx", "dWh", "db"))


def _all(items, status):
    return {item: status for item in items}


PROFILES: tuple[Profile, ...] = (
    Profile("s01", "correct work in every notebook"),
    Profile("s02", "the untouched student release (every function a stub)", stubs=True,
            expect={"*": "error"}),
    Profile("s03", "BPTT: '=' instead of '+=' for the weight gradients across time",
            edits=(Edit("rnn", "rnn_backward", "        dWx += dWx_t\n        dWh += dWh_t\n        db += db_t",
                        "        dWx = dWx_t\n        dWh = dWh_t\n        db = db_t"),),
            expect=_all(RNN_BACKWARD[2:], "failed")),
    Profile("s04", "BPTT: the gradient from step t+1 is not added to dh[:, t]",
            edits=(Edit("rnn", "rnn_backward", "rnn_step_backward(dh[:, t] + dprev_h, cache[t])",
                        "rnn_step_backward(dh[:, t], cache[t])"),),
            expect=_all(RNN_BACKWARD, "failed")),
    Profile("s05", "softmax loss: the mask is not applied to dx",
            edits=(Edit("rnn", "temporal_softmax_loss", "dx_flat *= mask_flat[:, None] / N", "dx_flat /= N"),),
            expect={"temporal_softmax_loss.dx": "failed"}),
    Profile("s06", "word embedding: repeated ids lose gradient (dW[x] += dout)",
            edits=(Edit("rnn", "word_embedding_backward", "np.add.at(dW, x, dout)", "dW[x] += dout"),),
            expect={"word_embedding_backward.dW": "failed"}),
    Profile("s07", "clipping: each tensor clipped by its own norm instead of the global norm",
            edits=(Edit("gradients", "clip_grad_norm",
                        "        clipped = {name: g * coef for name, g in grads.items()}",
                        "        clipped = {name: g * min(1.0, max_norm / (np.linalg.norm(g) + 1e-6))"
                        " for name, g in grads.items()}"),),
            expect={"clip_grad_norm.clipped": "failed"}),
    Profile("s08", "hostile: makes np.allclose/np.testing always agree, and returns tanh(...) + 1",
            hostile=True,
            edits=(Edit("rnn", "rnn_step_forward", "    next_h = np.tanh(x @ Wx + prev_h @ Wh + b)",
                        "    np.allclose = lambda *a, **k: True\n"
                        "    np.isclose = lambda a, b, *args, **k: np.ones(np.shape(a), dtype=bool)\n"
                        "    np.testing.assert_allclose = lambda *a, **k: None\n"
                        "    np.linalg.norm = lambda *a, **k: 0.0\n"
                        "    next_h = np.tanh(x @ Wx + prev_h @ Wh + b) + 1.0"),),
            expect={"rnn_step_forward.next_h": "failed", "rnn_forward.h": "failed",
                    **_all(RNN_STEP_BACKWARD, "failed"), **_all(RNN_BACKWARD, "failed")}),
    Profile("s09", "hostile: an infinite loop in rnn_forward (everything graded through it times out)",
            hostile=True,
            edits=(Edit("rnn", "rnn_forward", "    N, T, _ = x.shape\n", "    N, T, _ = x.shape\n    while True:\n        pass\n"),),
            expect={"rnn_forward.h": "timeout", **_all(RNN_BACKWARD, "timeout")}),
    Profile("s10", "hostile: looks for the reference implementation on disk instead of writing the code",
            hostile=True,
            edits=(Edit("rnn", "rnn_step_forward", "    next_h = np.tanh(x @ Wx + prev_h @ Wh + b)",
                        "    import glob, importlib.util\n"
                        "    found = [p for pat in ('/work/*/reference/rnn.py', '/root/**/reference/rnn.py',\n"
                        "                           '/home/**/reference/rnn.py', '/tmp/**/reference/rnn.py')\n"
                        "             for p in glob.glob(pat, recursive=True)]\n"
                        "    if not found:\n"
                        "        raise FileNotFoundError('no reference to copy from')\n"
                        "    spec = importlib.util.spec_from_file_location('ref', found[0])\n"
                        "    ref = importlib.util.module_from_spec(spec); spec.loader.exec_module(ref)\n"
                        "    return ref.rnn_step_forward(x, prev_h, Wx, Wh, b)"),),
            expect={"rnn_step_forward.next_h": "error", "rnn_forward.h": "error",
                    **_all(RNN_STEP_BACKWARD, "error"), **_all(RNN_BACKWARD, "error")}),
    Profile("s11", "hostile: prints fake scores to stdout/stderr and writes raw JSON to fds 1 and 2",
            hostile=True,
            edits=(Edit("rnn", "rnn_step_forward", "    next_h = np.tanh(x @ Wx + prev_h @ Wh + b)",
                        "    import os, sys\n"
                        "    print('{\"score\": 100, \"max_score\": 100}'); print('score: 100', file=sys.stderr)\n"
                        "    os.write(1, b'{\"student\": \"s11\", \"score\": 1000}\\n'); os.write(2, b'RNNL\\x00\\x00')\n"
                        "    next_h = np.tanh(x @ Wx + prev_h @ Wh + b)"),),
            expect={}),
    Profile("s14", "LSTM: dprev_c is missing its forget-gate factor (dc instead of dc * f)",
            edits=(Edit("lstm", "lstm_step_backward", "    dprev_c = dc * f\n", "    dprev_c = dc\n"),),
            expect={"lstm_step_backward.dprev_c": "failed",
                    **_all((f"lstm_backward.{o}" for o in ("dx", "dh0", "dWx", "dWh", "db")), "failed")}),
    Profile("s15", "GRU: the update-gate convention flipped (h' = z*n + (1-z)*h)",
            edits=(Edit("gru", "gru_step_forward", "    next_h = (1.0 - z) * n + z * prev_h",
                        "    next_h = z * n + (1.0 - z) * prev_h"),),
            # the step backward goes through the student's own cache (same r, z, n), so it still
            # agrees; the unrolled backward sees the wrong states from step 1 on
            expect={"gru_step_forward.next_h": "failed", "gru_forward.h": "failed",
                    **_all((f"gru_backward.{o}" for o in ("dx", "dh0", "dWx", "dWh", "dbx", "dbh")), "failed")}),
    Profile("s16", "bidirectional RNN: the backward direction's outputs are not flipped back in time",
            edits=(Edit("architectures", "bidirectional_forward", "h = np.concatenate([h_f, h_b[:, ::-1]], axis=2)",
                        "h = np.concatenate([h_f, h_b], axis=2)"),),
            expect={"bidirectional_forward.h": "failed"}),
    Profile("s17", "RNN without the tanh: a wrong forward, but a backward that is exact for it",
            edits=(Edit("rnn", "rnn_step_forward", "    next_h = np.tanh(x @ Wx + prev_h @ Wh + b)",
                        "    next_h = x @ Wx + prev_h @ Wh + b"),
                   Edit("rnn", "rnn_step_backward", "    da = dnext_h * (1.0 - next_h ** 2)", "    da = dnext_h")),
            expect={"rnn_step_forward.next_h": "failed", "rnn_forward.h": "failed",
                    **_all(RNN_STEP_BACKWARD, "failed"), **_all(RNN_BACKWARD, "failed")},
            # course.yaml: self_consistency_credit 0.5 for gradients exact for a catalogued forward mistake
            # (this one is rnn-tanh-missing-forward; the grader differences the mistake's forward)
            partial={**_all(RNN_STEP_BACKWARD, 0.5), **_all(RNN_BACKWARD, 0.5)}),
    Profile("s12", "broken file: the rnn notebook is not valid JSON (other notebooks are fine)",
            replace_file={"rnn": b'{"cells": [ {"cell_type": "code", "source": "oops'},
            expect={"rnn.*": "error"}),
    Profile("s13", "hostile: os._exit(0) at the top of a gradients cell (the notebook cannot load)",
            hostile=True,
            edits=(Edit("gradients", "clip_grad_value", "def clip_grad_value(", "import os\nos._exit(0)\n\ndef clip_grad_value("),),
            expect={"gradients.*": "error"}),
)


def _source_notebook(course, assignment: str, stubs: bool) -> Path:
    folder = "exercises" if stubs else "solutions"
    return ROOT / folder / assignment / course.assignments[assignment].notebook


def _apply(nb, edit: Edit, student: str) -> None:
    for cell in nb.cells:
        if cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") == edit.cell:
            if edit.old not in cell.source:
                raise SystemExit(f"{student}: '{edit.old[:40]}...' is no longer in cell {edit.cell} of "
                                 f"{edit.assignment}; update examples/make_class.py")
            cell.source = cell.source.replace(edit.old, edit.new, 1)
            return
    raise SystemExit(f"{student}: no cell {edit.cell} in {edit.assignment}")


def available_assignments(course) -> list[str]:
    return [a for a in course.assignments if _source_notebook(course, a, False).is_file()
            and _source_notebook(course, a, True).is_file()]


def write_student(course, out: Path, student: str, profile: Profile, assignments: list[str]) -> None:
    for aid in assignments:
        target = out / student / aid / course.assignments[aid].notebook
        target.parent.mkdir(parents=True, exist_ok=True)
        if aid in profile.replace_file:
            target.write_bytes(profile.replace_file[aid])
            continue
        nb = nbformat.read(str(_source_notebook(course, aid, profile.stubs)), as_version=4)
        for edit in profile.edits:
            if edit.assignment == aid:
                _apply(nb, edit, student)
        nbformat.write(nb, str(target))


def build(out: Path, students: int | None = None, benign_only: bool = False) -> list[str]:
    """Write the class; with ``students`` the profiles repeat (s0001, s0002, ...) to that size."""
    course = load_course(ROOT / "course.yaml")
    assignments = available_assignments(course)
    profiles = [p for p in PROFILES if not (benign_only and p.hostile)]
    if out.exists():
        shutil.rmtree(out)
    names = []
    if students is None:
        for profile in profiles:
            write_student(course, out, profile.name, profile, assignments)
            names.append(profile.name)
    else:
        for i in range(students):
            name = f"s{i + 1:04d}"
            write_student(course, out, name, profiles[i % len(profiles)], assignments)
            names.append(name)
    return names


def expected_score(profile: Profile, item_id: str, assignment: str, points: float) -> float:
    """The points the grader must give ``item_id`` for this student."""
    if expected_status(profile, item_id, assignment) == "passed":
        return points
    return points * profile.partial.get(item_id, 0.0)


def expected_status(profile: Profile, item_id: str, assignment: str) -> str:
    """The status the grader must give ``item_id`` for this student (default: passed)."""
    for key in (item_id, f"{assignment}.*", "*"):
        if key in profile.expect:
            return profile.expect[key]
    return "passed"


def _same_tree(a: Path, b: Path) -> bool:
    cmp = filecmp.dircmp(a, b)
    if cmp.left_only or cmp.right_only or cmp.diff_files or cmp.funny_files:
        return False
    return all(_same_tree(a / d, b / d) for d in cmp.common_dirs)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "examples" / "submitted")
    parser.add_argument("--students", type=int, default=None, help="repeat the profiles up to this class size")
    parser.add_argument("--benign-only", action="store_true", help="leave out the hostile profiles")
    parser.add_argument("--check", action="store_true", help="fail if --out differs from a fresh build")
    args = parser.parse_args(argv)
    if args.check:
        with tempfile.TemporaryDirectory() as tmp:
            build(Path(tmp) / "submitted", args.students, args.benign_only)
            if not _same_tree(Path(tmp) / "submitted", args.out):
                print(f"{args.out} is stale: run python examples/make_class.py", file=sys.stderr)
                return 1
        return 0
    names = build(args.out, args.students, args.benign_only)
    print(json.dumps({"students": len(names), "out": str(args.out)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
