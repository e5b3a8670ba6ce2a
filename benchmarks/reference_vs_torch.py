"""Time the reference LSTM/GRU forward + backward against torch on the CPU.

    python benchmarks/reference_vs_torch.py [--N 64 --T 50 --D 128 --H 128 --repeats 15]
                                            [--threads K]

float64 on both sides. torch runs with as many intra-op threads as numpy's BLAS uses,
both figures are printed. One timed unit is forward + full backward (gradients of x,
h0 and all parameters); the median over the repeats is reported, after one warm-up;
the two sides are timed alternately. The ratio is reference_seconds / torch_seconds
(below 1: the reference is faster); the median of the per-repeat ratios is printed too.
"""

import argparse
import ctypes
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout

from reference import gru_backward, gru_forward, lstm_backward, lstm_forward


def _openblas_call(suffix, *args):
    """Call openblas_<suffix> in the OpenBLAS numpy loaded; None if not found."""
    with open("/proc/self/maps") as maps:
        libs = {line.split()[-1] for line in maps if "openblas" in line.lower()}
    for path in sorted(libs):
        lib = ctypes.CDLL(path)
        for name in (f"scipy_openblas_{suffix}64_", f"openblas_{suffix}64_",
                     f"openblas_{suffix}"):
            fn = getattr(lib, name, None)
            if fn is not None:
                return fn(*args)
    return None


def numpy_blas_threads():
    """Threads of the OpenBLAS numpy loaded (None if it cannot be asked)."""
    n = _openblas_call("get_num_threads")
    return None if n is None else int(n)


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def median_times(fn_a, fn_b, repeats):
    """Median seconds of fn_a and fn_b, and the median of the per-repeat ratios a/b.

    The two are timed alternately, so a load change on a shared machine hits both
    sides alike instead of biasing the ratio.
    """
    fn_a(), fn_b()  # warm-up: allocator, BLAS buffers, torch dispatch caches
    times_a, times_b = [], []
    for _ in range(repeats):
        for fn, times in ((fn_a, times_a), (fn_b, times_b)):
            start = time.perf_counter()
            fn()
            times.append(time.perf_counter() - start)
    ratios = [a / b for a, b in zip(times_a, times_b)]
    return statistics.median(times_a), statistics.median(times_b), statistics.median(ratios)


def bench(kind, N, T, D, H, repeats, seed=0):
    rng = np.random.default_rng(seed)
    k = {"lstm": 4, "gru": 3}[kind]
    x = rng.standard_normal((N, T, D))
    h0 = rng.standard_normal((N, H))
    dh = rng.standard_normal((N, T, H))
    s = 1.0 / np.sqrt(H)
    Wx = rng.uniform(-s, s, (D, k * H))
    Wh = rng.uniform(-s, s, (H, k * H))
    bx = rng.uniform(-s, s, k * H)
    bh = rng.uniform(-s, s, k * H)

    if kind == "lstm":
        params = (Wx, Wh, bx + bh)
        ref_fwd, ref_bwd = lstm_forward, lstm_backward
        module = torch.nn.LSTM(D, H, batch_first=True, dtype=torch.float64)
        # ours [i|f|o|g] -> torch [i|f|g|o]
        perm = np.concatenate([np.arange(0, 2 * H), np.arange(3 * H, 4 * H),
                               np.arange(2 * H, 3 * H)])
        torch_params = (Wx[:, perm].T, Wh[:, perm].T, bx[perm], bh[perm])
    else:
        params = (Wx, Wh, bx, bh)
        ref_fwd, ref_bwd = gru_forward, gru_backward
        module = torch.nn.GRU(D, H, batch_first=True, dtype=torch.float64)
        torch_params = (Wx.T, Wh.T, bx, bh)
    with torch.no_grad():
        for name, value in zip(("weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"),
                               torch_params):
            getattr(module, name).copy_(torch.from_numpy(np.ascontiguousarray(value)))

    xt = torch.tensor(x, requires_grad=True)
    h0t = torch.tensor(h0[None], requires_grad=True)
    dht = torch.tensor(dh)
    state = (h0t, torch.zeros_like(h0t)) if kind == "lstm" else h0t

    def run_reference():
        h, cache = ref_fwd(x, h0, *params)
        return h, ref_bwd(dh, cache)

    def run_torch():
        for p in (xt, h0t, *module.parameters()):
            p.grad = None
        out, _ = module(xt, state)
        out.backward(dht)
        return out

    # Same computation on both sides, or the timing means nothing.
    h_ref, (dx_ref, *_) = run_reference()
    out = run_torch()
    assert np.allclose(h_ref, out.detach().numpy(), rtol=1e-10, atol=1e-12)
    assert np.allclose(dx_ref, xt.grad.numpy(), rtol=1e-8, atol=1e-10)

    return median_times(run_reference, run_torch, repeats)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--N", type=int, default=64)
    ap.add_argument("--T", type=int, default=50)
    ap.add_argument("--D", type=int, default=128)
    ap.add_argument("--H", type=int, default=128)
    ap.add_argument("--repeats", type=int, default=15)
    ap.add_argument("--threads", type=int, default=None,
                    help="set both numpy's BLAS and torch to this many threads "
                         "(default: torch follows numpy's BLAS)")
    args = ap.parse_args(argv)

    if args.threads is not None:
        _openblas_call("set_num_threads", ctypes.c_int(args.threads))
    blas_threads = numpy_blas_threads()
    torch.set_num_threads(args.threads or blas_threads or os.cpu_count() or 1)
    print(f"cpu: {cpu_model()} (nproc {os.cpu_count()})")
    print(f"numpy {np.__version__}, BLAS threads {blas_threads}; "
          f"torch {torch.__version__}, intra-op threads {torch.get_num_threads()}; "
          f"OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', '(unset)')}")
    print(f"float64, N={args.N} T={args.T} D={args.D} H={args.H}, forward + backward, "
          f"median of {args.repeats}")
    print(f"{'model':<6} {'reference s':>12} {'torch s':>10} {'ratio ref/torch':>16}"
          f" {'median of ratios':>17}")
    for kind in ("lstm", "gru"):
        ref_s, torch_s, ratio = bench(kind, args.N, args.T, args.D, args.H, args.repeats)
        print(f"{kind:<6} {ref_s:>12.4f} {torch_s:>10.4f} {ref_s / torch_s:>16.2f}"
              f" {ratio:>17.2f}")


if __name__ == "__main__":
    main()
