"""The touchscreen: theme, layout, widgets, screens and input."""
