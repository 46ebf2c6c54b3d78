"""Greedy decoding and beam search for any autoregressive model, through a step function.

A *step function* ``step(prefixes, state) -> (scores, new_state)`` receives the tokens produced
so far, ``prefixes`` of shape ``[k, t]`` (each row starts with ``<bos>``), and a ``state`` whose
tensors have one row per prefix (batch dimension first; tuples, lists and dicts of tensors are
fine, ``None`` too). It returns scores for the next token, ``[k, vocab]`` (logits or
log-probabilities: both are normalised here with ``log_softmax``), and the updated state. An RNN
reads only ``prefixes[:, -1]`` and carries its hidden state; a Transformer decoder reads the whole
prefix and carries the encoder's output.

The prefixes are made on ``device``; by default that is the device of the state's tensors (the
CPU when the state holds none), so decoding runs where the model's outputs are.
"""

from __future__ import annotations

from collections.abc import Callable

import torch

Step = Callable[[torch.Tensor, object], tuple[torch.Tensor, object]]


def select_state(state, index: torch.Tensor):
    """Rows ``index`` of every tensor in ``state`` (nested tuples/lists/dicts of tensors)."""
    if state is None:
        return None
    if isinstance(state, torch.Tensor):
        return state.index_select(0, index.to(state.device))
    if isinstance(state, (tuple, list)):
        return type(state)(select_state(s, index) for s in state)
    if isinstance(state, dict):
        return {key: select_state(value, index) for key, value in state.items()}
    raise TypeError(
        f"the decoding state must hold tensors (in tuples, lists or dicts), got {type(state).__name__}"
    )


def _state_device(state) -> torch.device | None:
    """The device of the first tensor in ``state``, or None when it holds no tensor."""
    if isinstance(state, torch.Tensor):
        return state.device
    if isinstance(state, dict):
        state = list(state.values())
    if isinstance(state, (tuple, list)):
        for part in state:
            found = _state_device(part)
            if found is not None:
                return found
    return None


def _pick_device(device, state) -> torch.device:
    """``device`` when given, else where the state's tensors are (the CPU if it has none)."""
    if device is not None:
        return torch.device(device)
    return _state_device(state) or torch.device("cpu")


def _check(max_len: int, batch_size: int = 1) -> None:
    if isinstance(max_len, bool) or not isinstance(max_len, int) or max_len < 1:
        raise ValueError(f"max_len must be a positive integer, got {max_len!r}")
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")


def _log_probs(step: Step, prefixes: torch.Tensor, state) -> tuple[torch.Tensor, object]:
    scores, state = step(prefixes, state)
    if scores.dim() != 2 or scores.shape[0] != prefixes.shape[0]:
        raise ValueError(
            f"the step function must return scores [{prefixes.shape[0]}, vocab], "
            f"got {tuple(scores.shape)}"
        )
    return torch.log_softmax(scores.float(), dim=-1), state


@torch.no_grad()
def greedy_decode(
    step: Step,
    state,
    batch_size: int,
    *,
    bos_id: int,
    eos_id: int,
    max_len: int,
    device: torch.device | str | None = None,
) -> tuple[list[list[int]], torch.Tensor]:
    """Pick the most probable token at every step, for a batch of ``batch_size`` sequences.

    Returns the token ids of each sequence (without ``<bos>`` and ``<eos>``; cut at ``max_len``
    tokens if no ``<eos>`` came) and the log-probability of each, ``<eos>`` included.
    """
    _check(max_len, batch_size)
    device = _pick_device(device, state)
    prefixes = torch.full((batch_size, 1), bos_id, dtype=torch.long, device=device)
    log_prob = torch.zeros(batch_size, device=device)
    done = torch.zeros(batch_size, dtype=torch.bool, device=device)
    for _ in range(max_len):
        log_probs, state = _log_probs(step, prefixes, state)
        best, token = log_probs.max(dim=-1)
        log_prob += torch.where(done, 0.0, best)
        token = torch.where(done, eos_id, token)
        prefixes = torch.cat([prefixes, token[:, None]], dim=1)
        done |= token == eos_id
        if done.all():
            break
    sequences = []
    for row in prefixes[:, 1:].tolist():
        sequences.append(row[: row.index(eos_id)] if eos_id in row else row)
    return sequences, log_prob.cpu()


@torch.no_grad()
def beam_search(
    step: Step,
    state,
    *,
    bos_id: int,
    eos_id: int,
    max_len: int,
    beam_width: int = 3,
    length_penalty: float = 0.0,
    device: torch.device | str | None = None,
) -> list[tuple[list[int], float, float]]:
    """Beam search for one sequence; ``state`` has batch size 1.

    At every step each of the ``beam_width`` live prefixes is extended by every token, and the
    ``beam_width`` most probable extensions (by total log-probability) are kept. An extension
    that ends in ``<eos>`` is finished: it leaves the beam, which continues with fewer prefixes.
    When no prefix is left (or after ``max_len`` tokens), the finished hypotheses are ranked by
    ``log P / length ** length_penalty`` (length normalisation; ``length_penalty=0`` ranks by
    plain log-probability, the length counting ``<eos>``).

    Returns ``(tokens, log_prob, score)`` for every finished hypothesis, best first; the tokens
    exclude ``<bos>`` and ``<eos>``. With ``beam_width=1`` the result is the greedy sequence.
    """
    _check(max_len)
    if isinstance(beam_width, bool) or not isinstance(beam_width, int) or beam_width < 1:
        raise ValueError(f"beam_width must be a positive integer, got {beam_width!r}")
    if length_penalty < 0:
        raise ValueError(f"length_penalty must be >= 0, got {length_penalty}")
    device = _pick_device(device, state)
    prefixes = torch.full((1, 1), bos_id, dtype=torch.long, device=device)
    log_prob = torch.zeros(1, device=device)
    finished: list[tuple[list[int], float, float]] = []

    def finish(tokens: list[int], lp: float, length: int) -> None:
        finished.append((tokens, lp, lp / length**length_penalty))

    width = beam_width
    for t in range(1, max_len + 1):
        log_probs, state = _log_probs(step, prefixes, state)
        vocab = log_probs.shape[-1]
        totals = (log_prob[:, None] + log_probs).flatten()
        top, flat = totals.topk(min(width, totals.numel()))
        rows, tokens = flat // vocab, flat % vocab
        keep = []
        for total, row, token in zip(top.tolist(), rows.tolist(), tokens.tolist()):
            if token == eos_id:
                finish(prefixes[row, 1:].tolist(), total, t)
                width -= 1
            else:
                keep.append((row, token, total))
        if not keep:
            break
        index = torch.tensor([row for row, _, _ in keep], device=device)
        new_tokens = torch.tensor([[token] for _, token, _ in keep], device=device)
        prefixes = torch.cat([prefixes.index_select(0, index), new_tokens], dim=1)
        log_prob = torch.tensor([total for _, _, total in keep], device=device)
        state = select_state(state, index)
    else:  # max_len reached: the live prefixes count as finished, without <eos>
        for row in range(len(prefixes)):
            finish(prefixes[row, 1:].tolist(), log_prob[row].item(), max_len)
    return sorted(finished, key=lambda h: -h[2])
