"""Every stag name the plugin hooks or recognises, spelled once.

stag's private modules move; a rename there is a change to this file only (no other
module of the plugin spells a `stag.` name).
"""

TENSOR = "stag._tensor.Tensor"
PROD = "stag._dims.Prod"
FUNCTIONS = "stag._free_functions"
CONV_FUNCTIONAL = "stag.nn._conv_functional"
NN_CONV = "stag.nn._conv"
NN_LAYERS = "stag.nn._layers"
NN_LOSSES = "stag.nn._losses"
NN_LOSS_MODULES = "stag.nn._loss_modules"

# Tensor methods whose result the plugin computes.
TENSOR_FLATTEN = f"{TENSOR}.flatten"
TENSOR_RESHAPE = f"{TENSOR}.reshape"
TENSOR_GETITEM = f"{TENSOR}.__getitem__"
TENSOR_PERMUTE = f"{TENSOR}.permute"
TENSOR_SQUEEZE = f"{TENSOR}.squeeze"
TENSOR_UNSQUEEZE = f"{TENSOR}.unsqueeze"
TENSOR_REPEAT = f"{TENSOR}.repeat"
TENSOR_TILE = f"{TENSOR}.tile"

TENSOR_EXPAND = f"{TENSOR}.expand"
TENSOR_ASSERT_SHAPE = f"{TENSOR}.assert_shape"

# Creation functions whose dims are their arguments.
CREATION = "stag._creation"
ZEROS, ONES, RAND, RANDN = (f"{CREATION}.{f}" for f in ("zeros", "ones", "rand", "randn"))
FULL, ARANGE, EYE = (f"{CREATION}.{f}" for f in ("full", "arange", "eye"))
LINSPACE, RANDINT = f"{CREATION}.linspace", f"{CREATION}.randint"
MODULE = "stag.nn._module.Module"

# Free functions.
CONCAT = f"{FUNCTIONS}.concat"
STACK = f"{FUNCTIONS}.stack"
MATMUL = f"{FUNCTIONS}.matmul"
MAXIMUM = f"{FUNCTIONS}.maximum"
MINIMUM = f"{FUNCTIONS}.minimum"
WHERE = f"{FUNCTIONS}.where"
EINSUM = "stag._einsum.einsum"
CONV2D = f"{CONV_FUNCTIONAL}.conv2d"
MAX_POOL2D = f"{CONV_FUNCTIONAL}.max_pool2d"

# Modules: a constructor is hooked as a function, a call as a method.
CONV2D_MODULE = f"{NN_CONV}.Conv2d"
MAX_POOL2D_MODULE = f"{NN_CONV}.MaxPool2d"
CONV2D_CALL = f"{CONV2D_MODULE}.__call__"
MAX_POOL2D_CALL = f"{MAX_POOL2D_MODULE}.__call__"
FLATTEN_CALL = f"{NN_LAYERS}.Flatten.__call__"
LINEAR_CALL = f"{NN_LAYERS}.Linear.__call__"
LAYER_NORM_CALL = f"{NN_LAYERS}.LayerNorm.__call__"

# Calls whose dims are solved from their first tensor argument (`_calls.py`), by the
# name their messages use.
SOLVED_CALLS = {
    f"{NN_LOSSES}.mse_loss": "mse_loss",
    f"{NN_LOSSES}.cross_entropy": "cross_entropy",
    f"{NN_LOSSES}.nll_loss": "nll_loss",
    f"{NN_LOSSES}.binary_cross_entropy_with_logits": "binary_cross_entropy_with_logits",
    "stag.nn._normalization.layer_norm": "layer_norm",
    CONV2D: "conv2d",
    MAX_POOL2D: "max_pool2d",
}
SOLVED_METHODS = {
    f"{NN_LOSS_MODULES}.{layer}.__call__": layer
    for layer in ("MSELoss", "CrossEntropyLoss", "NLLLoss", "BCEWithLogitsLoss")
}
