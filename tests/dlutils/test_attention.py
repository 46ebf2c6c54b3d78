import pytest
import torch
import torch.nn.functional as F

from dlutils.attention import (
    AdditiveAttention,
    causal_mask,
    masked_softmax,
    padding_mask,
    scaled_dot_product_attention,
)


def test_padding_mask_marks_the_real_positions():
    mask = padding_mask(torch.tensor([3, 1, 0]), max_len=4)
    assert mask.dtype == torch.bool and mask.shape == (3, 4)
    assert mask.tolist() == [
        [True, True, True, False],
        [True, False, False, False],
        [False, False, False, False],
    ]
    assert padding_mask(torch.tensor([2, 5])).shape == (2, 5)


def test_causal_mask_is_lower_triangular():
    mask = causal_mask(4)
    assert mask.shape == (4, 4)
    assert torch.equal(mask, torch.tril(torch.ones(4, 4)).bool())
    assert mask[0].tolist() == [True, False, False, False]


def test_masks_reject_bad_input():
    with pytest.raises(ValueError, match="1-D integer"):
        padding_mask(torch.tensor([[1, 2]]))
    with pytest.raises(ValueError, match="shorter than the longest"):
        padding_mask(torch.tensor([3]), max_len=2)
    with pytest.raises(ValueError, match="negative"):
        padding_mask(torch.tensor([-1]))
    with pytest.raises(ValueError, match="positive integer"):
        causal_mask(0)


def test_masked_softmax_rows_sum_to_one_and_ignore_masked_positions():
    torch.manual_seed(0)
    scores = torch.randn(2, 3, 5)
    mask = padding_mask(torch.tensor([2, 4]), 5)[:, None]  # [2, 1, 5]
    weights = masked_softmax(scores, mask)
    torch.testing.assert_close(weights.sum(-1), torch.ones(2, 3))
    assert (weights[0, :, 2:] == 0).all() and (weights[1, :, 4:] == 0).all()
    # Changing a masked score changes nothing.
    changed = scores.clone()
    changed[0, :, 3] = 100.0
    torch.testing.assert_close(masked_softmax(changed, mask), weights)
    # Equal to softmax over the kept positions only.
    torch.testing.assert_close(weights[0, :, :2], scores[0, :, :2].softmax(-1))


def test_masked_softmax_without_mask_and_with_a_fully_masked_row():
    scores = torch.randn(3, 4)
    torch.testing.assert_close(masked_softmax(scores), scores.softmax(-1))
    mask = torch.tensor([True, True, False, False])[None].repeat(3, 1)
    mask[1] = False
    weights = masked_softmax(scores, mask)
    assert torch.isfinite(weights).all() and (weights[1] == 0).all()


def test_masked_softmax_rejects_bad_masks():
    with pytest.raises(TypeError, match="boolean"):
        masked_softmax(torch.randn(2, 3), torch.ones(2, 3))
    with pytest.raises(ValueError, match="does not broadcast"):
        masked_softmax(torch.randn(2, 3), torch.ones(2, 4, dtype=torch.bool))


@pytest.mark.parametrize("use_mask", ["none", "padding", "causal"])
def test_scaled_dot_product_attention_matches_pytorch(use_mask):
    torch.manual_seed(1)
    q, k, v = torch.randn(2, 3, 6, 8), torch.randn(2, 3, 6, 8), torch.randn(2, 3, 6, 5)
    mask = {
        "none": None,
        "padding": padding_mask(torch.tensor([4, 6]), 6)[:, None, None],
        "causal": causal_mask(6),
    }[use_mask]
    ours, weights = scaled_dot_product_attention(q, k, v, mask)
    theirs = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
    torch.testing.assert_close(ours, theirs)
    assert weights.shape == (2, 3, 6, 6)
    torch.testing.assert_close(weights.sum(-1), torch.ones(2, 3, 6))


def test_scaled_dot_product_attention_rejects_mismatched_shapes():
    with pytest.raises(ValueError, match="same last dimension"):
        scaled_dot_product_attention(torch.randn(2, 4), torch.randn(3, 5), torch.randn(3, 2))
    with pytest.raises(ValueError, match="same number of positions"):
        scaled_dot_product_attention(torch.randn(2, 4), torch.randn(3, 4), torch.randn(2, 2))


def test_additive_attention_follows_its_formula():
    torch.manual_seed(2)
    attention = AdditiveAttention(query_size=3, key_size=4, hidden_size=5)
    q, k, v = torch.randn(2, 1, 3), torch.randn(2, 6, 4), torch.randn(2, 6, 7)
    mask = padding_mask(torch.tensor([6, 2]), 6)[:, None]
    out, weights = attention(q, k, v, mask)
    assert out.shape == (2, 1, 7) and weights.shape == (2, 1, 6)
    # By hand for the second example, which sees only its first two keys.
    scores = torch.stack([attention.v(torch.tanh(attention.W_q(q[1, 0]) + attention.W_k(k[1, j])))
                          for j in range(2)]).squeeze(-1)
    expected = scores.softmax(0) @ v[1, :2]
    torch.testing.assert_close(out[1, 0], expected)
    with pytest.raises(ValueError, match="expects queries"):
        attention(q[0], k, v)
