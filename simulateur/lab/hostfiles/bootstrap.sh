#!/bin/sh
# Becomes PID 1 of a lab host. Started by the lab engine as
#   nsenter --net=NETNS unshare --mount --pid --ipc --uts --fork --propagation private sh bootstrap.sh ROOT UPPER WORK NAME
# It mounts an overlay of the machine's whole root (writes go to UPPER only), private /proc,
# /sys, /run, /tmp, /dev/shm, sets the host name, pivots into the overlay, runs the host's
# /etc/simulateur/boot.sh if any, says "ready" on stdout, then reaps orphans forever.
set -eu
ROOT=$1 UPPER=$2 WORK=$3 NAME=$4
mount -t overlay overlay -o "lowerdir=/,upperdir=$UPPER,workdir=$WORK" "$ROOT"
mount -t proc proc "$ROOT/proc"
mount -t sysfs sysfs "$ROOT/sys"
mount --rbind /dev "$ROOT/dev"
mount -t tmpfs -o mode=1777 tmpfs "$ROOT/dev/shm"
mount -t tmpfs -o mode=755 tmpfs "$ROOT/run"
mount -t tmpfs -o mode=1777 tmpfs "$ROOT/tmp"
hostname "$NAME"
cd "$ROOT"
pivot_root . .
umount -l .
cd /
if [ -x /etc/simulateur/boot.sh ]; then
    /etc/simulateur/boot.sh >/var/log/boot.log 2>&1 || echo "boot.sh failed" >&2
fi
echo ready
exec >/dev/null 2>&1 </dev/null
trap "" TERM INT HUP
# `|| :` — with set -e, a sleep killed from inside the host (kill -9 -1, pkill sleep) would
# otherwise end PID 1, and with it the whole host.
while :; do sleep 3600 & wait $! || :; done
