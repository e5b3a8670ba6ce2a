"""Values and frames that cross the sandbox boundary (standalone: stdlib + numpy only).

This file is bound read-only into the sandbox and imported there by ``worker.py``, so it
imports nothing from ``autograder``.  See docs/ARCHITECTURE.md, "Values that cross a
boundary" and "Sandbox".

A *value* is a nested structure of ndarrays (allow-listed dtypes), Python/numpy scalars
(packed as 0-d arrays, unpacked as numpy scalars), ``str``, ``None``, lists/tuples (both
become lists) and dicts with ``str`` keys.  :func:`pack` turns a value into a JSON-able
*tree* plus a list of arrays; :func:`unpack` validates a tree and rebuilds the value.

A *frame* is ``b"RNNL" | uint32 header_len | uint64 body_len | header JSON | body``
(little-endian); the header is ``{"msg": tree, "arrays": [{"dtype", "shape", "offset",
"nbytes"}, ...]}`` and the body holds the raw array buffers.  Arrays are decoded with
``numpy.frombuffer``; nothing is ever unpickled.
"""
from __future__ import annotations

import json
import os
import select
import struct
import time
from typing import TYPE_CHECKING, Any, BinaryIO, Callable, Iterable, Union

if TYPE_CHECKING:
    import mmap

    import numpy as np
else:
    class _Numpy:
        """numpy, imported at its first use (then ``np`` is numpy itself): the grader starts a
        sandbox, which speaks this protocol, while it is still importing numpy."""

        def __getattr__(self, name: str) -> Any:
            import numpy

            globals()["np"] = numpy
            return getattr(numpy, name)

    np = _Numpy()

__all__ = [
    "ProtocolError", "ConnectionClosed", "Bad", "ALLOWED_DTYPES",
    "pack", "unpack", "write_frame", "read_frame", "read_frame_bytes", "decode_frame",
    "encode_frame", "send", "recv", "save_npz", "load_npz",
]

MAGIC = b"RNNL"
PREFIX = struct.Struct("<4sIQ")  # magic, header_len, body_len  (16 bytes)
ALIGN = 8  # body offsets (and the body start) are multiples of this

#: dtype.str of every array that may cross the boundary
ALLOWED_DTYPES = frozenset({"<f8", "<f4", "<i8", "<i4", "<i2", "|i1", "|u1", "|b1"})
MAX_NDIM = 8
MAX_DEPTH = 32  # nesting of lists/dicts in one tree
MAX_NODES = 100_000  # nodes (containers, leaves, arrays) in one tree
MAX_ARRAYS = 100_000
MAX_HEADER = 16 << 20  # bytes of header JSON
DEFAULT_MAX_BYTES = 256 << 20

Stream = Union[int, BinaryIO]


class ProtocolError(ValueError):
    """A frame or tree that does not follow the protocol (never trust its content)."""


class ConnectionClosed(ProtocolError, EOFError):
    """The peer closed the stream before the first byte of a frame."""


class Bad:
    """An object the worker could not send; stands in for it in an unpacked value."""

    __slots__ = ("type_name",)

    def __init__(self, type_name: str):
        self.type_name = str(type_name)[:200]

    def __repr__(self) -> str:
        return f"Bad({self.type_name!r})"

    def __eq__(self, other: object) -> bool:
        return type(other) is Bad and other.type_name == self.type_name

    def __hash__(self) -> int:
        return hash(("Bad", self.type_name))


# ------------------------------------------------------------------------------ values


def type_name(obj: Any, default: str = "object") -> str:
    """The type's name, read through type's own slot (a metaclass cannot run code here)."""
    try:
        name = type.__dict__["__name__"].__get__(type(obj), type)
        return name if type(name) is str else default
    except Exception:  # pragma: no cover - defensive
        return default


def _as_array(value: Any) -> np.ndarray:
    """A C-contiguous little-endian base-class ndarray with an allowed dtype, or TypeError."""
    if isinstance(value, np.ndarray) and type(value) is not np.ndarray:
        arr = np.array(value, copy=True, subok=False)  # subclasses: base-class copy
    else:
        arr = np.asarray(value)
    if type(arr) is not np.ndarray:  # pragma: no cover - defensive
        raise TypeError("not an ndarray")
    dt = arr.dtype
    if dt.kind in "fiub" and not dt.isnative and dt.itemsize > 1:
        arr = arr.astype(dt.newbyteorder("<"))
        dt = arr.dtype
    if dt.str not in ALLOWED_DTYPES:
        raise TypeError(f"ndarray of dtype {dt} is not allowed")
    if arr.ndim > MAX_NDIM:
        raise TypeError(f"ndarray with {arr.ndim} dimensions (at most {MAX_NDIM})")
    if not arr.flags.c_contiguous:
        arr = arr.copy(order="C")  # (np.ascontiguousarray would turn 0-d into 1-d)
    if dt.kind == "b":  # bytes other than 0/1 would be rejected by the receiver
        arr = np.asarray(arr.view(np.uint8) != 0)
    return arr


class _Packer:
    def __init__(self, strict: bool):
        self.strict = strict
        self.arrays: list[np.ndarray] = []
        self.nodes = 0

    def fail(self, value: Any, why: str) -> Any:
        if self.strict:
            raise TypeError(why)
        return {"$bad": type_name(value)}

    def add_array(self, arr: np.ndarray) -> dict:
        if len(self.arrays) >= MAX_ARRAYS:
            raise TypeError(f"more than {MAX_ARRAYS} arrays")
        self.arrays.append(arr)
        return {"$a": len(self.arrays) - 1}

    def pack(self, value: Any, depth: int) -> Any:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            if self.strict:
                raise TypeError(f"value has more than {MAX_NODES} parts")
            return {"$bad": "too-large"}
        if depth > MAX_DEPTH:
            if self.strict:
                raise TypeError(f"value nested deeper than {MAX_DEPTH}")
            return {"$bad": "too-deep"}
        t = type(value)
        try:
            if value is None:
                return None
            if t is Bad:
                return {"$bad": value.type_name}
            if issubclass(t, str):
                return {"$s": str.__str__(value)}
            if t is bool:
                return self.add_array(np.array(value, dtype=np.bool_))
            if issubclass(t, np.ndarray) or issubclass(t, np.generic):
                return self.add_array(_as_array(value))
            if issubclass(t, int):
                return self.add_array(np.array(int.__index__(value), dtype=np.int64))
            if issubclass(t, float):
                return self.add_array(np.array(float.__float__(value), dtype=np.float64))
            if issubclass(t, (list, tuple)):
                items = list.__iter__(value) if issubclass(t, list) else tuple.__iter__(value)
                return [self.pack(v, depth + 1) for v in items]
            if issubclass(t, dict):
                out: dict[str, Any] = {}
                for k, v in dict.items(value):
                    if not issubclass(type(k), str):
                        return self.fail(value, f"dict key of type {type_name(k)} (keys must be str)")
                    key = str.__str__(k)
                    if key in out:
                        return self.fail(value, f"duplicate dict key {key!r}")
                    out[key] = self.pack(v, depth + 1)
                return {"$d": out}
        except (TypeError, ValueError, OverflowError) as exc:
            return self.fail(value, f"cannot pack {type_name(value)}: {exc}")
        except Exception:  # a student's object misbehaving while being converted
            if self.strict:
                raise
            return {"$bad": type_name(value)}
        return self.fail(value, f"cannot pack an object of type {type_name(value)}")


def pack(value: Any, strict: bool = True) -> tuple[Any, list[np.ndarray]]:
    """``value`` → ``(tree, arrays)``; with ``strict=False`` unknown parts become ``{"$bad": type}``."""
    packer = _Packer(strict)
    tree = packer.pack(value, 0)
    return tree, packer.arrays


def _check_array(arr: Any) -> np.ndarray:
    if type(arr) is not np.ndarray:
        raise ProtocolError(f"expected an ndarray, got {type_name(arr)}")
    if arr.dtype.str not in ALLOWED_DTYPES or arr.ndim > MAX_NDIM:
        raise ProtocolError(f"ndarray dtype {arr.dtype} / ndim {arr.ndim} not allowed")
    return arr


def unpack(tree: Any, arrays: list) -> Any:
    """Validate ``tree`` and rebuild the value (0-d arrays come back as numpy scalars)."""
    arrays = [_check_array(a) for a in arrays]
    used = [False] * len(arrays)
    nodes = 0

    def walk(node: Any, depth: int) -> Any:
        nonlocal nodes
        nodes += 1
        if nodes > MAX_NODES:
            raise ProtocolError(f"tree has more than {MAX_NODES} nodes")
        if depth > MAX_DEPTH:
            raise ProtocolError(f"tree nested deeper than {MAX_DEPTH}")
        if node is None:
            return None
        if type(node) is list:
            return [walk(v, depth + 1) for v in node]
        if type(node) is dict and len(node) == 1:
            (tag, inner), = node.items()
            if tag == "$a":
                if type(inner) is not int or not 0 <= inner < len(arrays):
                    raise ProtocolError(f"bad array reference {inner!r}")
                if used[inner]:
                    raise ProtocolError(f"array {inner} referenced twice")
                used[inner] = True
                arr = arrays[inner]
                return arr[()] if arr.ndim == 0 else arr
            if tag == "$s":
                if type(inner) is not str:
                    raise ProtocolError("$s needs a string")
                return inner
            if tag == "$d":
                if type(inner) is not dict:
                    raise ProtocolError("$d needs an object")
                return {k: walk(v, depth + 1) for k, v in inner.items()}
            if tag == "$bad":
                if type(inner) is not str:
                    raise ProtocolError("$bad needs a string")
                return Bad(inner)
        raise ProtocolError(f"unexpected node of type {type(node).__name__} in tree")

    value = walk(tree, 0)
    if not all(used):
        raise ProtocolError(f"array {used.index(False)} is not referenced")
    return value


# ------------------------------------------------------------------------------ frames


def header_floor(tree: Any, stop: int) -> int:
    """A lower bound of the header bytes :func:`encode_frame` makes of ``tree`` (its keys' and strings'
    lengths), counted until it passes ``stop``.

    JSON adds quotes and escapes and UTF-8 never shortens, so the worker refuses a tree whose
    floor passes its header limit without encoding it: a reply of 14 000 keys of 1 000
    characters costs a walk, not a 56 MB ``json.dumps`` per attempt."""
    total, todo = 0, [tree]
    node: Any
    while todo and total <= stop:
        node = todo.pop()
        if type(node) is dict:
            for key, value in node.items():
                total += len(key)
                if type(value) is str:
                    total += len(value)
                else:
                    todo.append(value)
        elif type(node) is list:
            todo.extend(node)
    return total


def encode_frame(msg: Any, arrays: Iterable[np.ndarray]) -> list:
    """The frame as a list of buffers (prefix, header, then padded array bytes)."""
    descr: list[dict] = []
    chunks: list[bytes | memoryview] = []
    offset = 0
    for arr in arrays:
        arr = _check_array(arr)
        if not arr.flags.c_contiguous:
            arr = arr.copy(order="C")
        pad = -offset % ALIGN
        if pad:
            chunks.append(b"\0" * pad)
            offset += pad
        descr.append({"dtype": arr.dtype.str, "shape": list(arr.shape), "offset": offset,
                      "nbytes": int(arr.nbytes)})
        if arr.nbytes:
            chunks.append(arr.reshape(-1).view(np.uint8).data)
        offset += arr.nbytes
    header = json.dumps({"msg": msg, "arrays": descr}, separators=(",", ":"),
                        ensure_ascii=False, allow_nan=False).encode("utf-8")
    header += b" " * (-(PREFIX.size + len(header)) % ALIGN)  # body starts aligned
    if len(header) > MAX_HEADER:
        raise ProtocolError(f"frame header of {len(header)} bytes exceeds {MAX_HEADER}")
    return [PREFIX.pack(MAGIC, len(header), offset), header, *chunks]


def _poll(fd: int, events: int, deadline: float | None) -> None:
    if deadline is None:
        timeout_ms = None
    else:
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError("deadline passed")
        timeout_ms = max(1, int(left * 1000))
    poller = select.poll()
    poller.register(fd, events)
    if not poller.poll(timeout_ms) and deadline is not None:
        raise TimeoutError("deadline passed")


COALESCE_BYTES = 1 << 16


def _coalesced(chunks: Iterable) -> Iterable:
    """The chunks with consecutive small ones joined: a frame is a chunk (and a padding chunk)
    per array, often hundreds of small ones, and each would otherwise be its own poll + write
    (and wake the reader).  Chunks of COALESCE_BYTES or more are passed on as they are."""
    small: list = []
    size = 0
    for chunk in chunks:
        view = memoryview(chunk).cast("B")
        if len(view) >= COALESCE_BYTES:
            if small:
                yield b"".join(small)
                small, size = [], 0
            yield view
            continue
        small.append(view)
        size += len(view)
        if size >= COALESCE_BYTES:
            yield b"".join(small)
            small, size = [], 0
    if small:
        yield b"".join(small)


def write_bytes(out: Stream, chunks: Iterable, deadline: float | None = None) -> None:
    """Write every chunk; on an fd honour ``deadline`` (works with blocking and non-blocking fds)."""
    if not isinstance(out, int):
        for chunk in chunks:
            out.write(chunk)
        out.flush()
        return
    for chunk in _coalesced(chunks):
        view = memoryview(chunk).cast("B")
        while view:
            if deadline is not None:
                _poll(out, select.POLLOUT, deadline)
            try:
                n = os.write(out, view[:1 << 20])
            except BlockingIOError:
                _poll(out, select.POLLOUT, deadline)
                continue
            view = view[n:]


def write_frame(out: Stream, msg: Any, arrays: Iterable[np.ndarray], deadline: float | None = None) -> None:
    """Write one frame: ``msg`` is a tree (see :func:`pack`), ``arrays`` the arrays it references."""
    write_bytes(out, encode_frame(msg, arrays), deadline)


def _read_into(src: Stream, view: memoryview, deadline: float | None) -> int:
    """Fill ``view``; return how many bytes were read (short only at end of stream)."""
    got = 0
    n: int | None
    while got < len(view):
        if isinstance(src, int):
            if deadline is not None:
                _poll(src, select.POLLIN, deadline)
            try:
                n = os.readv(src, [view[got:]])
            except BlockingIOError:
                _poll(src, select.POLLIN, deadline)
                continue
        else:
            n = src.readinto(view[got:]) if hasattr(src, "readinto") else None
            if n is None:
                data = src.read(len(view) - got)
                n = len(data)
                view[got:got + n] = data
        if not n:
            break
        got += n
    return got


def parse_prefix(prefix: bytes, max_bytes: int) -> tuple[int, int]:
    """Validate the 16-byte prefix; return ``(header_len, body_len)``."""
    magic, header_len, body_len = PREFIX.unpack(prefix)
    if magic != MAGIC:
        raise ProtocolError("bad magic")
    if header_len > MAX_HEADER:
        raise ProtocolError(f"header of {header_len} bytes exceeds {MAX_HEADER}")
    if PREFIX.size + header_len + body_len > max_bytes:
        raise ProtocolError(f"frame of {PREFIX.size + header_len + body_len} bytes exceeds {max_bytes}")
    return header_len, body_len


def read_frame_bytes(src: Stream, max_bytes: int = DEFAULT_MAX_BYTES, deadline: float | None = None,
                     into: Callable[[int], memoryview] | None = None) -> bytearray | memoryview:
    """Read one whole frame (prefix validated) without decoding it.

    ``into(size)``, if given, supplies the memory the frame is read into (a view of exactly
    ``size`` bytes, e.g. a buffer kept across requests); otherwise a new bytearray.
    Raises :class:`ConnectionClosed` at a clean end of stream, :class:`ProtocolError` on a bad
    or truncated frame and ``TimeoutError`` when ``deadline`` (``time.monotonic()``) passes.
    """
    prefix = bytearray(PREFIX.size)
    got = _read_into(src, memoryview(prefix), deadline)
    if got == 0:
        raise ConnectionClosed("end of stream")
    if got < PREFIX.size:
        raise ProtocolError("truncated frame prefix")
    header_len, body_len = parse_prefix(bytes(prefix), max_bytes)
    size = PREFIX.size + header_len + body_len
    buf = bytearray(size) if into is None else into(size)
    buf[:PREFIX.size] = prefix
    rest = memoryview(buf)[PREFIX.size:]
    if _read_into(src, rest, deadline) < len(rest):
        raise ProtocolError("truncated frame")
    return buf


def _no_constants(name: str) -> Any:
    raise ProtocolError(f"{name} is not allowed in a frame header")


_DTYPES: dict = {}  # ALLOWED_DTYPES' numpy dtypes, by name (filled at the first array decoded)
_DESCRIPTOR_KEYS = frozenset({"dtype", "shape", "offset", "nbytes"})


def decode_frame(buf: Union[bytes, bytearray, memoryview, mmap.mmap], max_bytes: int = DEFAULT_MAX_BYTES) -> tuple[Any, list[np.ndarray]]:
    """Validate a whole frame and return ``(msg_tree, arrays)``; arrays view ``buf``."""
    if len(buf) < PREFIX.size:
        raise ProtocolError("truncated frame prefix")
    header_len, body_len = parse_prefix(bytes(buf[:PREFIX.size]), max_bytes)
    if len(buf) != PREFIX.size + header_len + body_len:
        raise ProtocolError("frame length does not match its prefix")
    mv = memoryview(buf)
    try:
        header = json.loads(bytes(mv[PREFIX.size:PREFIX.size + header_len]).decode("utf-8"),
                            parse_constant=_no_constants)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise ProtocolError(f"bad frame header: {exc}") from None
    if type(header) is not dict or set(header) != {"msg", "arrays"} or type(header["arrays"]) is not list:
        raise ProtocolError("frame header must be {'msg': ..., 'arrays': [...]}")
    descr = header["arrays"]
    if len(descr) > MAX_ARRAYS:
        raise ProtocolError(f"more than {MAX_ARRAYS} arrays")
    body = mv[PREFIX.size + header_len:]
    arrays, spans = [], []
    if descr and not _DTYPES:
        _DTYPES.update((name, np.dtype(name)) for name in ALLOWED_DTYPES)
    # (one pass per array with the same checks as ever: a request holds hundreds of small arrays,
    # and every request is decoded twice inside the sandbox)
    for d in descr:
        if type(d) is not dict or d.keys() != _DESCRIPTOR_KEYS:
            raise ProtocolError("bad array descriptor")
        dtype, shape, offset, nbytes = d["dtype"], d["shape"], d["offset"], d["nbytes"]
        dt = _DTYPES.get(dtype) if type(dtype) is str else None
        if dt is None:
            raise ProtocolError(f"dtype {dtype!r} is not allowed")
        if type(shape) is not list or len(shape) > MAX_NDIM:
            raise ProtocolError(f"bad shape {shape!r}")
        count = 1
        for n in shape:
            if type(n) is not int or n < 0:
                raise ProtocolError(f"bad shape {shape!r}")
            count *= n
        if type(offset) is not int or type(nbytes) is not int or offset < 0 or nbytes < 0:
            raise ProtocolError("bad offset/nbytes")
        if count * dt.itemsize != nbytes:
            raise ProtocolError(f"shape {shape} of {dtype} does not match {nbytes} bytes")
        if offset + nbytes > body_len:
            raise ProtocolError("array buffer out of range")
        if nbytes:
            spans.append((offset, offset + nbytes))
            arr: np.ndarray = np.ndarray(shape, dt, body, offset)  # a view, as np.frombuffer(...).reshape(shape), 6x faster
            if dt.kind == "b" and arr.view(np.uint8).max() > 1:
                raise ProtocolError("bool array holds bytes other than 0 and 1")
        else:
            arr = np.zeros(shape, dtype=dt)
        arrays.append(arr)
    spans.sort()
    for (_, end), (start, _) in zip(spans, spans[1:]):
        if start < end:
            raise ProtocolError("array buffers overlap")
    return header["msg"], arrays


def read_frame(src: Stream, max_bytes: int = DEFAULT_MAX_BYTES, deadline: float | None = None) -> tuple[Any, list[np.ndarray]]:
    """Read and validate one frame; return ``(msg_tree, arrays)`` (pass both to :func:`unpack`)."""
    return decode_frame(read_frame_bytes(src, max_bytes, deadline), max_bytes)


def send(out: Stream, value: Any, strict: bool = True, deadline: float | None = None) -> None:
    """``pack`` + ``write_frame``."""
    tree, arrays = pack(value, strict=strict)
    write_frame(out, tree, arrays, deadline)


def recv(src: Stream, max_bytes: int = DEFAULT_MAX_BYTES, deadline: float | None = None) -> Any:
    """``read_frame`` + ``unpack``."""
    return unpack(*read_frame(src, max_bytes, deadline))


# ------------------------------------------------------------------------------ fixtures


def save_npz(path: Union[str, os.PathLike], value: Any) -> None:
    """Store a value as ``.npz``: ``__meta__`` = tree as UTF-8 bytes, ``a0 a1 …`` = arrays."""
    tree, arrays = pack(value)
    meta = np.frombuffer(json.dumps(tree, separators=(",", ":"), ensure_ascii=False,
                                    allow_nan=False).encode("utf-8"), dtype=np.uint8)
    with open(path, "wb") as handle:  # an open file: numpy does not append ".npz"
        named: dict[str, Any] = {"__meta__": meta, **{f"a{i}": a for i, a in enumerate(arrays)}}
        np.savez_compressed(handle, **named)


def load_npz(path: Union[str, os.PathLike]) -> Any:
    """Load a value stored by :func:`save_npz` (no pickle; validated like a frame)."""
    with np.load(path, allow_pickle=False) as data:
        names = set(data.files)
        count = len(names) - 1
        if "__meta__" not in names or names != {"__meta__", *(f"a{i}" for i in range(count))}:
            raise ProtocolError(f"{os.fspath(path)}: not an RNN Lab fixture")
        meta = data["__meta__"]
        if meta.dtype != np.uint8 or meta.ndim != 1 or meta.nbytes > MAX_HEADER:
            raise ProtocolError(f"{os.fspath(path)}: bad __meta__")
        arrays = []
        for i in range(count):
            arr = data[f"a{i}"]
            if arr.dtype.str not in ALLOWED_DTYPES and arr.dtype.kind in "fiub" and arr.dtype.itemsize > 1:
                arr = arr.astype(arr.dtype.newbyteorder("<"))
            arrays.append(_check_array(arr))
    try:
        tree = json.loads(meta.tobytes().decode("utf-8"), parse_constant=_no_constants)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise ProtocolError(f"{os.fspath(path)}: bad __meta__: {exc}") from None
    return unpack(tree, arrays)
