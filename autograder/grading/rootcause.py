"""Root causes: a function that fails because a function it calls, or is graded through, fails.

Works on one student's items of one assignment, in the style of an nbgrader preprocessor:
``RootCauses(course).apply(items) -> items`` (the pipeline runs it as ``steps.RootCauseStep``).
When an item of a function F did not pass and a function F depends on also has an item that
did not pass, the item gets ``root_cause`` (the item id to fix first) and a note in its message, e.g.
"rnn_backward fails because rnn_step_backward.dWh is wrong: fix that first".

F depends on the forward it is graded through (course.yaml ``through``: its own forward
and cache) and on the graded functions it calls (course.yaml ``calls``); course.yaml is
the one source of both.  The deepest failing dependency is named (rnn_backward →
rnn_step_backward → rnn_step_forward), and within it the output that explains F's:

- the forward F is graded through made F's cache: any of its failing outputs explains every
  output of F (its namesake first);
- a function F calls explains F's output of the same name (``dWx`` → ``dWx``), and its outputs
  F does not return, the state carried from step to step (``dprev_h``, ``dprev_c``, ``next_h``,
  ``next_c``), explain every output of F, as that state feeds every step (``lstm_backward.dh0``
  → ``lstm_step_backward.dprev_h`` / ``dprev_c``); another failing output (``dx`` for ``dh0``)
  explains nothing, and the next dependency is looked at.

Only functions of the same assignment are followed.  No I/O, no wording (messages.py).
"""
from __future__ import annotations

from autograder.grading.course import Course
from autograder.grading.score import ItemResult

__all__ = ["RootCauses", "dependencies"]

# statuses whose item a dependency can explain; a "missing" function is its own cause
EXPLAINABLE = ("failed", "error", "timeout")


def dependencies(course: Course, function: str) -> tuple[str, ...]:
    """The graded functions ``function`` depends on, same assignment only: its forward, then its calls."""
    spec = course.functions[function]
    found = []
    for name in ((spec.through,) if spec.through else ()) + spec.calls:
        other = course.functions.get(name)
        if other is not None and other.assignment == spec.assignment and name not in found:
            found.append(name)
    return tuple(found)


class RootCauses:
    """Point every failing item at the failing function it depends on (see the module doc)."""

    def __init__(self, course: Course):
        self.course = course

    def _explaining(self, function: str, output: str, dependency: str, items: list[ItemResult]) -> ItemResult | None:
        """The failing item of ``dependency`` that explains ``function``'s ``output`` (module doc), or None."""
        spec = self.course.functions[function]
        same = [i for i in items if i.item.output == output]
        if dependency == spec.through:
            return (same + items)[0]
        carried = [i for i in items if i.item.output not in spec.returns]
        return (same + carried)[0] if same or carried else None

    def _root(self, function: str, output: str, failing: dict[str, list[ItemResult]],
              seen: frozenset = frozenset()) -> ItemResult | None:
        """The deepest failing item that explains ``function``'s ``output``, or None."""
        for dependency in dependencies(self.course, function):
            if dependency in seen or dependency not in failing:
                continue
            deeper = self._root(dependency, output, failing, seen | {function})
            if deeper is not None:
                return deeper
            found = self._explaining(function, output, dependency, failing[dependency])
            if found is not None:
                return found
        return None

    def apply(self, items: list[ItemResult]) -> list[ItemResult]:
        failing: dict[str, list[ItemResult]] = {}
        for item in items:
            if item.status != "passed":
                failing.setdefault(item.item.function, []).append(item)
        for item in items:
            if item.status not in EXPLAINABLE:
                continue
            root = self._root(item.item.function, item.item.output, failing)
            if root is None:
                continue
            item.root_cause = root.item.id
            code = "rootcause.wrong" if root.status == "failed" else "rootcause.error"
            item.notes.append((code, {"function": item.item.function, "cause": root.item.id,
                                      "cause_function": root.item.function}))
        return items
