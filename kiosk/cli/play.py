"""``balance-kiosk play``: play a routine or any video file, in a window or headless.

Keys in the window: space pauses and resumes, left/right jump between chapters (or 10 s),
Esc or q quits. ``--json`` prints the playback figures as one JSON object at the end.
A file that cannot be played exits with status 2 and one line on stderr.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from kiosk.cli.options import add_command
from kiosk.service.process_stats import peak_rss_mb

# pygame prints a banner on import; keep stdout clean for --json.
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")

logger = logging.getLogger(__name__)

EXIT_CANNOT_PLAY = 2
DESCRIPTION = (
    "Play a routine (by name, folder or routine.toml) or any video file. In the window, "
    "space pauses and resumes, left and right jump between chapters, Esc or q quits."
)
MAX_WINDOW = (1280, 720)
STALL_S = 10.0  # no progress for this long while playing counts as a failure


def register(commands: argparse._SubParsersAction) -> None:
    parser = add_command(
        commands, "play", help="play a routine or a video file", description=DESCRIPTION
    )
    add_arguments(parser)
    parser.set_defaults(handler=run_play)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "target",
        metavar="FILE_OR_ROUTINE",
        help="a video file, a routine folder or its routine.toml, or a routine name like beginner",
    )
    parser.add_argument(
        "--headless",
        action="store_true",
        help="no window and no sound card (SDL's dummy video and audio drivers)",
    )
    parser.add_argument(
        "--seconds", type=_positive_seconds, metavar="N", help="stop after N seconds of playback"
    )
    parser.add_argument(
        "--json", action="store_true", help="print the playback figures as one JSON object"
    )


def _positive_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be more than 0 seconds: {text!r}")
    return value


@dataclass
class _Media:
    video: Path
    title: str
    captions: Path | None = None
    chapters: tuple = field(default_factory=tuple)


def _resolve(target: str) -> _Media:
    """A video file as given, or the video of a routine named by folder, manifest or name."""
    from kiosk.player.routine import find_routine, load_routine

    path = Path(target).expanduser()
    if path.is_file() and path.suffix.lower() != ".toml":
        return _Media(video=path, title=path.name)
    routine = load_routine(path if path.exists() else find_routine(target))
    return _Media(routine.video_path, routine.title, routine.captions_path, routine.chapters)


class _OnlyOnce(logging.Filter):
    """Drops the player's error records: the command reports those itself, on one line."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno < logging.ERROR


def run_play(args: argparse.Namespace) -> int:
    """Play `args.target`; 0 when it played, 2 when it cannot be played."""
    if args.headless:
        # Must be set before SDL starts. The dummy audio driver paces itself by sleeping one
        # buffer's length per buffer, so the mixer clock still advances in real time.
        os.environ["SDL_VIDEODRIVER"] = "dummy"
        os.environ["SDL_AUDIODRIVER"] = "dummy"
    import pygame

    from kiosk.player.player import PlayerError
    from kiosk.player.routine import RoutineError

    quiet = _OnlyOnce()
    player_log = logging.getLogger("kiosk.player.player")
    player_log.addFilter(quiet)
    try:
        return _play(args)
    except (PlayerError, RoutineError) as err:
        return _cannot_play(str(err))
    except pygame.error as err:
        hint = "" if args.headless else "; use --headless where there is no screen"
        return _cannot_play(f"cannot open the display or the sound ({err}){hint}")
    except KeyboardInterrupt:
        return 130
    except Exception as err:  # a user-facing command: one line, the details in the debug log
        logger.debug("play failed", exc_info=True)
        return _cannot_play(f"{args.target}: playback failed ({type(err).__name__}: {err})")
    finally:
        player_log.removeFilter(quiet)


def _cannot_play(reason: str) -> int:
    print(f"play: {reason}", file=sys.stderr)
    return EXIT_CANNOT_PLAY


def _window_size(size: tuple[int, int], headless: bool) -> tuple[int, int]:
    if headless:
        return size
    scale = min(1.0, MAX_WINDOW[0] / size[0], MAX_WINDOW[1] / size[1])
    return max(1, round(size[0] * scale)), max(1, round(size[1] * scale))


def _play(args: argparse.Namespace) -> int:
    import pygame

    from kiosk.player.player import RoutinePlayer
    from kiosk.screens.display import prefer_plain_window_pixels

    media = _resolve(args.target)
    pygame.display.init()
    pygame.font.init()
    prefer_plain_window_pixels()
    try:
        player = RoutinePlayer(media.video, captions=media.captions, chapters=media.chapters)
        try:
            flags = 0 if args.headless else pygame.RESIZABLE
            screen = pygame.display.set_mode(_window_size(player.size, args.headless), flags)
            pygame.display.set_caption(media.title)
            figures = _loop(player, screen, args.seconds)
        finally:
            player.close()
    finally:
        pygame.quit()
    if player.error is not None:
        return _cannot_play(str(player.error))
    if args.json:
        print(json.dumps(figures))
    else:
        print(
            f"played {figures['played_s']:.1f} s of {media.video.name}: "
            f"{figures['frames_shown']} frames shown, {figures['frames_dropped']} dropped, "
            f"A/V offset p95 {figures['av_offset_ms_p95']:.0f} ms"
        )
    return 0


def _loop(player, screen, seconds: float | None) -> dict:
    import pygame

    player.start()
    cpu_start, wall_start = time.process_time(), time.monotonic()
    watch = _StallWatch(wall_start)
    redraw = True
    running = True
    while running:
        for event in pygame.event.get():
            if event.type == pygame.QUIT:
                running = False
            elif event.type == pygame.KEYDOWN:
                running = _on_key(player, event.key)
            elif event.type in (pygame.VIDEORESIZE, pygame.WINDOWEXPOSED):
                redraw = True
        if player.update() or redraw:
            player.draw(screen)  # paints the bars too
            pygame.display.flip()
            redraw = False
        if player.error is not None or player.ended:
            break
        if seconds is not None and player.position_s >= seconds:
            break
        if watch.stalled(player):
            break
        # Wake when the next picture is due (keys are still read 30 times a second).
        time.sleep(player.next_frame_in_s(longest=1 / 30))
    cpu_s, wall_s = time.process_time() - cpu_start, time.monotonic() - wall_start
    return _figures(player, cpu_s, wall_s)


class _StallWatch:
    """Playback that makes no progress for STALL_S while not paused is a failure."""

    def __init__(self, now: float) -> None:
        self.progress_at, self.progress_pos = now, -1.0

    def stalled(self, player) -> bool:
        position, now = player.position_s, time.monotonic()
        if position > self.progress_pos or player.is_paused:
            self.progress_at, self.progress_pos = now, position
            return False
        if now - self.progress_at <= STALL_S:
            return False
        from kiosk.player.player import PlayerError

        player.error = PlayerError(
            f"{player.path.name}: playback stalled at {position:.1f} s for {STALL_S:.0f} s; "
            "the file or the sound device is not responding"
        )
        return True


def _figures(player, cpu_s: float, wall_s: float) -> dict:
    return {
        "file": str(player.path),
        **player.stats.summary(),
        # JSON has no NaN: a length the file does not give is null.
        "duration_s": round(player.duration_s, 3) if math.isfinite(player.duration_s) else None,
        "played_s": round(player.position_s, 3),
        "width": player.size[0],
        "height": player.size[1],
        "has_audio": player.has_audio,
        "decoder": player.decoder_name,
        "cpu_s": round(cpu_s, 3),
        "wall_s": round(wall_s, 3),
        "max_rss_mb": round(peak_rss_mb(), 1),
    }


def _on_key(player, key: int) -> bool:
    """Handle a key press; False means quit."""
    import pygame

    if key in (pygame.K_ESCAPE, pygame.K_q):
        return False
    if key == pygame.K_SPACE:
        if player.is_paused:
            player.resume()
        else:
            player.pause()
    elif key in (pygame.K_RIGHT, pygame.K_LEFT):
        forward = key == pygame.K_RIGHT
        index = player.current_chapter_index
        if player.chapters and index is not None:
            target = index + 1 if forward else index - 1
            if 0 <= target < len(player.chapters):
                player.seek_chapter(target)
        else:
            player.seek(player.position_s + (10 if forward else -10))
    return True
