import numpy as np
import pytest
import torch

from dlutils import accuracy


def test_accuracy_of_scores_uses_the_largest():
    scores = torch.tensor([[0.1, 0.9], [2.0, -1.0], [0.3, 0.7], [5.0, 4.0]])
    targets = torch.tensor([1, 0, 0, 1])
    assert accuracy(scores, targets) == 0.5


def test_accuracy_of_predicted_labels():
    assert accuracy(torch.tensor([0, 1, 2, 2]), torch.tensor([0, 1, 2, 1])) == 0.75


def test_accuracy_bounds():
    targets = torch.tensor([3, 1, 4, 1, 5])
    assert accuracy(targets.clone(), targets) == 1.0
    assert accuracy(targets + 1, targets) == 0.0


def test_accuracy_returns_a_python_float():
    result = accuracy(torch.eye(3), torch.arange(3))
    assert type(result) is float and result == 1.0


def test_accuracy_rejects_non_tensors():
    with pytest.raises(TypeError, match="two tensors"):
        accuracy(np.zeros((2, 2)), torch.tensor([0, 1]))
    with pytest.raises(TypeError, match="two tensors"):
        accuracy(torch.zeros(2, 2), [0, 1])


def test_accuracy_rejects_targets_that_are_not_1d():
    with pytest.raises(ValueError, match=r"targets must be a 1-D tensor.*\(2, 1\)"):
        accuracy(torch.zeros(2, 3), torch.zeros(2, 1, dtype=torch.long))


def test_accuracy_rejects_float_targets():
    with pytest.raises(ValueError, match="integer class labels, not floats"):
        accuracy(torch.zeros(2, 3), torch.tensor([0.0, 1.0]))


def test_accuracy_rejects_outputs_of_the_wrong_rank():
    with pytest.raises(
        ValueError, match=r"outputs must be scores \[N, C\] or labels \[N\].*\(2, 3, 4\)"
    ):
        accuracy(torch.zeros(2, 3, 4), torch.tensor([0, 1]))


def test_accuracy_rejects_mismatched_lengths():
    with pytest.raises(ValueError, match="outputs hold 3 examples but targets hold 2"):
        accuracy(torch.zeros(3, 4), torch.tensor([0, 1]))


def test_accuracy_of_nothing_is_undefined():
    with pytest.raises(ValueError, match="zero examples"):
        accuracy(torch.zeros(0, 4), torch.zeros(0, dtype=torch.long))


def test_confusion_matrix_counts_true_rows_and_predicted_columns():
    from dlutils.metrics import confusion_matrix

    targets = torch.tensor([0, 0, 1, 2, 2, 2])
    predicted = torch.tensor([0, 1, 1, 2, 0, 2])
    matrix = confusion_matrix(predicted, targets, 3)
    assert matrix.tolist() == [[1, 1, 0], [0, 1, 0], [1, 0, 2]]
    scores = torch.nn.functional.one_hot(predicted, 3).float()
    assert torch.equal(confusion_matrix(scores, targets, 3), matrix)


def test_confusion_matrix_rejects_bad_input():
    import pytest

    from dlutils.metrics import confusion_matrix

    with pytest.raises(ValueError, match="n_classes"):
        confusion_matrix(torch.tensor([0]), torch.tensor([0]), 0)
    with pytest.raises(ValueError, match="outside"):
        confusion_matrix(torch.tensor([3]), torch.tensor([0]), 3)
    with pytest.raises(ValueError, match="shapes"):
        confusion_matrix(torch.tensor([0, 1]), torch.tensor([0]), 2)
    with pytest.raises(TypeError, match="two tensors"):
        confusion_matrix([0], torch.tensor([0]), 2)
