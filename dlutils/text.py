"""Text as tensors: tokens, a vocabulary, and padded batches of sequences of different lengths.

The sequence chapters (RNNs, embeddings, seq2seq, attention, the Transformer) all turn strings into
lists of integer ids with a :class:`Vocab`, then pad a batch of those lists into one rectangular
tensor. The ``collate_*`` functions build the batches that :func:`dlutils.train.fit` expects: a pair
``(inputs, targets)`` where ``inputs`` may be a tuple spread over the model's arguments.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence

import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader

PAD, UNK, BOS, EOS = "<pad>", "<unk>", "<bos>", "<eos>"
SPECIALS = (PAD, UNK, BOS, EOS)  # always the ids 0, 1, 2, 3, in this order

_WORD = re.compile(r"\w+|[^\w\s]")  # a run of letters/digits, or one punctuation mark


def tokenize(text: str, level: str = "word", *, lower: bool = False) -> list[str]:
    """Split ``text`` into words (punctuation marks become tokens of their own) or characters."""
    if not isinstance(text, str):
        raise TypeError(f"tokenize expects a string, got {type(text).__name__}")
    if lower:
        text = text.lower()
    if level == "word":
        return _WORD.findall(text)
    if level == "char":
        return list(text)
    raise ValueError(f"level must be 'word' or 'char', got {level!r}")


class Vocab:
    """A two-way map between tokens and integer ids.

    The special tokens ``<pad>``, ``<unk>``, ``<bos>`` and ``<eos>`` take ids 0-3. The other tokens
    follow, most frequent first (ties in alphabetical order, so the ids never depend on the order
    of the data). Tokens seen fewer than ``min_freq`` times, or beyond the ``max_size`` most
    frequent, are left out and map to ``<unk>``.

    ``sequences`` is an iterable of token sequences; a string counts as a sequence of characters,
    so ``Vocab(["anna", "bob"])`` is a character vocabulary.
    """

    def __init__(
        self,
        sequences: Iterable[Sequence[str]],
        *,
        min_freq: int = 1,
        max_size: int | None = None,
    ) -> None:
        if isinstance(sequences, str):
            raise TypeError(
                "Vocab expects a collection of token sequences, not one string; "
                "wrap it in a list: Vocab([text])"
            )
        if isinstance(min_freq, bool) or not isinstance(min_freq, int) or min_freq < 1:
            raise ValueError(f"min_freq must be a positive integer, got {min_freq!r}")
        if max_size is not None and (not isinstance(max_size, int) or max_size < 0):
            raise ValueError(
                f"max_size must be None or a non-negative integer, got {max_size!r}"
            )
        self.counts: Counter[str] = Counter()
        for sequence in sequences:
            if not isinstance(sequence, (str, Sequence)):
                raise TypeError(
                    f"each sequence must be a string or a list of tokens, got {sequence!r}"
                )
            self.counts.update(sequence)
        kept = sorted(
            (t for t, c in self.counts.items() if c >= min_freq and t not in SPECIALS),
            key=lambda t: (-self.counts[t], t),
        )
        if max_size is not None:
            kept = kept[:max_size]
        self.tokens: list[str] = [*SPECIALS, *kept]
        self._ids = {token: i for i, token in enumerate(self.tokens)}

    pad_id, unk_id, bos_id, eos_id = range(4)

    def __len__(self) -> int:
        return len(self.tokens)

    def __contains__(self, token: str) -> bool:
        return token in self._ids

    def __getitem__(self, token: str) -> int:
        """The id of ``token``; ``<unk>``'s id if the vocabulary does not know it."""
        return self._ids.get(token, self.unk_id)

    def encode(
        self, tokens: Sequence[str], *, bos: bool = False, eos: bool = False
    ) -> list[int]:
        """Ids of ``tokens``, optionally framed by ``<bos>`` and ``<eos>``."""
        if isinstance(tokens, str) and len(tokens) > 1 and tokens in self._ids:
            raise TypeError(
                f"encode expects a sequence of tokens; got the single token {tokens!r}"
            )
        ids = [self[t] for t in tokens]
        return [self.bos_id] * bos + ids + [self.eos_id] * eos

    def decode(self, ids: Iterable[int], *, keep_specials: bool = False) -> list[str]:
        """Tokens of ``ids``. Stops at the first ``<eos>`` and drops ``<pad>``/``<bos>`` unless
        ``keep_specials``."""
        if isinstance(ids, torch.Tensor):
            if ids.dim() != 1:
                raise ValueError(
                    f"decode expects one sequence (a 1-D tensor), got shape {tuple(ids.shape)}"
                )
            ids = ids.tolist()
        tokens = []
        for i in ids:
            if not 0 <= i < len(self.tokens):
                raise IndexError(
                    f"id {i} is outside the vocabulary (size {len(self.tokens)})"
                )
            if not keep_specials:
                if i == self.eos_id:
                    break
                if i in (self.pad_id, self.bos_id):
                    continue
            tokens.append(self.tokens[i])
        return tokens

    def __repr__(self) -> str:
        preview = ", ".join(self.tokens[4:9])
        return f"Vocab(size={len(self)}, most frequent: {preview}, ...)"


def pad_sequences(
    sequences: Sequence[Sequence[int]], pad_id: int, *, max_len: int | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """Stack id sequences into a ``[batch, time]`` tensor, padding on the right with ``pad_id``.

    Returns the padded tensor and the true lengths. Sequences longer than ``max_len`` are cut.
    """
    if len(sequences) == 0:
        raise ValueError("pad_sequences got no sequences")
    rows = [torch.as_tensor(s, dtype=torch.long) for s in sequences]
    for i, row in enumerate(rows):
        if row.dim() != 1:
            raise ValueError(
                f"sequence {i} has shape {tuple(row.shape)}; each must be 1-D"
            )
    if max_len is not None:
        if max_len < 1:
            raise ValueError(f"max_len must be at least 1, got {max_len}")
        rows = [row[:max_len] for row in rows]
    lengths = torch.tensor([len(row) for row in rows], dtype=torch.long)
    padded = torch.full((len(rows), int(lengths.max())), pad_id, dtype=torch.long)
    for i, row in enumerate(rows):
        padded[i, : len(row)] = row
    return padded, lengths


def collate_classification(pad_id: int) -> Callable:
    """Batches of ``(ids, label)`` items become ``((tokens, lengths), labels)``."""

    def collate(items):
        sequences, labels = zip(*items)
        tokens, lengths = pad_sequences(sequences, pad_id)
        return (tokens, lengths), torch.as_tensor(labels, dtype=torch.long)

    return collate


def collate_language_model(pad_id: int, bos_id: int, eos_id: int) -> Callable:
    """Batches of id sequences become ``(inputs, targets)`` for next-token prediction.

    ``inputs`` is ``<bos> x1 ... xn`` and ``targets`` is ``x1 ... xn <eos>``, both padded, so
    position t of the output predicts token t+1 of the input.
    """

    def collate(items):
        inputs, _ = pad_sequences([[bos_id, *s] for s in items], pad_id)
        targets, _ = pad_sequences([[*s, eos_id] for s in items], pad_id)
        return inputs, targets

    return collate


def collate_seq2seq(pad_id: int, bos_id: int, eos_id: int) -> Callable:
    """Batches of ``(source_ids, target_ids)`` become ``((source, source_lengths, decoder_inputs),
    decoder_targets)`` for teacher forcing: the decoder reads ``<bos> y1 ... yn`` and must produce
    ``y1 ... yn <eos>``."""

    def collate(items):
        sources, targets = zip(*items)
        source, source_lengths = pad_sequences(sources, pad_id)
        decoder_inputs, _ = pad_sequences([[bos_id, *t] for t in targets], pad_id)
        decoder_targets, _ = pad_sequences([[*t, eos_id] for t in targets], pad_id)
        return (source, source_lengths, decoder_inputs), decoder_targets

    return collate


def sequence_loader(
    items: Sequence,
    batch_size: int,
    collate_fn: Callable,
    *,
    shuffle: bool = False,
    seed: int = 0,
) -> DataLoader:
    """A DataLoader over a list of items (id lists or tuples) with a seeded shuffle."""
    if len(items) == 0:
        raise ValueError("sequence_loader got no items")
    if (
        isinstance(batch_size, bool)
        or not isinstance(batch_size, int)
        or batch_size < 1
    ):
        raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")
    generator = torch.Generator().manual_seed(seed) if shuffle else None
    return DataLoader(
        list(items),
        batch_size=batch_size,
        shuffle=shuffle,
        generator=generator,
        collate_fn=collate_fn,
    )


def sequence_cross_entropy(
    logits: torch.Tensor, targets: torch.Tensor, pad_id: int
) -> torch.Tensor:
    """Mean cross-entropy over the non-padding positions of ``[batch, time, vocab]`` logits."""
    if logits.dim() != 3 or targets.shape != logits.shape[:2]:
        raise ValueError(
            f"expected logits [batch, time, vocab] and targets [batch, time]; got "
            f"{tuple(logits.shape)} and {tuple(targets.shape)}"
        )
    return F.cross_entropy(logits.flatten(0, 1), targets.flatten(), ignore_index=pad_id)
