import matplotlib.pyplot as plt
import pytest
import torch
from torch import nn

from dlutils import fit, resolve_display
from dlutils.display import DISPLAY_MODES, TrainingDisplay, format_record, in_notebook


def run(model, loader, capsys, epochs, display, valid=None):
    history = fit(
        model,
        loader,
        valid,
        loss_fn=nn.CrossEntropyLoss(),
        optimizer=torch.optim.SGD(model.parameters(), lr=0.1),
        epochs=epochs,
        device="cpu",
        display=display,
    )
    captured = capsys.readouterr()
    return history, captured.out.splitlines(), captured.err


# resolve_display


@pytest.mark.parametrize("mode", DISPLAY_MODES)
def test_resolve_display_accepts_each_mode(mode, monkeypatch):
    monkeypatch.setenv("DLUTILS_DISPLAY", "none" if mode != "none" else "text")
    assert resolve_display(mode) == mode  # an explicit mode wins over the environment


def test_resolve_display_auto_defaults_to_live():
    assert resolve_display() == "live"
    assert resolve_display("auto") == "live"


@pytest.mark.parametrize(
    "value, expected",
    [
        ("text", "text"),
        ("static", "static"),
        (" STATIC\n", "static"),
        ("none", "none"),
        ("", "live"),
        ("  ", "live"),
    ],
)
def test_resolve_display_auto_reads_the_environment(monkeypatch, value, expected):
    monkeypatch.setenv("DLUTILS_DISPLAY", value)
    assert resolve_display("auto") == expected


def test_resolve_display_rejects_an_unknown_mode():
    with pytest.raises(
        ValueError, match="unknown display mode 'fancy'; choose 'auto' or one of live, static"
    ):
        resolve_display("fancy")


def test_resolve_display_rejects_an_unknown_mode_from_the_environment(monkeypatch):
    monkeypatch.setenv("DLUTILS_DISPLAY", "verbose")
    with pytest.raises(ValueError, match="unknown display mode 'verbose'"):
        resolve_display("auto")


def test_pytest_is_not_a_notebook():
    assert in_notebook() is False


# format_record


def test_format_record_shows_epoch_and_losses_but_no_timing():
    record = {
        "epoch": 3,
        "train_loss": 0.41204,
        "valid_accuracy": 0.931,
        "lr": 0.01,
        "seconds": 12.3456,
        "examples_per_s": 987.6,
    }
    line = format_record(record)
    assert line == "epoch   3 | train loss 0.4120 | valid accuracy 0.9310"
    for timing in ("seconds", "12.3", "examples_per_s", "987", "lr"):
        assert timing not in line


def test_format_record_needs_an_epoch():
    with pytest.raises(KeyError, match="epoch"):
        format_record({"train_loss": 1.0})


# What fit shows in each mode


def test_text_mode_prints_about_ten_lines_for_fifty_epochs(tiny_model, tiny_loader, capsys):
    history, lines, err = run(tiny_model, tiny_loader, capsys, epochs=50, display="text")
    assert 9 <= len(lines) <= 12
    assert lines[0] == format_record(history.records[0])
    assert lines[-1] == format_record(history.records[-1])
    assert lines[0].startswith("epoch   1 ") and lines[-1].startswith("epoch  50 ")
    printed = {line.split()[1] for line in lines}
    assert printed == {"1", "5", "10", "15", "20", "25", "30", "35", "40", "45", "50"}
    assert err == ""  # no progress bar


def test_text_mode_prints_every_epoch_of_a_short_run(tiny_model, tiny_loader, capsys):
    history, lines, _ = run(
        tiny_model, tiny_loader, capsys, epochs=3, display="text", valid=tiny_loader
    )
    assert lines == [format_record(record) for record in history.records]
    assert "| valid loss" in lines[0]


def test_text_output_is_repeatable(tiny_loader, capsys):
    outputs = []
    for _ in range(2):
        torch.manual_seed(0)
        outputs.append(run(nn.Linear(5, 3), tiny_loader, capsys, epochs=4, display="text")[1])
    assert outputs[0] == outputs[1]


def test_none_mode_shows_nothing(tiny_model, tiny_loader, capsys):
    _, lines, err = run(tiny_model, tiny_loader, capsys, epochs=3, display="none")
    assert lines == [] and err == ""


def test_auto_mode_follows_dlutils_display(tiny_model, tiny_loader, capsys, monkeypatch):
    monkeypatch.setenv("DLUTILS_DISPLAY", "text")
    history, lines, err = run(tiny_model, tiny_loader, capsys, epochs=2, display="auto")
    assert lines == [format_record(record) for record in history.records]
    assert err == ""


def test_static_mode_outside_a_notebook_prints_lines_and_leaves_no_figure(
    tiny_model, tiny_loader, capsys
):
    history, lines, _ = run(tiny_model, tiny_loader, capsys, epochs=2, display="static")
    assert lines == [format_record(record) for record in history.records]
    assert plt.get_fignums() == []


def test_live_mode_shows_a_progress_bar_over_all_steps(tiny_model, tiny_loader, capsys):
    _, lines, err = run(tiny_model, tiny_loader, capsys, epochs=2, display="live")
    assert lines == []  # the bar goes to stderr, nothing to stdout
    assert "6/6" in err and "epoch 2/2" in err and "loss=" in err


def test_training_display_prints_every_tenth_of_the_run():
    assert TrainingDisplay("none", epochs=50, steps_per_epoch=3).print_every == 5
    assert TrainingDisplay("none", epochs=7, steps_per_epoch=None).print_every == 1


def test_training_display_rejects_an_unknown_mode():
    with pytest.raises(ValueError, match="unknown display mode"):
        TrainingDisplay("loud", epochs=1, steps_per_epoch=1)
