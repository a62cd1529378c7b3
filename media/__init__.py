"""The routines shipped with the kiosk: each a folder with a manifest, a video and captions."""
