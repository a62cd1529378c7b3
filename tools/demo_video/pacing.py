"""The pace of the routine, in seconds: pauses around sentences and the rhythm of a step.

The timeline, the figure's steps and the on-screen count all read these, so the count is said
and shown at the moment the drawn foot lands.
"""

LEAD_S = 0.5  # silence before the first sentence of a scene
CHAPTER_LEAD_S = 1.1  # longer at a chapter start, after the chime
GAP_S = 0.6  # between sentences
TAIL_S = 0.8  # after the last sentence of a scene
STEP_PERIOD_S = 2.5  # one slow step
LANDING_PHASE = 0.7  # the point of a step at which the foot lands (and the count is said)
