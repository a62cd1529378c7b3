"""The one place that assembles the kiosk: settings, data folder and flags in, parts out.

On a Raspberry Pi the parts are the VL53L0X on I2C-1 through Blinka and the buzzer on
gpiozero's default pin library (lgpio first). Elsewhere, or when asked to simulate, the same
Adafruit driver runs over the emulated chip, with a walker that keys or a script move, and
gpiozero's mock pins. Every builder takes each part as a parameter with the real one as its
default, so `run`, `doctor`, `replay`, the terminal view, the scripted sessions and the tests
all build here, passing stand-ins where they need them. Only this module and the command line
import it.
"""

from __future__ import annotations

import functools
import logging
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

import pygame

from hardware.buzzer import AlarmBuzzer, make_buzzer_output
from hardware.emulated_tof import ADDRESS, EmulatedI2CBus, EmulatedVL53L0X, FixedWalker
from hardware.nurse_call import NoNurseCall, NurseCallOutput
from hardware.pins import mock_pin_factory, output_line
from hardware.tof_sensor import TofSensor, adafruit_driver
from kiosk.access.pin_lock import PinLock
from kiosk.link.escalation import Escalation
from kiosk.link.feed import KioskFeed
from kiosk.link.mqtt import LinkConfig, LinkSetupError, MqttLink
from kiosk.link.outbox import Outbox
from kiosk.log.export import export_to_usb
from kiosk.log.store import SessionStore
from kiosk.paths import DataFolder
from kiosk.player.player import PlayerError, RoutinePlayer, probe_video
from kiosk.player.routine import Routine, RoutineError, find_routine, load_routine
from kiosk.safety.monitor import SafetyConfig, SafetyMonitor, SelfTestResult
from kiosk.screens.app import KioskApp
from kiosk.screens.caregiver import CaregiverArea, CaregiverTools
from kiosk.screens.display import Rotation, open_display, open_speakers
from kiosk.service.clock_keeper import ClockKeeper
from kiosk.service.wall_clock import LogClock, clock_words
from kiosk.settings import LiveSettings
from kiosk.sim.panel import HEIGHT as PANEL_HEIGHT
from kiosk.sim.panel import NullSimulator, SimulatorPanel
from kiosk.sim.scripts import SCRIPT_PIN, SCRIPTS, ScriptRunner
from kiosk.sim.simulation import Simulation
from kiosk.vocabulary import Ending
from kiosk.walk.flow import FlowTiming, KioskFlow
from kiosk.walk.recorder import SessionRecorder
from kiosk.walk.restart import recent_cut_short_walk
from kiosk.walk.session import WalkSession
from kiosk.walk.walkers import WalkerChoice
from kiosk.web.address import dashboard_url

log = logging.getLogger(__name__)

PI_MODEL = Path("/proc/device-tree/model")
SIMULATED_WALKER_MM = 450.0  # the simulated walker starts within reach
SIMULATED_NOISE_MM = 3.0


def on_raspberry_pi() -> bool:
    try:
        return PI_MODEL.read_bytes().startswith(b"Raspberry Pi")
    except OSError:
        return False


def wants_simulation(settings: Mapping[str, Any], simulate: bool = False) -> bool:
    source = settings["sensor.source"]
    if simulate or source == "simulated":
        return True
    return source == "auto" and not on_raspberry_pi()


def tune_for_alarm_latency() -> None:
    """Let the safety thread take the interpreter back within 1 ms instead of 5 ms.

    Python hands the GIL between threads every "switch interval"; with the screen and the
    video decoder busy, the default 5 ms is added to every reading and again to the buzzer's
    first pulse. The cost is a little more switching for the busy threads.
    """
    sys.setswitchinterval(0.001)


def open_i2c_bus() -> Any:
    """I2C-1 on the header pins. Blinka ignores the frequency on Linux: 400 kHz is set with
    dtparam=i2c_arm_baudrate=400000 in config.txt (see the README)."""
    import board
    import busio

    return busio.I2C(board.SCL, board.SDA, frequency=400_000)


# -- the sensor ---------------------------------------------------------------------------------


@dataclass
class SensorParts:
    """The sensor on its bus, and what `release()` gives back (bus, XSHUT pin)."""

    sensor: TofSensor
    simulation: Simulation | None
    pin_factory: Any
    bus: Any
    reset_line: Any

    def release(self) -> None:
        if self.reset_line is not None:
            self.reset_line.close()
        self.bus.deinit()


def build_sensor(
    settings: Mapping[str, Any],
    *,
    simulate: bool = False,
    clock: Callable[[], float] = time.monotonic,
    walker: FixedWalker | None = None,
    noise_mm: float = SIMULATED_NOISE_MM,
    io_timeout_s: float | None = None,
    open_bus: Callable[[], Any] = open_i2c_bus,
    pin_factory: Any = None,
    driver_factory: Callable[[Any, int, float], Any] = adafruit_driver,
) -> SensorParts:
    """The VL53L0X on I2C-1 with gpiozero's default pins, or the emulated chip with mock
    pins when simulating (see `wants_simulation`)."""
    simulation = None
    if wants_simulation(settings, simulate):
        pin_factory = pin_factory or mock_pin_factory()
        walker = walker or FixedWalker(SIMULATED_WALKER_MM)
        period_s = settings["sensor.period_ms"] / 1000
        chip = EmulatedVL53L0X(walker, period_s=period_s, noise_mm=noise_mm, clock=clock)
        bus: Any = EmulatedI2CBus({ADDRESS: chip})
        address = ADDRESS
        simulation = Simulation(walker, chip, pin_factory)
        log.info("simulating the sensor, the walker and the GPIO pins")
    else:
        bus = open_bus()
        address = settings["sensor.i2c_address"]
    try:
        reset_line = output_line(settings["sensor.xshut_pin"], pin_factory)
    except Exception:
        bus.deinit()
        raise
    timeout_s = io_timeout_s or settings["sensor.io_timeout_ms"] / 1000
    sensor = TofSensor(
        bus,
        address=address,
        timing_budget_us=settings["sensor.period_ms"] * 1000,
        io_timeout_s=timeout_s,
        reset_line=reset_line,
        clock=clock,
        driver_factory=driver_factory,
    )
    return SensorParts(sensor, simulation, pin_factory, bus, reset_line)


def build_buzzer_output(settings: Mapping[str, Any], pin_factory: Any = None) -> Any:
    return make_buzzer_output(
        settings["buzzer.kind"], settings["buzzer.pin"], pin_factory, settings["buzzer.volume"]
    )


# -- the safety loop ----------------------------------------------------------------------------


@dataclass
class SafetyParts:
    monitor: SafetyMonitor
    buzzer: Any  # an AlarmBuzzer, or a stand-in with its methods (replay: NullAlarm)
    sensor_parts: SensorParts
    escalation: Escalation
    nurse_call: Any  # a NurseCallOutput, or NoNurseCall where none is wired

    @property
    def simulation(self) -> Simulation | None:
        return self.sensor_parts.simulation

    def start(self, *, armed: bool) -> SelfTestResult:
        """The start-up sequence: a chirp and a first reading, then the loop on its thread.
        The kiosk starts disarmed (nobody walks at the home screen)."""
        result = self.monitor.self_test()
        log.info("self-test: %s", result.message)
        self.monitor.arm() if armed else self.monitor.disarm()
        self.monitor.start()
        self.escalation.start()
        return result

    def close(self) -> None:
        """Silence first: a stop must not beep, and the buzzer's watchdog must not see the
        safety thread's end as a hang. The nurse-call line is released last: in the
        fail-safe wiring a stopped kiosk reads as a call, as facility equipment expects."""
        self.escalation.stop()
        self.buzzer.close()
        self.monitor.stop(timeout=0.5)
        self.nurse_call.close()


def build_safety(
    settings: Mapping[str, Any],
    *,
    simulate: bool = False,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
    alarm: Any = None,
    **sensor_options: Any,
) -> SafetyParts:
    """The sensor, the buzzer (or `alarm` in its place) and the monitor that joins them."""
    tune_for_alarm_latency()
    parts = build_sensor(settings, simulate=simulate, clock=clock, **sensor_options)
    if alarm is None:
        alarm = AlarmBuzzer(build_buzzer_output(settings, parts.pin_factory))
    config = SafetyConfig.from_settings(settings)
    monitor = SafetyMonitor(parts.sensor, alarm, config, clock=clock, sleep=sleep)
    nurse_call = build_nurse_call(settings, parts.pin_factory)
    escalation = Escalation(monitor, alarm, nurse_call, settings["escalation.after_s"], clock=clock)
    return SafetyParts(monitor, alarm, parts, escalation, nurse_call)


def build_nurse_call(settings: Mapping[str, Any], pin_factory: Any = None) -> Any:
    """The nurse-call relay's output, or a stand-in when none is wired."""
    pin = settings["nurse_call.pin"]
    if pin < 0:
        return NoNurseCall()
    return NurseCallOutput(pin, settings["nurse_call.mode"], pin_factory)


def build_replay(settings: Mapping[str, Any], start_s: float = 0.0) -> tuple[SafetyParts, Any]:
    """The safety part on a virtual clock, for replaying a trace: the real driver over the
    emulated chip (nobody in front of it until the trace says so), no noise, no buzzer (an
    alarm that records what it was asked). Returns the parts and the clock."""
    from hardware.buzzer import NullAlarm
    from hardware.clock import VirtualClock
    from hardware.tof_sensor import driver_on_clock
    from kiosk.safety.replay import REPLAY_IO_TIMEOUT_S, DriverClock

    clock = VirtualClock(start_s)
    parts = build_safety(
        settings,
        simulate=True,
        clock=clock,
        sleep=clock.sleep,
        alarm=NullAlarm(),
        walker=FixedWalker(None),
        noise_mm=0.0,
        io_timeout_s=REPLAY_IO_TIMEOUT_S,
        driver_factory=driver_on_clock(DriverClock(clock)),
    )
    return parts, clock


def keep_rule_in_step(settings: Any, safety: SafetyParts) -> None:
    """A caregiver's change to the reach line, the volume or the call delay reaches the
    running parts at once."""
    keys = ("safety.reach_mm", "safety.margin_mm", "safety.alarm_delay_readings")
    monitor = safety.monitor
    settings.apply_now(keys, lambda s: monitor.set_rule(SafetyConfig.from_settings(s).rule))
    settings.apply_now(("buzzer.volume",), lambda s: safety.buzzer.set_volume(s["buzzer.volume"]))

    def new_delay(s: Any) -> None:
        safety.escalation.after_s = s["escalation.after_s"]

    settings.apply_now(("escalation.after_s",), new_delay)


@dataclass(frozen=True)
class KioskFlags:
    """How `balance-kiosk run` was asked to run."""

    simulate: bool = False
    windowed: bool = False
    headless: bool = False
    size: tuple[int, int] | None = None  # a window's size; full screen takes the panel's
    script: str | None = None
    screenshots: Path | None = None

    @property
    def simulated(self) -> bool:
        return self.simulate or self.script is not None


class KioskBuildError(Exception):
    """A part the kiosk cannot run without could not be set up; the message says what to do."""


@dataclass
class Kiosk:
    """The assembled kiosk; `serve` (kiosk/service/lifecycle.py) runs it."""

    settings: LiveSettings
    data: DataFolder
    safety: SafetyParts
    store: SessionStore
    pin: PinLock
    flow: KioskFlow
    walk: WalkSession
    app: KioskApp
    runner: ScriptRunner | None = None
    link: MqttLink | None = None  # the broker's link; None unless mqtt.host is set
    clock_keeper: ClockKeeper | None = None  # corrects the log's times when the clock is set
    _walk_ended: bool = False

    def end_walk(self) -> None:
        """Close an open session as stopped and stop the safety loop, silently. Once."""
        if self._walk_ended:
            return
        self._walk_ended = True
        if self.flow.walking:
            self.walk.finish_routine(Ending.STOPPED)
        self.safety.close()

    def close(self) -> None:
        self.end_walk()
        self.stop_link()
        if self.clock_keeper is not None:
            self.clock_keeper.stop()
        self.store.close()
        pygame.quit()

    def stop_link(self) -> None:
        """Say "offline" to the broker and disconnect; after the walk's end was queued."""
        if self.link is not None:
            self.link.stop()
            self.link = None


def clinician_reports(store: SessionStore, today: date) -> list:
    """The USB export's PDF reports. reportlab is loaded on the first export, not at start:
    it takes seconds on a Pi, and most days nobody exports."""
    from kiosk.report.usb import reports_for_usb

    return reports_for_usb(store, today)


def build_kiosk(
    settings: LiveSettings,
    data: DataFolder,
    flags: KioskFlags,
    *,
    safety: SafetyParts | None = None,
    store: SessionStore | None = None,
    display: pygame.Surface | None = None,
    make_player: Callable[[Routine], Any] = RoutinePlayer.from_routine,
    clock: Callable[[], float] = time.monotonic,
    wall_clock: LogClock | None = None,
) -> Kiosk:
    """The whole kiosk, ready for `serve`. Raises KioskBuildError when the sensor or the
    buzzer cannot be set up (a pin in use, no pin library, Blinka not set up...).

    Without a `store` the log is opened here on a `LogClock` (the real wall clock unless
    `wall_clock` is given) and kept right by a ClockKeeper."""
    safety = safety or _safety_or_say_why(settings, flags)
    keep_rule_in_step(settings, safety)
    if store is None:
        wall_clock = wall_clock or LogClock()
        store = SessionStore.open(data.create().sessions_db, clock=wall_clock.now)
    pin = PinLock(data.caregiver_pin)
    if flags.script and not pin.has_pin:
        pin.set_pin(SCRIPT_PIN)
    walk, flow = _build_walk(settings, safety, store, make_player, clock, data, wall_clock)
    show_panel = safety.simulation is not None and flags.windowed and not flags.headless
    display, rotation = _open_screen(settings, flags, display, show_panel)
    tools = _caregiver_tools(settings, data, safety, store, pin, flow, walk, clock, wall_clock)
    app = KioskApp(
        display=display,
        rotation=rotation,
        flow=flow,
        walk=walk,
        walkers=walk.walkers,
        monitor=safety.monitor,
        buzzer=safety.buzzer,
        caregiver=CaregiverArea(tools),
        simulator=_simulator(safety.simulation, display, rotation, show_panel),
        escalation=safety.escalation,
        clock=clock,
    )
    kiosk = _finish_wiring(settings, data, safety, store, pin, flow, walk, app, flags, clock)
    if wall_clock is not None:
        kiosk.clock_keeper = ClockKeeper(wall_clock, store).start()
    return kiosk


def _caregiver_tools(
    settings: LiveSettings,
    data: DataFolder,
    safety: SafetyParts,
    store: SessionStore,
    pin: PinLock,
    flow: KioskFlow,
    walk: WalkSession,
    clock: Callable[[], float],
    wall_clock: LogClock | None,
) -> CaregiverTools:
    return CaregiverTools(
        pin=pin,
        monitor=safety.monitor,
        buzzer=safety.buzzer,
        store=store,
        settings=settings,
        walk=flow,
        export_to_usb=functools.partial(export_to_usb, store, reports=clinician_reports),
        clock=clock,
        routine_problem=lambda: walk.routine_problem,
        escalation=safety.escalation,
        clock_problem=lambda: _clock_problem(wall_clock),
        web_password=data.web_password,
        web_certificate=data.web_certificate,
    )


def _clock_problem(wall_clock: LogClock | None) -> str | None:
    if wall_clock is None or wall_clock.synchronised is not False:
        return None
    return f"The date may be wrong: {clock_words(False)}."


def _safety_or_say_why(settings: LiveSettings, flags: KioskFlags) -> SafetyParts:
    try:
        return build_safety(settings.current, simulate=flags.simulated)
    except Exception as error:  # a pin in use, no pin library, Blinka not set up...
        raise KioskBuildError(
            f"cannot set up the sensor or the buzzer: {error}. "
            "Run 'balance-kiosk doctor' to see what to fix."
        ) from error


def _finish_wiring(
    settings: LiveSettings,
    data: DataFolder,
    safety: SafetyParts,
    store: SessionStore,
    pin: PinLock,
    flow: KioskFlow,
    walk: WalkSession,
    app: KioskApp,
    flags: KioskFlags,
    clock: Callable[[], float],
) -> Kiosk:
    # The log hears each safety event after the screens (the screens pause the video).
    safety.monitor.add_listener(walk.recorder.on_safety)
    safety.monitor.add_reading_listener(walk.recorder.on_reading)
    safety.escalation.add_listener(walk.recorder.on_call)
    link = build_link(settings.current, store, safety, walk.recorder)
    runner = _script_runner(flags, safety.simulation, clock)
    if runner is not None:
        app.hooks.append(runner)
    return Kiosk(settings, data, safety, store, pin, flow, walk, app, runner, link)


def build_link(
    settings: Mapping[str, Any],
    store: SessionStore,
    safety: SafetyParts,
    recorder: SessionRecorder,
    *,
    client: Any = None,
) -> MqttLink | None:
    """The broker's link, started (it connects in the background), fed by the safety loop,
    the call-for-help watch and the session; None when mqtt.host is empty, or when its
    settings cannot be used (said in the log: the kiosk runs without it)."""
    if not settings["mqtt.host"]:
        return None
    try:
        config = LinkConfig.from_settings(settings)
        outbox = Outbox(store)
        link = MqttLink(config, outbox, on_acknowledge=safety.escalation.acknowledge, client=client)
    except LinkSetupError as error:
        log.error("the broker link is off: %s", error)
        return None
    feed = KioskFeed(
        link,
        store,
        safety.monitor,
        safety.escalation,
        name=config.name,
        web_url=dashboard_url,
    )
    link.state_source = feed.state
    # After the screens and the log: the alarm and the screen never wait for the broker.
    safety.monitor.add_listener(feed.on_safety)
    safety.monitor.add_reading_listener(feed.on_reading)
    safety.escalation.add_listener(feed.on_call)
    recorder.add_session_listener(feed.on_session)
    link.start()
    return link


def _build_walk(
    settings: LiveSettings,
    safety: SafetyParts,
    store: SessionStore,
    make_player: Callable[[Routine], Any],
    clock: Callable[[], float],
    data: DataFolder,
    wall_clock: LogClock | None,
) -> tuple[WalkSession, KioskFlow]:
    clock_set = (lambda: wall_clock.synchronised) if wall_clock else (lambda: True)
    recorder = SessionRecorder(
        store, clock=clock, in_force=lambda: safety.monitor.config, wall_clock_set=clock_set
    )
    routine, problem = load_routine_or_say_why(settings["routine.name"])
    walk = WalkSession(
        monitor=safety.monitor,
        buzzer=safety.buzzer,
        recorder=recorder,
        walkers=WalkerChoice(store, data.chosen_walker),
        routine=routine,
        make_player=make_player,
        routine_problem=problem,
    )
    flow = KioskFlow(walk, FlowTiming(rewind_s=settings["routine.rewind_s"]))

    def new_rewind(s: Any) -> None:
        flow.timing = replace(flow.timing, rewind_s=s["routine.rewind_s"])

    settings.apply_now(("routine.rewind_s",), new_rewind)
    settings.apply_now(
        ("routine.name",),
        lambda s: walk.use_routine(*load_routine_or_say_why(s["routine.name"])),
        when="Used from the next walk.",
    )
    cut_short = recent_cut_short_walk(store, routine)
    if cut_short is not None:
        log.warning(
            "session %d was cut short moments ago: checking for the walker", cut_short.session_id
        )
        flow.start_after_restart(cut_short.chapter)
    return walk, flow


def load_routine_or_say_why(name: str) -> tuple[Routine | None, str | None]:
    """The routine, checked down to a decodable picture; or None and why, with the fix."""
    try:
        routine = load_routine(find_routine(name))
        probe_video(routine.video_path)
        return routine, None
    except RoutineError as error:
        log.error("%s", error)
        return None, f"The routine cannot be loaded: {error}"
    except PlayerError as error:
        log.error("%s", error)
        return None, f"The routine's video cannot be played: {error}"


def _open_screen(
    settings: LiveSettings, flags: KioskFlags, display: pygame.Surface | None, show_panel: bool
) -> tuple[pygame.Surface, Rotation]:
    windowed = flags.windowed or flags.headless
    if display is not None:
        size = display.get_size()
    elif windowed:
        if flags.size is None:
            raise ValueError("a window needs a size: set KioskFlags.size")
        size = flags.size
        display = open_display(size, windowed=True, extra=PANEL_HEIGHT if show_panel else 0)
    else:
        display = open_display((0, 0), windowed=False)
        size = display.get_size()
    pygame.mouse.set_visible(flags.windowed or flags.simulated)
    open_speakers()
    return display, Rotation(settings["display.rotation"], size)


def _simulator(
    simulation: Simulation | None, display: pygame.Surface, rotation: Rotation, show: bool
) -> SimulatorPanel | NullSimulator:
    if simulation is None or not show:
        return NullSimulator()
    return SimulatorPanel(simulation, display, rotation.physical_size[1])


def _script_runner(
    flags: KioskFlags, simulation: Simulation | None, clock: Callable[[], float]
) -> ScriptRunner | None:
    if flags.script:
        return ScriptRunner(SCRIPTS[flags.script], flags.screenshots, clock(), simulation)
    if flags.screenshots:
        return ScriptRunner([], flags.screenshots, clock(), simulation)
    return None
