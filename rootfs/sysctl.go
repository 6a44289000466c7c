package rootfs

import (
	"fmt"
	"os"
	"sort"
	"strings"

	pathrs "github.com/cyphar/filepath-securejoin/pathrs-lite"
	"github.com/cyphar/filepath-securejoin/pathrs-lite/procfs"
	"golang.org/x/sys/unix"
)

// CVE-2025-52881 class: procfs is written only through a private, verified handle.
// WriteSysctls writes each linux.sysctl key (a.b.c => /proc/sys/a/b/c) after Finish.
// Writes go through pathrs-lite's procfs handle: a private procfs instance (or an
// unstacked clone of /proc) verified as the root of a procfs, with lookups that may not
// leave it, follow symlinks or cross mounts, so a container cannot redirect them; and,
// having no overmounts, the read-only /proc/sys that readonlyPaths usually sets does not
// stand in the way.
func WriteSysctls(sysctl map[string]string) error {
	if len(sysctl) == 0 {
		return nil
	}
	proc, err := procfs.OpenUnsafeProcRoot()
	if err != nil {
		return fmt.Errorf("sysctl: open procfs: %w", err)
	}
	defer proc.Close()
	keys := make([]string, 0, len(sysctl))
	for k := range sysctl {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if err := writeSysctl(proc, k, sysctl[k]); err != nil {
			return fmt.Errorf("sysctl %s: %w", k, err)
		}
	}
	return nil
}

// sysctlPath turns a key into its path relative to the procfs root. Keys use "." as
// separator, or "/" when a component holds a dot (net/ipv4/conf/eth0.1/rp_filter).
func sysctlPath(key string) (string, error) {
	p := key
	if !strings.Contains(key, "/") {
		p = strings.ReplaceAll(key, ".", "/")
	}
	for _, c := range strings.Split(p, "/") {
		if c == "" || c == "." || c == ".." {
			return "", fmt.Errorf("invalid sysctl key %q", key)
		}
	}
	return "sys/" + p, nil
}

func writeSysctl(proc *procfs.Handle, key, value string) error {
	rel, err := sysctlPath(key)
	if err != nil {
		return err
	}
	handle, err := proc.OpenRoot(rel)
	if err != nil {
		return fmt.Errorf("open /proc/%s: %w", rel, err)
	}
	defer handle.Close()
	return writeProcHandle(handle, "/proc/"+rel, value)
}

// writeProcHandle reopens a verified O_PATH procfs handle for writing (pathrs-lite
// checks the reopened file is the same procfs file) and writes value to it.
func writeProcHandle(handle *os.File, name, value string) error {
	f, err := pathrs.Reopen(handle, unix.O_WRONLY|unix.O_CLOEXEC)
	if err != nil {
		return fmt.Errorf("open %s for writing: %w", name, err)
	}
	defer f.Close()
	// unix.Write, not f.Write: the error names the file once, as the caller knows it,
	// not by the detached procfs mount's internal name.
	if _, err := unix.Write(int(f.Fd()), []byte(value)); err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	return nil
}
