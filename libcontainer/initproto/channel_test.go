package initproto

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/berth-runtime/berth/libcontainer/configs"
	"github.com/berth-runtime/berth/libcontainer/fdpass"
	"github.com/berth-runtime/berth/libcontainer/stagelog"
	"golang.org/x/sys/unix"
)

// ends makes a connected Parent and Init over a real Socketpair.
func ends(t *testing.T) (*Parent, *Init, *os.File, *os.File) {
	t.Helper()
	psock, child, err := Socketpair()
	if err != nil {
		t.Fatal(err)
	}
	isock := os.NewFile(uintptr(child), "init")
	t.Cleanup(func() { psock.Close(); isock.Close() })
	p, err := NewParent(psock)
	if err != nil {
		t.Fatal(err)
	}
	i, err := NewInit(isock)
	if err != nil {
		t.Fatal(err)
	}
	return p, i, psock, isock
}

func tempFile(t *testing.T, name string) *os.File {
	t.Helper()
	f, err := os.CreateTemp(t.TempDir(), name)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func sameFile(t *testing.T, a, b *os.File) bool {
	t.Helper()
	var sa, sb unix.Stat_t
	if err := unix.Fstat(int(a.Fd()), &sa); err != nil {
		t.Fatal(err)
	}
	if err := unix.Fstat(int(b.Fd()), &sb); err != nil {
		t.Fatal(err)
	}
	return sa.Dev == sb.Dev && sa.Ino == sb.Ino
}

// The create conversation with a seccomp agent and two mount sources: every fd arrives
// with the message that names it, close-on-exec, and the steps line up.
func TestConversationPassesEachFDWithItsMessage(t *testing.T) {
	p, i, _, _ := ends(t)
	agent, src3, src7 := tempFile(t, "agent"), tempFile(t, "src3"), tempFile(t, "src7")

	done := make(chan error, 1)
	go func() {
		done <- func() error {
			if err := p.SendConfig(&InitConfig{Mode: ModeCreate, ID: "c", MountSources: []int{3, 7}}); err != nil {
				return err
			}
			if err := p.SendCgroupPlaced(); err != nil {
				return err
			}
			if err := p.ExpectSeccompAgent(); err != nil {
				return err
			}
			if err := p.SendSeccompAgentConn(int(agent.Fd())); err != nil {
				return err
			}
			if err := p.ExpectMountSources(); err != nil {
				return err
			}
			if err := p.SendMountSource(3, int(src3.Fd())); err != nil {
				return err
			}
			if err := p.SendMountSource(7, int(src7.Fd())); err != nil {
				return err
			}
			if err := p.ExpectMountsDone(); err != nil {
				return err
			}
			if err := p.SendHooksDone(nil); err != nil {
				return err
			}
			if err := p.ExpectReady(); err != nil {
				return err
			}
			if err := p.SendCommitted(); err != nil {
				return err
			}
			return p.ExpectCommitted()
		}()
	}()

	ic, err := i.ExpectConfig()
	if err != nil || ic.Mode != ModeCreate || ic.ID != "c" {
		t.Fatalf("config: %+v, %v", ic, err)
	}
	if err := i.ExpectCgroupPlaced(); err != nil {
		t.Fatal(err)
	}
	gotAgent, err := i.RequestSeccompAgent()
	if err != nil {
		t.Fatal(err)
	}
	defer gotAgent.Close()
	if !sameFile(t, gotAgent, agent) {
		t.Error("the seccomp agent's connection is another file")
	}
	if fl, err := unix.FcntlInt(gotAgent.Fd(), unix.F_GETFD, 0); err != nil || fl&unix.FD_CLOEXEC == 0 {
		t.Errorf("received fd is not close-on-exec (%#x, %v)", fl, err)
	}
	sources, err := i.RequestMountSources(ic.MountSources)
	if err != nil {
		t.Fatal(err)
	}
	if len(sources) != 2 || !sameFile(t, sources[3], src3) || !sameFile(t, sources[7], src7) {
		t.Errorf("mount sources %v are not the files sent for mounts 3 and 7", sources)
	}
	for _, f := range sources {
		f.Close()
	}
	if err := i.SendMountsDone(); err != nil {
		t.Fatal(err)
	}
	if prog, err := i.ExpectHooksDone(); err != nil || prog != nil {
		t.Fatalf("hooks-done: %v, %v", prog, err)
	}
	if err := i.SendReady(); err != nil {
		t.Fatal(err)
	}
	if err := i.ExpectCommitted(); err != nil {
		t.Fatal(err)
	}
	if err := i.SendCommitted(); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func TestUnexpectedMessageNamesBothTypes(t *testing.T) {
	p, i, _, _ := ends(t)
	if err := i.SendReady(); err != nil {
		t.Fatal(err)
	}
	err := p.ExpectMountsDone()
	if err == nil || !strings.Contains(err.Error(), "ready") || !strings.Contains(err.Error(), "mounts-done") {
		t.Fatalf("got %v, want an error naming ready and mounts-done", err)
	}
}

// An fd that comes with a message that takes none is refused (and closed), not kept for
// a later message.
func TestFDWithTheWrongMessageIsRefused(t *testing.T) {
	p, i, _, isock := ends(t)
	f := tempFile(t, "stray")
	data, _ := json.Marshal(Message{Type: MsgMountsDone})
	if err := fdpass.Send(int(isock.Fd()), data, 0, int(f.Fd())); err != nil {
		t.Fatal(err)
	}
	err := p.ExpectMountsDone()
	if err == nil || !strings.Contains(err.Error(), "1 fds, want 0") {
		t.Fatalf("got %v, want a refused fd", err)
	}
	// And a message that needs one does not go without it.
	go p.c.send(Message{Type: MsgSeccompAgentConn})
	if _, _, err := i.c.expect(MsgSeccompAgentConn, 1); err == nil || !strings.Contains(err.Error(), "0 fds, want 1") {
		t.Fatalf("got %v, want a missing fd", err)
	}
}

func TestPeerErrorIsTheError(t *testing.T) {
	p, i, _, _ := ends(t)
	if err := i.SendError(errFake("mounts[2]: no such file")); err != nil {
		t.Fatal(err)
	}
	if err := p.ExpectMountsDone(); err == nil || err.Error() != "mounts[2]: no such file" {
		t.Fatalf("got %v, want init's error", err)
	}
}

type errFake string

func (e errFake) Error() string { return string(e) }

func TestEOFMidProtocol(t *testing.T) {
	p, i, _, isock := ends(t)
	if err := p.SendConfig(&InitConfig{Mode: ModeCreate}); err != nil {
		t.Fatal(err)
	}
	if _, err := i.ExpectConfig(); err != nil {
		t.Fatal(err)
	}
	isock.Close() // init dies
	if err := p.ExpectMountsDone(); err == nil || !strings.Contains(err.Error(), "init exited without a word (waiting for mounts-done)") {
		t.Fatalf("parent: got %v", err)
	}

	_, i2, psock2, _ := ends(t)
	psock2.Close() // the parent dies
	if err := i2.ExpectCgroupPlaced(); err == nil || !strings.Contains(err.Error(), "the parent exited without a word") {
		t.Fatalf("init: got %v", err)
	}
}

func TestExpectHasADeadline(t *testing.T) {
	t.Setenv(TimeoutEnv, "0.2")
	p, _, _, _ := ends(t)
	err := p.ExpectReady()
	if err == nil || !strings.Contains(err.Error(), "init gave no ready within 200ms") {
		t.Fatalf("got %v, want a timeout", err)
	}
}

// A config larger than the kernel's default packet limit (about 208 KiB) still goes in
// one packet (as root, which may raise the limit); one larger than the socket allows
// fails, naming its size.
func TestLargeConfig(t *testing.T) {
	p, i, psock, _ := ends(t)
	big := &configs.Config{Hostname: strings.Repeat("h", 1<<20)}
	go p.SendConfig(&InitConfig{Mode: ModeCreate, Config: big})
	ic, err := i.ExpectConfig()
	if err != nil {
		if maxPacket(int(psock.Fd())) < 1<<20 {
			t.Skipf("the kernel granted a %d-byte buffer only: %v", maxPacket(int(psock.Fd())), err)
		}
		t.Fatal(err)
	}
	if ic.Config == nil || len(ic.Config.Hostname) != 1<<20 {
		t.Fatal("the config did not arrive whole")
	}

	huge := &configs.Config{Hostname: strings.Repeat("h", 2*packetBuffer+1)}
	err = p.SendConfig(&InitConfig{Mode: ModeCreate, Config: huge})
	if err == nil || !strings.Contains(err.Error(), "the config message is") || !strings.Contains(err.Error(), "bytes, more than one packet to init can carry") {
		t.Fatalf("got %v, want a size error", err)
	}
}

// --debug: the stages init finished ride with its next message and reach the parent's log.
func TestStagesRideWithInitsMessages(t *testing.T) {
	p, i, _, _ := ends(t)
	var got []stagelog.Record
	stagelog.Enable("berth", 1, func(r stagelog.Record) { got = append(got, r) })
	defer stagelog.Enable("", 0, nil)
	i.c.pending = []stagelog.Record{{Proc: "init", Pid: 42, Stage: "prepare rootfs", Took: 5}}
	if err := i.SendMountsDone(); err != nil {
		t.Fatal(err)
	}
	if err := p.ExpectMountsDone(); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].Proc != "init" || got[0].Pid != 42 || got[0].Stage != "prepare rootfs" {
		t.Fatalf("parent logged %+v", got)
	}
	if len(i.c.pending) != 0 {
		t.Error("sent stages are still pending")
	}
}

// Init reported an error and exited while the parent was about to send: the send
// fails, and says what init said rather than "broken pipe".
func TestSendAfterPeerErrorGivesThePeersError(t *testing.T) {
	p, i, _, isock := ends(t)
	if err := i.SendError(errFake("process.cwd: no such directory")); err != nil {
		t.Fatal(err)
	}
	isock.Close()
	if err := p.SendCgroupPlaced(); err == nil || !strings.HasSuffix(err.Error(), ": process.cwd: no such directory") {
		t.Fatalf("got %v, want init's error", err)
	}
}

// Init reported an error and exited with a message of the parent's still unread: the
// kernel then reports ECONNRESET once, ahead of init's queued last word. The parent's
// next read still gives init's error (a race seen in CI: "connection reset by peer").
func TestPeerErrorAfterUnreadMessage(t *testing.T) {
	p, i, _, isock := ends(t)
	if err := i.SendError(errFake("process.cwd: no such directory")); err != nil {
		t.Fatal(err)
	}
	if err := p.SendCgroupPlaced(); err != nil {
		t.Fatal(err) // init has not closed yet: the packet waits in its queue, unread
	}
	isock.Close()
	if err := p.ExpectMountsDone(); err == nil || err.Error() != "process.cwd: no such directory" {
		t.Fatalf("got %v, want init's error", err)
	}
	if err := p.ExpectReady(); err == nil || !strings.Contains(err.Error(), "init exited without a word") {
		t.Fatalf("after init's last word: got %v, want end of file", err)
	}
}
