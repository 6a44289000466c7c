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
		field := index("linux.devices", i)
		dev, err := convertDevice(field, d)
		if err != nil {
			return nil, err
		}
		if j, dup := seen[dev.Path]; dup {
			return nil, fieldErrorf(field+".path", "%s is already linux.devices[%d]", dev.Path, j)
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
		return out, fieldErrorf(field+".type", "%q is not a device type (c, b, u or p)", d.Type)
	}
	if d.Path == "" {
		return out, fieldErrorf(field+".path", "missing")
	}
	if !filepath.IsAbs(d.Path) {
		return out, fieldErrorf(field+".path", "%q is not an absolute path", d.Path)
	}
	path := filepath.Clean(d.Path)
	// Device nodes belong in /dev, which berth builds itself; elsewhere they would be
	// created in the image's directories, which is runc's rule too.
	if !strings.HasPrefix(path, "/dev/") {
		return out, fieldErrorf(field+".path", "%q is not under /dev", d.Path)
	}
	out = configs.Device{Type: rune(d.Type[0]), Path: path, FileMode: defaultDeviceMode}
	if d.Type != "p" {
		if d.Major < 0 || d.Minor < 0 {
			return out, fieldErrorf(field, "major %d / minor %d must not be negative", d.Major, d.Minor)
		}
		// Linux device numbers: 12-bit major, 20-bit minor.
		if d.Major > 0xfff || d.Minor > 0xfffff {
			return out, fieldErrorf(field, "major %d / minor %d is out of range", d.Major, d.Minor)
		}
		out.Major, out.Minor = d.Major, d.Minor
	}
	if d.FileMode != nil {
		// Some tools include the S_IFCHR/S_IFBLK type bits; the type field already says that.
		mode := uint32(*d.FileMode) &^ unix.S_IFMT
		if mode&^0o7777 != 0 {
			return out, fieldErrorf(field+".fileMode", "%d is not a file mode", uint32(*d.FileMode))
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
// deny-all list (the usual one) still lets the container use the default devices and its
// own /dev/pts terminals (136:*) and /dev/ptmx (5:2).
func defaultDeviceRules() []specs.LinuxDeviceCgroup {
	var rules []specs.LinuxDeviceCgroup
	for _, d := range defaultDevices {
		rules = append(rules, allowChar(d.Major, d.Minor))
	}
	rules = append(rules, allowChar(136, -1), allowChar(5, 2))
	return rules
}

// allowChar is an rwm allow rule for char device major:minor (minor -1 = any).
func allowChar(major, minor int64) specs.LinuxDeviceCgroup {
	r := specs.LinuxDeviceCgroup{Allow: true, Type: "c", Major: &major, Access: "rwm"}
	if minor >= 0 {
		r.Minor = &minor
	}
	return r
}
