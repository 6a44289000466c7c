package incontainer

import (
	"testing"

	"github.com/berth-runtime/berth/libcontainer/configs"
)

func TestNeedsAffinityReset(t *testing.T) {
	cases := []struct {
		a    *configs.CPUAffinity
		want bool
	}{
		{nil, true},
		{&configs.CPUAffinity{}, true},
		{&configs.CPUAffinity{Initial: []int{0}}, true}, // joined the cgroup after initial: widen
		{&configs.CPUAffinity{Final: []int{1}}, false},
		{&configs.CPUAffinity{Initial: []int{0}, Final: []int{1}}, false},
	}
	for _, c := range cases {
		if got := needsAffinityReset(c.a); got != c.want {
			t.Errorf("needsAffinityReset(%+v) = %v, want %v", c.a, got, c.want)
		}
	}
}

func TestAllCPUsMask(t *testing.T) {
	m := allCPUsMask()
	if len(m)*8 != maxCPUs {
		t.Fatalf("mask covers %d CPUs, want %d", len(m)*8, maxCPUs)
	}
	for i, b := range m {
		if b != 0xff {
			t.Fatalf("byte %d is %#x", i, b)
		}
	}
}
