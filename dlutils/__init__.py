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
* :mod:`dlutils.plot` and :mod:`dlutils.display`: figures and training progress.
* :mod:`dlutils.performance`: ``channels_last``, ``torch.compile``, and honest throughput timing.
* :mod:`dlutils.distributed`: data-parallel training with DDP under ``torchrun``;
  :mod:`dlutils.train_ddp` is an example script that uses it.
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
from .distributed import (
    DistInfo,
    ShardSampler,
    all_reduce_sums,
    barrier,
    current_info,
    distributed_loader,
    free_port,
    global_mean,
    print0,
    save_on_main,
    set_epoch,
    setup_distributed,
    sharded_loader,
    teardown_distributed,
    wrap_ddp,
)
from .display import resolve_display
from .downloads import DownloadError, download
from .metrics import accuracy
from .performance import (
    measure_throughput,
    prepare_model,
    synchronize,
    to_channels_last,
    unwrap_model,
)
from .plot import plot_decision_boundary, plot_history, set_style, show_images
from .profiles import PROFILES, check_profile, pick
from .reproducibility import seed_everything
from .train import History, autocast, evaluate, fit, train_epoch

__version__ = "0.1.0"

__all__ = [
    "PROFILES",
    "DistInfo",
    "DownloadError",
    "History",
    "ShardSampler",
    "Splits",
    "accuracy",
    "all_reduce_sums",
    "autocast",
    "barrier",
    "best_device",
    "check_profile",
    "current_info",
    "distributed_loader",
    "download",
    "evaluate",
    "extract_archive",
    "fit",
    "free_port",
    "get_device",
    "global_mean",
    "load_checkpoint",
    "load_digits",
    "load_fashion_mnist",
    "make_loaders",
    "measure_throughput",
    "pick",
    "plot_decision_boundary",
    "plot_history",
    "prepare_model",
    "print0",
    "read_idx",
    "resolve_display",
    "save_checkpoint",
    "save_on_main",
    "seed_everything",
    "set_epoch",
    "set_style",
    "setup_distributed",
    "sharded_loader",
    "show_images",
    "split_tensors",
    "subset",
    "synchronize",
    "teardown_distributed",
    "to_channels_last",
    "to_device",
    "train_epoch",
    "unwrap_model",
    "wrap_ddp",
]
