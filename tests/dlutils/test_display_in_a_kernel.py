"""How `fit` shows progress inside a real Jupyter kernel (what the website and students see)."""

from __future__ import annotations

import harness
import pytest

FRONT = harness.MYST_FRONT_MATTER + """

```{code-cell} ipython3
:tags: [parameters]

profile = "fast"
```

```{code-cell} ipython3
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset
import dlutils as dl

dl.seed_everything(0)
X, y = torch.randn(64, 3), torch.randint(0, 2, (64,))
loader = DataLoader(TensorDataset(X, y), batch_size=16)
model = nn.Linear(3, 2)
```

```{code-cell} ipython3
dl.fit(model, loader, loader, loss_fn=nn.CrossEntropyLoss(), epochs=3,
       optimizer=torch.optim.SGD(model.parameters(), lr=0.1), display="MODE")
```
"""


def run_fit_cell(tmp_path, mode: str):
    path = tmp_path / "display.md"
    path.write_text(FRONT.replace("MODE", mode), encoding="utf-8")
    return harness.code_cells(harness.run_notebook(path).notebook)[-1]


def figures(cell) -> int:
    return sum("image/png" in o.get("data", {}) for o in cell.outputs)


@pytest.mark.notebook
def test_static_mode_prints_epochs_and_shows_one_final_figure(tmp_path):
    cell = run_fit_cell(tmp_path, "static")
    text = harness.text_output(cell)
    assert [line.split()[1] for line in text.splitlines() if line.startswith("epoch")] == [
        "1",
        "2",
        "3",
    ]
    assert figures(cell) == 1
    assert not [o for o in cell.outputs if o.output_type == "stream" and o.name == "stderr"]


@pytest.mark.notebook
def test_live_mode_updates_one_figure_in_place(tmp_path):
    cell = run_fit_cell(tmp_path, "live")
    assert figures(cell) == 1  # redrawn through a display handle, never appended


@pytest.mark.notebook
def test_text_mode_shows_no_figure(tmp_path):
    cell = run_fit_cell(tmp_path, "text")
    assert figures(cell) == 0 and "epoch   3 | train loss" in harness.text_output(cell)
