package specconv

import (
	"path/filepath"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/berth-runtime/berth/libcontainer/configs"
)

// knownNamespaces maps runtime-spec names to berth's (they are spelled the same).
var knownNamespaces = map[specs.LinuxNamespaceType]configs.NamespaceType{
	specs.PIDNamespace: configs.NEWPID, specs.NetworkNamespace: configs.NEWNET,
	specs.MountNamespace: configs.NEWNS, specs.IPCNamespace: configs.NEWIPC,
	specs.UTSNamespace: configs.NEWUTS, specs.UserNamespace: configs.NEWUSER,
	specs.CgroupNamespace: configs.NEWCGROUP, specs.TimeNamespace: configs.NEWTIME,
}

// maxIDMapLines is the kernel's limit on lines in uid_map/gid_map (since Linux 4.15).
const maxIDMapLines = 340

// convertNamespaces fills c.Namespaces (config.json order) and the user namespace maps.
func convertNamespaces(linux *specs.Linux, c *configs.Config) error {
	where := map[configs.NamespaceType]int{}
	for i, ns := range linux.Namespaces {
		field := configs.Index("linux.namespaces", i)
		t, ok := knownNamespaces[ns.Type]
		if !ok {
			return configs.FieldErrorf(field+".type", "unknown namespace type %q", ns.Type)
		}
		if j, dup := where[t]; dup {
			return configs.FieldErrorf(field+".type", "duplicate namespace %q (already linux.namespaces[%d])", t, j)
		}
		where[t] = i
		if ns.Path != "" {
			if err := checkNamespacePath(field+".path", ns.Path, t); err != nil {
				return err
			}
		}
		c.Namespaces = append(c.Namespaces, configs.Namespace{Type: t, Path: ns.Path})
	}

	// Without a mount namespace the container inherits the runtime's and berth builds no
	// root filesystem (runtime-spec: a type not listed is inherited; runc does the same).
	// A joined one gets the container's mounts, as its owner asked.
	return convertUserMappings(linux, c, where)
}

func checkNamespacePath(field, path string, t configs.NamespaceType) error {
	if !filepath.IsAbs(path) {
		return configs.FieldErrorf(field, "%q is not an absolute path", path)
	}
	kind, err := nsfs.Kind(path)
	if err != nil {
		return configs.FieldErrorf(field, "%s: %w", path, err)
	}
	if kind != "" && kind != t {
		return configs.FieldErrorf(field, "%s is a %s namespace, not %s", path, kind, t)
	}
	return nil
}

func convertUserMappings(linux *specs.Linux, c *configs.Config, where map[configs.NamespaceType]int) error {
	i, hasUser := where[configs.NEWUSER]
	hasMaps := len(linux.UIDMappings) > 0 || len(linux.GIDMappings) > 0
	switch {
	case !hasUser && hasMaps:
		f := "linux.uidMappings"
		if len(linux.UIDMappings) == 0 {
			f = "linux.gidMappings"
		}
		return configs.FieldErrorf(f, "set, but linux.namespaces has no user namespace")
	case hasUser && linux.Namespaces[i].Path != "":
		// A joined namespace already has its maps. containerd and CRI-O still write them
		// next to the path for a pod's user namespace: they are kept to be checked
		// against the namespace's own once a process is in it (see libcontainer's
		// checkJoinedUserMaps), as runc does, and refused there if they differ.
		if !hasMaps {
			return nil
		}
	case hasUser:
		if len(linux.UIDMappings) == 0 {
			return configs.FieldErrorf("linux.uidMappings", "required for a new user namespace")
		}
		if len(linux.GIDMappings) == 0 {
			return configs.FieldErrorf("linux.gidMappings", "required for a new user namespace")
		}
	}
	var err error
	if c.UIDMappings, err = convertIDMaps("linux.uidMappings", linux.UIDMappings); err != nil {
		return err
	}
	c.GIDMappings, err = convertIDMaps("linux.gidMappings", linux.GIDMappings)
	return err
}

// convertIDMaps checks what the kernel would refuse when the map is written, so the
// error names config.json instead of a bare EINVAL from uid_map.
func convertIDMaps(field string, maps []specs.LinuxIDMapping) ([]configs.IDMap, error) {
	if len(maps) > maxIDMapLines {
		return nil, configs.FieldErrorf(field, "%d entries, the kernel allows at most %d", len(maps), maxIDMapLines)
	}
	var out []configs.IDMap
	for i, m := range maps {
		f := configs.Index(field, i)
		if m.Size == 0 {
			return nil, configs.FieldErrorf(f+".size", "must be greater than zero")
		}
		if uint64(m.ContainerID)+uint64(m.Size) > 1<<32 {
			return nil, configs.FieldErrorf(f, "containerID %d + size %d is past the last id", m.ContainerID, m.Size)
		}
		if uint64(m.HostID)+uint64(m.Size) > 1<<32 {
			return nil, configs.FieldErrorf(f, "hostID %d + size %d is past the last id", m.HostID, m.Size)
		}
		for j := range i {
			p := maps[j]
			if overlaps(p.ContainerID, p.Size, m.ContainerID, m.Size) {
				return nil, configs.FieldErrorf(f, "container ids overlap %s", configs.Index(field, j))
			}
			if overlaps(p.HostID, p.Size, m.HostID, m.Size) {
				return nil, configs.FieldErrorf(f, "host ids overlap %s", configs.Index(field, j))
			}
		}
		out = append(out, configs.IDMap{ContainerID: m.ContainerID, HostID: m.HostID, Size: m.Size})
	}
	return out, nil
}

func overlaps(a, asz, b, bsz uint32) bool {
	return uint64(a) < uint64(b)+uint64(bsz) && uint64(b) < uint64(a)+uint64(asz)
}

// CheckIDsMapped: the user of process p (the container's first, or one `exec` starts)
// is mapped by container c's new user namespace, or a field error names the id:
// setresuid/setgroups would fail with a bare EINVAL after everything was built.
func CheckIDsMapped(c *configs.Config, p *configs.Process) error {
	if !c.HasNamespace(configs.NEWUSER) || c.NamespacePath(configs.NEWUSER) != "" {
		return nil
	}
	if !idMapped(c.UIDMappings, p.UID) {
		return configs.FieldErrorf("process.user.uid", "%d is not mapped by linux.uidMappings", p.UID)
	}
	if !idMapped(c.GIDMappings, p.GID) {
		return configs.FieldErrorf("process.user.gid", "%d is not mapped by linux.gidMappings", p.GID)
	}
	for i, g := range p.AdditionalGids {
		if !idMapped(c.GIDMappings, g) {
			return configs.FieldErrorf(configs.Index("process.user.additionalGids", i), "%d is not mapped by linux.gidMappings", g)
		}
	}
	return nil
}

func idMapped(maps []configs.IDMap, id uint32) bool {
	_, ok := configs.HostID(maps, id)
	return ok
}
