"""A data-flow summary of a Sequential model, like the guide's keras-sequential-ascii printout.

One row per layer (the input first): its name, its kind, the shape of the data it outputs, its
weights and their share of all weights. keras-sequential-ascii read ``layer.input_shape``, gone in
Keras 3; this reads ``layer.output.shape`` and ``layer.count_params()``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, TypedDict

if TYPE_CHECKING:
    import keras

__all__ = ["LayerRow", "layer_rows", "render_table"]


class LayerRow(TypedDict):
    name: str
    kind: str
    output_shape: list[int | None]
    params: int
    percent: float


def layer_rows(model: keras.Sequential) -> list[LayerRow]:
    """The model's data flow, input first; the model must be built (it has an Input)."""
    total = model.count_params()
    rows = [_row("input", "Input", model.inputs[0].shape, 0, total)]
    for layer in model.layers:
        rows.append(
            _row(layer.name, type(layer).__name__, layer.output.shape, layer.count_params(), total)
        )
    return rows


def _row(name: str, kind: str, shape: tuple, params: int, total: int) -> LayerRow:
    return {
        "name": name,
        "kind": kind,
        "output_shape": [None if size is None else int(size) for size in shape],
        "params": params,
        "percent": round(100.0 * params / total, 2) if total else 0.0,
    }


_HEADER = ("layer", "kind", "output shape", "weights", "% weights")


def render_table(rows: list[LayerRow]) -> str:
    """The rows as a plain-text table, batch axis left out of the shapes, a total at the end."""
    total = sum(row["params"] for row in rows)
    lines = [
        (
            row["name"],
            row["kind"],
            " x ".join(str(size) for size in row["output_shape"][1:]),
            f"{row['params']:,}",
            f"{row['percent']:.1f}%",
        )
        for row in rows
    ]
    lines.append(("total", "", "", f"{total:,}", "100.0%" if total else "0.0%"))
    widths = [max(len(line[i]) for line in [_HEADER, *lines]) for i in range(len(_HEADER))]

    def format_line(cells: tuple[str, ...]) -> str:
        left = [cell.ljust(width) for cell, width in zip(cells[:3], widths[:3], strict=True)]
        right = [cell.rjust(width) for cell, width in zip(cells[3:], widths[3:], strict=True)]
        return "  ".join(left + right).rstrip()

    rule = "-" * (sum(widths) + 2 * (len(widths) - 1))
    return "\n".join(
        [format_line(_HEADER), rule, *map(format_line, lines[:-1]), rule, format_line(lines[-1])]
    )
