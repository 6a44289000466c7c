package libcontainer

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// A delete --force of an id whose create holds the lock waits for the create, then
// removes what it left: it never removes the directory under a running create.
func TestDeleteWaitsForCreateLock(t *testing.T) {
	s := Store{Root: t.TempDir()}
	dir, unlock, err := s.reserveLocked("c1")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := s.Delete("c1", true)
		done <- err
	}()
	select {
	case err := <-done:
		t.Fatalf("delete did not wait for the create (%v)", err)
	case <-time.After(200 * time.Millisecond):
	}
	if _, err := os.Stat(dir); err != nil {
		t.Fatalf("the directory went while create held it: %v", err)
	}
	unlock() // the create died without recording anything
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Fatalf("delete --force left %s: %v", dir, err)
	}
}

func TestReserveLockedRefusesATakenID(t *testing.T) {
	s := Store{Root: t.TempDir()}
	_, unlock, err := s.reserveLocked("c1")
	if err != nil {
		t.Fatal(err)
	}
	defer unlock()
	if _, _, err := s.reserveLocked("c1"); err == nil {
		t.Fatal("a second create of the same id was let in")
	}
}

// sameDir tells the directory a create locked from one a delete removed (and another
// create made again) meanwhile.
func TestSameDir(t *testing.T) {
	d := filepath.Join(t.TempDir(), "c")
	os.Mkdir(d, 0o700)
	fd, err := unix.Open(d, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	if !sameDir(fd, d) {
		t.Fatal("the directory itself is not the same")
	}
	os.Remove(d)
	if sameDir(fd, d) {
		t.Fatal("a removed directory counts as the same")
	}
	os.Mkdir(d, 0o700)
	if sameDir(fd, d) {
		t.Fatal("a new directory at the path counts as the same")
	}
}
