"""Every stag name the plugin hooks or recognises, spelled once.

stag's private modules move; a rename there is a change to this file only (no other
module of the plugin spells a `stag.` name).
"""

TENSOR = "stag._tensor.Tensor"
FUNCTIONS = "stag._free_functions"
CONV_FUNCTIONAL = "stag.nn._conv_functional"
NN_CONV = "stag.nn._conv"
NN_LAYERS = "stag.nn._layers"

# Tensor methods whose result the plugin computes.
TENSOR_FLATTEN = f"{TENSOR}.flatten"
TENSOR_RESHAPE = f"{TENSOR}.reshape"
TENSOR_GETITEM = f"{TENSOR}.__getitem__"
TENSOR_PERMUTE = f"{TENSOR}.permute"
TENSOR_SQUEEZE = f"{TENSOR}.squeeze"
TENSOR_UNSQUEEZE = f"{TENSOR}.unsqueeze"
TENSOR_REPEAT = f"{TENSOR}.repeat"
TENSOR_TILE = f"{TENSOR}.tile"

# Free functions.
CONCAT = f"{FUNCTIONS}.concat"
STACK = f"{FUNCTIONS}.stack"
MATMUL = f"{FUNCTIONS}.matmul"
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
