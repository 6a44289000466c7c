package specconv

import (
	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/berth-runtime/berth/libcontainer/configs"
)

// ConvertProcess validates a process for `berth exec` (a --process file, or one built
// from the container's process and the command line) the way Convert validates
// config.json's process, with errors naming the same fields.
func ConvertProcess(p *specs.Process) (*configs.Process, error) {
	out, err := convertProcess(p)
	if err != nil {
		return nil, err
	}
	return &out, nil
}
