# Shared by test_trixie.sh and pi_check.sh: Debian roots made with debootstrap from the package
# archive, kept under .cache/ (ignored by git), and a way to run commands in them.
#
# Nothing here touches the host's kernel settings: an arm64 root is entered through proot,
# which runs each arm64 program under qemu-user itself (no binfmt_misc registration), and a
# native root through chroot inside a private mount namespace, so its mounts vanish with it.
# shellcheck shell=bash

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
CACHE="${BALANCE_KIOSK_ROOTS:-$REPO/.cache}"
MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
# Where the project sits inside a root (copied there fresh for each run).
SRC_IN_ROOT=/src
# The local package indexes, visible inside every root. proot's binds are writable, so only
# folders that nothing in a root writes are bound; pip's configuration files and the
# certificate bundle pip is told to trust ($PIP_CERT: this machine's, which may hold a CA of its
# own for the way out to the package index) are copied in instead (share_pip_config): a
# package's script in the root (update-ca-certificates) must never rewrite the host's files.
PIP_PATHS=(/opt/pypi /opt/pypi-more /opt/wheels)
PIP_FILES=(/etc/pip.conf /etc/xdg/pip)
CA_IN_ROOT=/etc/ssl/balance-kiosk-host-ca.crt

say() { printf '%s\n' "$*"; }
die() {
    printf '%s: %s\n' "$(basename "$0")" "$1" >&2
    shift
    local line
    for line in "$@"; do printf '%s\n' "$line" >&2; done
    exit 1
}

need_root_and() {
    ((EUID == 0)) || die "this makes and enters Debian roots (debootstrap, chroot, mounts): run it as root."
    local tool missing=()
    for tool in "$@"; do
        command -v "$tool" >/dev/null || missing+=("$tool")
    done
    if ((${#missing[@]})); then
        if command -v apt-get >/dev/null; then
            say "Installing what this needs on the host: ${missing[*]}"
            apt-get update -qq
            DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
                "${HOST_PACKAGES[@]}" >/dev/null
        else
            die "missing: ${missing[*]} (Debian packages: ${HOST_PACKAGES[*]})."
        fi
    fi
}

# Seconds since $1 (from $SECONDS), as "12 s" or "3 min 4 s".
took() {
    local s=$((SECONDS - $1))
    if ((s >= 60)); then printf '%d min %d s' $((s / 60)) $((s % 60)); else printf '%d s' "$s"; fi
}

# The project's files as git sees them (tracked and new, not ignored), copied to $1/src; a venv
# already there (.venv) is kept, so a second run does not install everything again.
copy_project() {
    local dest="$1$SRC_IN_ROOT"
    mkdir -p "$dest"
    find "$dest" -mindepth 1 -maxdepth 1 ! -name .venv -exec rm -rf {} +
    git -C "$REPO" ls-files -z --cached --others --exclude-standard |
        tar -C "$REPO" --null --files-from=- --ignore-failed-read -cf - 2>/dev/null |
        tar -C "$dest" -xf -
    chmod 0755 "$dest"
}

# Copies of pip's configuration and certificate bundle into the root at $1.
share_pip_config() {
    local path
    for path in "${PIP_FILES[@]}"; do
        [[ -e "$path" ]] || continue
        rm -rf "$1$path"
        mkdir -p "$1$(dirname "$path")"
        cp -rL "$path" "$1$path"
    done
    if [[ -n "${PIP_CERT:-}" && -f "$PIP_CERT" ]]; then
        cp -L "$PIP_CERT" "$1$CA_IN_ROOT"
    fi
}

# The variables a run inside a root gets: pip's (its certificates the copy in the root), the
# locale, and nothing of the host's session.
root_env() {
    local name
    printf '%s\n' PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
        HOME=/root LANG=C.UTF-8 TERM=dumb
    for name in $(compgen -v PIP_); do
        [[ "$name" == PIP_CERT ]] && continue
        printf '%s=%s\n' "$name" "${!name}"
    done
    [[ -n "${PIP_CERT:-}" && -f "$PIP_CERT" ]] && printf 'PIP_CERT=%s\n' "$CA_IN_ROOT"
    return 0
}

# Whether the root at $1 was finished for the package list $2 (a stamp written at the end).
root_ready() { [[ -f "$1/.balance-kiosk-root" && "$(cat "$1/.balance-kiosk-root")" == "$2" ]]; }
mark_root_ready() { printf '%s' "$2" >"$1/.balance-kiosk-root"; }
