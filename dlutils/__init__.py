"""dlutils: the course's small helper package.

Each module does one job and is short enough to read in a sitting:

* :mod:`dlutils.device`: pick a device (CUDA, then Apple MPS, then CPU) and move batches to it.
* :mod:`dlutils.reproducibility`: seed everything and ask for deterministic algorithms.
* :mod:`dlutils.profiles`: the ``fast`` / ``default`` / ``full`` run profiles.
* :mod:`dlutils.train`: ``train_epoch``, ``evaluate`` and ``fit``, which returns a ``History``.
* :mod:`dlutils.checkpoint`: atomic checkpoints that resume a run bit for bit.
* :mod:`dlutils.metrics`: metrics reported next to the loss.
* :mod:`dlutils.data`, :mod:`dlutils.downloads` and :mod:`dlutils.archives`: data sets, splits,
  loaders, checked downloads and safe unpacking.
* :mod:`dlutils.text`: tokens, a vocabulary and padded batches of sequences.
* :mod:`dlutils.attention`: masks, masked softmax, additive and scaled dot-product attention.
* :mod:`dlutils.decoding`: greedy decoding and beam search through a model's step function.
* :mod:`dlutils.bleu`: sentence and corpus BLEU with the brevity penalty.
* :mod:`dlutils.dates`: the date-format translation data set (Babel).
* :mod:`dlutils.seq2seq`: GRU encoder-decoders with and without attention, and ``translate``.
* :mod:`dlutils.plot` and :mod:`dlutils.display`: figures and training progress.
"""

from .archives import extract_archive
from .attention import (
    AdditiveAttention,
    causal_mask,
    masked_softmax,
    padding_mask,
    scaled_dot_product_attention,
)
from .bleu import brevity_penalty, corpus_bleu, modified_precision, ngrams, sentence_bleu
from .checkpoint import load_checkpoint, save_checkpoint
from .data import (
    Splits,
    load_digits,
    load_fashion_mnist,
    make_loaders,
    read_idx,
    split_tensors,
    subset,
)
from .dates import date_splits, format_pair
from .decoding import beam_search, greedy_decode, select_state
from .device import best_device, get_device, to_device
from .display import resolve_display
from .downloads import DownloadError, download
from .metrics import accuracy
from .plot import plot_decision_boundary, plot_history, set_style, show_images
from .profiles import PROFILES, check_profile, pick
from .reproducibility import seed_everything
from .seq2seq import AttentionSeq2Seq, GRUEncoder, Seq2Seq, translate
from .text import (
    Vocab,
    collate_classification,
    collate_language_model,
    collate_seq2seq,
    pad_sequences,
    sequence_cross_entropy,
    sequence_loader,
    tokenize,
)
from .train import History, autocast, evaluate, fit, train_epoch

__version__ = "0.1.0"

__all__ = [
    "AdditiveAttention",
    "AttentionSeq2Seq",
    "DownloadError",
    "GRUEncoder",
    "History",
    "PROFILES",
    "Seq2Seq",
    "Splits",
    "Vocab",
    "accuracy",
    "autocast",
    "beam_search",
    "best_device",
    "brevity_penalty",
    "causal_mask",
    "check_profile",
    "collate_classification",
    "collate_language_model",
    "collate_seq2seq",
    "corpus_bleu",
    "date_splits",
    "download",
    "evaluate",
    "extract_archive",
    "fit",
    "format_pair",
    "get_device",
    "greedy_decode",
    "load_checkpoint",
    "load_digits",
    "load_fashion_mnist",
    "make_loaders",
    "masked_softmax",
    "modified_precision",
    "ngrams",
    "pad_sequences",
    "padding_mask",
    "pick",
    "plot_decision_boundary",
    "plot_history",
    "read_idx",
    "resolve_display",
    "save_checkpoint",
    "scaled_dot_product_attention",
    "seed_everything",
    "select_state",
    "sentence_bleu",
    "sequence_cross_entropy",
    "sequence_loader",
    "set_style",
    "show_images",
    "split_tensors",
    "subset",
    "to_device",
    "tokenize",
    "train_epoch",
    "translate",
]
