package specconv

import (
	"os"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/berth-runtime/berth/libcontainer/configs"
)

func TestToRootless(t *testing.T) {
	s := Example()
	ToRootless(s)

	var types []specs.LinuxNamespaceType
	for _, ns := range s.Linux.Namespaces {
		types = append(types, ns.Type)
	}
	joined := func() string {
		var b []string
		for _, t := range types {
			b = append(b, string(t))
		}
		return strings.Join(b, ",")
	}()
	if joined != "pid,ipc,uts,mount,cgroup,user" {
		t.Errorf("namespaces = %s", joined)
	}
	if m := s.Linux.UIDMappings; len(m) != 1 || m[0] != (specs.LinuxIDMapping{ContainerID: 0, HostID: uint32(os.Geteuid()), Size: 1}) {
		t.Errorf("uid mappings %+v", m)
	}
	if m := s.Linux.GIDMappings; len(m) != 1 || m[0] != (specs.LinuxIDMapping{ContainerID: 0, HostID: uint32(os.Getegid()), Size: 1}) {
		t.Errorf("gid mappings %+v", m)
	}
	if s.Linux.Resources != nil {
		t.Error("resources kept")
	}
	var sawSys bool
	for _, m := range s.Mounts {
		for _, o := range m.Options {
			if strings.HasPrefix(o, "gid=") || strings.HasPrefix(o, "uid=") {
				t.Errorf("%s keeps %s", m.Destination, o)
			}
		}
		switch m.Destination {
		case "/sys/fs/cgroup":
			t.Error("cgroup mount kept")
		case "/sys":
			sawSys = true
			if m.Source != "/sys" || strings.Join(m.Options, ",") != "rbind,nosuid,noexec,nodev,ro" {
				t.Errorf("/sys mount = %+v", m)
			}
		case "/dev/pts":
			if len(m.Options) != 5 {
				t.Errorf("/dev/pts options = %v", m.Options)
			}
		}
	}
	if !sawSys {
		t.Error("/sys mount dropped")
	}

	// And it is still a config berth accepts.
	s.Process.Terminal = false
	c, err := Convert(s, Options{Bundle: newBundle(t)})
	if err != nil {
		t.Fatalf("Convert(rootless example): %v", err)
	}
	if c.NamespacePath(configs.NEWUSER) != "" || !c.HasNamespace(configs.NEWUSER) || c.HasNamespace(configs.NEWNET) {
		t.Errorf("namespaces = %+v", c.Namespaces)
	}
	if c.Mounts[len(c.Mounts)-1].Type != "bind" {
		t.Errorf("/sys not a bind: %+v", c.Mounts[len(c.Mounts)-1])
	}
}

func TestExampleKeepsTerminal(t *testing.T) {
	// Example keeps runc's terminal: true, and Convert carries it through.
	c, err := Convert(Example(), Options{Bundle: newBundle(t)})
	if err != nil {
		t.Fatal(err)
	}
	if !c.Process.Terminal {
		t.Fatal("process.terminal lost")
	}
}
