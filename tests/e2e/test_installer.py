"""systemd/install.sh run into a temporary root, with recording stubs first in PATH.

The installer prefixes every path with $BALANCE_KIOSK_ROOT and calls its commands by name, so
the stubs here play the system: `getent` answers from a fake passwd file that `useradd` and
`userdel` keep, `python3 -m venv` makes a venv whose `python -m pip` only records and whose
`balance-kiosk` is the real command line of this checkout. Every stub call is logged.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import tomllib
from dataclasses import dataclass
from pathlib import Path

import pytest
from fakes import run_cli

from kiosk.service.exit_status import CONFIG_REFUSED

REPO = Path(__file__).resolve().parents[2]
INSTALLER = REPO / "systemd" / "install.sh"
UNIT_TEXT = (REPO / "systemd" / "balance-kiosk.service").read_text(encoding="utf-8")
CMDLINE = "console=serial0,115200 console=tty1 root=PARTUUID=1234-02 rootfstype=ext4 rootwait\n"

pytestmark = pytest.mark.skipif(shutil.which("bash") is None, reason="bash is not installed")

# Each call is logged as one line of shell words, quoted as the shell would need them.
STUB = """#!/usr/bin/env bash
{ printf '%s' "$(basename "$0")"; printf ' %q' "$@"; printf '\\n'; } >> "$STUB_LOG"
"""

STUBS = {
    "systemctl": STUB,
    "useradd": STUB + 'echo "${!#}" >> "$FAKE_PASSWD"\n',
    "usermod": STUB,
    "chown": STUB,
    "userdel": STUB + 'grep -vx "$1" "$FAKE_PASSWD" > "$FAKE_PASSWD.new" || true\n'
    'mv "$FAKE_PASSWD.new" "$FAKE_PASSWD"\n',
    # getent passwd NAME / getent group NAME, from the fake files.
    "getent": """#!/usr/bin/env bash
case "$1" in
    passwd) grep -qx "$2" "$FAKE_PASSWD" 2>/dev/null ;;
    group) grep -qwx "$2" <(tr ' ' '\\n' <<< "$FAKE_GROUPS") ;;
    *) exit 2 ;;
esac
""",
    # python3 -m venv DIR: a venv whose python records pip and whose balance-kiosk is real.
    "python3": STUB
    + """[[ "$1 $2" == "-m venv" ]] || exit 9
mkdir -p "$3/bin"
cat > "$3/bin/python" <<'EOF'
#!/usr/bin/env bash
{ printf 'venv-python'; printf ' %q' "$@"; printf '\\n'; } >> "$STUB_LOG"
EOF
# The real command line, run where it was called from, as the installed one would be (-P:
# the folder it runs in is not searched for modules).
cat > "$3/bin/balance-kiosk" <<EOF
#!/usr/bin/env bash
PYTHONPATH="$REAL_REPO" exec "$REAL_PYTHON" -P -m kiosk.cli.main "\\$@"
EOF
touch "$3/bin/pip"
chmod +x "$3/bin/python" "$3/bin/pip" "$3/bin/balance-kiosk"
""",
}


@dataclass
class Result:
    returncode: int
    stdout: str
    stderr: str


class FakePi:
    """A root directory shaped like Raspberry Pi OS, and the stubs that record commands."""

    def __init__(self, base: Path) -> None:
        self.root = base / "root"
        self.stubs = base / "stubs"
        self.log = base / "commands.log"
        self.passwd = base / "passwd"
        self.groups = "video render input gpio i2c audio"
        (self.root / "boot" / "firmware").mkdir(parents=True)
        self.config_txt.write_text("[all]\ndtparam=audio=on\ndtparam=i2c_arm=on\n")
        self.cmdline.write_text(CMDLINE)
        self.stubs.mkdir()
        for name, text in STUBS.items():
            path = self.stubs / name
            path.write_text(text)
            path.chmod(0o755)
        self.log.touch()
        self.passwd.touch()

    @property
    def config_txt(self) -> Path:
        return self.root / "boot" / "firmware" / "config.txt"

    @property
    def cmdline(self) -> Path:
        return self.root / "boot" / "firmware" / "cmdline.txt"

    def path(self, absolute: str) -> Path:
        return self.root / absolute.lstrip("/")

    def run(self, *args: str, cwd: Path | None = None) -> Result:
        env = {
            "PATH": f"{self.stubs}{os.pathsep}{os.environ['PATH']}",
            "HOME": str(self.root),
            "LANG": "C.UTF-8",
            "BALANCE_KIOSK_ROOT": str(self.root),
            "STUB_LOG": str(self.log),
            "FAKE_PASSWD": str(self.passwd),
            "FAKE_GROUPS": self.groups,
            "REAL_PYTHON": sys.executable,
            "REAL_REPO": str(REPO),
        }
        done = subprocess.run(
            ["bash", str(INSTALLER), *args],
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        return Result(done.returncode, done.stdout, done.stderr)

    def commands(self, name: str | None = None) -> list[list[str]]:
        calls = [shlex.split(line) for line in self.log.read_text().splitlines()]
        return [c for c in calls if name is None or c[0] == name]


@pytest.fixture
def pi(tmp_path) -> FakePi:
    return FakePi(tmp_path)


def ok(result: Result) -> Result:
    assert result.returncode == 0, f"stdout:\n{result.stdout}\nstderr:\n{result.stderr}"
    return result


def test_a_fresh_install_puts_everything_in_place(pi):
    result = ok(pi.run())

    unit = pi.path("/etc/systemd/system/balance-kiosk.service")
    assert unit.read_text() == UNIT_TEXT  # every group exists: the unit is copied as it is
    assert oct(unit.stat().st_mode & 0o777) == "0o644"

    config = pi.path("/etc/balance-kiosk/config.toml")
    text = config.read_text()
    assert text.startswith("# balance-kiosk settings")
    settings = tomllib.loads(text)
    assert settings["sensor"]["source"] == "i2c"
    assert settings["safety"]["reach_mm"] == 600
    assert text.count('source = "i2c"') == 1 and "# Allowed:" in text

    assert pi.cmdline.read_text() == CMDLINE.rstrip("\n") + " consoleblank=0\n"

    assert pi.commands("useradd") == [
        [
            "useradd",
            "--system",
            "--user-group",
            "--home-dir",
            "/var/lib/balance-kiosk",
            "--no-create-home",
            "--shell",
            "/usr/sbin/nologin",
            "--comment",
            "Balance kiosk",
            "kiosk",
        ]
    ]
    assert pi.commands("chown") == [
        ["chown", "kiosk:kiosk", str(pi.path("/var/lib/balance-kiosk"))]
    ]
    assert pi.path("/var/lib/balance-kiosk").is_dir()
    assert pi.commands("usermod") == [
        ["usermod", "--append", "--groups", "video,render,input,gpio,i2c,audio", "kiosk"]
    ]
    venv = str(pi.path("/opt/balance-kiosk/venv"))
    assert pi.commands("python3") == [["python3", "-m", "venv", venv]]
    assert pi.commands("venv-python") == [
        ["venv-python", "-m", "pip", "install", "--upgrade", f"{REPO}[pi]"]
    ]
    assert pi.commands("systemctl") == [
        ["systemctl", "daemon-reload"],
        ["systemctl", "enable", "balance-kiosk.service"],
        ["systemctl", "restart", "balance-kiosk.service"],
    ]
    # Plain words, step by step.
    assert "1. Checking that I2C" in result.stdout
    assert "journalctl -u balance-kiosk" in result.stdout


def test_running_it_twice_changes_nothing_more(pi):
    ok(pi.run())
    config = pi.path("/etc/balance-kiosk/config.toml")
    config.write_text(config.read_text().replace("reach_mm = 600", "reach_mm = 550"))
    second = ok(pi.run())

    assert pi.cmdline.read_text().count("consoleblank=0") == 1
    assert len(pi.cmdline.read_text().splitlines()) == 1
    assert len(pi.commands("useradd")) == 1, "the user is created once"
    assert len(pi.commands("python3")) == 1, "the venv is made once"
    assert len(pi.commands("venv-python")) == 2, "the program is updated each time"
    assert "reach_mm = 550" in config.read_text(), "the caregiver's settings are kept"
    assert "Keeping your settings" in second.stdout
    assert (pi.cmdline.parent / "cmdline.txt.balance-kiosk.bak").read_text() == CMDLINE


def test_the_settings_written_are_the_defaults_whatever_the_folder_it_runs_in(pi, tmp_path):
    # A checkout where `make run` kept a caregiver's change in ./data/settings.toml.
    checkout = tmp_path / "checkout"
    (checkout / "data").mkdir(parents=True)
    (checkout / "data" / "settings.toml").write_text("[safety]\nreach_mm = 420\n")
    ok(pi.run(cwd=checkout))
    settings = tomllib.loads(pi.path("/etc/balance-kiosk/config.toml").read_text())
    assert settings["safety"]["reach_mm"] == 600


def kiosk_refusal(config: Path, data: Path) -> str:
    """The line `balance-kiosk run` prints when it refuses `config`."""
    done = run_cli("run", "--headless", "--simulate", "--config", config, "--data-dir", data)
    assert done.returncode == CONFIG_REFUSED, done.stderr
    (line,) = [x for x in done.stderr.splitlines() if x.startswith("balance-kiosk")]
    return line


@pytest.mark.parametrize("settings", ["[safety]\nreach_mm = 9000\n", "[safety\nreach_mm = 500\n"])
def test_a_kept_settings_file_the_kiosk_refuses_stops_the_update(pi, tmp_path, settings):
    ok(pi.run())
    config = pi.path("/etc/balance-kiosk/config.toml")
    config.write_text(settings)
    restarts = len([c for c in pi.commands("systemctl") if "restart" in c])

    result = pi.run()

    assert result.returncode != 0
    assert kiosk_refusal(config, tmp_path / "data") in result.stderr
    assert "sudo nano /etc/balance-kiosk/config.toml" in result.stderr
    assert "run this installer again" in result.stderr
    assert "Traceback" not in result.stderr
    assert config.read_text() == settings, "the caregiver's file is left as it was"
    assert len([c for c in pi.commands("systemctl") if "restart" in c]) == restarts


def test_settings_kept_from_an_uninstall_are_checked_before_anything_is_installed(pi):
    config = pi.path("/etc/balance-kiosk/config.toml")
    config.parent.mkdir(parents=True)
    config.write_text("[buzzer]\nkind = 'loud'\n")

    result = pi.run()

    assert result.returncode != 0
    assert "buzzer.kind" in result.stderr
    assert not pi.path("/etc/systemd/system/balance-kiosk.service").exists()
    assert pi.commands("systemctl") == []


def test_no_start_only_enables(pi):
    result = ok(pi.run("--no-start"))
    assert ["systemctl", "enable", "balance-kiosk.service"] in pi.commands("systemctl")
    assert not [c for c in pi.commands("systemctl") if "restart" in c or "--now" in c]
    assert "next boot" in result.stdout


def test_an_existing_consoleblank_is_set_to_0(pi):
    pi.cmdline.write_text("console=tty1 consoleblank=600 rootwait\n")
    ok(pi.run())
    assert pi.cmdline.read_text() == "console=tty1 consoleblank=0 rootwait\n"


def test_groups_that_do_not_exist_are_left_out(pi):
    pi.groups = "video render input audio"  # no gpio or i2c: not a Raspberry Pi OS image
    result = ok(pi.run())
    assert pi.commands("chown") == [
        ["chown", "kiosk:kiosk", str(pi.path("/var/lib/balance-kiosk"))]
    ]
    assert pi.path("/var/lib/balance-kiosk").is_dir()
    assert pi.commands("usermod") == [
        ["usermod", "--append", "--groups", "video,render,input,audio", "kiosk"]
    ]
    unit = pi.path("/etc/systemd/system/balance-kiosk.service").read_text()
    assert "\nSupplementaryGroups=video render input audio\n" in unit
    assert "skipped the groups that do not exist here: gpio i2c" in result.stderr


@pytest.mark.parametrize(
    "config_txt",
    ["[all]\ndtparam=audio=on\n", "#dtparam=i2c_arm=on\n", "dtparam=i2c_arm=off\n"],
)
def test_i2c_off_is_refused_with_the_way_to_turn_it_on(pi, config_txt):
    pi.config_txt.write_text(config_txt)
    result = pi.run()
    assert result.returncode != 0
    assert "I2C is off" in result.stderr
    assert "sudo raspi-config nonint do_i2c 0" in result.stderr
    assert "sudo reboot" in result.stderr
    assert "--skip-i2c-check" in result.stderr
    assert pi.commands() == [], "nothing was done"
    assert not pi.path("/etc/systemd/system/balance-kiosk.service").exists()


@pytest.mark.parametrize(
    "config_txt", ["dtparam=i2c_arm=on\n", "dtparam=audio=on,i2c_arm=on\n", "dtparam=i2c1=on\n"]
)
def test_i2c_on_in_config_txt_is_accepted(pi, config_txt):
    pi.config_txt.write_text(config_txt)
    ok(pi.run("--no-start"))


def test_the_older_boot_folder_is_read_too(pi):
    shutil.rmtree(pi.root / "boot" / "firmware")
    (pi.root / "boot" / "config.txt").write_text("dtparam=i2c_arm=on\n")
    (pi.root / "boot" / "cmdline.txt").write_text(CMDLINE)
    ok(pi.run())
    assert "consoleblank=0" in (pi.root / "boot" / "cmdline.txt").read_text()


def test_skip_i2c_check_is_for_the_bench(pi):
    pi.config_txt.write_text("")
    result = ok(pi.run("--skip-i2c-check", "--no-start"))
    assert "Skipped" in result.stdout
    assert pi.path("/etc/systemd/system/balance-kiosk.service").exists()


def test_uninstall_keeps_the_logs_and_the_settings(pi):
    ok(pi.run())
    state = pi.path("/var/lib/balance-kiosk")
    assert state.is_dir()  # the installer made it, for the kiosk user
    (state / "sessions.sqlite3").write_text("the walker's history")
    pi.path("/var/cache/balance-kiosk").mkdir(parents=True)

    result = ok(pi.run("--uninstall"))

    assert not pi.path("/etc/systemd/system/balance-kiosk.service").exists()
    assert not pi.path("/opt/balance-kiosk").exists()
    assert not pi.path("/var/cache/balance-kiosk").exists()
    assert (state / "sessions.sqlite3").read_text() == "the walker's history"
    assert pi.path("/etc/balance-kiosk/config.toml").exists()
    assert ["systemctl", "disable", "--now", "balance-kiosk.service"] in pi.commands("systemctl")
    assert pi.commands("userdel") == [["userdel", "kiosk"]]
    assert "/var/lib/balance-kiosk" in result.stdout and "/etc/balance-kiosk" in result.stdout

    again = ok(pi.run("--uninstall"))
    assert "not installed" in again.stdout
    assert len(pi.commands("userdel")) == 1


def test_a_dry_run_changes_nothing(pi):
    result = ok(pi.run("--dry-run"))
    assert "would run: useradd --system" in result.stdout
    assert "would run: systemctl enable balance-kiosk.service" in result.stdout
    assert pi.commands() == []
    assert not (pi.root / "etc").exists()
    assert not (pi.root / "opt").exists()
    assert pi.cmdline.read_text() == CMDLINE


def test_an_unknown_option_is_refused(pi):
    result = pi.run("--frobnicate")
    assert result.returncode != 0
    assert "unknown option '--frobnicate'" in result.stderr
    assert pi.commands() == []


def test_without_root_it_says_to_use_sudo():
    setpriv = shutil.which("setpriv")
    if os.geteuid() == 0:
        if setpriv is None:
            pytest.skip("running as root and setpriv (util-linux) is missing to drop root")
        prefix = [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups"]
    else:
        prefix = []
    env = {k: v for k, v in os.environ.items() if k != "BALANCE_KIOSK_ROOT"}
    # A copy in a folder anyone may enter: the checkout may sit in root's home.
    folder = Path(tempfile.mkdtemp(prefix="balance-kiosk-install-"))
    try:
        folder.chmod(0o755)
        script = folder / "install.sh"
        shutil.copy(INSTALLER, script)
        script.chmod(0o755)
        done = subprocess.run(
            [*prefix, "bash", str(script)],
            cwd="/",
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    finally:
        shutil.rmtree(folder)
    assert done.returncode != 0
    assert "must run as root" in done.stderr
    assert "sudo" in done.stderr
