#!/usr/bin/env bash
# Makes DIR, the include directory berth's cgo code is compiled with under musl-gcc: musl's
# own headers come first and glibc's /usr/include stays out, so the headers libseccomp-golang
# needs from there (seccomp.h and the kernel's linux/, asm/, asm-generic/) are linked in.
set -euo pipefail
dir=${1:?usage: musl-include.sh DIR}
multiarch=$(gcc -print-multiarch)
mkdir -p "$dir"
for h in linux asm-generic seccomp.h seccomp-syscalls.h; do
	ln -sfn "/usr/include/$h" "$dir/$h"
done
ln -sfn "/usr/include/$multiarch/asm" "$dir/asm"
