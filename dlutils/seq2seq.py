"""The two GRU encoder-decoders of the attention chapters, and a helper that translates with them.

* :class:`Seq2Seq`: the encoder's final hidden state is the decoder's initial state and is fed to
  the decoder at every step, next to the previous token (chapter "Sequence to sequence").
* :class:`AttentionSeq2Seq`: the decoder attends over all the encoder's states with additive
  attention at every step (chapter "Attention").

Both take ``(source, source_lengths, decoder_inputs)``, the batches of
:func:`dlutils.text.collate_seq2seq`, and return logits ``[batch, target_time, vocab]``. For
decoding, ``encode(source, source_lengths)`` gives a state and ``step(prefixes, state)`` the next
token's logits, the step function of :mod:`dlutils.decoding`.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from .attention import AdditiveAttention, padding_mask
from .decoding import greedy_decode
from .device import _module_device
from .text import Vocab


class GRUEncoder(nn.Module):
    """Embedding + GRU. Returns all hidden states ``[B, S, H]`` and the last real one ``[B, H]``."""

    def __init__(self, vocab_size: int, embed_size: int, hidden_size: int) -> None:
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embed_size, padding_idx=0)
        self.rnn = nn.GRU(embed_size, hidden_size, batch_first=True)

    def forward(self, source: torch.Tensor, lengths: torch.Tensor):
        """All hidden states ``[B, S, H]`` and the last real one of each row ``[B, H]``."""
        outputs, _ = self.rnn(self.embedding(source))
        # Padding comes after the real tokens, so the state at length - 1 has not seen any.
        last = outputs[torch.arange(len(source), device=source.device), lengths.to(source.device) - 1]
        return outputs, last


class Seq2Seq(nn.Module):
    """A GRU encoder-decoder whose only link is the fixed-length context vector ``c``."""

    def __init__(self, source_vocab: int, target_vocab: int, embed_size: int = 32,
                 hidden_size: int = 64) -> None:
        super().__init__()
        self.encoder = GRUEncoder(source_vocab, embed_size, hidden_size)
        self.embedding = nn.Embedding(target_vocab, embed_size, padding_idx=0)
        self.rnn = nn.GRU(embed_size + hidden_size, hidden_size, batch_first=True)
        self.output = nn.Linear(hidden_size, target_vocab)

    def encode(self, source, source_lengths):
        _, context = self.encoder(source, source_lengths)
        return context, context  # (decoder hidden state, context), both [B, H]

    def decode(self, decoder_inputs, state):
        hidden, context = state
        embedded = self.embedding(decoder_inputs)  # [B, T, E]
        repeated = context[:, None].expand(-1, decoder_inputs.shape[1], -1)
        outputs, hidden = self.rnn(torch.cat([embedded, repeated], -1), hidden[None].contiguous())
        return self.output(outputs), (hidden[0], context)

    def forward(self, source, source_lengths, decoder_inputs):
        """Logits ``[B, T, V]`` for teacher-forced ``decoder_inputs``."""
        return self.decode(decoder_inputs, self.encode(source, source_lengths))[0]

    def step(self, prefixes, state):
        logits, state = self.decode(prefixes[:, -1:], state)
        return logits[:, 0], state


class AttentionSeq2Seq(nn.Module):
    """A GRU encoder-decoder with Bahdanau-style additive attention.

    At step t the previous decoder state ``s_{t-1}`` is the query; the encoder states are keys and
    values. The context ``c_t`` and the previous token's embedding feed a GRU cell, and the output
    layer reads ``[s_t, c_t]``.
    """

    def __init__(self, source_vocab: int, target_vocab: int, embed_size: int = 32,
                 hidden_size: int = 64) -> None:
        super().__init__()
        self.encoder = GRUEncoder(source_vocab, embed_size, hidden_size)
        self.attention = AdditiveAttention(hidden_size, hidden_size, hidden_size)
        self.embedding = nn.Embedding(target_vocab, embed_size, padding_idx=0)
        self.cell = nn.GRUCell(embed_size + hidden_size, hidden_size)
        self.output = nn.Linear(2 * hidden_size, target_vocab)

    def encode(self, source, source_lengths):
        memory, last = self.encoder(source, source_lengths)
        mask = padding_mask(source_lengths.to(source.device), source.shape[1])
        return last, memory, mask

    def decode(self, decoder_inputs, state):
        """Logits ``[B, T, V]``, attention weights ``[B, T, S]`` and the final state."""
        hidden, memory, mask = state
        logits, weights = [], []
        for token in self.embedding(decoder_inputs).unbind(1):  # one step per target position
            context, w = self.attention(hidden[:, None], memory, memory, mask[:, None])
            context = context[:, 0]
            hidden = self.cell(torch.cat([token, context], -1), hidden)
            logits.append(self.output(torch.cat([hidden, context], -1)))
            weights.append(w[:, 0])
        return torch.stack(logits, 1), torch.stack(weights, 1), (hidden, memory, mask)

    def forward(self, source, source_lengths, decoder_inputs):
        """Logits ``[B, T, V]`` for teacher-forced ``decoder_inputs``."""
        return self.decode(decoder_inputs, self.encode(source, source_lengths))[0]

    def step(self, prefixes, state):
        logits, _, state = self.decode(prefixes[:, -1:], state)
        return logits[:, 0], state


@torch.no_grad()
def translate(
    model: nn.Module,
    sources: Sequence[str],
    source_vocab: Vocab,
    target_vocab: Vocab,
    *,
    max_len: int,
    batch_size: int = 512,
    device: torch.device | str | None = None,
) -> list[str]:
    """Greedy translations of ``sources`` (strings, tokenised by character) by a model with
    ``encode`` and ``step`` methods; returns strings. ``device`` defaults to the model's."""
    if isinstance(sources, str):
        raise TypeError("translate expects a list of strings, not one string; wrap it in a list")
    for name in ("encode", "step"):
        if not callable(getattr(model, name, None)):
            raise TypeError(f"the model needs an {name!r} method for decoding")
    if device is None:
        device = _module_device(model)
    was_training = model.training
    model.eval()
    results = []
    try:
        for start in range(0, len(sources), batch_size):
            chunk = [source_vocab.encode(list(s)) for s in sources[start : start + batch_size]]
            lengths = torch.tensor([len(ids) for ids in chunk])
            if int(lengths.min()) == 0:
                raise ValueError("cannot translate an empty string")
            source = torch.zeros(len(chunk), int(lengths.max()), dtype=torch.long)
            for i, ids in enumerate(chunk):
                source[i, : len(ids)] = torch.tensor(ids)
            state = model.encode(source.to(device), lengths.to(device))
            ids, _ = greedy_decode(model.step, state, len(chunk), bos_id=target_vocab.bos_id,
                                   eos_id=target_vocab.eos_id, max_len=max_len, device=device)
            results += ["".join(target_vocab.decode(row)) for row in ids]
    finally:
        model.train(was_training)
    return results
