import pytest
import torch
from torch import nn

import dlutils as dl
from dlutils import measure_throughput, prepare_model, synchronize, to_channels_last, unwrap_model


def conv_net():
    return nn.Sequential(nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.Flatten(), nn.Linear(64, 2))


def test_prepare_model_channels_last_changes_layout_not_values():
    torch.manual_seed(0)
    plain = conv_net()
    x = torch.randn(5, 1, 4, 4)
    expected = plain(x)
    fast = prepare_model(plain, "cpu", channels_last=True)
    assert fast[0].weight.is_contiguous(memory_format=torch.channels_last)
    torch.testing.assert_close(fast(to_channels_last(x)), expected)


def test_prepare_model_can_compile():
    torch.manual_seed(0)
    plain = conv_net()
    x = torch.randn(3, 1, 4, 4)
    compiled = prepare_model(plain, "cpu", compile=True, compile_backend="eager")
    torch.testing.assert_close(compiled(x), plain(x))
    assert unwrap_model(compiled) is plain


def test_prepare_model_rejects_non_modules():
    with pytest.raises(TypeError, match="nn.Module"):
        prepare_model(lambda x: x, "cpu")


def test_to_channels_last_converts_only_4d_tensors():
    images, labels = torch.randn(2, 3, 4, 4), torch.tensor([0, 1])
    out_images, out_labels = to_channels_last((images, labels))
    assert out_images.is_contiguous(memory_format=torch.channels_last)
    torch.testing.assert_close(out_images, images)
    assert out_labels is labels
    assert to_channels_last("text") == "text"


def test_unwrap_model_finds_the_plain_model_inside_a_compile_wrapper():
    class FakeCompiled(nn.Module):  # what torch.compile returns keeps the model in _orig_mod
        def __init__(self, inner):
            super().__init__()
            self._orig_mod = inner

    inner = nn.Linear(2, 2)
    assert unwrap_model(FakeCompiled(inner)) is inner
    assert unwrap_model(inner) is inner


def test_checkpoint_of_a_wrapped_model_loads_into_a_plain_one(tmp_path):
    class Wrapped(nn.Module):
        def __init__(self, inner):
            super().__init__()
            self._orig_mod = inner

    source, target = nn.Linear(3, 2), nn.Linear(3, 2)
    dl.save_checkpoint(tmp_path / "c.pt", model=Wrapped(source))
    dl.load_checkpoint(tmp_path / "c.pt", model=target)
    torch.testing.assert_close(target.weight, source.weight)


def test_measure_throughput_counts_warmup_and_repeats():
    calls = []
    result = measure_throughput(lambda: calls.append(1), 32, warmup=2, repeats=5)
    assert len(calls) == 7
    assert result["examples_per_s"] > 0
    assert result["fastest_s"] <= result["seconds_per_step"] <= result["slowest_s"]


@pytest.mark.parametrize(
    "kwargs, error",
    [
        ({"examples_per_step": 0}, ValueError),
        ({"examples_per_step": 1.5}, TypeError),
        ({"examples_per_step": 4, "repeats": 0}, ValueError),
        ({"examples_per_step": 4, "warmup": -1}, ValueError),
    ],
)
def test_measure_throughput_rejects_bad_input(kwargs, error):
    with pytest.raises(error):
        measure_throughput(lambda: None, **kwargs)


def test_synchronize_on_the_cpu_is_a_no_op():
    synchronize("cpu")
    synchronize(torch.device("cpu"))


def test_fit_with_channels_last_gives_the_same_losses():
    torch.manual_seed(0)
    X, y = torch.randn(32, 1, 8, 8), torch.randint(0, 2, (32,))
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(X, y), batch_size=8)
    losses = []
    for channels_last in (False, True):
        torch.manual_seed(1)
        model = nn.Sequential(nn.Conv2d(1, 4, 3), nn.ReLU(), nn.Flatten(), nn.Linear(144, 2))
        history = dl.fit(model, loader, loader, loss_fn=nn.CrossEntropyLoss(),
                         optimizer=torch.optim.SGD(model.parameters(), lr=0.1), epochs=2,
                         device="cpu", display="none", channels_last=channels_last)
        losses.append(history["valid_loss"])
    assert losses[0] == pytest.approx(losses[1], abs=1e-6)


def test_make_loaders_can_pin_memory():
    splits = dl.load_digits(seed=0)
    train, valid, test = dl.make_loaders(splits, 64, pin_memory=True)
    assert train.pin_memory and valid.pin_memory and test.pin_memory
    assert not dl.make_loaders(splits, 64)[0].pin_memory
