import math

import pytest
import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset, TensorDataset

from dlutils import (
    History,
    accuracy,
    autocast,
    evaluate,
    fit,
    make_loaders,
    seed_everything,
    train_epoch,
)

CE = nn.CrossEntropyLoss()


def snapshot(model: nn.Module) -> dict[str, torch.Tensor]:
    return {name: value.detach().clone() for name, value in model.state_dict().items()}


def same_weights(a: dict[str, torch.Tensor], b: dict[str, torch.Tensor]) -> bool:
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


def grad_norm(model: nn.Module) -> float:
    return torch.linalg.vector_norm(
        torch.stack(
            [torch.linalg.vector_norm(p.grad) for p in model.parameters() if p.grad is not None]
        )
    ).item()


def quiet_fit(model, train_loader, valid_loader=None, **kwargs):
    kwargs.setdefault("loss_fn", CE)
    kwargs.setdefault("optimizer", torch.optim.SGD(model.parameters(), lr=0.1))
    kwargs.setdefault("epochs", 2)
    kwargs.setdefault("device", "cpu")
    kwargs.setdefault("display", "none")
    return fit(model, train_loader, valid_loader, **kwargs)


class LossSpy:
    """A loss function that records what it sees, and can turn into NaN at a chosen call."""

    def __init__(self, optimizer=None, model=None, nan_at_call=None, value=math.nan):
        self.optimizer, self.model, self.nan_at_call, self.value = (
            optimizer,
            model,
            nan_at_call,
            value,
        )
        self.calls, self.lrs, self.weights_at_failure = 0, [], None

    def __call__(self, outputs, targets):
        self.calls += 1
        if self.optimizer is not None:
            self.lrs.append(self.optimizer.param_groups[0]["lr"])
        loss = CE(outputs, targets)
        if self.calls == self.nan_at_call:
            self.weights_at_failure = snapshot(self.model)
            return loss * self.value
        return loss


# The key property: fit is the hand-written loop, bit for bit


def test_fit_matches_hand_written_loop_bit_for_bit(digits_flat, make_mlp):
    epochs, lr = 3, 0.05

    seed_everything(0)
    model = make_mlp(dropout=0.3)
    optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    train_loader, _, _ = make_loaders(digits_flat, batch_size=100, seed=0)
    history = fit(
        model,
        train_loader,
        loss_fn=CE,
        optimizer=optimizer,
        epochs=epochs,
        device="cpu",
        display="none",
    )
    fit_weights = snapshot(model)

    seed_everything(0)
    model = make_mlp(dropout=0.3)
    initial_weights = snapshot(model)
    optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    train_loader, _, _ = make_loaders(digits_flat, batch_size=100, seed=0)
    hand_losses = []
    for _ in range(epochs):
        model.train()
        total, examples = 0.0, 0
        for x, y in train_loader:
            optimizer.zero_grad()
            loss = CE(model(x), y)
            loss.backward()
            optimizer.step()
            total += loss.item() * y.shape[0]
            examples += y.shape[0]
        hand_losses.append(total / examples)

    assert history["train_loss"] == hand_losses  # exact float equality, not approx
    assert same_weights(fit_weights, snapshot(model))
    # The comparison is not vacuous: training moved the weights and lowered the loss.
    assert not same_weights(initial_weights, fit_weights)
    assert hand_losses[-1] < hand_losses[0]


def test_fit_is_repeatable_and_depends_on_the_seed(digits_flat, make_mlp):
    def run(seed):
        seed_everything(seed)
        model = make_mlp()
        train_loader, _, _ = make_loaders(digits_flat, batch_size=200, seed=seed)
        return quiet_fit(model, train_loader, epochs=1)["train_loss"]

    assert run(0) == run(0)
    assert run(0) != run(1)


# History records


def test_fit_records_every_quantity_for_every_epoch(digits_loaders, make_mlp):
    train_loader, valid_loader, _ = digits_loaders
    seed_everything(0)
    model = make_mlp()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    history = quiet_fit(
        model,
        train_loader,
        valid_loader,
        optimizer=optimizer,
        epochs=3,
        metrics={"accuracy": accuracy},
    )

    assert len(history) == 3
    assert history.keys() == [
        "epoch",
        "train_loss",
        "train_accuracy",
        "valid_loss",
        "valid_accuracy",
        "lr",
        "seconds",
        "examples_per_s",
    ]
    assert history["epoch"] == [1, 2, 3]
    assert history["lr"] == [1e-2] * 3
    assert all(s > 0 for s in history["seconds"]) and all(r > 0 for r in history["examples_per_s"])
    assert all(0 <= a <= 1 for a in history["train_accuracy"] + history["valid_accuracy"])
    assert history["train_loss"][-1] < history["train_loss"][0]
    assert history["valid_accuracy"][-1] > 0.5  # ten classes: chance is 0.1
    # The last validation record is what evaluate says about the trained model.
    assert evaluate(model, valid_loader, CE, metrics={"accuracy": accuracy}) == {
        "loss": history.last["valid_loss"],
        "accuracy": history.last["valid_accuracy"],
    }


def test_fit_without_validation_records_only_training(tiny_model, tiny_loader):
    history = quiet_fit(tiny_model, tiny_loader)
    assert history.keys() == ["epoch", "train_loss", "lr", "seconds", "examples_per_s"]


def test_fit_with_bf16_on_cpu_trains_in_bf16(digits_loaders, make_mlp):
    train_loader, valid_loader, _ = digits_loaders
    seed_everything(0)
    model = make_mlp()
    dtypes = set()
    model[0].register_forward_hook(lambda module, args, output: dtypes.add(output.dtype))
    history = quiet_fit(
        model,
        train_loader,
        valid_loader,
        amp="bf16",
        epochs=3,
        optimizer=torch.optim.Adam(model.parameters(), lr=1e-2),
        metrics={"accuracy": accuracy},
    )

    assert dtypes == {torch.bfloat16}
    assert history["train_loss"][-1] < history["train_loss"][0]
    assert len(history) == 3
    for record in history.records:
        assert set(record) == {
            "epoch",
            "train_loss",
            "train_accuracy",
            "valid_loss",
            "valid_accuracy",
            "lr",
            "seconds",
            "examples_per_s",
        }
        assert all(math.isfinite(v) for v in record.values())
    assert all(
        p.dtype == torch.float32 for p in model.parameters()
    )  # weights stay in full precision


def test_fit_accepts_a_tuple_of_inputs():
    class TwoInputs(Dataset):
        def __init__(self):
            generator = torch.Generator().manual_seed(0)
            self.a, self.b = (
                torch.randn(12, 3, generator=generator),
                torch.randn(12, 2, generator=generator),
            )
            self.y = (self.a[:, 0] > self.b[:, 0]).long()

        def __len__(self):
            return 12

        def __getitem__(self, i):
            return (self.a[i], self.b[i]), self.y[i]

    class Joiner(nn.Module):
        def __init__(self):
            super().__init__()
            self.linear = nn.Linear(5, 2)
            self.seen = []

        def forward(self, a, b):
            self.seen.append((a.shape, b.shape))
            return self.linear(torch.cat([a, b], dim=1))

    torch.manual_seed(0)
    model = Joiner()
    loader = DataLoader(TwoInputs(), batch_size=4)
    history = quiet_fit(model, loader, loader, epochs=3)

    assert model.seen[0] == (torch.Size([4, 3]), torch.Size([4, 2]))
    assert len(history) == 3 and history["train_loss"][-1] < history["train_loss"][0]


# Failures during training


def test_nan_loss_raises_naming_epoch_and_step_and_leaves_the_model_unchanged(
    tiny_model, tiny_loader
):
    optimizer = torch.optim.Adam(tiny_model.parameters(), lr=0.1)
    spy = LossSpy(model=tiny_model, nan_at_call=6)  # three batches per epoch: epoch 2, step 3
    with pytest.raises(FloatingPointError, match=r"loss became nan at epoch 2, step 3"):
        quiet_fit(tiny_model, tiny_loader, loss_fn=spy, optimizer=optimizer, epochs=3)
    assert spy.weights_at_failure is not None
    assert same_weights(spy.weights_at_failure, snapshot(tiny_model))
    assert (
        optimizer.state_dict()["state"][0]["step"] == 5
    )  # the failing step did not reach the optimizer


def test_infinite_loss_raises_too(tiny_model, tiny_loader):
    spy = LossSpy(model=tiny_model, nan_at_call=1, value=math.inf)
    with pytest.raises(FloatingPointError, match=r"loss became inf at epoch 1, step 1"):
        quiet_fit(tiny_model, tiny_loader, loss_fn=spy)
    assert same_weights(spy.weights_at_failure, snapshot(tiny_model))


def test_a_loss_that_is_not_a_scalar_is_rejected(tiny_model, tiny_loader):
    before = snapshot(tiny_model)
    with pytest.raises(ValueError, match=r"single number.*shape \(4,\).*reduction='mean'"):
        quiet_fit(tiny_model, tiny_loader, loss_fn=nn.CrossEntropyLoss(reduction="none"))
    assert same_weights(before, snapshot(tiny_model))


@pytest.mark.parametrize("amp", ["fp32", "bfloat16", "BF16", True])
def test_fit_rejects_unknown_amp_values(tiny_model, tiny_loader, amp):
    with pytest.raises(ValueError, match="unknown amp"):
        quiet_fit(tiny_model, tiny_loader, amp=amp)


def test_fit_rejects_fp16_on_cpu_before_training(tiny_model, tiny_loader):
    before = snapshot(tiny_model)
    with pytest.raises(ValueError, match="amp='fp16' needs a CUDA GPU.*bf16"):
        quiet_fit(tiny_model, tiny_loader, amp="fp16")
    assert same_weights(before, snapshot(tiny_model))


@pytest.mark.parametrize("epochs", [0, -1, True, False, 2.0, "3", None])
def test_fit_rejects_epochs_that_are_not_positive_integers(tiny_model, tiny_loader, epochs):
    with pytest.raises(ValueError, match="epochs must be a positive integer"):
        quiet_fit(tiny_model, tiny_loader, epochs=epochs)


@pytest.mark.parametrize("grad_clip", [0, -1.0, math.nan])
def test_fit_rejects_bad_grad_clip(tiny_model, tiny_loader, grad_clip):
    with pytest.raises(ValueError, match="grad_clip must be a positive number"):
        quiet_fit(tiny_model, tiny_loader, grad_clip=grad_clip)


def test_fit_rejects_an_unknown_scheduler_interval(tiny_model, tiny_loader):
    with pytest.raises(ValueError, match="scheduler_interval must be 'epoch' or 'step'"):
        quiet_fit(tiny_model, tiny_loader, scheduler_interval="batch")


def test_fit_rejects_a_model_without_trainable_parameters(tiny_model, tiny_loader):
    tiny_model.requires_grad_(False)
    with pytest.raises(ValueError, match="no trainable parameters"):
        quiet_fit(
            tiny_model, tiny_loader, optimizer=torch.optim.SGD(tiny_model.parameters(), lr=0.1)
        )


def test_fit_rejects_an_unknown_device(tiny_model, tiny_loader):
    with pytest.raises(ValueError, match="unknown device 'gpu'"):
        quiet_fit(tiny_model, tiny_loader, device="gpu")


def test_fit_on_cuda_without_cuda_raises(tiny_model, tiny_loader, monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(RuntimeError, match="no usable CUDA GPU"):
        quiet_fit(tiny_model, tiny_loader, device="cuda")


def test_fit_rejects_an_unknown_display(tiny_model, tiny_loader):
    with pytest.raises(ValueError, match="unknown display mode 'fancy'"):
        quiet_fit(tiny_model, tiny_loader, display="fancy")


def test_fit_rejects_an_empty_training_loader(tiny_model):
    empty = DataLoader(
        TensorDataset(torch.zeros(0, 5), torch.zeros(0, dtype=torch.long)), batch_size=4
    )
    with pytest.raises(ValueError, match="the training loader is empty"):
        quiet_fit(tiny_model, empty)


def test_fit_rejects_a_loader_emptied_by_drop_last(tiny_model):
    loader = DataLoader(
        TensorDataset(torch.zeros(3, 5), torch.zeros(3, dtype=torch.long)),
        batch_size=4,
        drop_last=True,
    )
    with pytest.raises(ValueError, match="training loader is empty.*drop_last"):
        quiet_fit(tiny_model, loader)


def test_fit_rejects_an_empty_validation_loader(tiny_model, tiny_loader):
    empty = DataLoader(
        TensorDataset(torch.zeros(0, 5), torch.zeros(0, dtype=torch.long)), batch_size=4
    )
    before = snapshot(tiny_model)
    with pytest.raises(ValueError, match="the validation loader is empty"):
        quiet_fit(tiny_model, tiny_loader, empty)
    assert same_weights(before, snapshot(tiny_model))  # checked before any training


def test_fit_rejects_batches_that_are_not_pairs(tiny_model):
    triples = DataLoader(
        TensorDataset(torch.zeros(4, 5), torch.zeros(4, dtype=torch.long), torch.zeros(4)),
        batch_size=2,
    )
    with pytest.raises(ValueError, match=r"pair \(inputs, targets\).*got list of length 3"):
        quiet_fit(tiny_model, triples)


def test_fit_rejects_batches_that_are_bare_tensors(tiny_model):
    with pytest.raises(ValueError, match=r"pair \(inputs, targets\).*got Tensor"):
        quiet_fit(tiny_model, [torch.zeros(2, 5)])


# Gradient clipping and schedules


def test_grad_clip_bounds_the_gradient_norm_of_every_step(digits_loaders, make_mlp):
    train_loader, _, _ = digits_loaders
    clip = 0.05

    def norms_seen(grad_clip):
        seed_everything(0)
        model = make_mlp()
        optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
        norms = []
        optimizer.register_step_pre_hook(lambda *_: norms.append(grad_norm(model)))
        quiet_fit(model, train_loader, optimizer=optimizer, epochs=1, grad_clip=grad_clip)
        return norms

    clipped, unclipped = norms_seen(clip), norms_seen(None)
    assert len(clipped) == len(train_loader)
    assert max(unclipped) > 2 * clip  # without clipping the bound would be broken...
    assert max(clipped) <= clip * (1 + 1e-5)  # ...with it, it holds at every step
    assert min(clipped) > 0.9 * clip  # and gradients are rescaled, not zeroed


def test_grad_clip_matches_clip_grad_norm(tiny_model, tiny_loader):
    optimizer = torch.optim.SGD(tiny_model.parameters(), lr=0.1)
    x, y = next(iter(tiny_loader))
    expected_model = nn.Linear(5, 3)
    expected_model.load_state_dict(tiny_model.state_dict())
    CE(expected_model(x), y).backward()
    nn.utils.clip_grad_norm_(expected_model.parameters(), 0.01)
    seen = []
    optimizer.register_step_pre_hook(
        lambda *_: seen.append([p.grad.clone() for p in tiny_model.parameters()])
    )
    train_epoch(tiny_model, [(x, y)], CE, optimizer, grad_clip=0.01)
    assert all(
        torch.allclose(g, p.grad) for g, p in zip(seen[0], expected_model.parameters(), strict=True)
    )


def test_per_step_scheduler_changes_lr_once_per_batch(tiny_model, tiny_loader):
    optimizer = torch.optim.SGD(tiny_model.parameters(), lr=1.0)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=1, gamma=0.5)
    spy = LossSpy(optimizer=optimizer)
    quiet_fit(
        tiny_model,
        tiny_loader,
        loss_fn=spy,
        optimizer=optimizer,
        scheduler=scheduler,
        scheduler_interval="step",
        epochs=2,
    )
    assert spy.lrs == [1.0, 0.5, 0.25, 0.125, 0.0625, 0.03125]  # two epochs of three batches
    assert scheduler.last_epoch == 6


def test_per_epoch_scheduler_changes_lr_once_per_epoch(tiny_model, tiny_loader):
    optimizer = torch.optim.SGD(tiny_model.parameters(), lr=1.0)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=1, gamma=0.5)
    spy = LossSpy(optimizer=optimizer)
    history = quiet_fit(
        tiny_model, tiny_loader, loss_fn=spy, optimizer=optimizer, scheduler=scheduler, epochs=2
    )
    assert spy.lrs == [1.0, 1.0, 1.0, 0.5, 0.5, 0.5]
    assert history["lr"] == [1.0, 0.5]  # the rate each epoch trained with
    assert optimizer.param_groups[0]["lr"] == 0.25


class PlateauSpy(torch.optim.lr_scheduler.ReduceLROnPlateau):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.seen = []

    def step(self, metrics):
        self.seen.append(metrics)
        super().step(metrics)


def test_reduce_lr_on_plateau_watches_the_validation_loss(tiny_model, tiny_loader):
    def flat_loss(outputs, targets):  # never improves: a plateau from the start; 2.0 in evaluation
        return outputs.sum() * 0 + (1.0 if torch.is_grad_enabled() else 2.0)

    optimizer = torch.optim.SGD(tiny_model.parameters(), lr=0.1)
    scheduler = PlateauSpy(optimizer, factor=0.5, patience=0)
    history = quiet_fit(
        tiny_model,
        tiny_loader,
        tiny_loader,
        loss_fn=flat_loss,
        optimizer=optimizer,
        scheduler=scheduler,
        epochs=3,
    )
    assert history["train_loss"] == [1.0, 1.0, 1.0]
    assert scheduler.seen == history["valid_loss"] == [2.0, 2.0, 2.0]
    assert history["lr"] == [0.1, 0.1, 0.05]
    assert optimizer.param_groups[0]["lr"] == 0.025


def test_reduce_lr_on_plateau_watches_the_training_loss_without_validation(tiny_model, tiny_loader):
    optimizer = torch.optim.SGD(tiny_model.parameters(), lr=0.1)
    scheduler = PlateauSpy(optimizer)
    history = quiet_fit(tiny_model, tiny_loader, optimizer=optimizer, scheduler=scheduler, epochs=2)
    assert scheduler.seen == history["train_loss"]


# train_epoch


def test_train_epoch_returns_example_weighted_means(tiny_model, tiny_loader):
    optimizer = torch.optim.SGD(tiny_model.parameters(), lr=0.0)  # lr 0: the weights stay fixed
    X, y = tiny_loader.dataset.tensors
    result = train_epoch(tiny_model, tiny_loader, CE, optimizer, metrics={"accuracy": accuracy})
    assert result["examples"] == 10 and result["seconds"] > 0
    with torch.no_grad():
        outputs = tiny_model(X)
    assert result["loss"] == pytest.approx(CE(outputs, y).item(), rel=1e-6)
    assert result["accuracy"] == pytest.approx(accuracy(outputs, y))


def test_train_epoch_updates_the_weights_and_sets_train_mode(tiny_model, tiny_loader):
    before = snapshot(tiny_model)
    tiny_model.eval()
    train_epoch(tiny_model, tiny_loader, CE, torch.optim.SGD(tiny_model.parameters(), lr=0.1))
    assert tiny_model.training
    assert not same_weights(before, snapshot(tiny_model))


def test_train_epoch_steps_a_given_scheduler_per_batch(tiny_model, tiny_loader):
    optimizer = torch.optim.SGD(tiny_model.parameters(), lr=1.0)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=1, gamma=0.5)
    train_epoch(tiny_model, tiny_loader, CE, optimizer, scheduler=scheduler)
    assert optimizer.param_groups[0]["lr"] == 0.125


def test_train_epoch_rejects_an_iterable_that_yields_nothing(tiny_model):
    with pytest.raises(ValueError, match="the training loader yielded no batches"):
        train_epoch(tiny_model, iter([]), CE, torch.optim.SGD(tiny_model.parameters(), lr=0.1))


def test_train_epoch_rejects_an_empty_list(tiny_model):
    with pytest.raises(ValueError, match="the training loader is empty"):
        train_epoch(tiny_model, [], CE, torch.optim.SGD(tiny_model.parameters(), lr=0.1))


def test_train_epoch_nan_names_the_epoch_it_is_given(tiny_model, tiny_loader):
    spy = LossSpy(model=tiny_model, nan_at_call=2)
    with pytest.raises(FloatingPointError, match="epoch 7, step 2"):
        train_epoch(
            tiny_model, tiny_loader, spy, torch.optim.SGD(tiny_model.parameters(), lr=0.1), epoch=7
        )


# evaluate


@pytest.mark.parametrize("training", [True, False])
def test_evaluate_runs_in_eval_mode_and_restores_the_mode(training, tiny_loader):
    model = nn.Sequential(nn.Linear(5, 3), nn.Dropout(0.5))
    modes = []
    model[1].register_forward_hook(lambda module, args, output: modes.append(module.training))
    model.train(training)
    evaluate(model, tiny_loader, CE)
    assert modes == [False, False, False]
    assert model.training is training and model[1].training is training


def test_evaluate_restores_the_mode_after_an_error(tiny_model):
    tiny_model.train()
    with pytest.raises(ValueError, match="pair"):
        evaluate(tiny_model, [torch.zeros(2, 5)], CE)
    assert tiny_model.training


def test_evaluate_builds_no_graph(tiny_model, tiny_loader):
    seen = []

    def loss_fn(outputs, targets):
        seen.append((torch.is_grad_enabled(), outputs.requires_grad))
        return CE(outputs, targets)

    evaluate(tiny_model, tiny_loader, loss_fn)
    assert seen == [(False, False)] * 3
    assert all(p.grad is None for p in tiny_model.parameters())


def test_evaluate_returns_example_weighted_means(tiny_model, tiny_loader):
    X, y = tiny_loader.dataset.tensors
    result = evaluate(tiny_model, tiny_loader, CE, metrics={"accuracy": accuracy})
    with torch.no_grad():
        outputs = tiny_model(X)
    assert set(result) == {"loss", "accuracy"}
    assert result["loss"] == pytest.approx(CE(outputs, y).item(), rel=1e-6)
    assert result["accuracy"] == pytest.approx(accuracy(outputs, y))


def test_evaluate_does_not_change_the_model(tiny_model, tiny_loader):
    before = snapshot(tiny_model)
    evaluate(tiny_model, tiny_loader, CE)
    assert same_weights(before, snapshot(tiny_model))


def test_evaluate_rejects_an_empty_loader(tiny_model):
    with pytest.raises(ValueError, match="the evaluation loader is empty"):
        evaluate(tiny_model, [], CE)


def test_evaluate_rejects_an_iterable_that_yields_nothing(tiny_model):
    with pytest.raises(ValueError, match="the evaluation loader yielded no batches"):
        evaluate(tiny_model, iter([]), CE)


def test_evaluate_rejects_bad_devices_and_amp(tiny_model, tiny_loader):
    with pytest.raises(ValueError, match="unknown device"):
        evaluate(tiny_model, tiny_loader, CE, device="gpu")
    with pytest.raises(ValueError, match="unknown amp"):
        evaluate(tiny_model, tiny_loader, CE, amp="fp8")
    with pytest.raises(ValueError, match="needs a CUDA GPU"):
        evaluate(tiny_model, tiny_loader, CE, amp="fp16")


# autocast


def test_autocast_none_keeps_full_precision(tiny_model):
    with autocast(torch.device("cpu"), None):
        assert tiny_model(torch.zeros(1, 5)).dtype == torch.float32


def test_autocast_bf16_runs_linear_layers_in_bf16(tiny_model):
    with autocast(torch.device("cpu"), "bf16"):
        assert tiny_model(torch.zeros(1, 5)).dtype == torch.bfloat16


def test_autocast_rejects_bad_values():
    with pytest.raises(ValueError, match="unknown amp 'int8'; use None, 'bf16' or 'fp16'"):
        autocast(torch.device("cpu"), "int8")
    with pytest.raises(ValueError, match="amp='fp16' needs a CUDA GPU"):
        autocast(torch.device("cpu"), "fp16")


# History


def make_history(n=2) -> History:
    history = History()
    for epoch in range(1, n + 1):
        history.append({"epoch": epoch, "train_loss": 1.0 / epoch})
    return history


def test_history_gives_one_value_per_epoch():
    history = make_history(3)
    assert len(history) == 3
    assert history.keys() == ["epoch", "train_loss"]
    assert history["epoch"] == [1, 2, 3]
    assert history["train_loss"] == [1.0, 0.5, 1.0 / 3]
    assert history.last == {"epoch": 3, "train_loss": 1.0 / 3}
    assert repr(history) == "History(3 epochs, keys=['epoch', 'train_loss'])"


def test_history_stores_a_copy_of_each_record():
    record = {"epoch": 1, "train_loss": 0.5}
    history = History()
    history.append(record)
    record["train_loss"] = 99.0
    assert history["train_loss"] == [0.5]


def test_history_unknown_key_raises_key_error_listing_the_keys():
    with pytest.raises(KeyError, match="history has no 'valid_loss'; it has epoch, train_loss"):
        make_history()["valid_loss"]


def test_empty_history_has_no_last_record():
    history = History()
    assert len(history) == 0 and history.keys() == []
    with pytest.raises(IndexError, match="history is empty"):
        _ = history.last


def test_fit_accepts_a_loader_over_an_iterable_dataset(tiny_model):
    class Stream(torch.utils.data.IterableDataset):
        def __iter__(self):
            generator = torch.Generator().manual_seed(0)
            for _ in range(8):
                yield torch.randn(5, generator=generator), torch.tensor(1)

    loader = DataLoader(Stream(), batch_size=4)
    history = fit(
        tiny_model,
        loader,
        loss_fn=CE,
        epochs=2,
        device="cpu",
        display="none",
        optimizer=torch.optim.SGD(tiny_model.parameters(), lr=0.1),
    )
    assert len(history) == 2 and history["train_loss"][1] < history["train_loss"][0]
