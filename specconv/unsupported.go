package specconv

import specs "github.com/opencontainers/runtime-spec/specs-go"

// checkUnsupported rejects settings berth does not implement. Ignoring them would run the
// container without a confinement or setting its author asked for. Every runtime-spec
// 1.3 field is implemented now; host-dependent refusals (no AppArmor, no resctrl...)
// are made where each field is converted.
func checkUnsupported(spec *specs.Spec) error {
	return nil
}
