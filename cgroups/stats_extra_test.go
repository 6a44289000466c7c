package cgroups

import (
	"reflect"
	"testing"
)

func TestParseUsageAll(t *testing.T) {
	k, u, err := parseUsageAll("cpu user system\n0 100 20\n1 300 40\n")
	if err != nil || !reflect.DeepEqual(k, []uint64{20, 40}) || !reflect.DeepEqual(u, []uint64{100, 300}) {
		t.Errorf("got %v %v %v", k, u, err)
	}
	if _, _, err := parseUsageAll("0 1 2\n"); err == nil {
		t.Error("no header accepted")
	}
	if _, _, err := parseUsageAll("cpu user system\n0 x 2\n"); err == nil {
		t.Error("bad number accepted")
	}
}

func TestParseCPUList(t *testing.T) {
	got, err := parseCPUList("0-2,5,7-8\n")
	if err != nil || !reflect.DeepEqual(got, []uint16{0, 1, 2, 5, 7, 8}) {
		t.Errorf("got %v %v", got, err)
	}
	if got, err := parseCPUList(""); err != nil || got != nil {
		t.Errorf("empty: %v %v", got, err)
	}
	for _, bad := range []string{"3-1", "a", "1-", "1,,2"} {
		if _, err := parseCPUList(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestParsePSI(t *testing.T) {
	got, err := parsePSI("some avg10=1.25 avg60=0.50 avg300=0.01 total=123456\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=42\n")
	want := &PSIStats{Some: PSIData{1.25, 0.5, 0.01, 123456}, Full: PSIData{Total: 42}}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v %v", got, err)
	}
	// cpu.pressure before Linux 5.13 has no full line.
	if got, err := parsePSI("some avg10=0.00 avg60=0.00 avg300=0.00 total=9"); err != nil || got.Some.Total != 9 {
		t.Errorf("some only: %+v %v", got, err)
	}
	if _, err := parsePSI("weird avg10=1"); err == nil {
		t.Error("unknown line accepted")
	}
}

func TestStatsV1CpusetAndPerCPU(t *testing.T) {
	f := newFakeFS()
	c := cgDir{fs: f, dir: "/cg"}
	f.files["/cg/cpuset.cpus"] = "0-1\n"
	f.files["/cg/cpuset.mems"] = "0\n"
	f.files["/cg/cpuset.sched_load_balance"] = "1\n"
	f.files["/cg/cpuset.sched_relax_domain_level"] = "-1\n"
	f.files["/cg/cpuacct.usage_all"] = "cpu user system\n0 5 6\n1 7 8\n"
	var s Stats
	if err := cpusetStatsV1(c, &s); err != nil {
		t.Fatal(err)
	}
	if err := cpuacctPerCPUV1(c, &s); err != nil {
		t.Fatal(err)
	}
	want := CPUSetStats{CPUs: []uint16{0, 1}, Mems: []uint16{0}, SchedLoadBalance: 1, SchedRelaxDomainLevel: -1}
	if !reflect.DeepEqual(s.CPUSet, want) {
		t.Errorf("cpuset: %+v", s.CPUSet)
	}
	if !reflect.DeepEqual(s.CPU.Usage.PercpuUser, []uint64{5, 7}) || !reflect.DeepEqual(s.CPU.Usage.PercpuKernel, []uint64{6, 8}) {
		t.Errorf("per cpu: %+v", s.CPU.Usage)
	}
}

func TestStatsV2PSIAndCpuset(t *testing.T) {
	f := newFakeFS()
	c := cgDir{fs: f, dir: "/cg"}
	f.files["/cg/cpu.pressure"] = "some avg10=2.00 avg60=0.00 avg300=0.00 total=5\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=1\n"
	f.files["/cg/memory.pressure"] = "some avg10=0.00 avg60=0.00 avg300=0.00 total=3\nfull avg10=0.00 avg60=0.00 avg300=0.00 total=2\n"
	f.files["/cg/cpuset.cpus.effective"] = "0-3\n"
	f.files["/cg/cpuset.mems.effective"] = "0\n"
	var s Stats
	if err := psiStatsV2(c, &s); err != nil {
		t.Fatal(err)
	}
	if s.CPU.PSI == nil || s.CPU.PSI.Some.Avg10 != 2 || s.Memory.PSI == nil || s.Memory.PSI.Full.Total != 2 {
		t.Errorf("psi: cpu %+v memory %+v", s.CPU.PSI, s.Memory.PSI)
	}
	if s.Blkio.PSI != nil {
		t.Errorf("io.pressure missing but reported: %+v", s.Blkio.PSI)
	}
	if err := cpusetStatsV2(c, &s); err != nil || !reflect.DeepEqual(s.CPUSet.CPUs, []uint16{0, 1, 2, 3}) {
		t.Errorf("cpuset v2: %+v %v", s.CPUSet, err)
	}
}
