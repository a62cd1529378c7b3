"""The caregiver pages, one module each; register a new one in ../area.py."""
