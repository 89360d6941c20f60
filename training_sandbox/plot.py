"""A job's training curves as a PNG: loss and accuracy per epoch, training and validation."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from matplotlib.figure import Figure  # the object API: no pyplot state, safe in threads

PANELS = (("loss", "loss"), ("accuracy", "accuracy"))


def training_curves(title: str, epochs: Sequence[dict[str, Any]]) -> bytes:
    """`epochs` are the job's epoch events, in order; with none yet, the axes say so."""
    figure = Figure(figsize=(9, 3.6), dpi=100, layout="constrained")
    figure.suptitle(title)
    numbers = [event["epoch"] for event in epochs]
    for index, (metric, label) in enumerate(PANELS, 1):
        axes = figure.add_subplot(1, len(PANELS), index)
        for key, name in ((metric, "training"), (f"val_{metric}", "validation")):
            points = [
                (n, e["metrics"][key])
                for n, e in zip(numbers, epochs, strict=True)
                if e.get("metrics", {}).get(key) is not None
            ]
            if points:
                xs, ys = zip(*points, strict=True)
                axes.plot(xs, ys, marker="o", label=name)
        axes.set_xlabel("epoch")
        axes.set_ylabel(label)
        if axes.lines:
            axes.legend()
            axes.xaxis.get_major_locator().set_params(integer=True)
        else:
            axes.text(0.5, 0.5, "no epoch has ended yet", ha="center", transform=axes.transAxes)
    buffer = io.BytesIO()
    try:
        figure.savefig(buffer, format="png")  # Figure without pyplot renders with the Agg backend
    except (ValueError, OverflowError):  # figures no axis can hold: say so rather than fail
        return training_curves(f"{title}: its figures cannot be drawn", [])
    return buffer.getvalue()
