package specconv

import (
	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/berth-runtime/berth/libcontainer/configs"
)

// ConvertProcess validates a process for `berth exec` (a --process file, or one built
// from the container's process and the command line) the way Convert validates
// config.json's process, with errors naming the same fields.
func ConvertProcess(p *specs.Process) (*configs.Process, error) {
	if p != nil && p.ApparmorProfile != "" {
		return nil, fieldErrorf("process.apparmorProfile", "AppArmor is not supported yet")
	}
	if p != nil && p.SelinuxLabel != "" {
		return nil, fieldErrorf("process.selinuxLabel", "SELinux labels are not supported yet")
	}
	out, err := convertProcess(p)
	if err != nil {
		return nil, err
	}
	return &out, nil
}
