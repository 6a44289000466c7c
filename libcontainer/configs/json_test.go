//go:build goexperiment.jsonv2

package configs

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/berth-runtime/berth/internal/jsonw/jsonwtest"
)

// The same structs without the methods: encoding/json's reflective form to compare with.
type (
	plainConfig       Config
	plainProcess      Process
	plainMount        Mount
	plainDevice       Device
	plainNamespace    Namespace
	plainIDMap        IDMap
	plainCapabilities Capabilities
	plainRlimit       Rlimit
	plainScheduler    Scheduler
	plainCPUAffinity  CPUAffinity
	plainMemoryPolicy MemoryPolicy
	plainNetDevice    NetDevice
)

func TestJSONMatchesEncodingJSON(t *testing.T) {
	t.Run("Config", func(t *testing.T) { jsonwtest.Check(t, func(v *Config) any { return (*plainConfig)(v) }) })
	t.Run("Process", func(t *testing.T) { jsonwtest.Check(t, func(v *Process) any { return (*plainProcess)(v) }) })
	t.Run("Mount", func(t *testing.T) { jsonwtest.Check(t, func(v *Mount) any { return (*plainMount)(v) }) })
	t.Run("Device", func(t *testing.T) { jsonwtest.Check(t, func(v *Device) any { return (*plainDevice)(v) }) })
	t.Run("Namespace", func(t *testing.T) { jsonwtest.Check(t, func(v *Namespace) any { return (*plainNamespace)(v) }) })
	t.Run("IDMap", func(t *testing.T) { jsonwtest.Check(t, func(v *IDMap) any { return (*plainIDMap)(v) }) })
	t.Run("Capabilities", func(t *testing.T) {
		jsonwtest.Check(t, func(v *Capabilities) any { return (*plainCapabilities)(v) })
	})
	t.Run("Rlimit", func(t *testing.T) { jsonwtest.Check(t, func(v *Rlimit) any { return (*plainRlimit)(v) }) })
	t.Run("Scheduler", func(t *testing.T) { jsonwtest.Check(t, func(v *Scheduler) any { return (*plainScheduler)(v) }) })
	t.Run("CPUAffinity", func(t *testing.T) {
		jsonwtest.Check(t, func(v *CPUAffinity) any { return (*plainCPUAffinity)(v) })
	})
	t.Run("MemoryPolicy", func(t *testing.T) {
		jsonwtest.Check(t, func(v *MemoryPolicy) any { return (*plainMemoryPolicy)(v) })
	})
	t.Run("NetDevice", func(t *testing.T) { jsonwtest.Check(t, func(v *NetDevice) any { return (*plainNetDevice)(v) }) })
}

func TestJSONEdgeCases(t *testing.T) {
	var r Rlimit
	if err := json.Unmarshal([]byte(`{"TYPE":7,"Hard":18446744073709551615,"soft":1}`), &r); err != nil {
		t.Fatal(err)
	}
	if r != (Rlimit{Type: 7, Hard: ^uint64(0), Soft: 1}) {
		t.Fatalf("names are matched case-insensitively and RLIM_INFINITY fits: got %+v", r)
	}
	if b, _ := json.Marshal(&r); string(b) != `{"type":7,"hard":18446744073709551615,"soft":1}` {
		t.Fatalf("wrote %s", b)
	}
	var d Device
	if err := json.Unmarshal([]byte(`{"type":99,"major":-1,"minor":-1}`), &d); err != nil || d.Major != -1 || d.Type != 'c' {
		t.Fatalf("negative numbers: %+v, %v", d, err)
	}
	for _, bad := range []struct{ in, member string }{
		{`{"container_id":4294967296}`, "container_id"},
		{`{"host_id":-1}`, "host_id"},
		{`{"size":"1"}`, "size"},
		{`{"size":1.5}`, "size"},
		{`[]`, "object"},
	} {
		var m IDMap
		err := json.Unmarshal([]byte(bad.in), &m)
		if err == nil || !strings.Contains(err.Error(), bad.member) {
			t.Errorf("%s: error %v, want one naming %s", bad.in, err, bad.member)
		}
	}
	var c Config
	if err := json.Unmarshal([]byte(`{"process":{"args":["a",null,"b"]},"mounts":[null,{"type":"bind"}]}`), &c); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(c.Process.Args, []string{"a", "", "b"}) || len(c.Mounts) != 2 || c.Mounts[1].Type != "bind" {
		t.Fatalf("null elements read as zero values, as encoding/json reads them: %+v", c)
	}
}
