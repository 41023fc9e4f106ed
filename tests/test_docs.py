"""Docs stay true: every setting and every CLI command is documented."""

from __future__ import annotations

from pathlib import Path

import click

from kikz.cli import main
from kikz.settings import Settings

ROOT = Path(__file__).resolve().parents[1]


def test_every_setting_is_documented() -> None:
    text = (ROOT / "docs" / "settings.md").read_text(encoding="utf-8")
    missing = [name for name in Settings.model_fields if f"KIKZ_{name.upper()}" not in text]
    assert missing == []


def _commands(group: click.Group, prefix: str = "") -> list[str]:
    out = []
    for name, cmd in group.commands.items():
        out.append(f"{prefix}{name}")
        if isinstance(cmd, click.Group):
            out.extend(_commands(cmd, f"{prefix}{name} "))
    return out


def test_every_cli_command_is_documented() -> None:
    text = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    missing = [c for c in _commands(main) if f"kikz {c}" not in text]
    assert missing == []


def test_demo_accounts_in_docs_match_the_code() -> None:
    from kikz.demo import accounts_markdown

    assert accounts_markdown().strip() in (ROOT / "docs" / "demo.md").read_text(encoding="utf-8")
