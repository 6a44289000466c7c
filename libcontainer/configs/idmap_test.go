package configs

import "testing"

// HostID maps a container id through a uid_map's lines, including the last id of a
// range that ends at 2^32, and says when no line maps it.
func TestHostID(t *testing.T) {
	maps := []IDMap{{ContainerID: 0, HostID: 100000, Size: 1000}, {ContainerID: 1000, HostID: 5000, Size: 1},
		{ContainerID: 4294967290, HostID: 10, Size: 6}}
	for _, c := range []struct {
		id, want uint32
		ok       bool
	}{
		{0, 100000, true}, {999, 100999, true}, {1000, 5000, true}, {1001, 0, false},
		{4294967295, 15, true}, {4294967289, 0, false},
	} {
		got, ok := HostID(maps, c.id)
		if got != c.want || ok != c.ok {
			t.Errorf("HostID(%d) = %d, %v; want %d, %v", c.id, got, ok, c.want, c.ok)
		}
	}
	if _, ok := HostID(nil, 0); ok {
		t.Error("an empty map maps 0")
	}
}
