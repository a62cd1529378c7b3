#!/usr/bin/env bash
# enter_native.sh ROOT COMMAND...: COMMAND in the native Debian root ROOT, under chroot.
# Meant to run inside `unshare --mount` (common.sh's in_native_root does that): the mounts made
# here are private to that namespace and vanish with it. The root sees the host's devices,
# /proc, a fresh /tmp, copies of pip's configuration and the local package indexes
# (read-only).
set -euo pipefail
root="$1"
shift
source "$(dirname "$0")/common.sh"

mount --make-rprivate /
mount --rbind /dev "$root/dev"
mount -t proc proc "$root/proc"
mount --rbind /sys "$root/sys"
mount -t tmpfs -o mode=1777 tmpfs "$root/tmp"
for path in "${PIP_PATHS[@]}"; do
    [[ -d "$path" ]] || continue
    mkdir -p "$root$path"
    mount --bind "$path" "$root$path"
    mount -o remount,bind,ro "$root$path"
done
share_pip_config "$root"
# Name resolution for pip (the root's own file; the host's is copied over it each time).
rm -f "$root/etc/resolv.conf"
cp -L /etc/resolv.conf "$root/etc/resolv.conf"
mapfile -t environment < <(root_env)
exec chroot "$root" env -i "${environment[@]}" "$@"
