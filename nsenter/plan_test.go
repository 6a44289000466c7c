package nsenter

import (
	"bytes"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// planSpawn starts busybox sh -c script in plan mode (new mount and pid namespaces, no
// proc instance: the host's root stays the stage's) and returns the handle, the pid, the
// exec.sock-like listener's path and the read end of the script's output.
func planSpawn(t *testing.T, plan Plan, script string) (*PlanHandle, int, string, *os.File) {
	t.Helper()
	requireRoot(t)
	if !PlanSupported() {
		t.Skip("no plan mode on this architecture")
	}
	bb, err := exec.LookPath("busybox")
	if err != nil {
		t.Skip("busybox not installed")
	}
	sock := t.TempDir() + "/exec.sock"
	lfd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Close(lfd) })
	if err := unix.Bind(lfd, &unix.SockaddrUnix{Name: sock}); err != nil {
		t.Fatal(err)
	}
	if err := unix.Listen(lfd, 1); err != nil {
		t.Fatal(err)
	}
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	plan.Listener, plan.Cwd = lfd, "/"
	if plan.Umask == 0 {
		plan.Umask = -1
	}
	res, err := SpawnResult(&Config{
		Args: []string{bb, "sh", "-c", script}, Env: []string{"PATH=/bin:/usr/bin"},
		Files:    []int{int(w.Fd()), int(w.Fd()), int(w.Fd())}, // all of 0-2: accept then takes fd 3, the connection's
		NewFlags: unix.CLONE_NEWNS | unix.CLONE_NEWPID, Plan: &plan, Timeout: 10 * time.Second,
	})
	w.Close()
	if err != nil {
		t.Fatalf("Spawn: %v", err)
	}
	if res.Plan == nil {
		t.Fatal("no plan handle")
	}
	t.Cleanup(func() {
		res.Plan.Close()
		unix.Kill(res.Pid, unix.SIGKILL)
		unix.Wait4(res.Pid, nil, 0, nil)
	})
	return res.Plan, res.Pid, sock, r
}

// start connects as `berth start` does and returns the acknowledgement and what the
// stage said before the connection ended.
func start(t *testing.T, sock string) (byte, string) {
	t.Helper()
	fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	if err := unix.Connect(fd, &unix.SockaddrUnix{Name: sock}); err != nil {
		t.Fatal(err)
	}
	f := os.NewFile(uintptr(fd), "start")
	var buf bytes.Buffer
	buf.ReadFrom(f)
	if buf.Len() == 0 {
		return 0, ""
	}
	return buf.Bytes()[0], buf.String()[1:]
}

// The last stage becomes the configured user with the configured capabilities (kept
// across the exec of a non-root user through the ambient set) and
// no_new_privs, waits for start, and executes the process itself: no init runs.
func TestPlanRunsTheProcess(t *testing.T) {
	h, pid, sock, out := planSpawn(t, Plan{
		UID: 1000, GID: 1000, Groups: []uint32{1000, 20},
		BoundingDrop: []int{unix.CAP_SYS_ADMIN}, Effective: 1 << unix.CAP_KILL, Permitted: 1 << unix.CAP_KILL,
		Inheritable: 1 << unix.CAP_KILL, Ambient: []int{unix.CAP_KILL},
		NoNewPrivileges: true, Umask: 0o027,
	}, `echo "ids $(id -u):$(id -g) groups $(id -G)"; grep -E "^(CapEff|CapBnd|NoNewPrivs)" /proc/self/status; umask; echo pid $$`)
	if err := h.Release(bbPath(t), "", nil, 0); err != nil {
		t.Fatalf("Release: %v", err)
	}
	if err := h.Commit(); err != nil {
		t.Fatal(err)
	}
	if ack, msg := start(t, sock); ack != 0 || msg != "" {
		t.Fatalf("start: ack %d, %q", ack, msg)
	}
	var ws unix.WaitStatus
	unix.Wait4(pid, &ws, 0, nil)
	var got bytes.Buffer
	got.ReadFrom(out)
	for _, want := range []string{"ids 1000:1000 groups 1000 20", "CapEff:\t0000000000000020", "NoNewPrivs:\t1", "0027", "pid 1"} {
		if !strings.Contains(got.String(), want) {
			t.Errorf("missing %q in:\n%s", want, got.String())
		}
	}
	if strings.Contains(got.String(), "CapBnd:\t000001ffffffffff") {
		t.Errorf("CAP_SYS_ADMIN still in the bounding set:\n%s", got.String())
	}
}

// A parent that goes away before it commits takes the waiting stage with it: a create
// that died half-way leaves no process waiting for a start.
func TestPlanWithoutCommitEnds(t *testing.T) {
	h, pid, _, _ := planSpawn(t, Plan{}, "exit 0")
	if err := h.Release(bbPath(t), "", nil, 0); err != nil {
		t.Fatalf("Release: %v", err)
	}
	h.Close() // the go-ahead pipe's only writer
	done := make(chan unix.WaitStatus)
	go func() {
		var ws unix.WaitStatus
		unix.Wait4(pid, &ws, 0, nil)
		done <- ws
	}()
	select {
	case ws := <-done:
		if ws.ExitStatus() != 1 {
			t.Errorf("stage ended with %v, want exit 1", ws)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the stage still waits for a start its creator can no longer commit")
	}
}

// A failure of the process setup comes back from Release naming the step.
func TestPlanReleaseReportsTheStep(t *testing.T) {
	h, _, _, _ := planSpawn(t, Plan{}, "exit 0")
	err := h.Release(bbPath(t), "", []unix.SockFilter{badJump}, 0)
	if err == nil || !strings.Contains(err.Error(), "seccomp") {
		t.Fatalf("Release with an invalid filter: %v, want the seccomp step", err)
	}
}

// badJump is a program the kernel refuses: a jump past its end.
var badJump = unix.SockFilter{Code: 0x05, K: 10}

func bbPath(t *testing.T) string {
	bb, err := exec.LookPath("busybox")
	if err != nil {
		t.Skip("busybox not installed")
	}
	return bb
}

// CVE-2019-5736 class: the process is executed by the sealed exec program, not by the
// stage (a copy of the runtime), so /proc/self/exe at that exec, which an entrypoint
// like `#!/proc/self/exe` runs as its interpreter, is never the runtime's binary.
func TestPlanExecutesThroughTheSealedProgram(t *testing.T) {
	dir := t.TempDir()
	script := dir + "/evil"
	if err := os.WriteFile(script, []byte("#!/proc/self/exe\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	h, pid, sock, _ := planSpawn(t, Plan{}, "unused")
	if err := h.Release(script, "", nil, 0); err != nil {
		t.Fatalf("Release: %v", err)
	}
	if err := h.Commit(); err != nil {
		t.Fatal(err)
	}
	start(t, sock)
	// The interpreter is the exec program itself, which runs the script again, and so
	// on: a loop that never reaches the runtime's binary. Were the stage to execute the
	// script, /proc/<pid>/exe would be this test binary.
	time.Sleep(100 * time.Millisecond)
	exe, err := os.Readlink("/proc/" + strconv.Itoa(pid) + "/exe")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(exe, "memfd:berth-exec") {
		t.Fatalf("the entrypoint's interpreter is %s, want the sealed exec program", exe)
	}
}

// The exec program's two uses of the connection's fd carry the number it is given.
func TestDMZCodeUsesTheConnection(t *testing.T) {
	code := dmzCodeAMD64(0x11223344)
	var movs []int
	for i := 0; i+5 <= len(code); i++ {
		if code[i] == 0xbf && code[i+1] == 0x44 && code[i+2] == 0x33 && code[i+3] == 0x22 && code[i+4] == 0x11 {
			movs = append(movs, i)
		}
	}
	if len(movs) != 2 {
		t.Fatalf("mov edi, conn found at %v, want twice: % x", movs, code)
	}
	if !bytes.Equal(code[59:64], []byte{0x48, 0x8d, 0x74, 0x24, 0xfe}) {
		t.Errorf("the instruction before the second mov changed: % x", code[59:64])
	}
}

// An execve the exec program cannot do is told to start as 0xff and the errno.
func TestDMZReportsAFailedExec(t *testing.T) {
	h, pid, sock, _ := planSpawn(t, Plan{}, "unused")
	if err := h.Release(t.TempDir(), "", nil, 0); err != nil { // a directory: EACCES
		t.Fatalf("Release: %v", err)
	}
	if err := h.Commit(); err != nil {
		t.Fatal(err)
	}
	if ack, msg := start(t, sock); ack != 0 || msg != "\xff\x0d" {
		t.Fatalf("start got ack %d and %q, want 0 and 0xff EACCES", ack, msg)
	}
	var ws unix.WaitStatus
	unix.Wait4(pid, &ws, 0, nil)
	if ws.ExitStatus() != 127 {
		t.Errorf("exit %v, want 127", ws)
	}
}
