package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/berth-runtime/berth/cgroups"
	"github.com/berth-runtime/berth/libcontainer"
)

// The stats event's JSON keys are runc's (types/events.go), which tools parse.
func TestEventStatsFieldNames(t *testing.T) {
	psi := &cgroups.PSIStats{Some: cgroups.PSIData{Avg10: 1.5, Total: 7}}
	s := &cgroups.Stats{
		CPU: cgroups.CPUStats{
			Usage: cgroups.CPUUsage{Total: 30, Percpu: []uint64{10, 20}, PercpuKernel: []uint64{1, 2},
				PercpuUser: []uint64{3, 4}, Kernel: 3, User: 7},
			PSI: psi,
		},
		CPUSet:  cgroups.CPUSetStats{CPUs: []uint16{0, 1}, Mems: []uint16{0}, SchedLoadBalance: 1, SchedRelaxDomainLevel: -1},
		Memory:  cgroups.MemoryStats{PSI: psi},
		Blkio:   cgroups.BlkioStats{PSI: psi},
		Hugetlb: map[string]cgroups.HugetlbStats{},
	}
	data := eventStats{Stats: s, NetworkInterfaces: []libcontainer.NetInterface{{Name: "eth0", RxBytes: 5, TxDropped: 1}}}
	b, err := json.Marshal(event{Type: "stats", ID: "c", Data: data})
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	d := got["data"].(map[string]any)
	for _, path := range []string{
		"cpu.usage.total", "cpu.usage.percpu", "cpu.usage.percpu_kernel", "cpu.usage.percpu_user",
		"cpu.usage.kernel", "cpu.usage.user", "cpu.throttling", "cpu.psi.some.avg10", "cpu.psi.some.total",
		"cpu.psi.full.avg300",
		"cpuset.cpus", "cpuset.cpu_exclusive", "cpuset.mems", "cpuset.mem_hardwall", "cpuset.mem_exclusive",
		"cpuset.memory_migrate", "cpuset.memory_spread_page", "cpuset.memory_spread_slab",
		"cpuset.memory_pressure", "cpuset.sched_load_balance", "cpuset.sched_relax_domain_level",
		"memory.usage", "memory.swap", "memory.kernel", "memory.kernelTCP", "memory.psi.some",
		"pids", "blkio.psi.full", "hugetlb", "intel_rdt",
	} {
		var cur any = d
		for _, k := range strings.Split(path, ".") {
			m, ok := cur.(map[string]any)
			if !ok {
				t.Fatalf("%s: %v is not an object", path, cur)
			}
			if cur, ok = m[k]; !ok {
				t.Errorf("no %s in %s", path, b)
				break
			}
		}
	}
	ifaces := d["network_interfaces"].([]any)
	iface := ifaces[0].(map[string]any)
	if iface["Name"] != "eth0" || iface["RxBytes"] != 5.0 || iface["TxDropped"] != 1.0 {
		t.Errorf("network interface: %v", iface)
	}
	if got := d["cpuset"].(map[string]any)["sched_relax_domain_level"]; got != -1.0 {
		t.Errorf("sched_relax_domain_level: %v", got)
	}

	// Without a network namespace of its own, and without PSI: null and absent, as runc.
	b, _ = json.Marshal(eventStats{Stats: &cgroups.Stats{Hugetlb: map[string]cgroups.HugetlbStats{}}})
	for _, want := range []string{`"network_interfaces":null`, `"hugetlb":{}`, `"intel_rdt":{}`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("%s missing from %s", want, b)
		}
	}
	if strings.Contains(string(b), `"psi"`) {
		t.Errorf("psi without PSI: %s", b)
	}
}
