"""The DDP helpers, in a single process and in two CPU processes (gloo) started with spawn."""

import os

import pytest
import torch
import torch.multiprocessing as mp
from torch import nn
from torch.utils.data import TensorDataset

import dlutils as dl
from dlutils import distributed

TORCHRUN_VARIABLES = ("RANK", "WORLD_SIZE", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT")


@pytest.fixture
def no_torchrun(monkeypatch):
    for name in TORCHRUN_VARIABLES:
        monkeypatch.delenv(name, raising=False)


def test_without_torchrun_the_process_is_a_single_rank(no_torchrun):
    info = dl.setup_distributed(device="cpu")
    assert (info.rank, info.world_size, info.is_main, info.distributed) == (0, 1, True, False)
    model = nn.Linear(2, 2)
    assert dl.wrap_ddp(model, info) is model
    assert dl.all_reduce_sums({"loss": 3.0, "n": 2}, info) == {"loss": 3.0, "n": 2.0}
    assert dl.global_mean(6.0, 4, info) == 1.5
    dl.teardown_distributed()  # a no-op


def test_setup_explains_a_partial_torchrun_environment(no_torchrun, monkeypatch):
    monkeypatch.setenv("WORLD_SIZE", "2")
    with pytest.raises(ValueError, match="RANK"):
        dl.setup_distributed()


def test_setup_rejects_bad_arguments(no_torchrun, monkeypatch):
    with pytest.raises(ValueError, match="torchrun"):
        dl.setup_distributed(backend="gloo")
    with pytest.raises(ValueError, match="device"):
        dl.setup_distributed(device="tpu")
    for name, value in zip(TORCHRUN_VARIABLES, ("x", "2", "0", "127.0.0.1", "1")):
        monkeypatch.setenv(name, value)
    with pytest.raises(ValueError, match="not an integer"):
        dl.setup_distributed()
    monkeypatch.setenv("RANK", "5")
    with pytest.raises(ValueError, match="RANK=5"):
        dl.setup_distributed()
    monkeypatch.setenv("RANK", "0")
    with pytest.raises(ValueError, match="backend"):
        dl.setup_distributed(backend="mpi")


def test_global_mean_needs_examples(no_torchrun):
    with pytest.raises(ValueError, match="count is 0"):
        dl.global_mean(0.0, 0)
    with pytest.raises(ValueError, match="empty"):
        dl.all_reduce_sums({})


def test_shard_sampler_covers_every_example_once():
    shards = [list(dl.ShardSampler(7, rank, 3)) for rank in range(3)]
    assert shards == [[0, 3, 6], [1, 4], [2, 5]]
    with pytest.raises(ValueError, match="rank"):
        dl.ShardSampler(7, 3, 3)


def test_loaders_reject_bad_input(no_torchrun):
    data = TensorDataset(torch.zeros(4, 1))
    with pytest.raises(ValueError, match="batch_size"):
        dl.distributed_loader(data, 0)
    with pytest.raises(ValueError, match="empty"):
        dl.distributed_loader(TensorDataset(torch.zeros(0, 1)), 2)
    with pytest.raises(ValueError, match="batch_size"):
        dl.sharded_loader(data, -1)
    with pytest.raises(TypeError, match="DistributedSampler"):
        dl.set_epoch(torch.utils.data.DataLoader(data), 1)


def test_set_epoch_reshuffles(no_torchrun):
    loader = dl.distributed_loader(TensorDataset(torch.arange(20.0)), 20, seed=0)
    dl.set_epoch(loader, 1)
    first = next(iter(loader))[0].tolist()
    dl.set_epoch(loader, 2)
    second = next(iter(loader))[0].tolist()
    assert sorted(first) == sorted(second) == list(range(20))
    assert first != second


def test_save_on_main_unwraps_and_writes(no_torchrun, tmp_path):
    model = nn.Linear(3, 1)
    path = dl.save_on_main(tmp_path / "c.pt", model=model, epoch=4)
    plain = nn.Linear(3, 1)
    assert dl.load_checkpoint(path, model=plain)["epoch"] == 4
    torch.testing.assert_close(plain.weight, model.weight)


def _worker(rank, world_size, port, results):
    os.environ.update(RANK=str(rank), WORLD_SIZE=str(world_size), LOCAL_RANK=str(rank),
                      MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port))
    torch.set_num_threads(1)
    info = dl.setup_distributed(device="cpu")
    try:
        # Uneven shards of 0, 1, 4, 9, 16: rank 0 holds 0, 4, 16; rank 1 holds 1, 9.
        loader = dl.sharded_loader(TensorDataset(torch.arange(5.0) ** 2), 10, info=info)
        (values,) = next(iter(loader))
        total, count = values.sum().item(), len(values)
        results[rank] = {
            "local_mean": total / count,
            "global_mean": dl.global_mean(total, count, info),
            "sums": dl.all_reduce_sums({"total": total, "count": count}, info),
            "distributed": info.distributed,
            "backend": info.backend,
        }
    finally:
        dl.teardown_distributed()


def test_metrics_are_reduced_from_sums_and_counts_across_two_processes(no_torchrun):
    results = mp.Manager().dict()
    mp.spawn(_worker, args=(2, dl.free_port(), results), nprocs=2, join=True)
    assert results[0]["local_mean"] == pytest.approx(20 / 3) and results[1]["local_mean"] == 5.0
    for rank in (0, 1):
        assert results[rank]["distributed"] and results[rank]["backend"] == "gloo"
        assert results[rank]["sums"] == {"total": 30.0, "count": 5.0}
        # 30 / 5 = 6, not the mean of the two means, (20/3 + 5) / 2 = 5.83
        assert results[rank]["global_mean"] == 6.0
