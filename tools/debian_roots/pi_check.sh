#!/usr/bin/env bash
# make pi-check: the kiosk installed and checked on arm64 Debian bookworm and trixie, under
# qemu-user, as far as that can go without a Raspberry Pi.
#
# For each release: an arm64 root made with debootstrap (--foreign here, its second stage run
# under proot, which runs each arm64 program through qemu-aarch64 itself: nothing is registered
# in the host kernel's binfmt_misc), kept in .cache/<release>-arm64. Then the README's Pi steps
# as far as they concern the software: the packages of its step 5 (apt-get), and
# `systemd/install.sh --skip-i2c-check --no-start` as its step 7 runs it (the project copied to
# /src as the clone; systemctl a stand-in, as the root runs no systemd). Then
# tools/debian_roots/pi_checks.py with the installed kiosk's Python prints one line per check.
# The whole output is kept in .cache/pi-check.txt. Takes tens of minutes the first time.
#
#   PI_CHECK_RELEASES="trixie" make pi-check     one release only
set -euo pipefail
source "$(dirname "$0")/common.sh"

RELEASES=(${PI_CHECK_RELEASES:-bookworm trixie})
ARCH=arm64
BASE_PACKAGES=python3,python3-venv,ca-certificates
HOST_PACKAGES=(debootstrap proot qemu-user-static curl gcc make libtalloc-dev)
# proot 5.1 (Debian 12's) passes statx and faccessat2 to the host untranslated, so under it
# trixie's gcc never finds its cc1 and lgpio cannot be built. 5.4.0 translates them: when the
# host's proot is older, 5.4.0 is built once from Debian's own source package (sid's).
PROOT_WANTED=5.4.0
PROOT_SOURCE="pool/main/p/proot/proot_$PROOT_WANTED.orig.tar.gz"
PROOT_SHA256=29248aac2a7ce10c3bd5ee5602742ec33b2532310ff9cf73b79f3c133e5a5f68
PROOT=proot
QEMU="$(command -v qemu-aarch64-static || command -v qemu-aarch64 || true)"
REPORT="$CACHE/pi-check.txt"

# The packages the README's step 5 installs (the `sudo apt-get install -y ...` line of its
# shell block), but git:
# the project is copied in, not cloned.
readme_packages() {
    python3 - "$REPO/README.md" <<'EOF'
import re, sys
text = open(sys.argv[1], encoding="utf-8").read()
start = text.index("**Install what the installer needs**")
match = re.search(r"```sh\n(?:.*\n)*?\s*sudo apt-get install -y ((?:[^\n\\]|\\\n)+)", text[start:])
words = match[1].replace("\\\n", " ").split()
print(" ".join(w for w in words if w != "git"))
EOF
}

# COMMAND... in the arm64 root $ROOT, through proot and qemu-user.
in_root() {
    local binds=(-b /dev -b /proc -b /sys -b "$SCRATCH:/tmp") path
    for path in "${PIP_PATHS[@]}"; do
        [[ -d "$path" ]] && binds+=(-b "$path")
    done
    share_pip_config "$ROOT"
    rm -f "$ROOT/etc/resolv.conf"
    cp -L /etc/resolv.conf "$ROOT/etc/resolv.conf"
    mapfile -t environment < <(root_env)
    # A private mount namespace: a package's script that unmounts /dev/pts in the root (proot
    # passes umount through) must not unmount the host's.
    unshare --mount --propagation private -- nice -n 15 "$PROOT" -q "$QEMU" -r "$ROOT" "${binds[@]}" -w / \
        /usr/bin/env -i "${environment[@]}" DEBIAN_FRONTEND=noninteractive "$@"
}

make_root() {
    local start=$SECONDS log="$CACHE/$RELEASE-$ARCH.debootstrap.log"
    if root_ready "$ROOT" "$BASE_PACKAGES"; then
        line "root" "$start" "cached in $ROOT"
        return
    fi
    rm -rf "$ROOT"
    mkdir -p "$CACHE"
    if ! nice -n 15 debootstrap --foreign --arch="$ARCH" --variant=minbase \
        --include="$BASE_PACKAGES" "$RELEASE" "$ROOT" "$MIRROR" >"$log" 2>&1; then
        die "debootstrap (first stage) failed; its log: $log"
    fi
    # In a container debootstrap may leave /proc a link to the host's; proot binds it instead.
    [[ -L "$ROOT/proc" ]] && rm "$ROOT/proc" && mkdir "$ROOT/proc"
    if ! in_root /usr/bin/env DEBOOTSTRAP_DIR=/debootstrap /bin/sh /debootstrap/debootstrap \
        --second-stage >>"$log" 2>&1; then
        die "debootstrap (second stage, under qemu) failed; its log: $log"
    fi
    mark_root_ready "$ROOT" "$BASE_PACKAGES"
    line "root" "$start" "debootstrap $RELEASE $ARCH (first stage native, second under qemu)"
}

# One line of the report: PASS/FAIL, release, name, time, what it found.
line() {
    local verdict=PASS
    [[ "$1" == FAIL:* ]] && verdict=FAIL
    printf '%s  %-9s%-13s%7s s  %s\n' "$verdict" "$RELEASE" "${1#FAIL:}" \
        "$((SECONDS - $2)).0" "$3" | tee -a "$REPORT"
}

# A step of the README's Pi steps, run in the root; its output goes to a log beside the report.
readme_step() {
    local name="$1" what="$2" start=$SECONDS log="$CACHE/pi-check-$RELEASE-$1.log"
    shift 2
    if in_root "$@" >"$log" 2>&1; then
        line "$name" "$start" "$what"
    else
        line "FAIL:$name" "$start" "$what failed: $(tail -n 2 "$log" | tr '\n' ' ')(log: $log)"
        return 1
    fi
}

check_release() {
    RELEASE="$1"
    ROOT="$CACHE/$RELEASE-$ARCH"
    make_root
    copy_project "$ROOT"
    # The root runs no systemd: a stand-in systemctl that says what it was asked.
    mkdir -p "$ROOT/usr/local/sbin"
    printf '#!/bin/sh\necho "systemctl (stand-in): $*"\n' >"$ROOT/usr/local/sbin/systemctl"
    chmod 0755 "$ROOT/usr/local/sbin/systemctl"
    local packages
    packages="$(readme_packages)"
    readme_step apt "README step 5: apt-get install $packages" \
        sh -c "apt-get update -qq && apt-get install -y -q $packages" || return 1
    local failed=0
    if ! readme_step install "README step 7: install.sh --skip-i2c-check --no-start" \
        bash "$SRC_IN_ROOT/systemd/install.sh" --skip-i2c-check --no-start; then
        # Check the rest without lgpio (on plain Debian trixie it must compile): the imports
        # line then fails on it, as it should.
        failed=1
        [[ -x "$ROOT/opt/balance-kiosk/venv/bin/python" ]] || return 1
        readme_step install-rest "the program and gpiod without lgpio, to check the rest" \
            /opt/balance-kiosk/venv/bin/python -m pip install "$SRC_IN_ROOT" "gpiod>=2.2.2,<3" ||
            return 1
    fi
    readme_step pytest "pytest into the kiosk's venv, for the unit tests" \
        /opt/balance-kiosk/venv/bin/python -m pip install -q "pytest>=8,<10" || return 1
    local status=0
    set -o pipefail
    in_root /opt/balance-kiosk/venv/bin/python "$SRC_IN_ROOT/tools/debian_roots/pi_checks.py" \
        --label "$RELEASE" | tee -a "$REPORT" || status=$?
    ((status == 0 && failed == 0))
}

# $PROOT: the host's proot when it is $PROOT_WANTED or newer, else one built from source.
choose_proot() {
    local have built="$CACHE/proot-$PROOT_WANTED/src/proot"
    have="$(dpkg-query -W -f='${Version}' proot 2>/dev/null || true)"
    if [[ -n "$have" ]] && dpkg --compare-versions "$have" ge "$PROOT_WANTED"; then
        PROOT="$(command -v proot)"
        return
    fi
    PROOT="$built"
    [[ -x "$built" ]] && return
    say "proot $have is too old for trixie's gcc: building proot $PROOT_WANTED from Debian's source..."
    local tarball="$CACHE/proot_$PROOT_WANTED.orig.tar.gz"
    curl -fsS -o "$tarball" "$MIRROR/$PROOT_SOURCE" || die "could not fetch $MIRROR/$PROOT_SOURCE"
    echo "$PROOT_SHA256  $tarball" | sha256sum -c --quiet - || die "$tarball: checksum differs"
    tar -C "$CACHE" -xzf "$tarball"
    make -C "$CACHE/proot-$PROOT_WANTED/src" -j2 proot >"$CACHE/proot-build.log" 2>&1 ||
        die "building proot $PROOT_WANTED failed; its log: $CACHE/proot-build.log"
}

main() {
    need_root_and debootstrap proot curl gcc make
    [[ -n "$QEMU" ]] || die "qemu-user is missing: sudo apt-get install qemu-user-static"
    SCRATCH="$(mktemp -d)"
    trap 'rm -rf "$SCRATCH"' EXIT
    chmod 1777 "$SCRATCH"
    mkdir -p "$CACHE"
    choose_proot
    : >"$REPORT"
    say "make pi-check: $(${QEMU} --version | head -n 1), proot $PROOT ($(dpkg-query -W -f='${Version}' proot 2>/dev/null) on the host)" |
        tee -a "$REPORT"
    local release failed=0 start=$SECONDS
    for release in "${RELEASES[@]}"; do
        check_release "$release" || failed=$((failed + 1))
    done
    say "make pi-check: $( ((failed)) && echo "$failed release(s) FAILED" || echo passed) in $(took "$start"); this report: $REPORT" |
        tee -a "$REPORT"
    return $((failed > 0))
}

main "$@"
