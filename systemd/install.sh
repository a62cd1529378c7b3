#!/usr/bin/env bash
# Installs the balance kiosk as a service that starts at boot on a Raspberry Pi.
#
#   sudo systemd/install.sh                  install or update, and start the kiosk
#   sudo systemd/install.sh --no-start       install or update; the kiosk starts at the next boot
#   sudo systemd/install.sh --legacy-gpio    also compile RPi.GPIO, a fallback for old OS images
#   sudo systemd/install.sh --uninstall      remove the service, the program, its command and
#                                            the user; keep the session logs and the settings
#   systemd/install.sh --dry-run             say what would be done, change nothing
#   sudo systemd/install.sh --web            also the caregivers' dashboard (port 8080)
#   sudo systemd/install.sh --web-tls        the same over HTTPS (port 8443), with a
#                                            self-signed certificate made now
#
# Running it again is safe: each step checks what is already there.
#
# For tests: every path the script reads or writes is prefixed with $BALANCE_KIOSK_ROOT (a
# temporary directory), and so are the paths in the command it puts on the PATH, so that one
# runs there too; every command (systemctl, useradd, usermod, userdel, getent, chown, apt-get,
# python3 and the venv's pip) is called by name, so stubs put first in PATH stand in for them.
set -euo pipefail

umask 022
# The program is run to write and check the settings; pygame's greeting is noise here.
export PYGAME_HIDE_SUPPORT_PROMPT=1

ROOT="${BALANCE_KIOSK_ROOT:-}"
ROOT="${ROOT%/}"
SRC="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

SERVICE=balance-kiosk.service
USER_NAME=kiosk
APP_DIR=/opt/balance-kiosk
VENV="$APP_DIR/venv"
STATE_DIR=/var/lib/balance-kiosk
CACHE_DIR=/var/cache/balance-kiosk
CONFIG_DIR=/etc/balance-kiosk
CONFIG="$CONFIG_DIR/config.toml"
UNIT="/etc/systemd/system/$SERVICE"
WEB_SERVICE=balance-kiosk-web.service
WEB_UNIT="/etc/systemd/system/$WEB_SERVICE"
WEB_ENV="$CONFIG_DIR/web.env"
# balance-kiosk on the PATH, for SSH: the program, as the kiosk's user (systemd/balance-kiosk.sh).
COMMAND=/usr/local/bin/balance-kiosk
# Debian's python3-lgpio (Raspberry Pi OS's too): the sign that it is installed.
SYSTEM_LGPIO_MODULE=/usr/lib/python3/dist-packages/lgpio.py
# Screen (video, render), touch (input), sensor (i2c), buzzer (gpio), sound (audio).
WANTED_GROUPS=(video render input gpio i2c audio)

SKIP_I2C_CHECK=0
LEGACY_GPIO=0
WEB=0
WEB_TLS=0
START=1
UNINSTALL=0
DRY_RUN=0
STEP=0

usage() {
    cat <<'EOF'
Usage: sudo systemd/install.sh [--web | --web-tls] [--no-start] [--skip-i2c-check] [--legacy-gpio]
                               [--dry-run]
       sudo systemd/install.sh --uninstall [--dry-run]

Installs the balance kiosk as a systemd service that starts at boot.

  --web             also install the caregivers' dashboard (balance-kiosk-web, port 8080)
  --web-tls         the dashboard over HTTPS (port 8443) with a self-signed certificate
  --no-start        install, but start the kiosk only at the next boot
  --skip-i2c-check  install even though I2C is off (a bench set-up without the sensor)
  --legacy-gpio     also install RPi.GPIO, a fallback pin library for OS images older than
                    bookworm; it compiles (needs gcc and python3-dev) and does not work on a Pi 5
  --uninstall       remove the service, the program, its command and the kiosk user; the logs
                    (/var/lib/balance-kiosk) and the settings (/etc/balance-kiosk) are kept
  --dry-run         say what would be done, and change nothing
  -h, --help        show this help
EOF
}

say() { printf '%s\n' "$*"; }
step() {
    STEP=$((STEP + 1))
    printf '\n%d. %s\n' "$STEP" "$*"
}
warn() { printf '   Note: %s\n' "$*" >&2; }
die() {
    printf '\nbalance-kiosk install: %s\n' "$1" >&2
    shift
    for line in "$@"; do printf '%s\n' "$line" >&2; done
    exit 1
}

# Runs a command, or only shows it in a dry run.
run() {
    local shown
    shown="$(printf ' %q' "$@")"
    if ((DRY_RUN)); then
        say "   would run:$shown"
        return 0
    fi
    say "   running:$shown"
    "$@"
}

group_exists() { getent group "$1" >/dev/null 2>&1; }
user_exists() { getent passwd "$USER_NAME" >/dev/null 2>&1; }

parse_args() {
    while (($#)); do
        case "$1" in
            --no-start) START=0 ;;
            --web) WEB=1 ;;
            --web-tls)
                WEB=1
                WEB_TLS=1
                ;;
            --skip-i2c-check) SKIP_I2C_CHECK=1 ;;
            --legacy-gpio) LEGACY_GPIO=1 ;;
            --uninstall) UNINSTALL=1 ;;
            --dry-run) DRY_RUN=1 ;;
            -h | --help)
                usage
                exit 0
                ;;
            *)
                usage >&2
                die "unknown option '$1'."
                ;;
        esac
        shift
    done
}

check_root() {
    if [[ -n "$ROOT" ]]; then
        say "Installing into $ROOT (BALANCE_KIOSK_ROOT); commands are those first in PATH."
        return
    fi
    if ((EUID != 0 && !DRY_RUN)); then
        die "this installer changes system files, so it must run as root." \
            "Run it again with sudo:" \
            "    sudo $0 $*"
    fi
}

# --- install ----------------------------------------------------------------------------------

i2c_enabled() {
    [[ -e "$ROOT/dev/i2c-1" ]] && return 0
    local config
    for config in "$ROOT/boot/firmware/config.txt" "$ROOT/boot/config.txt"; do
        # dtparam=i2c_arm=on, also inside a list (dtparam=audio=on,i2c_arm=on) and its aliases.
        if [[ -f "$config" ]] &&
            grep -Eq '^[[:space:]]*dtparam=([^#]*,)?(i2c_arm|i2c1|i2c)(=(on|true|yes|okay))?([[:space:],#]|$)' \
                "$config"; then
            return 0
        fi
    done
    return 1
}

check_i2c() {
    step "Checking that I2C, the sensor's bus, is on"
    if ((SKIP_I2C_CHECK)); then
        say "   Skipped (--skip-i2c-check): the kiosk will report a sensor fault until I2C is on."
        return
    fi
    if i2c_enabled; then
        say "   I2C is on."
        return
    fi
    die "I2C is off, and the distance sensor needs it." \
        "There is no /dev/i2c-1, and neither /boot/firmware/config.txt nor /boot/config.txt" \
        "has dtparam=i2c_arm=on. Turn I2C on, restart the Pi, then run this installer again:" \
        "" \
        "    sudo raspi-config nonint do_i2c 0" \
        "    sudo reboot" \
        "" \
        "(For a bench set-up without the sensor, add --skip-i2c-check.)"
}

check_desktop() {
    if [[ -e "$ROOT/etc/systemd/system/display-manager.service" ]]; then
        warn "a desktop starts at boot on this Pi. The kiosk needs the screen to itself:" \
            "switch to the console with 'sudo raspi-config nonint do_boot_behaviour B1'."
    fi
}

create_user() {
    step "Creating the system user '$USER_NAME' that the kiosk runs as"
    if user_exists; then
        say "   The user '$USER_NAME' already exists."
    else
        run useradd --system --user-group --home-dir "$STATE_DIR" --no-create-home \
            --shell /usr/sbin/nologin --comment "Balance kiosk" "$USER_NAME"
    fi
    PRESENT_GROUPS=()
    local group missing=()
    for group in "${WANTED_GROUPS[@]}"; do
        if group_exists "$group"; then
            PRESENT_GROUPS+=("$group")
        else
            missing+=("$group")
        fi
    done
    if ((${#PRESENT_GROUPS[@]})); then
        say "   Giving it access to: ${PRESENT_GROUPS[*]}."
        run usermod --append --groups "$(IFS=,; printf '%s' "${PRESENT_GROUPS[*]}")" "$USER_NAME"
    fi
    if ((${#missing[@]})); then
        warn "skipped the groups that do not exist here: ${missing[*]}" \
            "(on Raspberry Pi OS they all do)."
    fi
}

# The release named in /etc/os-release (bookworm, trixie...), or nothing when there is none.
os_codename() {
    local file="$ROOT/etc/os-release"
    [[ -f "$file" ]] || return 0
    # shellcheck disable=SC1090
    (. "$file" && printf '%s' "${VERSION_CODENAME:-}")
}

# Where the pin library lgpio comes from, the way that compiles nothing (README, "Which pin
# library"): PyPI has lgpio wheels for Python 3.9-3.12 only, so on bookworm (Python 3.11) and
# older pip fetches one; on trixie (Python 3.13) and later the OS's own python3-lgpio is used
# through a venv that sees the system's packages. Where the OS package is already installed
# (Raspberry Pi OS has it on bookworm too), it is used whatever the release.
# Where the OS has no python3-lgpio (plain Debian: only Raspberry Pi's archive has it), lgpio
# is built from PyPI's source in its static mode (PYPI=1: the C library compiled in, so no
# liblgpio-dev), which needs gcc, swig and python3-dev.
# Sets SYSTEM_LGPIO=1 for the OS package, 0 for the wheel; STATIC_LGPIO=1 for the build.
choose_pin_library() {
    local codename
    codename="$(os_codename)"
    SYSTEM_LGPIO=0
    STATIC_LGPIO=0
    if [[ -f "$ROOT$SYSTEM_LGPIO_MODULE" ]]; then
        SYSTEM_LGPIO=1
        say "   The pin library lgpio: the system's python3-lgpio, already installed."
        return
    fi
    case "$codename" in
        "" | buster | bullseye | bookworm)
            say "   The pin library lgpio: a ready-made wheel from PyPI (${codename:-release unknown})."
            return
            ;;
    esac
    SYSTEM_LGPIO=1
    say "   The pin library lgpio: the system's python3-lgpio ($codename has no lgpio wheel"
    say "   for its Python, and building one needs a compiler and Raspberry Pi's liblgpio-dev)."
    # A Pi that has not run apt-get update lately may not find it at first.
    if run apt-get install -y python3-lgpio ||
        { run apt-get update && run apt-get install -y python3-lgpio; }; then
        return
    fi
    SYSTEM_LGPIO=0
    STATIC_LGPIO=1
    say "   No python3-lgpio in this system's archive (Raspberry Pi OS has it; plain Debian does"
    say "   not): building lgpio from source with its C library compiled in."
    run apt-get install -y gcc swig python3-dev ||
        die "apt-get could not install the build tools for lgpio (see above)." \
            "Check the network and /etc/apt/sources.list.d, then run this installer again."
}

# Whether the venv there was made with the system's packages visible ("true"/"false").
venv_sees_system() {
    sed -n 's/^include-system-site-packages *= *//p' "$ROOT$VENV/pyvenv.cfg" 2>/dev/null
}

make_venv() {
    local options=()
    ((SYSTEM_LGPIO)) && options=(--system-site-packages)
    local wanted=false
    ((SYSTEM_LGPIO)) && wanted=true
    # A venv made without Python's venv module has a python but no pip: start it afresh; so
    # also when it should see the system's packages and does not, or the other way round.
    if [[ -x "$ROOT$VENV/bin/python" && -x "$ROOT$VENV/bin/pip" ]] &&
        [[ "$(venv_sees_system)" == "$wanted" || ! -f "$ROOT$VENV/pyvenv.cfg" ]]; then
        say "   Reusing the Python environment already there."
        return
    fi
    run rm -rf "$ROOT$VENV"
    run mkdir -p "$ROOT$APP_DIR"
    if ! run python3 -m venv "${options[@]}" "$ROOT$VENV"; then
        run rm -rf "$ROOT$VENV"
        die "Python could not make its environment in $VENV." \
            "Install its venv module, then run this again: sudo apt-get install -y python3-venv"
    fi
}

install_program() {
    step "Installing the kiosk program into $VENV"
    choose_pin_library
    make_venv
    # Older pip builds inside the source folder; files left in build/ would come back after
    # an update even when the source no longer has them.
    run rm -rf "$SRC/build"
    local extras=pi
    ((LEGACY_GPIO)) && extras=pi,legacy-gpio
    say "   Installing from $SRC with the Raspberry Pi extras ($extras; a few minutes)."
    local build=()
    ((STATIC_LGPIO)) && build=(env PYPI=1 "$ROOT$VENV/bin/python" -m pip install --no-binary lgpio)
    ((STATIC_LGPIO)) || build=("$ROOT$VENV/bin/python" -m pip install)
    if ! run "${build[@]}" --upgrade "${SRC}[$extras]"; then
        local why="Check the network, and run this again."
        ((LEGACY_GPIO)) && why="RPi.GPIO compiles: sudo apt-get install -y gcc python3-dev"
        die "pip could not install the kiosk (see its messages above)." "$why"
    fi
    # The data and cache folders exist before the first start, so that the command on the
    # PATH (doctor, logs...) can run as the kiosk user before the service ever has.
    run mkdir -p -m 0700 "$ROOT$STATE_DIR" "$ROOT$CACHE_DIR"
    run chown "$USER_NAME:$USER_NAME" "$ROOT$STATE_DIR" "$ROOT$CACHE_DIR"
}

install_unit() {
    step "Installing the service definition $UNIT"
    local dest="$ROOT$UNIT" tmp
    if ((DRY_RUN)); then
        say "   would copy $SRC/systemd/$SERVICE there"
        return
    fi
    tmp="$(mktemp)"
    # Only the groups that exist: a missing one would stop the service from starting.
    sed "s/^SupplementaryGroups=.*/SupplementaryGroups=${PRESENT_GROUPS[*]}/" \
        "$SRC/systemd/$SERVICE" >"$tmp"
    mkdir -p "$(dirname "$dest")"
    if [[ -f "$dest" ]] && cmp -s "$tmp" "$dest"; then
        say "   Already up to date."
    else
        install -m 0644 "$tmp" "$dest"
        say "   Written."
    fi
    rm -f "$tmp"
}

# The generated settings with sensor.source set to "i2c" (inserted when the key is missing).
set_sensor_source_i2c() {
    awk '
        /^\[/ {
            if (in_sensor && !done) { print "source = \"i2c\""; done = 1 }
            in_sensor = ($0 == "[sensor]")
        }
        in_sensor && /^source[[:space:]]*=/ { print "source = \"i2c\""; done = 1; next }
        { print }
        END {
            if (in_sensor && !done) { print "source = \"i2c\""; done = 1 }
            if (!done) { print ""; print "[sensor]"; print "source = \"i2c\"" }
        }
    '
}

# The kiosk's own check of a settings file: its message on stderr, a failure when it refuses
# the file. The empty data folder keeps out any caregiver's changes found in ./data.
kiosk_accepts() {
    local config="$1" empty status=0
    empty="$(mktemp -d)"
    "$ROOT$VENV/bin/balance-kiosk" config --config "$config" --data-dir "$empty" >/dev/null ||
        status=$?
    rm -rf "$empty"
    return "$status"
}

# An existing settings file is kept, and checked by the program just installed: a file it
# refuses would keep the kiosk from starting (status 78; systemd then leaves it stopped).
check_kept_config() {
    say "   Keeping your settings: $CONFIG already exists. Checking them."
    if [[ ! -x "$ROOT$VENV/bin/balance-kiosk" ]]; then
        say "   would check them with the program once it is installed"
        return
    fi
    if ! kiosk_accepts "$ROOT$CONFIG"; then
        die "the kiosk refuses $CONFIG (the line above says why), so it would not start." \
            "The service was not (re)started. Correct that line, or delete it to use the default:" \
            "" \
            "    sudo nano $CONFIG" \
            "" \
            "then run this installer again."
    fi
    say "   The kiosk accepts them."
}

install_config() {
    step "The settings file $CONFIG"
    local dest="$ROOT$CONFIG" kiosk="$ROOT$VENV/bin/balance-kiosk" empty tmp
    if [[ -e "$dest" ]]; then
        check_kept_config
        return
    fi
    if ((DRY_RUN)); then
        say "   would write the commented defaults from 'balance-kiosk config', with"
        say "   sensor.source = \"i2c\""
        return
    fi
    empty="$(mktemp -d)"
    tmp="$(mktemp)"
    # An empty settings file and data folder: the defaults, whatever this machine has in /etc
    # or in ./data already.
    touch "$empty/config.toml"
    if ! { "$kiosk" config --config "$empty/config.toml" --data-dir "$empty" |
        set_sensor_source_i2c >"$tmp"; }; then
        rm -rf "$empty" "$tmp"
        die "'balance-kiosk config' could not write the settings (see its message above)."
    fi
    rm -rf "$empty"
    # Read back by the kiosk itself: the file it will start with must be one it accepts.
    if ! kiosk_accepts "$tmp"; then
        rm -f "$tmp"
        die "the kiosk refused the settings file written for it (see its message above)."
    fi
    mkdir -p "$(dirname "$dest")"
    install -m 0644 "$tmp" "$dest"
    rm -f "$tmp"
    say "   Written with the defaults and sensor.source = \"i2c\". Edit it to change the reach"
    say "   line, the buzzer pin and more; 'sudo systemctl restart balance-kiosk' applies it."
}

install_command() {
    step "Putting the command 'balance-kiosk' on the PATH ($COMMAND)"
    local dest="$ROOT$COMMAND" tmp
    if ((DRY_RUN)); then
        say "   would write it from $SRC/systemd/balance-kiosk.sh"
        return
    fi
    tmp="$(mktemp)"
    sed -e "s|@PROGRAM@|$ROOT$VENV/bin/balance-kiosk|g" -e "s|@KIOSK_USER@|$USER_NAME|g" \
        -e "s|@STATE_DIR@|$ROOT$STATE_DIR|g" -e "s|@CONFIG_DIR@|$ROOT$CONFIG_DIR|g" \
        -e "s|@CACHE_DIR@|$ROOT$CACHE_DIR|g" "$SRC/systemd/balance-kiosk.sh" >"$tmp"
    mkdir -p "$(dirname "$dest")"
    if [[ -f "$dest" ]] && cmp -s "$tmp" "$dest"; then
        say "   Already up to date."
    else
        install -m 0755 "$tmp" "$dest"
        say "   Written."
    fi
    rm -f "$tmp"
    say "   From any folder, for example over SSH: balance-kiosk doctor, balance-kiosk logs list."
    say "   It runs as the user '$USER_NAME' with the kiosk's data folder and settings (sudo)."
}

disable_console_blanking() {
    step "Keeping the screen on (consoleblank=0 on the kernel command line)"
    local cmdline=""
    if [[ -f "$ROOT/boot/firmware/cmdline.txt" ]]; then
        cmdline="$ROOT/boot/firmware/cmdline.txt"
    elif [[ -f "$ROOT/boot/cmdline.txt" ]]; then
        cmdline="$ROOT/boot/cmdline.txt"
    else
        warn "no /boot/firmware/cmdline.txt found: add consoleblank=0 to the kernel" \
            "command line yourself, or the screen may go blank after 10 minutes."
        return
    fi
    if grep -Eq '(^|[[:space:]])consoleblank=0([[:space:]]|$)' "$cmdline"; then
        say "   Already set in ${cmdline#"$ROOT"}."
        return
    fi
    if ((DRY_RUN)); then
        say "   would add consoleblank=0 to ${cmdline#"$ROOT"}"
        return
    fi
    [[ -e "$cmdline.balance-kiosk.bak" ]] || cp -p "$cmdline" "$cmdline.balance-kiosk.bak"
    # The file is one line: change an existing consoleblank= or add ours at the end of it.
    if grep -Eq '(^|[[:space:]])consoleblank=' "$cmdline"; then
        sed -i -E '1 s/(^|[[:space:]])consoleblank=[^[:space:]]*/\1consoleblank=0/' "$cmdline"
    else
        sed -i -E '1 s/[[:space:]]*$/ consoleblank=0/' "$cmdline"
    fi
    say "   Added to ${cmdline#"$ROOT"} (a copy of the old file: $(basename "$cmdline").balance-kiosk.bak);"
    say "   it takes effect at the next boot."
}

enable_service() {
    step "Starting the kiosk at every boot"
    run systemctl daemon-reload
    run systemctl enable "$SERVICE"
    if ((START)); then
        if [[ "$(tty 2>/dev/null || true)" == /dev/tty1 ]]; then
            warn "the kiosk takes over this screen (tty1): this login ends as it starts." \
                "Next time, run the installer over SSH."
        fi
        # restart, not start: an update must replace the running program.
        run systemctl restart "$SERVICE"
        ((DRY_RUN)) || say "   The kiosk is starting on the screen now."
    else
        say "   Not started now (--no-start): it starts at the next boot."
    fi
}

# --- the dashboard (--web) -------------------------------------------------------------------

install_web() {
    step "The caregivers' dashboard ($WEB_SERVICE)"
    copy_file "$SRC/systemd/$WEB_SERVICE" "$ROOT$WEB_UNIT" 0644
    local options="--port 8080"
    ((WEB_TLS)) && options="--port 8443 --tls"
    if [[ -e "$ROOT$WEB_ENV" ]]; then
        say "   Keeping its options in $WEB_ENV: $(grep -E '^WEB_OPTIONS=' "$ROOT$WEB_ENV" || true)"
    elif ((DRY_RUN)); then
        say "   would write $WEB_ENV with WEB_OPTIONS=$options"
    else
        mkdir -p "$(dirname "$ROOT$WEB_ENV")"
        printf '# Options of balance-kiosk web (see: balance-kiosk web --help).\nWEB_OPTIONS=%s\n' \
            "$options" >"$ROOT$WEB_ENV"
        chmod 0644 "$ROOT$WEB_ENV"
        say "   Wrote $WEB_ENV: WEB_OPTIONS=$options"
    fi
    if ((WEB_TLS)); then
        say "   Its TLS certificate (kept in $STATE_DIR):"
        run "$ROOT$VENV/bin/balance-kiosk" web certificate --data-dir "$ROOT$STATE_DIR"
    fi
    run systemctl daemon-reload
    run systemctl enable "$WEB_SERVICE"
    if ((START)); then
        run systemctl restart "$WEB_SERVICE"
    fi
    say "   Choose its password (once; again to reset it): balance-kiosk web set-password"
    say "   Then open http://$(hostname 2>/dev/null || echo kiosk).local:8080/ on a phone or computer"
    ((WEB_TLS)) && say "   (with --web-tls: https://...:8443/, and compare the fingerprint above)."
    return 0
}

# Copies a file into place with a mode, saying whether it changed.
copy_file() {
    local source="$1" dest="$2" mode="$3"
    if ((DRY_RUN)); then
        say "   would copy $source to ${dest#"$ROOT"}"
        return
    fi
    mkdir -p "$(dirname "$dest")"
    if [[ -f "$dest" ]] && cmp -s "$source" "$dest"; then
        say "   ${dest#"$ROOT"} is up to date."
    else
        install -m "$mode" "$source" "$dest"
        say "   Wrote ${dest#"$ROOT"}."
    fi
}

install_all() {
    say "Installing the balance kiosk from $SRC"
    check_i2c
    check_desktop
    create_user
    install_program
    # Before the unit and the restart: a refused settings file stops the update there.
    install_config
    install_command
    install_unit
    disable_console_blanking
    enable_service
    ((WEB)) && install_web
    say ""
    say "Done."
    say "   Settings:      $CONFIG"
    say "   Session logs:  $STATE_DIR"
    say "   Its messages:  journalctl -u balance-kiosk -b"
    say "   Its state:     systemctl status balance-kiosk"
    say "   Its command:   balance-kiosk --help   (as the user '$USER_NAME', from any folder)"
    ((DRY_RUN)) && say "(Dry run: nothing was changed.)"
    return 0
}

# --- uninstall --------------------------------------------------------------------------------

uninstall_all() {
    say "Removing the balance kiosk"
    step "Stopping the kiosk and removing it from the boot"
    if [[ -e "$ROOT$UNIT" ]]; then
        run systemctl disable --now "$SERVICE" || warn "systemctl could not stop it; going on."
        if ((DRY_RUN)); then
            say "   would delete $UNIT"
        else
            rm -f "$ROOT$UNIT"
            say "   Deleted $UNIT."
        fi
        run systemctl daemon-reload
        run systemctl reset-failed "$SERVICE" 2>/dev/null || true
    else
        say "   The service is not installed."
    fi

    if [[ -e "$ROOT$WEB_UNIT" ]]; then
        step "Stopping the dashboard and removing it from the boot"
        run systemctl disable --now "$WEB_SERVICE" || warn "systemctl could not stop it; going on."
        if ((DRY_RUN)); then
            say "   would delete $WEB_UNIT"
        else
            rm -f "$ROOT$WEB_UNIT"
            say "   Deleted $WEB_UNIT."
        fi
        run systemctl daemon-reload
    fi

    step "Removing the program ($APP_DIR), its command ($COMMAND) and the cache ($CACHE_DIR)"
    local dir
    for dir in "$APP_DIR" "$COMMAND" "$CACHE_DIR"; do
        if [[ -e "$ROOT$dir" ]]; then
            run rm -rf "$ROOT$dir"
        else
            say "   $dir is not there."
        fi
    done

    step "Removing the system user '$USER_NAME'"
    if user_exists; then
        run userdel "$USER_NAME"
    else
        say "   There is no user '$USER_NAME'."
    fi

    say ""
    say "Done. Kept, for you to keep or delete:"
    say "   Session logs:  $STATE_DIR   (delete with: sudo rm -r $STATE_DIR)"
    say "   Settings:      $CONFIG_DIR   (delete with: sudo rm -r $CONFIG_DIR)"
    say "consoleblank=0 stays on the kernel command line; the login prompt returns on the"
    say "screen at the next boot (or now: sudo systemctl start getty@tty1)."
    ((DRY_RUN)) && say "(Dry run: nothing was changed.)"
    return 0
}

main() {
    parse_args "$@"
    check_root "$@"
    PRESENT_GROUPS=()
    if ((UNINSTALL)); then
        uninstall_all
    else
        install_all
    fi
}

main "$@"
