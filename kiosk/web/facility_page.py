"""The Facility page: every kiosk on the broker, online or not, and what each is doing now.

It reads only what the FacilityWatch heard (kept in memory, no log read), so it answers at once
even when the broker is away; then it says so, with what was last heard.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from kiosk.web.guard import Visit, page
from kiosk.web.templating import render

ZONE_WORDS = {
    "within_reach": "walking, within reach",
    "out_of_reach": "OUT OF REACH, the alarm is sounding",
    "sensor_fault": "SENSOR NOT WORKING, its alarm is sounding",
    "idle": "nobody walking (the alarm is off)",
}


@page
async def facility(request: Request, visit: Visit) -> Response:
    watch = visit.dashboard.facility
    context = {
        "visit": visit,
        "title": "Facility",
        "watch": watch,
        "problem": visit.dashboard.facility_problem,
        "kiosks": watch.kiosks() if watch is not None else [],
        "zone_words": ZONE_WORDS,
        "now": visit.dashboard.clock(),
    }
    return render(request, "facility.html", context)
