#!/usr/bin/env bash
# build-image.sh: the throwaway VM that tests berth on pure cgroup v2 and under systemd.
#
# Everything comes from Debian bookworm packages, so CI needs nothing but apt:
#   kernel  Debian's linux-image (6.1), unpacked with dpkg-deb (never installed on the host); its
#           compressed vmlinuz is turned into an ELF vmlinux here, because QEMU boots that directly
#           (PVH entry, -bios qboot.rom) and decompressing inside an emulated guest costs seconds.
#   root    debootstrap --variant=minbase with systemd, dbus and what the bats suites use, packed
#           into an ext4 image with mke2fs -d; runs use it as a snapshot, so it is never changed.
#   initrd  busybox plus the modules needed to reach the root disk and the 9p shares.
# The result lives in $BERTH_VM_CACHE (default /var/cache/berth-vm) and is rebuilt only when this
# script or the guest init changes (or with --force).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
cache=${BERTH_VM_CACHE:-/var/cache/berth-vm}
suite=bookworm
mirror=${BERTH_VM_MIRROR:-http://deb.debian.org/debian}
guest_pkgs=systemd,systemd-sysv,dbus,libpam-systemd,dbus-user-session,kmod,busybox-static,libseccomp2,tini,bats,jq,procps,apparmor
# Checkpoint/restore (tests/integration/checkpoint_vm.bats): CRIU, iptables (CRIU locks the
# network with it while it dumps), ip (the tests' network namespaces), and the engines that
# drive checkpoints through berth.
guest_pkgs+=,criu,iptables,iproute2,podman,netavark,containerd
host_pkgs=(qemu-system-x86 debootstrap kmod e2fsprogs cpio xz-utils gpgv debian-archive-keyring)
initrd_mods="virtio_pci virtio_blk virtio_console ext4 9pnet_virtio 9p"

say() { echo "berth-vm: $*" >&2; }
[[ $(id -u) == 0 ]] || { say "must run as root"; exit 1; }

missing=()
for p in "${host_pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
	say "installing ${missing[*]}"
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

stamp=$(cat "$0" "$here/guest/init" | sha256sum | cut -c1-16)
built() { [[ -f $cache/stamp && $(cat "$cache/stamp") == "$stamp" ]]; }
[[ ${1:-} != --force ]] && built && exit 0
mkdir -p "$cache"
exec 9>"$cache/.lock"
flock 9
[[ ${1:-} != --force ]] && built && exit 0

t0=$SECONDS
work=$cache/build
rm -rf "$work" "$cache/stamp"
mkdir -p "$work/deb" "$work/kernel"

# The kernel package linux-image-amd64 points at.
apt-cache show linux-image-amd64 >/dev/null 2>&1 || apt-get update -qq
kpkg=$(apt-cache depends linux-image-amd64 | awk '/Depends: linux-image-[0-9]/ { print $2; exit }')
[[ -n $kpkg ]] || { say "no kernel package found (apt-get update?)"; exit 1; }
kver=${kpkg#linux-image-}
say "building the image: kernel $kver, $suite"
(cd "$work/deb" && apt-get download -qq "$kpkg")
dpkg-deb -x "$work"/deb/*.deb "$work/kernel"
# vmlinuz is a boot stub followed by an xz stream: unpack the stream.
vmlinuz=$work/kernel/boot/vmlinuz-$kver
offset=$(LC_ALL=C grep -obUaP '\xfd7zXZ\x00' "$vmlinuz" | head -1 | cut -d: -f1)
tail -c +$((offset + 1)) "$vmlinuz" | xz -dcq >"$work/vmlinux" 2>/dev/null || true
[[ $(head -c4 "$work/vmlinux" | od -An -tx1 | tr -d ' ') == 7f454c46 ]] || { say "no ELF kernel in $vmlinuz"; exit 1; }
moddir=$work/kernel/lib/modules/$kver
# Hardware a VM never has: keeps the root image small.
for d in sound drivers/gpu drivers/media drivers/infiniband drivers/usb drivers/net/wireless \
	drivers/net/ethernet drivers/staging drivers/scsi drivers/hid drivers/input drivers/bluetooth; do
	rm -rf "${moddir:?}/kernel/$d"
done
depmod -b "$work/kernel" "$kver"

root=$work/root
if ! debootstrap --variant=minbase --include="$guest_pkgs" "$suite" "$root" "$mirror" >"$work/debootstrap.log" 2>&1; then
	tail -n 30 "$work/debootstrap.log" >&2
	exit 1
fi
mkdir -p "$root/lib/modules"
cp -a "$moddir" "$root/lib/modules/"
echo berth-vm >"$root/etc/hostname"
: >"$root/etc/fstab"
# A machine-id means no first-boot questions on the console.
echo 5be7a1e2c0ffee0123456789abcdef01 >"$root/etc/machine-id"
chroot "$root" systemctl set-default multi-user.target >/dev/null 2>&1
for unit in getty@tty1.service serial-getty@ttyS0.service apt-daily.timer apt-daily-upgrade.timer \
	e2scrub_all.timer fstrim.timer dpkg-db-backup.timer systemd-timesyncd.service systemd-pstore.service \
	systemd-remount-fs.service systemd-update-utmp.service systemd-update-utmp-runlevel.service; do
	ln -sf /dev/null "$root/etc/systemd/system/$unit"
done
# /tmp holds the test bundles; systemd must not wipe it at boot.
echo 'd /tmp 1777 root root -' >"$root/etc/tmpfiles.d/tmp.conf"
rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*
size=$(($(du -sm "$root" | cut -f1) + 512))
mke2fs -q -t ext4 -d "$root" -L berth-vm "$work/root.img" "${size}M"

# initramfs: busybox, the modules in load order, and our init.
ird=$work/initrd
mkdir -p "$ird/bin" "$ird/modules"
cp "$root/bin/busybox" "$ird/bin/busybox"
ln -s busybox "$ird/bin/sh"
install -m 0755 "$here/guest/init" "$ird/init"
for m in $initrd_mods; do
	modprobe -d "$work/kernel" -S "$kver" --show-depends "$m" | awk '$1 == "insmod" { print $2 }'
done | awk '!seen[$0]++' | while read -r ko; do
	cp "$ko" "$ird/modules/"
	basename "$ko" >>"$ird/modules/order"
done
(cd "$ird" && find . | LC_ALL=C sort | cpio -o -H newc --quiet) >"$work/initrd.img"

mv "$work/vmlinux" "$work/initrd.img" "$work/root.img" "$cache/"
rm -rf "$work"
echo "$stamp" >"$cache/stamp"
say "image ready in $((SECONDS - t0)) s ($(du -sh "$cache" | cut -f1))"
