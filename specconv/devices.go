package specconv

import (
	"path/filepath"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"

	"github.com/berth-runtime/berth/libcontainer/configs"
)

// defaultDevices are created in every container unless linux.devices has the same path,
// as runc does: programs assume they exist.
var defaultDevices = []configs.Device{
	{Type: 'c', Path: "/dev/null", Major: 1, Minor: 3, FileMode: 0o666},
	{Type: 'c', Path: "/dev/zero", Major: 1, Minor: 5, FileMode: 0o666},
	{Type: 'c', Path: "/dev/full", Major: 1, Minor: 7, FileMode: 0o666},
	{Type: 'c', Path: "/dev/random", Major: 1, Minor: 8, FileMode: 0o666},
	{Type: 'c', Path: "/dev/urandom", Major: 1, Minor: 9, FileMode: 0o666},
	{Type: 'c', Path: "/dev/tty", Major: 5, Minor: 0, FileMode: 0o666},
}

// defaultDeviceMode is used when linux.devices[i].fileMode is absent.
const defaultDeviceMode = 0o666

// convertDevices returns linux.devices followed by the default devices not overridden.
func convertDevices(in []specs.LinuxDevice) ([]configs.Device, error) {
	var out []configs.Device
	seen := map[string]int{}
	for i, d := range in {
		field := configs.Index("linux.devices", i)
		dev, err := convertDevice(field, d)
		if err != nil {
			return nil, err
		}
		if j, dup := seen[dev.Path]; dup {
			return nil, configs.FieldErrorf(field+".path", "%s is already linux.devices[%d]", dev.Path, j)
		}
		seen[dev.Path] = i
		out = append(out, dev)
	}
	for _, d := range defaultDevices {
		if _, overridden := seen[d.Path]; !overridden {
			out = append(out, d)
		}
	}
	return out, nil
}

func convertDevice(field string, d specs.LinuxDevice) (configs.Device, error) {
	var out configs.Device
	if len(d.Type) != 1 || !strings.Contains("cbup", d.Type) {
		return out, configs.FieldErrorf(field+".type", "%q is not a device type (c, b, u or p)", d.Type)
	}
	if d.Path == "" {
		return out, configs.FieldErrorf(field+".path", "missing")
	}
	if !filepath.IsAbs(d.Path) {
		return out, configs.FieldErrorf(field+".path", "%q is not an absolute path", d.Path)
	}
	path := filepath.Clean(d.Path)
	// Device nodes belong in /dev, which berth builds itself; elsewhere they would be
	// created in the image's directories, which is runc's rule too.
	if !strings.HasPrefix(path, "/dev/") {
		return out, configs.FieldErrorf(field+".path", "%q is not under /dev", d.Path)
	}
	out = configs.Device{Type: rune(d.Type[0]), Path: path, FileMode: defaultDeviceMode}
	if d.Type != "p" {
		if d.Major < 0 || d.Minor < 0 {
			return out, configs.FieldErrorf(field, "major %d / minor %d must not be negative", d.Major, d.Minor)
		}
		// Linux device numbers: 12-bit major, 20-bit minor.
		if d.Major > 0xfff || d.Minor > 0xfffff {
			return out, configs.FieldErrorf(field, "major %d / minor %d is out of range", d.Major, d.Minor)
		}
		out.Major, out.Minor = d.Major, d.Minor
	}
	if d.FileMode != nil {
		// Some tools include the S_IFCHR/S_IFBLK type bits; the type field already says that.
		mode := uint32(*d.FileMode) &^ unix.S_IFMT
		if mode&^0o7777 != 0 {
			return out, configs.FieldErrorf(field+".fileMode", "%d is not a file mode", uint32(*d.FileMode))
		}
		out.FileMode = mode
	}
	if d.UID != nil {
		out.UID = *d.UID
	}
	if d.GID != nil {
		out.GID = *d.GID
	}
	return out, nil
}

// defaultDeviceRules are cgroup device rules appended after linux.resources.devices, so a
// deny-all list (the usual one) still lets the container use the default devices, its
// own /dev/pts terminals (136:*) and /dev/ptmx (5:2), and /dev/net/tun (10:200). As in
// runc, mknod of any char or block device is allowed too (c *:* m, b *:* m): creating a
// node grants nothing by itself (opening it is checked), and images that make their
// nodes at start rely on it.
func defaultDeviceRules() []specs.LinuxDeviceCgroup {
	rules := []specs.LinuxDeviceCgroup{
		allowDevice("c", -1, -1, "m"),
		allowDevice("b", -1, -1, "m"),
	}
	for _, d := range defaultDevices {
		rules = append(rules, allowDevice("c", d.Major, d.Minor, "rwm"))
	}
	return append(rules,
		allowDevice("c", 136, -1, "rwm"),
		allowDevice("c", 5, 2, "rwm"),
		allowDevice("c", 10, 200, "rwm"))
}

// allowDevice is an allow rule for devices of type t, major:minor (-1 = any).
func allowDevice(t string, major, minor int64, access string) specs.LinuxDeviceCgroup {
	r := specs.LinuxDeviceCgroup{Allow: true, Type: t, Access: access}
	if major >= 0 {
		r.Major = &major
	}
	if minor >= 0 {
		r.Minor = &minor
	}
	return r
}

// deviceAccess keeps the r, w and m of a linux.resources.devices[].access, in that
// order. Any other letter is reported and dropped, as runc ignores it ("rwa" is "rw"),
// rather than refusing the container. ok is false when no letter is left: the rule
// then grants or denies nothing and is dropped.
func deviceAccess(field, access string) (string, bool) {
	if access == "" {
		return "rwm", true
	}
	var kept, stray strings.Builder
	for _, want := range "rwm" {
		if strings.ContainsRune(access, want) {
			kept.WriteRune(want)
		}
	}
	for _, c := range access {
		if !strings.ContainsRune("rwm", c) {
			stray.WriteRune(c)
		}
	}
	if stray.Len() > 0 {
		what := "ignoring"
		if kept.Len() == 0 {
			what = "dropping the rule: it has no r, w or m, only"
		}
		Warn(configs.FieldErrorf(field, "%q: %s the unknown access letters %q", access, what, stray.String()))
	}
	return kept.String(), kept.Len() > 0
}
