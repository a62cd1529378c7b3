#!/usr/bin/env bash
# make test-trixie: the whole test suite (`make test`) under Debian trixie's Python 3.13.
#
# The first run makes a native root of Debian 13 "trixie" with debootstrap from the package
# archive into .cache/trixie-<arch> (a few minutes); later runs reuse it, and reuse the venv
# made inside it unless pyproject.toml changed. The project is copied in fresh each time, then
# `make test` runs there under chroot, with pip's configuration and the local package indexes
# of this machine. Needs root (debootstrap, chroot, mounts); installs debootstrap when missing.
set -euo pipefail
source "$(dirname "$0")/common.sh"

SUITE=trixie
ARCH="$(dpkg --print-architecture)"
ROOT="$CACHE/$SUITE-$ARCH"
# Python and its venv module, make for the Makefile, certificates for pip, and what some tests
# call: systemd-analyze (the unit's checks) and espeak-ng (the demo video's narration).
PACKAGES=python3,python3-venv,make,ca-certificates,systemd,espeak-ng
HOST_PACKAGES=(debootstrap)

make_root() {
    if root_ready "$ROOT" "$PACKAGES"; then
        say "Debian $SUITE ($ARCH) root: $ROOT (cached)"
        return
    fi
    local start=$SECONDS
    say "Making a Debian $SUITE ($ARCH) root in $ROOT with debootstrap (a few minutes, once)..."
    rm -rf "$ROOT" "$ROOT.partial"
    mkdir -p "$CACHE"
    if ! nice -n 15 debootstrap --variant=minbase --include="$PACKAGES" "$SUITE" "$ROOT.partial" \
        "$MIRROR" >"$CACHE/$SUITE-$ARCH.debootstrap.log" 2>&1; then
        tail -n 20 "$CACHE/$SUITE-$ARCH.debootstrap.log" >&2
        die "debootstrap failed (its log: $CACHE/$SUITE-$ARCH.debootstrap.log)."
    fi
    mv "$ROOT.partial" "$ROOT"
    mark_root_ready "$ROOT" "$PACKAGES"
    say "   made in $(took "$start")"
}

main() {
    need_root_and debootstrap unshare chroot
    local start=$SECONDS
    make_root
    copy_project "$ROOT"
    say "Running 'make test' in it ($(chroot "$ROOT" python3 --version))..."
    local status=0
    unshare --mount -- nice -n 15 "$(dirname "$0")/enter_native.sh" "$ROOT" \
        bash -c "cd $SRC_IN_ROOT && make test" || status=$?
    say "make test-trixie: $( ((status == 0)) && echo passed || echo "FAILED (status $status)") in $(took "$start")"
    return "$status"
}

main "$@"
