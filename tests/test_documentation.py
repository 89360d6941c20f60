"""The README documents every setting and every command the project has."""

from __future__ import annotations

import re
from pathlib import Path

import click

from api.cli import main
from kb.settings import SETTINGS

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def _commands(group: click.Group, prefix: str = "kb") -> list[str]:
    found = []
    for name, command in sorted(group.commands.items()):
        path = f"{prefix} {name}"
        found.append(path)
        if isinstance(command, click.Group):
            found += _commands(command, path)
    return found


def test_every_setting_is_in_the_configuration_table_with_its_default():
    table = README[README.index("## Configuration") :]
    rows = {m.group(1): m.group(2) for m in re.finditer(r"^\| `(\w+)` \| ([^|]+) \|", table, re.M)}
    for setting in SETTINGS:
        assert setting.name in rows, f"{setting.name} is missing from README's Configuration"
        default = f"`{setting.default}`" if setting.default else "none"
        assert rows[setting.name].strip() == default, setting.name


def test_every_command_is_in_the_readme():
    commands = _commands(main)
    assert "kb sandbox run" in commands and "kb db upgrade" in commands  # the walk finds them
    missing = [path for path in commands if f"`{path}" not in README]
    assert missing == []
