package libcontainer

import (
	"os"
	"strings"
	"testing"

	"github.com/berth-runtime/berth/libcontainer/configs"
	"github.com/berth-runtime/berth/nsenter"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

func planConfig() *configs.Config {
	return &configs.Config{
		Rootfs: "/r",
		Namespaces: []configs.Namespace{{Type: configs.NEWNS}, {Type: configs.NEWPID}, {Type: configs.NEWNET},
			{Type: configs.NEWIPC}, {Type: configs.NEWUTS, Path: "/proc/1/ns/uts"}},
		Mounts:  []configs.Mount{{Type: "proc", Source: "proc", Destination: "/proc", Flags: unix.MS_NOSUID | unix.MS_NOEXEC | unix.MS_NODEV}},
		Process: configs.Process{Args: []string{"sh"}, Cwd: "/"},
	}
}

// withUserNS gives c a new user namespace mapping 0-65535 to 100000.
func withUserNS(c *configs.Config) {
	c.Namespaces = append(c.Namespaces, configs.Namespace{Type: configs.NEWUSER})
	c.UIDMappings = []configs.IDMap{{ContainerID: 0, HostID: 100000, Size: 65536}}
	c.GIDMappings = []configs.IDMap{{ContainerID: 0, HostID: 100000, Size: 65536}}
}

// What takes the one-runtime path, and what keeps berth init, each with its reason.
func TestPlanPath(t *testing.T) {
	if os.Geteuid() != 0 || !nsenter.PlanSupported() {
		t.Skip("the path needs root and a supported architecture")
	}
	t.Setenv(NoPlanEnv, "")
	run := CreateOpts{}
	if err := planPath(planConfig(), run); err != nil {
		t.Fatalf("the common container: %v", err)
	}
	cases := []struct {
		name   string
		change func(*configs.Config, *CreateOpts)
		reason string
	}{
		{"terminal without a devpts", func(c *configs.Config, _ *CreateOpts) { c.Process.Terminal = true }, "terminal without a devpts"},
		{"terminal, devpts covered by /dev", func(c *configs.Config, _ *CreateOpts) {
			c.Process.Terminal = true
			c.Mounts = append(c.Mounts, configs.Mount{Type: "devpts", Source: "devpts", Destination: "/dev/pts"},
				configs.Mount{Type: "tmpfs", Source: "tmpfs", Destination: "/dev/"})
		}, "terminal without a devpts"},
		{"user namespace without a uid 0", func(c *configs.Config, _ *CreateOpts) {
			withUserNS(c)
			c.UIDMappings[0].ContainerID = 1
		}, "user namespace without a uid 0"},
		{"user namespace without a gid 0", func(c *configs.Config, _ *CreateOpts) {
			withUserNS(c)
			c.GIDMappings[0].ContainerID = 1
		}, "user namespace without a gid 0"},
		{"joined user namespace without maps", func(c *configs.Config, _ *CreateOpts) {
			withUserNS(c)
			c.Namespaces[len(c.Namespaces)-1].Path = "/proc/1/ns/user"
			c.UIDMappings, c.GIDMappings = nil, nil
		}, "user namespace without a uid 0"},
		{"user.* sysctl in a user namespace", func(c *configs.Config, _ *CreateOpts) {
			withUserNS(c)
			c.Sysctl = map[string]string{"user.max_user_namespaces": "10"}
		}, "user.* sysctls"},
		{"user/ sysctl, slash-separated, in a user namespace", func(c *configs.Config, _ *CreateOpts) {
			withUserNS(c)
			c.Sysctl = map[string]string{"user/max_user_namespaces": "10"}
		}, "user.* sysctls"},
		{"IPC sysctl in a user namespace", func(c *configs.Config, _ *CreateOpts) {
			withUserNS(c)
			c.Sysctl = map[string]string{"net.ipv4.ip_forward": "1", "kernel.shm_rmid_forced": "1"}
		}, "IPC sysctls in a user namespace"},
		{"mqueue sysctl in a user namespace", func(c *configs.Config, _ *CreateOpts) {
			withUserNS(c)
			c.Sysctl = map[string]string{"fs.mqueue.msg_max": "20"}
		}, "IPC sysctls in a user namespace"},
		{"user namespace, a mount flag fsmount lacks", func(c *configs.Config, _ *CreateOpts) {
			withUserNS(c)
			c.Mounts = append(c.Mounts, configs.Mount{Type: "tmpfs", Source: "tmpfs", Destination: "/x", Flags: unix.MS_REMOUNT})
		}, "cannot be given to fsmount"},
		{"cgroup namespace without proc", func(c *configs.Config, _ *CreateOpts) {
			c.Namespaces = append(c.Namespaces, configs.Namespace{Type: configs.NEWCGROUP})
			c.Mounts = nil
		}, "cgroup namespace without a proc mount"},
		{"joined pid namespace", func(c *configs.Config, _ *CreateOpts) { c.Namespaces[1].Path = "/proc/1/ns/pid" }, "new mount and pid"},
		{"no mount namespace", func(c *configs.Config, _ *CreateOpts) { c.Namespaces = c.Namespaces[1:] }, "new mount and pid"},
		{"createContainer hook", func(c *configs.Config, _ *CreateOpts) {
			c.Hooks = &specs.Hooks{CreateContainer: []specs.Hook{{Path: "/bin/true"}}}
		}, "hooks that run in the container"},
		{"apparmor and selinux", func(c *configs.Config, _ *CreateOpts) {
			c.Process.ApparmorProfile, c.Process.SelinuxLabel = "p", "l"
		}, "both an AppArmor profile and an SELinux label"},
		{"apparmor without proc", func(c *configs.Config, _ *CreateOpts) {
			c.Process.ApparmorProfile, c.Mounts = "p", nil
		}, "LSM label without a proc mount"},
		{"proc options", func(c *configs.Config, _ *CreateOpts) { c.Mounts[0].Data = "hidepid=2" }, "proc mount options"},
		{"apparmor, no_new_privs, root with more bounding than permitted", func(c *configs.Config, _ *CreateOpts) {
			c.Process.ApparmorProfile, c.Process.NoNewPrivileges = "p", true
			c.Process.Capabilities = &configs.Capabilities{Bounding: []int{unix.CAP_KILL, unix.CAP_SETUID}, Permitted: []int{unix.CAP_KILL}}
		}, "an LSM label with no_new_privs"},
		{"seccomp agent", func(c *configs.Config, _ *CreateOpts) {
			c.Seccomp = &specs.LinuxSeccomp{ListenerPath: "/run/agent.sock", DefaultAction: specs.ActAllow,
				Syscalls: []specs.LinuxSyscall{{Names: []string{"mkdir"}, Action: specs.ActNotify}}}
		}, "seccomp agent"},
	}
	for _, tc := range cases {
		c, o := planConfig(), run
		tc.change(c, &o)
		err := planPath(c, o)
		if err == nil || !strings.Contains(err.Error(), tc.reason) {
			t.Errorf("%s: %v, want a refusal with %q", tc.name, err, tc.reason)
		}
	}
	aa := planConfig()
	aa.Process.ApparmorProfile = "berth-test"
	if err := planPath(aa, run); err != nil {
		t.Errorf("an AppArmor profile: %v", err)
	}
	// What the exec program gains as root is the permitted set already, or it does not
	// run as root.
	aaNNP := planConfig()
	aaNNP.Process.ApparmorProfile, aaNNP.Process.NoNewPrivileges = "berth-test", true
	aaNNP.Process.Capabilities = &configs.Capabilities{Bounding: []int{unix.CAP_KILL}, Permitted: []int{unix.CAP_KILL}}
	if err := planPath(aaNNP, run); err != nil {
		t.Errorf("an AppArmor profile with no_new_privs, bounding = permitted: %v", err)
	}
	aaNNP.Process.UID = 1000
	aaNNP.Process.Capabilities.Bounding = append(aaNNP.Process.Capabilities.Bounding, unix.CAP_SETUID)
	if err := planPath(aaNNP, run); err != nil {
		t.Errorf("an AppArmor profile with no_new_privs, not root: %v", err)
	}
	if p := compilePlan(aa, "abc", 9, 0, nil); p.ExecAttr != "exec berth-test" || p.ExecAttrFiles[0] != "self/attr/apparmor/exec" {
		t.Errorf("AppArmor: attribute %q to %v", p.ExecAttr, p.ExecAttrFiles)
	}
	cgns := planConfig()
	cgns.Namespaces = append(cgns.Namespaces, configs.Namespace{Type: configs.NEWCGROUP})
	if err := planPath(cgns, run); err != nil {
		t.Errorf("a new cgroup namespace: %v", err)
	}
	// A new user namespace: the stages make the namespaces, the last stage the
	// filesystems (planuserns.go); idmapped mounts attach the runtime's trees.
	uns := planConfig()
	withUserNS(uns)
	uns.Mounts = append(uns.Mounts, configs.Mount{Type: "tmpfs", Source: "tmpfs", Destination: "/dev", Data: "mode=755"},
		configs.Mount{Type: "bind", Source: "/tmp", Destination: "/mnt", Flags: unix.MS_BIND, UIDMappings: []configs.IDMap{{Size: 1}}})
	if err := planPath(uns, run); err != nil {
		t.Errorf("a new user namespace: %v", err)
	}
	uns.Sysctl = map[string]string{"net.ipv4.ip_forward": "1"}
	if err := planPath(uns, run); err != nil {
		t.Errorf("a network sysctl in a user namespace: %v", err)
	}
	tty := planConfig()
	tty.Process.Terminal = true
	tty.Mounts = append(tty.Mounts, configs.Mount{Type: "tmpfs", Source: "tmpfs", Destination: "/dev"},
		configs.Mount{Type: "devpts", Source: "devpts", Destination: "/dev/pts"})
	if err := planPath(tty, run); err != nil {
		t.Errorf("a terminal with a devpts at /dev/pts: %v", err)
	}
	t.Setenv(NoPlanEnv, "1")
	if err := planPath(planConfig(), run); err == nil {
		t.Errorf("%s=1: the path is still taken", NoPlanEnv)
	}
}

// The process part of the config as raw values: the bounding set's complement to drop,
// the sets as masks, ambient only where permitted and inheritable, the keyring, proc.
func TestCompilePlan(t *testing.T) {
	c := planConfig()
	umask := uint32(0o22)
	c.Process.Umask = &umask
	c.Process.UID, c.Process.GID, c.Process.AdditionalGids = 5, 6, []uint32{7}
	c.Process.Capabilities = &configs.Capabilities{
		Bounding: []int{unix.CAP_KILL, unix.CAP_CHOWN}, Effective: []int{unix.CAP_KILL},
		Permitted: []int{unix.CAP_KILL, unix.CAP_CHOWN}, Inheritable: []int{unix.CAP_KILL},
		Ambient: []int{unix.CAP_KILL, unix.CAP_CHOWN},
	}
	p := compilePlan(c, "abc", 9, 2, []int{0})
	if p.UID != 5 || p.GID != 6 || len(p.Groups) != 1 || p.Umask != 0o22 || p.Listener != 9 || p.Preserve != 2 || p.Keyring != "_ses.abc" {
		t.Errorf("ids, umask, fds or keyring: %+v", p)
	}
	if p.Effective != 1<<unix.CAP_KILL || p.Permitted != 1<<unix.CAP_KILL|1<<unix.CAP_CHOWN || p.Inheritable != 1<<unix.CAP_KILL {
		t.Errorf("sets: %#x %#x %#x", p.Effective, p.Permitted, p.Inheritable)
	}
	if len(p.Ambient) != 1 || p.Ambient[0] != unix.CAP_KILL {
		t.Errorf("ambient %v, want only CAP_KILL (CAP_CHOWN is not inheritable)", p.Ambient)
	}
	for _, n := range p.BoundingDrop {
		if n == unix.CAP_KILL || n == unix.CAP_CHOWN {
			t.Errorf("bounding drops %d, which the config keeps", n)
		}
	}
	if len(p.BoundingDrop) == 0 || !p.MountProc || p.ProcAttrs != unix.MOUNT_ATTR_NOSUID|unix.MOUNT_ATTR_NOEXEC|unix.MOUNT_ATTR_NODEV {
		t.Errorf("bounding drop %v, proc %v %#x", p.BoundingDrop, p.MountProc, p.ProcAttrs)
	}
	if p.Personality != nil || p.MemPolicy {
		t.Errorf("personality %v or memory policy %v the config does not set", p.Personality, p.MemPolicy)
	}
	c.NoNewKeyring = true
	persona := uint32(8)
	c.Personality, c.MemoryPolicy = &persona, &configs.MemoryPolicy{Mode: 2, Nodes: []int{0, 3}}
	p = compilePlan(c, "abc", 9, 0, nil)
	if p.Keyring != "" {
		t.Errorf("noNewKeyring: keyring %q", p.Keyring)
	}
	if p.Personality == nil || *p.Personality != 8 || !p.MemPolicy || p.MemPolicyMode != 2 || len(p.MemPolicyNodes) != 2 {
		t.Errorf("personality %v, memory policy %v %d %v", p.Personality, p.MemPolicy, p.MemPolicyMode, p.MemPolicyNodes)
	}
}

// What keeps init for exec, and exec into a user namespace taking the path.
func TestExecPlanPath(t *testing.T) {
	if os.Geteuid() != 0 || !nsenter.PlanSupported() {
		t.Skip("the path needs root and a supported architecture")
	}
	t.Setenv(NoPlanEnv, "")
	exec := func(c *configs.Config, p configs.Process) error {
		return execPlanPath(&State{Config: c}, ExecOpts{Process: &p}, 0, false)
	}
	proc := configs.Process{Args: []string{"sh"}, Cwd: "/"}
	if err := exec(planConfig(), proc); err != nil {
		t.Fatalf("the common container: %v", err)
	}
	uns := planConfig()
	withUserNS(uns)
	if err := exec(uns, proc); err != nil {
		t.Errorf("a user namespace: %v", err)
	}
	aa := proc
	aa.ApparmorProfile = "p"
	if err := exec(uns, aa); err != nil {
		t.Errorf("a user namespace and an AppArmor profile: %v", err)
	}
	for _, tc := range []struct {
		name   string
		change func(*configs.Config, *configs.Process)
		reason string
	}{
		{"user namespace without a uid 0", func(c *configs.Config, _ *configs.Process) {
			withUserNS(c)
			c.UIDMappings[0].ContainerID = 1
		}, "without a uid 0"},
		{"joined user namespace without maps", func(c *configs.Config, _ *configs.Process) {
			withUserNS(c)
			c.UIDMappings, c.GIDMappings = nil, nil
		}, "without a uid 0"},
		{"paused", nil, "paused container"},
		{"no pid namespace", func(c *configs.Config, _ *configs.Process) { c.Namespaces = c.Namespaces[:1] }, "own mount and pid"},
	} {
		c, p := planConfig(), proc
		var err error
		if tc.change == nil {
			err = execPlanPath(&State{Config: c}, ExecOpts{Process: &p}, 0, true)
		} else {
			tc.change(c, &p)
			err = exec(c, p)
		}
		if err == nil || !strings.Contains(err.Error(), tc.reason) {
			t.Errorf("%s: %v, want a refusal with %q", tc.name, err, tc.reason)
		}
	}
}
