package initproto

import (
	"os"
	"testing"

	"golang.org/x/sys/unix"
)

// The exec-mode seccomp agent hand-over: JSON messages and one fd on the same socket,
// in lockstep, with nothing lost on either side.
func TestChannelPassesFDBetweenMessages(t *testing.T) {
	pair, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	parentSock, initSock := os.NewFile(uintptr(pair[0]), "parent"), os.NewFile(uintptr(pair[1]), "init")
	defer parentSock.Close()
	defer initSock.Close()
	parent, init := NewChannel(parentSock), NewChannel(initSock)

	passed, err := os.CreateTemp(t.TempDir(), "passed")
	if err != nil {
		t.Fatal(err)
	}
	defer passed.Close()

	done := make(chan error, 1)
	go func() {
		if err := parent.Send(Message{Type: MsgConfig, Config: &InitConfig{Mode: ModeExec}}); err != nil {
			done <- err
			return
		}
		if _, err := parent.Expect(MsgSeccompAgent); err != nil {
			done <- err
			return
		}
		if err := parent.SendFD(int(passed.Fd())); err != nil {
			done <- err
			return
		}
		_, err := parent.Expect(MsgReady)
		done <- err
	}()

	if m, err := init.Expect(MsgConfig); err != nil || m.Config.Mode != ModeExec {
		t.Fatalf("config: %+v, %v", m, err)
	}
	if err := init.Send(Message{Type: MsgSeccompAgent}); err != nil {
		t.Fatal(err)
	}
	got, err := init.RecvFD()
	if err != nil {
		t.Fatal(err)
	}
	defer got.Close()
	var a, b unix.Stat_t
	if err := unix.Fstat(int(passed.Fd()), &a); err != nil {
		t.Fatal(err)
	}
	if err := unix.Fstat(int(got.Fd()), &b); err != nil {
		t.Fatal(err)
	}
	if a.Ino != b.Ino || a.Dev != b.Dev {
		t.Errorf("received fd is another file (%d:%d, want %d:%d)", b.Dev, b.Ino, a.Dev, a.Ino)
	}
	if flags, err := unix.FcntlInt(got.Fd(), unix.F_GETFD, 0); err != nil || flags&unix.FD_CLOEXEC == 0 {
		t.Errorf("received fd is not close-on-exec (%#x, %v)", flags, err)
	}
	if err := init.Send(Message{Type: MsgReady}); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}
