"""Attention from scratch: masks, masked softmax, additive and scaled dot-product attention.

Masks follow PyTorch's convention for boolean ``attn_mask`` in
``torch.nn.functional.scaled_dot_product_attention``: ``True`` means *may attend*, ``False``
means *hidden*. (``nn.MultiheadAttention``'s ``key_padding_mask`` uses the opposite convention:
there ``True`` means *ignore*.)
"""

from __future__ import annotations

import math

import torch
from torch import nn


def padding_mask(lengths: torch.Tensor, max_len: int | None = None) -> torch.Tensor:
    """``[batch, max_len]`` booleans, ``True`` at the real (non-padding) positions of each row."""
    lengths = torch.as_tensor(lengths)
    if lengths.dim() != 1 or lengths.dtype.is_floating_point:
        raise ValueError(
            f"lengths must be a 1-D integer tensor, got {lengths.dtype} of shape {tuple(lengths.shape)}"
        )
    if len(lengths) and int(lengths.min()) < 0:
        raise ValueError("lengths must not be negative")
    longest = int(lengths.max()) if len(lengths) else 0
    max_len = longest if max_len is None else max_len
    if max_len < longest:
        raise ValueError(f"max_len={max_len} is shorter than the longest sequence ({longest})")
    return torch.arange(max_len, device=lengths.device) < lengths[:, None]


def causal_mask(size: int, device: torch.device | str | None = None) -> torch.Tensor:
    """``[size, size]`` booleans, ``True`` on and below the diagonal: position i sees 0..i."""
    if isinstance(size, bool) or not isinstance(size, int) or size < 1:
        raise ValueError(f"size must be a positive integer, got {size!r}")
    return torch.ones(size, size, dtype=torch.bool, device=device).tril()


def masked_softmax(scores: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
    """Softmax over the last dimension that gives weight 0 where ``mask`` is ``False``.

    ``mask`` must broadcast to ``scores``. A row whose positions are all masked gets all-zero
    weights (``torch.softmax`` with ``-inf`` scores would give NaN there).
    """
    if mask is None:
        return torch.softmax(scores, dim=-1)
    if mask.dtype != torch.bool:
        raise TypeError(f"mask must be a boolean tensor (True = attend), got {mask.dtype}")
    try:
        mask = torch.broadcast_to(mask, scores.shape)
    except RuntimeError as error:
        raise ValueError(
            f"mask of shape {tuple(mask.shape)} does not broadcast to scores {tuple(scores.shape)}"
        ) from error
    scores = scores.masked_fill(~mask, float("-inf"))
    weights = torch.softmax(scores, dim=-1)
    return weights.masked_fill(~mask, 0.0)  # fully masked rows: NaN -> 0


def scaled_dot_product_attention(
    queries: torch.Tensor,
    keys: torch.Tensor,
    values: torch.Tensor,
    mask: torch.Tensor | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """``softmax(Q K^T / sqrt(d)) V`` with an optional boolean mask; returns (output, weights).

    Shapes: queries ``[..., n_q, d]``, keys ``[..., n_k, d]``, values ``[..., n_k, d_v]``; the
    mask broadcasts to ``[..., n_q, n_k]``. The output is ``[..., n_q, d_v]``.
    """
    if queries.shape[-1] != keys.shape[-1]:
        raise ValueError(
            f"queries and keys need the same last dimension, got {queries.shape[-1]} and {keys.shape[-1]}"
        )
    if keys.shape[-2] != values.shape[-2]:
        raise ValueError(
            f"keys and values need the same number of positions, got {keys.shape[-2]} and "
            f"{values.shape[-2]}"
        )
    scores = queries @ keys.transpose(-2, -1) / math.sqrt(queries.shape[-1])
    weights = masked_softmax(scores, mask)
    return weights @ values, weights


class AdditiveAttention(nn.Module):
    """Bahdanau's additive attention: score(q, k) = v^T tanh(W_q q + W_k k).

    ``forward(queries [B, n_q, d_q], keys [B, n_k, d_k], values [B, n_k, d_v], mask)`` returns the
    output ``[B, n_q, d_v]`` and the weights ``[B, n_q, n_k]``. ``mask`` broadcasts to the weights;
    a ``[B, 1, n_k]`` padding mask hides the padding of the keys.
    """

    def __init__(self, query_size: int, key_size: int, hidden_size: int) -> None:
        super().__init__()
        self.W_q = nn.Linear(query_size, hidden_size, bias=False)
        self.W_k = nn.Linear(key_size, hidden_size, bias=False)
        self.v = nn.Linear(hidden_size, 1, bias=False)

    def forward(self, queries, keys, values, mask=None):
        """The attention output ``[B, n_q, d_v]`` and weights ``[B, n_q, n_k]``."""
        if queries.dim() != 3 or keys.dim() != 3:
            raise ValueError(
                "AdditiveAttention expects queries [batch, n_q, d_q] and keys [batch, n_k, d_k], "
                f"got {tuple(queries.shape)} and {tuple(keys.shape)}"
            )
        # [B, n_q, 1, h] + [B, 1, n_k, h] -> [B, n_q, n_k, h] -> scores [B, n_q, n_k]
        features = torch.tanh(self.W_q(queries)[:, :, None] + self.W_k(keys)[:, None])
        weights = masked_softmax(self.v(features).squeeze(-1), mask)
        return weights @ values, weights
