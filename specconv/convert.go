package specconv

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/berth-runtime/berth/libcontainer/configs"
	"github.com/berth-runtime/berth/libcontainer/seccomp"
)

// Options are the command-line settings that shape the config.
type Options struct {
	ID           string // container id (already validated by the caller)
	Bundle       string // absolute bundle dir
	NoPivot      bool
	NoNewKeyring bool
}

// maxHostNameLen is HOST_NAME_MAX: sethostname and setdomainname refuse longer names.
const maxHostNameLen = 64

var rootPropagation = map[string]uintptr{
	"":        0,
	"private": unix.MS_PRIVATE, "rprivate": unix.MS_PRIVATE | unix.MS_REC,
	"slave": unix.MS_SLAVE, "rslave": unix.MS_SLAVE | unix.MS_REC,
	"shared": unix.MS_SHARED, "rshared": unix.MS_SHARED | unix.MS_REC,
	"unbindable": unix.MS_UNBINDABLE, "runbindable": unix.MS_UNBINDABLE | unix.MS_REC,
}

// Convert validates spec and returns berth's config for it. The first problem found is
// returned as a *configs.FieldError naming the config.json field. spec is not modified.
func Convert(spec *specs.Spec, opts Options) (*configs.Config, error) {
	if spec == nil {
		return nil, errors.New("config.json: no spec")
	}
	if !filepath.IsAbs(opts.Bundle) {
		return nil, fmt.Errorf("bundle %q is not an absolute path", opts.Bundle)
	}
	if err := checkVersion(spec.Version); err != nil {
		return nil, err
	}
	if err := checkUnsupported(spec); err != nil {
		return nil, err
	}
	linux := spec.Linux
	if linux == nil {
		linux = &specs.Linux{}
	}
	c := &configs.Config{
		OCIVersion:   spec.Version,
		NoPivot:      opts.NoPivot,
		NoNewKeyring: opts.NoNewKeyring,
		CgroupsPath:  linux.CgroupsPath,
	}
	var err error
	if c.Rootfs, err = convertRoot(spec.Root, opts.Bundle); err != nil {
		return nil, err
	}
	c.Readonly = spec.Root.Readonly
	// Namespaces first: hostname and sysctl checks depend on them.
	if err := convertNamespaces(linux, c); err != nil {
		return nil, err
	}
	if c.Process, err = convertProcess(spec.Process); err != nil {
		return nil, err
	}
	if err := CheckIDsMapped(c, &c.Process); err != nil {
		return nil, err
	}
	if err := convertNames(spec, c); err != nil {
		return nil, err
	}
	if c.Mounts, err = convertMounts(spec.Mounts, opts.Bundle, c); err != nil {
		return nil, err
	}
	if err := applyMountLabel(linux.MountLabel, c.Mounts); err != nil {
		return nil, err
	}
	c.MountLabel = linux.MountLabel
	if c.RootPropagation, err = convertRootPropagation(linux.RootfsPropagation, opts.NoPivot); err != nil {
		return nil, err
	}
	if c.Devices, err = convertDevices(linux.Devices); err != nil {
		return nil, err
	}
	if c.MaskedPaths, err = containerPaths("linux.maskedPaths", linux.MaskedPaths); err != nil {
		return nil, err
	}
	if c.ReadonlyPaths, err = containerPaths("linux.readonlyPaths", linux.ReadonlyPaths); err != nil {
		return nil, err
	}
	if c.Sysctl, err = convertSysctl(linux.Sysctl, c); err != nil {
		return nil, err
	}
	if c.Hooks, err = convertHooks(spec.Hooks); err != nil {
		return nil, err
	}
	if c.Resources, err = convertResources(linux.Resources); err != nil {
		return nil, err
	}
	if c.Seccomp, err = convertSeccomp(linux.Seccomp); err != nil {
		return nil, err
	}
	if err := convertLinuxExtras(linux, c); err != nil {
		return nil, err
	}
	if len(spec.Annotations) > 0 {
		c.Annotations = make(map[string]string, len(spec.Annotations))
		for k, v := range spec.Annotations {
			c.Annotations[k] = v
		}
	}
	return c, nil
}

// convertLinuxExtras converts the linux settings of runtime-spec 1.1-1.3 that act on the
// whole container: personality, memory policy, time offsets, net devices, Intel RDT.
func convertLinuxExtras(linux *specs.Linux, c *configs.Config) error {
	var err error
	if c.Personality, err = convertPersonality(linux.Personality); err != nil {
		return err
	}
	if c.MemoryPolicy, err = convertMemoryPolicy(linux.MemoryPolicy); err != nil {
		return err
	}
	if c.TimeOffsets, err = convertTimeOffsets(linux.TimeOffsets, c); err != nil {
		return err
	}
	if c.NetDevices, err = convertNetDevices(linux.NetDevices, c); err != nil {
		return err
	}
	c.IntelRdt, err = convertIntelRdt(linux.IntelRdt)
	return err
}

// convertRoot returns the rootfs as an absolute, symlink-free path to a directory.
func convertRoot(root *specs.Root, bundle string) (string, error) {
	if root == nil || root.Path == "" {
		return "", configs.FieldErrorf("root.path", "missing")
	}
	path := root.Path
	if !filepath.IsAbs(path) {
		path = filepath.Join(bundle, path)
	}
	// Resolved once, here: later steps work on this exact directory.
	resolved, err := filepath.EvalSymlinks(path)
	if err != nil {
		return "", configs.FieldErrorf("root.path", "%w", err)
	}
	if resolved, err = filepath.Abs(resolved); err != nil {
		return "", configs.FieldErrorf("root.path", "%w", err)
	}
	fi, err := os.Stat(resolved)
	if err != nil {
		return "", configs.FieldErrorf("root.path", "%w", err)
	}
	if !fi.IsDir() {
		return "", configs.FieldErrorf("root.path", "%s is not a directory", resolved)
	}
	return resolved, nil
}

// convertNames copies hostname and domainname, which only a private UTS namespace may set.
func convertNames(spec *specs.Spec, c *configs.Config) error {
	for _, n := range []struct{ field, value string }{{"hostname", spec.Hostname}, {"domainname", spec.Domainname}} {
		if n.value == "" {
			continue
		}
		if len(n.value) > maxHostNameLen || strings.IndexByte(n.value, 0) >= 0 {
			return configs.FieldErrorf(n.field, "%q is not a valid name (at most %d bytes, no NUL)", n.value, maxHostNameLen)
		}
		if err := requirePrivateNamespace(c, configs.NEWUTS); err != nil {
			return configs.FieldErrorf(n.field, "%w", err)
		}
	}
	c.Hostname, c.Domainname = spec.Hostname, spec.Domainname
	return nil
}

func convertRootPropagation(p string, noPivot bool) (uintptr, error) {
	flags, ok := rootPropagation[p]
	if !ok {
		return 0, configs.FieldErrorf("linux.rootfsPropagation", "unknown propagation %q", p)
	}
	// Without pivot_root the old root stays reachable below the new one; making it
	// private would let the container's mounts pin host mounts (runc refuses this too).
	if noPivot && flags&unix.MS_PRIVATE != 0 {
		return 0, configs.FieldErrorf("linux.rootfsPropagation", "%q is not safe with --no-pivot", p)
	}
	return flags, nil
}

// containerPaths checks that each path is absolute and returns them cleaned.
func containerPaths(field string, paths []string) ([]string, error) {
	var out []string
	for i, p := range paths {
		if !filepath.IsAbs(p) {
			return nil, configs.FieldErrorf(configs.Index(field, i), "%q is not an absolute path", p)
		}
		if strings.IndexByte(p, 0) >= 0 {
			return nil, configs.FieldErrorf(configs.Index(field, i), "contains a NUL byte")
		}
		out = append(out, filepath.Clean(p))
	}
	return out, nil
}

// convertResources copies linux.resources; when it restricts devices, the rules that let
// the container use its default devices are appended (after, so they win).
func convertResources(r *specs.LinuxResources) (*specs.LinuxResources, error) {
	if r == nil {
		return nil, nil
	}
	var out specs.LinuxResources
	if err := cloneJSON(r, &out); err != nil {
		return nil, fmt.Errorf("linux.resources: %w", err)
	}
	// Rules are left in canonical form (type and access always set) for the cgroups code.
	rules := out.Devices
	out.Devices = out.Devices[:0]
	for i := range rules {
		d := &rules[i]
		field := configs.Index("linux.resources.devices", i)
		switch d.Type {
		case "":
			d.Type = "a" // runtime-spec: unset means all
		case "a", "c", "b":
		default:
			return nil, configs.FieldErrorf(field+".type", "%q is not a, c or b", d.Type)
		}
		if (d.Major != nil && *d.Major < -1) || (d.Minor != nil && *d.Minor < -1) {
			return nil, configs.FieldErrorf(field, "negative major/minor (only -1, meaning any, is allowed)")
		}
		var ok bool
		if d.Access, ok = deviceAccess(field+".access", d.Access); ok {
			out.Devices = append(out.Devices, *d)
		}
	}
	if len(rules) > 0 {
		out.Devices = append(out.Devices, defaultDeviceRules()...)
	}
	return &out, nil
}

// convertSeccomp checks linux.seccomp (its errors name the field, e.g.
// linux.seccomp.syscalls[3].names[1]) and copies it for init to compile and load.
func convertSeccomp(s *specs.LinuxSeccomp) (*specs.LinuxSeccomp, error) {
	if s == nil {
		return nil, nil
	}
	if err := seccomp.Validate(s); err != nil {
		var fe *configs.FieldError
		if errors.As(err, &fe) {
			return nil, err
		}
		return nil, configs.FieldErrorf("linux.seccomp", "%w", err)
	}
	var out specs.LinuxSeccomp
	if err := cloneJSON(s, &out); err != nil {
		return nil, fmt.Errorf("linux.seccomp: %w", err)
	}
	return &out, nil
}

// cloneJSON deep-copies through JSON so the config never shares memory with the spec.
func cloneJSON(in, out any) error {
	if done, err := cloneFast(in, out); done {
		return err
	}
	b, err := json.Marshal(in)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, out)
}
