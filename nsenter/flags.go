package nsenter

import "golang.org/x/sys/unix"

var nsNames = map[uintptr]string{
	unix.CLONE_NEWNET:    "network",
	unix.CLONE_NEWPID:    "pid",
	unix.CLONE_NEWNS:     "mount",
	unix.CLONE_NEWIPC:    "ipc",
	unix.CLONE_NEWUTS:    "uts",
	unix.CLONE_NEWUSER:   "user",
	unix.CLONE_NEWCGROUP: "cgroup",
	unix.CLONE_NEWTIME:   "time",
}

// NamespaceName is runtime-spec's name for a CLONE_NEW* flag.
func NamespaceName(flag uintptr) string {
	if n, ok := nsNames[flag]; ok {
		return n
	}
	return "unknown"
}

// NamespaceFlag is the CLONE_NEW* flag for a runtime-spec namespace name, or 0.
func NamespaceFlag(name string) uintptr {
	for f, n := range nsNames {
		if n == name {
			return f
		}
	}
	return 0
}
