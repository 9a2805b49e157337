"""Movement: the sizes of a tensor whose dims are moved, merged, split or repeated.

`flatten` (the method and `nn.Flatten`), `reshape`, `permute`, `squeeze`, `unsqueeze`,
`repeat` and `tile` (indexing: `_indexing.py`).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from mypy.plugin import MethodContext
from mypy.types import AnyType, Instance, Type, TypeOfAny, get_proper_type

from ._products import factors, product
from ._shapes import (
    Dim,
    arg_dim,
    as_dim,
    disagrees,
    fail,
    has_star,
    int_arg,
    int_value,
    line_has_error,
    literal,
    normalize_axis,
    shape_of,
    show,
    tensor_like,
)

# --- flatten, reshape ------------------------------------------------------------------


def flatten_hook(ctx: MethodContext) -> Type:
    dims = shape_of(ctx.type)
    start = int_arg(ctx.arg_types, 0, 0)
    if dims is None or start is None or (start := normalize_axis(start, max(len(dims), 1))) is None:
        return ctx.default_return_type
    merged = _merged(ctx, dims[start:])
    if merged is None:
        return ctx.default_return_type
    return tensor_like(ctx.default_return_type, [d.type for d in dims[:start]] + [merged])


def flatten_module_hook(ctx: MethodContext) -> Type:
    """`nn.Flatten(start, end)(x)`: the dims from `start` to `end` merged (`Flatten[L1, L-1]`
    by default, as `x.flatten(1)`); a `Flatten[int, int]` is left to its signature."""
    x = shape_of(ctx.arg_types[0][0]) if ctx.arg_types and ctx.arg_types[0] else None
    module = get_proper_type(ctx.type)
    axes = [int_value(a) for a in module.args] if isinstance(module, Instance) else []
    if not x or len(axes) != 2 or axes[0] is None or axes[1] is None:
        return ctx.default_return_type
    start, end = normalize_axis(axes[0], len(x)), normalize_axis(axes[1], len(x))
    if start is None or end is None or start > end:
        return ctx.default_return_type
    merged = _merged(ctx, x[start : end + 1])
    if merged is None:
        return ctx.default_return_type
    return tensor_like(
        ctx.default_return_type,
        [d.type for d in x[:start]] + [merged] + [d.type for d in x[end + 1 :]],
    )


def _merged(ctx: MethodContext, dims: Sequence[Dim]) -> Type | None:
    """Merged dims: their literal product, or their `Prod` where one of them is a `Prod`
    already (code that states products); else None (the signature's `Dyn`: a layer typed
    with a named input size must keep accepting a merge of other named dims)."""
    if all(d.size is not None for d in dims) or any(d.factors for d in dims):
        return product(ctx, dims)
    return None


@dataclass(frozen=True)
class Count:
    """An element count: a literal product times named dims (None: not computable).

    A `Prod[H, D]` counts as its factors, so `(T, Prod[H, D])` and `(T, H, D)` agree.
    """

    product: int
    names: Counter[str]
    types: dict[str, Type] = field(compare=False, default_factory=dict)

    @staticmethod
    def of(dims: Sequence[Dim]) -> Count | None:
        parts = [f for d in dims for f in factors(d)]
        if not all(d.known for d in parts):
            return None
        return Count(
            math.prod(d.size for d in parts if d.size is not None),
            Counter(d.name for d in parts if d.name is not None),
            {d.name: d.type for d in parts if d.name is not None},
        )

    def __str__(self) -> str:
        names = sorted(self.names.elements())
        return "·".join(
            [str(self.product)] * (self.product != 1 or not names)
            + [n.rsplit(".", 1)[-1] for n in names]
        )


def reshape_hook(ctx: MethodContext) -> Type:
    if has_star(ctx):
        return ctx.default_return_type
    targets = [  # *dims: one group each; `28 * 28` is a literal too
        arg_dim(ctx, t, e)
        for types, exprs in zip(ctx.arg_types, ctx.args, strict=True)
        for t, e in zip(types, exprs, strict=True)
    ]
    if line_has_error(ctx) or disagrees(ctx.default_return_type, [targets]):
        # A declared target that rejects the dims: mypy has said so; say what -1 is.
        hole = _infer_hole(ctx, targets, report=False)
        if hole is not None:
            sizes = [_shown(hole) if d.size == -1 else d for d in targets]
            ctx.api.msg.note(
                f"reshape: the -1 is {_shown(hole)}: the result is {show(sizes)}", ctx.context
            )
        return ctx.default_return_type
    dims: list[Type] = [literal(ctx, d.size) if d.size is not None else d.type for d in targets]
    holes = [i for i, d in enumerate(targets) if d.size == -1]
    if len(holes) > 1 or any(d.size is not None and d.size < -1 for d in targets):
        fail(ctx, f"reshape: {show(targets)} has more than one -1 or a negative size")
        return ctx.default_return_type
    hole = _infer_hole(ctx, targets, report=True)
    if holes:
        dims[holes[0]] = (
            literal(ctx, hole)
            if isinstance(hole, int)
            else hole
            if hole is not None
            else AnyType(TypeOfAny.special_form)
        )
    return tensor_like(ctx.default_return_type, dims)


def _leftover(ctx: MethodContext, source: Sequence[Dim], have: Count, want: Count) -> Type | None:
    """The dim a -1 stands for when the named dims of `want` are among those of `have`:
    the product of the rest (`Prod[H, D]` for `reshape(b, t, -1)` of `(B, T, H, D)`)."""
    if have.product % want.product:
        return None
    spare = want.names.copy()
    rest: list[Dim] = []
    for dim in (f for d in source for f in factors(d) if f.name is not None):
        if spare[dim.name or ""] > 0:
            spare[dim.name or ""] -= 1
        else:
            rest.append(dim)
    quotient = have.product // want.product
    return product(ctx, [*([Dim(literal(ctx, quotient), size=quotient)] * (quotient != 1)), *rest])


def _shown(hole: int | Type) -> object:
    return hole if isinstance(hole, int) else as_dim(hole)


def _infer_hole(ctx: MethodContext, targets: list[Dim], report: bool) -> int | Type | None:
    """What a `-1` among `targets` stands for (a literal size, or the one named dim left
    over: `reshape(b, t, h, -1)` of `(B, T, Prod[H, D])` is `D`); checks the count when
    there is no -1.

    None where it is not computable (names that do not cancel) or the count is wrong
    (then an error when `report`).
    """
    source = shape_of(ctx.type)
    have = Count.of(source) if source is not None else None
    want = Count.of([d for d in targets if d.size != -1])
    if source is None or have is None or want is None:
        return None
    hole = any(d.size == -1 for d in targets)
    if have.names != want.names:
        stated = any(d.factors for d in [*source, *targets])
        lone = sum((have.names - want.names).values()) == 1 and have.product == want.product
        if hole and not want.names - have.names and want.product and (stated or lone):
            leftover = _leftover(ctx, source, have, want)
            if leftover is not None:
                return leftover
        if stated and not hole and report:  # the user stated the relation: hold them to it
            fail(ctx, f"reshape: {show(source)} has {have} elements, {show(targets)} has {want}")
        return None  # else named dims that do not cancel: anything is possible at run time
    if hole:
        if want.product and have.product % want.product == 0:
            return have.product // want.product
        if report:
            fail(ctx, f"reshape: cannot infer -1: {have} elements do not divide by {want}")
    elif have != want and report:
        fail(ctx, f"reshape: {show(source)} has {have} elements, {show(targets)} has {want}")
    return None


# --- permute, squeeze, unsqueeze beyond their overloads -------------------------------
# Their overloads cover the common axes; any other axis falls back to Tensor[*AnyShape].
# On a tensor of known rank the plugin computes that case too.


def _fallback(ctx: MethodContext) -> tuple[list[Dim], list[int]] | None:
    """Self's dims and the literal int arguments, when the overloads gave no shape."""
    dims = shape_of(ctx.type)
    axes = [int_value(t) for group in ctx.arg_types for t in group]
    if has_star(ctx):
        return None
    if dims is None or shape_of(ctx.default_return_type) is not None or None in axes:
        return None
    return dims, [a for a in axes if a is not None]


def permute_hook(ctx: MethodContext) -> Type:
    if (found := _fallback(ctx)) is None:
        return ctx.default_return_type
    dims, axes = found
    order = [normalize_axis(a, len(dims)) for a in axes]
    if sorted(a for a in order if a is not None) != list(range(len(dims))):
        fail(ctx, f"permute: {tuple(axes)} is not an order of the {len(dims)} axes of {show(dims)}")
        return ctx.default_return_type
    return tensor_like(ctx.default_return_type, [dims[a].type for a in order if a is not None])


def unsqueeze_hook(ctx: MethodContext) -> Type:
    if (found := _fallback(ctx)) is None or len(found[1]) != 1:
        return ctx.default_return_type
    dims, (axis,) = found
    at = normalize_axis(axis, len(dims) + 1)
    if at is None:
        return ctx.default_return_type
    one = literal(ctx, 1)
    return tensor_like(
        ctx.default_return_type, [*(d.type for d in dims[:at]), one, *(d.type for d in dims[at:])]
    )


def squeeze_hook(ctx: MethodContext) -> Type:
    if (found := _fallback(ctx)) is None or len(found[1]) != 1:
        return ctx.default_return_type
    dims, (axis,) = found
    at = normalize_axis(axis, len(dims))
    if at is None or dims[at].name is not None:  # a named dim may be 1 at run time
        return ctx.default_return_type
    if dims[at].size not in (None, 1):
        fail(ctx, f"squeeze: dim {axis} of {show(dims)} is {dims[at]}, not 1")
        return ctx.default_return_type
    return tensor_like(ctx.default_return_type, [d.type for i, d in enumerate(dims) if i != at])


# --- repeat, tile ----------------------------------------------------------------------


def _times(ctx: MethodContext, dim: Dim, count: int | None) -> Type:
    """`dim` repeated `count` times: a literal product, the dim itself once, else Dyn."""
    if count == 1:
        return dim.type
    if dim.size is not None and count is not None:
        return literal(ctx, dim.size * count)
    return AnyType(TypeOfAny.special_form)


def repeat_hook(ctx: MethodContext) -> Type:
    """`x.repeat(r, axis=a)`: the dim at `a` times `r`, on a tensor of known rank."""
    dims = shape_of(ctx.type)
    repeats, axis = int_arg(ctx.arg_types, 0, None), int_arg(ctx.arg_types, 1, None)
    if dims is None or axis is None or has_star(ctx):
        return ctx.default_return_type
    at = normalize_axis(axis, len(dims))
    if at is None or (repeats is not None and repeats < 0):
        problem = f"axis {axis} is out of range" if at is None else f"negative repeats {repeats}"
        fail(ctx, f"repeat: {problem} for {show(dims)}")
        return ctx.default_return_type
    result = [_times(ctx, d, repeats) if i == at else d.type for i, d in enumerate(dims)]
    return tensor_like(ctx.default_return_type, result)


def tile_hook(ctx: MethodContext) -> Type:
    """`x.tile(*reps)`: np.tile's shape, leading 1s added to the shorter of shape and reps."""
    dims = shape_of(ctx.type)
    reps = [int_value(t) for group in ctx.arg_types for t in group]
    if dims is None or has_star(ctx):
        return ctx.default_return_type
    if any(r is not None and r < 0 for r in reps):
        fail(ctx, f"tile: reps ({', '.join(map(str, reps))}) for {show(dims)} must be >= 0")
        return ctx.default_return_type
    rank = max(len(dims), len(reps))
    padded = [Dim(literal(ctx, 1), size=1)] * (rank - len(dims)) + dims
    counts: list[int | None] = [*[1] * (rank - len(reps)), *reps]
    result = [_times(ctx, d, r) for d, r in zip(padded, counts, strict=True)]
    return tensor_like(ctx.default_return_type, result)
