"""Basic indexing drops and adds the dims numpy does: using the wrong ones is an error."""

from typing import NewType

import stag
from stag import Tensor

Batch = NewType("Batch", int)
Seq = NewType("Seq", int)
Hidden = NewType("Hidden", int)

n, t, hid = Batch(4), Seq(6), Hidden(8)
states: Tensor[Batch, Seq, Hidden] = stag.randn(n, t, hid)

# The last time step is states[:, -1]; states[-1] is the last example.
last: Tensor[Batch, Hidden] = states[-1]  # E: assignment
# states[..., 0] drops the hidden dim, not the time dim.
first: Tensor[Batch, Hidden] = states[..., 0]  # E: assignment
# A new axis is a Literal[1] in place: (Batch, 1, Seq, Hidden).
widened: Tensor[Batch, Seq, Hidden] = states[:, None]  # E: assignment
