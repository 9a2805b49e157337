"""Learning-rate schedules: each ``step()`` sets every group's ``lr`` for the next epoch.

A schedule is a closed-form function of the epoch count and a group's initial ``lr``
(``stag/optim/_schedulers.py``).
"""

import typing as _typing

from stag.optim._schedulers import CosineAnnealingLR as CosineAnnealingLR
from stag.optim._schedulers import LambdaLR as LambdaLR
from stag.optim._schedulers import LinearWarmup as LinearWarmup
from stag.optim._schedulers import LRScheduler as LRScheduler
from stag.optim._schedulers import SchedulerState as SchedulerState
from stag.optim._schedulers import StepLR as StepLR

if not _typing.TYPE_CHECKING:  # PyTorch's names at run time only: the checkers see none
    from stag._pytorch_names import module_getattr as _module_getattr

    __getattr__ = _module_getattr(__name__)
