"""A capture made into a program: shared subexpressions, dead values, buffers, Python source.

The program is one generated Python function of straight-line code, a local
variable per value: ``v7 = f7(v3, v5, axis=v6)``.  Before it is written:

- a call that repeats an earlier one (the same function on the same values with the
  same arguments) reuses its result;
- a call whose result nothing reads is dropped;
- a numpy ufunc whose result stays inside the program writes into a buffer allocated
  once (``out=``) instead of a new array on every replay.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from stag._compile._capture import CONST, INPUT, Call, Instruction, LoadGrad, Recorder, SetGrad
from stag._ops import PRIMITIVES

Replay = Callable[..., list[object]]


@dataclass
class Outputs:
    """Where the results come from: a slot per array leaf, the value itself otherwise."""

    slots: list[int | None]
    tensor: list[bool]  # the leaf was a Tensor
    values: list[object]


def _keeping() -> set[object]:
    """Functions that may keep an argument past the call: conv's forward and VJPs hold an
    im2col matrix keyed by the identity of their input array (``stag._ops.conv._Kept``),
    which a buffer rewritten on the next replay would defeat."""
    from stag._ops import conv

    kept: set[object] = set()
    for prim in PRIMITIVES.values():
        if getattr(prim.forward, "__module__", None) == conv.__name__:
            kept.add(prim.forward)
            kept.update(prim.vjps)
    return kept


_TAKES_OUT: dict[object, bool] = {}


def _takes_out(fn: object) -> bool:
    """A ufunc with one result, or a function with an ``out`` parameter (relu, matmul's VJPs)."""
    found = _TAKES_OUT.get(fn)
    if found is None:
        if isinstance(fn, np.ufunc):
            found = fn.nout == 1
        else:
            code = getattr(fn, "__code__", None)
            found = code is not None and "out" in code.co_varnames[: code.co_argcount]
        _TAKES_OUT[fn] = found
    return found


def _share(
    instructions: list[Instruction], rec: Recorder
) -> tuple[list[Instruction], dict[int, int]]:
    """Common subexpressions: a call equal to an earlier one reads that one's result."""
    if any(
        isinstance(i, Call) and i.writes is not None and rec.kinds[i.writes] != CONST
        for i in instructions
    ):
        return instructions, {}  # a value written in place must keep its own array
    seen: dict[tuple[object, ...], int] = {}
    renamed: dict[int, int] = {}
    kept: list[Instruction] = []
    for ins in instructions:
        if isinstance(ins, Call):
            ins.args = tuple(renamed.get(s, s) for s in ins.args)
            ins.kwargs = tuple((k, renamed.get(s, s)) for k, s in ins.kwargs)
            if ins.writes is None:
                key = (id(ins.fn), ins.args, ins.kwargs)
                earlier = seen.get(key)
                if earlier is not None:
                    renamed[ins.out] = earlier
                    continue
                seen[key] = ins.out
        elif isinstance(ins, SetGrad) and ins.value is not None:
            ins.value = renamed.get(ins.value, ins.value)
        kept.append(ins)
    return kept, renamed


def _drop_dead(instructions: list[Instruction], needed: set[int]) -> list[Instruction]:
    """Calls whose result is never read, in place of nothing, are dropped (last first)."""
    kept: list[Instruction] = []
    for ins in reversed(instructions):
        if isinstance(ins, Call):
            if ins.writes is None and ins.out not in needed:
                continue
            needed.update(ins.args)
            needed.update(s for _, s in ins.kwargs)
            if ins.writes is not None:
                needed.add(ins.writes)
        elif isinstance(ins, SetGrad) and ins.value is not None:
            needed.add(ins.value)
        kept.append(ins)
    kept.reverse()
    return kept


def _buffered(instructions: list[Instruction], rec: Recorder, escaping: set[int]) -> set[int]:
    """The results a ufunc may write into a buffer of their own, reused on every replay.

    Not a result that leaves the program (a returned value, a gradient still set when it
    ends, one a view of those), nor one read by a function that might keep it (conv's
    im2col cache matches arrays by identity).
    """
    keeping = _keeping()
    for ins in reversed(instructions):
        if isinstance(ins, Call) and ins.out in escaping:
            escaping.update(ins.aliases)
    readers_ok: dict[int, bool] = {}
    for ins in instructions:
        if isinstance(ins, Call):
            ok = ins.fn not in keeping
            for s in (*ins.args, *(s for _, s in ins.kwargs)):
                readers_ok[s] = readers_ok.get(s, True) and ok
    chosen: set[int] = set()
    for ins in instructions:
        if (
            isinstance(ins, Call)
            and _takes_out(ins.fn)
            and ins.writes is None
            and not ins.kwargs
            and ins.out not in escaping
            and readers_ok.get(ins.out, True)
            and isinstance(rec.values[ins.out], np.ndarray)
            and all(isinstance(rec.values[s], np.ndarray) for s in ins.args)
        ):
            chosen.add(ins.out)
    return chosen


def build(rec: Recorder, outputs: Outputs, n_leaves: int) -> Replay:
    """The replay function: takes the flattened arguments, returns the output leaves."""
    instructions, renamed = _share(list(rec.instructions), rec)
    out_slots = [None if s is None else renamed.get(s, s) for s in outputs.slots]
    escaping = {s for s in out_slots if s is not None}
    needed = escaping | {
        i.value for i in instructions if isinstance(i, SetGrad) and i.value is not None
    }
    # a gradient cleared before the end (grad = None after the update) stays inside the
    # program: the optimizers read it, none keeps it
    last_grad = {i.tensor: i.value for i in instructions if isinstance(i, SetGrad)}
    escaping.update(v for v in last_grad.values() if v is not None)
    instructions = _drop_dead(instructions, needed)
    buffers = _buffered(instructions, rec, escaping)

    names: dict[str, object] = {}
    lines = [f"def replay({', '.join(f'l{i}' for i in range(n_leaves))}):"]
    for slot, leaf in rec.inputs:
        lines.append(f"    v{slot} = getattr(l{leaf}, '_data', l{leaf})")

    def value(slot: int) -> str:
        if rec.kinds[slot] == CONST:
            names[f"v{slot}"] = rec.values[slot]
        return f"v{slot}"

    def tensor(ref: int) -> str:
        kind, target = rec.tensors[ref]
        if kind == "arg":
            return f"l{target}"
        names[f"t{ref}"] = target
        return f"t{ref}"

    for n, ins in enumerate(instructions):
        if isinstance(ins, Call):
            names[f"f{n}"] = ins.fn
            args = [value(s) for s in ins.args]
            args += [f"{k}={value(s)}" for k, s in ins.kwargs]
            if ins.writes is not None:
                args.append(f"out={value(ins.writes)}")
            elif ins.out in buffers:
                names[f"b{ins.out}"] = np.empty_like(rec.values[ins.out])
                args.append(f"out=b{ins.out}")
            lines.append(f"    v{ins.out} = f{n}({', '.join(args)})")
        elif isinstance(ins, SetGrad):
            if ins.value is None:
                lines.append(f"    {tensor(ins.tensor)}._grad = None")
            elif rec.kinds[ins.value] in (CONST, INPUT):  # .grad may be written in place later
                lines.append(f"    {tensor(ins.tensor)}._grad = {value(ins.value)}.copy()")
            else:
                lines.append(f"    {tensor(ins.tensor)}._grad = {value(ins.value)}")
        elif isinstance(ins, LoadGrad):
            lines.append(f"    v{ins.out} = {tensor(ins.tensor)}._grad")
        else:
            names[f"live{n}"] = ins.fn
            lines.append(f"    live{n}()")
    results = ", ".join("None" if s is None else value(s) for s in out_slots)
    lines.append(f"    return [{results}]")
    source = "\n".join(lines)
    namespace: dict[str, Any] = dict(names)
    # the source is written above from slot numbers only; every object it names is bound
    # in ``namespace``, none is spelled out in the text
    exec(compile(source, "<stag.compile replay>", "exec"), namespace)  # noqa: S102
    replay: Replay = namespace["replay"]
    replay.__doc__ = source  # the program, for a reader (and for the tests)
    return replay
