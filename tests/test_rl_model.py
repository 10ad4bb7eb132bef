"""The flat parameter layout, its shape hash, and the orthogonal init (rl/model.py)."""

from array import array

import numpy as np
import pytest

from rl.model import ModelConfig, init_params, layout_string, num_params, param_layout, parse_hidden_sizes, shape_hash

CARTPOLE = ModelConfig(obs_size=4, num_actions=2, hidden_sizes=(64, 64))
SEPARATE_HASH = 1978298925  # separate 64x64 on CartPole, pinned like the shared layout's


def test_layout_names_shapes_and_contiguous_offsets():
    layout = param_layout(ModelConfig(obs_size=5, num_actions=3, hidden_sizes=(7, 6)))
    assert [(s.name, s.shape) for s in layout] == [
        ("trunk.0.weight", (7, 5)), ("trunk.0.bias", (7,)),
        ("trunk.1.weight", (6, 7)), ("trunk.1.bias", (6,)),
        ("head.weight", (4, 6)), ("head.bias", (4,)),  # 3 logits + 1 value
    ]
    offset = 0
    for spec in layout:
        assert spec.offset == offset
        offset += spec.size
    assert num_params(ModelConfig(5, 3, (7, 6))) == offset == 7 * 5 + 7 + 6 * 7 + 6 + 4 * 6 + 4


def test_separate_layout_is_an_actor_then_a_critic():
    config = ModelConfig(obs_size=5, num_actions=3, hidden_sizes=(7, 6), layout="separate")
    assert [(s.name, s.shape) for s in param_layout(config)] == [
        ("actor.0.weight", (7, 5)), ("actor.0.bias", (7,)), ("actor.1.weight", (6, 7)), ("actor.1.bias", (6,)),
        ("actor.2.weight", (3, 6)), ("actor.2.bias", (3,)),  # 3 logits
        ("critic.0.weight", (7, 5)), ("critic.0.bias", (7,)), ("critic.1.weight", (6, 7)), ("critic.1.bias", (6,)),
        ("critic.2.weight", (1, 6)), ("critic.2.bias", (1,)),  # the value
    ]
    assert num_params(config) == 2 * (7 * 5 + 7 + 6 * 7 + 6) + 3 * 6 + 3 + 6 + 1
    assert num_params(ModelConfig(4, 2, (64, 64), layout="separate")) == 9155  # CleanRL's Agent on CartPole-v1
    with pytest.raises(ValueError, match="layout must be 'shared' or 'separate'"):
        ModelConfig(4, 2, layout="split")


def test_any_number_of_hidden_layers():
    names = [s.name for s in param_layout(ModelConfig(3, 2, (4, 4, 4)))]
    assert names[-2:] == ["head.weight", "head.bias"] and "trunk.2.weight" in names


def test_shape_hash_is_pinned_and_fits_int32():
    # Pinned: the weights board and .dshq files compare against this number.
    assert layout_string(CARTPOLE) == (
        "actor-critic-mlp/v1;activation=tanh;trunk.0.weight:64x4@0;trunk.0.bias:64@256;"
        "trunk.1.weight:64x64@320;trunk.1.bias:64@4416;head.weight:3x64@4480;head.bias:3@4672")
    assert shape_hash(CARTPOLE) == 1304981122
    assert shape_hash(ModelConfig(40, 30)) == 290382946
    assert shape_hash(ModelConfig(40, 30, layout="shared")) == 290382946  # files without a layout are shared
    assert shape_hash(ModelConfig(4, 2, (64, 64), layout="separate")) == SEPARATE_HASH
    assert 0 <= shape_hash(CARTPOLE) < 2**31


@pytest.mark.parametrize("other", [
    ModelConfig(5, 2, (64, 64)), ModelConfig(4, 3, (64, 64)), ModelConfig(4, 2, (64, 32)),
    ModelConfig(4, 2, (64, 64, 64)), ModelConfig(4, 2, (64, 64), "relu"),
    ModelConfig(4, 2, (64, 64), layout="separate"),
])
def test_shape_hash_changes_with_layout_or_activation(other):
    assert shape_hash(other) != shape_hash(CARTPOLE)


def test_init_is_float32_deterministic_and_seeded():
    a, b, c = init_params(CARTPOLE, 7), init_params(CARTPOLE, 7), init_params(CARTPOLE, 8)
    assert isinstance(a, array) and a.typecode == "f" and len(a) == num_params(CARTPOLE)
    assert a == b and a != c
    # Pinned first values: a change of the init algorithm must be deliberate.
    assert init_params(ModelConfig(4, 2, (8, 8)), 0)[:4].tolist() == pytest.approx(
        [0.5841649174690247, -0.5658016800880432, 0.8151401877403259, 0.1298893839120865], abs=1e-6)


@pytest.mark.parametrize("hidden", [(64, 64), (3, 5)])
def test_init_is_orthogonal_with_cleanrl_gains_and_zero_biases(hidden):
    config = ModelConfig(4, 6, hidden)
    flat = np.frombuffer(init_params(config, 3), np.float32).astype(np.float64)
    tensors = {s.name: flat[s.offset : s.offset + s.size].reshape(s.shape) for s in param_layout(config)}

    def assert_orthogonal(W, gain):
        gram = W @ W.T if W.shape[0] <= W.shape[1] else W.T @ W
        np.testing.assert_allclose(gram, gain**2 * np.eye(len(gram)), atol=1e-5 * max(1.0, gain**2))

    for k in range(len(hidden)):
        assert_orthogonal(tensors[f"trunk.{k}.weight"], np.sqrt(2))
        assert not tensors[f"trunk.{k}.bias"].any()
    assert_orthogonal(tensors["head.weight"][:6], 0.01)  # policy rows
    assert np.linalg.norm(tensors["head.weight"][6]) == pytest.approx(1.0, abs=1e-5)  # value row
    assert not tensors["head.bias"].any()


def test_separate_init_has_cleanrl_gains_per_network():
    config = ModelConfig(4, 6, (16, 8), layout="separate")
    flat = np.frombuffer(init_params(config, 3), np.float32).astype(np.float64)
    tensors = {s.name: flat[s.offset : s.offset + s.size].reshape(s.shape) for s in param_layout(config)}
    for net in ("actor", "critic"):
        for k, gain in enumerate((np.sqrt(2), np.sqrt(2))):
            W = tensors[f"{net}.{k}.weight"]
            np.testing.assert_allclose(W.T @ W if W.shape[0] > W.shape[1] else W @ W.T,
                                       gain**2 * np.eye(min(W.shape)), atol=1e-5)
    np.testing.assert_allclose(tensors["actor.2.weight"] @ tensors["actor.2.weight"].T, 1e-4 * np.eye(6), atol=1e-9)
    assert np.linalg.norm(tensors["critic.2.weight"]) == pytest.approx(1.0, abs=1e-5)
    assert not any(tensors[s.name].any() for s in param_layout(config) if s.name.endswith(".bias"))
    assert not np.array_equal(tensors["actor.0.weight"], tensors["critic.0.weight"])  # independent draws


@pytest.mark.parametrize("text, widths", [("64,64", (64, 64)), ("8", (8,)), ("128,32,16", (128, 32, 16))])
def test_parse_hidden_sizes_reads_comma_separated_widths(text, widths):
    assert parse_hidden_sizes(text) == widths


@pytest.mark.parametrize("text", ["", "64,", "0", "64,-1", " 64", "64,x", "6.4", "+64"])
def test_parse_hidden_sizes_refuses_anything_else_naming_the_text(text):
    with pytest.raises(ValueError, match="comma-separated widths >= 1") as error:
        parse_hidden_sizes(text)
    assert repr(text) in str(error.value)
