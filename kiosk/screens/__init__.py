"""The screens: the loop that draws and reads touches, the walker screens, the caregiver pages."""
