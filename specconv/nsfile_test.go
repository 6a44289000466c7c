package specconv

import (
	"testing"

	"github.com/berth-runtime/berth/libcontainer/configs"
)

func TestHostNSFS(t *testing.T) {
	var h hostNSFS
	for typ, name := range procNSName {
		path := "/proc/self/ns/" + name
		kind, err := h.Kind(path)
		if err != nil {
			t.Logf("%s: %v (kernel without it?)", path, err)
			continue
		}
		if kind != typ {
			t.Errorf("Kind(%s) = %q, want %q", path, kind, typ)
		}
		own, err := h.IsOwn(path, typ)
		if err != nil || !own {
			t.Errorf("IsOwn(%s) = %v, %v", path, own, err)
		}
	}
	if _, err := h.Kind("/proc/self/status"); err == nil {
		t.Error("a /proc file accepted as a namespace")
	}
	if _, err := h.Kind("/no/such/ns"); err == nil {
		t.Error("a missing path accepted")
	}
	if own, err := h.IsOwn("/proc/self/ns/net", configs.NEWUTS); err != nil || own {
		t.Errorf("net ns reported as our uts ns: %v, %v", own, err)
	}
}
