package specconv

import (
	"os"
	"path/filepath"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// ToRootless adapts an Example spec so an unprivileged user can run it: the caller's
// ids become root in a new user namespace, and whatever that user cannot do is removed.
func ToRootless(s *specs.Spec) {
	if s.Linux == nil {
		s.Linux = &specs.Linux{}
	}
	// Without a network namespace of its own (an unprivileged user cannot wire one up),
	// the container shares the host's; a user namespace is what makes the rest possible.
	var namespaces []specs.LinuxNamespace
	for _, ns := range s.Linux.Namespaces {
		if ns.Type != specs.NetworkNamespace && ns.Type != specs.UserNamespace {
			namespaces = append(namespaces, ns)
		}
	}
	s.Linux.Namespaces = append(namespaces, specs.LinuxNamespace{Type: specs.UserNamespace})
	s.Linux.UIDMappings = []specs.LinuxIDMapping{{ContainerID: 0, HostID: uint32(os.Geteuid()), Size: 1}}
	s.Linux.GIDMappings = []specs.LinuxIDMapping{{ContainerID: 0, HostID: uint32(os.Getegid()), Size: 1}}

	var mounts []specs.Mount
	for _, m := range s.Mounts {
		switch filepath.Clean(m.Destination) {
		case "/sys":
			// sysfs may only be mounted by the owner of the network namespace, which is
			// the host's here; a read-only recursive bind shows the same tree.
			m = specs.Mount{Destination: "/sys", Type: "none", Source: "/sys",
				Options: []string{"rbind", "nosuid", "noexec", "nodev", "ro"}}
		case "/sys/fs/cgroup":
			// Already visible (read-only) through the /sys bind, and a user namespace may
			// not mount cgroup v1 hierarchies.
			continue
		}
		m.Options = withoutIDOptions(m.Options)
		mounts = append(mounts, m)
	}
	s.Mounts = mounts
	// Cgroup limits need write access to the cgroup tree, which an unprivileged user lacks.
	s.Linux.Resources = nil
}

// withoutIDOptions drops uid=/gid= options: only the caller's own ids are mapped, so
// e.g. devpts's gid=5 (tty) does not exist in the container and the mount would fail.
func withoutIDOptions(opts []string) []string {
	var out []string
	for _, o := range opts {
		if !strings.HasPrefix(o, "uid=") && !strings.HasPrefix(o, "gid=") {
			out = append(out, o)
		}
	}
	return out
}
