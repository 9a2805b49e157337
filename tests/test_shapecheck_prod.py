"""@stag.shapecheck verifies a Prod[F1, F2] dim against the sizes bound to its factors."""

from __future__ import annotations

from typing import Literal, NewType

import pytest

import stag
from stag import Prod, ShapeError, Tensor

B = NewType("B", int)
T = NewType("T", int)
H = NewType("H", int)
D = NewType("D", int)
L3 = Literal[3]


@stag.shapecheck
def split_heads(x: Tensor[B, T, Prod[H, D]], heads: Tensor[H]) -> Tensor[B, H, T, D]:
    b, t, c = x.shape
    h = heads.shape[0]
    return x.reshape(b, t, h, c // h).permute(0, 2, 1, 3)


@stag.shapecheck
def merge_heads(x: Tensor[B, H, T, D], width: int) -> Tensor[B, T, Prod[H, D]]:
    b, h, t, d = x.shape
    if width == h * d:
        return x.permute(0, 2, 1, 3).reshape(b, t, width)
    return stag.zeros(b, t, width)  # a wrong width, the checker's to catch


@stag.shapecheck
def qkv_split(qkv: Tensor[B, T, Prod[L3, D]]) -> Tensor[B, T, D]:
    return qkv[:, :, : qkv.shape[-1] // 3]


def test_a_product_that_matches_its_factors_passes_both_ways():
    y = split_heads(stag.randn(2, 5, 12), stag.zeros(3))
    assert y.shape == (2, 3, 5, 4)
    assert merge_heads(y, 12).shape == (2, 5, 12)


def test_a_product_bound_before_its_factors_is_checked_when_they_bind():
    with pytest.raises(ShapeError) as info:
        merge_heads(stag.randn(2, 3, 5, 4), 13)
    assert str(info.value) == (
        "merge_heads(): return value has shape (2, 5, 13), expected Tensor[B, T, Prod[H, D]]; "
        "Prod[H, D]=13 (bound by the return value (2, 5, 13)) but H=3 * D=4 is 12"
    )


def test_a_product_binds_its_one_unknown_factor():
    @stag.shapecheck
    def wrong_head_dim(x: Tensor[B, T, Prod[H, D]], heads: Tensor[H]) -> Tensor[B, H, T, D]:
        b, t, _ = x.shape
        return stag.zeros(b, heads.shape[0], t, 5)

    with pytest.raises(ShapeError, match=r"return value has shape \(2, 3, 5, 5\).*D=4"):
        wrong_head_dim(stag.randn(2, 5, 12), stag.zeros(3))


def test_a_product_not_divisible_by_its_known_factor_is_refused():
    with pytest.raises(ShapeError, match=r"Prod\[H, D\]=13 .* is not a multiple of 3"):
        split_heads(stag.randn(2, 5, 13), stag.zeros(3))


def test_a_literal_factor_is_its_size():
    assert qkv_split(stag.randn(2, 5, 12)).shape == (2, 5, 4)
    with pytest.raises(ShapeError, match=r"Prod\[3, D\]=13 .* is not a multiple of 3"):
        qkv_split(stag.randn(2, 5, 13))


def test_prod_is_the_int_product_and_refuses_other_values():
    assert Prod(3, 4) == 12 and isinstance(Prod(B(2), T(5)), int)
    with pytest.raises(TypeError, match="Prod: a size must be an int"):
        Prod(3, 2.0)
    with pytest.raises(ValueError, match="Prod: a size must be >= 0, got -1"):
        Prod(3, -1)
