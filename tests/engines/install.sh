#!/usr/bin/env bash
# Installs what the real-engines lane needs on Debian 12: podman, containerd (ctr and its CRI
# plugin), dockerd (docker.io), umoci, catatonit, the CNI plugins and runc from apt, and crictl
# built with `go install` into a directory of the repository (never a system path). Quick and
# silent when everything is already there.
#
# Debian's docker.io would start its daemon from its postinst (its sysv init script, as there is
# no systemd here): a policy-rc.d that forbids service starts is in place while apt runs, so the
# install itself starts nothing. The lane starts its own daemons with private paths.
#
# Usage: tests/engines/install.sh BIN_DIR   (crictl goes to BIN_DIR)
set -euo pipefail

bin_dir=${1:?usage: install.sh BIN_DIR}
crictl_version=v1.34.0

packages=(
	podman                      # with conmon and containers-common
	containerd                  # containerd, ctr, containerd-shim-runc-v2
	docker.io                   # dockerd 20.10 and its client /usr/bin/docker
	umoci                       # builds the OCI images from a rootfs
	catatonit                   # the pause image's only binary
	containernetworking-plugins # CNI bridge/host-local/loopback for CRI pods
	runc                        # the reference runtime (BERTH=/usr/sbin/runc)
	busybox-static              # the busybox image
	iptables                    # the CNI bridge plugin's masquerade rules (not used: ipMasq off)
	tini                        # run.sh's subreaper (also a docker.io dependency)
	python3                     # pty-drive.py: the terminal for -it
	jq
)
missing=()
for pkg in "${packages[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
		missing+=("$pkg")
	fi
done
if ((${#missing[@]})); then
	if [[ $(id -u) -ne 0 ]]; then
		echo "engines-install: need root to install: ${missing[*]}" >&2
		exit 1
	fi
	echo "engines-install: installing ${missing[*]}"
	policy=/usr/sbin/policy-rc.d
	ours_policy=0
	if [[ ! -e $policy ]]; then
		printf '#!/bin/sh\n# berth engines lane: no service starts during its apt-get install\nexit 101\n' >"$policy"
		chmod 0755 "$policy"
		ours_policy=1
		trap 'rm -f "$policy"' EXIT
	fi
	export DEBIAN_FRONTEND=noninteractive
	apt-get -o DPkg::Lock::Timeout=600 update -qq
	apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
	if ((ours_policy)); then
		rm -f "$policy"
		trap - EXIT
	fi
	# A daemon that started anyway (a package whose postinst ignores policy-rc.d) would sit on
	# the host paths the lane must not touch: say so rather than run beside it.
	for daemon in dockerd containerd; do
		if pgrep -x "$daemon" >/dev/null; then
			echo "engines-install: warning: a $daemon is running after the install (pid $(pgrep -x "$daemon" | tr '\n' ' '))" >&2
		fi
	done
fi

crictl=$bin_dir/crictl
# The module version recorded in the binary says which crictl it is (`go install` leaves
# crictl's own version string "unknown" unless it is set at link time, as here).
if [[ ! -x $crictl ]] || ! go version -m "$crictl" 2>/dev/null | grep -qE "^\s+mod\s+sigs.k8s.io/cri-tools\s+$crictl_version\s"; then
	echo "engines-install: building crictl $crictl_version"
	mkdir -p "$bin_dir"
	GOBIN=$(realpath "$bin_dir") CGO_ENABLED=0 go install -trimpath \
		-ldflags "-s -w -X sigs.k8s.io/cri-tools/pkg/version.Version=${crictl_version#v}" \
		"sigs.k8s.io/cri-tools/cmd/crictl@$crictl_version"
fi
