import matplotlib

matplotlib.use("Agg")

import matplotlib as mpl  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from dlutils import (  # noqa: E402
    History,
    plot_decision_boundary,
    plot_history,
    set_style,
    show_images,
)
from dlutils.plot import STYLE  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def make_history(epochs=3, valid=True) -> History:
    history = History()
    for epoch in range(1, epochs + 1):
        record = {"epoch": epoch, "train_loss": 1.0 / epoch, "train_accuracy": 0.5 + 0.1 * epoch}
        if valid:
            record.update(valid_loss=1.2 / epoch, valid_accuracy=0.4 + 0.1 * epoch)
        record.update(lr=0.1, seconds=1.0, examples_per_s=100.0)
        history.append(record)
    return history


# set_style


def test_set_style_applies_the_course_style():
    with mpl.rc_context():
        mpl.rcdefaults()
        assert mpl.rcParams["axes.grid"] is False
        set_style()
        for key, value in STYLE.items():
            if key != "axes.prop_cycle":
                assert mpl.rcParams[key] == (list(value) if isinstance(value, tuple) else value), (
                    key
                )
        assert mpl.rcParams["axes.prop_cycle"].by_key()["color"][0] == "#1f77b4"


# plot_history


def test_plot_history_draws_one_panel_per_quantity_with_titles_and_labels():
    history = make_history()
    fig = plot_history(history)
    assert isinstance(fig, plt.Figure)
    assert [ax.get_title() for ax in fig.axes] == ["Loss", "Accuracy"]
    assert [ax.get_xlabel() for ax in fig.axes] == ["epoch", "epoch"]
    assert [ax.get_ylabel() for ax in fig.axes] == ["loss", "accuracy"]
    train, valid = fig.axes[0].get_lines()
    assert list(train.get_xdata()) == [1, 2, 3] and list(train.get_ydata()) == history["train_loss"]
    assert list(valid.get_ydata()) == history["valid_loss"]
    assert train.get_linestyle() == "-" and valid.get_linestyle() == "--"
    assert [t.get_text() for t in fig.axes[1].get_legend().get_texts()] == ["train", "valid"]


def test_plot_history_without_validation_draws_only_training():
    fig = plot_history(make_history(valid=False))
    assert [len(ax.get_lines()) for ax in fig.axes] == [1, 1]


def test_plot_history_of_chosen_metrics():
    fig = plot_history(make_history(), metrics=["accuracy"])
    assert len(fig.axes) == 1 and fig.axes[0].get_title() == "Accuracy"


def test_plot_history_of_a_validation_only_quantity():
    history = History()
    history.append({"epoch": 1, "train_loss": 1.0, "valid_top5": 0.9})
    fig = plot_history(history, metrics=["loss", "top5"])
    assert [ax.get_title() for ax in fig.axes] == ["Loss", "Top5"]
    assert len(fig.axes[1].get_lines()) == 1


def test_plot_history_rejects_an_empty_history():
    with pytest.raises(ValueError, match="the history is empty"):
        plot_history(History())


def test_plot_history_rejects_an_unknown_metric():
    with pytest.raises(
        KeyError, match="history has no train_f1 or valid_f1; it has epoch, train_loss"
    ):
        plot_history(make_history(), metrics=["loss", "f1"])


# show_images


@pytest.mark.parametrize("shape", [(5, 8, 8), (5, 1, 8, 8), (5, 3, 8, 8), (5, 8, 8, 3)])
def test_show_images_accepts_grey_and_colour_layouts(shape):
    images = torch.rand(shape)
    fig = show_images(images, labels=list("abcde"), ncols=3, title="Some images")
    shown = [ax.get_images()[0].get_array() for ax in fig.axes if ax.get_images()]
    assert len(shown) == 5
    colour = 3 in shape[1:]
    assert shown[0].shape == ((8, 8, 3) if colour else (8, 8))
    assert len(fig.axes) == 6  # a 2 x 3 grid, the last cell empty
    assert [ax.get_title() for ax in fig.axes[:5]] == list("abcde")
    assert fig._suptitle.get_text() == "Some images"


def test_show_images_puts_the_pixels_where_they_belong():
    images = torch.arange(2 * 4 * 4, dtype=torch.float32).reshape(2, 1, 4, 4)
    fig = show_images(images)
    assert np.array_equal(fig.axes[1].get_images()[0].get_array(), images[1, 0].numpy())


def test_show_images_accepts_numpy_arrays_and_no_labels():
    fig = show_images(np.zeros((3, 5, 5)))
    assert len(fig.axes) == 3 and all(ax.get_title() == "" for ax in fig.axes)


@pytest.mark.parametrize("shape", [(8, 8), (8,), (2, 2, 8, 8), (2, 4, 8, 8), (2, 1, 1, 8, 8)])
def test_show_images_rejects_bad_shapes(shape):
    with pytest.raises(
        ValueError, match=r"images must have shape \[N, H, W\], \[N, C, H, W\] or \[N, H, W, C\]"
    ):
        show_images(torch.zeros(shape))


def test_show_images_rejects_a_bad_nested_list():
    with pytest.raises(ValueError, match=r"images must have shape.*\(2, 2\)"):
        show_images([[0.0, 1.0], [1.0, 0.0]])


def test_show_images_rejects_nothing_to_show():
    with pytest.raises(ValueError, match="no images to show"):
        show_images(torch.zeros(0, 1, 8, 8))


def test_show_images_rejects_a_label_count_mismatch():
    with pytest.raises(ValueError, match="got 4 images but 3 labels"):
        show_images(torch.zeros(4, 8, 8), labels=[1, 2, 3])


# plot_decision_boundary


def separable_points(n=60):
    generator = torch.Generator().manual_seed(0)
    X = torch.rand(n, 2, generator=generator) * 4 - 2
    return X, (X[:, 0] > 0).long()


def region_x_ranges(ax) -> list[tuple[float, float]]:
    """The horizontal extent of each filled class region of the contour plot."""
    contours = ax.collections[0]
    return [
        (p.vertices[:, 0].min(), p.vertices[:, 0].max()) if len(p.vertices) else None
        for p in contours.get_paths()
    ]


def test_decision_boundary_colours_each_side_by_its_class():
    X, y = separable_points()
    resolution = 101
    seen = []

    def predict(points):
        seen.append(points)
        return (points[:, 0] > 0).long()

    ax = plot_decision_boundary(predict, X, y, resolution=resolution, title="sign of x1")
    grid = seen[0]
    assert grid.shape == (resolution**2, 2) and grid.dtype == torch.float32
    assert (
        grid[:, 0].min() < X[:, 0].min() and grid[:, 0].max() > X[:, 0].max()
    )  # the data lie inside
    step = (grid[:, 0].max() - grid[:, 0].min()).item() / (resolution - 1)
    (left0, right0), (left1, right1) = region_x_ranges(ax)
    assert right0 <= step and left1 >= -step  # class 0 left of the boundary, class 1 right of it
    assert left0 == pytest.approx(grid[:, 0].min().item()) and right1 == pytest.approx(
        grid[:, 0].max().item()
    )
    assert len(ax.collections[1].get_offsets()) == len(X)  # every point drawn
    assert (
        ax.get_title() == "sign of x1" and ax.get_xlabel() == "$x_1$" and ax.get_ylabel() == "$x_2$"
    )


def test_decision_boundary_accepts_scores_and_an_axes():
    X, y = separable_points()
    fig, ax = plt.subplots()

    def scores(points):  # class 1 wins where x1 > 0
        return torch.stack([-points[:, 0], points[:, 0]], dim=1)

    assert plot_decision_boundary(scores, X.numpy(), y.numpy(), ax=ax, resolution=41) is ax
    (_, right0), (left1, _) = region_x_ranges(ax)
    assert right0 < 0.2 and left1 > -0.2


def test_decision_boundary_with_a_model_that_tracks_gradients():
    X, y = separable_points()
    model = torch.nn.Linear(2, 2)
    ax = plot_decision_boundary(model, X, y, resolution=20)  # predict runs under no_grad
    assert ax.collections


def test_decision_boundary_rejects_points_not_in_the_plane():
    X, y = separable_points()
    with pytest.raises(ValueError, match=r"X must have shape \[N, 2\].*\(60, 3\)"):
        plot_decision_boundary(lambda p: p[:, 0] > 0, torch.zeros(60, 3), y)
    with pytest.raises(ValueError, match=r"X must have shape \[N, 2\]"):
        plot_decision_boundary(lambda p: p[:, 0] > 0, X[:, 0], y)


def test_decision_boundary_rejects_mismatched_labels():
    X, y = separable_points()
    with pytest.raises(
        ValueError, match=r"y must hold one label per point: expected shape \(60,\), got \(59,\)"
    ):
        plot_decision_boundary(lambda p: p[:, 0] > 0, X, y[:-1])
    with pytest.raises(ValueError, match="one label per point"):
        plot_decision_boundary(lambda p: p[:, 0] > 0, X, y.unsqueeze(1))


def test_plot_confusion_matrix_has_labels_title_and_normalised_rows():
    from dlutils import plot_confusion_matrix

    fig = plot_confusion_matrix(torch.tensor([[3, 1], [0, 2]]), ["a", "b"], title="T")
    ax = fig.axes[0]
    assert ax.get_title() == "T"
    assert ax.get_xlabel() == "predicted class" and ax.get_ylabel() == "true class"
    np.testing.assert_allclose(ax.images[0].get_array(), [[0.75, 0.25], [0.0, 1.0]])
    plt.close(fig)


def test_plot_confusion_matrix_rejects_bad_input():
    from dlutils import plot_confusion_matrix

    with pytest.raises(ValueError, match="square"):
        plot_confusion_matrix(np.zeros((2, 3)), ["a", "b"])
    with pytest.raises(ValueError, match="labels"):
        plot_confusion_matrix(np.zeros((2, 2)), ["a"])
