package cgroups

import (
	"fmt"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// setDevices programs the v1 devices controller: everything is denied first, then the rules are
// applied in order (the kernel's own semantics for a rule list match runtime-spec's). With no rules
// the controller is left alone, so nothing is written for a config that does not ask.
func (d *v1Driver) setDevices(f fsOps, r *specs.LinuxResources) error {
	if len(r.Devices) == 0 {
		return nil
	}
	c, err := d.ctl(f, "devices", "linux.resources.devices")
	if err != nil {
		return err
	}
	for _, w := range v1DeviceWrites(r.Devices) {
		if err := c.write(w.field, w.file, w.value); err != nil {
			return err
		}
	}
	return nil
}

type fileWrite struct{ field, file, value string }

// v1DeviceWrites turns rules into devices.allow/deny writes, starting from deny-all. A rule for all
// devices ("a") resets the list, so rules before the last such rule are dropped as dead writes.
func v1DeviceWrites(rules []specs.LinuxDeviceCgroup) []fileWrite {
	start := 0
	for i, r := range rules {
		if isWildcardAll(r) {
			start = i
		}
	}
	out := []fileWrite{}
	if !isWildcardAll(rules[start]) {
		out = append(out, fileWrite{"linux.resources.devices", "devices.deny", "a"})
	}
	for i := start; i < len(rules); i++ {
		r := rules[i]
		field := fmt.Sprintf("linux.resources.devices[%d]", i)
		file := "devices.deny"
		if r.Allow {
			file = "devices.allow"
		}
		switch {
		case isWildcardAll(r):
			out = append(out, fileWrite{field, file, "a"}) // resets the default, on every kernel
		case r.Type == "a" || r.Type == "":
			// The kernel reads any "a" write as "everything", whatever access it names, so a
			// partial rule for all devices is spelled as one for all char and all block devices.
			for _, t := range []string{"c", "b"} {
				rr := r
				rr.Type = t
				out = append(out, fileWrite{field, file, deviceRule(rr)})
			}
		default:
			out = append(out, fileWrite{field, file, deviceRule(r)})
		}
	}
	return out
}

func accessAll(a string) bool {
	return a == "" || (len(a) == 3 && containsAll(a, "rwm"))
}

func containsAll(s, chars string) bool {
	for _, c := range chars {
		found := false
		for _, d := range s {
			if c == d {
				found = true
			}
		}
		if !found {
			return false
		}
	}
	return true
}

func isWildcardAll(r specs.LinuxDeviceCgroup) bool {
	return (r.Type == "a" || r.Type == "") && (r.Major == nil || *r.Major < 0) &&
		(r.Minor == nil || *r.Minor < 0) && accessAll(r.Access)
}
