# busybox sh runs its own module applets before PATH: the guest's tools are kmod's.
modprobe() { /sbin/modprobe "$@"; }
lsmod() { /sbin/lsmod "$@"; }
depmod() { /sbin/depmod "$@"; }
insmod() { /sbin/insmod "$@"; }
rmmod() { /sbin/rmmod "$@"; }
modinfo() { /sbin/modinfo "$@"; }
