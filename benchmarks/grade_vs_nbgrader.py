"""`autograder grade` against the real `nbgrader autograde`, side by side, on one class, in one run.

    python benchmarks/grade_vs_nbgrader.py [--students 20] [--repeats 3] [--assignment ID ...]
                                           [--json FILE] [--keep DIR]

Builds a class of K students (examples/make_class.py --benign-only: correct, buggy and stubbed
notebooks) in a temporary nbgrader course (a copy of course.yaml, nbgrader_config.py and
solutions/), runs `nbgrader generate_assignment` for each assignment (set-up, not timed), then:

1. nbgrader autograde, **natural**: RNNLAB_AUTOGRADE=0, so the grade cells only run the public
   self-check in the kernel, as plain nbgrader with these notebooks would (and give full points:
   docs/ECOSYSTEM.md).  One `nbgrader autograde <asg> --force` per assignment.
2. nbgrader autograde, **grade cells → grader** (docs/ECOSYSTEM.md "nbgrader autograde"): each
   notebook is graded by `autograder grade-notebook` from its first grade cell (cold cache).
3. `autograder grade --jobs 1`, then `--jobs 2`, each --repeats times (--force).

It checks that nbgrader's gradebook after (2) agrees with `autograder grade`, grade cell by
grade cell, and prints per tool the median seconds per student and the whole-class time.

Seconds per student come from when each student's output files were written (autograded
notebooks for nbgrader, result files for autograder): the time between one student's last file
and the previous student's, summed over the assignments for nbgrader (one run per assignment).
The first student of every run carries the tool's start-up and is left out of the per-student
median; the start-up is in the whole-class time.  Same machine, same environment (one BLAS
thread), same secret for every run.  The last line is the headline: natural nbgrader seconds
per student / autograder seconds per student at --jobs 1.
"""
from __future__ import annotations

import argparse
import json
import re
import shutil
import statistics
import sys
import tempfile
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _machine import ROOT, bench_env, describe, timed

sys.path.insert(0, str(ROOT))
from autograder.grading.course import load_course

PY = sys.executable
SECRET = "benchmark-grade-vs-nbgrader"


def setup(work: Path, students: int, assignments: list[str], env: dict) -> float:
    for name in ("course.yaml", "nbgrader_config.py"):
        shutil.copy(ROOT / name, work / name)
    shutil.copytree(ROOT / "solutions", work / "solutions")
    timed([PY, str(ROOT / "examples" / "make_class.py"), "--out", str(work / "submitted"),
           "--students", str(students), "--benign-only"], work, env)
    seconds = 0.0
    for aid in assignments:
        seconds += timed([PY, "-m", "nbgrader", "generate_assignment", aid, "--force", "--log-level=WARN"], work, env)[0]
    return seconds


def gaps(completions: dict[str, float]) -> dict[str, float | None]:
    """Seconds each student took: from the previous student's completion (None for the first)."""
    order = sorted(completions, key=completions.get)
    out: dict[str, float | None] = {order[0]: None}
    for before, student in zip(order, order[1:]):
        out[student] = completions[student] - completions[before]
    return out


NBGRADER_FAILURE = re.compile(r"error processing assignment '([^']+)' for student '([^']+)'")


def run_nbgrader(work: Path, course, assignments: list[str], env: dict) -> dict:
    """One `nbgrader autograde <asg>` per assignment.  nbgrader gives up on a notebook it cannot
    read (exit status 1, the other students are still graded): those are recorded, not fatal."""
    wall, per_student = 0.0, defaultdict(float)
    counted: dict[str, int] = defaultdict(int)
    failed: set[tuple[str, str]] = set()
    for aid in assignments:
        seconds, proc = timed([PY, "-m", "nbgrader", "autograde", aid, "--force", "--log-level=WARN"], work, env,
                              check=False)
        wall += seconds
        failed |= {(student, asg) for asg, student in NBGRADER_FAILURE.findall(proc.stdout + proc.stderr)}
        if proc.returncode != 0 and not failed:
            raise SystemExit(f"nbgrader autograde {aid} failed:\n{proc.stderr[-3000:]}")
        notebook = course.assignments[aid].notebook
        done = {p.parent.parent.name: p.stat().st_mtime for p in (work / "autograded").glob(f"*/{aid}/{notebook}")
                if (p.parent.parent.name, aid) not in failed}
        for student, gap in gaps(done).items():
            if gap is not None:
                per_student[student] += gap
                counted[student] += 1
    # a student counts if every one of their notebooks was autograded and none was a run's first
    samples = [v for s, v in per_student.items() if counted[s] == len(assignments)]
    return {"wall": wall, "per_student": statistics.median(samples), "samples": len(samples), "failed": sorted(failed)}


def run_autograder(work: Path, jobs: int, assignments: list[str], env: dict) -> dict:
    out = work / f"results-jobs{jobs}"
    only = [arg for aid in assignments for arg in ("--assignment", aid)]
    seconds, _ = timed([PY, "-m", "autograder", "--course", str(work / "course.yaml"), "grade",
                        str(work / "submitted"), "--out", str(out), "--jobs", str(jobs), "--force", "--quiet", *only],
                       work, env)
    done = {d.name: max(p.stat().st_mtime for p in d.glob("*.json")) for d in out.iterdir() if d.is_dir()}
    samples = [g for g in gaps(done).values() if g is not None]
    return {"wall": seconds, "per_student": statistics.median(samples), "samples": len(samples), "out": out}


def gradebook_scores(work: Path) -> dict[tuple[str, str, str], float]:
    from nbgrader.api import Gradebook

    scores = {}
    with Gradebook(f"sqlite:///{work / 'gradebook.db'}") as gb:
        for assignment in gb.assignments:
            for submission in assignment.submissions:
                for notebook in submission.notebooks:
                    for grade in notebook.grades:
                        scores[submission.student.id, assignment.name, grade.name] = grade.auto_score
    return scores


def autograder_scores(out: Path) -> dict[tuple[str, str, str], float]:
    scores: dict[tuple[str, str, str], float] = defaultdict(float)
    for path in out.glob("*/*.json"):
        result = json.loads(path.read_text())
        for item in result["items"]:
            scores[result["student"], result["assignment"], f"check_{item['function']}"] += item["score"]
    return scores


def disagreements(nbgrader: dict, autograder: dict) -> list[str]:
    keys = set(nbgrader) | set(autograder)
    return sorted(f"{k}: nbgrader {nbgrader.get(k)}, autograder {autograder.get(k)}" for k in keys
                  if nbgrader.get(k) is None or autograder.get(k) is None or abs(nbgrader[k] - autograder[k]) > 1e-9)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=3, help="runs of each autograder configuration (median)")
    parser.add_argument("--assignment", action="append", default=None, help="only these assignments (default: all)")
    parser.add_argument("--json", type=Path, default=None, help="also write the figures here")
    parser.add_argument("--keep", type=Path, default=None, help="build the course here and keep it")
    args = parser.parse_args(argv)
    course = load_course(ROOT / "course.yaml")
    assignments = args.assignment or list(course.assignments)
    env = bench_env(RNNLAB_SECRET=SECRET)
    env.pop("NBGRADER_EXECUTION", None)
    env.pop("RNNLAB_AUTOGRADE", None)

    tmp = None
    if args.keep:
        work = args.keep.resolve()
        if work.exists():
            shutil.rmtree(work)
        work.mkdir(parents=True)
    else:
        tmp = tempfile.TemporaryDirectory(prefix="rnnlab-bench-")
        work = Path(tmp.name)
    print(f"machine: {describe()}")
    print(f"class: {args.students} students (benign profiles: correct, buggy, stubs) x {len(assignments)} "
          f"assignment(s) [{', '.join(assignments)}] in {work}")
    setup_seconds = setup(work, args.students, assignments, env)
    print(f"set-up (not timed below): nbgrader generate_assignment for {len(assignments)} assignment(s): "
          f"{setup_seconds:.1f} s")
    course = load_course(work / "course.yaml")

    natural = run_nbgrader(work, course, assignments, dict(env, RNNLAB_AUTOGRADE="0"))
    natural_scores = gradebook_scores(work)
    print(f"nbgrader autograde, natural (self-check cells):  {natural['per_student']:.2f} s/student "
          f"(median of {natural['samples']}), whole class {natural['wall']:.1f} s   [load {describe().split('loadavg')[1]}]")
    shutil.rmtree(work / ".rnnlab-cache", ignore_errors=True)
    graded = run_nbgrader(work, course, assignments, env)
    graded_scores = gradebook_scores(work)
    print(f"nbgrader autograde, grade cells -> grader:       {graded['per_student']:.2f} s/student "
          f"(median of {graded['samples']}), whole class {graded['wall']:.1f} s   [load {describe().split('loadavg')[1]}]")

    runs: dict[int, list[dict]] = {1: [], 2: []}
    for _ in range(args.repeats):
        for jobs in (1, 2):
            runs[jobs].append(run_autograder(work, jobs, assignments, env))
    ours = autograder_scores(runs[1][0]["out"])
    for jobs in (1, 2):
        walls = [r["wall"] for r in runs[jobs]]
        per = [r["per_student"] for r in runs[jobs]]
        spread = f"{statistics.median(per):.3f} s/student (median over students, median of {len(per)} runs: " \
                 f"{', '.join(f'{p:.3f}' for p in per)}), " if jobs == 1 else ""
        print(f"autograder grade --jobs {jobs}: {spread}whole class {statistics.median(walls):.2f} s "
              f"(runs: {', '.join(f'{w:.2f}' for w in walls)}; whole class / students = "
              f"{statistics.median(walls) / args.students:.3f} s)")

    unreadable = set(natural["failed"]) | set(graded["failed"])
    if unreadable:
        print(f"nbgrader could not autograde {len(unreadable)} notebook(s) (it stops on a notebook it cannot read; "
              f"autograder grade scores them 0 with a message): "
              f"{', '.join(f'{s}/{a}' for s, a in sorted(unreadable))}; left out of the comparison below")
    ours = {k: v for k, v in ours.items() if (k[0], k[1]) not in unreadable}
    graded_scores = {k: v for k, v in graded_scores.items() if (k[0], k[1]) not in unreadable}
    natural_scores = {k: v for k, v in natural_scores.items() if (k[0], k[1]) not in unreadable}
    wrong = disagreements(graded_scores, ours)
    cells = len(ours)
    print(f"scores: nbgrader autograde (grade cells -> grader) vs autograder grade: "
          f"{cells - len(wrong)}/{cells} grade cells agree")
    for line in wrong[:20]:
        print(f"  DISAGREE {line}")
    natural_wrong = disagreements(natural_scores, ours)
    print(f"scores: natural nbgrader autograde vs autograder grade: {cells - len(natural_wrong)}/{cells} grade cells "
          "agree (natural grade cells show a CheckResult, which nbgrader scores as full points)")

    per_1 = statistics.median(r["per_student"] for r in runs[1])
    ratio = natural["per_student"] / per_1
    figures = {
        "machine": describe(), "students": args.students, "assignments": assignments,
        "setup_seconds": setup_seconds,
        "nbgrader_natural": {k: natural[k] for k in ("wall", "per_student", "samples", "failed")},
        "nbgrader_grade_cells": {k: graded[k] for k in ("wall", "per_student", "samples", "failed")},
        "autograder": {str(j): [{k: r[k] for k in ("wall", "per_student", "samples")} for r in runs[j]] for j in runs},
        "grade_cells": cells, "disagreements": wrong, "natural_disagreements": len(natural_wrong),
        "ratio_natural": ratio, "ratio_grade_cells": graded["per_student"] / per_1,
        "ratio_whole_class_natural": natural["wall"] / statistics.median(r["wall"] for r in runs[1]),
    }
    if args.json:
        args.json.write_text(json.dumps(figures, indent=1) + "\n")
    print(f"whole-class ratio (natural nbgrader / autograder --jobs 1): {figures['ratio_whole_class_natural']:.1f}x; "
          f"per-student ratio against nbgrader with grade cells -> grader: {figures['ratio_grade_cells']:.1f}x")
    print("headline: natural nbgrader autograde (grade cells run only the public self-check in the kernel) "
          "s/student / autograder grade --jobs 1 s/student")
    if tmp is not None:
        tmp.cleanup()
    if wrong:
        print(f"ERROR: {len(wrong)} grade cell(s) disagree", file=sys.stderr)
    print(f"speedup vs nbgrader autograde: {ratio:.1f}x")
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main())
