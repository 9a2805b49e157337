"""The shape bug each training example names in its docstring, caught by mypy.

The models and dims come from the examples themselves, so a change there that
loses a type shows up here as a missing error.
"""

from typing import Literal, NewType

import numpy as np
from char_transformer import BLOCK, WINDOW, Block, CharTransformer, Vocab, Window, loss_fn
from digits_cnn import CNN, L32, L64
from digits_mlp import MLP
from linear_regression import ONE
from sin_fit import HIDDEN

import stag
import stag.nn.functional as F
from stag import L1, Tensor, nn
from stag.nn import Conv2d

Batch = NewType("Batch", int)
L4 = Literal[4]
L8 = Literal[8]
L16 = Literal[16]

n = Batch(32)
gen = stag.Generator(0)

# linear_regression: (Batch, 1) predictions against (Batch,) targets, which numpy would
# broadcast to a (Batch, Batch) matrix of differences.
line: nn.Linear[L1, L1] = nn.Linear(ONE, ONE)
x: Tensor[Batch, L1] = stag.randn(n, 1)
y: Tensor[Batch, L1] = stag.randn(n, 1)
F.mse_loss(line(x), y.squeeze(-1))  # E: arg-type

# sin_fit: the layers in the wrong order, 30 hidden units fed to a layer that takes one.
nn.Sequential(nn.Linear(ONE, HIDDEN), nn.Linear(ONE, HIDDEN), nn.ReLU())  # E[mypy]: misc

# digits_mlp: the 8x8 images fed to the MLP without flattening them to 64 features.
images: Tensor[Batch, L8, L8] = stag.randn(n, 8, 8)
MLP(gen)(images)  # E: arg-type
MLP(gen)(images.reshape(n, 64))  # flattened: accepted

# digits_cnn: a second convolution built for 16 input channels where the first gives 32,
# and the flat images fed to the CNN without their channel axis.
conv2: Conv2d[L16, L64] = Conv2d(16, 64, 3, padding=1)
pooled: Tensor[Batch, L32, L4, L4] = stag.randn(n, 32, 4, 4)
conv2(pooled)  # E: arg-type
CNN(gen)(images)  # E: arg-type

# char_transformer: the logits scored against the whole 65-character windows, not the
# 64 targets shifted by one (split_window).
lm = CharTransformer(Vocab(73), gen)
ids: Tensor[Batch, Block] = stag.zeros(n, BLOCK, dtype=np.int64)
windows: Tensor[Batch, Window] = stag.zeros(n, WINDOW, dtype=np.int64)
loss_fn(lm(ids), windows)  # E: arg-type
loss_fn(lm(ids), windows[:, 1:].assert_shape(n, BLOCK))  # the shifted targets: accepted
