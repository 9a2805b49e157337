"""Optimizers, gradient clipping and learning-rate schedules.

``opt = stag.optim.Adam(model, lr=1e-3)``; each training step is
``opt.zero_grad()``, ``loss.backward()``, ``opt.step()``.  Made from a module,
``opt.module`` is the model with its own static type; made from tensors or
parameter groups (``AdamW([{"params": matrices, "weight_decay": 0.1},
{"params": others, "weight_decay": 0.0}])``) it is an ``AdamW[NoModule]``.
"""

from stag.optim import lr_scheduler as lr_scheduler
from stag.optim._adadelta import Adadelta as Adadelta
from stag.optim._adagrad import Adagrad as Adagrad
from stag.optim._adam import Adam as Adam
from stag.optim._adam import AdamW as AdamW
from stag.optim._clip import clip_grad_norm_ as clip_grad_norm_
from stag.optim._optimizer import Optimizer as Optimizer
from stag.optim._optimizer import OptimizerState as OptimizerState
from stag.optim._optimizer import ParamGroup as ParamGroup
from stag.optim._params import NoModule as NoModule
from stag.optim._rmsprop import RMSprop as RMSprop
from stag.optim._sgd import SGD as SGD
