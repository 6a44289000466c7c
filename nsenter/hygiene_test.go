package nsenter

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/berth-runtime/berth/internal/timerslack"
	"golang.org/x/sys/unix"
)

func TestCloseGaps(t *testing.T) {
	const max = 1<<32 - 1
	cases := []struct {
		keep []int
		want []uintptr
	}{
		{nil, []uintptr{3, max}},
		{[]int{-1, 0, 1, 2}, []uintptr{3, max}},
		{[]int{3, 4}, []uintptr{5, max}},
		{[]int{9, 5, 5, -1, 6}, []uintptr{3, 4, 7, 8, 10, max}},
	}
	for _, c := range cases {
		if got := closeGaps(c.keep); !reflect.DeepEqual(got, c.want) {
			t.Errorf("closeGaps(%v) = %v, want %v", c.keep, got, c.want)
		}
	}
}

// A file the caller left open without close-on-exec (as a shell leaves fd 7 of
// `cmd 7<file`) reaches neither the stages nor the program; one passed in Files does.
func TestSpawnClosesCallerFds(t *testing.T) {
	requireRoot(t)
	f, err := os.Open("/etc/hostname")
	if err != nil {
		t.Skip(err)
	}
	defer f.Close()
	// F_DUPFD: not close-on-exec, and never on top of an fd in use.
	leaked, err := unix.FcntlInt(f.Fd(), unix.F_DUPFD, 100)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(leaked)
	passed, err := unix.FcntlInt(f.Fd(), unix.F_DUPFD, 100)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(passed)
	var stage1Fds []string
	cfg := Config{OnReady: func(pid int) error {
		ents, _ := os.ReadDir("/proc/" + itoa(pid) + "/fd")
		for _, e := range ents {
			stage1Fds = append(stage1Fds, e.Name())
		}
		return nil
	}}
	cfg.Files = []int{passed}
	out, code := spawnShell(t, cfg, `ls /proc/self/fd`)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, out)
	}
	// 0-2, fd 3 (the passed file) and maybe the directory ls reads.
	if fds := strings.Join(strings.Fields(out), " "); fds != "0 1 2 3" && fds != "0 1 2 3 4" {
		t.Errorf("the program has fds %s, want 0 1 2 3 (and ls's own)", fds)
	}
	for _, fd := range stage1Fds {
		if fd == itoa(leaked) {
			t.Errorf("stage 1 still holds the caller's fd %d: %v", leaked, stage1Fds)
		}
	}
}

// Stage 1 and the last stage show "berth init", not the caller's command line.
func TestSpawnHidesCallerArgs(t *testing.T) {
	requireRoot(t)
	if area, _ := procTitle(); area == nil {
		t.Skip("argv area not found")
	}
	var cmdline []byte
	cfg := Config{OnReady: func(pid int) error {
		cmdline, _ = os.ReadFile("/proc/" + itoa(pid) + "/cmdline")
		return nil
	}}
	if out, code := spawnShell(t, cfg, "true"); code != 0 {
		t.Fatalf("exit %d: %s", code, out)
	}
	if got := string(bytes.TrimRight(cmdline, "\x00")); got != "berth\x00init" {
		t.Errorf("stage 1's command line is %q", got)
	}
	// The caller's own stays as it was.
	self, _ := os.ReadFile("/proc/self/cmdline")
	if !bytes.HasPrefix(self, []byte(os.Args[0])) {
		t.Errorf("the caller's command line changed: %q", self)
	}
}

// Root becomes the last stage's root and working directory.
func TestSpawnRoot(t *testing.T) {
	requireRoot(t)
	bb, err := exec.LookPath("busybox")
	if err != nil {
		t.Skip("busybox not installed")
	}
	dir := t.TempDir()
	os.Mkdir(filepath.Join(dir, "bin"), 0o755)
	os.WriteFile(filepath.Join(dir, "marker"), nil, 0o644)
	if out, err := exec.Command("cp", bb, filepath.Join(dir, "bin/busybox")).CombinedOutput(); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	root, err := os.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	out, code := spawnShell(t, Config{Root: root}, `echo "$PWD"; /bin/busybox ls /`)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, out)
	}
	if f := strings.Fields(out); len(f) != 3 || f[0] != "/" || f[1] != "bin" || f[2] != "marker" {
		t.Errorf("want cwd / and the directory's entries as root, got %q", out)
	}
}

// Executed from a file it cannot read, the program is non-dumpable and its mm belongs
// to the host's user namespace: its /proc files are owned by the host's root, not by
// the root of its user namespace (host uid 100000 here), which owns them otherwise.
func TestSpawnUnreadableExecutableIsNotDumpable(t *testing.T) {
	requireRoot(t)
	bb, err := exec.LookPath("busybox")
	if err != nil {
		t.Skip("busybox not installed")
	}
	for _, c := range []struct {
		mode  os.FileMode
		owner uint32
	}{{0o755, 100000}, {0o111, 0}} {
		// The user namespace's root must reach the file: a directory of its own in /tmp.
		dir, err := os.MkdirTemp("", "berth-nsenter-test-")
		if err != nil {
			t.Fatal(err)
		}
		defer os.RemoveAll(dir)
		os.Chmod(dir, 0o755)
		copyPath := filepath.Join(dir, "busybox")
		if out, err := exec.Command("cp", bb, copyPath).CombinedOutput(); err != nil {
			t.Fatalf("%v: %s", err, out)
		}
		os.Chmod(copyPath, c.mode)
		owner, err := procOwnerWhileRunning(copyPath)
		if err != nil {
			t.Fatalf("mode %v: %v", c.mode, err)
		}
		if owner != c.owner {
			t.Errorf("executable mode %v: /proc/<pid>/status owned by %d, want %d", c.mode, owner, c.owner)
		}
	}
}

// procOwnerWhileRunning starts the busybox at path as root of a user namespace mapped to
// host uid 100000 and returns the owner of its /proc/<pid>/status while it runs.
func procOwnerWhileRunning(path string) (uint32, error) {
	exe, err := unix.Open(path, unix.O_PATH|unix.O_CLOEXEC, 0)
	if err != nil {
		return 0, err
	}
	defer unix.Close(exe)
	inR, inW, _ := os.Pipe()
	outR, outW, _ := os.Pipe()
	defer inR.Close()
	defer inW.Close()
	defer outR.Close()
	defer outW.Close()
	cfg := Config{
		ExecFD: exe, Args: []string{"sh", "-c", "echo ready; read x"}, Env: []string{"PATH=/bin"},
		Files:       []int{int(inR.Fd()), int(outW.Fd()), 2},
		NewFlags:    unix.CLONE_NEWUSER | unix.CLONE_NEWPID,
		UIDMappings: []IDMap{{0, 100000, 65536}}, GIDMappings: []IDMap{{0, 100000, 65536}},
	}
	pid, err := Spawn(&cfg)
	if err != nil {
		return 0, err
	}
	defer func() {
		inW.Write([]byte("\n"))
		var ws unix.WaitStatus
		unix.Wait4(pid, &ws, 0, nil)
	}()
	outW.Close()
	if _, err := outR.Read(make([]byte, 6)); err != nil {
		return 0, fmt.Errorf("the program did not start: %w", err)
	}
	var st unix.Stat_t
	if err := unix.Stat("/proc/"+itoa(pid)+"/status", &st); err != nil {
		return 0, err
	}
	return st.Uid, nil
}

// The spawned process has the caller's timer slack even when the thread that forks it
// has another one (threads the Go runtime's monitor makes carry its slack, see
// internal/timerslack), with and without a new pid namespace (one fork more).
func TestSpawnKeepsCallerTimerSlack(t *testing.T) {
	requireRoot(t)
	caller := timerslack.Caller()
	if caller == 0 {
		t.Skip("timer slack unreadable")
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	other := caller + 12345
	unix.Prctl(unix.PR_SET_TIMERSLACK, other, 0, 0, 0)
	defer unix.Prctl(unix.PR_SET_TIMERSLACK, caller, 0, 0, 0)
	for _, flags := range []uintptr{0, unix.CLONE_NEWPID | unix.CLONE_NEWNS} {
		out, code := spawnShell(t, Config{NewFlags: flags}, `cat /proc/self/timerslack_ns`)
		if code != 0 {
			t.Fatalf("flags %#x: exit %d: %s", flags, code, out)
		}
		if got := strings.TrimSpace(out); got != strconv.FormatUint(uint64(caller), 10) {
			t.Errorf("flags %#x: timer slack %s, want the caller's %d (the forking thread has %d)", flags, got, caller, other)
		}
	}
}
