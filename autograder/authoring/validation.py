"""`autograder validate`: prove the course before students see it (CI runs it on every push).

Owns the whole proof and its order; of the three modules that check a course, this is the
one that grades.  conventions.py checks how the course is *written* (read, never graded),
audit.py checks what was *released* (exercises/ against a fresh release), and this module
runs both around the one check only grading can make: does the rubric *score* as intended.
It checks, and exits 1 naming every failure:

1. course.yaml is valid (the command loads it before anything else), and the course's
   conventions hold (conventions.py: notebooks, grade cells, check() names, signatures,
   reference implementations, catalogued mistakes), each problem named with its file,
   cell, function and fix; an assignment whose reference is missing or broken is not graded;
2. each assignment's filled solutions notebook scores full marks, graded for real;
3. its student release (every function a stub) scores zero;
4. every catalogued mistake (reference/mutants.py) loses points on each item it targets;
5. exercises/ and the public fixtures are what `autograder release` makes of solutions/ (audit.py);
6. no solution line leaks into exercises/ (audit.py).

The hidden cases come from a fresh random secret each run, so a rubric that only works
for one lucky secret is caught over time.
"""
from __future__ import annotations

import secrets
import time

from autograder.authoring import audit
from autograder.authoring import conventions
from autograder.authoring import catalogue
from autograder.grading.course import Course
from autograder.grading.pipeline import GradingPlan, grade_submission, read_submission
from autograder.grading.runners import SandboxRunner, make_sandbox_factory
from autograder.grading.terminal import render_terminal, said
from autograder.sandbox import prewarm
from autograder.student.messages import Nested

SOLUTIONS, STUBS = "solutions", "stubs"


def _grade_reference_students(course: Course, plan: GradingPlan, assignments: list[str],
                              isolate: bool) -> dict[str, list[dict]]:
    """Grade the solutions and the stubs as two students, each in its own sandbox; return their results."""
    factory_for = make_sandbox_factory(course, isolate)
    results: dict[str, list[dict]] = {}
    for slot, (student, folder) in enumerate(((SOLUTIONS, "solutions"), (STUBS, "exercises"))):
        # the solutions' sandbox starts the stubs' while it grades (prewarm.py)
        runner = SandboxRunner(factory_for(slot), prewarm_next=prewarm.enabled() and student == SOLUTIONS,
                               use_spare=prewarm.enabled())
        deadline = time.monotonic() + course.limits.submission_seconds
        try:
            results[student] = [
                grade_submission(plan, read_submission(plan.rubric, aid,
                                                       course.root / folder / aid / course.assignments[aid].notebook),
                                 runner, student, deadline).result
                for aid in assignments]
        finally:
            runner.close()
    prewarm.SPARES.wait_closed()
    return results


def _score_problems(results: dict[str, list[dict]]) -> dict[str, list[Nested]]:
    """The solutions' items that do not pass, and the stubs' items that earn points."""
    return {
        SOLUTIONS: [Nested("course.solution-not-passed", assignment=result["assignment"], item=item["id"],
                           status=item["status"], detail=item["message"])
                    for result in results[SOLUTIONS] for item in result["items"] if item["status"] != "passed"],
        STUBS: [Nested("course.stub-earns", assignment=result["assignment"], score=f"{item['score']:g}",
                       item=item["id"])
                for result in results[STUBS] for item in result["items"] if item["score"] != 0],
    }


def validate(course: Course, assignments: list[str], isolate: bool, say=print, language: str = "en") -> list[str]:
    """Every problem found (empty when the course is sound), reported as it goes in ``language``."""
    problems: list[str] = []

    def step(title: Nested, found: list) -> None:
        lines = [said(p, language) for p in found]
        problems.extend(lines)
        say(render_terminal("cli.validate-failed" if found else "cli.validate-passed", language, title=title)
            + "".join(f"\n     - {line}" for line in lines))

    findings = conventions.check_conventions(course, assignments)
    step(Nested("cli.validate-conventions"), findings.problems)
    if findings.blocked:
        say(render_terminal("cli.validate-skip", language, assignments=", ".join(sorted(findings.blocked))))
    assignments = [a for a in assignments if a not in findings.blocked]
    if not assignments:
        return problems
    plan = GradingPlan(course, secrets.token_bytes(32), assignments)
    results = _grade_reference_students(course, plan, assignments, isolate)
    scores = _score_problems(results)
    step(Nested("cli.validate-solutions", scores=", ".join(
        f"{r['assignment']} {r['score']:g}/{r['max_score']:g}" for r in results[SOLUTIONS])), scores[SOLUTIONS])
    step(Nested("cli.validate-stubs"), scores[STUBS])
    coverage = catalogue.rubric_coverage(course, plan)
    step(Nested("cli.validate-mistakes"), [Nested("course.mistake-escapes", mistake=m, item=i)
                                           for m, i in coverage.escapes])
    step(Nested("cli.validate-release"), [p for aid in assignments for p in audit.stale_release(course, aid)])
    step(Nested("cli.validate-leaks"), [p for aid in assignments for p in audit.leaks(course, aid)])
    return problems
