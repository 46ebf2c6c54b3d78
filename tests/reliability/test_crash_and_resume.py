"""A run killed mid-epoch resumes from its last checkpoint and ends exactly where an uninterrupted
run ends; a kill during a save never corrupts the last good checkpoint."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import torch
from torch import nn

import dlutils as dl

WORKER = Path(__file__).with_name("train_worker.py")


def worker(*args, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(WORKER), *map(str, args)],
        capture_output=True,
        text=True,
        timeout=120,
        **kwargs,
    )


def test_a_run_killed_mid_epoch_resumes_to_bit_identical_weights(tmp_path):
    straight = worker(tmp_path / "straight.pt", tmp_path / "straight-weights.pt")
    assert straight.returncode == 0, straight.stderr

    crashed = worker(tmp_path / "crashed.pt", tmp_path / "crashed-weights.pt", "--kill-at", 3, 5)
    assert crashed.returncode == -signal.SIGKILL, crashed.stderr
    assert not (tmp_path / "crashed-weights.pt").exists()
    state = torch.load(tmp_path / "crashed.pt", weights_only=True)
    assert state["epoch"] == 2  # the last finished epoch; epoch 3 died at its 5th step

    resumed = worker(tmp_path / "crashed.pt", tmp_path / "crashed-weights.pt", "--resume")
    assert resumed.returncode == 0, resumed.stderr

    expected = torch.load(tmp_path / "straight-weights.pt", weights_only=True)
    actual = torch.load(tmp_path / "crashed-weights.pt", weights_only=True)
    assert actual["losses"] == expected["losses"]  # all four epochs, bit for bit
    for name, tensor in expected["model"].items():
        assert torch.equal(actual["model"][name], tensor), name


def test_a_kill_during_a_save_leaves_the_last_good_checkpoint(tmp_path):
    checkpoint = tmp_path / "last.pt"
    model = nn.Sequential(*[nn.Linear(1024, 1024) for _ in range(8)])
    for delay in (0.8, 1.1, 1.4, 1.7):
        process = subprocess.Popen(
            [sys.executable, str(WORKER), "--save-loop", str(checkpoint)],
            stdout=subprocess.PIPE,
            text=True,
        )
        process.stdout.readline()  # one checkpoint is complete; now kill it while it writes more
        time.sleep(delay)
        process.send_signal(signal.SIGKILL)
        process.wait()
        process.stdout.close()
        state = dl.load_checkpoint(checkpoint, model=model, restore_rng=False)
        first = next(model.parameters())
        assert torch.all(first == state["epoch"]), "the checkpoint holds a mix of two saves"
