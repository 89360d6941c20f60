"""The sandbox's catalog: the Keras starter examples the guide links, and their parameters.

Pure Python (no Keras, no torch), so that the web side can list the examples and validate a
request before any job starts. Every parameter's default is the original example's value, so a
run with no parameters reproduces the original (see `Example.original` for its published result).

The MNIST models of ``mnist_simple.ipynb`` (``mnist_logreg``, ``mnist_mlp``, ``mnist_small_cnn``)
also take ``dataset="digits"``: scikit-learn's bundled 8x8 digits, always available offline, for
runs that take seconds.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

__all__ = [
    "EXAMPLES",
    "Example",
    "InvalidParams",
    "OriginalResult",
    "Param",
    "ParamValue",
    "UnknownExample",
    "get",
]

ParamType = Literal["int", "float", "str", "bool"]
ParamValue = int | float | str | bool

_JSON_TYPES: dict[str, str] = {
    "int": "integer",
    "float": "number",
    "str": "string",
    "bool": "boolean",
}


class UnknownExample(LookupError):
    """No example of that name in the catalog."""

    def __init__(self, name: str) -> None:
        self.name = name
        known = ", ".join(sorted(EXAMPLES))
        super().__init__(f"unknown example {name!r}; known examples: {known}")


class InvalidParams(ValueError):
    """A parameter is unknown, of the wrong type, or outside its allowed range or choices."""

    def __init__(self, param: str, message: str) -> None:
        self.param = param
        super().__init__(message)


@dataclass(frozen=True)
class Param:
    """One tunable parameter of an example. ``str`` parameters are always a choice."""

    name: str
    type: ParamType
    default: ParamValue
    help: str
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[str, ...] = ()

    def allowed(self) -> str:
        """The allowed values in words, for error messages."""
        if self.type == "str":
            return "one of " + ", ".join(repr(choice) for choice in self.choices)
        if self.type == "bool":
            return "true or false"
        kind = "an integer" if self.type == "int" else "a number"
        return f"{kind} from {_number(self.minimum)} to {_number(self.maximum)}"

    def validate(self, value: object) -> ParamValue:
        """The value converted to this parameter's type; `InvalidParams` when it is not allowed."""
        checked = self._convert(value)
        if checked is None:
            raise InvalidParams(
                self.name,
                f"parameter {self.name!r}: {value!r} is invalid; must be {self.allowed()}",
            )
        return checked

    def _convert(self, value: object) -> ParamValue | None:
        # bool is an int subclass in Python; JSON keeps them apart and so do we.
        if self.type == "bool":
            return value if isinstance(value, bool) else None
        if self.type == "str":
            return value if isinstance(value, str) and value in self.choices else None
        if isinstance(value, bool) or not isinstance(value, int | float):
            return None
        if not math.isfinite(value):
            return None
        if self.type == "int":
            # JSON Schema's "integer" accepts 10.0; so do we.
            if isinstance(value, float) and not value.is_integer():
                return None
            value = int(value)
        else:
            value = float(value)
        assert self.minimum is not None and self.maximum is not None
        return value if self.minimum <= value <= self.maximum else None

    def json_schema(self) -> dict[str, Any]:
        schema: dict[str, Any] = {
            "type": _JSON_TYPES[self.type],
            "default": self.default,
            "description": self.help,
        }
        if self.type == "str":
            schema["enum"] = list(self.choices)
        elif self.type in ("int", "float"):
            schema["minimum"] = self.minimum
            schema["maximum"] = self.maximum
        return schema


def _number(value: float | None) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


@dataclass(frozen=True)
class OriginalResult:
    """What the original example reported, to compare a run with."""

    metric: str
    value: float | None
    epochs: int | None
    note: str


@dataclass(frozen=True)
class Example:
    """A runnable example: the model of one starter the guide links, with its parameters."""

    name: str
    title: str
    guide_url: str
    topics: tuple[str, ...]
    dataset: str
    params: dict[str, Param]
    original: OriginalResult
    gpu_fraction: float
    description: str = ""

    def validate(self, params: Mapping[str, object]) -> dict[str, ParamValue]:
        """All parameters, defaults filled in; `InvalidParams` for an unknown or bad one."""
        unknown = sorted(set(params) - set(self.params))
        if unknown:
            raise InvalidParams(
                unknown[0],
                f"unknown parameter {unknown[0]!r} for example {self.name!r}; "
                f"known parameters: {', '.join(self.params)}",
            )
        return {
            name: param.validate(params[name]) if name in params else param.default
            for name, param in self.params.items()
        }

    def dataset_for(self, params: Mapping[str, object]) -> str:
        """The dataset a run with these (validated) parameters uses."""
        chosen = params.get("dataset", self.dataset)
        assert isinstance(chosen, str)
        return chosen

    def json_schema(self) -> dict[str, Any]:
        """A JSON Schema object for this example's parameters."""
        return {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "title": f"{self.name} parameters",
            "type": "object",
            "properties": {name: param.json_schema() for name, param in self.params.items()},
            "additionalProperties": False,
        }


def _int(name: str, default: int, minimum: int, maximum: int, help: str) -> Param:
    return Param(name, "int", default, help, minimum=minimum, maximum=maximum)


def _float(name: str, default: float, minimum: float, maximum: float, help: str) -> Param:
    return Param(name, "float", default, help, minimum=minimum, maximum=maximum)


def _choice(name: str, default: str, choices: tuple[str, ...], help: str) -> Param:
    return Param(name, "str", default, help, choices=choices)


OPTIMIZERS = ("sgd", "rmsprop", "adam", "adadelta", "adagrad")
ACTIVATIONS = ("relu", "sigmoid", "tanh", "elu", "selu")


def _training_params(
    *, epochs: int, batch_size: int, optimizer: str, learning_rate: float
) -> list[Param]:
    """The parameters every example has; the arguments are the original's values."""
    return [
        _int("epochs", epochs, 1, 200, "passes over the training data"),
        _int("batch_size", batch_size, 1, 4096, "samples per gradient step"),
        _choice("optimizer", optimizer, OPTIMIZERS, "the optimizer (Keras defaults besides lr)"),
        _float("learning_rate", learning_rate, 1e-6, 10.0, "the optimizer's learning rate"),
        _int(
            "train_limit",
            0,
            0,
            1_000_000,
            "use only the first N training samples, for quick runs; 0 uses them all",
        ),
        _float(
            "validation_split",
            0.0,
            0.0,
            0.5,
            "fraction of the training samples held out to validate after each epoch; "
            "0 validates on the test set, as the originals did",
        ),
        _int("seed", 1337, 0, 2**31 - 1, "seeds Python, NumPy and torch, for reproducible runs"),
    ]


def _dataset_choice(default: str) -> Param:
    return _choice(
        "dataset",
        default,
        ("mnist", "digits"),
        "'mnist' (28x28) as the original, or scikit-learn's 8x8 'digits' for runs of seconds",
    )


def _dropout(name: str, default: float, where: str) -> Param:
    return _float(name, default, 0.0, 0.9, f"dropout rate {where}")


def _example(*params: Param, **fields: Any) -> Example:
    return Example(params={param.name: param for param in params}, **fields)


_MNIST_SIMPLE = "https://github.com/stared/keras-mini-examples/blob/master/mnist_simple.ipynb"
_RMSPROP_MNIST = {"epochs": 10, "batch_size": 32, "optimizer": "rmsprop", "learning_rate": 0.001}

_CATALOG = [
    _example(
        _dataset_choice("mnist"),
        *_training_params(**_RMSPROP_MNIST),
        name="mnist_logreg",
        title="MNIST: logistic regression",
        guide_url=_MNIST_SIMPLE,
        topics=("mnist", "keras", "logistic-regression"),
        dataset="mnist",
        original=OriginalResult(
            "val_accuracy", 0.9251, 10, "on the test set; ~3 s/epoch on the author's 2017 laptop"
        ),
        gpu_fraction=0.25,
        description="Flatten -> Dense(10, softmax)",
    ),
    _example(
        _dataset_choice("mnist"),
        *_training_params(**_RMSPROP_MNIST),
        _int("hidden_units", 128, 1, 4096, "units of the hidden layer"),
        _choice("activation", "sigmoid", ACTIVATIONS, "activation of the hidden layer"),
        name="mnist_mlp",
        title="MNIST: one hidden layer",
        guide_url=_MNIST_SIMPLE,
        topics=("mnist", "keras", "neural-networks"),
        dataset="mnist",
        original=OriginalResult(
            "val_accuracy", 0.9754, 10, "on the test set; ~6 s/epoch on the author's 2017 laptop"
        ),
        gpu_fraction=0.25,
        description="Flatten -> Dense(128, sigmoid) -> Dense(10, softmax)",
    ),
    _example(
        _dataset_choice("mnist"),
        *_training_params(**_RMSPROP_MNIST),
        _int("filters", 16, 1, 512, "filters of the convolution"),
        name="mnist_small_cnn",
        title="MNIST: a small convolutional network",
        guide_url=_MNIST_SIMPLE,
        topics=("mnist", "keras", "convolutional-networks"),
        dataset="mnist",
        original=OriginalResult(
            "val_accuracy", 0.9814, 10, "on the test set; ~15 s/epoch on the author's 2017 laptop"
        ),
        gpu_fraction=0.25,
        description="Conv2D(16, 3x3, relu) -> MaxPool2D(2x2) -> Flatten -> Dense(10, softmax)",
    ),
    _example(
        *_training_params(epochs=12, batch_size=128, optimizer="adadelta", learning_rate=1.0),
        _int("conv1_filters", 32, 1, 512, "filters of the first convolution"),
        _int("conv2_filters", 64, 1, 512, "filters of the second convolution"),
        _int("dense_units", 128, 1, 4096, "units of the hidden dense layer"),
        _dropout("dropout_conv", 0.25, "after the convolutions"),
        _dropout("dropout_dense", 0.5, "after the hidden dense layer"),
        name="mnist_cnn",
        title="MNIST: Keras' convolutional network example",
        guide_url="https://github.com/fchollet/keras/blob/master/examples/mnist_cnn.py",
        topics=("mnist", "keras", "convolutional-networks"),
        dataset="mnist",
        original=OriginalResult(
            "test_accuracy", 0.9925, 12, "16 s/epoch on a GRID K520 GPU (Keras 2, Adadelta lr 1.0)"
        ),
        gpu_fraction=1.0,
        description=(
            "Conv2D(32) -> Conv2D(64) -> MaxPool -> Dropout(0.25) -> Flatten -> Dense(128) "
            "-> Dropout(0.5) -> Dense(10, softmax)"
        ),
    ),
    _example(
        *_training_params(epochs=10, batch_size=32, optimizer="adam", learning_rate=0.001),
        name="notmnist_logreg",
        title="notMNIST: logistic regression",
        guide_url="https://github.com/stared/keras-mini-examples/blob/master/notMNIST_starter.ipynb",
        topics=("notmnist", "keras", "logistic-regression"),
        dataset="notmnist",
        original=OriginalResult("val_accuracy", None, 10, "not recorded"),
        gpu_fraction=0.25,
        description="letters A-J; Flatten -> Dense(10, softmax)",
    ),
    _example(
        *_training_params(epochs=10, batch_size=32, optimizer="rmsprop", learning_rate=0.001),
        name="cifar10_logreg",
        title="CIFAR-10: logistic regression",
        guide_url="https://github.com/stared/keras-mini-examples/blob/master/cifar10_starter.ipynb",
        topics=("cifar-10", "keras", "logistic-regression"),
        dataset="cifar10",
        original=OriginalResult(
            "val_accuracy", None, 10, "not recorded; the notebook's exercise: turn it into a CNN"
        ),
        gpu_fraction=0.25,
        description="Flatten -> Dense(10, softmax)",
    ),
    _example(
        *_training_params(epochs=200, batch_size=32, optimizer="rmsprop", learning_rate=1e-4),
        _float(
            "lr_decay",
            1e-6,
            0.0,
            1.0,
            "Keras 2 decay: the learning rate is lr / (1 + lr_decay * step)",
        ),
        Param(
            "augmentation",
            "bool",
            True,
            "random shifts of up to 10% and horizontal flips of the training images",
        ),
        _int("conv1_filters", 32, 1, 512, "filters of the first two convolutions"),
        _int("conv2_filters", 64, 1, 512, "filters of the last two convolutions"),
        _int("dense_units", 512, 1, 4096, "units of the hidden dense layer"),
        _dropout("dropout_conv", 0.25, "after each pair of convolutions"),
        _dropout("dropout_dense", 0.5, "after the hidden dense layer"),
        name="cifar10_cnn",
        title="CIFAR-10: Keras' convolutional network example",
        guide_url=(
            "https://github.com/stared/keras-mini-examples/blob/master/cifar10_official_example.ipynb"
        ),
        topics=("cifar-10", "keras", "convolutional-networks"),
        dataset="cifar10",
        original=OriginalResult(
            "val_accuracy", 0.75, 25, "0.79 at 50 epochs (Keras' docstring); ~12 h on CPU (guide)"
        ),
        gpu_fraction=1.0,
        description=(
            "2x Conv2D(32) -> MaxPool -> Dropout -> 2x Conv2D(64) -> MaxPool -> Dropout "
            "-> Flatten -> Dense(512) -> Dropout -> Dense(10, softmax)"
        ),
    ),
]

EXAMPLES: dict[str, Example] = {example.name: example for example in _CATALOG}


def get(name: str) -> Example:
    """The example called `name`; `UnknownExample` names it and the known ones."""
    try:
        return EXAMPLES[name]
    except KeyError:
        raise UnknownExample(name) from None
