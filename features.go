package main

import (
	"context"
	"encoding/json"
	"os"
	"sort"

	"github.com/berth-runtime/berth/libcontainer/caps"
	"github.com/berth-runtime/berth/libcontainer/seccomp"
	"github.com/berth-runtime/berth/specconv"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/opencontainers/runtime-spec/specs-go/features"
	"github.com/urfave/cli/v3"
)

var featuresCommand = &cli.Command{
	Name:  "features",
	Usage: "print what this build of berth supports, as runtime-spec features JSON",
	Action: func(_ context.Context, c *cli.Command) error {
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
		Annotations: featureAnnotations(),
		// Config annotations that change what berth does, so an engine passing pod
		// annotations through (containerd, CRI-O) can filter them: org.systemd.property.*
		// become unit properties with the systemd driver. A trailing dot means a prefix.
		PotentiallyUnsafeConfigAnnotations: []string{"org.systemd.property."},
	}
}

// berth's own annotation keys live under berth's reverse-domain name: the
// org.opencontainers namespace is reserved to the OCI (runtime-spec, config.md), whose
// own runc may use it and berth may not.
const annotationPrefix = "io.github.berth-runtime.berth."

// featureAnnotations: the build's version and commit, as runc reports its own, and the
// libseccomp it is linked with under the key runc uses for it.
func featureAnnotations() map[string]string {
	a := map[string]string{
		annotationPrefix + "version": version,
		annotationPrefix + "nsenter": "pure-go",
		// The key runc uses for the same fact.
		"io.github.seccomp.libseccomp.version": seccomp.LibraryVersion(),
		// berth checkpoint and restore exist (runc's org.opencontainers.runc.checkpoint.enabled);
		// they need CRIU on the host to work.
		annotationPrefix + "checkpoint.enabled": "true",
	}
	if gitCommit != "" {
		a[annotationPrefix+"commit"] = gitCommit
	}
	return a
}

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
