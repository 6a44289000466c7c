// Package rootfs builds a container's filesystem from inside `berth init`.
//
// Prepare runs while the host filesystem is still visible: it mounts config.json's
// mounts and creates the device nodes under the container's rootfs. Finish runs after
// the createContainer hooks: it switches the root (pivot_root or MS_MOVE+chroot), then
// applies maskedPaths, readonlyPaths and a read-only root. WriteSysctls writes
// linux.sysctl through a verified procfs.
//
// Every destination is resolved inside the rootfs (symlinks cannot escape it), and
// mounts are made onto /proc/self/fd/N of the resolved handle, never onto a path the
// kernel would resolve again.
package rootfs
