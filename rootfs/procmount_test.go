package rootfs

import (
	"strings"
	"testing"

	"github.com/berth-runtime/berth/libcontainer/configs"
	"golang.org/x/sys/unix"
)

func TestCheckProcMount(t *testing.T) {
	bind := func(dest string) configs.Mount {
		return configs.Mount{Type: "bind", Source: "/x", Destination: dest, Flags: unix.MS_BIND}
	}
	cases := []struct {
		m      configs.Mount
		procfs bool
		want   string
	}{
		{configs.Mount{Type: "proc", Destination: "/proc"}, false, ""},
		{configs.Mount{Type: "tmpfs", Destination: "/proc/acpi"}, false, ""},
		{configs.Mount{Type: "tmpfs", Destination: "/proc"}, false, ""},
		{configs.Mount{Type: "devpts", Destination: "/proc"}, false, `"/proc" cannot be mounted because it is not of type proc`},
		{configs.Mount{Type: "mqueue", Destination: "/proc/x"}, false, ""},
		{bind("/proc/kmsg"), false, `"/proc/kmsg" cannot be mounted because it is inside /proc`},
		{bind("proc/self/../kmsg"), false, `"/proc/kmsg" cannot be mounted because it is inside /proc`},
		{bind("/proc/uptime"), false, ""},
		{bind("/proc/sys/kernel/ns_last_pid"), false, ""},
		{bind("/proc"), true, ""},
		{bind("/proc"), false, `"/proc" cannot be mounted because it is not of type proc`},
		{bind("/procfoo"), false, ""},
		{configs.Mount{Type: "ext4", Source: "/dev/sda", Destination: "/proc/fs"}, false, `"/proc/fs" cannot be mounted because it is inside /proc`},
	}
	for _, c := range cases {
		err := checkProcMount(c.m, func() bool { return c.procfs })
		got := ""
		if err != nil {
			got = err.Error()
		}
		if !strings.Contains(got, c.want) || (c.want == "") != (got == "") {
			t.Errorf("%s %s: got %q, want %q", c.m.Type, c.m.Destination, got, c.want)
		}
	}
}
