"""The routine player: video and sound through PyAV and pygame, clocks, captions, the manifest."""
