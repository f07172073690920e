"""Every block: builds for each valid input rank with default and pinned arguments; kinds; names."""

import json

import keras
import keras_tuner
import numpy as np
import pytest

import autonas
from autonas import blocks
from autonas.graph import Graph, ImageInput, Input, StructuredDataInput, TextInput
from autonas.data import prepare_input
from profile_helpers import attach, data_of, profiled

RNG = np.random.default_rng(0)


def _input(shape, integer=False):
    node = Input(shape=shape)
    data = RNG.integers(0, 20, size=(6,) + shape) if integer else RNG.random((6,) + shape)
    attach(node, data.astype("float32"))
    return node


def _build(block, node, hp=None):
    """Connect `block` to `node` under a regression head; build; run one eager forward pass."""
    out = autonas.RegressionHead()(block(node))
    out.in_blocks[0].fit_targets(np.zeros(len(data_of(node))))
    graph = profiled(Graph(node, out))
    hp = hp if hp is not None else keras_tuner.HyperParameters()
    model = graph.build(hp)
    prediction = model(node.keras_data(data_of(node)[:2]), training=False)
    assert tuple(prediction.shape) == (2, 1)
    return model, hp


def _names(hp):
    return sorted(p.name for p in hp.space)


# block factory, input shapes it must build on, pinned (non-default) arguments, shapes it must reject
CASES = {
    "ConvBlock": (blocks.ConvBlock, [(16, 3), (8, 8, 1), (4, 4, 4, 1)],
                  dict(kernel_size=5, num_blocks=1, num_layers=1, filters=8, max_pooling=False, separable=True,
                       dropout=0.25), [(8,)]),
    "ResNetBlock": (blocks.ResNetBlock, [(16, 3), (8, 8, 1), (4, 4, 4, 1)],
                    dict(filters=8, num_stages=3, stage_depth=2, preactivation=True, dropout=0.25), [(8,)]),
    "XceptionBlock": (blocks.XceptionBlock, [(16, 3), (8, 8, 1)],
                      dict(filters=8, num_stages=1, middle_depth=2, kernel_size=5, dropout=0.5), [(4, 4, 4, 1)]),
    "MBConvBlock": (blocks.MBConvBlock, [(16, 3), (8, 8, 1)],
                    dict(filters=8, num_stages=3, stage_depth=2, expand_ratio=6, kernel_size=5, se_ratio=0.0,
                         dropout=0.25), [(4, 4, 4, 1)]),
    "RNNBlock": (blocks.RNNBlock, [(10, 4)],
                 dict(layer_type="gru", bidirectional=False, num_layers=1, units=8, dropout=0.25), [(8,)]),
    "TransformerBlock": (blocks.TransformerBlock, [(10, 4)],
                         dict(num_heads=4, embed_dim=16, ff_dim=32, num_layers=2, dropout=0.0), [(8, 8, 1)]),
    "TemporalReduction": (blocks.TemporalReduction, [(10, 4), (6,)], dict(reduction_type="flatten"), [(4, 4, 2)]),
    "DenseBlock": (blocks.DenseBlock, [(6,), (8, 8, 1)],
                   dict(num_layers=1, num_units=32, use_batchnorm=True, dropout=0.5), []),
    "Flatten": (blocks.Flatten, [(6,), (10, 4), (8, 8, 1)], {}, []),
    "SpatialReduction": (blocks.SpatialReduction, [(8, 8, 1), (4, 4, 4, 2)], dict(reduction_type="global_max"), []),
    "Normalization": (blocks.Normalization, [(6,), (8, 8, 1)], {}, []),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_block_builds_for_each_valid_rank_with_default_and_pinned_args(name):
    factory, shapes, pinned, _ = CASES[name]
    for shape in shapes:
        _, hp = _build(factory(), _input(shape))
        _, hp_pinned = _build(factory(**pinned), _input(shape))
        scope = _snake(name)
        for arg in pinned:
            assert f"{scope}/{arg}" not in _names(hp_pinned), f"{name}: pinned {arg} must not be searched"
        searched = [n for n in _names(hp) if n.startswith(scope + "/")]
        if pinned and len(shape) > 1:
            assert searched, f"{name} searches nothing by default on {shape}"


@pytest.mark.parametrize("name", sorted(n for n in CASES if CASES[n][3]))
def test_block_rejects_invalid_rank_naming_itself(name):
    factory, _, _, bad_shapes = CASES[name]
    for shape in bad_shapes:
        with pytest.raises(ValueError, match=name):
            _build(factory(), _input(shape))


def _snake(name):
    from autonas.utils.naming import to_snake_case

    return to_snake_case(name)


def test_embedding_and_text_vectorization_chain():
    text = TextInput()
    attach(text, prepare_input(["the cat sat", "a dog ran off", "the end"], text, fit=True))
    tokens = blocks.TextVectorization(max_tokens=50, sequence_length=32)(text)
    seq = blocks.Embedding(embedding_dim=8)(tokens)
    out = autonas.RegressionHead()(blocks.TemporalReduction()(seq))
    out.in_blocks[0].fit_targets(np.zeros(3))
    hp = keras_tuner.HyperParameters()
    model = profiled(Graph(text, out)).build(hp)
    assert model(np.array(["the cat", "unknown words"], dtype=object)).shape == (2, 1)
    assert "embedding/embedding_dim" not in _names(hp) and "embedding/dropout" in _names(hp)
    # int token ids from a plain input: max_features inferred from the data
    _build(blocks.Embedding(), _input((5,), integer=True))
    # tf-idf mode gives a plain tensor
    vector = blocks.TextVectorization(output_mode="tf_idf", ngrams=1)(text)
    assert vector.kind == "tensor"


def test_embedding_without_vocabulary_source_asks_for_max_features():
    node = _input((5,))  # floats: not token ids
    with pytest.raises(ValueError, match="max_features"):
        _build(blocks.Embedding(), node)


def test_image_augmentation_only_changes_training_calls():
    node = ImageInput()
    attach(node, RNG.random((6, 8, 8)).astype("float32"))
    aug = blocks.ImageAugmentation(horizontal_flip=True, vertical_flip=True, rotation_factor=0.1,
                                   translation_factor=0.1, contrast_factor=0.2)
    x = aug(node)
    out = autonas.RegressionHead()(blocks.Flatten()(x))
    out.in_blocks[0].fit_targets(np.zeros(6))
    model = profiled(Graph(node, out)).build(keras_tuner.HyperParameters())
    aug_layers = [layer for layer in model.layers if layer.__class__.__name__.startswith("Random")]
    assert {type(layer).__name__ for layer in aug_layers} == {"RandomFlip", "RandomRotation", "RandomTranslation",
                                                              "RandomContrast"}
    inner = keras.Model(model.input, aug_layers[-1].output)
    images = data_of(node)[:2]
    np.testing.assert_allclose(inner(images, training=False).numpy()[..., 0], images, atol=1e-6)
    assert not np.allclose(inner(images, training=True).numpy()[..., 0], images)
    # defaults: no transformation, the block is the identity
    _, hp = _build(blocks.ImageAugmentation(), node)
    assert "image_augmentation/rotation_factor" in _names(hp)


def test_merge_add_and_concatenate():
    for merge_type, width in [("concatenate", 6 + 10 * 4), ("add", 10 * 4)]:
        a, b = _input((6,)), _input((10, 4))
        merged = blocks.Merge(merge_type=merge_type)([a, blocks.Flatten()(b)])
        out = autonas.RegressionHead()(merged)
        out.in_blocks[0].fit_targets(np.zeros(6))
        model = profiled(Graph([a, b], out)).build(keras_tuner.HyperParameters())
        layer = next(layer for layer in model.layers if type(layer).__name__ in ("Concatenate", "Add"))
        assert layer.output.shape[-1] == width
        assert model({"input": data_of(a)[:2], "input_1": data_of(b)[:2]}).shape == (2, 1)
    with pytest.raises(ValueError, match="merge_type"):
        blocks.Merge(merge_type="multiply")


@pytest.mark.parametrize("block_cls,node_factory", [
    (blocks.RNNBlock, StructuredDataInput),
    (blocks.ConvBlock, TextInput),
    (blocks.TransformerBlock, ImageInput),
    (blocks.TextBlock, ImageInput),
    (blocks.StructuredDataBlock, TextInput),
    (blocks.ImageBlock, TextInput),
    (blocks.ImageAugmentation, StructuredDataInput),
    (autonas.ClassificationHead, TextInput),
])
def test_block_on_wrong_input_kind_names_block_and_input(block_cls, node_factory):
    node = node_factory()
    with pytest.raises(TypeError) as info:
        block_cls()(node)
    message = str(info.value)
    assert block_cls.__name__ in message
    assert f"{node_factory.__name__} {node.name!r}" in message
    assert "accepts" in message


def test_rnn_on_structured_input_is_rejected_before_any_model_exists(tmp_path):
    node = StructuredDataInput(name="table")
    with pytest.raises(TypeError, match=r"RNNBlock cannot be connected to StructuredDataInput 'table'"):
        blocks.RNNBlock()(node)


def test_invalid_choices_name_the_argument():
    with pytest.raises(ValueError, match="block_type"):
        blocks.TextBlock(block_type="bert")
    with pytest.raises(ValueError, match=r"`ngram_solver` must be one of \['gradient', 'squared_hinge', 'logistic'\]; "
                                         r"received 'svm'"):
        blocks.TextBlock(ngram_solver="svm")
    with pytest.raises(ValueError, match="block_type"):
        blocks.ImageBlock(block_type="vgg")
    with pytest.raises(ValueError, match="layer_type"):
        blocks.RNNBlock(layer_type="tcn")
    with pytest.raises(ValueError, match="output_mode"):
        blocks.TextVectorization(output_mode="bytes")
    with pytest.raises(ValueError, match="categorical_encoding"):
        blocks.StructuredDataBlock(categorical_encoding="hash")
    with pytest.raises(ValueError, match="reduction_type"):
        blocks.TemporalReduction(reduction_type="median")


def test_transformer_rejects_embed_dim_not_divisible_by_heads():
    with pytest.raises(ValueError, match="embed_dim"):
        _build(blocks.TransformerBlock(num_heads=4, embed_dim=30), _input((10, 4)))


def test_hp_object_customises_the_range():
    units = keras_tuner.engine.hyperparameters.Choice("anything", [12, 24])
    _, hp = _build(blocks.RNNBlock(units=units, num_layers=1), _input((10, 4)))
    space = {p.name: p for p in hp.space}
    assert space["rnn_block/units"].values == [12, 24]
    assert "rnn_block/num_layers" not in space


def test_every_registered_block_has_a_json_config():
    for name, cls in blocks.ALL_BLOCKS.items():
        block = cls()
        config = json.loads(json.dumps(block.get_config()))
        clone = cls.from_config(config)
        assert clone.get_config() == block.get_config(), name


@pytest.mark.parametrize("block_cls", [blocks.ResNetBlock, blocks.XceptionBlock])
def test_backbone_batch_norm_serves_what_a_short_training_learnt(block_cls, digits):
    # inference uses the moving statistics of batch normalization: after 80 steps they must already be
    # those of the data (at Keras's default momentum of 0.99 they still weigh their initial values by
    # 0.45: these predictions then agree on 18% and 9% of the images, and 3-epoch proxy trials of these
    # backbones scored near chance on MNIST)
    x, y = digits[0][:640, :, :, None] / 16.0, digits[1][:640]
    keras.utils.set_random_seed(0)
    inputs = keras.Input((8, 8, 1))
    features = keras.layers.GlobalAveragePooling2D()(block_cls().build(keras_tuner.HyperParameters(), inputs))
    model = keras.Model(inputs, keras.layers.Dense(10, activation="softmax")(features))
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    model.fit(x, y, epochs=4, batch_size=32, verbose=0)
    served = np.argmax(model(x, training=False), axis=1)   # moving statistics
    learnt = np.argmax(model(x, training=True), axis=1)    # the statistics of these 640 images
    assert np.mean(served == learnt) > 0.9
