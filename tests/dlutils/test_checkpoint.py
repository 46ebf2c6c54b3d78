import os
import pickle
import random

import numpy as np
import pytest
import torch
from torch import nn

from dlutils import fit, load_checkpoint, save_checkpoint, seed_everything

CE = nn.CrossEntropyLoss()


def small_run():
    seed_everything(0)
    model = nn.Linear(5, 3)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.1)
    return model, optimizer


def test_round_trip_restores_model_optimizer_scheduler_generator_and_rngs(tmp_path):
    model, optimizer = small_run()
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=1, gamma=0.5)
    model(torch.randn(4, 5)).sum().backward()
    optimizer.step()
    scheduler.step()
    generator = torch.Generator().manual_seed(7)
    path = save_checkpoint(
        tmp_path / "run" / "last.pt",
        model=model,
        optimizer=optimizer,
        scheduler=scheduler,
        epoch=3,
        history=[{"epoch": 3, "train_loss": 0.5}],
        generator=generator,
    )
    after = (random.random(), np.random.rand(), torch.rand(1), torch.rand(1, generator=generator))

    other, other_optimizer = nn.Linear(5, 3), None
    other_optimizer = torch.optim.Adam(other.parameters(), lr=0.1)
    other_scheduler = torch.optim.lr_scheduler.StepLR(other_optimizer, step_size=1, gamma=0.5)
    other_generator = torch.Generator().manual_seed(99)
    random.random(), np.random.rand(), torch.rand(5)  # move every generator on
    state = load_checkpoint(
        path,
        model=other,
        optimizer=other_optimizer,
        scheduler=other_scheduler,
        generator=other_generator,
    )

    assert state["epoch"] == 3 and state["history"] == [{"epoch": 3, "train_loss": 0.5}]
    assert torch.equal(other.weight, model.weight) and torch.equal(other.bias, model.bias)
    assert other_optimizer.state_dict()["state"][0]["step"] == 1
    assert other_scheduler.get_last_lr() == scheduler.get_last_lr()
    again = (
        random.random(),
        np.random.rand(),
        torch.rand(1),
        torch.rand(1, generator=other_generator),
    )
    assert again[:2] == after[:2] and torch.equal(again[2], after[2])
    assert torch.equal(again[3], after[3])


def test_saving_leaves_no_temporary_files(tmp_path):
    model, optimizer = small_run()
    for epoch in range(3):
        save_checkpoint(tmp_path / "last.pt", model=model, optimizer=optimizer, epoch=epoch)
    assert sorted(os.listdir(tmp_path)) == ["last.pt"]


def test_an_unwritable_folder_is_reported_and_the_old_checkpoint_kept(tmp_path):
    model, _ = small_run()
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    with pytest.raises(PermissionError, match="choose a writable folder"):
        save_checkpoint(blocker / "last.pt", model=model)


def test_a_failed_save_keeps_the_previous_checkpoint(tmp_path, monkeypatch):
    model, _ = small_run()
    path = save_checkpoint(tmp_path / "last.pt", model=model, epoch=1)
    before = path.read_bytes()

    def broken_save(obj, f):
        f.write(b"half a checkpoint")
        raise OSError("disk full")

    monkeypatch.setattr(torch, "save", broken_save)
    with pytest.raises(OSError, match="disk full"):
        save_checkpoint(path, model=model, epoch=2)
    assert path.read_bytes() == before
    assert sorted(os.listdir(tmp_path)) == ["last.pt"]


def test_missing_corrupt_and_foreign_files_are_rejected_clearly(tmp_path):
    model, _ = small_run()
    with pytest.raises(FileNotFoundError, match="no checkpoint at"):
        load_checkpoint(tmp_path / "none.pt", model=model)
    corrupt = tmp_path / "corrupt.pt"
    save_checkpoint(corrupt, model=model)
    corrupt.write_bytes(corrupt.read_bytes()[:200])
    with pytest.raises(ValueError, match="not a readable checkpoint"):
        load_checkpoint(corrupt, model=model)
    foreign = tmp_path / "foreign.pt"
    torch.save({"weights": torch.ones(2)}, foreign)
    with pytest.raises(ValueError, match="not a dlutils checkpoint"):
        load_checkpoint(foreign, model=model)


class Sneaky:
    def __reduce__(self):
        return (os.system, ("echo owned",))


def test_loading_never_runs_code_from_the_file(tmp_path):
    model, _ = small_run()
    evil = tmp_path / "evil.pt"
    with open(evil, "wb") as f:
        pickle.dump({"format": "dlutils-checkpoint-1", "model": Sneaky()}, f, protocol=2)
    with pytest.raises(ValueError, match="not a readable checkpoint"):
        load_checkpoint(evil, model=model)


def test_asking_for_optimizer_state_that_was_not_saved_fails(tmp_path):
    model, optimizer = small_run()
    path = save_checkpoint(tmp_path / "last.pt", model=model)
    with pytest.raises(ValueError, match="no optimizer state"):
        load_checkpoint(path, model=model, optimizer=optimizer)


def test_fit_resume_needs_a_checkpoint_path(tiny_model, tiny_loader):
    with pytest.raises(ValueError, match="needs a checkpoint"):
        fit(
            tiny_model,
            tiny_loader,
            loss_fn=CE,
            epochs=1,
            resume=True,
            display="none",
            optimizer=torch.optim.SGD(tiny_model.parameters(), lr=0.1),
        )


def test_fit_resume_without_a_checkpoint_starts_fresh_and_after_the_last_epoch_does_nothing(
    tiny_model, tiny_loader, tmp_path
):
    path = tmp_path / "last.pt"
    optimizer = torch.optim.SGD(tiny_model.parameters(), lr=0.1)
    first = fit(
        tiny_model,
        tiny_loader,
        loss_fn=CE,
        epochs=2,
        optimizer=optimizer,
        checkpoint=path,
        resume=True,
        display="none",
        device="cpu",
    )
    assert first["epoch"] == [1, 2] and path.exists()
    weights = tiny_model.weight.detach().clone()
    again = fit(
        tiny_model,
        tiny_loader,
        loss_fn=CE,
        epochs=2,
        optimizer=optimizer,
        checkpoint=path,
        resume=True,
        display="none",
        device="cpu",
    )
    assert again.records == first.records
    assert torch.equal(tiny_model.weight, weights)


def test_the_gradient_scaler_of_fp16_training_is_saved_and_restored(tmp_path):
    model, _ = small_run()
    scaler = torch.amp.GradScaler("cpu", init_scale=1024.0)
    scaler.scale(torch.tensor(1.0))  # the scale exists once something has been scaled
    scaler.update(512.0)  # as after an overflow
    path = save_checkpoint(tmp_path / "last.pt", model=model, scaler=scaler)
    restored = torch.amp.GradScaler("cpu", init_scale=8.0)
    load_checkpoint(path, model=model, scaler=restored)
    assert restored.get_scale() == scaler.get_scale() == 512.0
