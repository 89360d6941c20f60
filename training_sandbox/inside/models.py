"""Keras 3 builders for the catalog's examples, from validated parameters.

Ported with the Keras 2 -> 3 differences in mind: Adadelta's learning rate is a parameter (the
original's 1.0, not Keras 3's default 0.001), kernels are written ``(3, 3)`` (``Conv2D(32, 3, 3)``
now means stride 3), Keras 2's per-step ``decay`` is `InverseTimeDecay`, and the augmentation of
cifar10_cnn is done by ``RandomTranslation``/``RandomFlip`` layers, which have no weights and are
only active in training.
"""

from __future__ import annotations

from training_sandbox.inside import job_settings

job_settings.use_torch_backend()

from collections.abc import Callable, Mapping  # noqa: E402

import keras  # noqa: E402
from keras import layers  # noqa: E402

from training_sandbox.inside import catalog  # noqa: E402
from training_sandbox.inside.datasets import IMAGE_SHAPES  # noqa: E402

__all__ = ["build_model", "make_optimizer"]

NUM_CLASSES = 10
Params = Mapping[str, catalog.ParamValue]

_OPTIMIZERS: dict[str, type[keras.optimizers.Optimizer]] = {
    "sgd": keras.optimizers.SGD,
    "rmsprop": keras.optimizers.RMSprop,
    "adam": keras.optimizers.Adam,
    "adadelta": keras.optimizers.Adadelta,
    "adagrad": keras.optimizers.Adagrad,
}


def make_optimizer(params: Params) -> keras.optimizers.Optimizer:
    """The chosen optimizer; a ``lr_decay`` gives Keras 2's lr / (1 + decay * step)."""
    learning_rate = float(params["learning_rate"])
    decay = float(params.get("lr_decay", 0.0))
    schedule: float | keras.optimizers.schedules.LearningRateSchedule = learning_rate
    if decay > 0:
        schedule = keras.optimizers.schedules.InverseTimeDecay(
            learning_rate, decay_steps=1, decay_rate=decay
        )
    return _OPTIMIZERS[str(params["optimizer"])](learning_rate=schedule)


def build_model(example_name: str, params: Params) -> keras.Sequential:
    """The example's model for these validated parameters, compiled."""
    example = catalog.get(example_name)
    shape = IMAGE_SHAPES[example.dataset_for(params)]
    model = keras.Sequential(
        [keras.Input(shape=shape), *_BUILDERS[example_name](params)], name=example_name
    )
    model.compile(
        optimizer=make_optimizer(params),
        loss="categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model


def _softmax() -> layers.Dense:
    return layers.Dense(NUM_CLASSES, activation="softmax", name="softmax")


def _logreg(params: Params) -> list[layers.Layer]:
    return [layers.Flatten(name="flatten"), _softmax()]


def _mlp(params: Params) -> list[layers.Layer]:
    hidden = layers.Dense(
        int(params["hidden_units"]), activation=str(params["activation"]), name="hidden"
    )
    return [layers.Flatten(name="flatten"), hidden, _softmax()]


def _small_cnn(params: Params) -> list[layers.Layer]:
    return [
        layers.Conv2D(int(params["filters"]), (3, 3), activation="relu", name="conv"),
        layers.MaxPooling2D((2, 2), name="pool"),
        layers.Flatten(name="flatten"),
        _softmax(),
    ]


def _mnist_cnn(params: Params) -> list[layers.Layer]:
    return [
        layers.Conv2D(int(params["conv1_filters"]), (3, 3), activation="relu", name="conv1"),
        layers.Conv2D(int(params["conv2_filters"]), (3, 3), activation="relu", name="conv2"),
        layers.MaxPooling2D((2, 2), name="pool"),
        layers.Dropout(float(params["dropout_conv"]), name="dropout_conv"),
        layers.Flatten(name="flatten"),
        layers.Dense(int(params["dense_units"]), activation="relu", name="dense"),
        layers.Dropout(float(params["dropout_dense"]), name="dropout_dense"),
        _softmax(),
    ]


def _cifar10_cnn(params: Params) -> list[layers.Layer]:
    augmentation: list[layers.Layer] = []
    if params["augmentation"]:
        augmentation = [
            # ImageDataGenerator(width/height_shift_range=0.1, horizontal_flip=True) of the
            # original; "nearest" was its fill mode.
            layers.RandomTranslation(0.1, 0.1, fill_mode="nearest", name="random_shift"),
            layers.RandomFlip("horizontal", name="random_flip"),
        ]
    conv1, conv2 = int(params["conv1_filters"]), int(params["conv2_filters"])
    dropout_conv = float(params["dropout_conv"])
    return [
        *augmentation,
        layers.Conv2D(conv1, (3, 3), padding="same", activation="relu", name="conv1a"),
        layers.Conv2D(conv1, (3, 3), activation="relu", name="conv1b"),
        layers.MaxPooling2D((2, 2), name="pool1"),
        layers.Dropout(dropout_conv, name="dropout1"),
        layers.Conv2D(conv2, (3, 3), padding="same", activation="relu", name="conv2a"),
        layers.Conv2D(conv2, (3, 3), activation="relu", name="conv2b"),
        layers.MaxPooling2D((2, 2), name="pool2"),
        layers.Dropout(dropout_conv, name="dropout2"),
        layers.Flatten(name="flatten"),
        layers.Dense(int(params["dense_units"]), activation="relu", name="dense"),
        layers.Dropout(float(params["dropout_dense"]), name="dropout_dense"),
        _softmax(),
    ]


_BUILDERS: dict[str, Callable[[Params], list[layers.Layer]]] = {
    "mnist_logreg": _logreg,
    "mnist_mlp": _mlp,
    "mnist_small_cnn": _small_cnn,
    "mnist_cnn": _mnist_cnn,
    "notmnist_logreg": _logreg,
    "cifar10_logreg": _logreg,
    "cifar10_cnn": _cifar10_cnn,
}
