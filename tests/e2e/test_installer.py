"""systemd/install.sh run into a temporary root, with recording stubs first in PATH.

The installer prefixes every path with $BALANCE_KIOSK_ROOT and calls its commands by name, so
the stubs here play the system: `getent` answers from a fake passwd file that `useradd` and
`userdel` keep, `python3 -m venv` makes a venv whose `python -m pip` only records and whose
`balance-kiosk` is the real command line of this checkout. Every stub call is logged.

The last part runs every command of the README's Raspberry Pi steps, read out of the README,
in such a root (see "The README's Raspberry Pi steps, word for word" below).
"""

from __future__ import annotations

import contextlib
import os
import pwd
import re
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

from kiosk.log.store import SessionStore
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
    # The OS's packages: python3-lgpio "installs" the module where Debian puts it.
    "apt-get": STUB
    + """if [[ "$*" == "install -y python3-lgpio" ]]; then
    # Plain Debian's archive (no python3-lgpio) when the test leaves this file.
    [[ -e "$BALANCE_KIOSK_ROOT/../no-python3-lgpio" ]] && exit 100
    mkdir -p "$BALANCE_KIOSK_ROOT/usr/lib/python3/dist-packages"
    touch "$BALANCE_KIOSK_ROOT/usr/lib/python3/dist-packages/lgpio.py"
fi
""",
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
    # python3 -m venv [--system-site-packages] DIR: a venv whose python records pip and whose
    # balance-kiosk is real; its pyvenv.cfg says whether it sees the system's packages.
    "python3": STUB
    + """[[ "$1 $2" == "-m venv" ]] || exit 9
sees=false
[[ "$3" == --system-site-packages ]] && sees=true
set -- "${@:1:2}" "${!#}"
mkdir -p "$3/bin"
echo "include-system-site-packages = $sees" > "$3/pyvenv.cfg"
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

    def env(self, path: str, home: Path) -> dict[str, str]:
        """The environment the stubs and the scratch root need."""
        return {
            "PATH": path,
            "HOME": str(home),
            "LANG": "C.UTF-8",
            "BALANCE_KIOSK_ROOT": str(self.root),
            "STUB_LOG": str(self.log),
            "FAKE_PASSWD": str(self.passwd),
            "FAKE_GROUPS": self.groups,
            "REAL_PYTHON": sys.executable,
            "REAL_REPO": str(REPO),
        }

    def run(self, *args: str, cwd: Path | None = None) -> Result:
        done = subprocess.run(
            ["bash", str(INSTALLER), *args],
            cwd=cwd,
            env=self.env(f"{self.stubs}{os.pathsep}{os.environ['PATH']}", self.root),
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

    # The command on the PATH, for SSH (what it does: the README's steps below).
    command = pi.path("/usr/local/bin/balance-kiosk")
    assert oct(command.stat().st_mode & 0o777) == "0o755"
    text = command.read_text()
    assert f"program='{pi.path('/opt/balance-kiosk/venv/bin/balance-kiosk')}'" in text
    assert not re.search(r"@[A-Z_]+@", text), "every name is filled in"

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
        [
            "chown",
            "kiosk:kiosk",
            str(pi.path("/var/lib/balance-kiosk")),
            str(pi.path("/var/cache/balance-kiosk")),
        ]
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
    """What `balance-kiosk run` says when it refuses `config`, after its 'balance-kiosk run:'."""
    done = run_cli("run", "--headless", "--simulate", "--config", config, "--data-dir", data)
    assert done.returncode == CONFIG_REFUSED, done.stderr
    (line,) = [x for x in done.stderr.splitlines() if x.startswith("balance-kiosk")]
    return line.split(": ", 1)[1]


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


# --- The pin library, by OS release (README: "Which pin library") -----------------------------


def os_release(pi: FakePi, codename: str) -> None:
    release = pi.path("/etc/os-release")
    release.parent.mkdir(parents=True, exist_ok=True)
    release.write_text(f'PRETTY_NAME="Debian GNU/Linux"\nVERSION_CODENAME={codename}\n')


def test_on_trixie_lgpio_is_the_os_package_seen_through_the_venv(pi):
    os_release(pi, "trixie")
    result = ok(pi.run())
    venv = str(pi.path("/opt/balance-kiosk/venv"))
    assert pi.commands("apt-get") == [["apt-get", "install", "-y", "python3-lgpio"]]
    assert pi.commands("python3") == [["python3", "-m", "venv", "--system-site-packages", venv]]
    assert pi.commands("venv-python") == [
        ["venv-python", "-m", "pip", "install", "--upgrade", f"{REPO}[pi]"]
    ]
    assert "the system's python3-lgpio (trixie has no lgpio wheel" in result.stdout


def test_on_plain_debian_trixie_lgpio_is_built_with_its_c_library_inside(pi):
    os_release(pi, "trixie")
    (pi.root.parent / "no-python3-lgpio").touch()
    result = ok(pi.run())
    assert pi.commands("apt-get") == [
        ["apt-get", "install", "-y", "python3-lgpio"],
        ["apt-get", "update"],
        ["apt-get", "install", "-y", "python3-lgpio"],
        ["apt-get", "install", "-y", "gcc", "swig", "python3-dev"],
    ]
    venv = str(pi.path("/opt/balance-kiosk/venv"))
    assert pi.commands("python3") == [["python3", "-m", "venv", venv]]
    # env PYPI=1 selects lgpio's static build (the C library compiled into the module).
    assert pi.commands("venv-python") == [
        ["venv-python", "-m", "pip", "install", "--no-binary", "lgpio", "--upgrade", f"{REPO}[pi]"]
    ]
    assert "running: env PYPI=1 " in result.stdout
    assert "building lgpio from source" in result.stdout


def test_on_bookworm_pip_fetches_the_lgpio_wheel_and_nothing_compiles(pi):
    os_release(pi, "bookworm")
    result = ok(pi.run())
    assert pi.commands("apt-get") == []
    venv = str(pi.path("/opt/balance-kiosk/venv"))
    assert pi.commands("python3") == [["python3", "-m", "venv", venv]]
    assert "a ready-made wheel from PyPI (bookworm)" in result.stdout
    assert "RPi.GPIO" not in " ".join(" ".join(c) for c in pi.commands())


def test_an_installed_python3_lgpio_is_used_on_bookworm_too(pi):
    os_release(pi, "bookworm")
    module = pi.path("/usr/lib/python3/dist-packages/lgpio.py")
    module.parent.mkdir(parents=True)
    module.touch()
    ok(pi.run())
    assert pi.commands("apt-get") == []
    assert "--system-site-packages" in pi.commands("python3")[0]


def test_an_update_to_trixie_remakes_the_venv_to_see_the_os_package(pi):
    os_release(pi, "bookworm")
    ok(pi.run())
    os_release(pi, "trixie")
    ok(pi.run())
    made = pi.commands("python3")
    assert len(made) == 2, "a venv that cannot see python3-lgpio is made anew"
    assert "--system-site-packages" in made[1]
    ok(pi.run())
    assert len(pi.commands("python3")) == 2, "then it is kept"


def test_rpi_gpio_only_on_request(pi):
    ok(pi.run("--legacy-gpio"))
    assert pi.commands("venv-python") == [
        ["venv-python", "-m", "pip", "install", "--upgrade", f"{REPO}[pi,legacy-gpio]"]
    ]


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
        [
            "chown",
            "kiosk:kiosk",
            str(pi.path("/var/lib/balance-kiosk")),
            str(pi.path("/var/cache/balance-kiosk")),
        ]
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
    pi.path("/var/cache/balance-kiosk").mkdir(parents=True, exist_ok=True)

    result = ok(pi.run("--uninstall"))

    assert not pi.path("/etc/systemd/system/balance-kiosk.service").exists()
    assert not pi.path("/opt/balance-kiosk").exists()
    assert not pi.path("/usr/local/bin/balance-kiosk").exists()
    assert not pi.path("/var/cache/balance-kiosk").exists()
    assert (state / "sessions.sqlite3").read_text() == "the walker's history"
    assert pi.path("/etc/balance-kiosk/config.toml").exists()
    assert ["systemctl", "disable", "--now", "balance-kiosk.service"] in pi.commands("systemctl")
    assert pi.commands("userdel") == [["userdel", "kiosk"]]
    assert "/var/lib/balance-kiosk" in result.stdout and "/etc/balance-kiosk" in result.stdout

    again = ok(pi.run("--uninstall"))
    assert "not installed" in again.stdout
    assert len(pi.commands("userdel")) == 1


WEB_UNIT_TEXT = (REPO / "systemd" / "balance-kiosk-web.service").read_text(encoding="utf-8")


def test_without_web_there_is_no_dashboard(pi):
    ok(pi.run())
    assert not pi.path("/etc/systemd/system/balance-kiosk-web.service").exists()
    assert not any("balance-kiosk-web.service" in c for c in pi.commands("systemctl"))


def test_web_installs_enables_and_starts_the_dashboard(pi):
    result = ok(pi.run("--web"))
    unit = pi.path("/etc/systemd/system/balance-kiosk-web.service")
    assert unit.read_text() == WEB_UNIT_TEXT
    env = pi.path("/etc/balance-kiosk/web.env").read_text()
    assert "WEB_OPTIONS=--port 8080\n" in env
    calls = pi.commands("systemctl")
    assert ["systemctl", "enable", "balance-kiosk-web.service"] in calls
    assert calls[-1] == ["systemctl", "restart", "balance-kiosk-web.service"]
    assert "balance-kiosk web set-password" in result.stdout
    assert not pi.path("/var/lib/balance-kiosk/web_tls_cert.pem").exists()

    pi.path("/etc/balance-kiosk/web.env").write_text("WEB_OPTIONS=--port 9000\n")
    again = ok(pi.run("--web"))
    assert "Keeping its options" in again.stdout and "up to date" in again.stdout
    assert pi.path("/etc/balance-kiosk/web.env").read_text() == "WEB_OPTIONS=--port 9000\n"


def test_web_tls_makes_the_certificate_and_shows_its_fingerprint(pi):
    result = ok(pi.run("--web-tls", "--no-start"))
    assert "--port 8443 --tls" in pi.path("/etc/balance-kiosk/web.env").read_text()
    cert = pi.path("/var/lib/balance-kiosk/web_tls_cert.pem")
    key = pi.path("/var/lib/balance-kiosk/web_tls_key.pem")
    assert cert.read_text().startswith("-----BEGIN CERTIFICATE-----")
    assert key.stat().st_mode & 0o777 == 0o600
    from kiosk.web.tls import fingerprint

    assert f"fingerprint (SHA-256): {fingerprint(cert)}" in result.stdout
    assert ["systemctl", "restart", "balance-kiosk-web.service"] not in pi.commands("systemctl")


def test_uninstall_removes_the_dashboard_too(pi):
    ok(pi.run("--web"))
    ok(pi.run("--uninstall"))
    assert not pi.path("/etc/systemd/system/balance-kiosk-web.service").exists()
    assert ["systemctl", "disable", "--now", "balance-kiosk-web.service"] in pi.commands(
        "systemctl"
    )
    assert pi.path("/etc/balance-kiosk/web.env").exists()  # settings are kept


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


# --- The README's Raspberry Pi steps, word for word -------------------------------------------
#
# Every command the README's section "From a fresh Raspberry Pi OS Lite image to the kiosk at
# boot" shows is read out of the README and run in order, by bash, as typed over SSH, in a
# scratch root shaped like Raspberry Pi OS: absolute system paths in them are moved under the
# scratch root, and the programs that belong to the OS are the stand-ins below (sudo,
# raspi-config, reboot, apt-get, i2cdetect, git, systemctl, journalctl, nano). The installer,
# the command it puts on the PATH and the kiosk's own command line are the real ones.
#
# Run as root (with setpriv), the SSH user and the kiosk's user are two unprivileged users of
# their own, so a folder one of them cannot enter is refused as on a Pi; `sudo` switches
# between them and root. Run as anyone else, every command runs as that one user, and what
# only the permissions would catch is not checked.

PI_STEPS = "## From a fresh Raspberry Pi OS Lite image to the kiosk at boot"
# Code in the steps that has a space but is not a command to type, and what it is instead.
NOT_COMMANDS: dict[str, str] = {}
# Commands that cannot run here, and why.
CANNOT_RUN = {
    "ssh YOURNAME@kiosk.local": "typed on the other computer; the test plays that SSH session",
    "scp YOURNAME@kiosk.local:sessions.csv .": "typed on the other computer",
    "systemd-analyze security": "names the sandbox rating; tests/e2e/test_systemd_unit.py runs it",
    "make pi-check": "run on a development machine: it follows these steps in arm64 roots",
}
# Commands whose status here is not 0, and why.
STATUS_HERE = {
    "balance-kiosk doctor": (1, "no I2C bus, sensor or GPIO pins on this machine"),
}
# Top folders of the system paths the README names: moved under the scratch root.
SYSTEM_FOLDERS = ("boot", "dev", "etc", "opt", "usr", "var")
CALLER_UID, KIOSK_UID = 64201, 64202  # the SSH user and the kiosk's user, when root can switch

SUDO = """#!/usr/bin/env bash
# sudo [-u USER] [--] COMMAND...: COMMAND as USER (root unless -u) with a fresh environment,
# as sudo's env_reset gives it (only the test's own variables are kept).
{ printf 'sudo'; printf ' %q' "$@"; printf '\\n'; } >> "$STUB_LOG"
user=root
while (($#)); do
    case "$1" in
        -u) user="$2"; shift 2 ;;
        --) shift; break ;;
        -*) echo "sudo (stand-in): no option $1 here" >&2; exit 2 ;;
        *) break ;;
    esac
done
case "$user" in
    root) uid=0 ;;
    kiosk) uid="${FAKE_KIOSK_UID:-}" ;;
    *) echo "sudo: unknown user $user" >&2; exit 1 ;;
esac
kept=()
for name in PATH LANG HOME BALANCE_KIOSK_ROOT STUB_LOG FAKE_PASSWD FAKE_GROUPS REAL_PYTHON \\
    REAL_REPO FAKE_KIOSK_UID FAKE_KIOSK_CAPS; do
    kept+=("$name=${!name:-}")
done
if [[ -n "${FAKE_KIOSK_UID:-}" ]]; then
    # Root first (as sudo lets the SSH user), then the user asked for.
    grant=(--inh-caps=-all)
    if [[ "$user" == kiosk && -n "${FAKE_KIOSK_CAPS:-}" ]]; then
        grant=(--inh-caps="+$FAKE_KIOSK_CAPS" --ambient-caps="+$FAKE_KIOSK_CAPS")
    fi
    exec setpriv --reuid=0 --regid=0 --clear-groups \\
        setpriv --reuid="$uid" --regid="$uid" --clear-groups "${grant[@]}" \\
        env -i "${kept[@]}" "$@"
fi
exec env -i "${kept[@]}" "$@"
"""

PI_OS_STUBS = {
    "sudo": SUDO,
    # The kiosk's user owns what is given to it, when there is a user to give it to.
    "chown": STUB
    + """[[ -n "${FAKE_KIOSK_UID:-}" ]] || exit 0
exec "$(type -P -a chown | sed -n 2p)" "${1//kiosk/$FAKE_KIOSK_UID}" "${@:2}"
""",
    "raspi-config": STUB
    + """config="$BALANCE_KIOSK_ROOT/boot/firmware/config.txt"
if [[ "$*" == "nonint do_i2c 0" ]] && ! grep -qx 'dtparam=i2c_arm=on' "$config"; then
    echo 'dtparam=i2c_arm=on' >> "$config"
fi
""",
    # The bus appears at the next boot once config.txt turns it on.
    "reboot": STUB
    + """if grep -qx 'dtparam=i2c_arm=on' "$BALANCE_KIOSK_ROOT/boot/firmware/config.txt"; then
    mkdir -p "$BALANCE_KIOSK_ROOT/dev" && touch "$BALANCE_KIOSK_ROOT/dev/i2c-1"
fi
""",
    "i2cdetect": STUB
    + """[[ -e "$BALANCE_KIOSK_ROOT/dev/i2c-1" ]] || { echo "Error: no /dev/i2c-1" >&2; exit 1; }
echo "20: -- -- -- -- -- -- -- -- -- 29 -- -- -- -- -- --"
""",
    # git clone URL DIR: the parts of this checkout the installer uses.
    "git": STUB
    + """if [[ "$1" == clone ]]; then
    mkdir -p "$3" && cp -r "$REAL_REPO/systemd" "$REAL_REPO/pyproject.toml" "$3/"
fi
""",
    "apt-get": STUB,
    "journalctl": STUB,
    "nano": STUB,
}


def pi_step_commands() -> list[str]:
    """The commands in the README's Pi steps, in order: each line of a ```sh block (a trailing
    backslash joins the next) and each piece of inline code with a space in it (but those in
    NOT_COMMANDS)."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    start = text.index(PI_STEPS)
    section = text[start : text.index("\n## ", start + len(PI_STEPS))]
    commands = []
    for match in re.finditer(r"```sh\n(.*?)```|`([^`]+)`", section, re.DOTALL):
        if match[1] is not None:
            block = re.sub(r"\\\n\s*", "", match[1])
            commands += [line.strip() for line in block.splitlines() if line.strip()]
            continue
        code = " ".join(match[2].split())  # inline code may wrap onto the next line
        if " " in code and code not in NOT_COMMANDS:
            commands.append(code)
    return commands


@dataclass
class Typed:
    command: str
    returncode: int
    stdout: str
    stderr: str


class PiSession(FakePi):
    """A fresh Raspberry Pi OS in a scratch root, and an SSH session on it."""

    def __init__(self, base: Path) -> None:
        super().__init__(base)
        self.config_txt.write_text("[all]\ndtparam=audio=on\n#dtparam=i2c_arm=on\n")
        for name, text in PI_OS_STUBS.items():
            path = self.stubs / name
            path.write_text(text)
            path.chmod(0o755)
        self.log.chmod(0o666)
        self.home = self.path("/home/yourname")
        self.home.mkdir(parents=True, mode=0o700)
        session = base / "session"  # anyone may write here: the SSH user notes its folder
        session.mkdir()
        session.chmod(0o777)
        self.left_off = session / "cwd"
        self.cwd = self.home
        self.switch_users, self.kiosk_caps = users_here(base)
        if self.switch_users:
            os.chown(self.home, CALLER_UID, CALLER_UID)
        self.seeded = False

    def rooted(self, command: str) -> str:
        """The command with the system paths it names moved under the scratch root."""
        folders = "|".join(SYSTEM_FOLDERS)
        moved = re.sub(rf"(?<![\w.~/-])/(?={folders}/)", f"{self.root}/", command)
        for path in re.findall(r"(?<![\w.~/-])/[\w./@-]+", moved):
            assert path.startswith(f"{self.root}/"), f"{command!r} names {path} outside the root"
        return moved

    def type(self, command: str) -> Typed:
        """Run one README command as the SSH user would type it, where the last one left off."""
        # /usr/local/bin is on a Pi's PATH; the system's own is left out of this one.
        env = self.env(f"{self.stubs}:{self.path('/usr/local/bin')}:{SYSTEM_PATH}", self.home)
        env.update(START=str(self.cwd), TYPED=self.rooted(command), LEFT_OFF=str(self.left_off))
        prefix: list[str] = []
        if self.switch_users:
            env.update(FAKE_KIOSK_UID=str(KIOSK_UID), FAKE_KIOSK_CAPS=self.kiosk_caps)
            prefix = as_ssh_user()
        done = subprocess.run(
            [*prefix, "bash", "-c", TYPE_SCRIPT],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        if self.left_off.exists():
            self.cwd = Path(self.left_off.read_text().strip())
        return Typed(command, done.returncode, done.stdout, done.stderr)

    def boot(self) -> None:
        """What the installed kiosk does once the Pi boots: it records a walk (written here
        with the log's own store, in the data folder, as the kiosk's user would)."""
        data = self.path("/var/lib/balance-kiosk")
        store = SessionStore.open(data / "sessions.db")
        walker = store.add_profile("Ann")
        session = store.start_session(walker, "beginner", 1)
        store.end_session(session, "completed", seconds_walking=300, seconds_paused=0)
        store.close()
        if self.switch_users:
            for path in [data, *data.rglob("*")]:
                os.chown(path, KIOSK_UID, KIOSK_UID)
        self.seeded = True


SYSTEM_PATH = "/usr/local/sbin:/usr/sbin:/usr/bin:/sbin:/bin"
# One typed command, in the folder the last one left off in; notes where this one leaves off.
TYPE_SCRIPT = 'cd "$START" || exit 97\neval "$TYPED"\nstatus=$?\npwd > "$LEFT_OFF"\nexit $status\n'


def as_user(uid: int) -> list[str]:
    setpriv = shutil.which("setpriv")
    assert setpriv is not None
    return [setpriv, f"--reuid={uid}", f"--regid={uid}", "--clear-groups"]


def users_here(base: Path) -> tuple[bool, str]:
    """Whether the SSH user and the kiosk's user can be users of their own here, and the
    capability the kiosk's user needs to run the Python running these tests ('' for none).

    They can when the tests run as root and setpriv is there. When that Python sits where
    other users may not go (built in root's home, say), the kiosk's user is given
    CAP_DAC_READ_SEARCH: it may then read any file and enter any folder, and only what it
    writes is checked. The SSH user is never given it.
    """
    if os.geteuid() != 0 or shutil.which("setpriv") is None:
        return False, ""
    for uid in (CALLER_UID, KIOSK_UID):
        with contextlib.suppress(KeyError):
            pwd.getpwuid(uid)
            return False, ""  # taken on this machine
    base.chmod(0o755)
    for caps in ("", "dac_read_search"):
        # Through bash, as the stand-in program runs it; the same Python must answer.
        probe = subprocess.run(
            [*as_ssh_user(), *as_kiosk_user(caps), "bash", "-c", 'exec "$0" -P -', sys.executable],
            input="import kiosk, sys; print(sys.version)",
            env={"PYTHONPATH": str(REPO), "PATH": SYSTEM_PATH},
            cwd="/",
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        if probe.returncode == 0 and probe.stdout.strip() == sys.version:
            return True, caps
    return False, ""


def as_ssh_user() -> list[str]:
    """setpriv to the SSH user, who may become root (as sudo lets it) and no more."""
    caps = ["--inh-caps=+setuid,+setgid", "--ambient-caps=+setuid,+setgid"]
    return [*as_user(CALLER_UID), *caps]


def as_kiosk_user(caps: str) -> list[str]:
    """From the SSH user to the kiosk's user through root, as the sudo stand-in goes."""
    grant = [f"--inh-caps=+{caps}", f"--ambient-caps=+{caps}"] if caps else ["--inh-caps=-all"]
    return [*as_user(0), *as_user(KIOSK_UID), *grant]


@pytest.fixture
def pi_session():
    base = Path(tempfile.mkdtemp(prefix="balance-kiosk-pi-"))
    try:
        yield PiSession(base)
    finally:
        shutil.rmtree(base)


def test_the_readme_pi_steps_read_as_commands():
    commands = pi_step_commands()
    assert "sudo systemd/install.sh" in commands
    assert any(c.startswith("balance-kiosk logs export") for c in commands)
    for command in [*CANNOT_RUN, *STATUS_HERE]:
        assert command in commands, f"{command!r} is no longer in the README's Pi steps"


def test_every_command_of_the_readme_pi_steps_works_as_written(pi_session):
    typed = []
    for command in pi_step_commands():
        if command in CANNOT_RUN:
            continue
        result = pi_session.type(command)
        typed.append(result)
        expected, why = STATUS_HERE.get(command, (0, "all is well"))
        shown = f"{command!r} exited {result.returncode}, not {expected} ({why})\n"
        shown += f"{result.stdout}\n{result.stderr}"
        assert result.returncode == expected, shown
        for sign in ("command not found", "Permission denied", "Traceback", "does not exist"):
            assert sign not in result.stdout + result.stderr, shown
        if command == "sudo reboot" and pi_session.path(UNIT_PATH).exists():
            pi_session.boot()
    assert pi_session.seeded, "the kiosk was installed before a reboot"
    check_what_the_commands_said(pi_session, {t.command: t for t in typed})


UNIT_PATH = "/etc/systemd/system/balance-kiosk.service"


def check_what_the_commands_said(pi: PiSession, typed: dict[str, Typed]) -> None:
    data = str(pi.path("/var/lib/balance-kiosk"))
    doctor = typed["balance-kiosk doctor"].stdout
    assert f"OK   config      {pi.path('/etc/balance-kiosk/config.toml')}" in doctor, doctor
    assert data in doctor, doctor
    failed = [line.split()[1] for line in doctor.splitlines() if line.startswith("FAIL")]
    assert set(failed) <= {"i2c", "sensor", "buzzer"}, doctor
    assert "Ann" in typed["balance-kiosk logs list"].stdout
    exported = pi.home / "sessions.csv"
    assert "Ann" in exported.read_text(encoding="utf-8-sig")
    if pi.switch_users:
        assert exported.stat().st_uid == CALLER_UID, "the export is the SSH user's file"
        owners = {p.stat().st_uid for p in Path(data).rglob("*")}
        assert owners == {KIOSK_UID}, "the commands left nothing in the data folder to others"
    # The last step removed the command with the program, and kept the logs.
    assert not pi.path("/usr/local/bin/balance-kiosk").exists()
    assert (Path(data) / "sessions.db").exists()
