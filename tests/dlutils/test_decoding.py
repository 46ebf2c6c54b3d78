import math

import pytest
import torch

from dlutils.decoding import beam_search, greedy_decode, select_state

BOS, EOS = 0, 1


def table_step(table):
    """A step function whose next-token log-probabilities depend on the whole prefix."""

    def step(prefixes, state):
        rows = [torch.tensor(table[tuple(p)]).log() for p in prefixes.tolist()]
        return torch.stack(rows), state

    return step


# Tokens: 0 <bos>, 1 <eos>, 2 "a", 3 "b". Greedy takes "a" (0.6) and then faces a flat
# distribution; "b" (0.4) leads to a sure <eos>.
TRAP = {
    (BOS,): [0.0, 0.0, 0.6, 0.4],
    (BOS, 2): [0.0, 0.34, 0.33, 0.33],
    (BOS, 3): [0.0, 1.0, 0.0, 0.0],
    (BOS, 2, 2): [0.0, 1.0, 0.0, 0.0],
    (BOS, 2, 3): [0.0, 1.0, 0.0, 0.0],
}


def test_beam_search_finds_a_more_probable_sequence_than_greedy():
    step = table_step(TRAP)
    greedy, greedy_lp = greedy_decode(step, None, 1, bos_id=BOS, eos_id=EOS, max_len=5)
    assert greedy == [[2]] and greedy_lp.item() == pytest.approx(math.log(0.6 * 0.34), rel=1e-5)
    best = beam_search(step, None, bos_id=BOS, eos_id=EOS, max_len=5, beam_width=2)[0]
    assert best[0] == [3] and best[1] == pytest.approx(math.log(0.4), rel=1e-5)
    assert best[1] > greedy_lp.item()


def random_rnn_step(vocab=6, hidden=5, seed=0):
    g = torch.Generator().manual_seed(seed)
    W, U, O = (torch.randn(a, b, generator=g) for a, b in ((vocab, hidden), (hidden, hidden), (hidden, vocab)))

    def step(prefixes, h):
        h = torch.tanh(W[prefixes[:, -1]] + h @ U)
        return 2 * h @ O, h

    return step


@pytest.mark.parametrize("seed", range(5))
def test_beam_width_one_is_greedy(seed):
    step = random_rnn_step(seed=seed)
    h0 = torch.randn(1, 5, generator=torch.Generator().manual_seed(seed))
    greedy, lp = greedy_decode(step, h0, 1, bos_id=BOS, eos_id=EOS, max_len=8)
    (tokens, log_prob, score), *rest = beam_search(step, h0, bos_id=BOS, eos_id=EOS, max_len=8,
                                                   beam_width=1)
    assert rest == [] and tokens == greedy[0]
    assert log_prob == pytest.approx(lp.item(), rel=1e-5)


# Tokens: 0 <bos>, 1 <eos>, 2 "a", 3 "b", 4 "c". Greedy reads a a <eos> (P = 0.2). Width 2 keeps
# "b b" (0.45) and "a a" (0.25); then the two continuations of "b b" (0.225 each) push "a a <eos>"
# (0.2) out of the beam, and the best it finishes is b b a <eos> (0.09). Width 3 keeps it.
DETOUR = {
    (BOS,): [0.0, 0.0, 0.5, 0.45, 0.05],
    (BOS, 2): [0.0, 0.1, 0.5, 0.4, 0.0],
    (BOS, 3): [0.0, 0.0, 0.0, 1.0, 0.0],
    (BOS, 4): [0.0, 1.0, 0.0, 0.0, 0.0],
    (BOS, 2, 2): [0.0, 0.8, 0.1, 0.1, 0.0],
    (BOS, 2, 3): [0.0, 0.9, 0.1, 0.0, 0.0],
    (BOS, 3, 3): [0.0, 0.0, 0.5, 0.5, 0.0],
    (BOS, 3, 3, 2): [0.0, 0.4, 0.2, 0.2, 0.2],
    (BOS, 3, 3, 3): [0.0, 0.3, 0.25, 0.25, 0.2],
}


def test_a_wider_beam_can_end_with_a_less_probable_sequence_than_greedy():
    # Beam search is a heuristic: no width guarantees a result at least as probable as greedy's.
    step = table_step(DETOUR)
    greedy, greedy_lp = greedy_decode(step, None, 1, bos_id=BOS, eos_id=EOS, max_len=6)
    assert greedy == [[2, 2]] and math.exp(greedy_lp.item()) == pytest.approx(0.2)
    best = {k: beam_search(step, None, bos_id=BOS, eos_id=EOS, max_len=6, beam_width=k)[0]
            for k in (1, 2, 3)}
    found = {k: (tokens, round(math.exp(lp), 4)) for k, (tokens, lp, _) in best.items()}
    assert found == {1: ([2, 2], 0.2), 2: ([3, 3, 2], 0.09), 3: ([2, 2], 0.2)}


def test_length_penalty_prefers_longer_hypotheses():
    table = {(BOS,): [0.0, 0.5, 0.5, 0.0], (BOS, 2): [0.0, 0.9, 0.1, 0.0],
             (BOS, 2, 2): [0.0, 1.0, 0.0, 0.0]}
    plain = beam_search(table_step(table), None, bos_id=BOS, eos_id=EOS, max_len=4, beam_width=2)
    normalised = beam_search(table_step(table), None, bos_id=BOS, eos_id=EOS, max_len=4,
                             beam_width=2, length_penalty=1.0)
    assert plain[0][0] == [] and normalised[0][0] == [2]
    assert normalised[0][2] == pytest.approx(math.log(0.45) / 2, rel=1e-5)


def test_greedy_decodes_a_batch_and_stops_each_row_at_eos():
    def step(prefixes, state):
        t = prefixes.shape[1]
        scores = torch.full((len(prefixes), 4), -10.0)
        for i, limit in enumerate(state.tolist()):
            scores[i, EOS if t > limit else 2] = 0.0
        return scores, state

    rows, lp = greedy_decode(step, torch.tensor([1, 3, 10]), 3, bos_id=BOS, eos_id=EOS, max_len=5)
    assert rows == [[2], [2, 2, 2], [2, 2, 2, 2, 2]]
    assert lp.shape == (3,)


def test_select_state_indexes_nested_tensors():
    state = (torch.arange(3), {"m": torch.arange(6).reshape(3, 2)}, None)
    picked = select_state(state, torch.tensor([2, 0]))
    assert picked[0].tolist() == [2, 0] and picked[1]["m"].tolist() == [[4, 5], [0, 1]]
    with pytest.raises(TypeError, match="must hold tensors"):
        select_state("h", torch.tensor([0]))


def test_decoding_rejects_bad_arguments():
    step = table_step(TRAP)
    with pytest.raises(ValueError, match="beam_width"):
        beam_search(step, None, bos_id=BOS, eos_id=EOS, max_len=3, beam_width=0)
    with pytest.raises(ValueError, match="max_len"):
        greedy_decode(step, None, 1, bos_id=BOS, eos_id=EOS, max_len=0)
    with pytest.raises(ValueError, match="length_penalty"):
        beam_search(step, None, bos_id=BOS, eos_id=EOS, max_len=3, length_penalty=-1)
    with pytest.raises(ValueError, match="scores"):
        greedy_decode(lambda p, s: (torch.zeros(5), s), None, 1, bos_id=BOS, eos_id=EOS, max_len=3)
