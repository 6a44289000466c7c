package rootfs

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/berth-runtime/berth/libcontainer/configs"
	"golang.org/x/sys/unix"
)

// An idmapped bind attaches the tree it was given (move_mount) instead of binding the
// source path, and the later steps (propagation) still apply to the attached mount.
func TestIDMappedBindAttachesGivenTree(t *testing.T) {
	k, mt, _ := withFakeKernel(t)
	tree := t.TempDir() // stands in for the detached tree: a directory fd
	f, err := os.OpenFile(tree, unix.O_PATH|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	mt.sources = map[int]*os.File{3: f}
	maps := []configs.IDMap{{ContainerID: 0, HostID: 1000, Size: 1}}
	m := configs.Mount{Source: "/nonexistent/source", Destination: "/data", Type: "bind", Flags: unix.MS_BIND,
		UIDMappings: maps, GIDMappings: maps, PropagationFlags: []uintptr{unix.MS_PRIVATE}}
	if err := mt.mountEntry(3, m); err != nil {
		t.Fatal(err)
	}
	wantCalls(t, k,
		"move_mount "+tree+" R/data",
		"mount  R/data  0x40000 ")

	// Without the tree for its index, the mount fails instead of binding unmapped.
	err = mt.mountEntry(4, m)
	if err == nil || !strings.Contains(err.Error(), "mounts[4] (/data): idmapped mount: the runtime sent no mount tree") {
		t.Fatalf("got %v", err)
	}
	if _, err := os.Stat(filepath.Join(tree, "data")); err == nil {
		t.Fatal("the source tree was written to")
	}
}
