"""The demo-video generator: builds the beginner routine shipped in media/routines/beginner.

One script (`script.SCRIPT`, a list of scenes) becomes one timeline (`timeline`), and the
video, the sound, the captions and the manifest are all read from that timeline, so they
cannot disagree. Run it with ``python -m tools.demo_video``; ``--help`` lists the options.

    script.py          what the routine says and shows: scenes, title, safety points
    pacing.py          the seconds between sentences and the rhythm of a step
    output.py          frame rate, sizes, encoder settings, file names, the default folder
    voice.py           espeak-ng narration, or a silent voice that only times sentences
    timeline.py        places every scene, sentence, counted step and cue tone in time
    sound.py           the cue tones, and the mix of voice and tones into one track
    poses.py           the stick figure in world units: standing, stepping, its skeleton
    canvas.py          scaled drawing: colours, fonts, wrapped text, anti-aliased shapes
    panels.py          the header and the text column beside the figure
    figure_drawing.py  the counter, the floor and the figure with its highlights
    renderer.py        one frame for a time on the timeline
    encoder.py         H.264 + AAC into an MP4 with PyAV
    captions.py        the WebVTT captions
    manifest.py        the routine's TOML manifest
    build.py           all of the above into a folder
    __main__.py        the command line
"""

import os

# pygame prints a banner on import unless this is set first; several modules import pygame.
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
