package main

import (
	"encoding/json"
	"os"
	"sort"

	"github.com/berth-runtime/berth/libcontainer/caps"
	"github.com/berth-runtime/berth/libcontainer/seccomp"
	"github.com/berth-runtime/berth/specconv"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/opencontainers/runtime-spec/specs-go/features"
	"github.com/urfave/cli/v2"
)

var featuresCommand = &cli.Command{
	Name:  "features",
	Usage: "print what this build of berth supports, as runtime-spec features JSON",
	Action: func(c *cli.Context) error {
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "    ")
		return enc.Encode(supportedFeatures())
	},
}

// supportedFeatures is truthful: a field is listed or true only when berth honours it.
func supportedFeatures() *features.Features {
	t := true
	capNames := make([]string, 0, caps.Last()+1)
	for i := 0; i <= caps.Last(); i++ {
		capNames = append(capNames, caps.Name(i))
	}
	return &features.Features{
		OCIVersionMin: "1.0.0",
		OCIVersionMax: specs.Version,
		Hooks:         []string{"prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop"},
		MountOptions:  specconv.MountOptions(),
		Linux: &features.Linux{
			Namespaces:   []string{"cgroup", "ipc", "mount", "network", "pid", "time", "user", "uts"},
			Capabilities: capNames,
			// SystemdUser: rootless containers get their scope from the caller's systemd --user.
			Cgroup:  &features.Cgroup{V1: &t, V2: &t, Systemd: &t, SystemdUser: &t, Rdma: &t},
			Seccomp: seccomp.Features(),
			// Compiled in, i.e. honoured where the host has them (and refused with an
			// error where it does not): this describes the build, not the host.
			Apparmor:     &features.Apparmor{Enabled: &t},
			Selinux:      &features.Selinux{Enabled: &t},
			IntelRdt:     &features.IntelRdt{Enabled: &t, Schemata: &t, Monitoring: &t},
			MemoryPolicy: &features.MemoryPolicy{Modes: memoryPolicyModes(), Flags: memoryPolicyFlags()},
			MountExtensions: &features.MountExtensions{
				IDMap: &features.IDMap{Enabled: &t},
			},
			NetDevices: &features.NetDevices{Enabled: &t},
		},
		Annotations: map[string]string{
			"org.opencontainers.runtime-spec.features.nsenter": "pure-go",
			// The key runc uses for the same fact.
			"io.github.seccomp.libseccomp.version": seccomp.LibraryVersion(),
			// berth checkpoint/restore (runc says org.opencontainers.runc.checkpoint.enabled;
			// that namespace is reserved, so berth's key is its own).
			checkpointAnnotation: "true",
		},
	}
}

// checkpointAnnotation tells engines that `berth checkpoint` and `berth restore` exist
// (they need CRIU on the host to work).
const checkpointAnnotation = "com.github.berth-runtime.berth.checkpoint.enabled"

func memoryPolicyModes() []string {
	var out []string
	for m := range specconv.MemoryPolicyModes {
		out = append(out, string(m))
	}
	sort.Strings(out)
	return out
}

func memoryPolicyFlags() []string {
	var out []string
	for f := range specconv.MemoryPolicyFlags {
		out = append(out, string(f))
	}
	sort.Strings(out)
	return out
}
