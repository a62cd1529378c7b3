"""What the generator writes and where: frame rate, sizes, encoder settings and file names."""

from __future__ import annotations

from pathlib import Path

FPS = 30
SAMPLE_RATE = 48_000
FULL_SIZE = (1280, 720)
QUICK_SIZE = (320, 180)
KEYFRAME_INTERVAL_S = 2
AUDIO_BIT_RATE = 48_000
# Flat drawings with sharp text: most of the bits go into the keyframes (one every 2 s so
# that seeking is quick), so those are not given a better quality than the other frames.
X264_FULL = {"crf": "30", "preset": "medium", "tune": "animation", "x264-params": "ipratio=1.0"}
X264_QUICK = {"crf": "30", "preset": "veryfast", "tune": "animation"}

REPO_ROOT = Path(__file__).resolve().parents[2]
ROUTINE_DIR = REPO_ROOT / "media" / "routines" / "beginner"
MANIFEST_NAME = "routine.toml"
VIDEO_NAME = "beginner.mp4"
CAPTIONS_NAME = "beginner.en.vtt"
