package libcontainer

import (
	"testing"

	"github.com/berth-runtime/berth/libcontainer/configs"
)

func TestParseAndCompareIDMaps(t *testing.T) {
	have, err := configs.ParseIDMap("         0     100000      65536\n     65536          0          1\n")
	if err != nil {
		t.Fatal(err)
	}
	want := []configs.IDMap{{ContainerID: 65536, HostID: 0, Size: 1}, {ContainerID: 0, HostID: 100000, Size: 65536}}
	if !sameIDMaps(have, want) {
		t.Fatalf("%v and %v should be the same maps", have, want)
	}
	if sameIDMaps(have, want[:1]) || sameIDMaps(have, []configs.IDMap{{ContainerID: 0, HostID: 100000, Size: 65535}, {ContainerID: 65536, HostID: 0, Size: 1}}) {
		t.Fatal("different maps compared equal")
	}
	if got := formatIDMaps(want); got != "[65536:0:1 0:100000:65536]" {
		t.Fatalf("formatIDMaps: %s", got)
	}
	for _, bad := range []string{"0 1", "a b c", "0 0 4294967296"} {
		if _, err := configs.ParseIDMap(bad); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
}
