"""The safety loop: reach rule, monitor thread, trace replay. Imports no pygame and no screens."""
