"""Optimizers, gradient clipping and learning-rate schedules.

``opt = stag.optim.Adam(model, lr=1e-3)``; each training step is
``opt.zero_grad()``, ``loss.backward()``, ``opt.step()``.  ``opt.module`` is
the model with its own static type.
"""

from stag.optim import lr_scheduler as lr_scheduler
from stag.optim._adam import Adam as Adam
from stag.optim._adam import AdamW as AdamW
from stag.optim._clip import clip_grad_norm_ as clip_grad_norm_
from stag.optim._optimizer import Optimizer as Optimizer
from stag.optim._optimizer import OptimizerState as OptimizerState
from stag.optim._sgd import SGD as SGD
