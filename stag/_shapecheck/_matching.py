"""The memo of dim bindings for one call, and matching a shape against a pattern."""

from __future__ import annotations

from typing import NamedTuple

from ._specs import TensorSpec, dim_name

# dim (the TypeVar, NewType or TypeVarTuple object) -> (its size, the name of what bound
# it: "w", "xs[1]", "self.weight", that thing's shape); a TypeVarTuple binds a tuple of
# sizes.
Memo = dict[object, tuple[int | tuple[int, ...], str, tuple[int, ...]]]


class Site(NamedTuple):
    """Where a value sits in a call, for messages: ``parameter b`` is bound-by ``b``."""

    where: str
    by: str
    annotation: str  # the parameter name (or "return") whose source text names the hint

    def item(self, key: object) -> Site:
        return Site(f"{self.where}[{key!r}]", f"{self.by}[{key!r}]", self.annotation)


def match(spec: TensorSpec, shape: tuple[int, ...], memo: Memo, by: str) -> str | None:
    """Bind ``spec``'s dims to ``shape`` in ``memo``; the reason it fails, or None."""
    n = len(shape)
    if not spec.variadic:
        if n != spec.rank:
            return f"expected {spec.rank} dims, got {n}"
    elif n < spec.rank:
        return f"expected at least {spec.rank} dims, got {n}"
    for i, sizes in spec.literals:
        if shape[i] not in sizes:
            want = " or ".join(map(str, sorted(sizes)))
            return f"dim {i % n} must be {want}"
    for i, dim in spec.names:
        bound = memo.get(dim)
        if bound is None:
            memo[dim] = (shape[i], by, shape)
        elif bound[0] != shape[i]:
            return f"{dim_name(dim)}={bound[0]} was bound by {bound[1]} {bound[2]}"
    if spec.prefix is not None:
        prefix = shape[spec.head : spec.head + n - spec.rank]
        bound = memo.get(spec.prefix)
        if bound is None:
            memo[spec.prefix] = (prefix, by, shape)
        elif bound[0] != prefix:
            return f"*{dim_name(spec.prefix)}={bound[0]} was bound by {bound[1]} {bound[2]}"
    return None
