"""dlutils: the course's small helper package.

Each module does one job and is short enough to read in a sitting:

* :mod:`dlutils.device`: pick a device (CUDA, then Apple MPS, then CPU) and move batches to it.
* :mod:`dlutils.reproducibility`: seed everything and ask for deterministic algorithms.
* :mod:`dlutils.profiles`: the ``fast`` / ``default`` / ``full`` run profiles.
* :mod:`dlutils.train`: ``train_epoch``, ``evaluate`` and ``fit``, which returns a ``History``.
* :mod:`dlutils.checkpoint`: atomic checkpoints that resume a run bit for bit.
* :mod:`dlutils.metrics`: metrics reported next to the loss.
* :mod:`dlutils.data`, :mod:`dlutils.downloads` and :mod:`dlutils.archives`: data sets, splits,
  loaders, checked downloads and safe unpacking.
* :mod:`dlutils.text`: tokens, a vocabulary and padded batches of sequences.
* :mod:`dlutils.results`: a chapter's headline results, for the book's landing page.
* :mod:`dlutils.optim`: a test bench that records an optimiser's trajectory on a function.
* :mod:`dlutils.attention`: masks, masked softmax, additive and scaled dot-product attention.
* :mod:`dlutils.decoding`: greedy decoding and beam search through a model's step function.
* :mod:`dlutils.bleu`: sentence and corpus BLEU with the brevity penalty.
* :mod:`dlutils.dates`: the date-format translation data set (Babel).
* :mod:`dlutils.seq2seq`: GRU encoder-decoders with and without attention, and ``translate``.
* :mod:`dlutils.names`: real surname lists (US census; surnames by language, from Faker).
* :mod:`dlutils.extras`: imports the packages that only some chapters need, when first used.
* :mod:`dlutils.plot` and :mod:`dlutils.display`: figures and training progress.
* :mod:`dlutils.augment`: data augmentation for image batches (flips, crops, affine maps, warps,
  colour shifts) and ``Augment``, a module that applies one in training mode only.
* :mod:`dlutils.boxes`: bounding boxes: formats, IoU, non-maximum suppression, anchors, RoI pooling.
* :mod:`dlutils.shapes`: a synthetic detection data set of shapes with their boxes.
* :mod:`dlutils.detection`: a YOLO-style detector's grid targets, loss, decoding and mAP.
* :mod:`dlutils.glyphs`: characters drawn in matplotlib's fonts, for one-shot learning.
* :mod:`dlutils.performance`: ``channels_last``, ``torch.compile``, and honest throughput timing.
* :mod:`dlutils.distributed`: data-parallel training with DDP under ``torchrun``;
  :mod:`dlutils.train_ddp` is an example script that uses it.
"""

from . import augment
from .archives import extract_archive
from .augment import Augment
from .boxes import (
    anchor_shapes,
    batched_nms,
    box_area,
    box_iou,
    cxcywh_to_xyxy,
    make_anchors,
    nms,
    roi_pool,
    xyxy_to_cxcywh,
)
from .attention import (
    AdditiveAttention,
    causal_mask,
    masked_softmax,
    padding_mask,
    scaled_dot_product_attention,
)
from .bleu import brevity_penalty, corpus_bleu, modified_precision, ngrams, sentence_bleu
from .checkpoint import load_checkpoint, save_checkpoint
from .data import (
    Splits,
    load_digits,
    load_fashion_mnist,
    make_loaders,
    read_idx,
    split_tensors,
    subset,
)
from .detection import (
    average_precision,
    decode_grid,
    detection_loss,
    encode_grid,
    grid_activate,
    mean_average_precision,
)
from .dates import date_splits, format_pair
from .decoding import beam_search, greedy_decode, select_state
from .device import best_device, get_device, to_device
from .distributed import (
    DistInfo,
    ShardSampler,
    all_reduce_sums,
    barrier,
    current_info,
    distributed_loader,
    free_port,
    global_mean,
    print0,
    save_on_main,
    set_epoch,
    setup_distributed,
    sharded_loader,
    teardown_distributed,
    wrap_ddp,
)
from .display import resolve_display
from .downloads import DownloadError, download
from .glyphs import GLYPH_CHARACTERS, GLYPH_FONTS, Glyphs, load_glyphs
from .metrics import accuracy
from .optim import trajectory
from .performance import (
    measure_throughput,
    prepare_model,
    synchronize,
    to_channels_last,
    unwrap_model,
)
from .plot import plot_decision_boundary, plot_history, set_style, show_images
from .metrics import accuracy, confusion_matrix
from .names import load_surname_origins, load_us_surnames
from .plot import (
    plot_confusion_matrix,
    plot_decision_boundary,
    plot_history,
    set_style,
    show_images,
)
from .profiles import PROFILES, check_profile, pick
from .reproducibility import seed_everything
from .results import record_result
from .seq2seq import AttentionSeq2Seq, GRUEncoder, Seq2Seq, translate
from .text import (
    Vocab,
    collate_classification,
    collate_language_model,
    collate_seq2seq,
    pad_sequences,
    sequence_cross_entropy,
    sequence_loader,
    tokenize,
)
from .shapes import SHAPE_CLASSES, ShapesData, make_shapes
from .train import History, autocast, evaluate, fit, train_epoch

__version__ = "0.1.0"

__all__ = [
    "AdditiveAttention",
    "AttentionSeq2Seq",
    "Augment",
    "DistInfo",
    "DownloadError",
    "GLYPH_CHARACTERS",
    "GLYPH_FONTS",
    "GRUEncoder",
    "Glyphs",
    "History",
    "PROFILES",
    "SHAPE_CLASSES",
    "Seq2Seq",
    "ShapesData",
    "ShardSampler",
    "Splits",
    "Vocab",
    "accuracy",
    "all_reduce_sums",
    "anchor_shapes",
    "augment",
    "autocast",
    "average_precision",
    "barrier",
    "batched_nms",
    "beam_search",
    "best_device",
    "box_area",
    "box_iou",
    "brevity_penalty",
    "causal_mask",
    "check_profile",
    "collate_classification",
    "collate_language_model",
    "collate_seq2seq",
    "confusion_matrix",
    "corpus_bleu",
    "current_info",
    "cxcywh_to_xyxy",
    "date_splits",
    "decode_grid",
    "detection_loss",
    "distributed_loader",
    "download",
    "encode_grid",
    "evaluate",
    "extract_archive",
    "fit",
    "format_pair",
    "free_port",
    "get_device",
    "global_mean",
    "greedy_decode",
    "grid_activate",
    "load_checkpoint",
    "load_digits",
    "load_fashion_mnist",
    "load_glyphs",
    "load_surname_origins",
    "load_us_surnames",
    "make_anchors",
    "make_loaders",
    "make_shapes",
    "masked_softmax",
    "mean_average_precision",
    "measure_throughput",
    "modified_precision",
    "ngrams",
    "nms",
    "pad_sequences",
    "padding_mask",
    "pick",
    "plot_confusion_matrix",
    "plot_decision_boundary",
    "plot_history",
    "prepare_model",
    "print0",
    "read_idx",
    "record_result",
    "resolve_display",
    "roi_pool",
    "save_checkpoint",
    "save_on_main",
    "scaled_dot_product_attention",
    "seed_everything",
    "select_state",
    "sentence_bleu",
    "sequence_cross_entropy",
    "sequence_loader",
    "set_epoch",
    "set_style",
    "setup_distributed",
    "sharded_loader",
    "show_images",
    "split_tensors",
    "subset",
    "synchronize",
    "teardown_distributed",
    "to_channels_last",
    "to_device",
    "tokenize",
    "train_epoch",
    "trajectory",
    "translate",
    "unwrap_model",
    "wrap_ddp",
    "xyxy_to_cxcywh",
]
