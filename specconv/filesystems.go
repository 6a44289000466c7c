package specconv

import (
	"bufio"
	"bytes"
	"os"
	"strings"
	"sync"

	"golang.org/x/sys/unix"
)

// filesystemSupported reports whether the running kernel can mount a filesystem type;
// tests replace it so they do not depend on the host's kernel.
var filesystemSupported = hostFilesystemSupported

// procFilesystems is /proc/filesystems, read once per command rather than once per mount
// (a config has a dozen). A type missing from it is still looked up in modules.alias, so
// a module loaded meanwhile changes no answer.
var procFilesystems = sync.OnceValues(func() ([]byte, error) { return os.ReadFile("/proc/filesystems") })

func hostFilesystemSupported(fstype string) (bool, error) {
	// The kernel looks up "fuse.sshfs" as "fuse" (the part after the dot is a subtype).
	base, _, _ := strings.Cut(fstype, ".")
	data, err := procFilesystems()
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
	for len(data) > 0 {
		var line []byte
		line, data, _ = bytes.Cut(data, []byte("\n"))
		line = bytes.TrimSpace(line)
		if i := bytes.LastIndexAny(line, " \t"); i >= 0 {
			line = line[i+1:]
		}
		if len(line) > 0 && string(line) == fstype {
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
