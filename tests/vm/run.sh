#!/usr/bin/env bash
# run.sh: run one command in a throwaway VM with a pure cgroup v2 hierarchy, and exit with its status.
#
#   tests/vm/run.sh [--systemd|--systemd-v1] [--share DIR]... [--env NAME=VALUE]... [--timeout SEC] -- CMD [ARG...]
#
# The repository is shared (9p) at its own path and is the working directory; --share adds more
# directories the same way. The root disk is a snapshot: nothing a run writes there survives.
#   default    a shell is PID 1: it mounts cgroup2 (nsdelegate) at /sys/fs/cgroup, enables every
#              controller in the root, and runs CMD under tini (which reaps orphans) in cgroup "/".
#   --systemd  systemd is PID 1 (with dbus); CMD runs as berth-vm.service once the system is up.
#   --systemd-v1  the same on cgroup v1: systemd.unified_cgroup_hierarchy=0 (a hybrid layout,
#              v1 controllers plus systemd's cgroup2 tracking tree at /sys/fs/cgroup/unified).
# CMD's output (stdout and stderr together) streams to our stdout. Exit status: CMD's own; 124 on
# timeout; 125 when the VM stopped without reporting one. QEMU uses KVM only on hardware
# virtualisation (vmx/svm), otherwise TCG, which is 10-100x slower: compile on the host.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
cache=${BERTH_VM_CACHE:-/var/cache/berth-vm}
mode=plain
cgroups="cgroup_no_v1=all systemd.unified_cgroup_hierarchy=1"
timeout=${BERTH_VM_TIMEOUT:-900}
mem=${BERTH_VM_MEM:-2048}
shares=("$repo")
envs=()
while (($#)); do
	case $1 in
	--systemd) mode=systemd ;;
	--systemd-v1) mode=systemd cgroups="systemd.unified_cgroup_hierarchy=0" ;;
	--share) shares+=("$(realpath -e "$2")") || exit 2; shift ;;
	--env) envs+=("$2"); shift ;;
	--timeout) timeout=$2; shift ;;
	--) shift; break ;;
	*) break ;;
	esac
	shift
done
(($#)) || { sed -n '2,/^set -uo/p' "$0" | sed '$d' >&2; exit 2; }

"$here/build-image.sh" || { echo "berth-vm: image build failed" >&2; exit 125; }

ctl=$(mktemp -d "${TMPDIR:-/tmp}/berth-vm.XXXXXX")
trap 'rm -rf "$ctl"' EXIT
cp "$here/guest/boot" "$here/guest/run-cmd" "$ctl/"
echo "$mode" >"$ctl/mode"
{
	echo "export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 TERM=dumb"
	for e in "${envs[@]}"; do printf 'export %q\n' "$e"; done
	printf 'cd %q || exit 125\n' "$PWD"
	printf 'exec'
	printf ' %q' "$@"
	echo
} >"$ctl/cmd"
: >"$ctl/log"
virtfs=()
i=0
for s in "${shares[@]}"; do
	virtfs+=(-virtfs "local,path=$s,mount_tag=share$i,security_model=none,multidevs=remap")
	printf 'share%d %s\n' "$i" "$s" >>"$ctl/shares"
	i=$((i + 1))
done

if [[ -w /dev/kvm ]] && grep -qwE 'vmx|svm' /proc/cpuinfo; then
	accel=(-accel kvm -cpu host)
else
	accel=(-accel tcg,thread=multi -cpu max)
fi
cmdline="console=ttyS0 quiet loglevel=4 panic=-1 root=/dev/vda rw $cgroups"
cmdline+=" systemd.firstboot=off systemd.show_status=0 mitigations=off"

tail -n +1 -F "$ctl/log" 2>/dev/null &
tailer=$!
timeout -k 5 "$timeout" qemu-system-x86_64 -M q35 "${accel[@]}" -smp "$(nproc)" -m "$mem" \
	-nodefaults -no-user-config -display none -no-reboot -bios /usr/share/qemu/qboot.rom \
	-kernel "$cache/vmlinux" -initrd "$cache/initrd.img" -append "$cmdline" \
	-drive "file=$cache/root.img,if=virtio,format=raw,snapshot=on,cache=unsafe" \
	-virtfs "local,path=$ctl,mount_tag=ctl,security_model=none" "${virtfs[@]}" \
	-serial "file:$ctl/console" </dev/null
qrc=$?
sleep 0.3 # let tail print the last lines
kill "$tailer" 2>/dev/null
wait "$tailer" 2>/dev/null
if [[ -s $ctl/rc ]]; then
	exit "$(cat "$ctl/rc")"
fi
if ((qrc == 124 || qrc == 137)); then
	echo "berth-vm: timed out after ${timeout}s" >&2
	exit 124
fi
echo "berth-vm: the VM stopped without a status (qemu exit $qrc); console:" >&2
tail -n 40 "$ctl/console" >&2
exit 125
