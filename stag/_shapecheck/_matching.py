"""The memo of dim bindings for one call, and matching a shape against a pattern."""

from __future__ import annotations

import math
from typing import NamedTuple

from ._specs import TensorSpec, dim_name, factors, is_product, literal_size

# dim (the TypeVar, NewType or TypeVarTuple object) -> (its size, the name of what bound
# it: "w", "xs[1]", "self.weight", that thing's shape); a TypeVarTuple binds a tuple of
# sizes.
Memo = dict[object, tuple[int | tuple[int, ...], str, tuple[int, ...]]]

# Present in a memo once a Prod[F1, F2] dim is bound: from then on every match of the
# call also checks the products against their factors (a factor may bind later).
PRODUCTS = object()


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
            if is_product(dim):
                memo[PRODUCTS] = ((), "", ())
        elif bound[0] != shape[i]:
            return f"{dim_name(dim)}={bound[0]} was bound by {bound[1]} {tuple(bound[2])}"
    if PRODUCTS in memo and (reason := _products(memo)) is not None:
        return reason
    if spec.prefix is not None:
        prefix = shape[spec.head : spec.head + n - spec.rank]
        bound = memo.get(spec.prefix)
        if bound is None:
            memo[spec.prefix] = (prefix, by, shape)
        elif bound[0] != prefix:
            return f"*{dim_name(spec.prefix)}={bound[0]} was bound by {bound[1]} {tuple(bound[2])}"
    return None


def _products(memo: Memo) -> str | None:
    """Check every bound ``Prod[F1, F2]`` against its factors; a lone unbound factor that
    divides the product is bound to the quotient."""
    for dim, (size, by, shape) in list(memo.items()):
        if not is_product(dim) or not isinstance(size, int):
            continue
        sizes = [_size_of(f, memo) for f in factors(dim)]
        unknown = [f for f, s in zip(factors(dim), sizes, strict=True) if s is None]
        known = math.prod(s for s in sizes if s is not None)
        shown = " * ".join(
            f"{dim_name(f)}={s}" if s is not None else dim_name(f)
            for f, s in zip(factors(dim), sizes, strict=True)
        )
        if not unknown and known != size:
            return f"{dim_name(dim)}={size} (bound by {by} {tuple(shape)}) but {shown} is {known}"
        if len(unknown) == 1 and not is_product(unknown[0]):
            if known == 0 or size % known:
                return f"{dim_name(dim)}={size} (bound by {by} {tuple(shape)}) is not a multiple of {known}"
            memo[unknown[0]] = (size // known, f"{by} (as {dim_name(dim)})", shape)
    return None


def _size_of(dim: object, memo: Memo) -> int | None:
    size = literal_size(dim)
    if size is not None:
        return size
    bound = memo.get(dim)
    if bound is not None and isinstance(bound[0], int):
        return bound[0]
    if is_product(dim):
        parts = [_size_of(f, memo) for f in factors(dim)]
        return None if None in parts else math.prod(p for p in parts if p is not None)
    return None
