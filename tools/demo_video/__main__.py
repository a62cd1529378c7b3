"""The command line: ``python -m tools.demo_video [--quick] [--out DIR] [--speech|--no-speech]``.

Without options it rewrites the committed routine in media/routines/beginner (about two
minutes on two cores); narration uses espeak-ng when it is installed.
"""

from __future__ import annotations

import argparse
import tempfile
from collections.abc import Sequence
from pathlib import Path

from tools.demo_video.build import Result, generate
from tools.demo_video.output import ROUTINE_DIR


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m tools.demo_video",
        description="Generate the beginner routine's video, captions and manifest.",
    )
    parser.add_argument(
        "--out",
        type=Path,
        metavar="DIR",
        help=f"output folder (default: {ROUTINE_DIR}; with --quick, a new temporary folder)",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="a short low-resolution version of the same script, for tests",
    )
    speech = parser.add_mutually_exclusive_group()
    speech.add_argument(
        "--speech",
        dest="speech",
        action="store_true",
        default=None,
        help="require espeak-ng narration (default: use it when installed)",
    )
    speech.add_argument(
        "--no-speech",
        dest="speech",
        action="store_false",
        help="cue tones only, even when espeak-ng is installed",
    )
    return parser


def print_result(result: Result) -> None:
    size_mb = result.video.stat().st_size / 1e6
    print(f"wrote {result.video} ({size_mb:.1f} MB, {result.duration_s:.1f} s)")
    print(f"wrote {result.captions}")
    print(f"wrote {result.manifest}")
    print("narration: " + ("espeak-ng" if result.narrated else "none (cue tones only)"))
    for start, title in result.chapters:
        print(f"  {start:7.2f} s  {title}")
    print(f"took {result.seconds_taken:.0f} s")


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.out is not None:
        out_dir = args.out
    elif args.quick:
        out_dir = Path(tempfile.mkdtemp(prefix="demo-routine-"))
    else:
        out_dir = ROUTINE_DIR
    print_result(generate(out_dir, quick=args.quick, use_speech=args.speech, verbose=True))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
