"""Data-parallel training with DDP on the CPU (gloo backend, two processes started by torchrun)
gives the same weights as one process that sees the same global batches, and a checkpoint that
rank 0 writes under DDP loads into a plain model in a single process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from torch import nn

import dlutils as dl

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ["-m", "dlutils.train_ddp"]  # the appendix's example script, shipped with dlutils
ARGS = ["--epochs", "2", "--cpu"]


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("RANK", "WORLD_SIZE", "LOCAL_RANK")}
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    env["OMP_NUM_THREADS"] = "1"
    return env


def _run(command: list[str]) -> list[dict]:
    done = subprocess.run(command, capture_output=True, text=True, timeout=240, env=_env())
    assert done.returncode == 0, f"{command}\nstdout:\n{done.stdout}\nstderr:\n{done.stderr}"
    return [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("ddp")
    single = _run([sys.executable, *SCRIPT, "--out", str(folder / "single"), *ARGS])
    torchrun = [
        sys.executable,
        "-m",
        "torch.distributed.run",
        "--nnodes=1",
        "--nproc_per_node=2",
        "--master_addr=127.0.0.1",
        f"--master_port={dl.free_port()}",
    ]
    ddp = _run([*torchrun, *SCRIPT, "--out", str(folder / "ddp"), *ARGS])
    return folder, single, ddp


def test_two_processes_train_to_the_same_weights_as_one(runs):
    folder, single, ddp = runs
    assert [r["world_size"] for r in single] == [1, 1]
    assert [r["world_size"] for r in ddp] == [2, 2]  # printed once, by rank 0 only
    expected = torch.load(folder / "single" / "checkpoint.pt", weights_only=True)["model"]
    actual = torch.load(folder / "ddp" / "checkpoint.pt", weights_only=True)["model"]
    assert list(actual) == list(expected)  # no "module." prefix: the plain model was saved
    for name, tensor in expected.items():
        torch.testing.assert_close(actual[name], tensor, atol=1e-6, rtol=0, msg=name)


def test_metrics_reduced_over_ranks_equal_the_single_process_ones(runs):
    _, single, ddp = runs
    for one, two in zip(single, ddp):
        assert one["examples"] == two["examples"] == 1248
        assert one["train_accuracy"] == two["train_accuracy"]  # counts, reduced exactly
        assert abs(one["train_loss"] - two["train_loss"]) < 1e-6


def test_a_ddp_checkpoint_loads_in_a_single_process(runs):
    folder, _, ddp = runs
    model = nn.Sequential(nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 10))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    state = dl.load_checkpoint(folder / "ddp" / "checkpoint.pt", model=model, optimizer=optimizer)
    assert state["epoch"] == 2
    assert [r["train_loss"] for r in state["history"]] == [r["train_loss"] for r in ddp]
    X, y = dl.load_digits(flatten=True).train.tensors
    with torch.no_grad():
        accuracy = (model(X).argmax(dim=1) == y).sum().item() / len(y)
    assert abs(accuracy - ddp[-1]["train_accuracy"]) < 1e-9
