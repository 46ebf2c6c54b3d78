"""Data-parallel training with PyTorch's DistributedDataParallel (DDP), launched by ``torchrun``.

``torchrun --nproc_per_node=N script.py`` starts N copies of a script and tells each one who it
is through environment variables (``RANK``, ``WORLD_SIZE``, ``LOCAL_RANK``, ``MASTER_ADDR``,
``MASTER_PORT``). The helpers here do the chores around DDP and nothing else; DDP itself
averages the gradients across processes::

    info = dl.setup_distributed()                 # also works as a single plain process
    model = dl.wrap_ddp(model.to(info.device), info)
    loader = dl.distributed_loader(dataset, batch_size=32, seed=0)
    for epoch in range(epochs):
        dl.set_epoch(loader, epoch)               # a new shuffle every epoch, same on all ranks
        ...
    totals = dl.all_reduce_sums({"loss": loss_sum, "examples": n}, info)
    dl.save_on_main(path, info, model=model, optimizer=optimizer)
    dl.teardown_distributed()

Without ``torchrun`` (no ``WORLD_SIZE`` in the environment) :func:`setup_distributed` returns a
single-process :class:`DistInfo` and every helper falls back to what one process would do, so the
same script runs both ways.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Mapping
from dataclasses import dataclass

import torch
import torch.distributed as dist
from torch import nn
from torch.utils.data import DataLoader, Dataset, DistributedSampler

from .checkpoint import save_checkpoint
from .performance import unwrap_model

_TORCHRUN_VARIABLES = ("RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT")


@dataclass(frozen=True)
class DistInfo:
    """Who this process is: its ``rank`` among ``world_size`` processes, and its device."""

    rank: int
    world_size: int
    local_rank: int
    device: torch.device
    backend: str | None  # None for a single process without a process group

    @property
    def is_main(self) -> bool:
        """True on rank 0, the process that logs and writes checkpoints."""
        return self.rank == 0

    @property
    def distributed(self) -> bool:
        return self.world_size > 1 or self.backend is not None


def _env_int(name: str) -> int:
    value = os.environ.get(name)
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ValueError(
            f"environment variable {name}={value!r} is not an integer; "
            "launch the script with torchrun, which sets it"
        ) from None


def setup_distributed(backend: str | None = None, *, device: str = "auto") -> DistInfo:
    """Join the process group that ``torchrun`` prepared, or describe a single plain process.

    ``backend`` defaults to ``"nccl"`` when CUDA is available and ``"gloo"`` otherwise; with CUDA
    each process uses the GPU ``cuda:LOCAL_RANK``. ``device="cpu"`` forces the CPU (and gloo).
    """
    if device not in ("auto", "cpu"):
        raise ValueError(f"device must be 'auto' or 'cpu', got {device!r}")
    use_cuda = device == "auto" and torch.cuda.is_available()
    if "WORLD_SIZE" not in os.environ:
        if backend is not None:
            raise ValueError(
                f"backend={backend!r} was given but WORLD_SIZE is not set: "
                "launch with torchrun (e.g. torchrun --nproc_per_node=2 script.py)"
            )
        return DistInfo(0, 1, 0, torch.device("cuda" if use_cuda else "cpu"), None)
    missing = [name for name in _TORCHRUN_VARIABLES if name not in os.environ]
    if missing:
        raise ValueError(
            f"WORLD_SIZE is set but {', '.join(missing)} is not; launch with torchrun, "
            "which sets all of them"
        )
    rank, world_size, local_rank = (_env_int(n) for n in ("RANK", "WORLD_SIZE", "LOCAL_RANK"))
    if not 0 <= rank < world_size:
        raise ValueError(f"RANK={rank} must lie in [0, WORLD_SIZE={world_size})")
    backend = backend or ("nccl" if use_cuda else "gloo")
    if backend not in ("gloo", "nccl"):
        raise ValueError(f"backend must be 'gloo' or 'nccl', got {backend!r}")
    if backend == "nccl" and not use_cuda:
        raise ValueError("the nccl backend needs CUDA GPUs; use backend='gloo' on the CPU")
    if use_cuda and backend == "nccl":
        if local_rank >= torch.cuda.device_count():
            raise RuntimeError(
                f"LOCAL_RANK={local_rank} but this machine has {torch.cuda.device_count()} "
                "GPU(s): start at most one process per GPU"
            )
        torch.cuda.set_device(local_rank)
        chosen = torch.device("cuda", local_rank)
    else:
        chosen = torch.device("cpu")
    if not dist.is_initialized():
        dist.init_process_group(backend=backend, rank=rank, world_size=world_size)
    return DistInfo(rank, world_size, local_rank, chosen, backend)


def teardown_distributed() -> None:
    """Leave the process group (a no-op for a single process)."""
    if dist.is_available() and dist.is_initialized():
        dist.destroy_process_group()


def wrap_ddp(model: nn.Module, info: DistInfo) -> nn.Module:
    """Wrap ``model`` (already on ``info.device``) in DistributedDataParallel when distributed.

    DDP broadcasts rank 0's initial weights to every process and, during ``backward()``,
    averages the gradients across processes with all-reduce, so every process takes the same
    optimizer step. A single process gets its model back unchanged.
    """
    if not info.distributed:
        return model
    device_ids = [info.device.index] if info.device.type == "cuda" else None
    return nn.parallel.DistributedDataParallel(model, device_ids=device_ids)


def distributed_loader(
    dataset: Dataset,
    batch_size: int,
    *,
    info: DistInfo | None = None,
    shuffle: bool = True,
    seed: int = 0,
    drop_last: bool = False,
    num_workers: int = 0,
    pin_memory: bool | None = None,
) -> DataLoader:
    """A DataLoader that gives each process its own 1/world_size share of ``dataset``.

    ``batch_size`` is per process: the global batch is ``batch_size * world_size``. Call
    :func:`set_epoch` at the start of every epoch so that the shuffle changes between epochs (it
    is the same on every process, seeded by ``seed + epoch``). ``pin_memory`` defaults to True
    when the process uses a CUDA device.
    """
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")
    if len(dataset) == 0:
        raise ValueError("the dataset is empty")
    if info is None:
        info = current_info()
    if pin_memory is None:
        pin_memory = info.device.type == "cuda"
    sampler = DistributedSampler(
        dataset,
        num_replicas=info.world_size,
        rank=info.rank,
        shuffle=shuffle,
        seed=seed,
        drop_last=drop_last,
    )
    return DataLoader(
        dataset,
        batch_size=batch_size,
        sampler=sampler,
        num_workers=num_workers,
        pin_memory=pin_memory,
    )


class ShardSampler(torch.utils.data.Sampler):
    """Indices ``rank, rank + world_size, ...``: every example exactly once over all ranks.

    For evaluation. Unlike DistributedSampler it never pads the data set with repeated examples,
    so the ranks may hold different numbers of examples; reduce sums and counts across ranks
    (:func:`all_reduce_sums`), never per-rank averages.
    """

    def __init__(self, size: int, rank: int, world_size: int):
        if not 0 <= rank < world_size:
            raise ValueError(f"rank {rank} must lie in [0, world_size={world_size})")
        self.indices = list(range(rank, size, world_size))

    def __iter__(self):
        return iter(self.indices)

    def __len__(self) -> int:
        return len(self.indices)


def sharded_loader(
    dataset: Dataset, batch_size: int, *, info: DistInfo | None = None, num_workers: int = 0
) -> DataLoader:
    """An unshuffled DataLoader over this rank's shard (:class:`ShardSampler`), for evaluation."""
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")
    info = info or current_info()
    sampler = ShardSampler(len(dataset), info.rank, info.world_size)
    return DataLoader(
        dataset,
        batch_size=batch_size,
        sampler=sampler,
        num_workers=num_workers,
        pin_memory=info.device.type == "cuda",
    )


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now, for ``torchrun --master_port``."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def set_epoch(loader: DataLoader, epoch: int) -> None:
    """Tell the loader's DistributedSampler which epoch starts, so that it reshuffles."""
    sampler = getattr(loader, "sampler", None)
    if not isinstance(sampler, DistributedSampler):
        raise TypeError(
            "set_epoch needs a DataLoader built on a DistributedSampler "
            "(use dl.distributed_loader)"
        )
    sampler.set_epoch(epoch)


def current_info() -> DistInfo:
    """The :class:`DistInfo` of this process, from the process group if one exists."""
    if dist.is_available() and dist.is_initialized():
        local_rank = int(os.environ.get("LOCAL_RANK", 0))
        backend = dist.get_backend()
        device = (
            torch.device("cuda", torch.cuda.current_device())
            if backend == "nccl"
            else torch.device("cpu")
        )
        return DistInfo(dist.get_rank(), dist.get_world_size(), local_rank, device, backend)
    return DistInfo(0, 1, 0, torch.device("cpu"), None)


def all_reduce_sums(
    sums: Mapping[str, float | int | torch.Tensor], info: DistInfo | None = None
) -> dict[str, float]:
    """Add up per-process sums (e.g. ``{"loss": sum of losses, "examples": count}``) across ranks.

    Reduce *sums and counts* and divide afterwards: averaging each rank's average is wrong as
    soon as the ranks saw different numbers of examples. Every process gets the totals.
    """
    if not sums:
        raise ValueError("nothing to reduce: sums is empty")
    info = info or current_info()
    names = list(sums)
    values = torch.tensor(
        [float(sums[name]) for name in names], dtype=torch.float64, device=info.device
    )
    if info.distributed:
        dist.all_reduce(values, op=dist.ReduceOp.SUM)
    return dict(zip(names, values.cpu().tolist()))


def global_mean(total: float, count: float, info: DistInfo | None = None) -> float:
    """The mean over all processes' examples, from this process's ``total`` and ``count``."""
    reduced = all_reduce_sums({"total": total, "count": count}, info)
    if reduced["count"] <= 0:
        raise ValueError("no examples on any process: the count is 0")
    return reduced["total"] / reduced["count"]


def barrier(info: DistInfo | None = None) -> None:
    """Wait until every process gets here (a no-op for a single process)."""
    info = info or current_info()
    if info.distributed:
        if info.backend == "nccl":
            dist.barrier(device_ids=[info.device.index])
        else:
            dist.barrier()


def print0(*args, info: DistInfo | None = None, **kwargs) -> None:
    """``print`` on rank 0 only, so that N processes do not print N copies."""
    if (info or current_info()).is_main:
        print(*args, **kwargs)


def save_on_main(path, info: DistInfo | None = None, *, model: nn.Module, **kwargs):
    """Write a checkpoint with :func:`dlutils.checkpoint.save_checkpoint` from rank 0 only, then wait.

    The model is unwrapped first (DDP's ``module``, ``torch.compile``'s original module), so the
    checkpoint loads into a plain model in a single process. Other processes wait at a barrier
    until the file is complete. Returns the path on rank 0 and None elsewhere.
    """
    info = info or current_info()
    written = None
    if info.is_main:
        written = save_checkpoint(path, model=unwrap_model(model), **kwargs)
    barrier(info)
    return written
