"""dlutils on a GPU, checked on a CPU-only machine: no tensor made on the CPU may meet a GPU tensor.

A real GPU refuses an operation between a CUDA tensor and a CPU tensor (a 0-d CPU tensor and CPU
indices excepted). The stand-in accelerator below does the same on any machine: its tensors report
the device ``meta`` but hold real CPU data, so that code runs to the end and gives the numbers it
gives on the CPU, and an operation that mixes them with a CPU tensor fails. Each test runs a dlutils
function with its model and data "on the accelerator" and checks that it gives the CPU's answer.
"""

from __future__ import annotations

import pytest
import torch
from torch import nn
from torch.utils._python_dispatch import TorchDispatchMode
from torch.utils._pytree import tree_map

import dlutils as dl
from dlutils import augment

GPU = torch.device("meta")  # the stand-in accelerator's name inside StandInAccelerator
# CPU indices and copies between devices are fine on CUDA too.
MIXING_ALLOWED = {"index", "index_put", "index_put_", "_index_put_impl_", "copy_", "_to_copy"}


class OnGPU(torch.Tensor):
    """A CPU tensor that says it is on the stand-in accelerator."""

    @staticmethod
    def __new__(cls, data):
        return torch.Tensor._make_wrapper_subclass(
            cls, data.shape, strides=data.stride(), storage_offset=data.storage_offset(),
            dtype=data.dtype, layout=data.layout, device=GPU, requires_grad=False,
        )

    def __init__(self, data):
        self.cpu_data = data

    def __repr__(self):
        return f"OnGPU({self.cpu_data!r})"

    def tolist(self):  # copied to the host, as from a GPU
        return self.cpu_data.tolist()

    def numpy(self, *args, **kwargs):  # refused, as for a GPU tensor
        raise TypeError("can't convert a GPU tensor to numpy; use Tensor.cpu() first")

    @classmethod
    def __torch_dispatch__(cls, func, types, args=(), kwargs=None):
        return _run(func, args, kwargs or {})


def _on_gpu(device) -> bool:
    return device is not None and torch.device(device).type == GPU.type


def _run(func, args, kwargs):
    found = {"gpu": False, "cpu": None}

    def unwrap(x):
        if isinstance(x, OnGPU):
            found["gpu"] = True
            return x.cpu_data
        if isinstance(x, torch.Tensor) and x.dim() > 0 and found["cpu"] is None:
            found["cpu"] = tuple(x.shape)
        return x

    cpu_args, cpu_kwargs = tree_map(unwrap, (args, kwargs))
    if found["gpu"] and found["cpu"] and func.overloadpacket.__name__ not in MIXING_ALLOWED:
        raise RuntimeError(f"{func}: a CPU tensor of shape {found['cpu']} meets a GPU tensor")
    on_gpu = found["gpu"]
    if cpu_kwargs.get("device") is not None:  # a factory function or .to(device)
        on_gpu = _on_gpu(cpu_kwargs["device"])
        if on_gpu:
            cpu_kwargs = {**cpu_kwargs, "device": torch.device("cpu")}
    out = func(*cpu_args, **cpu_kwargs)
    if not on_gpu:
        return out
    first = func._schema.arguments[0] if func._schema.arguments else None
    if first is not None and first.alias_info is not None and first.alias_info.is_write:
        if torch.Tag.inplace_view in func.tags:  # transpose_, unsqueeze_, ...: reshape the wrapper
            with torch._C._DisableTorchDispatch():
                func(args[0], *cpu_args[1:], **cpu_kwargs)
        return args[0]  # an in-place operation returns the tensor it changed
    return tree_map(lambda x: OnGPU(x) if isinstance(x, torch.Tensor) else x, out)


class StandInAccelerator(TorchDispatchMode):
    """Inside this mode ``device="meta"`` is the stand-in accelerator."""

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        return _run(func, args, kwargs or {})

    def __enter__(self):
        # torch.tensor(data, device=...) builds its tensor below the dispatcher: build it on the
        # CPU and move it, a step this mode sees.
        self._saved = torch.tensor, torch.as_tensor

        def built_on_cpu(make):
            def build(data, *args, device=None, **kwargs):
                if _on_gpu(device):
                    return make(data, *args, **kwargs).to(GPU)
                return make(data, *args, device=device, **kwargs)

            return build

        torch.tensor, torch.as_tensor = built_on_cpu(torch.tensor), built_on_cpu(torch.as_tensor)
        return super().__enter__()

    def __exit__(self, *exc):
        torch.tensor, torch.as_tensor = self._saved
        return super().__exit__(*exc)


@pytest.fixture
def gpu():
    with StandInAccelerator():
        yield GPU


def on(x):
    """``x`` (a tensor, module or nest of tensors) on the stand-in accelerator."""
    return x.to(GPU) if isinstance(x, (torch.Tensor, nn.Module)) else dl.to_device(x, GPU)


def assert_same(got, expected):
    """Equal up to rounding: a GPU-less recurrent layer runs step by step, not fused."""
    got = tree_map(lambda t: t.cpu() if isinstance(t, torch.Tensor) else t, got)
    torch.testing.assert_close(got, expected)


# --- the stand-in itself -------------------------------------------------------------------------


def test_the_stand_in_refuses_what_a_gpu_refuses(gpu):
    x = torch.arange(3.0, device=gpu)
    assert x.device == gpu and x.tolist() == [0.0, 1.0, 2.0]
    with pytest.raises(RuntimeError, match="meets a GPU tensor"):
        x + torch.ones(3)
    with pytest.raises(RuntimeError, match="meets a GPU tensor"):
        nn.Embedding(5, 2).to(gpu)(torch.tensor([1, 2]))
    with pytest.raises(TypeError):
        x.numpy()  # a GPU tensor must be copied to the CPU first
    assert (x + torch.tensor(1.0)).tolist() == [1.0, 2.0, 3.0]  # a 0-d CPU tensor is fine
    assert x[torch.tensor([0, 2])].tolist() == [0.0, 2.0]  # and so are CPU indices


def test_the_stand_in_catches_the_chapter_bug_it_was_written_for(gpu):
    # seq2seq.md's beam search once scored its prefixes on the CPU while the model was on `device`
    log_probs = torch.zeros(1, 5, device=gpu)
    with pytest.raises(RuntimeError, match="meets a GPU tensor"):
        torch.zeros(1)[:, None] + log_probs


# --- decoding and translation --------------------------------------------------------------------


def date_models():
    torch.manual_seed(0)
    return [dl.Seq2Seq(9, 7, 8, 12), dl.AttentionSeq2Seq(9, 7, 8, 12)]


SOURCE = torch.tensor([[4, 5, 6, 7, 8], [5, 4, 8, 0, 0]])
LENGTHS = torch.tensor([5, 3])


@pytest.mark.parametrize("model", date_models(), ids=["Seq2Seq", "AttentionSeq2Seq"])
def test_greedy_decode_and_beam_search_run_where_the_state_is(model, gpu):
    model.eval()
    with torch.no_grad():
        state = model.encode(SOURCE, LENGTHS)
        greedy = dl.greedy_decode(model.step, state, 2, bos_id=2, eos_id=3, max_len=6)
        first = dl.select_state(state, torch.tensor([0]))
        beams = dl.beam_search(model.step, first, bos_id=2, eos_id=3, max_len=6, beam_width=3)
        model.to(gpu)
        state = model.encode(on(SOURCE), LENGTHS)  # lengths may stay on the CPU
        assert_same(dl.greedy_decode(model.step, state, 2, bos_id=2, eos_id=3, max_len=6), greedy)
        first = dl.select_state(state, torch.tensor([0]))
        for device in (None, gpu):  # the default follows the state
            found = dl.beam_search(model.step, first, bos_id=2, eos_id=3, max_len=6,
                                   beam_width=3, device=device)
            assert_same(found, beams)


@pytest.mark.parametrize("model", date_models(), ids=["Seq2Seq", "AttentionSeq2Seq"])
def test_translate_runs_on_the_models_device(model, gpu):
    source_vocab, target_vocab = dl.Vocab(["abcde"]), dl.Vocab(["012"])
    sources = ["abc", "edcba", "a"]
    expected = dl.translate(model, sources, source_vocab, target_vocab, max_len=5)
    model.to(gpu)
    assert dl.translate(model, sources, source_vocab, target_vocab, max_len=5) == expected


def test_the_models_forward_pass_takes_lengths_on_the_cpu(gpu):
    inputs = (SOURCE, LENGTHS, torch.tensor([[2, 4, 5], [2, 6, 4]]))
    for model in date_models():
        expected = model(*inputs)
        model.to(gpu)
        assert_same(model(on(inputs[0]), inputs[1], on(inputs[2])), expected)


# --- attention ---------------------------------------------------------------------------------


def test_masks_and_attention_follow_their_inputs(gpu):
    torch.manual_seed(0)
    q, k, v = torch.randn(2, 3, 4), torch.randn(2, 5, 4), torch.randn(2, 5, 6)
    lengths = torch.tensor([5, 2])
    additive = dl.AdditiveAttention(4, 4, 8)
    mask = dl.padding_mask(lengths, 5)[:, None]
    expected = (dl.scaled_dot_product_attention(q, k, v, mask),
                dl.scaled_dot_product_attention(q, k[:, :3], v[:, :3], dl.causal_mask(3)),
                additive(q, k, v, mask))
    additive.to(gpu)
    q, k, v = on(q), on(k), on(v)
    mask = dl.padding_mask(on(lengths), 5)[:, None]
    assert mask.device == gpu
    got = (dl.scaled_dot_product_attention(q, k, v, mask),
           dl.scaled_dot_product_attention(q, k[:, :3], v[:, :3], dl.causal_mask(3, device=gpu)),
           additive(q, k, v, mask))
    assert_same(got, expected)


# --- training and evaluation ---------------------------------------------------------------------


def test_evaluate_and_train_epoch_move_batches_to_the_models_device(gpu, tiny_loader):
    torch.manual_seed(0)
    model = nn.Linear(5, 3)
    twin = nn.Linear(5, 3)
    twin.load_state_dict(model.state_dict())
    metrics = {"accuracy": dl.accuracy}
    loss = nn.CrossEntropyLoss()
    expected = dl.train_epoch(model, tiny_loader, loss, torch.optim.SGD(model.parameters(), 0.1),
                              metrics=metrics)
    expected_eval = dl.evaluate(model, tiny_loader, loss, metrics=metrics)
    twin.to(gpu)
    got = dl.train_epoch(twin, tiny_loader, loss, torch.optim.SGD(twin.parameters(), 0.1),
                         metrics=metrics)
    for key in ("loss", "accuracy", "examples"):
        assert got[key] == expected[key], key
    assert dl.evaluate(twin, tiny_loader, loss, metrics=metrics) == expected_eval
    assert_same(twin.weight, model.weight)


# --- boxes and detection -------------------------------------------------------------------------


def random_boxes(n, seed):
    g = torch.Generator().manual_seed(seed)
    corner = torch.rand(n, 2, generator=g) * 40
    return torch.cat((corner, corner + 2 + torch.rand(n, 2, generator=g) * 20), 1)


def test_nms_and_roi_pooling_follow_their_inputs(gpu):
    boxes, scores = random_boxes(30, 0), torch.rand(30, generator=torch.Generator().manual_seed(1))
    labels = torch.arange(30) % 3
    features = torch.randn(2, 3, 16, 16, generator=torch.Generator().manual_seed(2))
    rois = torch.tensor([[0, 0, 0, 60, 60], [1, 8, 12, 40, 28.0]])
    expected = (dl.nms(boxes, scores, 0.3), dl.batched_nms(boxes, scores, labels, 0.3),
                dl.box_iou(boxes, boxes[:4]), dl.roi_pool(features, rois, (3, 3), 0.25))
    got = (dl.nms(on(boxes), on(scores), 0.3),
           dl.batched_nms(on(boxes), on(scores), on(labels), 0.3),
           dl.box_iou(on(boxes), on(boxes[:4])), dl.roi_pool(on(features), on(rois), (3, 3), 0.25))
    assert_same(got, expected)
    assert dl.batched_nms(on(boxes[:0]), on(scores[:0]), on(labels[:0])).device == gpu


def test_grid_targets_decoding_and_map_follow_their_inputs(gpu):
    data = dl.make_shapes(4, seed=0)
    grid = dict(grid_size=8, image_size=64, num_classes=3)
    targets = [dl.encode_grid(b, l, **grid) for b, l in zip(data.boxes, data.labels)]
    raw = torch.randn(4, 8, 8, 8, generator=torch.Generator().manual_seed(0))
    truth = [{"boxes": b, "labels": l} for b, l in zip(data.boxes, data.labels)]

    def detect(targets, raw, truth):
        loss = dl.detection_loss(raw, torch.stack(targets))
        found = [dl.decode_grid(g, image_size=64, score_threshold=0.3)
                 for g in dl.grid_activate(raw)]
        exact = [dl.decode_grid(t, image_size=64) for t in targets]
        return (loss, found, dl.mean_average_precision(found, truth, num_classes=3),
                dl.mean_average_precision(exact, truth, num_classes=3))

    expected = detect(targets, raw, truth)
    targets = [dl.encode_grid(on(b), on(l), **grid) for b, l in zip(data.boxes, data.labels)]
    assert targets[0].device == gpu
    assert_same(detect(targets, on(raw), on(truth)), expected)
    recall, precision = torch.tensor([0.5, 1.0]), torch.tensor([1.0, 0.5])
    assert dl.average_precision(on(recall), on(precision)) == dl.average_precision(recall,
                                                                                   precision)


# --- data, metrics, augmentation and plots -----------------------------------------------------


def test_splits_metrics_and_augmentations_take_gpu_tensors(gpu):
    X, y = torch.randn(40, 1, 8, 8), torch.arange(40) % 2
    splits = dl.split_tensors(X, y, seed=0)
    on_gpu = dl.split_tensors(on(X), on(y), seed=0)
    assert_same(on_gpu.test.tensors, splits.test.tensors)
    scores = torch.randn(40, 2, generator=torch.Generator().manual_seed(0))
    assert dl.accuracy(on(scores), on(y)) == dl.accuracy(scores, y)
    assert_same(dl.confusion_matrix(on(scores), on(y), 2), dl.confusion_matrix(scores, y, 2))
    images = torch.rand(6, 3, 8, 8, generator=torch.Generator().manual_seed(0))
    transforms = [
        lambda x, g: augment.random_hflip(x, generator=g),
        lambda x, g: augment.random_crop(x, 2, generator=g),
        lambda x, g: augment.random_affine(x, degrees=20, scale=(0.9, 1.1), generator=g),
        lambda x, g: augment.random_warp(x, generator=g),
        lambda x, g: augment.colour_shift(x, brightness=0.1, contrast=0.2, channel_shift=0.1,
                                          generator=g),
    ]
    for transform in transforms:  # the generator stays on the CPU, as in the chapters
        expected = transform(images, torch.Generator().manual_seed(3))
        assert_same(transform(on(images), torch.Generator().manual_seed(3)), expected)


def test_decision_boundary_plot_takes_a_model_on_the_gpu(gpu):
    torch.manual_seed(0)
    model = nn.Linear(2, 2).to(gpu)
    X, y = torch.randn(20, 2), torch.arange(20) % 2
    dl.plot_decision_boundary(lambda p: model(p.to(gpu)), X, y, resolution=20)


def test_a_cpu_tensor_slipped_into_greedy_decoding_is_caught(gpu, monkeypatch):
    """The stand-in bites inside dlutils too: make greedy decoding's zeros on the CPU again."""
    made_on_the_cpu = torch.zeros

    def zeros(*size, device=None, **kwargs):  # ignores device, as the old chapter code did
        return made_on_the_cpu(*size, **kwargs)

    model = date_models()[0].eval().to(gpu)
    with torch.no_grad():
        state = model.encode(on(SOURCE), LENGTHS)
        monkeypatch.setattr(torch, "zeros", zeros)
        with pytest.raises(RuntimeError, match="meets a GPU tensor"):
            dl.greedy_decode(model.step, state, 2, bos_id=2, eos_id=3, max_len=6)
