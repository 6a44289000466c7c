package specconv

import specs "github.com/opencontainers/runtime-spec/specs-go"

// checkUnsupported rejects settings berth does not implement yet. Ignoring them would
// run the container without a confinement or setting its author asked for.
func checkUnsupported(spec *specs.Spec) error {
	if p := spec.Process; p != nil {
		switch {
		case p.ApparmorProfile != "":
			return fieldErrorf("process.apparmorProfile", "AppArmor is not supported yet")
		case p.SelinuxLabel != "":
			return fieldErrorf("process.selinuxLabel", "SELinux labels are not supported yet")
		case p.Scheduler != nil:
			return fieldErrorf("process.scheduler", "not supported yet")
		case p.IOPriority != nil:
			return fieldErrorf("process.ioPriority", "not supported yet")
		case p.ExecCPUAffinity != nil:
			return fieldErrorf("process.execCPUAffinity", "not supported yet")
		}
	}
	l := spec.Linux
	if l == nil {
		return nil
	}
	switch {
	case l.MountLabel != "":
		return fieldErrorf("linux.mountLabel", "SELinux labels are not supported yet")
	case l.IntelRdt != nil:
		return fieldErrorf("linux.intelRdt", "not supported yet")
	case l.MemoryPolicy != nil:
		return fieldErrorf("linux.memoryPolicy", "not supported yet")
	case l.Personality != nil:
		return fieldErrorf("linux.personality", "not supported yet")
	case len(l.TimeOffsets) > 0:
		return fieldErrorf("linux.timeOffsets", "not supported yet")
	case len(l.NetDevices) > 0:
		return fieldErrorf("linux.netDevices", "not supported yet")
	}
	return nil
}
