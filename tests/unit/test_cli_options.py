"""The options every command shares mean the same before or after the command."""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk.cli.main import COMMANDS, build_parser

# What each command needs besides the shared options to parse.
POSITIONALS = {
    ("play",): ["beginner"],
    ("logs", "show"): ["1"],
    ("logs", "report"): [
        "--walker",
        "Ann",
        "--from",
        "2026-01-01",
        "--to",
        "2026-01-31",
        "--out",
        "r.pdf",
    ],
    ("profiles", "add"): ["Ann"],
    ("profiles", "rename"): ["Ann", "Annie"],
    ("profiles", "goal"): ["Ann"],
    ("replay",): ["trace.csv"],
}


def leaf_commands(parser: argparse.ArgumentParser, path=()) -> list[tuple[str, ...]]:
    """Every command and subcommand the parser knows, found in the parser itself."""
    actions = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    if not actions:
        return [path]
    found = []
    for name, sub in actions[0].choices.items():
        found += leaf_commands(sub, (*path, name))
    return found


LEAVES = leaf_commands(build_parser())
SHARED = ["--data-dir", "D", "--config", "c.toml", "-v"]


CLI = Path(__file__).resolve().parents[2] / "kiosk" / "cli"


def test_every_command_module_is_registered():
    with_register = {
        path.stem for path in CLI.glob("*.py") if "\ndef register(" in path.read_text("utf-8")
    }
    subcommands = {"logs_report"}  # registers `logs report`, under the logs command
    assert {leaf[0] for leaf in LEAVES} == set(COMMANDS) == with_register - subcommands
    assert len(LEAVES) >= 12


def test_a_command_named_on_the_line_loads_only_its_own_module():
    probe = (
        "import sys; from kiosk.cli.main import build_parser; "
        "args = build_parser(sys.argv[1:]).parse_args(sys.argv[1:]); "
        "print(args.command, sorted(m for m in sys.modules if m.startswith('kiosk.cli.')))"
    )
    ran = subprocess.run(
        [sys.executable, "-c", probe, "play", "beginner", "--headless"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert ran.stdout.split(" ", 1) == [
        "play",
        "['kiosk.cli.main', 'kiosk.cli.options', 'kiosk.cli.play']\n",
    ]


@pytest.mark.parametrize("leaf", LEAVES, ids=" ".join)
def test_shared_options_before_between_or_after_the_command(leaf):
    rest = POSITIONALS.get(leaf, [])
    spellings = [[*SHARED, *leaf, *rest], [*leaf, *rest, *SHARED]]
    if len(leaf) > 1:
        spellings.append([leaf[0], *SHARED, *leaf[1:], *rest])
    for argv in spellings:
        for parser in (build_parser(), build_parser(argv)):  # all commands, the one named
            args = parser.parse_args(argv)
            assert (args.data_dir, args.config, args.verbose) == ("D", Path("c.toml"), True)
            assert args.command == leaf[0], argv


@pytest.mark.parametrize("leaf", LEAVES, ids=" ".join)
def test_without_the_shared_options_the_defaults_hold(leaf):
    args = build_parser().parse_args([*leaf, *POSITIONALS.get(leaf, [])])
    assert (args.data_dir, args.config, args.verbose) == (None, None, False)
    assert callable(args.handler)


def test_version_prints_the_installed_version_and_exits_0() -> None:
    """--version is looked up only when asked for; it still prints the package's version."""
    from importlib.metadata import version

    result = subprocess.run(
        [sys.executable, "-m", "kiosk.cli", "--version"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0
    assert result.stdout.strip() == f"balance-kiosk {version('balance-kiosk')}"


def test_playing_does_not_read_the_package_metadata() -> None:
    """Only --version needs the installed package's metadata: reading it at every start
    cost ``play`` about 25 ms of CPU."""
    code = (
        "import sys; from kiosk.cli.main import build_parser; "
        "build_parser(['play', 'x.mp4']).parse_args(['play', 'x.mp4']); "
        "print('importlib.metadata' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.stdout.strip() == "False", result.stderr
