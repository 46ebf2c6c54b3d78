"""BLEU (Papineni et al., 2002) from scratch: clipped n-gram precisions and the brevity penalty.

Tokens are any hashable items; a string counts as a sequence of characters. Scores are in
``[0, 1]`` (sacreBLEU reports the same number times 100). No smoothing: a candidate with no
matching n-gram of some order gets 0.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence


def _check_tokens(name: str, tokens) -> None:
    if not isinstance(tokens, (str, Sequence)):
        raise TypeError(f"{name} must be a sequence of tokens (or a string), got {type(tokens).__name__}")


def ngrams(tokens: Sequence, n: int) -> Counter:
    """How often each n-gram (a tuple of ``n`` tokens) occurs in ``tokens``."""
    _check_tokens("tokens", tokens)
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"n must be a positive integer, got {n!r}")
    return Counter(tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1))


def modified_precision(candidate: Sequence, reference: Sequence, n: int) -> tuple[int, int]:
    """``(matches, total)`` for n-grams of order ``n``: each candidate n-gram counts at most as
    often as it occurs in the reference (the "clipping" of BLEU)."""
    _check_tokens("candidate", candidate)
    _check_tokens("reference", reference)
    cand, ref = ngrams(candidate, n), ngrams(reference, n)
    matches = sum(min(count, ref[gram]) for gram, count in cand.items())
    return matches, sum(cand.values())


def brevity_penalty(candidate_length: int, reference_length: int) -> float:
    """``exp(min(0, 1 - r / c))``: 1 for candidates at least as long as the reference, less for
    shorter ones, 0 for an empty candidate."""
    if candidate_length < 0 or reference_length < 0:
        raise ValueError("lengths must not be negative")
    if candidate_length == 0:
        return 0.0
    return math.exp(min(0.0, 1 - reference_length / candidate_length))


def _weights(max_n: int, weights) -> list[float]:
    if isinstance(max_n, bool) or not isinstance(max_n, int) or max_n < 1:
        raise ValueError(f"max_n must be a positive integer, got {max_n!r}")
    if weights is None:
        return [1 / max_n] * max_n
    weights = list(weights)
    if len(weights) != max_n:
        raise ValueError(f"need one weight per n-gram order: {max_n} orders, {len(weights)} weights")
    if any(w < 0 for w in weights):
        raise ValueError(f"weights must not be negative, got {weights}")
    return weights


def _combine(matches, totals, cand_len, ref_len, weights) -> float:
    log_sum = 0.0
    for m, t, w in zip(matches, totals, weights):
        if w == 0:
            continue
        if m == 0 or t == 0:
            return 0.0
        log_sum += w * math.log(m / t)
    return brevity_penalty(cand_len, ref_len) * math.exp(log_sum)


def sentence_bleu(
    candidate: Sequence, reference: Sequence, *, max_n: int = 4, weights=None
) -> float:
    """BLEU of one candidate against one reference.

    ``BP * exp(sum_n w_n log p_n)`` with uniform weights ``w_n = 1/max_n`` unless ``weights`` is
    given (for example ``[1/2, 1/4]`` for the variant with weights ``1/2**n``).
    """
    weights = _weights(max_n, weights)
    stats = [modified_precision(candidate, reference, n) for n in range(1, max_n + 1)]
    matches, totals = zip(*stats)
    return _combine(matches, totals, len(candidate), len(reference), weights)


def corpus_bleu(
    candidates: Sequence[Sequence], references: Sequence[Sequence], *, max_n: int = 4, weights=None
) -> float:
    """Corpus BLEU: n-gram matches, n-gram totals and lengths are summed over all sentences
    before the precisions and the brevity penalty are computed (not an average of sentence
    scores)."""
    weights = _weights(max_n, weights)
    if isinstance(candidates, str) or isinstance(references, str):
        raise TypeError("corpus_bleu expects lists of token sequences, not a single string")
    if len(candidates) != len(references):
        raise ValueError(
            f"got {len(candidates)} candidates but {len(references)} references; need one each"
        )
    if len(candidates) == 0:
        raise ValueError("corpus_bleu got no sentences")
    matches, totals = [0] * max_n, [0] * max_n
    for candidate, reference in zip(candidates, references):
        for n in range(1, max_n + 1):
            m, t = modified_precision(candidate, reference, n)
            matches[n - 1] += m
            totals[n - 1] += t
    cand_len = sum(len(c) for c in candidates)
    ref_len = sum(len(r) for r in references)
    return _combine(matches, totals, cand_len, ref_len, weights)
