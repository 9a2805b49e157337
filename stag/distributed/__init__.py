"""Data-parallel training over ``torch.distributed`` (the ``distributed`` extra).

Each process (a *rank*) holds the whole model and trains on its own shard of every
global batch; after ``loss.backward()``, :func:`average_gradients` replaces each
gradient by its mean over the ranks, in one collective call for all parameters (a
bucket per dtype), so every rank takes the same optimizer step and the parameters stay
identical.  With mean losses and equal shards this is the step one process would take
on the combined batch.  stag computes with numpy on the CPU, so the collectives run on
PyTorch's ``gloo`` backend; PyTorch is imported at :func:`init`, never by ``import
stag``.

A training script::

    from stag import distributed as dist

    dist.init()                                   # RANK, WORLD_SIZE, MASTER_* from torchrun
    dist.broadcast_parameters(model)              # rank 0's initial weights everywhere
    loader = DataLoader(x, y, 32, shuffle=True, drop_last=True, generator=stag.Generator(0),
                        rank=dist.rank(), world_size=dist.world_size())
    for xb, yb in loader:
        opt.zero_grad()
        loss_fn(model(xb), yb).backward()
        dist.average_gradients(model)
        opt.step()
    dist.save(model, "model.safetensors", optimizer=opt)   # rank 0 writes, all wait
    dist.shutdown()

run with ``torchrun --standalone --nproc-per-node 2 train.py``.
"""

from stag.distributed._data_parallel import average_gradients as average_gradients
from stag.distributed._data_parallel import barrier as barrier
from stag.distributed._data_parallel import broadcast_parameters as broadcast_parameters
from stag.distributed._data_parallel import init as init
from stag.distributed._data_parallel import is_initialized as is_initialized
from stag.distributed._data_parallel import is_main as is_main
from stag.distributed._data_parallel import rank as rank
from stag.distributed._data_parallel import save as save
from stag.distributed._data_parallel import shutdown as shutdown
from stag.distributed._data_parallel import world_size as world_size
