package specconv

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/berth-runtime/berth/libcontainer/configs"
)

// convertMounts converts mounts in config.json order (later mounts may stack on earlier).
// c supplies the container's user namespace maps for idmapped mounts that give none.
func convertMounts(mounts []specs.Mount, bundle string, c *configs.Config) ([]configs.Mount, error) {
	var out []configs.Mount
	userMaps := userNSMapsOnce(c)
	for i, m := range mounts {
		cm, err := convertMount(configs.Index("mounts", i), m, bundle, c.Rootfs)
		if err == nil {
			err = mountIDMap(configs.Index("mounts", i), m, mountOptionsOf(m), &cm, userMaps)
		}
		if err != nil {
			return nil, err
		}
		out = append(out, cm)
	}
	return out, nil
}

func convertMount(field string, m specs.Mount, bundle, rootfs string) (configs.Mount, error) {
	var out configs.Mount
	dest, err := mountDestination(field+".destination", m.Destination)
	if err != nil {
		return out, err
	}
	opts, err := parseMountOptions(field+".options", m.Options)
	if err != nil {
		return out, err
	}
	out = configs.Mount{
		Source:           m.Source,
		Destination:      dest,
		Type:             m.Type,
		Flags:            opts.flags,
		ClearedFlags:     opts.cleared,
		PropagationFlags: opts.propagation,
		Data:             strings.Join(opts.data, ","),
		RecAttrSet:       opts.recSet,
		RecAttrClr:       opts.recClr,
		TmpCopyUp:        opts.tmpcopyup,
	}
	if opts.tmpcopyup && (m.Type != "tmpfs" || opts.flags&unix.MS_BIND != 0) {
		return out, configs.FieldErrorf(field+".options", "tmpcopyup applies to tmpfs mounts only, not %q", m.Type)
	}
	// A "bind" type without bind/rbind is still a (non-recursive) bind, as in runc.
	if m.Type == "bind" || opts.flags&unix.MS_BIND != 0 {
		out.Flags |= unix.MS_BIND
		out.Type = "bind"
		out.Source, err = bindSource(field+".source", m.Source, bundle, rootfs)
		return out, err
	}
	if m.Type == "" {
		return out, configs.FieldErrorf(field+".type", "missing (and no bind or rbind option)")
	}
	ok, err := filesystemSupported(m.Type)
	if err != nil {
		return out, configs.FieldErrorf(field+".type", "cannot list the kernel's filesystems: %w", err)
	}
	if !ok {
		return out, configs.FieldErrorf(field+".type", "unknown filesystem type %q", m.Type)
	}
	if out.Source == "" {
		out.Source = m.Type // mount(2) wants some name; this is what shows in /proc/mounts
	}
	return out, nil
}

// mountDestination returns the clean absolute destination. Relative destinations are
// deprecated but allowed by runtime-spec, which says they are relative to "/".
func mountDestination(field, dest string) (string, error) {
	if dest == "" {
		return "", configs.FieldErrorf(field, "missing")
	}
	if strings.IndexByte(dest, 0) >= 0 {
		return "", configs.FieldErrorf(field, "contains a NUL byte")
	}
	clean := filepath.Clean("/" + dest)
	if clean == "/" {
		return "", configs.FieldErrorf(field, "cannot mount over the container's root directory")
	}
	return clean, nil
}

// bindSource resolves a relative source against the bundle and checks it exists, so a
// typo is reported here rather than as a failed mount inside the half-built container.
// A source inside the rootfs is not checked: an earlier mount may be what makes it
// (mounts[0] binds a directory on /data, mounts[1] binds rootfs/data/sub elsewhere),
// so it is resolved when it is mounted, inside the rootfs, as runc does.
func bindSource(field, src, bundle, rootfs string) (string, error) {
	if src == "" {
		return "", configs.FieldErrorf(field, "missing for a bind mount")
	}
	if strings.IndexByte(src, 0) >= 0 {
		return "", configs.FieldErrorf(field, "contains a NUL byte")
	}
	if !filepath.IsAbs(src) {
		src = filepath.Join(bundle, src)
	}
	src = filepath.Clean(src)
	if rootfs != "" && (src == rootfs || strings.HasPrefix(src, rootfs+"/")) {
		return src, nil
	}
	if _, err := os.Stat(src); err != nil {
		return "", configs.FieldErrorf(field, "%w", err)
	}
	return src, nil
}

// mountOptionsOf re-reads options convertMount already checked.
func mountOptionsOf(m specs.Mount) mountOptions {
	o, _ := parseMountOptions("", m.Options)
	return o
}

// userNSMapsOnce returns a function giving the uid and gid maps of the container's user
// namespace: the configured ones of a new namespace, those read from a joined one
// (looked up once, on first use), none without a user namespace.
func userNSMapsOnce(c *configs.Config) func() (uid, gid []configs.IDMap, err error) {
	var uid, gid []configs.IDMap
	var err error
	done := false
	return func() ([]configs.IDMap, []configs.IDMap, error) {
		if done {
			return uid, gid, err
		}
		done = true
		switch {
		case c == nil || !c.HasNamespace(configs.NEWUSER):
		case c.NamespacePath(configs.NEWUSER) == "":
			uid, gid = c.UIDMappings, c.GIDMappings
		default:
			path := c.NamespacePath(configs.NEWUSER)
			if uid, gid, err = nsfs.IDMaps(path); err != nil {
				err = fmt.Errorf("the mappings of the joined user namespace %s: %w", path, err)
			}
		}
		return uid, gid, err
	}
}
