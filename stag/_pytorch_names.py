"""PyTorch's spellings that stag writes another way, and the errors that say so.

A PyTorch habit either works in stag with the same meaning or fails with stag's
spelling in the message.  The checkers already reject these names (the attribute or
keyword does not exist in the typed API); at run time, without these tables, the user
would read ``'Tensor' object has no attribute 'view'`` and have to guess.

The hooks that use the tables (``Tensor.__getattr__``, the modules' ``__getattr__``,
the ``**pytorch`` catch-all of the axis-taking methods) are defined only at run time
(``if not TYPE_CHECKING``), so neither checker sees an attribute that does not exist.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, NoReturn

if TYPE_CHECKING:
    from stag._dims import AnyShape
    from stag._tensor import Tensor

# Tensor methods and attributes of PyTorch that stag spells otherwise or leaves out.
TENSOR_ATTRIBUTES: Mapping[str, str] = {
    "view": "x.reshape(...)",
    "view_as": "x.reshape(*other.shape)",
    "reshape_as": "x.reshape(*other.shape)",
    "contiguous": "nothing: stag's arrays need no contiguous copy (drop the call)",
    "clone": "x + 0 (a new tensor in the graph) or x.detach() (a copy outside it)",
    "float": "x.astype(np.float32)",
    "double": "x.astype(np.float64)",
    "half": "x.astype(np.float16)",
    "long": "x.astype(np.int64)",
    "int": "x.astype(np.int32)",
    "bool": "x.astype(np.bool_)",
    "type": "x.astype(dtype)",
    "cpu": "x.to('numpy') (or x.to('torch', device='cpu'))",
    "cuda": "x.to('torch', device='cuda') (or 'cupy'); see stag.default_backend",
    "numel": "x.size (the element count, as numpy's)",
    "nelement": "x.size (the element count, as numpy's)",
    "dim": "x.ndim",
    "ndimension": "x.ndim",
    "tolist": "x.numpy().tolist()",
    "data": "x.detach() (a tensor outside the graph), or update in place under stag.no_grad()",
    "clamp": "x.clip(lo, hi)",
    "clamp_min": "x.clip(lo, None)",
    "clamp_max": "x.clip(None, hi)",
    "pow": "x ** p",
    "mm": "x @ y",
    "bmm": "x @ y (batched by broadcasting)",
    "matmul": "x @ y",
    "mul": "x * y",
    "add": "x + y",
    "sub": "x - y",
    "div": "x / y",
    "neg": "-x",
    "square": "x * x",
    "rsqrt": "1 / x.sqrt()",
    "softmax": "stag.nn.functional.softmax(x, axis=...)",
    "log_softmax": "stag.nn.functional.log_softmax(x, axis=...)",
    "gather": "integer-tensor indexing: x[stag.arange(n), idx] picks idx[i] from row i",
    "index_select": "integer-tensor indexing: x[idx] or x[:, idx]",
    "new_zeros": "stag.zeros(*sizes, dtype=x.dtype)",
    "new_ones": "stag.ones(*sizes, dtype=x.dtype)",
    "new_full": "stag.full(sizes, value, dtype=x.dtype)",
    "new_tensor": "stag.tensor(data)",
    "fill_": "with stag.no_grad(): x[...] = value",
    "normal_": "stag.nn.init.normal_(x) or stag.randn(...)",
    "uniform_": "stag.nn.init.uniform_(x) or stag.rand(...)",
    "relu_": "x = x.relu() (stag's ops return new tensors; in place: add_, sub_, mul_, div_, "
    "copy_, zero_)",
    "exp_": "x = x.exp() (in place: add_, sub_, mul_, div_, copy_, zero_)",
    "sigmoid_": "x = x.sigmoid() (in place: add_, sub_, mul_, div_, copy_, zero_)",
    "tanh_": "x = x.tanh() (in place: add_, sub_, mul_, div_, copy_, zero_)",
    "clamp_": "with stag.no_grad(): x.copy_(x.clip(lo, hi))",
    "unbind": "stag.split(x, 1, axis) or x[i] for each i",
    "narrow": "slicing: x[:, start:start + length]",
    "repeat_interleave": "x.repeat(n, axis=...) (numpy's repeat)",
    "expand_as": "x.expand(*other.shape)",
    "type_as": "x.astype(other.dtype)",
    "is_contiguous": "nothing: stag's arrays need no contiguous copy",
    "any": "x.astype(np.float32).max() > 0, or x.numpy().any() outside the graph",
    "all": "x.astype(np.float32).min() > 0, or x.numpy().all() outside the graph",
    "t": "x.T (or x.swapaxes(-2, -1) under batch dims)",
    "flip": "a negative-step slice: x[::-1] flips axis 0, x[:, ::-1] axis 1",
    "isnan": "x != x (a bool tensor), or np.isnan(x.numpy()) outside the graph",
    "isinf": "abs(x) == float('inf'), or np.isinf(x.numpy()) outside the graph",
    "isfinite": "np.isfinite(x.numpy()) outside the graph",
    "sign": "x / abs(x) where x != 0",
    "logsumexp": "stag.nn.functional.logsumexp(x, axis=...)",
    "dot": "x @ y (two vectors give a 0-d tensor)",
    "outer": "x[:, None] * y[None, :]",
    "nonzero": "np.nonzero(x.numpy()) outside the graph; x.masked_select(mask) for the values",
    "unique": "np.unique(x.numpy()) outside the graph",
}

# Methods of ``torch.nn.Module`` that stag spells otherwise or leaves out.
MODULE_ATTRIBUTES: Mapping[str, str] = {
    "forward": "model(x): a stag module's forward is its __call__",
    "requires_grad_": "for p in model.parameters(): p.requires_grad_(flag)",
    "add_module": "setattr(model, name, child): assigning a module registers it",
    "register_buffer": "setattr(model, name, tensor): a tensor attribute without "
    "requires_grad is a buffer",
    "register_parameter": "setattr(model, name, tensor) with a tensor that requires grad",
    "cuda": "model.to('torch', device='cuda') (or 'cupy')",
    "cpu": "model.to('cpu')",
    "half": "the layers' dtype=np.float16 when you build them",
    "float": "the layers' dtype=np.float32 when you build them (the default)",
    "double": "the layers' dtype=np.float64 when you build them",
}

# Functions of ``torch`` (as ``stag``), ``torch.nn.functional`` and ``torch.nn``.
STAG_FUNCTIONS: Mapping[str, str] = {
    "cat": "stag.concat(tensors, axis=...)",
    "concatenate": "stag.concat(tensors, axis=...)",
    "bmm": "a @ b (batched by broadcasting)",
    "mm": "a @ b",
    "softmax": "stag.nn.functional.softmax(x, axis=...)",
    "log_softmax": "stag.nn.functional.log_softmax(x, axis=...)",
    "clamp": "x.clip(lo, hi)",
    "from_numpy": "stag.tensor(a) (a copy) or stag.from_dlpack(a) (shared)",
    "as_tensor": "stag.tensor(a)",
    "float32": "np.float32 (stag's dtypes are numpy's)",
    "float64": "np.float64 (stag's dtypes are numpy's)",
    "int64": "np.int64 (stag's dtypes are numpy's)",
    "long": "np.int64 (stag's dtypes are numpy's)",
    "device": "stag.default_backend('torch', device='cuda') around the code that allocates",
    "gather": "integer-tensor indexing: x[stag.arange(n), idx]",
    "flatten": "x.flatten(start_axis) or x.reshape(...)",
    "transpose": "x.swapaxes(a, b)",
    "permute": "x.permute(...)",
    "unsqueeze": "x.unsqueeze(axis)",
    "squeeze": "x.squeeze(axis)",
    "sum": "x.sum(axis=...)",
    "mean": "x.mean(axis=...)",
    "max": "x.max(axis=...) (values) and x.argmax(axis=...) (indices)",
    "argmax": "x.argmax(axis=...)",
    "inference_mode": "stag.no_grad()",
    "set_grad_enabled": "stag.enable_grad() / stag.no_grad()",
    "clip": "x.clip(lo, hi)",
    "pow": "x ** p",
    "sign": "x / abs(x) where x != 0",
    "empty": "stag.zeros(...) (stag never hands out uninitialised memory)",
    "normal": "stag.randn(...) * std + mean",
    "min": "x.min(axis=...) (values) and x.argmin(axis=...) (indices)",
    "argmin": "x.argmin(axis=...)",
    "norm": "x.norm(axis=...)",
    "var": "x.var(axis=...)",
    "std": "x.std(axis=...)",
    "sort": "x.sort(axis=...)",
    "topk": "x.topk(k, axis=...)",
    "chunk": "x.chunk(n, axis=...)",
    "flip": "a negative-step slice: x[::-1] flips axis 0, x[:, ::-1] axis 1",
    "isnan": "x != x (a bool tensor), or np.isnan(x.numpy()) outside the graph",
    "isinf": "abs(x) == float('inf'), or np.isinf(x.numpy()) outside the graph",
    "isfinite": "np.isfinite(x.numpy()) outside the graph",
    "allclose": "np.allclose(a.numpy(), b.numpy())",
    "logsumexp": "stag.nn.functional.logsumexp(x, axis=...)",
    "dot": "a @ b (two vectors give a 0-d tensor)",
    "outer": "a[:, None] * b[None, :]",
    "trace": "stag.einsum('ii->', x)",
    "numel": "x.size (the element count, as numpy's)",
}

NN_FUNCTIONAL: Mapping[str, str] = {
    "one_hot": "stag.eye(num_classes)[labels] (integer-tensor indexing)",
    "linear": "x @ weight + bias (stag's weight is (in, out))",
    "leaky_relu": "stag.where(x > 0, x, slope * x)",
    "silu": "x * x.sigmoid()",
    "softplus": "stag.log1p(x.exp())",
    "binary_cross_entropy": "binary_cross_entropy_with_logits on the logits",
    "pad": "stag.concat with zeros, or a conv's padding=",
    "normalize": "x / x.norm(axis=-1, keepdims=True)",
    "embedding": "weight[ids] (integer-tensor indexing) or nn.Embedding",
    "interpolate": "nothing yet: stag has no resizing op",
    "l1_loss": "abs(x - y).mean()",
    "smooth_l1_loss": "stag.where(abs(d) < 1, 0.5 * d * d, abs(d) - 0.5).mean(), d = x - y",
    "huber_loss": "stag.where(abs(d) < delta, 0.5 * d * d, delta * (abs(d) - 0.5 * delta))"
    ".mean(), d = x - y",
    "cosine_similarity": "(a * b).sum(axis=-1) / (a.norm(axis=-1) * b.norm(axis=-1))",
}

NN_MODULES: Mapping[str, str] = {
    "LeakyReLU": "a Module whose __call__ returns stag.where(x > 0, x, slope * x)",
    "SiLU": "a Module whose __call__ returns x * x.sigmoid()",
    "LogSoftmax": "a Module whose __call__ returns F.log_softmax(x, axis=-1)",
    "Conv1d": "nothing yet: stag has Conv2d only (a (N, C, 1, L) input works)",
    "RNN": "nothing yet: write the cell as a Module (see examples)",
    "LSTM": "nothing yet: write the cell as a Module (see examples)",
    "GRU": "nothing yet: write the cell as a Module (see examples)",
    "Parameter": "a tensor with requires_grad=True assigned to a Module attribute",
    "TransformerEncoderLayer": "MultiheadAttention, LayerNorm and Linear in a Module "
    "(examples/char_transformer.py)",
    "BCELoss": "BCEWithLogitsLoss on the logits",
    "utils": "stag.optim.clip_grad_norm_ (PyTorch's nn.utils.clip_grad_norm_)",
    "L1Loss": "abs(x - y).mean() (F.l1_loss's spelling)",
    "SmoothL1Loss": "a Module whose __call__ is F.smooth_l1_loss's spelling",
    "HuberLoss": "a Module whose __call__ is F.huber_loss's spelling",
}

# ``torch.optim.lr_scheduler``, as ``stag.optim.lr_scheduler``.
LR_SCHEDULER: Mapping[str, str] = {
    "ReduceLROnPlateau": "nothing yet: lower opt.param_groups[i]['lr'] yourself when the "
    "validation loss stalls",
    "OneCycleLR": "LambdaLR(opt, lambda epoch: factor) with the one-cycle factor",
    "ExponentialLR": "LambdaLR(opt, lambda epoch: gamma ** epoch)",
    "MultiStepLR": "LambdaLR(opt, lambda epoch: gamma ** sum(epoch >= m for m in milestones))",
    "CosineAnnealingWarmRestarts": "LambdaLR(opt, ...) with the restart schedule",
}

# ``torch.nn.init``, as ``stag.nn.init``.
NN_INIT: Mapping[str, str] = {
    "constant_": "with stag.no_grad(): t[...] = value",
    "kaiming_normal_": "stag.nn.init.normal_(t, std=gain / math.sqrt(fan_in)) with "
    "calculate_gain and calculate_fans, or kaiming_uniform_",
    "xavier_normal_": "stag.nn.init.normal_(t, std=math.sqrt(2 / (fan_in + fan_out))), or "
    "xavier_uniform_",
    "trunc_normal_": "stag.nn.init.normal_(t, std=...) then t.copy_(t.clip(lo, hi)) under "
    "stag.no_grad()",
    "orthogonal_": "nothing yet: with stag.no_grad(): t.copy_(stag.tensor(q)), q from np.linalg.qr",
    "eye_": "with stag.no_grad(): t.copy_(stag.eye(n))",
}

# ``torch.utils.data``, as ``stag.data``.
DATA: Mapping[str, str] = {
    "TensorDataset": "DataLoader(x, y, batch_size=...): the loader takes the arrays or "
    "tensors themselves",
    "Dataset": "DataLoader(x, y, batch_size=...) over an input array and a target array",
    "random_split": "rows picked by a permutation: perm = np.random.default_rng(0)"
    ".permutation(len(x)); x[perm[:k]], x[perm[k:]]",
    "DistributedSampler": "DataLoader(x, y, batch_size=..., rank=r, world_size=w)",
}

# Keyword arguments of PyTorch that stag names as numpy does.
KEYWORDS: Mapping[str, str] = {
    "dim": "axis",
    "keepdim": "keepdims",
    "unbiased": "ddof (unbiased=True is ddof=1)",
    "correction": "ddof",
    "input": "the positional tensor",
    "out": "nothing: stag's ops return new tensors",
    "dtype": "x.astype(dtype) on the result",
    "device": "stag.default_backend('torch', device=...) around the call, or x.to(...) after",
}


# Each stag namespace and the table of PyTorch's names it answers.
MODULE_TABLES: Mapping[str, Mapping[str, str]] = {
    "stag": STAG_FUNCTIONS,
    "stag.nn": NN_MODULES,
    "stag.nn.functional": NN_FUNCTIONAL,
    "stag.nn.init": NN_INIT,
    "stag.optim.lr_scheduler": LR_SCHEDULER,
    "stag.data": DATA,
}


def module_getattr(module: str) -> Callable[[str], NoReturn]:
    """The module ``__getattr__`` (PEP 562) of namespace ``module``: a missing name is an
    ``AttributeError``, with stag's spelling when the name is PyTorch's.  Assigned at run
    time only (``if not TYPE_CHECKING``), so the checkers see no such attribute."""
    table = MODULE_TABLES[module]

    def __getattr__(name: str) -> NoReturn:
        raise missing_attribute(f"module {module}", name, table)

    return __getattr__


def missing_attribute(owner: str, name: str, table: Mapping[str, str]) -> AttributeError:
    """The error for ``owner.name``: stag's spelling when ``name`` is PyTorch's."""
    if name in table:
        return AttributeError(f"{owner} has no attribute {name!r} (PyTorch's); write {table[name]}")
    return AttributeError(f"{owner} has no attribute {name!r}")


def refuse_keywords(op: str, given: Mapping[str, object]) -> NoReturn:
    """Raise ``TypeError`` for keywords ``op`` does not take, with stag's names for them."""
    parts = [
        f"{name!r} (PyTorch's; stag's is {KEYWORDS[name]})" if name in KEYWORDS else repr(name)
        for name in given
    ]
    raise TypeError(f"{op}() got unexpected keyword argument(s) {', '.join(parts)}")


class ElementCount(int):
    """``Tensor.size``: an int, which says what to write when called as PyTorch's ``size()``."""

    __slots__ = ()

    def __call__(self, axis: int | None = None) -> NoReturn:
        raise TypeError(
            "Tensor.size is the element count (an int, as numpy's), not PyTorch's size(): "
            "write x.shape, or x.shape[axis] for size(axis)"
        )


def refusal(name: str) -> property:
    def refuse(self: Tensor[*AnyShape]) -> NoReturn:
        raise missing_attribute("Tensor", name, TENSOR_ATTRIBUTES)

    return property(refuse)
