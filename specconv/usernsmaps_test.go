package specconv

import (
	"reflect"
	"testing"
)

// The maps of berth's own user namespace, through both ways of finding a process in it.
func TestIDMapsOfAUserNamespaceFile(t *testing.T) {
	want, err := readIDMapFile("/proc/self/uid_map")
	if err != nil {
		t.Skip("no /proc/self/uid_map")
	}
	for _, path := range []string{"/proc/self/ns/user", "/proc/thread-self/ns/user"} {
		uid, gid, err := hostNSFS{}.IDMaps(path)
		if err != nil || !reflect.DeepEqual(uid, want) || len(gid) == 0 {
			t.Errorf("%s: uid %+v gid %+v, %v; want uid %+v", path, uid, gid, err, want)
		}
	}
}
