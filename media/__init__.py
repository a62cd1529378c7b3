"""Routines (manifest, video, captions) and the generator of the demo video."""
