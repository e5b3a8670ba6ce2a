"""program.py: running call programs against a namespace (no sandbox needed)."""
from __future__ import annotations

import numpy as np
import pytest

from autograder.sandbox.inside import protocol
from autograder.sandbox.inside.program import ProgramError, run_program

STUDENT = '''\
import numpy as np

class Cache:
    pass

def forward(x, w):
    cache = Cache()
    cache.x, cache.w = x, w
    return x @ w, cache

def backward(dout, cache):
    cache.seen = True
    return dout @ cache.w.T, cache.x.T @ dout

def stub(x):
    raise NotImplementedError("write me")

def broken(x):
    y = x * 2
    return y[10]

def mutates(x, w):
    w += 1.0
    return x + w

def clip(grads, value):
    for k in grads:
        np.clip(grads[k], -value, value, out=grads[k])
    return grads

def single(x):
    return x + 1

def one_tuple(x):
    return (x + 1,)

def pair(x):
    return x, x

def nothing(x):
    pass

def exits(x):
    raise SystemExit(3)

def interrupts(x):
    raise KeyboardInterrupt

def generator_exit(x):
    raise GeneratorExit

def recurse(x):
    return recurse(x)

class Evil(Exception):
    def __str__(self):
        raise RuntimeError("no")

def evil(x):
    raise Evil()

def long_message(x):
    raise ValueError("x" * 5000)

def keywords(x, scale=1.0):
    return x * scale

not_a_function = 3
'''


@pytest.fixture(scope="module")
def ns():
    namespace: dict = {"__name__": "__main__"}
    exec(compile(STUDENT, "hw.ipynb", "exec"), namespace)
    return namespace


def step(fn, *args, nret=1, send=None, **extra):
    s = {"fn": fn, "args": list(args), "nret": nret, **extra}
    if send is not None:
        s["send"] = send
    return s


def fail(ns, *steps):
    with pytest.raises(ProgramError) as info:
        run_program(ns, {"steps": list(steps)})
    return info.value


def test_forward_backward_through_the_students_own_cache(ns):
    rng = np.random.default_rng(0)
    x, w, dout = rng.standard_normal((4, 3)), rng.standard_normal((3, 5)), rng.standard_normal((4, 5))
    result = run_program(ns, {"steps": [
        step("forward", x, w, nret=2, send=[0]),
        step("backward", dout, {"$ref": [0, 1]}, nret=2, send=[0, 1]),
    ]})
    assert np.array_equal(result["outputs"][0][0], x @ w)
    assert np.array_equal(result["outputs"][1][0], dout @ w.T)
    assert np.array_equal(result["outputs"][1][1], x.T @ dout)
    assert result["mutated"] == [[], []]


def test_ref_passes_the_very_same_object(ns):
    seen = []
    namespace = dict(ns, spy=lambda c: seen.append(c) or 0)
    run_program(namespace, {"steps": [step("forward", np.ones((1, 2)), np.ones((2, 2)), nret=2, send=[]),
                                      step("spy", {"$ref": [0, 1]})]})
    assert type(seen[0]).__name__ == "Cache" and seen[0].x.shape == (1, 2)


def test_refs_work_after_a_protocol_round_trip(ns):
    program = {"steps": [step("forward", np.ones((2, 3)), np.ones((3, 4)), nret=2, send=[0]),
                         step("backward", np.ones((2, 4)), {"$ref": [0, 1]}, nret=2, send=[1])]}
    unpacked = protocol.unpack(*protocol.pack(program))
    assert run_program(ns, unpacked)["outputs"][1][0].shape == (3, 4)


def test_missing(ns):
    err = fail(ns, step("rnn_forward", 1))
    assert (err.kind, err.step) == ("missing", 0) and "rnn_forward" in err.message
    assert fail(ns, step("not_a_function", 1)).kind == "missing"


def test_not_implemented(ns):
    err = fail(ns, step("single", 1.0), step("stub", 1.0))
    assert (err.kind, err.step) == ("not-implemented", 1)


def test_exception_names_type_message_and_the_students_line(ns):
    err = fail(ns, step("broken", np.zeros(3)))
    assert err.kind == "exception"
    assert err.message.startswith("IndexError: index 10 is out of bounds")
    line = STUDENT.splitlines().index("    return y[10]") + 1
    assert f"(hw.ipynb, line {line}, in broken)" in err.message


@pytest.mark.parametrize("fn, name", [("exits", "SystemExit"), ("interrupts", "KeyboardInterrupt"),
                                      ("generator_exit", "GeneratorExit"), ("recurse", "RecursionError")])
def test_base_exceptions_are_caught(ns, fn, name):
    err = fail(ns, step(fn, 1))
    assert err.kind == "exception" and err.message.startswith(name)
    assert "hw.ipynb" in err.message


def test_unprintable_and_long_messages(ns):
    assert fail(ns, step("evil", 1)).message.startswith("Evil: <unprintable>")
    message = fail(ns, step("long_message", 1)).message
    assert len(message) <= 500 and message.endswith("in long_message)")


def test_arity(ns):
    assert fail(ns, step("single", 1.0, nret=2)).kind == "arity"
    assert "returned None" in fail(ns, step("nothing", 1.0, nret=2)).message
    err = fail(ns, step("pair", 1.0, nret=3))
    assert err.kind == "arity" and "2 values; expected 3" in err.message
    assert run_program(ns, {"steps": [step("single", 1.0)]})["outputs"] == [[2.0]]  # bare value, nret 1
    assert run_program(ns, {"steps": [step("one_tuple", 1.0)]})["outputs"] == [[2.0]]


def test_mutation_is_detected_per_argument_and_callers_values_stay_intact(ns):
    x, w = np.zeros(3), np.ones(3)
    result = run_program(ns, {"steps": [step("mutates", x, w)]})
    assert result["mutated"] == [[1]]
    assert np.array_equal(w, np.ones(3)) and np.array_equal(result["outputs"][0][0], np.full(3, 2.0))
    grads = {"a": np.array([5.0, -5.0]), "b": np.array([0.1])}
    result = run_program(ns, {"steps": [step("clip", grads, 1.0)]})
    assert result["mutated"] == [[0]] and grads["a"].tolist() == [5.0, -5.0]
    assert run_program(ns, {"steps": [step("clip", {"b": np.array([0.1])}, 1.0)]})["mutated"] == [[]]


def _writes(value):
    """A student function that writes ``value`` over the whole of its first argument."""
    def fn(x, *rest):
        x[...] = value
        return 0.0
    return fn


@pytest.mark.parametrize("arg, value, changed", [
    (np.zeros(4), -0.0, True),  # equal as numbers, not as bits: a change
    (np.full(3, np.nan), np.nan, False),  # the same NaN written back: no change
    (np.array([1.0, 2.0]), np.array([1.0, 2.0 + 2**-51]), True),  # one ulp
    (np.array(3.0), 3.0, False),  # 0-d
    (np.array([True, False]), np.array([True, True]), True),
    (np.arange(6, dtype=np.int8).reshape(2, 3), 5, True),
    (np.arange(6, dtype=np.int32)[::2], np.array([0, 2, 4]), False),  # not contiguous, rewritten as it was
    (np.zeros((0, 3)), 1.0, False),
])
def test_mutation_is_bitwise_for_every_dtype_and_layout(arg, value, changed):
    result = run_program({"writes": _writes(value)}, {"steps": [step("writes", arg, np.ones(2))]})
    assert result["mutated"] == [[0] if changed else []]


def test_sent_outputs_are_snapshots(ns):
    x = np.ones((1, 2))
    result = run_program(ns, {"steps": [
        step("forward", x, np.eye(2), nret=2, send=[0, 1]),
        step("mutates", np.zeros((1, 2)), {"$ref": [0, 0]}),  # changes step 0's output in place
    ]})
    assert np.array_equal(result["outputs"][0][0], x)


HOLDERS = '''\
import numpy as np
import weakref

held = []

def keeps(x):
    y = x * 2
    held.append(y)
    return y

def keeps_a_view(x):
    y = x * 2
    held.append(y[:])
    return y

def keeps_a_weak_reference(x):
    y = x * 2
    held.append(weakref.ref(y))
    return y

def keeps_the_tuple(x):
    out = (x * 2, x * 3)
    held.append(out)
    return out

def returns_a_view(x):
    y = x * 2
    held.append(y)
    return y[:]

def spoils():
    for h in held:
        h = h() if isinstance(h, weakref.ref) else h
        for a in (h if isinstance(h, tuple) else (h,)):
            a[...] = -1.0
    held.clear()
'''


@pytest.mark.parametrize("fn, nret", [("keeps", 1), ("keeps_a_view", 1), ("keeps_a_weak_reference", 1),
                                      ("keeps_the_tuple", 2), ("returns_a_view", 1)])
def test_an_output_the_student_can_still_reach_is_sent_as_it_was_returned(fn, nret):
    namespace: dict = {}
    exec(compile(HOLDERS, "hw.ipynb", "exec"), namespace)
    x = np.arange(3.0)
    result = run_program(namespace, {"steps": [step(fn, x, nret=nret), step("spoils", send=[])]})
    for k, sent in enumerate(result["outputs"][0]):
        assert np.array_equal(sent, x * (2 + k))


def test_a_new_array_nothing_else_holds_is_sent_without_a_copy(ns, monkeypatch):
    from autograder.sandbox.inside import program
    copied = []
    real = program._copy

    def counting(value, depth=0):
        copied.append(type(value).__name__)
        return real(value, depth)

    monkeypatch.setattr(program, "_copy", counting)
    result = run_program(ns, {"steps": [step("single", np.ones(3)), step("pair", np.ones(2), nret=2)]})
    assert copied.count("ndarray") == 2 + 2  # the arguments' copies, and pair's outputs (one array twice)
    assert np.array_equal(result["outputs"][0][0], np.full(3, 2.0))


def test_kwargs(ns):
    assert run_program(ns, {"steps": [step("keywords", 2.0, kwargs={"scale": 3.0})]})["outputs"] == [[6.0]]


@pytest.mark.parametrize("program", [
    {}, {"steps": "x"}, {"steps": [{"args": []}]}, {"steps": [step("single", 1, nret=0)]},
    {"steps": [step("single", 1, send=[1])]}, {"steps": [step("single", {"$ref": [0, 0]})]},
    {"steps": [step("pair", 1, nret=2), step("single", {"$ref": [0, 2]})]},
])
def test_malformed_programs_are_the_callers_bug(ns, program):
    with pytest.raises(ValueError, match="invalid program"):
        run_program(ns, program)


# ------------------------------------------------------------------ counting forward calls


COUNTED_SOURCE = """
import numpy as np

def forward(x):
    return x * 2.0, x

def step(x):
    return x + 1.0

def backprop(d, cache):  # honest: recomputes the forward once and one step per row
    forward(cache)
    for row in cache:
        step(row)
    return d * 2.0

def numerical(d, cache):  # a central difference through the forward: 2 calls per number
    g = np.zeros_like(cache)
    for i in np.ndindex(cache.shape):
        plus, minus = cache.copy(), cache.copy()
        plus[i] += 1e-6
        minus[i] -= 1e-6
        g[i] = np.sum((forward(plus)[0] - forward(minus)[0]) * d) / 2e-6
    return g

def failing(d, cache):
    forward(cache)
    raise ValueError("boom")
"""


def _counting_namespace():
    """Functions defined as a notebook defines them (the worker execs the code in a dict)."""
    ns = {"__name__": "__main__"}
    exec(compile(COUNTED_SOURCE, "<student>", "exec"), ns)
    return ns


def _counted_program(backward):
    x = np.arange(6.0).reshape(3, 2)
    return {"steps": [{"fn": "forward", "args": [x], "nret": 2, "send": [0]},
                      {"fn": backward, "args": [np.ones((3, 2)), {"$ref": [0, 1]}], "nret": 1,
                       "count": ["forward", "step", "not_defined"]}]}


def test_calls_of_the_named_functions_are_counted_while_the_step_runs():
    ns = _counting_namespace()
    originals = dict(ns)
    honest = run_program(ns, _counted_program("backprop"))
    assert honest["calls"] == [None, 1 + 3]  # the forward's own step is not counted
    numerical = run_program(ns, _counted_program("numerical"))
    assert numerical["calls"] == [None, 2 * 6]
    np.testing.assert_allclose(numerical["outputs"][1][0], 2.0 * np.ones((3, 2)), rtol=1e-6)
    assert ns == originals  # the namespace is given back unchanged
    with pytest.raises(ProgramError):
        run_program(ns, _counted_program("failing"))
    assert ns == originals  # also after an exception
    assert "calls" not in run_program(ns, {"steps": [{"fn": "step", "args": [1.0]}]})  # the format is unchanged


def test_counts_cross_the_boundary_as_plain_numbers():
    ns = _counting_namespace()
    tree, arrays = protocol.pack(run_program(ns, _counted_program("numerical")))
    assert [None if c is None else int(c) for c in protocol.unpack(tree, arrays)["calls"]] == [None, 12]
    with pytest.raises(ValueError):
        run_program(ns, {"steps": [{"fn": "step", "args": [1.0], "count": "forward"}]})
