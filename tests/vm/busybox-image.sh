#!/usr/bin/env bash
# busybox-image.sh OUT: an OCI image archive (tar of an OCI layout) of contrib/mkrootfs.sh's
# busybox root, tagged "criu", for the engines the VM lane drives (podman load, ctr image
# import): no registry is ever asked. Needs umoci (installed by build-image.sh).
set -euo pipefail
out=$(realpath -m "${1:?usage: busybox-image.sh OUT.tar}")
repo=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
umoci init --layout "$work/layout"
umoci new --image "$work/layout:criu"
umoci unpack --rootless --image "$work/layout:criu" "$work/bundle" >/dev/null
"$repo/contrib/mkrootfs.sh" "$work/rootfs" >/dev/null
cp -a "$work/rootfs/." "$work/bundle/rootfs/"
umoci repack --image "$work/layout:criu" "$work/bundle"
umoci config --image "$work/layout:criu" --config.cmd sh --config.env PATH=/bin:/sbin
umoci gc --layout "$work/layout"
tar -C "$work/layout" -cf "$out" .
