# A private containerd (Debian's 1.6) for ctr.bats and cri.bats: its own config.toml, root,
# state, gRPC/ttrpc sockets and opt directory under $ENGINE_DIR; the runc v2 shim with
# BinaryName = the runtime under test and Root = a private runtime state root; the CRI plugin
# (cri.bats only) with the local pause image, restrict_oom_score_adj (root lacks
# CAP_SYS_RESOURCE here), cgroupfs, pod network namespaces under the state directory and a
# CNI bridge on a private bridge and subnet, CNI configuration private to the lane.
#
# containerd still uses two host paths it has no setting for: /run/containerd/s (the shims'
# sockets) and, for ctr, the runc shim's default runtime root /run/containerd/runc (ctr's
# --runc-root avoids that one); helpers.bash checks both are gone afterwards.


# containerd_start CRI: write the config and start containerd; CRI is "cri" to enable the
# CRI plugin, anything else to disable it.
containerd_start() {
	local d=$ENGINE_DIR cri_disabled=""
	[[ $1 == cri ]] || cri_disabled='"io.containerd.grpc.v1.cri",'
	mkdir -p "$d/cni/net.d" "$d/cni/ipam"
	cat >"$d/config.toml" <<-EOF
		version = 2
		root = "$d/root"
		state = "$d/state"
		disabled_plugins = [$cri_disabled "io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs",
		  "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper"]

		[grpc]
		  address = "$d/containerd.sock"
		[ttrpc]
		  address = "$d/containerd.sock.ttrpc"

		[plugins."io.containerd.internal.v1.opt"]
		  path = "$d/opt"

		[plugins."io.containerd.grpc.v1.cri"]
		  sandbox_image = "$PAUSE"
		  restrict_oom_score_adj = true
		  netns_mounts_under_state_dir = true
		  disable_apparmor = true
		  enable_selinux = false
		  stream_server_address = "127.0.0.1"
		  stream_server_port = "0"
		  [plugins."io.containerd.grpc.v1.cri".containerd]
		    default_runtime_name = "berth"
		    snapshotter = "overlayfs"
		    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.berth]
		      runtime_type = "io.containerd.runc.v2"
		      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.berth.options]
		        BinaryName = "$BERTH"
		        Root = "$d/runtime-root"
		        SystemdCgroup = false
		  [plugins."io.containerd.grpc.v1.cri".cni]
		    bin_dir = "/usr/lib/cni"
		    conf_dir = "$d/cni/net.d"
		    max_conf_num = 1
	EOF
	# No gateway address and no masquerading: nothing on the host changes but the bridge
	# itself (which teardown deletes) and the pods' veths.
	jq -n --arg ipam "$d/cni/ipam" --arg bridge "$CNI_BRIDGE" --arg subnet "$CNI_SUBNET" '{
		cniVersion: "1.0.0", name: "berth-lane",
		plugins: [{type: "bridge", bridge: $bridge, isGateway: false, ipMasq: false,
			ipam: {type: "host-local", dataDir: $ipam, ranges: [[{subnet: $subnet}]]}}]
	}' >"$d/cni/net.d/10-berth-lane.conflist"
	CONTAINERD_SOCK=$d/containerd.sock
	export CONTAINERD_SOCK
	lane_start_daemon containerd containerd --config "$d/config.toml" --log-level info
	lane_wait 60 "containerd to answer" ctr --address "$CONTAINERD_SOCK" --timeout 5s version
}

# The lane's CNI network: a bridge name and a 10.x subnet used by nothing else here.
CNI_BRIDGE=berthlane0
CNI_SUBNET=10.213.77.0/24

# containerd_import NAMESPACE TAR: import an image archive and unpack it for overlayfs.
containerd_import() {
	timeout -k 5 "$ENGINE_TIMEOUT" ctr --address "$CONTAINERD_SOCK" -n "$1" images import "$2"
}

# containerd_runtime_leftovers: containers in the private runtime root.
containerd_runtime_leftovers() {
	local root=$ENGINE_DIR/runtime-root ns id
	[[ -d $root ]] || return 0
	for ns in "$root"/*/; do
		[[ -d $ns ]] || continue
		for id in $(timeout 10 "$BERTH" --root "$ns" list -q 2>/dev/null); do
			echo "runtime state: $ns$id"
		done
	done
	return 0
}

containerd_force_clean() {
	local ns id
	for ns in "$ENGINE_DIR"/runtime-root/*/; do
		[[ -d $ns ]] || continue
		for id in $(timeout 10 "$BERTH" --root "$ns" list -q); do
			timeout 10 "$BERTH" --root "$ns" delete --force "$id"
		done
	done
}

# containerd_stop: stop the daemon, then the shims (each exits once its task is deleted;
# one still running is a leftover lane_teardown_file reports).
containerd_stop() {
	lane_stop_daemon containerd
}
