#!/usr/bin/env bash
# Builds a minimal busybox root filesystem at DEST: a static busybox with its applets as
# symlinks in /bin, /etc/passwd and /etc/group, and the empty mount points a container needs.
# Usage: contrib/mkrootfs.sh DEST   (needs busybox-static: `make deps`)
set -euo pipefail

dest=${1:?usage: mkrootfs.sh DEST}
busybox=${BUSYBOX:-/bin/busybox}

# A dynamically linked busybox would need a libc inside the rootfs.
if [[ ! -x $busybox ]] || ldd "$busybox" >/dev/null 2>&1; then
	echo "mkrootfs: $busybox is missing or not static; install busybox-static (make deps)" >&2
	exit 1
fi

rm -rf "$dest"
mkdir -p "$dest"/{bin,dev,etc,proc,sys,tmp,root,run,var/tmp,home/user}
chmod 1777 "$dest/tmp" "$dest/var/tmp"
chmod 0700 "$dest/root"
install -m 0755 "$busybox" "$dest/bin/busybox"
# Run the installer inside the new root so the links point at /bin/busybox there.
chroot "$dest" /bin/busybox --install -s /bin
# Scripts that name /usr/bin/env or /sbin tools still find them.
ln -s bin "$dest/sbin"
mkdir -p "$dest/usr"
ln -s ../bin "$dest/usr/bin"
ln -s ../bin "$dest/usr/sbin"

cat >"$dest/etc/passwd" <<'PASSWD'
root:x:0:0:root:/root:/bin/sh
daemon:x:1:1:daemon:/usr/sbin:/bin/false
user:x:1000:1000:user:/home/user:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
PASSWD
cat >"$dest/etc/group" <<'GROUP'
root:x:0:
daemon:x:1:
user:x:1000:
users:x:100:user
nogroup:x:65534:
GROUP
chown 1000:1000 "$dest/home/user"
echo "berth" >"$dest/etc/hostname"
