"""Train one catalog example and report its progress as events (see `run` for the protocol)."""

from __future__ import annotations

from training_sandbox.inside import job_settings

job_settings.use_torch_backend()

import dataclasses  # noqa: E402
import math  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable, Mapping  # noqa: E402
from typing import Any, SupportsFloat  # noqa: E402

import keras  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402

from training_sandbox.inside import catalog, datasets, models, summary  # noqa: E402

__all__ = ["Emit", "error_kind", "describe_device", "run"]

Emit = Callable[[dict[str, Any]], None]

# Evaluation results do not depend on the batch size, only its speed does.
_MIN_EVAL_BATCH = 256


def error_kind(error: BaseException) -> str:
    """The ``kind`` of an error event: ``invalid_params``, ``dataset_missing`` or ``error``."""
    if isinstance(error, catalog.InvalidParams | catalog.UnknownExample):
        return "invalid_params"
    if isinstance(error, datasets.DatasetMissing):
        return "dataset_missing"
    return "error"


def describe_device() -> str:
    """Where Keras' torch backend computes: ``cuda:0 (<name>)`` when a GPU is visible, else cpu."""
    if torch.cuda.is_available():
        return f"cuda:0 ({torch.cuda.get_device_name(0)})"
    return "cpu"


def run(example_name: str, params: Mapping[str, object], emit: Emit) -> dict[str, Any]:
    """Validate, load the data, build, train and test one example, reporting through `emit`.

    Events, in order: ``started``, ``summary``, one ``epoch`` per epoch as soon as it ends, then
    ``result`` (which is also returned). On failure an ``error`` event (kind from `error_kind`)
    is emitted and the exception raised again.
    """
    try:
        return _run(example_name, params, emit)
    except Exception as error:
        emit({"event": "error", "kind": error_kind(error), "message": str(error)})
        raise


def _run(example_name: str, raw_params: Mapping[str, object], emit: Emit) -> dict[str, Any]:
    started = time.perf_counter()
    example = catalog.get(example_name)
    params = example.validate(raw_params)
    dataset = datasets.load(example.dataset_for(params))
    keras.utils.set_random_seed(int(params["seed"]))

    (x_train, y_train), (x_test, y_test) = dataset.train, dataset.test
    limit = int(params["train_limit"])
    if limit:
        x_train, y_train = x_train[:limit], y_train[:limit]
    emit(
        {
            "event": "started",
            "example": example.name,
            "params": params,
            "device": describe_device(),
            "dataset": {
                "name": dataset.name,
                "source": dataset.source,
                "train": len(x_train),
                "test": len(x_test),
            },
        }
    )

    model = models.build_model(example.name, params)
    rows = summary.layer_rows(model)
    emit(
        {
            "event": "summary",
            "layers": rows,
            "total_params": model.count_params(),
            "text": summary.render_table(rows),
        }
    )

    batch_size = int(params["batch_size"])
    eval_batch = max(batch_size, _MIN_EVAL_BATCH)
    test = (x_test, _one_hot(y_test))
    split = float(params["validation_split"])
    validation: dict[str, Any] = (
        {"validation_split": split} if split > 0 else {"validation_data": test}
    )
    epochs = int(params["epochs"])
    history = model.fit(
        x_train,
        _one_hot(y_train),
        batch_size=batch_size,
        epochs=epochs,
        validation_batch_size=eval_batch,
        callbacks=[_EpochReporter(emit, epochs)],
        verbose=0,
        **validation,
    )
    if split > 0:
        test_loss, test_accuracy = model.evaluate(*test, batch_size=eval_batch, verbose=0)
    else:  # the last epoch's validation was this very evaluation, on the test set
        test_loss, test_accuracy = (
            history.history["val_loss"][-1],
            history.history["val_accuracy"][-1],
        )
    result = {
        "event": "result",
        "metrics": {"test_loss": _number(test_loss), "test_accuracy": _number(test_accuracy)},
        "seconds": round(time.perf_counter() - started, 3),
        "original": dataclasses.asdict(example.original),
    }
    emit(result)
    return result


def _one_hot(labels: np.ndarray) -> np.ndarray:
    return keras.utils.to_categorical(labels, models.NUM_CLASSES)


def _number(value: SupportsFloat) -> float | None:
    """A plain float for JSON; None for NaN and infinities (a diverged run)."""
    number = float(value)
    return number if math.isfinite(number) else None


_EPOCH_METRICS = ("loss", "accuracy", "val_loss", "val_accuracy")


class _EpochReporter(keras.callbacks.Callback):
    """Emits an ``epoch`` event as soon as each epoch (and its validation) ends."""

    def __init__(self, emit: Emit, epochs: int) -> None:
        super().__init__()
        self._emit = emit
        self._epochs = epochs
        self._began = 0.0

    def on_epoch_begin(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        self._began = time.perf_counter()

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        logs = logs or {}
        self._emit(
            {
                "event": "epoch",
                "epoch": epoch + 1,
                "epochs": self._epochs,
                "seconds": round(time.perf_counter() - self._began, 3),
                "metrics": {name: _number(logs[name]) for name in _EPOCH_METRICS if name in logs},
            }
        )
