"""protocol.py: pack/unpack round trips (hypothesis), frame validation, npz fixtures."""
from __future__ import annotations

import io
import json
import os
import struct
import time

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from autograder.sandbox.inside import protocol
from autograder.sandbox.inside.protocol import Bad, ProtocolError, pack, unpack

DTYPES = ["<f8", "<f4", "<i8", "<i4", "<i2", "|i1", "|u1", "|b1"]

# ------------------------------------------------------------------ strategies

arrays = st.one_of(
    hnp.arrays(st.sampled_from([np.dtype(d) for d in DTYPES] + [np.dtype(">f8"), np.dtype(">i4")]),
               hnp.array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=4)),
    hnp.arrays(np.float64, hnp.array_shapes(min_dims=2, max_dims=3, min_side=2, max_side=5))
    .map(lambda a: a[::-1, ::2]),  # non-contiguous views
    hnp.arrays(np.int8, st.just((1,) * 8)),  # ndim 8 is the limit
)
scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-2**63, 2**63 - 1), st.floats(allow_nan=True),
    st.text(max_size=20),
    st.floats(width=32).map(np.float32), st.integers(-2**31, 2**31 - 1).map(np.int32),
    st.booleans().map(np.bool_), st.floats().map(np.float64),
)
values = st.recursive(
    st.one_of(scalars, arrays),
    lambda children: st.one_of(st.lists(children, max_size=4),
                               st.lists(children, max_size=4).map(tuple),
                               st.dictionaries(st.text(max_size=8), children, max_size=4)),
    max_leaves=20,
)


def normalized(value):
    """What ``unpack(pack(value))`` must give back."""
    if isinstance(value, (bool, int, float, np.generic)) and not isinstance(value, str):
        arr = np.asarray(value)
        if arr.dtype == np.float16:  # pragma: no cover - not generated
            raise AssertionError
        if isinstance(value, bool):
            arr = np.asarray(value, dtype=np.bool_)
        elif isinstance(value, int) and not isinstance(value, np.generic):
            arr = np.asarray(value, dtype=np.int64)
        elif isinstance(value, float) and not isinstance(value, np.generic):
            arr = np.asarray(value, dtype=np.float64)
        return arr.astype(arr.dtype.newbyteorder("<"))[()]
    if isinstance(value, np.ndarray):
        arr = np.array(value, order="C").astype(value.dtype.newbyteorder("<") if value.dtype.itemsize > 1
                                                 else value.dtype)
        return arr[()] if arr.ndim == 0 else arr
    if isinstance(value, (list, tuple)):
        return [normalized(v) for v in value]
    if isinstance(value, dict):
        return {k: normalized(v) for k, v in value.items()}
    return value


def assert_identical(got, want):
    assert type(got) is type(want), (type(got), type(want))
    if isinstance(want, np.ndarray):
        assert got.dtype.str == want.dtype.str and got.shape == want.shape
        assert got.tobytes() == want.tobytes()  # bitwise: NaN payloads, -0.0
    elif isinstance(want, np.generic):
        assert got.dtype.str == want.dtype.str and got.tobytes() == want.tobytes()
    elif isinstance(want, list):
        assert len(got) == len(want)
        for g, w in zip(got, want):
            assert_identical(g, w)
    elif isinstance(want, dict):
        assert list(got) == list(want)
        for k in want:
            assert_identical(got[k], want[k])
    else:
        assert got == want


def through_frame(value, **kw):
    tree, arrs = pack(value, **kw)
    json.dumps(tree, allow_nan=False)  # the tree is plain JSON
    buf = io.BytesIO()
    protocol.write_frame(buf, tree, arrs)
    buf.seek(0)
    msg, got = protocol.read_frame(buf, 1 << 30)
    assert buf.read() == b""  # exactly one frame was consumed
    return unpack(msg, got)


# ------------------------------------------------------------------ round trips


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(values)
def test_round_trip_through_a_frame(value):
    assert_identical(through_frame(value), normalized(value))


@settings(max_examples=50, deadline=None)
@given(values)
def test_round_trip_through_npz(tmp_path_factory, value):
    path = tmp_path_factory.mktemp("npz") / "fixture.npz"
    protocol.save_npz(path, value)
    assert path.exists()
    assert_identical(protocol.load_npz(path), normalized(value))


@settings(max_examples=50, deadline=None)
@given(values)
def test_round_trip_through_a_pipe_with_a_deadline(value):
    tree, arrs = pack(value)
    r, w = os.pipe()
    try:
        chunks = protocol.encode_frame(tree, arrs)
        size = sum(len(memoryview(c).cast("B")) for c in chunks)
        if size > 60000:  # keep within one pipe buffer: this test has a single thread
            return
        protocol.write_bytes(w, chunks, deadline=time.monotonic() + 5)
        got = protocol.recv(r, 1 << 20, deadline=time.monotonic() + 5)
    finally:
        os.close(r)
        os.close(w)
    assert_identical(got, normalized(value))


def test_arrays_come_back_aligned_and_writable():
    value = {"x": np.arange(7, dtype=np.int8), "y": np.ones((3, 2))}
    out = through_frame(value)
    assert out["y"].flags.aligned and out["y"].flags.writeable
    out["y"][0, 0] = 5.0  # does not raise


def test_bad_round_trips_and_strict_rejects_objects():
    class Thing:
        pass

    with pytest.raises(TypeError):
        pack([1, Thing()])
    out = through_frame([1, Thing(), {"k": {1, 2}}], strict=False)
    assert out[1] == Bad("Thing") and out[2]["k"] == Bad("set")
    assert through_frame(Bad("Thing")) == Bad("Thing")


@pytest.mark.parametrize("value", [
    np.array([1 + 2j]), np.array(["a"]), np.array([object()], dtype=object), np.zeros(2, dtype=np.float16),
    np.zeros(2, dtype=np.uint64), np.zeros((1,) * 9), {1: 2}, 2**70, b"bytes", object(), {"a"}, np.complex128(1),
])
def test_pack_rejects(value):
    with pytest.raises(TypeError):
        pack(value)
    tree, arrs = pack([value], strict=False)
    assert tree == [{"$bad": tree[0]["$bad"]}] and arrs == []


def test_pack_converts_subclasses_to_base_copies():
    class Sneaky(np.ndarray):
        @property
        def dtype(self):  # lies about its dtype
            return np.dtype("f8")

    base = np.arange(6, dtype=np.int32)
    sneaky = base.view(Sneaky)
    _, arrs = pack({"m": np.ma.array([1.0, 2.0], mask=[0, 1]), "s": sneaky})
    assert all(type(a) is np.ndarray for a in arrs)
    assert arrs[1].dtype == np.int32 and arrs[1].tobytes() == base.tobytes()
    assert not np.shares_memory(arrs[1], base)


def test_pack_bounds_depth_and_cycles():
    cyclic: list = []
    cyclic.append(cyclic)
    with pytest.raises(TypeError):
        pack(cyclic)
    tree, _ = pack(cyclic, strict=False)
    depth = 0
    while isinstance(tree, list):
        tree, depth = tree[0], depth + 1
    assert tree == {"$bad": "too-deep"} and depth == protocol.MAX_DEPTH + 1
    deep = 0.0
    for _ in range(protocol.MAX_DEPTH):
        deep = [deep]
    assert through_frame(deep)  # exactly at the limit is fine


def test_pack_bounds_size():
    with pytest.raises(TypeError):
        pack([None] * (protocol.MAX_NODES + 1))
    tree, _ = pack([None] * (protocol.MAX_NODES + 1), strict=False)
    assert {"$bad": "too-large"} in tree


def test_bool_arrays_are_normalised():
    weird = np.array([0, 1, 2, 255], dtype=np.uint8).view(np.bool_)
    assert through_frame(weird).view(np.uint8).tolist() == [0, 1, 1, 1]


# ------------------------------------------------------------------ malformed frames


def frame(header, body=b"", magic=b"RNNL", header_len=None, body_len=None):
    raw = header if isinstance(header, bytes) else json.dumps(header).encode()
    return (struct.pack("<4sIQ", magic, len(raw) if header_len is None else header_len,
                        len(body) if body_len is None else body_len) + raw + body)


def read(raw, max_bytes=1 << 20):
    msg, arrs = protocol.read_frame(io.BytesIO(raw), max_bytes)
    return unpack(msg, arrs)


def descr(dtype="<f8", shape=(2,), offset=0, nbytes=16):
    return {"dtype": dtype, "shape": list(shape), "offset": offset, "nbytes": nbytes}


GOOD_BODY = np.arange(2.0).tobytes()


def test_a_hand_made_frame_is_accepted():
    assert read(frame({"msg": {"$a": 0}, "arrays": [descr()]}, GOOD_BODY)).tolist() == [0.0, 1.0]


@pytest.mark.parametrize("raw, why", [
    (frame({"msg": None, "arrays": []}, magic=b"PKL\x80"), "magic"),
    (frame({"msg": None, "arrays": []})[:10], "truncated"),
    (frame({"msg": {"$a": 0}, "arrays": [descr()]}, GOOD_BODY)[:-1], "truncated"),
    (frame(b"{}", header_len=protocol.MAX_HEADER + 1), "header"),
    (frame(b"{}", body_len=1 << 40), "exceeds"),
    (frame(b"not json"), "header"),
    (frame(b'{"msg": NaN, "arrays": []}'), "header"),
    (frame(b"\xff\xfe"), "header"),
    (frame(b"[" * 100000 + b"]" * 100000), "header"),
    (frame({"msg": None}), "header"),
    (frame({"msg": None, "arrays": [], "extra": 1}), "header"),
    (frame({"msg": {"$a": 0}, "arrays": [descr("|O", nbytes=16)]}, GOOD_BODY), "dtype"),
    (frame({"msg": {"$a": 0}, "arrays": [descr("<c16", shape=(1,))]}, GOOD_BODY), "dtype"),
    (frame({"msg": {"$a": 0}, "arrays": [descr(">f8")]}, GOOD_BODY), "dtype"),
    (frame({"msg": {"$a": 0}, "arrays": [descr("<U1", shape=(4,))]}, GOOD_BODY), "dtype"),
    (frame({"msg": {"$a": 0}, "arrays": [descr(shape=(3,))]}, GOOD_BODY), "match"),
    (frame({"msg": {"$a": 0}, "arrays": [descr(shape=(1,) * 9, nbytes=8)]}, GOOD_BODY), "shape"),
    (frame({"msg": {"$a": 0}, "arrays": [descr(shape=(-2,), nbytes=16)]}, GOOD_BODY), "shape"),
    (frame({"msg": {"$a": 0}, "arrays": [descr(shape=(True, 2), nbytes=16)]}, GOOD_BODY), "shape"),
    (frame({"msg": {"$a": 0}, "arrays": [descr(offset=8)]}, GOOD_BODY), "range"),
    (frame({"msg": {"$a": 0}, "arrays": [descr(offset=-8)]}, GOOD_BODY), "offset"),
    (frame({"msg": [{"$a": 0}, {"$a": 1}], "arrays": [descr(), descr(shape=(1,), offset=8, nbytes=8)]},
           GOOD_BODY), "overlap"),
    (frame({"msg": {"$a": 0}, "arrays": [descr("|b1", shape=(2,), nbytes=2)]}, b"\x01\x02"), "bool"),
    (frame({"msg": {"$a": 0}, "arrays": [{"dtype": "<f8", "shape": [2], "offset": 0}]}, GOOD_BODY), "descriptor"),
    # tree validation (unpack)
    (frame({"msg": {"$a": 1}, "arrays": [descr()]}, GOOD_BODY), "reference"),
    (frame({"msg": [{"$a": 0}, {"$a": 0}], "arrays": [descr()]}, GOOD_BODY), "twice"),
    (frame({"msg": None, "arrays": [descr()]}, GOOD_BODY), "not referenced"),
    (frame({"msg": 3, "arrays": []}), "unexpected"),
    (frame({"msg": "str", "arrays": []}), "unexpected"),
    (frame({"msg": {"$pickle": "x"}, "arrays": []}), "unexpected"),
    (frame({"msg": {"$s": "a", "$d": {}}, "arrays": []}), "unexpected"),
    (frame({"msg": {"$d": []}, "arrays": []}), "object"),
    (frame({"msg": {"$s": 1}, "arrays": []}), "string"),
    (frame({"msg": {"$a": True}, "arrays": [descr()]}, GOOD_BODY), "reference"),
    (frame({"msg": [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[None]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]], "arrays": []}), "deeper"),
])
def test_malformed_frames_are_rejected(raw, why):
    with pytest.raises(ProtocolError, match=why):
        read(raw)


def test_frame_larger_than_max_bytes_is_rejected_before_reading_the_body():
    raw = frame({"msg": {"$a": 0}, "arrays": [descr()]}, GOOD_BODY)
    with pytest.raises(ProtocolError, match="exceeds"):
        read(raw, max_bytes=len(raw) - 1)
    assert read(raw, max_bytes=len(raw)).tolist() == [0.0, 1.0]


def test_clean_end_of_stream():
    with pytest.raises(protocol.ConnectionClosed):
        protocol.read_frame(io.BytesIO(b""))


def test_read_deadline_on_a_silent_pipe():
    r, w = os.pipe()
    try:
        start = time.monotonic()
        with pytest.raises(TimeoutError):
            protocol.read_frame(r, deadline=time.monotonic() + 0.2)
        assert time.monotonic() - start > 0.15  # not before its deadline
    finally:
        os.close(r)
        os.close(w)


def test_load_npz_refuses_pickles_and_foreign_files(tmp_path):
    pickled = tmp_path / "p.npz"
    meta = np.frombuffer(json.dumps({"$a": 0}).encode(), dtype=np.uint8)
    np.savez(pickled, __meta__=meta, a0=np.array([object()], dtype=object))
    with pytest.raises(ValueError):  # numpy refuses to unpickle (allow_pickle=False)
        protocol.load_npz(pickled)
    foreign = tmp_path / "f.npz"
    np.savez(foreign, x=np.zeros(2))
    with pytest.raises(ProtocolError, match="not an RNN Lab fixture"):
        protocol.load_npz(foreign)
    protocol.save_npz(tmp_path / "noext", {"x": np.zeros(2)})
    assert (tmp_path / "noext").exists() and not (tmp_path / "noext.npz").exists()


def test_write_bytes_joins_small_chunks_without_changing_the_bytes():
    arrays = [np.arange(n, dtype=np.int64) for n in range(200)] + [np.zeros(20000), np.ones(3, dtype=np.bool_)]
    tree, arrays = pack({"many": arrays, "n": 3})
    chunks = protocol.encode_frame(tree, arrays)
    expected = b"".join(bytes(memoryview(c).cast("B")) for c in chunks)
    read_fd, write_fd = os.pipe()
    try:
        writes = []
        real_write = os.write
        os.write = lambda fd, data: writes.append(len(data)) or real_write(fd, data)
        try:
            import threading

            got = bytearray()
            reader = threading.Thread(target=lambda: got.extend(iter_read(read_fd, len(expected))))
            reader.start()
            protocol.write_bytes(write_fd, chunks)
            reader.join()
        finally:
            os.write = real_write
        assert bytes(got) == expected
        assert len(writes) < len(chunks) / 10  # one write per ~64 KiB, not one per array
    finally:
        os.close(read_fd)
        os.close(write_fd)


def iter_read(fd, total):
    got = 0
    while got < total:
        chunk = os.read(fd, total - got)
        got += len(chunk)
        yield from chunk



# ------------------------------------------------------------------ the worker's size floor

@given(st.recursive(st.one_of(st.none(), st.text(max_size=20), st.integers(), st.floats(allow_nan=False)),
                    lambda inner: st.one_of(st.lists(inner, max_size=4),
                                            st.dictionaries(st.text(max_size=10), inner, max_size=4)),
                    max_leaves=30))
def test_the_header_floor_never_exceeds_the_header(value):
    tree, arrays = pack(value, strict=False)
    header = protocol.encode_frame(tree, arrays)[1]
    assert protocol.header_floor(tree, 1 << 30) <= len(header)


def test_the_header_floor_of_many_long_keys_passes_the_limit():
    bomb = {"results": [{f"k{i:05d}" + "x" * 994: None for i in range(3_000)}, {"k": "v" * 5000}]}
    tree, arrays = pack(bomb, strict=False)
    assert 1 << 20 < protocol.header_floor(tree, 1 << 20) <= len(protocol.encode_frame(tree, arrays)[1])
