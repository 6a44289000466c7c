#!/bin/sh
# bench-cycle.sh RUNTIME ROOT BUNDLE ID: one container the way engines drive a runtime
# (containerd's shim, podman's conmon): `create`, then `start` from a second call, then
# `delete --force` from a third. contrib/bench.sh times it as "cycle".
rt=$1 root=$2 bundle=$3 id=$4
"$rt" --root "$root" create -b "$bundle" "$id" </dev/null >/dev/null 2>&1 || exit 1
"$rt" --root "$root" start "$id" || exit 1
"$rt" --root "$root" delete --force "$id"
