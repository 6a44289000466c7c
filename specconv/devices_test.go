package specconv

import (
	"errors"
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

// runc ignores access letters other than r, w and m ("rwa" is "rw"); berth warns.
func TestDeviceRuleStrayAccessLetters(t *testing.T) {
	warnings := captureWarnings(t)
	major := int64(1)
	r, err := convertResources(&specs.LinuxResources{Devices: []specs.LinuxDeviceCgroup{
		{Allow: false, Access: "rwm"},
		{Allow: true, Type: "c", Major: &major, Access: "rwa"},
		{Allow: true, Type: "c", Major: &major, Access: "xyz"},
		{Allow: true, Type: "c", Major: &major, Access: "mr"},
		{Allow: true, Type: "c", Major: &major},
	}})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, d := range r.Devices[:4] {
		got = append(got, d.Access)
	}
	if want := []string{"rwm", "rw", "rm", "rwm"}; !reflect.DeepEqual(got, want) {
		t.Errorf("access = %q, want %q (the xyz rule dropped)", got, want)
	}
	if len(*warnings) != 2 {
		t.Fatalf("warnings = %q, want one for rwa and one for xyz", *warnings)
	}
	wantErrContains(t, errors.New((*warnings)[0]), "linux.resources.devices[1].access", `"a"`)
	wantErrContains(t, errors.New((*warnings)[1]), "linux.resources.devices[2].access", "dropping the rule")
}
