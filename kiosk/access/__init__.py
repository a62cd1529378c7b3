"""Caregiver access: the PIN that guards the caregiver area."""
