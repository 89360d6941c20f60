"""What the sandbox tells a job through its environment, read here and nowhere else inside it.

The host sets these from its own settings (`kb.settings`, in `training_sandbox.job_run`):
``KB_DATASETS_DIR`` and ``KERAS_HOME`` name the job's view of the shared folders, and
``KB_ALLOW_DOWNLOADS=1`` lets the download step fetch a missing dataset.
"""

from __future__ import annotations

import os
from pathlib import Path


def use_torch_backend() -> None:
    """Keras reads its backend once, as it loads: say it before."""
    os.environ.setdefault("KERAS_BACKEND", "torch")


def datasets_dir() -> Path | None:
    """The local datasets folder, if the job is given one."""
    configured = os.environ.get("KB_DATASETS_DIR")
    return Path(configured).expanduser() if configured else None


def keras_home() -> Path:
    """Keras' own folder: ``$KERAS_HOME``, else ``~/.keras``."""
    home = os.environ.get("KERAS_HOME")
    return (Path(home) if home else Path.home() / ".keras").expanduser()


def downloads_allowed() -> bool:
    return os.environ.get("KB_ALLOW_DOWNLOADS") == "1"
