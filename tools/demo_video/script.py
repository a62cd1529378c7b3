"""What the routine says and shows: its title, safety points and the script of scenes.

Each scene has a chapter, a layout, a heading, and the sentences (beats) spoken in it; a beat
can add a bullet on screen and highlight a part of the figure while it is said. The guided
scenes end with a number of counted steps.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Literal

from tools.demo_video.pacing import GAP_S

TITLE = "Walking backward: a first routine"
LEVEL = 1
SAFETY_POINTS = (
    "Check with your doctor or physiotherapist before you begin.",
    "Stand beside a sturdy support, like a kitchen counter, with one hand on it.",
    "Stay within reach of it the whole time, or have a helper with you.",
    "Start with a few minutes, and build up slowly over the weeks.",
    "Stop and rest if anything hurts or you feel dizzy.",
)
# The counts said on each step of a guided run.
NUMBER_WORDS = ("One", "Two", "Three", "Four", "Five", "Six", "Seven", "Eight")

Layout = Literal["figure", "text", "steps", "rest"]
FigureMode = Literal["stand", "walk", "steps"]
Mark = Literal["", "glutes", "quads", "calves", "core", "hand", "feet", "eyes"]


@dataclass(frozen=True)
class Beat:
    """One spoken sentence (or two short ones), optionally adding a line of text on screen."""

    say: str
    show: str = ""  # a bullet that appears when this is spoken and stays for the scene
    mark: Mark = ""  # the part of the figure highlighted while this is spoken
    pause_s: float = GAP_S  # silence after it


# The chapters the walker walks beside the support (the kiosk's alarm is armed then); in the
# others the video talks and shows, and the walker may sit.
WALKING_CHAPTERS = frozenset({"Technique", "Follow along"})


@dataclass(frozen=True)
class Scene:
    """One screen of the routine: its sentences, what is shown, and any counted steps."""

    chapter: str
    layout: Layout
    heading: str
    beats: tuple[Beat, ...] = ()
    lines: tuple[str, ...] = ()  # text shown for the whole scene, under the heading
    heading_px: int = 64
    figure: FigureMode = "stand"
    breathe: bool = False  # the standing figure breathes slowly
    start_mark: bool = False  # a "Start" mark on the floor under the figure
    steps: int = 0  # guided steps, after the beats
    direction: Literal["back", "forward"] = "back"
    set_label: str = ""  # "Set 1 of 3" above a guided run
    min_s: float = 0.0  # the scene lasts at least this long, spoken or not


SCRIPT: tuple[Scene, ...] = (
    Scene(
        chapter="Welcome",
        layout="figure",
        heading="Walking backward",
        heading_px=80,
        lines=("A first routine", "About 5 minutes"),
        beats=(
            Beat("Hello, and welcome."),
            Beat("Today you will learn to walk backward, slowly and safely."),
            Beat("The whole routine takes about five minutes."),
            Beat("First, we look at why it helps, and how to do it."),
            Beat("Then we practise together, and I will count the steps for you."),
            Beat("You can sit down while you watch the first part."),
        ),
    ),
    Scene(
        chapter="Why it helps",
        layout="figure",
        heading="Muscles it works",
        figure="walk",
        beats=(
            Beat("Walking backward is a gentle way to make your legs stronger."),
            Beat("It works your buttocks, the glutes.", show="Buttocks (glutes)", mark="glutes"),
            Beat(
                "It works the front of your thighs, the quadriceps.",
                show="Thighs (quadriceps)",
                mark="quads",
            ),
            Beat("They keep your knees steady.", mark="quads"),
            Beat(
                "Your calves and ankles keep each step steady.",
                show="Calves and ankles",
                mark="calves",
            ),
            Beat(
                "And your tummy and back muscles, your core, hold you upright.",
                show="Tummy and back (core)",
                mark="core",
            ),
        ),
    ),
    Scene(
        chapter="Why it helps",
        layout="text",
        heading="How it can help",
        beats=(
            Beat(
                "In studies, people with sore knees had less pain after a few weeks.",
                show="Less knee pain",
            ),
            Beat(
                "In one study, they practised for ten minutes, three days a week.",
            ),
            Beat("It trains your balance.", show="Better balance"),
            Beat(
                "It is also used to help people recover after a stroke.",
                show="Used after a stroke",
            ),
            Beat("And it may ease a stiff or sore lower back.", show="An easier lower back"),
        ),
    ),
    Scene(
        chapter="Technique",
        layout="figure",
        heading="How to do it",
        figure="walk",
        beats=(
            Beat("Here is how to do it."),
            Beat(
                "Stand side-on to the counter, and rest one hand on it.",
                show="Hand on the counter",
                mark="hand",
            ),
            Beat("Move one foot back."),
            Beat(
                "Let your toes touch the floor first, then lower your heel.",
                show="Toes first, then heel",
                mark="feet",
            ),
            Beat("Keep your steps small.", show="Small steps", mark="feet"),
            Beat("Stand tall, with your shoulders relaxed.", show="Stand tall", mark="core"),
            Beat("Look ahead, not down at your feet.", show="Eyes ahead", mark="eyes"),
            Beat("Slide your hand along the counter as you go.", mark="hand"),
            Beat("Go slowly. There is no hurry."),
        ),
    ),
    Scene(
        chapter="Safety",
        layout="text",
        heading="Stay safe",
        beats=(
            Beat("A few words about safety."),
            Beat(
                "Before you begin, check with your doctor or physiotherapist.",
                show="Ask your doctor or physio first",
            ),
            Beat(
                "Always stay within reach of a sturdy support, like a kitchen counter.",
                show="Stay within reach of a sturdy support",
            ),
            Beat("Or practise with a helper beside you.", show="Or have a helper with you"),
            Beat("If you step out of reach, the video will pause until you come back."),
            Beat("Start with just a few minutes.", show="Start with a few minutes"),
            Beat("Then build up slowly, week by week.", show="Build up slowly"),
            Beat("If anything hurts, or you feel dizzy, stop and rest.", show="Stop if it hurts"),
        ),
    ),
    Scene(
        chapter="Follow along",
        layout="figure",
        heading="Let's practise",
        start_mark=True,
        beats=(
            Beat("Now it is time to practise together."),
            Beat("Please stand up, beside your counter.", show="Stand by the counter"),
            Beat("Rest one hand on it.", show="One hand on it", mark="hand"),
            Beat("We will take four small steps back.", show="4 steps back"),
            Beat("Then four steps forward, to where we started.", show="4 steps forward"),
            Beat("I will count for you."),
        ),
    ),
    Scene(
        chapter="Follow along",
        layout="steps",
        heading="Back",
        figure="steps",
        start_mark=True,
        set_label="Set 1 of 3",
        beats=(Beat("Ready? Step back.", pause_s=0.3),),
        steps=4,
    ),
    Scene(
        chapter="Follow along",
        layout="steps",
        heading="Forward",
        figure="steps",
        start_mark=True,
        set_label="Set 1 of 3",
        beats=(Beat("Now step forward.", pause_s=0.3),),
        steps=4,
        direction="forward",
    ),
    Scene(
        chapter="Follow along",
        layout="rest",
        heading="Rest",
        breathe=True,
        start_mark=True,
        beats=(
            Beat("Well done. Rest for a moment.", show="Well done"),
            Beat("Keep your hand on the counter, and breathe.", show="Breathe slowly"),
        ),
        min_s=14.0,
    ),
    Scene(
        chapter="Follow along",
        layout="steps",
        heading="Back",
        figure="steps",
        start_mark=True,
        set_label="Set 2 of 3",
        beats=(Beat("Set two. Step back.", pause_s=0.3),),
        steps=4,
    ),
    Scene(
        chapter="Follow along",
        layout="steps",
        heading="Forward",
        figure="steps",
        start_mark=True,
        set_label="Set 2 of 3",
        beats=(Beat("And forward.", pause_s=0.3),),
        steps=4,
        direction="forward",
    ),
    Scene(
        chapter="Follow along",
        layout="rest",
        heading="Rest",
        breathe=True,
        start_mark=True,
        beats=(
            Beat("Good. Take a short rest.", show="Good"),
            Beat("Stand tall, and breathe.", show="Stand tall"),
        ),
        min_s=12.0,
    ),
    Scene(
        chapter="Follow along",
        layout="steps",
        heading="Back",
        figure="steps",
        start_mark=True,
        set_label="Set 3 of 3",
        beats=(Beat("Last set. Step back.", pause_s=0.3),),
        steps=4,
    ),
    Scene(
        chapter="Follow along",
        layout="steps",
        heading="Forward",
        figure="steps",
        start_mark=True,
        set_label="Set 3 of 3",
        beats=(Beat("And forward, back to the start.", pause_s=0.3),),
        steps=4,
        direction="forward",
    ),
    Scene(
        chapter="Cool-down",
        layout="figure",
        heading="Cooling down",
        breathe=True,
        beats=(
            Beat("Well done. You have finished the practice.", show="Well done!"),
            Beat("Stand still, with your hand on the counter."),
            Beat("Let your shoulders drop, and relax."),
            Beat("Breathe in slowly... and out.", show="Breathe slowly", pause_s=2.0),
            Beat("Once more. In... and out.", pause_s=2.0),
            Beat("Sit down and rest when you are ready.", show="Sit down and rest"),
            Beat(
                "Next time, if it felt easy, add a few more steps.",
                show="Next time: a few more steps",
            ),
            Beat("Thank you, and see you next time."),
        ),
    ),
)


def quick_script(script: Sequence[Scene] = SCRIPT) -> tuple[Scene, ...]:
    """A short version of the same script, for tests: every chapter, each shown for a moment;
    the first sentence of the first scene; the first guided run cut to two steps."""
    scenes: list[Scene] = []
    seen: set[str] = set()
    have_steps = False
    for scene in script:
        first_of_chapter = scene.chapter not in seen
        seen.add(scene.chapter)
        first_steps = scene.steps > 0 and not have_steps
        if not (first_of_chapter or first_steps):
            continue
        have_steps = have_steps or first_steps
        keep_beat = not scenes or first_steps
        scenes.append(
            replace(
                scene,
                beats=scene.beats[:1] if keep_beat else (),
                steps=min(scene.steps, 2),
                min_s=1.0,
            )
        )
    return tuple(scenes)
