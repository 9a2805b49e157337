"""The memo of dim bindings for one call, and matching a shape against a pattern."""

from __future__ import annotations

from ._specs import TensorSpec

# dim name -> (its size, the name of what bound it: "w", "xs[1]", "self.weight", that
# thing's shape); a variadic "*B" binds a tuple of sizes.
Memo = dict[str, tuple[int | tuple[int, ...], str, tuple[int, ...]]]


def match(spec: TensorSpec, shape: tuple[int, ...], memo: Memo, by: str) -> str | None:
    """Bind ``spec``'s dims to ``shape`` in ``memo``; the reason it fails, or None."""
    n = len(shape)
    if spec.variadic is None:
        if n != spec.rank:
            return f"expected {spec.rank} dims, got {n}"
    elif n < spec.rank:
        return f"expected at least {spec.rank} dims, got {n}"
    for i, sizes in spec.literals:
        if shape[i] not in sizes:
            want = " or ".join(map(str, sorted(sizes)))
            return f"dim {i % n} must be {want}"
    for i, name in spec.names:
        bound = memo.get(name)
        if bound is None:
            memo[name] = (shape[i], by, shape)
        elif bound[0] != shape[i]:
            return f"{name}={bound[0]} was bound by {bound[1]} {bound[2]}"
    if spec.variadic:
        prefix = shape[spec.head : spec.head + n - spec.rank]
        bound = memo.get(spec.variadic)
        if bound is None:
            memo[spec.variadic] = (prefix, by, shape)
        elif bound[0] != prefix:
            return f"{spec.variadic}={bound[0]} was bound by {bound[1]} {bound[2]}"
    return None
