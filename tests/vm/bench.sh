#!/usr/bin/env bash
# bench.sh: contrib/bench.sh in the throwaway VM's plain boot (pure cgroup v2), the one place
# here where crun runs too: Debian's crun 1.8 refuses the development host's cgroup v1
# hybrid. Under QEMU's TCG every run is 10-50x slower than on hardware, so only the
# ratios mean anything. Needs `make berth bundle`. RUNS=n sets the sample size (default 10).
# runc, crun and hyperfine are downloaded as Debian packages on the host and installed in
# the guest, whose root is a snapshot: the image itself stays as the tests need it.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
cd "$repo"
[[ -x berth && -d _build/bundle/rootfs ]] || { echo "bench-vm: run make berth bundle first" >&2; exit 1; }
debs=_build/vm-bench-debs
rm -rf "$debs" && mkdir -p "$debs"
apt-cache show crun >/dev/null 2>&1 || apt-get update -qq
# apt-get download as root warns that _apt cannot write here; the download works.
(cd "$debs" && apt-get download -qq runc crun libyajl2 hyperfine 2>/dev/null)
# berth runs from the guest's own disk like the packaged runtimes: executed from the 9p
# share, every page it faults in would cross to the host.
"$here/run.sh" --env "RUNS=${RUNS:-10}" -- bash -c \
	'dpkg -i _build/vm-bench-debs/*.deb >/dev/null 2>&1 || exit 1
	install -m 0755 berth /usr/local/sbin/berth
	contrib/bench.sh /usr/local/sbin/berth "$PWD/_build/bundle"'
