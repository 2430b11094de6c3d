"""tinygrad_edu.engine.no_grad: values without history, per thread, nested, and backward() refusing them."""

import math
import threading

import pytest

from tinygrad_edu import Value, is_grad_enabled, no_grad


# -- no_grad ---------------------------------------------------------------------------------
def test_no_grad_records_no_parents():
    a, b = Value(2.0), Value(3.0)
    with no_grad():
        assert is_grad_enabled() is False
        out = (a * b + 1).tanh()
    assert is_grad_enabled() is True
    assert out.data == math.tanh(7.0)
    assert (out.parents, out.local_grads, out._prev) == ((), (), set())
    # as PyTorch ("element 0 of tensors does not require grad"): an error, not grads left at 0
    with pytest.raises(RuntimeError, match=r"^backward\(\): this Value was computed inside no_grad\(\).*"
                                           r"compute it outside no_grad\(\) to get gradients$"):
        out.backward()
    assert (a.grad, b.grad) == (0.0, 0.0)
    after = a * b
    assert after.parents == (a, b)


def test_no_grad_nests_and_survives_exceptions():
    with pytest.raises(RuntimeError), no_grad():
        with no_grad():
            pass
        assert is_grad_enabled() is False  # still inside the outer block
        raise RuntimeError
    assert is_grad_enabled() is True
    assert len((Value(1.0) + 1).parents) == 2


@pytest.mark.parametrize("no_grad_in", ["this thread", "the other thread"])
def test_no_grad_does_not_leak_into_another_thread(no_grad_in):
    a = Value(2.0)
    entered, computed = threading.Event(), threading.Event()
    seen = {}

    def inside_no_grad():
        with no_grad():
            entered.set()
            assert computed.wait(10)
            seen["inside"] = a * 3.0

    def with_grad():
        assert entered.wait(10)
        seen["enabled"] = is_grad_enabled()
        seen["outside"] = a * 3.0
        computed.set()

    mine, other = inside_no_grad, with_grad
    if no_grad_in == "the other thread":
        mine, other = other, mine
    thread = threading.Thread(target=other)
    thread.start()
    mine()
    thread.join(10)
    assert seen["enabled"] is True
    assert seen["outside"].parents[0] is a and seen["outside"].op == "*"
    assert seen["inside"].parents == () and seen["inside"].data == 6.0
