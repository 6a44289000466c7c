package fdpass

import (
	"errors"
	"os"
	"testing"

	"golang.org/x/sys/unix"
)

func pair(t *testing.T, typ int) (int, int) {
	t.Helper()
	p, err := unix.Socketpair(unix.AF_UNIX, typ|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Close(p[0]); unix.Close(p[1]) })
	return p[0], p[1]
}

func sameFile(t *testing.T, a, b int) bool {
	t.Helper()
	var sa, sb unix.Stat_t
	if err := unix.Fstat(a, &sa); err != nil {
		t.Fatal(err)
	}
	if err := unix.Fstat(b, &sb); err != nil {
		t.Fatal(err)
	}
	return sa.Dev == sb.Dev && sa.Ino == sb.Ino
}

func TestSendRecvKeepsFDsWithTheirPayload(t *testing.T) {
	a, b := pair(t, unix.SOCK_SEQPACKET)
	f1, _ := os.CreateTemp(t.TempDir(), "one")
	f2, _ := os.CreateTemp(t.TempDir(), "two")
	defer f1.Close()
	defer f2.Close()
	if err := Send(a, []byte("first"), 0, int(f1.Fd())); err != nil {
		t.Fatal(err)
	}
	if err := Send(a, []byte("none"), 0); err != nil {
		t.Fatal(err)
	}
	if err := Send(a, []byte("second"), 0, int(f2.Fd()), int(f1.Fd())); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 64)
	for _, want := range []struct {
		payload string
		files   []*os.File
	}{{"first", []*os.File{f1}}, {"none", nil}, {"second", []*os.File{f2, f1}}} {
		n, fds, err := Recv(b, buf, 4, 0)
		if err != nil {
			t.Fatal(err)
		}
		if string(buf[:n]) != want.payload || len(fds) != len(want.files) {
			t.Fatalf("got %q with %d fds, want %q with %d", buf[:n], len(fds), want.payload, len(want.files))
		}
		for i, fd := range fds {
			if !sameFile(t, fd, int(want.files[i].Fd())) {
				t.Errorf("%s: fd %d is another file", want.payload, i)
			}
			if fl, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0); err != nil || fl&unix.FD_CLOEXEC == 0 {
				t.Errorf("%s: fd %d is not close-on-exec", want.payload, i)
			}
		}
		CloseAll(fds)
	}
}

func TestRecvTooManyFDs(t *testing.T) {
	a, b := pair(t, unix.SOCK_STREAM)
	f, _ := os.CreateTemp(t.TempDir(), "f")
	defer f.Close()
	if err := Send(a, []byte("x"), 0, int(f.Fd()), int(f.Fd())); err != nil {
		t.Fatal(err)
	}
	n, fds, err := Recv(b, make([]byte, 8), 1, 0)
	defer CloseAll(fds)
	if !errors.Is(err, ErrTooManyFDs) || n != 1 || len(fds) != 1 {
		t.Fatalf("got n=%d fds=%v err=%v, want 1 byte, 1 fd and ErrTooManyFDs", n, fds, err)
	}
}

func TestRecvFile(t *testing.T) {
	a, b := pair(t, unix.SOCK_STREAM)
	f, _ := os.CreateTemp(t.TempDir(), "f")
	defer f.Close()
	if err := Send(a, []byte("/dev/pts/7"), 0, int(f.Fd())); err != nil {
		t.Fatal(err)
	}
	got, payload, err := RecvFile(b, make([]byte, 64))
	if err != nil {
		t.Fatal(err)
	}
	defer got.Close()
	if got.Name() != "/dev/pts/7" || string(payload) != "/dev/pts/7" || !sameFile(t, int(got.Fd()), int(f.Fd())) {
		t.Errorf("got %q (%q), want the sent file named /dev/pts/7", got.Name(), payload)
	}

	if err := Send(a, []byte("no fd"), 0); err != nil {
		t.Fatal(err)
	}
	if _, _, err := RecvFile(b, make([]byte, 64)); err == nil {
		t.Error("a message without an fd was accepted")
	}
}
