"""How a training run shows its progress: a progress bar and live plot, a static plot, or text.

The right choice depends on who is watching. A student in Jupyter wants a progress bar and curves
that grow; the website wants a tidy table of epochs and one final figure; CI wants plain text. The
mode is an argument of :func:`dlutils.train.fit`; ``"auto"`` reads the environment variable
``DLUTILS_DISPLAY`` (the book build sets ``static`` and the tests set ``text``) and
otherwise shows everything live.
"""

from __future__ import annotations

import os
import time

import matplotlib.pyplot as plt

DISPLAY_MODES = ("live", "static", "text", "none")
LIVE_PLOT_INTERVAL_S = 1.0  # redrawing a figure costs ~50 ms; do it at most this often
POSTFIX_INTERVAL_S = 0.2  # how often the progress bar's loss is refreshed


def resolve_display(mode: str = "auto") -> str:
    """Turn ``"auto"`` into a concrete mode and check the name."""
    if mode == "auto":
        mode = os.environ.get("DLUTILS_DISPLAY", "live").strip().lower() or "live"
    if mode not in DISPLAY_MODES:
        raise ValueError(
            f"unknown display mode {mode!r}; choose 'auto' or one of {', '.join(DISPLAY_MODES)}"
        )
    return mode


def in_notebook() -> bool:
    """True inside a Jupyter kernel (JupyterLab, Colab, VS Code), False in a terminal or script."""
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None


def format_record(record: dict[str, float]) -> str:
    """One line per epoch, e.g. ``epoch   3 | train loss 0.4120 | valid loss 0.5011 accuracy 0.9310``.

    Times are left out on purpose: they change from run to run, and printed outputs should not.
    """
    parts = [f"epoch {record['epoch']:>3}"]
    for split in ("train", "valid"):
        values = [
            f"{key[len(split) + 1 :]} {value:.4f}"
            for key, value in record.items()
            if key.startswith(split + "_")
        ]
        if values:
            parts.append(f"{split} " + " ".join(values))
    return " | ".join(parts)


def _progress_bar(total: int | None):
    if in_notebook():
        try:
            import ipywidgets  # noqa: F401  (tqdm's notebook bar is an ipywidget)
            from tqdm.notebook import tqdm
        except ImportError:
            from tqdm.std import tqdm
    else:
        from tqdm.std import tqdm
    return tqdm(total=total, unit="batch", leave=True)


class TrainingDisplay:
    """Shows a run's progress in the chosen mode; :func:`dlutils.train.fit` drives it."""

    def __init__(
        self, mode: str = "auto", *, epochs: int, steps_per_epoch: int | None, first_epoch: int = 1
    ) -> None:
        self.mode = resolve_display(mode)
        self.epochs = epochs
        self.print_every = max(1, epochs // 10)  # about ten lines, whatever the number of epochs
        self.notebook = in_notebook()
        remaining = max(0, epochs - first_epoch + 1)  # fewer when a run resumes from a checkpoint
        total = remaining * steps_per_epoch if steps_per_epoch else None
        self.bar = _progress_bar(total) if self.mode == "live" else None
        self.plot_handle = None
        self.last_plot = 0.0
        self.last_postfix = 0.0

    def __enter__(self) -> TrainingDisplay:
        return self

    def __exit__(self, *exc) -> None:
        if self.bar is not None:
            self.bar.close()

    def step(self, loss: float) -> None:
        if self.bar is not None:
            self.bar.update(1)
            now = time.monotonic()
            if now - self.last_postfix > POSTFIX_INTERVAL_S:  # formatting it every step is not free
                self.bar.set_postfix(loss=f"{loss:.4f}", refresh=False)
                self.last_postfix = now

    def epoch_end(self, history) -> None:
        record = history.last
        final = record["epoch"] == self.epochs
        if self.mode in ("text", "static") and (
            record["epoch"] % self.print_every == 0 or final or record["epoch"] == 1
        ):
            print(format_record(record))
        if self.bar is not None:
            self.bar.set_description(f"epoch {record['epoch']}/{self.epochs}", refresh=False)
        if not self.notebook:
            return
        live = self.mode == "live" and (
            final or time.monotonic() - self.last_plot > LIVE_PLOT_INTERVAL_S
        )
        if live or (self.mode == "static" and final):
            self._show_plot(history)

    def _show_plot(self, history) -> None:
        from IPython.display import display

        from .plot import plot_history

        figure = plot_history(history)
        if self.plot_handle is None:
            self.plot_handle = display(figure, display_id=True)
        else:
            self.plot_handle.update(figure)
        plt.close(
            figure
        )  # shown through the display handle; stop the inline backend showing it twice
        self.last_plot = time.monotonic()
