package specconv

import (
	"reflect"
	"strings"
	"testing"

	"github.com/moby/sys/mountinfo"
	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/berth-runtime/berth/libcontainer/configs"
)

// bareHost is a host with no LSM, no resctrl, only an "eth1" interface, run as root.
func bareHost() hostProbe {
	return hostProbe{
		apparmorEnabled: func() bool { return false },
		selinuxEnabled:  func() bool { return false },
		resctrlMount:    func() (string, error) { return "", nil },
		linkExists:      func(n string) (bool, error) { return n == "dummy0" || n == "dummy1", nil },
		euid:            func() int { return 0 },
	}
}

func useHost(t *testing.T, h hostProbe) {
	t.Helper()
	old := host
	host = h
	t.Cleanup(func() { host = old })
}

// convertOK converts the example spec changed by mutate and fails the test on error.
func convertOK(t *testing.T, mutate func(s *specs.Spec)) *configs.Config {
	t.Helper()
	fakeFilesystems(t, usualFilesystems...)
	s := validSpec()
	mutate(s)
	c, err := Convert(s, Options{ID: "test", Bundle: newBundle(t)})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestConvertProcessFields(t *testing.T) {
	useHost(t, bareHost())
	c := convertOK(t, func(s *specs.Spec) {
		s.Process.Scheduler = &specs.Scheduler{Policy: specs.SchedBatch, Nice: 5,
			Flags: []specs.LinuxSchedulerFlag{specs.SchedFlagResetOnFork}}
		s.Process.IOPriority = &specs.LinuxIOPriority{Class: specs.IOPRIO_CLASS_IDLE, Priority: 7}
		s.Process.ExecCPUAffinity = &specs.CPUAffinity{Initial: "0-2,5", Final: "1"}
	})
	p := c.Process
	if want := (configs.Scheduler{Policy: 3, Nice: 5, Flags: 1}); p.Scheduler == nil || *p.Scheduler != want {
		t.Errorf("scheduler %+v, want %+v", p.Scheduler, want)
	}
	if p.IOPriority == nil || *p.IOPriority != 3<<13|7 {
		t.Errorf("ioPriority %v, want %d", p.IOPriority, 3<<13|7)
	}
	want := &configs.CPUAffinity{Initial: []int{0, 1, 2, 5}, Final: []int{1}}
	if !reflect.DeepEqual(p.ExecCPUAffinity, want) {
		t.Errorf("execCPUAffinity %+v, want %+v", p.ExecCPUAffinity, want)
	}
}

func TestConvertProcessFieldErrors(t *testing.T) {
	useHost(t, bareHost())
	cases := []struct {
		name   string
		mutate func(p *specs.Process)
		want   string
	}{
		{"nice", func(p *specs.Process) { p.Scheduler = &specs.Scheduler{Policy: specs.SchedOther, Nice: 20} }, "process.scheduler.nice:"},
		{"fifo without priority", func(p *specs.Process) { p.Scheduler = &specs.Scheduler{Policy: specs.SchedFIFO} }, "process.scheduler.priority: 0 is outside [1, 99]"},
		{"priority for batch", func(p *specs.Process) { p.Scheduler = &specs.Scheduler{Policy: specs.SchedBatch, Priority: 3} }, "process.scheduler.priority: only"},
		{"deadline fields", func(p *specs.Process) { p.Scheduler = &specs.Scheduler{Policy: specs.SchedRR, Priority: 1, Runtime: 5} }, "process.scheduler: runtime, deadline and period"},
		{"sched flag", func(p *specs.Process) {
			p.Scheduler = &specs.Scheduler{Policy: specs.SchedIdle, Flags: []specs.LinuxSchedulerFlag{"SCHED_FLAG_X"}}
		}, "process.scheduler.flags[0]: unknown flag"},
		{"io level", func(p *specs.Process) {
			p.IOPriority = &specs.LinuxIOPriority{Class: specs.IOPRIO_CLASS_BE, Priority: 8}
		}, "process.ioPriority.priority:"},
		{"cpu range", func(p *specs.Process) { p.ExecCPUAffinity = &specs.CPUAffinity{Final: "3-1"} }, "process.execCPUAffinity.final:"},
		{"cpu too high", func(p *specs.Process) { p.ExecCPUAffinity = &specs.CPUAffinity{Final: "4096"} }, "above the highest"},
		{"apparmor", func(p *specs.Process) { p.ApparmorProfile = "p" }, "process.apparmorProfile: AppArmor is not enabled on this host"},
		{"selinux", func(p *specs.Process) { p.SelinuxLabel = "l" }, "process.selinuxLabel: SELinux is disabled"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := validSpec().Process
			tc.mutate(p)
			_, err := ConvertProcess(p)
			wantErrContains(t, err, tc.want)
		})
	}
}

func TestLSMAcceptedWhenEnabled(t *testing.T) {
	h := bareHost()
	h.apparmorEnabled = func() bool { return true }
	h.selinuxEnabled = func() bool { return true }
	useHost(t, h)
	p := validSpec().Process
	p.ApparmorProfile, p.SelinuxLabel = "berth-test", "system_u:system_r:container_t:s0"
	out, err := ConvertProcess(p)
	if err != nil {
		t.Fatal(err)
	}
	if out.ApparmorProfile != p.ApparmorProfile || out.SelinuxLabel != p.SelinuxLabel {
		t.Errorf("got %q %q", out.ApparmorProfile, out.SelinuxLabel)
	}
}

func TestMountLabel(t *testing.T) {
	h := bareHost()
	useHost(t, h)
	label := "system_u:object_r:container_file_t:s0:c1,c2"
	// Disabled: nothing changes (a comma in the label does not matter then).
	c := convertOK(t, func(s *specs.Spec) { s.Linux.MountLabel = label })
	for _, m := range c.Mounts {
		if strings.Contains(m.Data, "context=") {
			t.Fatalf("SELinux disabled, yet %s got %q", m.Destination, m.Data)
		}
	}
	h.selinuxEnabled = func() bool { return true }
	useHost(t, h)
	c = convertOK(t, func(s *specs.Spec) { s.Linux.MountLabel = "system_u:object_r:container_file_t:s0" })
	got := map[string]string{}
	for _, m := range c.Mounts {
		got[m.Destination] = m.Data
	}
	if want := `mode=755,size=65536k,context="system_u:object_r:container_file_t:s0"`; got["/dev"] != want {
		t.Errorf("/dev data %q, want %q", got["/dev"], want)
	}
	if strings.Contains(got["/proc"], "context") || strings.Contains(got["/sys"], "context") {
		t.Errorf("proc or sysfs got a context: %q %q", got["/proc"], got["/sys"])
	}
}

func TestConvertLinuxFields(t *testing.T) {
	useHost(t, bareHost())
	c := convertOK(t, func(s *specs.Spec) {
		s.Linux.Namespaces = append(s.Linux.Namespaces, specs.LinuxNamespace{Type: specs.TimeNamespace})
		s.Linux.Personality = &specs.LinuxPersonality{Domain: specs.PerLinux32}
		s.Linux.MemoryPolicy = &specs.LinuxMemoryPolicy{Mode: specs.MpolInterleave, Nodes: "0-1,3",
			Flags: []specs.MemoryPolicyFlagType{specs.MpolFStaticNodes}}
		s.Linux.TimeOffsets = map[string]specs.LinuxTimeOffset{
			"monotonic": {Secs: 10}, "boottime": {Secs: -5, Nanosecs: 7}}
		s.Linux.NetDevices = map[string]specs.LinuxNetDevice{"dummy1": {}, "dummy0": {Name: "eth%d"}}
	})
	if c.Personality == nil || *c.Personality != 8 {
		t.Errorf("personality %v, want 8", c.Personality)
	}
	wantPol := &configs.MemoryPolicy{Mode: 3 | 1<<15, Nodes: []int{0, 1, 3}}
	if !reflect.DeepEqual(c.MemoryPolicy, wantPol) {
		t.Errorf("memory policy %+v, want %+v", c.MemoryPolicy, wantPol)
	}
	if want := "boottime -5 7\nmonotonic 10 0\n"; c.TimeOffsets != want {
		t.Errorf("time offsets %q, want %q", c.TimeOffsets, want)
	}
	wantDevs := []configs.NetDevice{{HostName: "dummy0", Name: "eth%d"}, {HostName: "dummy1", Name: "dummy1"}}
	if !reflect.DeepEqual(c.NetDevices, wantDevs) {
		t.Errorf("net devices %+v, want %+v", c.NetDevices, wantDevs)
	}
}

func TestConvertLinuxFieldErrors(t *testing.T) {
	useHost(t, bareHost())
	fakeFilesystems(t, usualFilesystems...)
	timeNS := func(s *specs.Spec) {
		s.Linux.Namespaces = append(s.Linux.Namespaces, specs.LinuxNamespace{Type: specs.TimeNamespace})
	}
	cases := []struct {
		name   string
		host   func(h *hostProbe)
		mutate func(s *specs.Spec)
		want   string
	}{
		{"personality flag", nil, func(s *specs.Spec) {
			s.Linux.Personality = &specs.LinuxPersonality{Domain: specs.PerLinux, Flags: []specs.LinuxPersonalityFlag{"X"}}
		}, "linux.personality.flags[0]:"},
		{"bind without nodes", nil, func(s *specs.Spec) { s.Linux.MemoryPolicy = &specs.LinuxMemoryPolicy{Mode: specs.MpolBind} }, "linux.memoryPolicy.nodes: MPOL_BIND needs at least one node"},
		{"local with nodes", nil, func(s *specs.Spec) {
			s.Linux.MemoryPolicy = &specs.LinuxMemoryPolicy{Mode: specs.MpolLocal, Nodes: "0"}
		}, "linux.memoryPolicy.nodes: must be empty"},
		{"bad nodes", nil, func(s *specs.Spec) { s.Linux.MemoryPolicy = &specs.LinuxMemoryPolicy{Mode: specs.MpolBind, Nodes: "a"} }, "linux.memoryPolicy.nodes:"},
		{"mpol flags", nil, func(s *specs.Spec) {
			s.Linux.MemoryPolicy = &specs.LinuxMemoryPolicy{Mode: specs.MpolBind, Nodes: "0",
				Flags: []specs.MemoryPolicyFlagType{specs.MpolFStaticNodes, specs.MpolFRelativeNodes}}
		}, "exclude each other"},
		{"clock", nil, func(s *specs.Spec) {
			timeNS(s)
			s.Linux.TimeOffsets = map[string]specs.LinuxTimeOffset{"realtime": {Secs: 1}}
		}, `linux.timeOffsets["realtime"]: unknown clock`},
		{"nanosecs", nil, func(s *specs.Spec) {
			timeNS(s)
			s.Linux.TimeOffsets = map[string]specs.LinuxTimeOffset{"boottime": {Nanosecs: 1e9}}
		}, `linux.timeOffsets["boottime"].nanosecs:`},
		{"joined timens", nil, func(s *specs.Spec) {
			s.Linux.Namespaces = append(s.Linux.Namespaces, specs.LinuxNamespace{Type: specs.TimeNamespace, Path: "/proc/self/ns/time"})
			s.Linux.TimeOffsets = map[string]specs.LinuxTimeOffset{"boottime": {Secs: 1}}
		}, "linux.timeOffsets: cannot change the offsets of an existing time namespace"},
		{"netdev without netns", nil, func(s *specs.Spec) {
			s.Linux.Namespaces = []specs.LinuxNamespace{{Type: specs.MountNamespace}, {Type: specs.UTSNamespace}}
			s.Linux.NetDevices = map[string]specs.LinuxNetDevice{"dummy0": {}}
		}, "linux.netDevices: set, but linux.namespaces has no network namespace"},
		{"netdev rootless", func(h *hostProbe) { h.euid = func() int { return 1000 } }, func(s *specs.Spec) {
			s.Linux.NetDevices = map[string]specs.LinuxNetDevice{"dummy0": {}}
		}, "linux.netDevices: moving network devices needs root"},
		{"netdev long name", nil, func(s *specs.Spec) {
			s.Linux.NetDevices = map[string]specs.LinuxNetDevice{"dummy0": {Name: "abcdefghijklmnop"}}
		}, `linux.netDevices["dummy0"].name: "abcdefghijklmnop" is longer than 15 bytes`},
		{"netdev bad template", nil, func(s *specs.Spec) {
			s.Linux.NetDevices = map[string]specs.LinuxNetDevice{"dummy0": {Name: "eth%s"}}
		}, `linux.netDevices["dummy0"].name:`},
		{"netdev same name", nil, func(s *specs.Spec) {
			s.Linux.NetDevices = map[string]specs.LinuxNetDevice{"dummy0": {Name: "eth0"}, "dummy1": {Name: "eth0"}}
		}, `linux.netDevices["dummy1"].name: "eth0" is also the name of linux.netDevices["dummy0"]`},
		{"closID", func(h *hostProbe) { h.resctrlMount = func() (string, error) { return "/sys/fs/resctrl", nil } }, func(s *specs.Spec) {
			s.Linux.IntelRdt = &specs.LinuxIntelRdt{ClosID: "a/b"}
		}, "linux.intelRdt.closID:"},
		{"membw", func(h *hostProbe) { h.resctrlMount = func() (string, error) { return "/sys/fs/resctrl", nil } }, func(s *specs.Spec) {
			s.Linux.IntelRdt = &specs.LinuxIntelRdt{MemBwSchema: "L3:0=f"}
		}, "linux.intelRdt.memBwSchema:"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := bareHost()
			if tc.host != nil {
				tc.host(&h)
			}
			useHost(t, h)
			s := validSpec()
			tc.mutate(s)
			_, err := Convert(s, Options{ID: "test", Bundle: newBundle(t)})
			wantErrContains(t, err, tc.want)
		})
	}
}

func TestIDMapMounts(t *testing.T) {
	useHost(t, bareHost())
	src := t.TempDir()
	bind := func(opts ...string) specs.Mount {
		return specs.Mount{Destination: "/mnt", Type: "bind", Source: src, Options: append([]string{"rbind"}, opts...)}
	}
	maps := []specs.LinuxIDMapping{{ContainerID: 0, HostID: 1000, Size: 10}}
	c := convertOK(t, func(s *specs.Spec) {
		m := bind("ridmap")
		m.UIDMappings, m.GIDMappings = maps, maps
		s.Mounts = append(s.Mounts, m)
	})
	m := c.Mounts[len(c.Mounts)-1]
	want := []configs.IDMap{{ContainerID: 0, HostID: 1000, Size: 10}}
	if !m.IsIDMapped() || !m.IDMapRecursive || !reflect.DeepEqual(m.UIDMappings, want) || !reflect.DeepEqual(m.GIDMappings, want) {
		t.Errorf("idmapped mount %+v", m)
	}
	if strings.Contains(m.Data, "idmap") {
		t.Errorf("idmap passed to the filesystem: %q", m.Data)
	}

	// "idmap" alone takes the container's user namespace maps.
	userMaps := []specs.LinuxIDMapping{{ContainerID: 0, HostID: 100000, Size: 65536}}
	c = convertOK(t, func(s *specs.Spec) {
		s.Linux.Namespaces = append(s.Linux.Namespaces, specs.LinuxNamespace{Type: specs.UserNamespace})
		s.Linux.UIDMappings, s.Linux.GIDMappings = userMaps, userMaps
		s.Mounts = append(s.Mounts, bind("idmap"))
	})
	m = c.Mounts[len(c.Mounts)-1]
	if m.IDMapRecursive || len(m.UIDMappings) != 1 || m.UIDMappings[0].HostID != 100000 {
		t.Errorf("idmap from the user namespace: %+v", m)
	}

	// "idmap" alone in a joined user namespace takes that namespace's maps (runc too).
	joinedMaps := []configs.IDMap{{ContainerID: 0, HostID: 200000, Size: 1000}}
	useNSFS(t, fakeNSFS{kinds: map[string]configs.NamespaceType{"/proc/77/ns/user": configs.NEWUSER},
		maps: map[string][2][]configs.IDMap{"/proc/77/ns/user": {joinedMaps, joinedMaps}}})
	c = convertOK(t, func(s *specs.Spec) {
		s.Linux.Namespaces = append(s.Linux.Namespaces, specs.LinuxNamespace{Type: specs.UserNamespace, Path: "/proc/77/ns/user"})
		s.Mounts = append(s.Mounts, bind("idmap"))
	})
	if m = c.Mounts[len(c.Mounts)-1]; !reflect.DeepEqual(m.UIDMappings, joinedMaps) || !reflect.DeepEqual(m.GIDMappings, joinedMaps) {
		t.Errorf("idmap from the joined user namespace: %+v", m)
	}

	cases := []struct {
		name   string
		mutate func(s *specs.Spec)
		want   string
	}{
		{"no maps, no userns", func(s *specs.Spec) { s.Mounts = append(s.Mounts, bind("idmap")) }, "options: idmap without uidMappings/gidMappings needs a user namespace"},
		{"uid only", func(s *specs.Spec) {
			m := bind("idmap")
			m.UIDMappings = maps
			s.Mounts = append(s.Mounts, m)
		}, "gidMappings: missing"},
		{"bad map", func(s *specs.Spec) {
			m := bind()
			m.UIDMappings, m.GIDMappings = maps, []specs.LinuxIDMapping{{Size: 0}}
			s.Mounts = append(s.Mounts, m)
		}, "gidMappings[0].size: must be greater than zero"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := validSpec()
			tc.mutate(s)
			_, err := Convert(s, Options{ID: "test", Bundle: newBundle(t)})
			wantErrContains(t, err, tc.want)
		})
	}
}

func TestFindResctrl(t *testing.T) {
	info := `22 1 0:21 / /proc rw,nosuid - proc proc rw
40 22 0:35 / /sys/fs/res\040ctrl rw,relatime shared:20 - resctrl resctrl rw
`
	infos, err := mountinfo.GetMountsFromReader(strings.NewReader(info), mountinfo.FSTypeFilter("resctrl"))
	if got := firstMountpoint(infos); err != nil || got != "/sys/fs/res ctrl" {
		t.Fatalf("got %q, %v", got, err)
	}
	infos, _ = mountinfo.GetMountsFromReader(strings.NewReader("22 1 0:21 / /proc rw - proc proc rw\n"), mountinfo.FSTypeFilter("resctrl"))
	if got := firstMountpoint(infos); got != "" {
		t.Fatalf("found %q where there is none", got)
	}
}
