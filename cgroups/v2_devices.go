package cgroups

import (
	"fmt"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// attachDeviceFilter compiles the device rules into a BPF_CGROUP_DEVICE program and attaches it to
// dir. The attachment (BPF_PROG_ATTACH, not a link) lives as long as the cgroup, so it outlasts this
// process. BPF_F_ALLOW_MULTI lets an outer manager's program (systemd's) stay in force as well: the
// kernel allows an access only when every attached program does.
func attachDeviceFilter(dir string, rules []specs.LinuxDeviceCgroup) error {
	insns, err := deviceProgram(rules)
	if err != nil {
		return err
	}
	code, err := assemble(insns)
	if err != nil {
		return fmt.Errorf("linux.resources.devices: %w", err)
	}
	prog, err := loadCgroupDeviceProgram(code, "Apache-2.0")
	if err != nil {
		return fmt.Errorf("linux.resources.devices: load the device filter program: %w", err)
	}
	defer unix.Close(prog)
	fd, err := unix.Open(dir, unix.O_DIRECTORY|unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("linux.resources.devices: open %s: %w", dir, err)
	}
	defer unix.Close(fd)
	if err := attachCgroupDeviceProgram(fd, prog, unix.BPF_F_ALLOW_MULTI); err != nil {
		return fmt.Errorf("linux.resources.devices: attach the device filter to %s: %w", dir, err)
	}
	return nil
}
