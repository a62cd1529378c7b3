"""The command line: one module per command; the options every command shares are in options.py."""
