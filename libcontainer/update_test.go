package libcontainer

import (
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func TestMergeResourcesKeepsUnsetAndZeroFields(t *testing.T) {
	lim, swap, quota := int64(64<<20), int64(128<<20), int64(50000)
	shares := uint64(512)
	old := &specs.LinuxResources{
		Memory:  &specs.LinuxMemory{Limit: &lim, Swap: &swap},
		CPU:     &specs.LinuxCPU{Shares: &shares, Quota: &quota, Cpus: "0"},
		Devices: []specs.LinuxDeviceCgroup{{Allow: false, Access: "rwm"}},
	}
	newLim, zero := int64(32<<20), int64(0)
	pids := int64(7)
	upd := &specs.LinuxResources{
		Memory: &specs.LinuxMemory{Limit: &newLim, Swap: &zero}, // zero: unchanged, as runc's callers mean it
		CPU:    &specs.LinuxCPU{Cpus: "1"},
		Pids:   &specs.LinuxPids{Limit: &pids},
	}
	got := MergeResources(old, upd)
	if *got.Memory.Limit != newLim || *got.Memory.Swap != swap {
		t.Errorf("memory = %d/%d", *got.Memory.Limit, *got.Memory.Swap)
	}
	if *got.CPU.Shares != 512 || *got.CPU.Quota != 50000 || got.CPU.Cpus != "1" {
		t.Errorf("cpu = %+v", got.CPU)
	}
	if got.Pids == nil || *got.Pids.Limit != 7 || len(got.Devices) != 1 {
		t.Errorf("pids/devices = %+v / %+v", got.Pids, got.Devices)
	}
	// old is untouched.
	if *old.Memory.Limit != lim || old.CPU.Cpus != "0" || old.Pids != nil {
		t.Errorf("old changed: %+v %+v", old.Memory, old.CPU)
	}
}

// A pids limit of 0 is a limit to apply, not "no change" (runc 1.4+).
func TestMergeResourcesPidsZeroIsALimit(t *testing.T) {
	seven, zero := int64(7), int64(0)
	got := MergeResources(&specs.LinuxResources{Pids: &specs.LinuxPids{Limit: &seven}},
		&specs.LinuxResources{Pids: &specs.LinuxPids{Limit: &zero}})
	if got.Pids == nil || got.Pids.Limit == nil || *got.Pids.Limit != 0 {
		t.Fatalf("pids = %+v, want limit 0", got.Pids)
	}
	got = MergeResources(&specs.LinuxResources{Pids: &specs.LinuxPids{Limit: &seven}},
		&specs.LinuxResources{Pids: &specs.LinuxPids{}})
	if *got.Pids.Limit != 7 {
		t.Fatalf("pids = %d, want 7 kept when the update gives no limit", *got.Pids.Limit)
	}
}
