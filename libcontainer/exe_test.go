package libcontainer

import (
	"testing"

	"golang.org/x/sys/unix"
)

func TestSealedSelfCannotBeWritten(t *testing.T) {
	fd, err := sealedSelf()
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	seals, err := unix.FcntlInt(uintptr(fd), unix.F_GET_SEALS, 0)
	if err != nil {
		t.Fatal(err)
	}
	if seals&unix.F_SEAL_WRITE == 0 || seals&unix.F_SEAL_SEAL == 0 {
		t.Fatalf("seals %#x", seals)
	}
	if _, err := unix.Pwrite(fd, []byte("x"), 0); err == nil {
		t.Fatal("write to the sealed copy succeeded")
	}
	// Reopening through /proc (what an attacker would do) may succeed, but no write may.
	if w, err := unix.Open("/proc/self/fd/"+itoa(fd), unix.O_WRONLY|unix.O_TRUNC, 0); err == nil {
		defer unix.Close(w)
		if _, err := unix.Write(w, []byte("x")); err == nil {
			t.Fatal("write through a reopened fd succeeded")
		}
	}
}
