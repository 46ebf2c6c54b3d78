import pytest
import torch

from dlutils import trajectory


def quadratic(x):
    return 0.5 * (x**2).sum()


def test_gradient_descent_on_a_quadratic_shrinks_geometrically():
    path = trajectory(quadratic, [2.0, -4.0], lambda p: torch.optim.SGD(p, lr=0.25), 3)
    assert path.shape == (4, 2) and path.dtype == torch.float64
    # x <- x - 0.25 x = 0.75 x at every step
    expected = torch.tensor([[2.0, -4.0]]) * 0.75 ** torch.arange(4.0).reshape(-1, 1)
    torch.testing.assert_close(path, expected.double())


def test_zero_steps_returns_the_start_and_start_is_not_modified():
    start = torch.tensor([1.0, 2.0])
    path = trajectory(quadratic, start, lambda p: torch.optim.SGD(p, lr=0.1), 0)
    assert path.shape == (1, 2) and path.dtype == torch.float32
    torch.testing.assert_close(path[0], start)
    trajectory(quadratic, start, lambda p: torch.optim.SGD(p, lr=0.1), 2)
    torch.testing.assert_close(start, torch.tensor([1.0, 2.0]))


def test_a_hand_written_optimizer_with_only_step_works():
    class Halve:
        def __init__(self, params):
            self.params = params

        def step(self):
            with torch.no_grad():
                for p in self.params:
                    p -= 0.5 * p.grad

    path = trajectory(quadratic, [4.0], Halve, 2)
    torch.testing.assert_close(path.flatten(), torch.tensor([4.0, 2.0, 1.0]).double())


def test_bad_steps():
    sgd = lambda p: torch.optim.SGD(p, lr=0.1)  # noqa: E731
    for steps in (-1, 1.5, True, "3"):
        with pytest.raises(ValueError, match="steps must be a non-negative integer"):
            trajectory(quadratic, [1.0], sgd, steps)


def test_bad_start_and_functions():
    sgd = lambda p: torch.optim.SGD(p, lr=0.1)  # noqa: E731
    with pytest.raises(ValueError, match="non-empty 1-D point"):
        trajectory(quadratic, [[1.0, 2.0]], sgd, 1)
    with pytest.raises(ValueError, match="non-empty 1-D point"):
        trajectory(quadratic, [], sgd, 1)
    with pytest.raises(TypeError, match="f must be a function"):
        trajectory("not a function", [1.0], sgd, 1)
    with pytest.raises(ValueError, match="scalar tensor"):
        trajectory(lambda x: x * 2, [1.0, 2.0], sgd, 1)


def test_bad_optimizer_factory():
    with pytest.raises(TypeError, match="make_optimizer must be a function"):
        trajectory(quadratic, [1.0], torch.optim.SGD([torch.zeros(1, requires_grad=True)]), 1)
    with pytest.raises(TypeError, match="has no step"):
        trajectory(quadratic, [1.0], lambda p: object(), 1)
