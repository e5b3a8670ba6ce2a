"""reference/mutants.py: the catalogue is well-formed and every mutant is a real mistake."""
import inspect
import re

import numpy as np
import pytest

import reference
from autograder.student.compare import compare
from autograder.grading.diagnose import mutant_runs
from autograder.grading.mistakes import PARTS, course_texts
from reference import mutants
from reference.mutants import CATALOGUE, applicable, by_id, namespace_with
from tests.reference.numgrad import eval_numerical_gradient_array, rel_error

from .conftest import ROOT

MUTANT_TEXTS = course_texts(ROOT)  # the shipped course's words: reference/mistakes.yaml

KEBAB = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)+$")
REQUIRED = {  # the mistakes the feedback issue asks for, by the functions they live in
    "bptt-overwrite-accumulator", "bptt-missing-carried-gradient", "rnn-tanh-grad-on-preactivation",
    "rnn-tanh-missing-forward", "rnn-dprev-h-not-transposed", "rnn-h0-wraparound",
    "lstm-gate-order-ifgo", "lstm-dprev-c-missing-f", "lstm-tanh-c-path-missing", "lstm-tanh-derivative-on-c",
    "gru-update-gate-flipped", "gru-reset-before-matmul", "gru-dprev-h-missing-direct-path",
    "loss-mask-not-applied-to-dx", "loss-averaged-over-nt", "clip-norm-elementwise", "clip-norm-per-tensor",
    "birnn-backward-states-not-flipped", "stacked-interlayer-gradient-overwritten",
    "embedding-backward-repeated-indices",
    # round two: the classic tanh' slip, and the two the notebooks list as common mistakes
    "rnn-tanh-derivative-missing", "lstm-output-gate-from-dc", "gru-update-gate-grad-sign",
}


def test_catalogue_size_ids_and_lookup():
    ids = [m.id for m in CATALOGUE]
    assert len(ids) >= 24 and len(set(ids)) == len(ids)
    assert all(KEBAB.match(i) for i in ids), [i for i in ids if not KEBAB.match(i)]
    assert REQUIRED <= set(ids), REQUIRED - set(ids)
    assert all(by_id(i) is m for i, m in zip(ids, CATALOGUE))
    with pytest.raises(KeyError):
        by_id("no-such-mistake")


@pytest.mark.parametrize("mutant", CATALOGUE, ids=lambda m: m.id)
def test_signatures_and_texts(mutant):
    assert mutant.functions and mutant.targets
    for name, fn in mutant.functions.items():
        assert name in reference.__all__, name
        assert inspect.signature(fn) == inspect.signature(getattr(reference, name)), name
    entry = MUTANT_TEXTS[mutant.id]  # its words: reference/mistakes.yaml, same id
    for part in PARTS:
        texts = entry[part]
        assert set(texts) == {"ko", "en"}
        for language, text in texts.items():
            assert text.strip() and "\n" not in text, (mutant.id, part, language)
        assert re.search("[가-힣]", texts["ko"]), (mutant.id, part)
    for target in mutant.targets:
        function, _, output = target.partition(".")
        assert output and (function in mutant.functions or function.replace("backward", "forward")
                           in mutant.functions), target
    with pytest.raises(TypeError):
        mutant.functions["x"] = None  # frozen: the catalogue cannot be changed by accident


def test_loops_with_defaults_equal_the_reference():
    """The BPTT loops the mutants plug their mistakes into are the reference itself."""
    rng = np.random.default_rng(3)
    N, T, D, H = 3, 4, 5, 6
    x, h0, dh = rng.standard_normal((N, T, D)), rng.standard_normal((N, H)), rng.standard_normal((N, T, H))
    p = {k: rng.standard_normal(s) * 0.5 for k, s in
         (("Wx", (D, 4 * H)), ("Wh", (H, 4 * H)), ("b", (4 * H,)))}
    pairs = [
        (reference.rnn_backward, mutants._rnn_bptt, reference.rnn_forward(x, h0, p["Wx"][:, :H], p["Wh"][:, :H], p["b"][:H])[1]),
        (reference.lstm_backward, mutants._lstm_bptt, reference.lstm_forward(x, h0, p["Wx"], p["Wh"], p["b"])[1]),
    ]
    for form in ("pytorch", "textbook"):
        cache = reference.gru_forward(x, h0, p["Wx"][:, :3 * H], p["Wh"][:, :3 * H], p["b"][:3 * H],
                                      p["b"][H:], form=form)[1]
        pairs.append((reference.gru_backward, mutants._gru_bptt, cache))
    for ref_fn, loop, cache in pairs:
        for a, b in zip(ref_fn(dh, cache), loop(dh, cache)):
            np.testing.assert_allclose(b, a, rtol=1e-12, atol=1e-12)
    args = (x, h0, p["Wx"][:, :H], p["Wh"][:, :H], p["b"][:H])
    np.testing.assert_allclose(mutants._grad_norms(*args), reference.rnn_hidden_grad_norms(*args), rtol=1e-12)
    _, _, cache = reference.lstm_step_forward(x[:, 0], h0, h0[::-1], p["Wx"], p["Wh"], p["b"])
    step = mutants._lstm_step_backward_with(reference.lstm._lstm_cell_backward)
    for a, b in zip(reference.lstm_step_backward(dh[:, 0], dh[:, 1], cache), step(dh[:, 0], dh[:, 1], cache)):
        np.testing.assert_allclose(b, a, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("mutant", applicable("pytorch"), ids=lambda m: m.id)
def test_every_mutant_fails_each_target_on_hidden_cases(mutant, course, plan):
    for target in mutant.targets:
        function, _, output = target.partition(".")
        spec = course.functions[function]
        runs = mutant_runs(course, plan, mutant, spec)
        assert all(run.error_kind is None for run in runs), (target, [r.error_detail for r in runs])
        refs = plan.expected[function].outputs
        item = next(i for i in spec.items if i.output == output)
        assert any(not compare(run.outputs[output], ref[output], item.tolerance).ok
                   for run, ref in zip(runs, refs)), f"{mutant.id} does not change {target}"


def test_textbook_course_mutants(textbook_course, textbook_plan):
    ids = {m.id for m in applicable("textbook")}
    assert "gru-reset-after-matmul" in ids and "gru-reset-before-matmul" not in ids
    for mid in ("gru-update-gate-flipped", "gru-reset-after-matmul", "gru-dprev-h-missing-direct-path"):
        mutant = by_id(mid)
        for target in mutant.targets:
            function, _, output = target.partition(".")
            spec = textbook_course.functions[function]
            runs = mutant_runs(textbook_course, textbook_plan, mutant, spec)
            refs = textbook_plan.expected[function].outputs
            assert any(not compare(r.outputs[output], ref[output], 1e-6).ok for r, ref in zip(runs, refs)), target


def test_namespace_with_overrides_and_keeps_course_form(textbook_plan):
    base = textbook_plan.namespace
    mutant = by_id("gru-update-gate-flipped")
    ns = namespace_with(base, mutant)
    assert ns.mutant is mutant and base["gru_forward"] is not ns["gru_forward"]
    assert ns["rnn_forward"] is base["rnn_forward"]
    assert ns["gru_forward"].keywords == {"form": "textbook"}  # follows the course's GRU form
    rng = np.random.default_rng(0)
    x, h0 = rng.standard_normal((2, 3, 4)), rng.standard_normal((2, 5))
    Wx, Wh, bx, bh = rng.standard_normal((4, 15)), rng.standard_normal((5, 15)), rng.standard_normal(15), rng.standard_normal(15)
    assert ns["gru_forward"](x, h0, Wx, Wh, bx, bh)[1]["form"] == "textbook"


def test_gru_flip_is_the_other_update_convention():
    """h' with u and 1 - u exchanged, checked against the equations written out."""
    rng = np.random.default_rng(1)
    N, D, H = 3, 4, 5
    x, h = rng.standard_normal((N, D)), rng.standard_normal((N, H))
    Wx, Wh, bx, bh = (rng.standard_normal(s) for s in ((D, 3 * H), (H, 3 * H), (3 * H,), (3 * H,)))
    sig = reference.sigmoid
    a_x, a_h = x @ Wx + bx, h @ Wh + bh
    r, z = sig(a_x[:, :H] + a_h[:, :H]), sig(a_x[:, H:2 * H] + a_h[:, H:2 * H])
    n_pt = np.tanh(a_x[:, 2 * H:] + r * a_h[:, 2 * H:])
    n_tb = np.tanh(a_x[:, 2 * H:] + (r * h) @ Wh[:, 2 * H:] + bh[2 * H:])
    flip = by_id("gru-update-gate-flipped").functions["gru_step_forward"]
    moved = by_id("gru-reset-before-matmul").functions["gru_step_forward"]
    np.testing.assert_allclose(flip(x, h, Wx, Wh, bx, bh)[0], z * n_pt + (1 - z) * h, rtol=1e-12)
    np.testing.assert_allclose(moved(x, h, Wx, Wh, bx, bh)[0], (1 - z) * n_tb + z * h, rtol=1e-12)
    np.testing.assert_allclose(flip(x, h, Wx, Wh, bx, bh, form="textbook")[0], z * h + (1 - z) * n_tb, rtol=1e-12)


def test_lstm_gate_order_passes_gradient_check_but_fails_forward_values():
    """The catalogue's claim: [i|f|g|o] is self-consistent, so only forward values catch it."""
    m = by_id("lstm-gate-order-ifgo")
    fwd, bwd = m.functions["lstm_forward"], m.functions["lstm_backward"]
    rng = np.random.default_rng(7)
    N, T, D, H = 2, 3, 4, 3
    x, h0 = rng.standard_normal((N, T, D)), rng.standard_normal((N, H))
    Wx, Wh, b = rng.standard_normal((D, 4 * H)) * 0.5, rng.standard_normal((H, 4 * H)) * 0.5, rng.standard_normal(4 * H) * 0.5
    h, cache = fwd(x, h0, Wx, Wh, b)
    dh = rng.standard_normal(h.shape)
    dx, dh0, dWx, dWh, db = bwd(dh, cache)
    numeric = {
        "x": eval_numerical_gradient_array(lambda v: fwd(v, h0, Wx, Wh, b)[0], x, dh),
        "h0": eval_numerical_gradient_array(lambda v: fwd(x, v, Wx, Wh, b)[0], h0, dh),
        "Wx": eval_numerical_gradient_array(lambda v: fwd(x, h0, v, Wh, b)[0], Wx, dh),
        "Wh": eval_numerical_gradient_array(lambda v: fwd(x, h0, Wx, v, b)[0], Wh, dh),
        "b": eval_numerical_gradient_array(lambda v: fwd(x, h0, Wx, Wh, v)[0], b, dh),
    }
    for name, analytic in zip(numeric, (dx, dh0, dWx, dWh, db)):
        assert rel_error(analytic, numeric[name]) < 1e-6, name
    h_ref, _ = reference.lstm_forward(x, h0, Wx, Wh, b)
    assert not compare(h, h_ref, 1e-6).ok
    # and the step functions make the same claim
    s = m.functions
    nh, nc, c = s["lstm_step_forward"](x[:, 0], h0, h0 * 0.5, Wx, Wh, b)
    assert not compare(nh, reference.lstm_step_forward(x[:, 0], h0, h0 * 0.5, Wx, Wh, b)[0], 1e-6).ok
    dWx_step = s["lstm_step_backward"](dh[:, 0], dh[:, 1], c)[3]
    num = eval_numerical_gradient_array(
        lambda v: np.concatenate([o.ravel() for o in s["lstm_step_forward"](x[:, 0], h0, h0 * 0.5, v, Wh, b)[:2]]),
        Wx, np.concatenate([dh[:, 0].ravel(), dh[:, 1].ravel()]))
    assert rel_error(dWx_step, num) < 1e-6


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_stacked_overwrite_only_breaks_lower_layers(cell):
    m = by_id("stacked-interlayer-gradient-overwritten").functions["stacked_backward"]
    rng = np.random.default_rng(5)
    N, T, D, H = 2, 4, 3, 5
    k = {"rnn": 1, "lstm": 4, "gru": 3}[cell]
    keys = reference.architectures.CELL_KEYS[cell]

    def layer(rows):
        shapes = {"Wx": (rows, k * H), "Wh": (H, k * H), "b": (k * H,), "bx": (k * H,), "bh": (k * H,)}
        return {key: rng.standard_normal(shapes[key]) * 0.5 for key in keys}

    x = rng.standard_normal((N, T, D))
    for L in (1, 2):
        params = [layer(D)] + [layer(H) for _ in range(L - 1)]
        h, cache = reference.stacked_forward(x, rng.standard_normal((L, N, H)), params, cell)
        dh = rng.standard_normal(h.shape)
        ref, mut = reference.stacked_backward(dh, cache), m(dh, cache)
        for key in keys:  # the top layer is right
            np.testing.assert_allclose(mut[2][-1][key], ref[2][-1][key], rtol=1e-12)
        assert np.allclose(mut[0], ref[0]) == (L == 1)  # wrong below the top layer only


# ---------------------------------------------------------------- round two's mistakes, as written
#
# Each new mutant is built on the reference's code; here it is held to the student's code
# written out in full, line by line as the notebooks' derivation goes, with the one mistake.


def _student_rnn_step_backward_no_tanh_grad(dnext_h, cache):
    x, prev_h, Wx, Wh, next_h = cache
    da = dnext_h  # the classic mistake: tanh' forgotten
    return da @ Wx.T, da @ Wh.T, x.T @ da, prev_h.T @ da, da.sum(axis=0)


def _student_lstm_step_backward_do_from_dc(dnext_h, dnext_c, cache):
    x, prev_h, prev_c, Wx, Wh = (cache[k] for k in ("x", "prev_h", "prev_c", "Wx", "Wh"))
    H = prev_h.shape[1]
    gates, tanh_c = cache["gates"], cache["tanh_c"]
    i, f, o, g = gates[:, :H], gates[:, H:2 * H], gates[:, 2 * H:3 * H], gates[:, 3 * H:]
    dc = dnext_c + dnext_h * o * (1 - tanh_c ** 2)
    da_i, da_f = dc * g * i * (1 - i), dc * prev_c * f * (1 - f)
    da_o = dc * tanh_c * o * (1 - o)  # the mistake: from dc instead of dnext_h
    da_g = dc * i * (1 - g ** 2)
    da = np.concatenate([da_i, da_f, da_o, da_g], axis=1)
    return da @ Wx.T, da @ Wh.T, dc * f, x.T @ da, prev_h.T @ da, da.sum(axis=0)


def _student_gru_step_backward_dz_sign(dnext_h, cache):
    """PyTorch form, h' = (1 - z) n + z h."""
    x, h, Wx, Wh, r, z, n, hn = (cache[k] for k in ("x", "prev_h", "Wx", "Wh", "r", "z", "n", "hn"))
    dn = dnext_h * (1 - z)
    dz = dnext_h * (n - h)  # the mistake: h - n in the wrong order
    dprev_h = dnext_h * z
    da_n = dn * (1 - n ** 2)
    dr, dhn = da_n * hn, da_n * r
    da_r, da_z = dr * r * (1 - r), dz * z * (1 - z)
    dxp = np.concatenate([da_r, da_z, da_n], axis=1)
    dhp = np.concatenate([da_r, da_z, dhn], axis=1)
    dprev_h = dprev_h + dhp @ Wh.T
    return dxp @ Wx.T, dprev_h, x.T @ dxp, h.T @ dhp, dxp.sum(axis=0), dhp.sum(axis=0)


def test_round_two_mutants_equal_the_mistakes_written_out():
    rng = np.random.default_rng(11)
    N, D, H = 3, 4, 5
    x, h = rng.standard_normal((N, D)), rng.standard_normal((N, H))
    c0, dh, dc = rng.standard_normal((N, H)), rng.standard_normal((N, H)), rng.standard_normal((N, H))
    W = {k: rng.standard_normal(s) * 0.5 for k, s in (("Wx", (D, 4 * H)), ("Wh", (H, 4 * H)), ("b", (4 * H,)))}

    _, cache = reference.rnn_step_forward(x, h, W["Wx"][:, :H], W["Wh"][:, :H], W["b"][:H])
    mutant = by_id("rnn-tanh-derivative-missing").functions["rnn_step_backward"]
    pairs = [(mutant(dh, cache), _student_rnn_step_backward_no_tanh_grad(dh, cache), reference.rnn_step_backward(dh, cache))]

    _, _, cache = reference.lstm_step_forward(x, h, c0, W["Wx"], W["Wh"], W["b"])
    mutant = by_id("lstm-output-gate-from-dc").functions["lstm_step_backward"]
    pairs.append((mutant(dh, dc, cache), _student_lstm_step_backward_do_from_dc(dh, dc, cache),
                  reference.lstm_step_backward(dh, dc, cache)))

    _, cache = reference.gru_step_forward(x, h, W["Wx"][:, :3 * H], W["Wh"][:, :3 * H], W["b"][:3 * H], W["b"][H:])
    mutant = by_id("gru-update-gate-grad-sign").functions["gru_step_backward"]
    pairs.append((mutant(dh, cache), _student_gru_step_backward_dz_sign(dh, cache), reference.gru_step_backward(dh, cache)))

    for got, written, right in pairs:
        for a, b in zip(got, written):
            np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)
        assert any(not np.allclose(a, b) for a, b in zip(got, right))  # and it is a mistake


def test_gru_dz_sign_mutant_follows_the_textbook_form():
    """In the textbook form, h' = (1 - z) h + z n, the right dz is n - h; the mistake is h - n."""
    rng = np.random.default_rng(12)
    N, D, H = 2, 3, 4
    x, h, dh = rng.standard_normal((N, D)), rng.standard_normal((N, H)), rng.standard_normal((N, H))
    Wx, Wh, bx, bh = (rng.standard_normal(s) * 0.5 for s in ((D, 3 * H), (H, 3 * H), (3 * H,), (3 * H,)))
    _, cache = reference.gru_step_forward(x, h, Wx, Wh, bx, bh, form="textbook")
    got = by_id("gru-update-gate-grad-sign").functions["gru_step_backward"](dh, cache)
    right = reference.gru_step_backward(dh, cache)
    np.testing.assert_allclose(got[3][:, H:2 * H], -right[3][:, H:2 * H], rtol=1e-12)  # dWh's z block negated
    np.testing.assert_allclose(got[3][:, :H], right[3][:, :H], rtol=1e-12)  # the r and n blocks are right
    np.testing.assert_allclose(got[3][:, 2 * H:], right[3][:, 2 * H:], rtol=1e-12)
    # dprev_h through z, computed by hand: the direct path and r's share are unchanged
    dz = dh * (cache["n"] - h)
    da_z = dz * cache["z"] * (1 - cache["z"])
    np.testing.assert_allclose(got[1], right[1] - 2 * da_z @ Wh[:, H:2 * H].T, rtol=1e-10)
