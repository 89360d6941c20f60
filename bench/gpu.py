"""Wall time for `mnist_cnn` to reach 99% test accuracy, and its per-epoch speed-up over the
2-core CPU machine.

    python bench/gpu.py [--datasets DIR] [--max-epochs 12] [--cpu-epoch-seconds S]
    python bench/gpu.py --measure-cpu

`mnist_cnn` with the original's hyperparameters (Adadelta, learning rate 1.0, batch 128) trains
with `training.run` in this process for `--max-epochs` epochs, validating on the test set after
each, as the original did; each epoch's seconds and test accuracy are printed as it ends. The time
to 99% counts from the call (data loading, model building and the first epoch's warm-up
included) to the end of the first epoch at or above 0.99.

The speed-up is S / the median epoch here, where S is `--cpu-epoch-seconds`, else the figure in
bench/results/cpu_epoch.json, which `--measure-cpu` writes by training one epoch on the CPU
machine. MNIST is read from `--datasets DIR`, else KB_DATASETS_DIR, else ../shared/datasets
beside the repository (files `mnist/*-ubyte.gz`, see training_sandbox/datasets.py). Needs only the
repository, `pip install -e .` and a CUDA build of torch.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
# The shared datasets beside the checkout, unless the environment names others.
os.environ.setdefault("KB_DATASETS_DIR", str(ROOT.parent / "shared" / "datasets"))

from kb import settings as kb_settings  # noqa: E402
from training_sandbox.inside.datasets import DatasetMissing  # noqa: E402

EXAMPLE = "mnist_cnn"
TARGET_ACCURACY = 0.99
CPU_RESULT = ROOT / "bench" / "results" / "cpu_epoch.json"


def train(epochs: int) -> tuple[list[float], float | None]:
    """Each epoch's seconds, and the seconds from the start until the test accuracy first
    reached the target (None if it did not)."""
    from training_sandbox.inside import training  # imports Keras and torch: seconds

    epoch_seconds: list[float] = []
    reached: list[float] = []
    start = time.perf_counter()

    def on_event(event: dict[str, Any]) -> None:
        if event["event"] != "epoch":
            return
        accuracy = event["metrics"]["val_accuracy"]  # the test set: validation_split is 0
        epoch_seconds.append(event["seconds"])
        if accuracy is not None and accuracy >= TARGET_ACCURACY and not reached:
            reached.append(time.perf_counter() - start)
        print(
            f"epoch {event['epoch']}/{epochs}: {event['seconds']:.2f} s, "
            f"test accuracy {accuracy:.4f}",
            flush=True,
        )

    training.run(EXAMPLE, {"epochs": epochs}, on_event)
    return epoch_seconds, reached[0] if reached else None


def device() -> str:
    from training_sandbox.inside import training

    return training.describe_device()


def measure_cpu() -> None:
    seconds, _ = train(epochs=1)
    figures = {"epoch_seconds": seconds[0], "device": device(), "cpus": os.cpu_count()}
    CPU_RESULT.parent.mkdir(parents=True, exist_ok=True)
    CPU_RESULT.write_text(json.dumps(figures, indent=2) + "\n")
    print(
        f"device {figures['device']}, {figures['cpus']} CPUs: one {EXAMPLE} epoch "
        f"{seconds[0]:.2f} s, written to {CPU_RESULT.relative_to(ROOT)}"
    )


def cpu_epoch_seconds(given: float | None) -> float | None:
    if given is not None or not CPU_RESULT.is_file():
        return given
    return float(json.loads(CPU_RESULT.read_text())["epoch_seconds"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", type=Path, help="folder holding mnist/ (KB_DATASETS_DIR)")
    parser.add_argument("--max-epochs", type=int, default=12)
    parser.add_argument("--cpu-epoch-seconds", type=float, metavar="S")
    parser.add_argument("--measure-cpu", action="store_true", help=f"write {CPU_RESULT.name}")
    args = parser.parse_args()
    # The loaders read KB_DATASETS_DIR alone; the sandbox's default folder stands in for it.
    datasets = args.datasets or kb_settings.read().sandbox.datasets_dir
    os.environ["KB_DATASETS_DIR"] = str(datasets)
    try:
        if args.measure_cpu:
            measure_cpu()
            return
        seconds, to_target = train(args.max_epochs)
    except DatasetMissing as error:
        raise SystemExit(str(error)) from None
    median = statistics.median(seconds)
    print(f"device {device()}, {os.cpu_count()} CPUs; median epoch {median:.2f} s")
    reached = f"{to_target:.1f} s" if to_target is not None else "not reached"
    print(f"time to {TARGET_ACCURACY:.0%} test accuracy: {reached}")
    cpu = cpu_epoch_seconds(args.cpu_epoch_seconds)
    if cpu is None:
        print(f"speed-up: unknown (no --cpu-epoch-seconds, no {CPU_RESULT})")
    else:
        print(f"speed-up per epoch over the CPU machine ({cpu:.2f} s): {cpu / median:.1f}x")


if __name__ == "__main__":
    main()
