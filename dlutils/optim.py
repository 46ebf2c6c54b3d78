"""A small test bench for optimisers: run one on a function and record where it goes.

:func:`trajectory` minimises a function of a few variables with any object that has a
``step()`` method reading ``.grad`` (a ``torch.optim`` optimiser or one written by hand), and
returns every point it visits, so that trajectories can be drawn or compared exactly.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch

__all__ = ["trajectory"]


def trajectory(
    f: Callable[[torch.Tensor], torch.Tensor],
    start: Sequence[float] | torch.Tensor,
    make_optimizer: Callable[[list[torch.Tensor]], object],
    steps: int,
) -> torch.Tensor:
    """Minimise ``f`` from ``start`` for ``steps`` optimiser steps; return all points visited.

    ``f`` takes a 1-D tensor (the point) and returns a scalar tensor. ``make_optimizer`` receives
    the list ``[x]`` of the one parameter tensor and returns an optimiser: anything with a
    ``step()`` method that updates ``x`` from ``x.grad``, for example
    ``lambda params: torch.optim.SGD(params, lr=0.1)``. ``start`` is copied (as float64 unless it
    is already a floating-point tensor). The result has shape ``[steps + 1, len(start)]``; row 0
    is the start and row ``t`` the point after ``t`` steps.
    """
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 0:
        raise ValueError(f"steps must be a non-negative integer, got {steps!r}")
    if not callable(f):
        raise TypeError("f must be a function of a 1-D tensor that returns a scalar tensor")
    if not callable(make_optimizer):
        raise TypeError(
            "make_optimizer must be a function of a parameter list, "
            "e.g. lambda params: torch.optim.SGD(params, lr=0.1)"
        )
    if isinstance(start, torch.Tensor) and start.is_floating_point():
        x = start.detach().clone()
    else:
        x = torch.as_tensor(start, dtype=torch.float64).clone()
    if x.ndim != 1 or x.numel() == 0:
        raise ValueError(f"start must be a non-empty 1-D point, got shape {tuple(x.shape)}")
    x.requires_grad_(True)
    optimizer = make_optimizer([x])
    if not callable(getattr(optimizer, "step", None)):
        raise TypeError(f"make_optimizer returned {type(optimizer).__name__}, which has no step()")
    points = [x.detach().clone()]
    for _ in range(steps):
        x.grad = None
        value = f(x)
        if not isinstance(value, torch.Tensor) or value.numel() != 1:
            raise ValueError("f must return a scalar tensor (one number)")
        value.backward()
        optimizer.step()
        points.append(x.detach().clone())
    return torch.stack(points)
