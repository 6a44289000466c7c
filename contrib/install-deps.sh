#!/usr/bin/env bash
# Installs, with apt-get, what berth's tests need on Debian 12; quick and silent when all
# of it is already there. --bench adds the runtimes and timer that `make bench` compares with.
set -euo pipefail

packages=(
	bats           # integration tests
	busybox-static # the test and demo rootfs (must be static: the rootfs has no libc)
	jq             # editing config.json, reading state JSON
	iproute2       # ip netns for the network namespace tests
	util-linux     # unshare, nsenter, mountpoint
	procps         # ps, pgrep
	tar            # the conformance suite unpacks its rootfs
	git            # the version stamp in the binary
	uidmap         # newuidmap/newgidmap for rootless containers with id ranges
	passwd         # useradd: the rootless tests' unprivileged user
	bsdutils       # script(1): foreground terminal tests
	gcc            # cgo, for libseccomp
	libc6-dev      # the static libc berth links
	libseccomp-dev # seccomp filters (static libseccomp.a)
	musl-tools     # musl-gcc: berth links musl, not glibc, when it is there (Makefile)
	pkg-config     # how libseccomp-golang finds libseccomp
	python3-jsonschema # berth features checked against runtime-spec's features schema
	criu           # checkpoint/restore: its argument checks and CRIU's failure (it runs in the VM lane)
	umoci          # the engines' images, which the VM lane's checkpoint tests load too
	catatonit      #   (tests/engines/images.sh), before the engines lane installs its own
)
if [[ ${1:-} == --bench ]]; then
	packages+=(runc crun hyperfine strace time)
fi
missing=()
for pkg in "${packages[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
		missing+=("$pkg")
	fi
done
if ((${#missing[@]} == 0)); then
	exit 0
fi

if [[ $(id -u) -ne 0 ]]; then
	echo "install-deps: need root to install: ${missing[*]}" >&2
	exit 1
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
