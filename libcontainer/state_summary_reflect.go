//go:build !goexperiment.jsonv2

package libcontainer

import (
	"encoding/json"

	"github.com/berth-runtime/berth/libcontainer/configs"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// decodeSummary reads state.json for LoadSummary with encoding/json's reflection (the
// build without encoding/json v2, where State has no methods of its own).
func decodeSummary(data []byte) (*State, error) {
	// The outer "config" hides State's own (encoding/json's embedding rule), so the rest of
	// the configuration is only scanned past.
	var summary struct {
		*State
		Config *struct {
			Annotations map[string]string    `json:"annotations"`
			Hooks       *specs.Hooks         `json:"hooks"`
			CgroupsPath string               `json:"cgroups_path"`
			IntelRdt    *specs.LinuxIntelRdt `json:"intel_rdt"`
		} `json:"config"`
	}
	summary.State = &State{}
	if err := json.Unmarshal(data, &summary); err != nil {
		return nil, err
	}
	if c := summary.Config; c != nil {
		summary.State.Config = &configs.Config{Annotations: c.Annotations, Hooks: c.Hooks, CgroupsPath: c.CgroupsPath, IntelRdt: c.IntelRdt}
	}
	return summary.State, nil
}
