// Package caps names Linux capabilities and applies a container's capability sets to the
// calling thread just before it execs the user process.
package caps

import (
	"fmt"
	"strconv"
)

// byNumber lists every capability the kernel defines as of Linux 5.9 (CAP_CHECKPOINT_RESTORE),
// indexed by its number; the order is the kernel's, so the index is the value.
var byNumber = [...]string{
	"CAP_CHOWN",
	"CAP_DAC_OVERRIDE",
	"CAP_DAC_READ_SEARCH",
	"CAP_FOWNER",
	"CAP_FSETID",
	"CAP_KILL",
	"CAP_SETGID",
	"CAP_SETUID",
	"CAP_SETPCAP",
	"CAP_LINUX_IMMUTABLE",
	"CAP_NET_BIND_SERVICE",
	"CAP_NET_BROADCAST",
	"CAP_NET_ADMIN",
	"CAP_NET_RAW",
	"CAP_IPC_LOCK",
	"CAP_IPC_OWNER",
	"CAP_SYS_MODULE",
	"CAP_SYS_RAWIO",
	"CAP_SYS_CHROOT",
	"CAP_SYS_PTRACE",
	"CAP_SYS_PACCT",
	"CAP_SYS_ADMIN",
	"CAP_SYS_BOOT",
	"CAP_SYS_NICE",
	"CAP_SYS_RESOURCE",
	"CAP_SYS_TIME",
	"CAP_SYS_TTY_CONFIG",
	"CAP_MKNOD",
	"CAP_LEASE",
	"CAP_AUDIT_WRITE",
	"CAP_AUDIT_CONTROL",
	"CAP_SETFCAP",
	"CAP_MAC_OVERRIDE",
	"CAP_MAC_ADMIN",
	"CAP_SYSLOG",
	"CAP_WAKE_ALARM",
	"CAP_BLOCK_SUSPEND",
	"CAP_AUDIT_READ",
	"CAP_PERFMON",
	"CAP_BPF",
	"CAP_CHECKPOINT_RESTORE",
}

// MaxKnown is the highest capability number berth has a name for.
const MaxKnown = len(byNumber) - 1

// Names maps each capability name ("CAP_CHOWN", ...) to its number.
var Names = func() map[string]int {
	m := make(map[string]int, len(byNumber))
	for n, name := range byNumber {
		m[name] = n
	}
	return m
}()

// Parse returns the number of a capability named as runtime-spec names it ("CAP_SYS_ADMIN").
// Names are matched exactly: config.json is not the place for guessing.
func Parse(name string) (int, error) {
	if n, ok := Names[name]; ok {
		return n, nil
	}
	return 0, fmt.Errorf("unknown capability %q", name)
}

// Name returns the name of capability n, or "CAP_<n>" for a number berth has no name for.
func Name(n int) string {
	if n >= 0 && n < len(byNumber) {
		return byNumber[n]
	}
	return "CAP_" + strconv.Itoa(n)
}
