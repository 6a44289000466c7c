package specconv

import (
	"os"
	"reflect"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"github.com/berth-runtime/berth/libcontainer/configs"
)

func TestDefaultDevices(t *testing.T) {
	got, err := convertDevices(nil)
	if err != nil {
		t.Fatal(err)
	}
	want := []configs.Device{
		{Type: 'c', Path: "/dev/null", Major: 1, Minor: 3, FileMode: 0o666},
		{Type: 'c', Path: "/dev/zero", Major: 1, Minor: 5, FileMode: 0o666},
		{Type: 'c', Path: "/dev/full", Major: 1, Minor: 7, FileMode: 0o666},
		{Type: 'c', Path: "/dev/random", Major: 1, Minor: 8, FileMode: 0o666},
		{Type: 'c', Path: "/dev/urandom", Major: 1, Minor: 9, FileMode: 0o666},
		{Type: 'c', Path: "/dev/tty", Major: 5, Minor: 0, FileMode: 0o666},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("defaults =\n%+v\nwant\n%+v", got, want)
	}
}

func TestDevicesOverrideAndConvert(t *testing.T) {
	mode := os.FileMode(0o20600) // S_IFCHR|0600, as some tools write it
	in := []specs.LinuxDevice{
		{Type: "c", Path: "/dev/null", Major: 1, Minor: 3, FileMode: &mode, UID: ptr(uint32(7)), GID: ptr(uint32(8))},
		{Type: "b", Path: "/dev/sda/", Major: 8, Minor: 0},
		{Type: "p", Path: "/dev/fifo", Major: 99, Minor: 99},
		{Type: "u", Path: "/dev/fuse", Major: 10, Minor: 229},
	}
	got, err := convertDevices(in)
	if err != nil {
		t.Fatal(err)
	}
	want := []configs.Device{
		{Type: 'c', Path: "/dev/null", Major: 1, Minor: 3, FileMode: 0o600, UID: 7, GID: 8},
		{Type: 'b', Path: "/dev/sda", Major: 8, Minor: 0, FileMode: 0o666},
		{Type: 'p', Path: "/dev/fifo", FileMode: 0o666},
		{Type: 'u', Path: "/dev/fuse", Major: 10, Minor: 229, FileMode: 0o666},
	}
	if !reflect.DeepEqual(got[:4], want) {
		t.Errorf("converted =\n%+v\nwant\n%+v", got[:4], want)
	}
	// /dev/null came from the spec, so only the other five defaults follow.
	if len(got) != 4+5 {
		t.Fatalf("got %d devices, want 9: %+v", len(got), got)
	}
	for _, d := range got[4:] {
		if d.Path == "/dev/null" {
			t.Error("/dev/null added twice")
		}
	}
}
