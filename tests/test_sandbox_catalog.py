"""The sandbox catalog: parameters, validation, schema, and the models' sizes (no training)."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from training_sandbox.inside import catalog
from training_sandbox.inside.catalog import EXAMPLES, InvalidParams, UnknownExample

REPO = Path(__file__).resolve().parents[1]

PARAM_COUNTS = {
    "mnist_logreg": 7_850,
    "mnist_mlp": 101_770,
    "mnist_small_cnn": 27_210,
    "mnist_cnn": 1_199_882,
    "notmnist_logreg": 7_850,
    "cifar10_logreg": 30_730,
    "cifar10_cnn": 1_250_858,
}


def test_catalog_lists_the_guides_examples():
    assert set(EXAMPLES) == set(PARAM_COUNTS)
    for name, example in EXAMPLES.items():
        assert example.name == name
        assert example.guide_url.startswith("https://github.com/")
        assert 0 < example.gpu_fraction <= 1


def test_topics_are_known_slugs():
    vocabulary = json.loads((REPO / "kb" / "data" / "vocabulary.json").read_text("utf-8"))
    slugs = {topic["slug"] for topic in vocabulary}
    for example in EXAMPLES.values():
        assert set(example.topics) <= slugs, example.name


def test_catalog_imports_neither_keras_nor_torch():
    code = (
        "import sys, training_sandbox.inside.catalog; "
        "assert not {'keras', 'torch'} & set(sys.modules), sorted(sys.modules)"
    )
    subprocess.run([sys.executable, "-c", code], cwd=REPO, check=True)


def test_unknown_example_names_it_and_the_known_ones():
    with pytest.raises(UnknownExample) as raised:
        catalog.get("mnist_transformer")
    message = str(raised.value)
    assert "'mnist_transformer'" in message
    assert all(name in message for name in EXAMPLES)


def test_defaults_are_the_originals():
    assert catalog.get("mnist_logreg").validate({}) == {
        "dataset": "mnist",
        "epochs": 10,
        "batch_size": 32,
        "optimizer": "rmsprop",
        "learning_rate": 0.001,
        "train_limit": 0,
        "validation_split": 0.0,
        "seed": 1337,
    }
    mlp = catalog.get("mnist_mlp").validate({})
    assert (mlp["hidden_units"], mlp["activation"]) == (128, "sigmoid")
    cnn = catalog.get("mnist_cnn").validate({})
    # Keras 2's Adadelta learning rate, not Keras 3's default 0.001.
    assert (cnn["optimizer"], cnn["learning_rate"]) == ("adadelta", 1.0)
    assert (cnn["epochs"], cnn["batch_size"]) == (12, 128)
    assert (cnn["dropout_conv"], cnn["dropout_dense"]) == (0.25, 0.5)
    cifar = catalog.get("cifar10_cnn").validate({})
    assert (cifar["optimizer"], cifar["learning_rate"], cifar["lr_decay"]) == (
        "rmsprop",
        1e-4,
        1e-6,
    )
    assert (cifar["epochs"], cifar["batch_size"], cifar["augmentation"]) == (200, 32, True)
    assert catalog.get("notmnist_logreg").validate({})["optimizer"] == "adam"


def test_validate_fills_in_defaults_and_converts():
    params = catalog.get("mnist_mlp").validate(
        {"epochs": 3.0, "learning_rate": 1, "dataset": "digits"}
    )
    assert params["epochs"] == 3 and isinstance(params["epochs"], int)
    assert params["learning_rate"] == 1.0 and isinstance(params["learning_rate"], float)
    assert params["dataset"] == "digits"
    assert params["hidden_units"] == 128
    assert catalog.get("mnist_mlp").dataset_for(params) == "digits"
    assert (
        catalog.get("cifar10_cnn").dataset_for(catalog.get("cifar10_cnn").validate({})) == "cifar10"
    )


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"epochs": 0}, ["'epochs'", "0", "an integer from 1 to 200"]),
        ({"epochs": 201}, ["'epochs'", "201", "from 1 to 200"]),
        ({"epochs": 2.5}, ["'epochs'", "2.5", "an integer"]),
        ({"epochs": True}, ["'epochs'", "True"]),
        ({"epochs": "10"}, ["'epochs'", "'10'"]),
        ({"batch_size": 5000}, ["'batch_size'", "5000", "from 1 to 4096"]),
        ({"learning_rate": 0}, ["'learning_rate'", "a number from 1e-06 to 10"]),
        ({"learning_rate": math.nan}, ["'learning_rate'", "nan"]),
        ({"optimizer": "lbfgs"}, ["'optimizer'", "'lbfgs'", "'rmsprop'", "'adadelta'"]),
        ({"activation": "swish"}, ["'activation'", "'swish'", "'sigmoid'"]),
        ({"validation_split": 0.9}, ["'validation_split'", "0.9", "from 0 to 0.5"]),
        ({"dataset": "cifar10"}, ["'dataset'", "'mnist'", "'digits'"]),
        ({"hidden_units": None}, ["'hidden_units'", "None"]),
    ],
)
def test_invalid_params_name_the_parameter_value_and_range(params, expected):
    with pytest.raises(InvalidParams) as raised:
        catalog.get("mnist_mlp").validate(params)
    assert isinstance(raised.value, ValueError)
    assert raised.value.param == next(iter(params))
    for fragment in expected:
        assert fragment in str(raised.value)


def test_bool_params_take_only_booleans():
    example = catalog.get("cifar10_cnn")
    assert example.validate({"augmentation": False})["augmentation"] is False
    with pytest.raises(InvalidParams, match="'augmentation': 1 is invalid; must be true or false"):
        example.validate({"augmentation": 1})


def test_unknown_parameter_is_refused():
    with pytest.raises(InvalidParams) as raised:
        catalog.get("mnist_logreg").validate({"epochs": 2, "hidden_units": 64})
    assert raised.value.param == "hidden_units"
    assert "unknown parameter 'hidden_units'" in str(raised.value)
    assert "'mnist_logreg'" in str(raised.value) and "epochs" in str(raised.value)


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_json_schema_describes_the_params(name):
    example = catalog.get(name)
    schema = example.json_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["type"] == "object" and schema["additionalProperties"] is False
    assert list(schema["properties"]) == list(example.params)
    validator = jsonschema.Draft202012Validator(schema)
    defaults = example.validate({})
    assert validator.is_valid(defaults)
    assert not validator.is_valid({**defaults, "epochs": 0})
    assert not validator.is_valid({**defaults, "optimizer": "lbfgs"})
    assert not validator.is_valid({"no_such_param": 1})
    epochs = schema["properties"]["epochs"]
    assert (epochs["type"], epochs["minimum"], epochs["maximum"]) == ("integer", 1, 200)
    assert schema["properties"]["optimizer"]["enum"] == list(catalog.OPTIMIZERS)


@pytest.mark.parametrize(("name", "count"), sorted(PARAM_COUNTS.items()))
def test_param_counts_match_the_originals(name, count):
    from training_sandbox.inside.models import build_model

    example = catalog.get(name)
    assert build_model(name, example.validate({})).count_params() == count


def test_augmentation_layers_have_no_weights():
    from training_sandbox.inside.models import build_model

    example = catalog.get("cifar10_cnn")
    plain = build_model("cifar10_cnn", example.validate({"augmentation": False}))
    assert plain.count_params() == PARAM_COUNTS["cifar10_cnn"]
    assert len(plain.layers) == len(build_model("cifar10_cnn", example.validate({})).layers) - 2


def test_decay_is_keras_2s_inverse_time_schedule():
    from training_sandbox.inside.models import make_optimizer

    optimizer = make_optimizer(catalog.get("cifar10_cnn").validate({}))
    schedule = optimizer._learning_rate  # the schedule object, not its current value
    assert float(schedule(0)) == pytest.approx(1e-4)
    assert float(schedule(1_000_000)) == pytest.approx(1e-4 / 2)


@pytest.mark.parametrize(("name", "count"), [("mnist_logreg", 650), ("mnist_mlp", 9_610)])
def test_digits_variants_take_8x8_inputs(name, count):
    from training_sandbox.inside.models import build_model

    params = catalog.get(name).validate({"dataset": "digits"})
    model = build_model(name, params)
    assert tuple(model.inputs[0].shape) == (None, 8, 8, 1)
    assert model.count_params() == count


def test_summary_rows_and_table():
    from training_sandbox.inside.models import build_model
    from training_sandbox.inside.summary import layer_rows, render_table

    model = build_model("mnist_cnn", catalog.get("mnist_cnn").validate({}))
    rows = layer_rows(model)
    assert rows[0] == {
        "name": "input",
        "kind": "Input",
        "output_shape": [None, 28, 28, 1],
        "params": 0,
        "percent": 0.0,
    }
    conv1 = rows[1]
    assert (conv1["kind"], conv1["output_shape"], conv1["params"]) == (
        "Conv2D",
        [None, 26, 26, 32],
        320,
    )
    assert sum(row["params"] for row in rows) == PARAM_COUNTS["mnist_cnn"]
    assert sum(row["percent"] for row in rows) == pytest.approx(100, abs=0.05)
    dense = next(row for row in rows if row["name"] == "dense")
    assert dense["params"] == 1_179_776 and dense["percent"] == pytest.approx(98.32)
    table = render_table(rows)
    assert "26 x 26 x 32" in table and "1,199,882" in table and "98.3%" in table
    json.dumps(rows)  # plain types only
