package specconv

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/berth-runtime/berth/libcontainer/configs"
)

func ptr[T any](v T) *T { return &v }

// hookFiles makes an executable and a non-executable file for hook tests.
func hookFiles(t *testing.T) (exe, plain string) {
	t.Helper()
	dir := t.TempDir()
	exe, plain = filepath.Join(dir, "hook"), filepath.Join(dir, "plain")
	if err := os.WriteFile(exe, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(plain, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	return exe, plain
}

// withNS replaces the example's namespaces.
func withNS(s *specs.Spec, ns ...specs.LinuxNamespace) { s.Linux.Namespaces = ns }

func ns(t specs.LinuxNamespaceType, path ...string) specs.LinuxNamespace {
	n := specs.LinuxNamespace{Type: t}
	if len(path) > 0 {
		n.Path = path[0]
	}
	return n
}

var mountNS = ns(specs.MountNamespace)

func TestConvertRejects(t *testing.T) {
	exe, plain := hookFiles(t)
	useNSFS(t, fakeNSFS{
		kinds: map[string]configs.NamespaceType{
			"/run/netns/a": configs.NEWNET, "/proc/1/ns/net": configs.NEWNET,
			"/proc/1/ns/uts": configs.NEWUTS, "/run/userns": configs.NEWUSER,
			"/proc/9/ns/mnt": configs.NEWNS,
		},
		own: map[string]bool{"/proc/1/ns/net": true, "/proc/1/ns/uts": true},
	})
	fakeFilesystems(t, usualFilesystems...)
	useHost(t, bareHost())
	idmap := []specs.LinuxIDMapping{{ContainerID: 0, HostID: 1000, Size: 1}}

	cases := []struct {
		name   string
		mutate func(s *specs.Spec)
		opts   func(o *Options)
		want   string
	}{
		// ociVersion and unsupported settings
		{"version", func(s *specs.Spec) { s.Version = "2.0.0" }, nil, "ociVersion:"},
		{"seccomp", func(s *specs.Spec) {
			s.Linux.Seccomp = &specs.LinuxSeccomp{DefaultAction: "SCMP_ACT_ALLOW",
				Syscalls: []specs.LinuxSyscall{{Names: []string{"getcwd"}, Action: "SCMP_ACT_BOGUS"}}}
		}, nil, `linux.seccomp.syscalls[0].action: unknown action "SCMP_ACT_BOGUS"`},
		{"apparmor", func(s *specs.Spec) { s.Process.ApparmorProfile = "x" }, nil, "process.apparmorProfile:"},
		{"selinux", func(s *specs.Spec) { s.Process.SelinuxLabel = "x" }, nil, "process.selinuxLabel:"},
		{"scheduler", func(s *specs.Spec) { s.Process.Scheduler = &specs.Scheduler{} }, nil, `process.scheduler.policy: unknown policy ""`},
		{"ioPriority", func(s *specs.Spec) { s.Process.IOPriority = &specs.LinuxIOPriority{} }, nil, "process.ioPriority.class:"},
		{"execCPUAffinity", func(s *specs.Spec) { s.Process.ExecCPUAffinity = &specs.CPUAffinity{Initial: "x"} }, nil, "process.execCPUAffinity.initial:"},
		{"intelRdt", func(s *specs.Spec) { s.Linux.IntelRdt = &specs.LinuxIntelRdt{} }, nil, "linux.intelRdt: no resctrl filesystem is mounted"},
		{"memoryPolicy", func(s *specs.Spec) { s.Linux.MemoryPolicy = &specs.LinuxMemoryPolicy{} }, nil, "linux.memoryPolicy.mode:"},
		{"personality", func(s *specs.Spec) { s.Linux.Personality = &specs.LinuxPersonality{} }, nil, "linux.personality.domain:"},
		{"netDevices", func(s *specs.Spec) { s.Linux.NetDevices = map[string]specs.LinuxNetDevice{"eth1": {}} }, nil, `linux.netDevices["eth1"]: no network interface "eth1"`},
		{"timeOffsets", func(s *specs.Spec) { s.Linux.TimeOffsets = map[string]specs.LinuxTimeOffset{"monotonic": {Secs: 1}} }, nil, "linux.timeOffsets: set, but linux.namespaces has no time namespace"},

		// process
		{"no process", func(s *specs.Spec) { s.Process = nil }, nil, "process: missing"},
		{"huge console", func(s *specs.Spec) {
			s.Process.Terminal = true
			s.Process.ConsoleSize = &specs.Box{Height: 70000, Width: 80}
		}, nil, "process.consoleSize:"},
		{"no args", func(s *specs.Spec) { s.Process.Args = nil }, nil, "process.args: must not be empty"},
		{"empty argv0", func(s *specs.Spec) { s.Process.Args = []string{""} }, nil, "process.args[0]:"},
		{"NUL arg", func(s *specs.Spec) { s.Process.Args = []string{"sh", "a\x00b"} }, nil, "process.args[1]: contains a NUL byte"},
		{"no cwd", func(s *specs.Spec) { s.Process.Cwd = "" }, nil, "process.cwd: missing"},
		{"relative cwd", func(s *specs.Spec) { s.Process.Cwd = "tmp" }, nil, `process.cwd: "tmp" is not an absolute path`},
		{"env without =", func(s *specs.Spec) { s.Process.Env = append(s.Process.Env, "FOO") }, nil, "process.env[2]:"},
		{"env empty name", func(s *specs.Spec) { s.Process.Env = []string{"=x"} }, nil, "process.env[0]:"},
		{"umask", func(s *specs.Spec) { s.Process.User.Umask = ptr(uint32(0o1000)) }, nil, "process.user.umask:"},
		{"oom high", func(s *specs.Spec) { s.Process.OOMScoreAdj = ptr(1001) }, nil, "process.oomScoreAdj:"},
		{"oom low", func(s *specs.Spec) { s.Process.OOMScoreAdj = ptr(-1001) }, nil, "process.oomScoreAdj:"},
		{"rlimit unknown", func(s *specs.Spec) {
			s.Process.Rlimits = append(s.Process.Rlimits, specs.POSIXRlimit{Type: "RLIMIT_FOO"})
		}, nil, `process.rlimits[1].type: unknown rlimit "RLIMIT_FOO"`},
		{"rlimit duplicate", func(s *specs.Spec) {
			s.Process.Rlimits = append(s.Process.Rlimits, specs.POSIXRlimit{Type: "RLIMIT_NOFILE", Hard: 1, Soft: 1})
		}, nil, `process.rlimits[1].type: duplicate rlimit "RLIMIT_NOFILE"`},
		{"rlimit soft>hard", func(s *specs.Spec) { s.Process.Rlimits[0].Soft = 2048 }, nil, "process.rlimits[0]: soft limit"},

		// root
		{"no root", func(s *specs.Spec) { s.Root = nil }, nil, "root.path: missing"},
		{"empty root", func(s *specs.Spec) { s.Root.Path = "" }, nil, "root.path: missing"},
		{"root missing", func(s *specs.Spec) { s.Root.Path = "nope" }, nil, "root.path:"},
		{"root is a file", func(s *specs.Spec) { s.Root.Path = plain }, nil, "root.path: " + plain + " is not a directory"},
		{"relative bundle", nil, func(o *Options) { o.Bundle = "bundle" }, "not an absolute path"},

		// namespaces and id mappings
		{"ns unknown", func(s *specs.Spec) {
			s.Linux.Namespaces = append(s.Linux.Namespaces, ns("foo"))
		}, nil, `linux.namespaces[6].type: unknown namespace type "foo"`},
		{"ns duplicate", func(s *specs.Spec) {
			s.Linux.Namespaces = append(s.Linux.Namespaces, ns(specs.PIDNamespace))
		}, nil, `linux.namespaces[6].type: duplicate namespace "pid" (already linux.namespaces[0])`},
		{"ns relative path", func(s *specs.Spec) { s.Linux.Namespaces[1].Path = "netns/a" }, nil, "linux.namespaces[1].path:"},
		{"ns path missing", func(s *specs.Spec) { s.Linux.Namespaces[3].Path = "/run/nope" }, nil, "linux.namespaces[3].path: /run/nope:"},
		{"ns path wrong kind", func(s *specs.Spec) { s.Linux.Namespaces[2].Path = "/run/netns/a" }, nil,
			"linux.namespaces[2].path: /run/netns/a is a network namespace, not ipc"},
		{"userns without uid maps", func(s *specs.Spec) {
			withNS(s, mountNS, ns(specs.UserNamespace))
			s.Hostname = ""
			s.Linux.GIDMappings = idmap
		}, nil, "linux.uidMappings: required for a new user namespace"},
		{"userns without gid maps", func(s *specs.Spec) {
			withNS(s, mountNS, ns(specs.UserNamespace))
			s.Hostname = ""
			s.Linux.UIDMappings = idmap
		}, nil, "linux.gidMappings: required for a new user namespace"},
		{"maps without userns", func(s *specs.Spec) { s.Linux.UIDMappings, s.Linux.GIDMappings = idmap, idmap }, nil,
			"linux.uidMappings: set, but linux.namespaces has no user namespace"},
		{"gid maps without userns", func(s *specs.Spec) { s.Linux.GIDMappings = idmap }, nil, "linux.gidMappings: set, but"},
		{"map size 0", func(s *specs.Spec) {
			s.Linux.Namespaces = append(s.Linux.Namespaces, ns(specs.UserNamespace))
			s.Linux.UIDMappings = []specs.LinuxIDMapping{{ContainerID: 0, HostID: 1000, Size: 0}}
			s.Linux.GIDMappings = idmap
		}, nil, "linux.uidMappings[0].size: must be greater than zero"},
		{"map overlap", func(s *specs.Spec) {
			s.Linux.Namespaces = append(s.Linux.Namespaces, ns(specs.UserNamespace))
			s.Linux.UIDMappings = idmap
			s.Linux.GIDMappings = []specs.LinuxIDMapping{{ContainerID: 0, HostID: 1000, Size: 10}, {ContainerID: 5, HostID: 5000, Size: 10}}
		}, nil, "linux.gidMappings[1]: container ids overlap linux.gidMappings[0]"},
		{"map host overlap", func(s *specs.Spec) {
			s.Linux.Namespaces = append(s.Linux.Namespaces, ns(specs.UserNamespace))
			s.Linux.UIDMappings = []specs.LinuxIDMapping{{ContainerID: 0, HostID: 1000, Size: 10}, {ContainerID: 100, HostID: 1009, Size: 1}}
			s.Linux.GIDMappings = idmap
		}, nil, "linux.uidMappings[1]: host ids overlap"},
		{"map overflow", func(s *specs.Spec) {
			s.Linux.Namespaces = append(s.Linux.Namespaces, ns(specs.UserNamespace))
			s.Linux.UIDMappings = []specs.LinuxIDMapping{{ContainerID: 4294967295, HostID: 0, Size: 2}}
			s.Linux.GIDMappings = idmap
		}, nil, "linux.uidMappings[0]: containerID"},

		{"uid not mapped", func(s *specs.Spec) {
			s.Linux.Namespaces = append(s.Linux.Namespaces, ns(specs.UserNamespace))
			s.Linux.UIDMappings, s.Linux.GIDMappings = idmap, idmap
			s.Process.User.UID = 1
		}, nil, "process.user.uid: 1 is not mapped by linux.uidMappings"},
		{"gid not mapped", func(s *specs.Spec) {
			s.Linux.Namespaces = append(s.Linux.Namespaces, ns(specs.UserNamespace))
			s.Linux.UIDMappings, s.Linux.GIDMappings = idmap, idmap
			s.Process.User.GID = 5
		}, nil, "process.user.gid: 5 is not mapped"},
		{"additional gid not mapped", func(s *specs.Spec) {
			s.Linux.Namespaces = append(s.Linux.Namespaces, ns(specs.UserNamespace))
			s.Linux.UIDMappings, s.Linux.GIDMappings = idmap, idmap
			s.Process.User.AdditionalGids = []uint32{0, 10}
		}, nil, "process.user.additionalGids[1]: 10 is not mapped"},

		// hostname
		{"hostname without uts", func(s *specs.Spec) { withNS(s, mountNS) }, nil, "hostname: needs a uts namespace"},
		{"domainname without uts", func(s *specs.Spec) { withNS(s, mountNS); s.Hostname = ""; s.Domainname = "x" }, nil, "domainname: needs a uts namespace"},
		{"hostname in host uts", func(s *specs.Spec) { s.Linux.Namespaces[3].Path = "/proc/1/ns/uts" }, nil, "hostname: the uts namespace to join (/proc/1/ns/uts) is the host's"},
		{"hostname too long", func(s *specs.Spec) { s.Hostname = strings.Repeat("h", 65) }, nil, "hostname:"},

		// mounts
		{"mount no destination", func(s *specs.Spec) { s.Mounts[2].Destination = "" }, nil, "mounts[2].destination: missing"},
		{"mount over root", func(s *specs.Spec) { s.Mounts[1].Destination = "/" }, nil, "mounts[1].destination:"},
		{"mount idmap", func(s *specs.Spec) { s.Mounts[1].Options[1] = "idmap" }, nil, "mounts[1].options: idmapped mounts are supported for bind mounts only"},
		{"mount ridmap", func(s *specs.Spec) { s.Mounts[3].Options = []string{"ridmap"} }, nil, "mounts[3].options: idmapped mounts are supported for bind mounts only"},
		{"mount empty option", func(s *specs.Spec) { s.Mounts[4].Options[2] = "" }, nil, "mounts[4].options[2]: empty option"},
		{"tmpcopyup on proc", func(s *specs.Spec) { s.Mounts[0].Options = []string{"tmpcopyup"} }, nil, `mounts[0].options: tmpcopyup applies to tmpfs mounts only, not "proc"`},
		{"mount uidMappings", func(s *specs.Spec) { s.Mounts[0].UIDMappings = []specs.LinuxIDMapping{{Size: 1}} }, nil, "mounts[0].options: idmapped mounts are supported for bind mounts only"},
		{"mount unknown fs", func(s *specs.Spec) { s.Mounts[0].Type = "foo" }, nil, `mounts[0].type: unknown filesystem type "foo"`},
		{"mount none without bind", func(s *specs.Spec) { s.Mounts[0].Type = "none" }, nil, `mounts[0].type: unknown filesystem type "none"`},
		{"mount no type", func(s *specs.Spec) { s.Mounts[5].Type = "" }, nil, "mounts[5].type: missing"},
		{"bind source missing", func(s *specs.Spec) {
			s.Mounts = append(s.Mounts, specs.Mount{Destination: "/data", Type: "bind", Source: "data"})
		}, nil, "mounts[7].source:"},
		{"bind source missing, absolute", func(s *specs.Spec) {
			s.Mounts = append(s.Mounts, specs.Mount{Destination: "/data", Type: "bind", Source: "/nonexistent/data"})
		}, nil, "mounts[7].source: stat /nonexistent/data: no such file"},
		{"rbind no source", func(s *specs.Spec) {
			s.Mounts = append(s.Mounts, specs.Mount{Destination: "/data", Options: []string{"rbind"}})
		}, nil, "mounts[7].source: missing for a bind mount"},

		// propagation and paths
		{"rootfsPropagation", func(s *specs.Spec) { s.Linux.RootfsPropagation = "sideways" }, nil, `linux.rootfsPropagation: unknown propagation "sideways"`},
		{"rprivate without pivot", func(s *specs.Spec) { s.Linux.RootfsPropagation = "rprivate" }, func(o *Options) { o.NoPivot = true }, "linux.rootfsPropagation:"},
		{"masked relative", func(s *specs.Spec) { s.Linux.MaskedPaths[1] = "proc/kcore" }, nil, "linux.maskedPaths[1]:"},
		{"readonly relative", func(s *specs.Spec) { s.Linux.ReadonlyPaths = []string{"x"} }, nil, "linux.readonlyPaths[0]:"},

		// devices
		{"device type", func(s *specs.Spec) { s.Linux.Devices = []specs.LinuxDevice{{Type: "x", Path: "/dev/x"}} }, nil, "linux.devices[0].type:"},
		{"device type long", func(s *specs.Spec) { s.Linux.Devices = []specs.LinuxDevice{{Type: "cb", Path: "/dev/x"}} }, nil, "linux.devices[0].type:"},
		{"device relative", func(s *specs.Spec) { s.Linux.Devices = []specs.LinuxDevice{{Type: "c", Path: "dev/x"}} }, nil, "linux.devices[0].path:"},
		{"device outside dev", func(s *specs.Spec) { s.Linux.Devices = []specs.LinuxDevice{{Type: "c", Path: "/etc/x"}} }, nil, `linux.devices[0].path: "/etc/x" is not under /dev`},
		{"device escapes dev", func(s *specs.Spec) { s.Linux.Devices = []specs.LinuxDevice{{Type: "c", Path: "/dev/../etc/x"}} }, nil, "linux.devices[0].path:"},
		{"device duplicate", func(s *specs.Spec) {
			s.Linux.Devices = []specs.LinuxDevice{{Type: "c", Path: "/dev/fuse", Major: 10, Minor: 229}, {Type: "c", Path: "/dev//fuse", Major: 10, Minor: 229}}
		}, nil, "linux.devices[1].path: /dev/fuse is already linux.devices[0]"},
		{"device negative", func(s *specs.Spec) { s.Linux.Devices = []specs.LinuxDevice{{Type: "b", Path: "/dev/x", Major: -1}} }, nil, "linux.devices[0]:"},
		{"device mode", func(s *specs.Spec) {
			s.Linux.Devices = []specs.LinuxDevice{{Type: "c", Path: "/dev/x", FileMode: ptr(os.FileMode(0o1000000))}}
		}, nil, "linux.devices[0].fileMode:"},

		// sysctl
		{"sysctl not namespaced", func(s *specs.Spec) { s.Linux.Sysctl = map[string]string{"vm.swappiness": "1"} }, nil,
			`linux.sysctl["vm.swappiness"]: not a namespaced sysctl`},
		{"sysctl kernel", func(s *specs.Spec) { s.Linux.Sysctl = map[string]string{"kernel.panic": "1"} }, nil, `linux.sysctl["kernel.panic"]: not a namespaced sysctl`},
		{"sysctl net without netns", func(s *specs.Spec) {
			withNS(s, mountNS, ns(specs.UTSNamespace))
			s.Linux.Sysctl = map[string]string{"net.ipv4.ip_forward": "1"}
		}, nil, `linux.sysctl["net.ipv4.ip_forward"]: needs a network namespace`},
		{"sysctl net in host netns", func(s *specs.Spec) {
			s.Linux.Namespaces[1].Path = "/proc/1/ns/net"
			s.Linux.Sysctl = map[string]string{"net.ipv4.ip_forward": "1"}
		}, nil, `linux.sysctl["net.ipv4.ip_forward"]: the network namespace to join (/proc/1/ns/net) is the host's`},
		{"sysctl ipc without ipcns", func(s *specs.Spec) {
			withNS(s, mountNS, ns(specs.UTSNamespace))
			s.Linux.Sysctl = map[string]string{"kernel.shmmax": "1"}
		}, nil, `linux.sysctl["kernel.shmmax"]: needs a ipc namespace`},
		{"sysctl user without userns", func(s *specs.Spec) {
			s.Linux.Sysctl = map[string]string{"user.max_user_namespaces": "1"}
		}, nil, `linux.sysctl["user.max_user_namespaces"]: needs a user namespace`},
		{"sysctl mqueue without ipcns", func(s *specs.Spec) {
			withNS(s, mountNS, ns(specs.UTSNamespace))
			s.Linux.Sysctl = map[string]string{"fs.mqueue.msg_max": "1"}
		}, nil, `linux.sysctl["fs.mqueue.msg_max"]: needs a ipc namespace`},
		{"sysctl hostname without uts", func(s *specs.Spec) {
			withNS(s, mountNS)
			s.Hostname = ""
			s.Linux.Sysctl = map[string]string{"kernel.hostname": "x"}
		}, nil, `linux.sysctl["kernel.hostname"]: needs a uts namespace`},
		{"sysctl escaping key", func(s *specs.Spec) { s.Linux.Sysctl = map[string]string{"net/../../vm/swappiness": "1"} }, nil,
			`linux.sysctl["net/../../vm/swappiness"]: not a valid sysctl name`},
		{"sysctl empty part", func(s *specs.Spec) { s.Linux.Sysctl = map[string]string{"net..core": "1"} }, nil, "not a valid sysctl name"},

		// hooks
		{"hook relative", func(s *specs.Spec) { s.Hooks = &specs.Hooks{Prestart: []specs.Hook{{Path: "hook"}}} }, nil, `hooks.prestart[0].path: "hook" is not an absolute path`},
		{"hook missing", func(s *specs.Spec) {
			s.Hooks = &specs.Hooks{CreateRuntime: []specs.Hook{{Path: exe}, {Path: "/nonexistent/hook"}}}
		}, nil, "hooks.createRuntime[1].path: stat /nonexistent/hook: no such file"},
		{"hook not executable", func(s *specs.Spec) { s.Hooks = &specs.Hooks{Poststop: []specs.Hook{{Path: plain}}} }, nil, "hooks.poststop[0].path: " + plain + " is not executable"},
		{"hook directory", func(s *specs.Spec) { s.Hooks = &specs.Hooks{CreateContainer: []specs.Hook{{Path: "/"}}} }, nil, "hooks.createContainer[0].path: / is not a regular file"},
		{"hook timeout", func(s *specs.Spec) { s.Hooks = &specs.Hooks{Poststart: []specs.Hook{{Path: exe, Timeout: ptr(0)}}} }, nil, "hooks.poststart[0].timeout:"},
		{"hook empty path", func(s *specs.Spec) { s.Hooks = &specs.Hooks{StartContainer: []specs.Hook{{}}} }, nil, "hooks.startContainer[0].path: missing"},
		{"hook env", func(s *specs.Spec) { s.Hooks = &specs.Hooks{Prestart: []specs.Hook{{Path: exe, Env: []string{"X"}}}} }, nil, "hooks.prestart[0].env[0]:"},

		// resources
		{"cgroup device type", func(s *specs.Spec) { s.Linux.Resources.Devices[0].Type = "z" }, nil, "linux.resources.devices[0].type:"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			spec := validSpec()
			if tc.mutate != nil {
				tc.mutate(spec)
			}
			opts := Options{ID: "test", Bundle: newBundle(t)}
			if tc.opts != nil {
				tc.opts(&opts)
			}
			c, err := Convert(spec, opts)
			wantErrContains(t, err, tc.want)
			if c != nil {
				t.Fatalf("Convert returned a config along with error %v", err)
			}
		})
	}
}
