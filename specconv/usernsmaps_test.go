package specconv

import (
	"reflect"
	"strings"
	"testing"

	"github.com/berth-runtime/berth/libcontainer/configs"
)

func TestParseIDMap(t *testing.T) {
	got, err := parseIDMap(strings.NewReader("         0     100000      65536\n     65536 1000 1\n"))
	want := []configs.IDMap{{ContainerID: 0, HostID: 100000, Size: 65536}, {ContainerID: 65536, HostID: 1000, Size: 1}}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("got %+v, %v", got, err)
	}
	if _, err := parseIDMap(strings.NewReader("0 1\n")); err == nil {
		t.Error("a short line was accepted")
	}
}

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
