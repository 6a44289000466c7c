package specconv

import (
	"bufio"
	"bytes"
	"os"
	"strings"

	"golang.org/x/sys/unix"
)

// filesystemSupported reports whether the running kernel can mount a filesystem type;
// tests replace it so they do not depend on the host's kernel.
var filesystemSupported = hostFilesystemSupported

func hostFilesystemSupported(fstype string) (bool, error) {
	// The kernel looks up "fuse.sshfs" as "fuse" (the part after the dot is a subtype).
	base, _, _ := strings.Cut(fstype, ".")
	data, err := os.ReadFile("/proc/filesystems")
	if err != nil {
		return false, err
	}
	if procFilesystemsHas(data, base) {
		return true, nil
	}
	// A filesystem built as a module is listed only once loaded; mount(2) loads it on
	// demand through the "fs-<type>" module alias, so that counts as supported too.
	var uts unix.Utsname
	if err := unix.Uname(&uts); err != nil {
		return false, nil
	}
	aliases, err := os.ReadFile("/lib/modules/" + unix.ByteSliceToString(uts.Release[:]) + "/modules.alias")
	if err != nil {
		return false, nil
	}
	return modulesAliasHasFS(aliases, base), nil
}

// procFilesystemsHas parses /proc/filesystems: one type per line, after an optional
// "nodev" and a tab.
func procFilesystemsHas(data []byte, fstype string) bool {
	s := bufio.NewScanner(bytes.NewReader(data))
	for s.Scan() {
		fields := strings.Fields(s.Text())
		if len(fields) > 0 && fields[len(fields)-1] == fstype {
			return true
		}
	}
	return false
}

// modulesAliasHasFS looks for an "alias fs-<type> <module>" line.
func modulesAliasHasFS(data []byte, fstype string) bool {
	s := bufio.NewScanner(bytes.NewReader(data))
	for s.Scan() {
		fields := strings.Fields(s.Text())
		if len(fields) == 3 && fields[0] == "alias" && fields[1] == "fs-"+fstype {
			return true
		}
	}
	return false
}
