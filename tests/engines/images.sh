#!/usr/bin/env bash
# Builds the lane's two images locally (no registry is reachable, and nothing is pulled):
#   localhost/busybox:berth  Debian's static busybox with its applet symlinks (contrib/mkrootfs.sh)
#   localhost/pause:berth    catatonit alone, run as `catatonit -P` (the pod sandbox's pause)
# Each becomes OUT/NAME.tar, one archive that every engine loads: an OCI image layout made
# with umoci (ctr import, podman load) that also carries the docker-archive manifest.json
# (docker load). Cached: a rebuild happens only when the inputs (this script, mkrootfs.sh,
# busybox, catatonit) change.
#
# Usage: tests/engines/images.sh OUT_DIR
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
out=${1:?usage: images.sh OUT_DIR}
mkdir -p "$out"
out=$(realpath "$out")

inputs_hash=$(cat "$0" "$repo/contrib/mkrootfs.sh" /bin/busybox /usr/bin/catatonit | sha256sum | cut -c1-16)
if [[ -f $out/busybox.tar && -f $out/pause.tar && $(cat "$out/inputs" 2>/dev/null) == "$inputs_hash" ]]; then
	exit 0
fi
echo "engines-images: building localhost/busybox:berth and localhost/pause:berth in $out"

work=$(mktemp -d "$out/build.XXXXXX")
trap 'rm -rf --one-file-system "$work"' EXIT

# build NAME REF ROOTFS_FN CONFIG_ARGS...: an OCI layout with one layer holding what ROOTFS_FN
# puts in the directory it is given, then the archive OUT/NAME.tar.
build() {
	local name=$1 ref=$2 populate=$3
	shift 3
	local layout=$work/$name bundle=$work/$name-bundle
	umoci init --layout "$layout"
	umoci new --image "$layout:$name"
	umoci unpack --image "$layout:$name" "$bundle" >/dev/null
	"$populate" "$bundle/rootfs"
	umoci repack --image "$layout:$name" "$bundle"
	umoci config --image "$layout:$name" --os linux --architecture amd64 "$@"
	umoci gc --layout "$layout"

	# The name every engine gives the image: containerd reads io.containerd.image.name,
	# podman the ref.name annotation, dockerd manifest.json's RepoTags.
	local manifest config layers
	manifest=$(jq -r '.manifests[0].digest' "$layout/index.json")
	jq --arg ref "$ref" '.manifests[0].annotations = {"io.containerd.image.name": $ref, "org.opencontainers.image.ref.name": $ref}' \
		"$layout/index.json" >"$layout/index.json.new"
	mv "$layout/index.json.new" "$layout/index.json"
	config=$(jq -r '.config.digest' "$layout/blobs/${manifest/://}")
	layers=$(jq -c '[.layers[].digest | "blobs/" + sub(":"; "/")]' "$layout/blobs/${manifest/://}")
	jq -n --arg ref "$ref" --arg config "blobs/${config/://}" --argjson layers "$layers" \
		'[{Config: $config, RepoTags: [$ref], Layers: $layers}]' >"$layout/manifest.json"
	tar -C "$layout" -cf "$out/$name.tar.new" oci-layout index.json manifest.json blobs
	mv "$out/$name.tar.new" "$out/$name.tar"
}

busybox_rootfs() { "$repo/contrib/mkrootfs.sh" "$1"; }

pause_rootfs() {
	install -D -m 0755 /usr/bin/catatonit "$1/catatonit"
	mkdir -p "$1"/{dev,proc,sys,etc}
	echo "nobody:x:65534:65534:nobody:/:/catatonit" >"$1/etc/passwd"
	echo "nogroup:x:65534:" >"$1/etc/group"
}

build busybox localhost/busybox:berth busybox_rootfs \
	--config.cmd sh --config.env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
build pause localhost/pause:berth pause_rootfs \
	--config.entrypoint /catatonit --config.entrypoint -P --config.user 65534:65534
echo "$inputs_hash" >"$out/inputs"
