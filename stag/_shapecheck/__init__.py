"""Run-time shape checking: the annotations mypy checked, verified again at call time.

``@stag.shapecheck`` reads a function's annotations at its first call and turns every
``Tensor[...]`` in them into a dim pattern; each call then matches the tensors against
those patterns with one memo of dim bindings for the whole call (the arguments in
order, then the return value, or a coroutine's awaited result), so ``Out`` bound to 10
by ``w`` must be 10 in ``b`` and in the result.  Nested and recursive calls each get
their own memo.

The route, split by what each side knows best:

* stag matches ``Tensor[...]`` hints itself (at top level, in ``X | None`` and unions,
  in ``tuple[...]``, ``list[...]``, ``Sequence[...]`` and mapping values): the dims
  need one shared memo and messages that name the dim and who bound it, which a
  per-hint ``isinstance`` cannot give;
* beartype (``beartype.beartype`` with ``BeartypeConf(is_pep484_tower=True)``, so an
  ``int`` passes for ``float`` as in mypy) checks every other annotation: ``int``,
  ``str``, containers, dataclasses.  It checks them apart from the function, through
  two stand-ins it decorates (one takes the arguments before the call, one the result
  after it), so while the function runs only the wrapper's frame is above it.
  jaxtyping arrays need ``jaxtyping.jaxtyped``'s memo around the whole call, so a
  function with jaxtyping annotations runs inside beartype's and jaxtyping's wrappers.  A top-level ``Tensor[...]`` hint is stag's
  alone (stag checks that the value is a ``Tensor`` as well).

Errors: ``ShapeError`` for a shape, ``DTypeError`` for a dtype named with
``Annotated[Tensor[...], np.float64]``, ``TypeError`` for a non-tensor where a tensor
is annotated, beartype's ``BeartypeCallHintViolation`` for everything beartype checks.

beartype and jaxtyping are imported at the first checked call that needs them, never
by ``import stag``.
``STAG_SHAPECHECK=0`` in the environment makes ``shapecheck`` return the function
itself; ``set_checking(False)`` (the default of every thread) and ``with
disable_checking():`` (the calling thread only) skip the checks of functions already
decorated (one thread-local read per call).

Modules, one concern each: ``_switch`` (the env var and the on/off switch),
``_decorator`` (``shapecheck``), ``_specs`` (annotations read into dim patterns),
``_matching`` (the memo of one call, where a value sits, matching a shape),
``_checker`` (what one function checks per call), ``_classes`` (the dims a generic
class binds from its attributes), ``_hints`` (evaluating annotations), ``_beartype``
(the beartype / jaxtyping bridge), ``_source`` (the annotation text for messages) and
``_import_hook`` (``install_import_hook``).
"""

from ._decorator import shapecheck as shapecheck
from ._import_hook import ImportHook as ImportHook
from ._import_hook import install_import_hook as install_import_hook
from ._switch import checking_enabled as checking_enabled
from ._switch import disable_checking as disable_checking
from ._switch import set_checking as set_checking
