"""Grad mode is per thread: one thread's no_grad never stops another thread recording."""

from __future__ import annotations

import threading

import numpy as np

import stag
from stag import nn


def test_no_grad_in_one_thread_leaves_another_recording():
    entered, checked = threading.Event(), threading.Event()
    seen: list[bool] = []

    def evaluator() -> None:
        with stag.no_grad():
            entered.set()
            checked.wait(5)

    thread = threading.Thread(target=evaluator)
    thread.start()
    entered.wait(5)
    seen.append(stag.is_grad_enabled())
    x = stag.tensor([1.0, 2.0], requires_grad=True)
    seen.append((x * 2).requires_grad)
    checked.set()
    thread.join()
    assert seen == [True, True]


def test_overlapping_blocks_in_two_threads_each_restore_their_own_mode():
    a_in, b_in, a_out = threading.Event(), threading.Event(), threading.Event()
    after: dict[str, bool] = {}

    def a() -> None:
        with stag.no_grad():
            a_in.set()
            b_in.wait(5)
        a_out.set()
        after["a"] = stag.is_grad_enabled()

    def b() -> None:
        a_in.wait(5)
        with stag.no_grad():
            b_in.set()
            a_out.wait(5)  # a leaves its block while b is still inside its own
        after["b"] = stag.is_grad_enabled()

    threads = [threading.Thread(target=a), threading.Thread(target=b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert after == {"a": True, "b": True}
    assert stag.is_grad_enabled()


def test_a_decorated_function_restores_the_mode_of_each_calling_thread():
    @stag.no_grad()
    def evaluate(x: stag.Tensor[float]) -> bool:
        return (x * 2).requires_grad

    x = stag.tensor([1.0], requires_grad=True)
    results = []
    threads = [threading.Thread(target=lambda: results.append(evaluate(x))) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [False] * 8 and stag.is_grad_enabled()


def test_training_beside_an_evaluation_thread_always_has_its_gradients():
    stag.manual_seed(0)
    model = nn.Linear(4, 3)
    x = stag.randn(16, 4)
    labels = stag.tensor(np.arange(16) % 3)
    stop = threading.Event()

    def evaluate() -> None:
        while not stop.is_set():
            with stag.no_grad():
                model(x).argmax(-1)

    evaluator = threading.Thread(target=evaluate)
    evaluator.start()
    missing = 0
    try:
        for _ in range(300):
            model.zero_grad()
            stag.nn.functional.cross_entropy(model(x), labels).backward()
            missing += sum(p.grad is None for p in model.parameters())
    finally:
        stop.set()
        evaluator.join()
    assert missing == 0
