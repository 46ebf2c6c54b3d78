from collections import OrderedDict, namedtuple

import numpy as np
import pytest
import torch

from dlutils import best_device, get_device, to_device


@pytest.fixture
def no_cuda(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 0)


@pytest.fixture
def one_cuda(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 1)


@pytest.fixture
def no_mps(monkeypatch):
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)


# best_device


@pytest.mark.skipif(
    torch.cuda.is_available() or torch.backends.mps.is_available(),
    reason="this machine has a GPU; the simulated cases below cover the choice",
)
def test_best_device_is_cpu_on_this_machine():
    assert best_device() == torch.device("cpu")


def test_best_device_prefers_cuda(one_cuda):
    assert best_device() == torch.device("cuda")


def test_best_device_prefers_mps_over_cpu(no_cuda, monkeypatch):
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: True)
    assert best_device() == torch.device("mps")


def test_best_device_falls_back_to_cpu(no_cuda, no_mps):
    assert best_device() == torch.device("cpu")


# get_device


def test_get_device_auto_is_best_device(no_cuda, no_mps):
    assert get_device() == torch.device("cpu")
    assert get_device("auto") == torch.device("cpu")


def test_get_device_auto_picks_simulated_cuda(one_cuda):
    assert get_device("auto") == torch.device("cuda")


@pytest.mark.parametrize("name", ["cpu", "CPU ", "  Cpu\n", torch.device("cpu")])
def test_get_device_accepts_names_case_and_whitespace_and_device_objects(name):
    device = get_device(name)
    assert isinstance(device, torch.device)
    assert device == torch.device("cpu")


@pytest.mark.parametrize("name", ["gpu", "cuda:x", "cuda:", "cuda0", "cuda:-1", "tpu", ""])
def test_get_device_rejects_unknown_names(name):
    with pytest.raises(ValueError, match="unknown device"):
        get_device(name)


@pytest.mark.parametrize("name", [3, None, 1.0, ["cpu"]])
def test_get_device_rejects_non_strings(name):
    with pytest.raises(TypeError, match="device must be a string"):
        get_device(name)


@pytest.mark.parametrize("name", ["cuda", "cuda:0", "CUDA"])
def test_get_device_cuda_without_cuda_suggests_cpu(no_cuda, name):
    with pytest.raises(RuntimeError, match="no usable CUDA GPU.*'cpu'"):
        get_device(name)


def test_get_device_cuda_device_object_without_cuda_raises(no_cuda):
    with pytest.raises(RuntimeError, match="no usable CUDA GPU"):
        get_device(torch.device("cuda", 0))


def test_get_device_cuda_when_present(one_cuda):
    assert get_device("cuda") == torch.device("cuda")
    assert get_device("cuda:0") == torch.device("cuda", 0)
    assert get_device(torch.device("cuda", 0)) == torch.device("cuda", 0)


def test_get_device_cuda_index_beyond_device_count_raises(one_cuda):
    with pytest.raises(RuntimeError, match=r"'cuda:1' does not exist.*1 CUDA device"):
        get_device("cuda:1")


def test_get_device_mps_unavailable_raises(no_mps):
    with pytest.raises(RuntimeError, match="'mps'.*not available"):
        get_device("mps")


def test_get_device_mps_when_available(monkeypatch):
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: True)
    assert get_device("mps") == torch.device("mps")


def test_a_gpu_is_announced_once_with_a_word_on_differing_numbers(one_cuda, monkeypatch, capsys):
    monkeypatch.setattr("dlutils.device._TOLD", set())
    get_device("auto")
    get_device("cuda")
    printed = capsys.readouterr().out
    assert printed.count("Running on CUDA") == 1
    assert "differ" in printed and "CPU" in printed


def test_mps_is_announced_too(no_cuda, monkeypatch, capsys):
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: True)
    monkeypatch.setattr("dlutils.device._TOLD", set())
    get_device("auto")
    assert "Running on MPS" in capsys.readouterr().out


def test_the_cpu_prints_nothing(no_cuda, no_mps, monkeypatch, capsys):
    monkeypatch.setattr("dlutils.device._TOLD", set())
    get_device("auto")
    get_device("cpu")
    assert capsys.readouterr().out == ""


# to_device

Batch = namedtuple("Batch", ["images", "labels", "names"])


def test_to_device_moves_a_tensor():
    # The meta device stands in for a GPU: moving there is visible on a CPU-only machine.
    moved = to_device(torch.ones(2, 3), "meta")
    assert moved.device.type == "meta"
    assert moved.shape == (2, 3)


def test_to_device_accepts_a_device_object():
    assert to_device(torch.ones(2), torch.device("meta")).device.type == "meta"


def test_to_device_handles_nested_containers_and_keeps_their_types():
    name, nothing, number = "img_001.png", None, 7
    batch = {
        "pair": (torch.zeros(2), [torch.ones(1), name]),
        "named": Batch(torch.zeros(3), torch.tensor([1, 2, 3]), [name, nothing]),
        "ordered": OrderedDict(x=torch.zeros(1), n=number),
        "nothing": nothing,
    }
    moved = to_device(batch, "meta")

    assert type(moved) is dict and list(moved) == list(batch)
    assert type(moved["pair"]) is tuple and type(moved["pair"][1]) is list
    assert type(moved["named"]) is Batch
    assert type(moved["ordered"]) is OrderedDict and list(moved["ordered"]) == ["x", "n"]

    for tensor in (
        moved["pair"][0],
        moved["pair"][1][0],
        moved["named"].images,
        moved["named"].labels,
        moved["ordered"]["x"],
    ):
        assert tensor.device.type == "meta"
    assert moved["named"].labels.dtype == torch.int64
    # Non-tensors are the very same objects, untouched.
    assert moved["pair"][1][1] is name
    assert moved["named"].names[0] is name and moved["named"].names[1] is None
    assert moved["ordered"]["n"] is number
    assert moved["nothing"] is None
    # The input was not modified in place.
    assert batch["pair"][0].device.type == "cpu"


def test_to_device_cpu_keeps_tensors_on_cpu_and_values_equal():
    x, y = torch.randn(4, 2), torch.arange(4)
    moved_x, moved_y, label = to_device((x, y, "label"), "cpu")
    assert moved_x.device == torch.device("cpu") and torch.equal(moved_x, x)
    assert torch.equal(moved_y, y)
    assert label == "label"


@pytest.mark.parametrize("value", ["text", None, 3, 2.5, object(), np.zeros(3)])
def test_to_device_leaves_non_tensors_alone(value):
    assert to_device(value, "meta") is value
    assert to_device([value], "meta")[0] is value


def test_to_device_rejects_unknown_device_string():
    with pytest.raises(RuntimeError, match="gpu"):
        to_device(torch.zeros(1), "gpu")


def test_to_device_keeps_defaultdicts_and_their_factory():
    from collections import defaultdict

    batch = defaultdict(list, {"x": torch.ones(2)})
    moved = to_device(batch, "meta")
    assert type(moved) is defaultdict and moved.default_factory is list
    assert moved["x"].device.type == "meta" and batch["x"].device.type == "cpu"


def test_get_device_accepts_cpu_0():
    assert get_device("cpu:0") == torch.device("cpu:0")


def test_the_cpu_gets_one_thread_unless_omp_num_threads_says_otherwise(monkeypatch):
    before = torch.get_num_threads()
    try:
        torch.set_num_threads(2)
        monkeypatch.setenv("OMP_NUM_THREADS", "2")
        get_device("cpu")
        assert torch.get_num_threads() == 2  # the user's explicit choice wins
        monkeypatch.delenv("OMP_NUM_THREADS")
        get_device("cpu")
        assert torch.get_num_threads() == 1
    finally:
        torch.set_num_threads(before)
