import json

import numpy as np
import pytest
import torch

from dlutils.results import RESULTS_ENV, read_results, record_result


def test_without_the_book_build_nothing_is_written(tmp_path, monkeypatch):
    monkeypatch.delenv(RESULTS_ENV, raising=False)
    monkeypatch.chdir(tmp_path)
    record = record_result("MLP", "digits", "accuracy", 0.97)
    assert record == {
        "model": "MLP",
        "data": "digits",
        "metric": "accuracy",
        "value": 0.97,
    }
    assert list(tmp_path.iterdir()) == []


def test_records_are_stored_in_order_and_a_repeat_replaces_the_old_value(
    tmp_path, monkeypatch
):
    path = tmp_path / "results" / "chapter.json"
    monkeypatch.setenv(RESULTS_ENV, str(path))
    record_result("MLP", "digits", "accuracy", 0.5)
    record_result("CNN", "digits", "accuracy", torch.tensor(0.9))
    record_result(
        "MLP", "digits", "accuracy", np.float32(0.75)
    )  # a re-run of the first cell
    records = read_results(path)
    assert [(r["model"], r["value"]) for r in records] == [
        ("MLP", 0.75),
        ("CNN", pytest.approx(0.9)),
    ]
    assert json.loads(path.read_text())[0]["metric"] == "accuracy"
    assert not path.with_suffix(".json.tmp").exists()


def test_bad_records_are_refused_with_a_clear_message(tmp_path, monkeypatch):
    monkeypatch.setenv(RESULTS_ENV, str(tmp_path / "r.json"))
    with pytest.raises(ValueError, match="model must be a non-empty string"):
        record_result("", "digits", "accuracy", 0.5)
    with pytest.raises(ValueError, match="finite"):
        record_result("MLP", "digits", "loss", float("nan"))
    with pytest.raises(TypeError, match="must be a number"):
        record_result("MLP", "digits", "accuracy", torch.tensor([0.5, 0.6]))
    with pytest.raises(TypeError, match="must be a number"):
        record_result("MLP", "digits", "accuracy", "0.5")
    assert read_results(tmp_path / "r.json") == []


def test_a_corrupt_results_file_gets_an_actionable_error(tmp_path):
    path = tmp_path / "r.json"
    path.write_text('{"not": "a list"}')
    with pytest.raises(ValueError, match="delete it and rebuild"):
        read_results(path)
