"""Messages a user can act on (the mypy plugin): each rejected call names the op, the
dims and the fix, instead of mypy's `expected "Tensor[Never]"`, `Cannot infer value of
type parameter`, a second `Need type annotation` error, or a bare operator error."""

# checkers: mypy

from typing import Literal, NewType

import numpy as np

import stag
import stag.nn.functional as F
from stag import Tensor, nn

Batch = NewType("Batch", int)
Classes = NewType("Classes", int)
L1 = Literal[1]
n, k = Batch(4), Classes(3)
logits: Tensor[Batch, Classes] = stag.randn(n, k)
labels: Tensor[Batch] = stag.zeros(n, dtype=np.int64)
per_class: Tensor[Classes] = stag.zeros(k, dtype=np.int64)
scores: Tensor[Batch, L1] = stag.randn(n, 1)
targets: Tensor[Batch] = stag.rand(n)

# The losses: the dims solved from the first argument, the second checked against them.
F.mse_loss(scores, targets)  # E: arg-type  # N: mse_loss: target has shape (Batch,), expected (Batch, 1) to match pred (Batch, 1); .unsqueeze(-1) it
F.cross_entropy(logits, per_class)  # E: arg-type  # N: cross_entropy: labels has shape (Classes,), expected (Batch,) to match logits (Batch, Classes)
nn.CrossEntropyLoss()(logits, per_class)  # E: arg-type  # N: CrossEntropyLoss: labels has shape (Classes,), expected (Batch,)
F.binary_cross_entropy_with_logits(scores, targets)  # E: arg-type  # N: targets has shape (Batch,), expected (Batch, 1) to match logits (Batch, 1); .unsqueeze(-1) it

# A column against a row: numpy's silent outer result, refused with the fix.
pred: Tensor[Batch, L1] = stag.randn(n, 1)
pred - targets  # E: operator  # N: sub: shapes (Batch, 1) and (Batch,) would broadcast to (Batch, Batch): numpy gives the right operand an implicit leading dim and stretches dim 1 of the left operand, of size 1, to Batch; make the ranks equal
# One error for a rejected op, not a second one for the variable it was assigned to.
diff = pred - targets  # E: operator  # N: .unsqueeze(-1) the right operand for a column, or .squeeze(-1) the left operand to pair the elements
(logits.argmax(axis=0) == labels).mean()  # E: operator  # N: eq: shapes (Classes,) and (Batch,) cannot be broadcast: Classes (dim -1 of the left) vs Batch (dim -1 of the right)
pred.masked_fill(targets > 0, 0.0)  # E: arg-type  # N: masked_fill: shapes (Batch, 1) and (Batch,) would broadcast to (Batch, Batch)
