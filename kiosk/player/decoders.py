"""Which decoder turns the routine's packets into pictures: the Pi's H.264 block when it is
there, libav's software decoder otherwise.

A Raspberry Pi 4 exposes its H.264 decoder through the kernel's V4L2 memory-to-memory
interface as /dev/video10, and libav drives it as `h264_v4l2m2m`: the picture then costs the
CPU almost nothing. A Pi 5 has no H.264 block, a Pi 3 or Zero 2 W may lack the device under a
64-bit kernel, and a PC has neither; all of them decode in software, as does a Pi whose
hardware decoder will not open.
"""

from __future__ import annotations

import logging
from pathlib import Path

import av

logger = logging.getLogger(__name__)

# The Pi 4's decoder device, and libav's hardware decoder for each codec it takes.
V4L2_DECODER_DEVICE = Path("/dev/video10")
HARDWARE_DECODERS = {"h264": "h264_v4l2m2m"}

# Below this many bits a second the decoder keeps up easily on one thread; frame threads
# then cost more in hand-overs than they save (measured: 1 ms a frame on the demo routine).
CHEAP_STREAM_BPS = 1_000_000


def choose_video_decoder(codec: str, device: Path | None = V4L2_DECODER_DEVICE) -> str:
    """The decoder's name for a stream in `codec`: the hardware one when `device` exists and
    libav has that decoder, else the software decoder (named like the codec)."""
    hardware = HARDWARE_DECODERS.get(codec)
    if hardware is None or device is None or not device.exists():
        return codec
    return hardware if hardware in av.codecs_available else codec


def decode_threads(stream: av.VideoStream) -> str:
    """FFmpeg's frame and slice threads for real work (720p at ordinary bit rates on a
    Pi), none for cheap streams such as drawn demo videos."""
    bit_rate = stream.bit_rate or stream.codec_context.bit_rate or 0
    cheap = 0 < bit_rate < CHEAP_STREAM_BPS and stream.width * stream.height <= 1280 * 720
    return "NONE" if cheap else "AUTO"


def open_video_decoder(
    stream: av.VideoStream, device: Path | None = V4L2_DECODER_DEVICE
) -> av.CodecContext:
    """A decoder for `stream`'s packets, opened: the hardware one if chosen and it opens,
    else the stream's own software decoder with the threads `decode_threads` picks."""
    software = stream.codec_context
    name = choose_video_decoder(software.name, device)
    if name != software.name:
        try:
            hardware = av.CodecContext.create(name, "r")
            hardware.extradata = software.extradata
            hardware.open()
            logger.info("decoding the picture with %s (%s)", name, device)
            return hardware
        except (av.FFmpegError, OSError, ValueError) as err:
            logger.warning("%s would not open (%s); decoding in software", name, err)
    software.thread_type = decode_threads(stream)
    return software
