"""The options every command shares mean the same before or after the command."""

from __future__ import annotations

import argparse
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


def test_every_command_module_is_registered():
    assert {leaf[0] for leaf in LEAVES} == {m.__name__.rsplit(".", 1)[1] for m in COMMANDS}
    assert len(LEAVES) >= 12


@pytest.mark.parametrize("leaf", LEAVES, ids=" ".join)
def test_shared_options_before_between_or_after_the_command(leaf):
    rest = POSITIONALS.get(leaf, [])
    spellings = [[*SHARED, *leaf, *rest], [*leaf, *rest, *SHARED]]
    if len(leaf) > 1:
        spellings.append([leaf[0], *SHARED, *leaf[1:], *rest])
    for argv in spellings:
        args = build_parser().parse_args(argv)
        assert (args.data_dir, args.config, args.verbose) == ("D", Path("c.toml"), True), argv


@pytest.mark.parametrize("leaf", LEAVES, ids=" ".join)
def test_without_the_shared_options_the_defaults_hold(leaf):
    args = build_parser().parse_args([*leaf, *POSITIONALS.get(leaf, [])])
    assert (args.data_dir, args.config, args.verbose) == (None, None, False)
    assert callable(args.handler)
