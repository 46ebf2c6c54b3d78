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
* :mod:`dlutils.names`: real surname lists (US census; surnames by language, from Faker).
* :mod:`dlutils.plot` and :mod:`dlutils.display`: figures and training progress.
"""

from .archives import extract_archive
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
from .device import best_device, get_device, to_device
from .display import resolve_display
from .downloads import DownloadError, download
from .metrics import accuracy, confusion_matrix
from .names import load_surname_origins, load_us_surnames
from .plot import (
    plot_confusion_matrix,
    plot_decision_boundary,
    plot_history,
    set_style,
    show_images,
)
from .profiles import PROFILES, check_profile, pick
from .reproducibility import seed_everything
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
    "PROFILES",
    "DownloadError",
    "History",
    "Splits",
    "Vocab",
    "accuracy",
    "autocast",
    "best_device",
    "check_profile",
    "collate_classification",
    "collate_language_model",
    "collate_seq2seq",
    "confusion_matrix",
    "download",
    "evaluate",
    "extract_archive",
    "fit",
    "get_device",
    "load_checkpoint",
    "load_digits",
    "load_fashion_mnist",
    "load_surname_origins",
    "load_us_surnames",
    "make_loaders",
    "pad_sequences",
    "pick",
    "plot_confusion_matrix",
    "plot_decision_boundary",
    "plot_history",
    "read_idx",
    "resolve_display",
    "save_checkpoint",
    "seed_everything",
    "sequence_cross_entropy",
    "sequence_loader",
    "set_style",
    "show_images",
    "split_tensors",
    "subset",
    "to_device",
    "tokenize",
    "train_epoch",
]
