package nsenter

import (
	"bytes"
	"debug/elf"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// planSpawn starts busybox sh -c script in plan mode (new mount and pid namespaces, no
// proc instance: the host's root stays the stage's) and returns the handle, the pid, the
// exec.sock-like listener's path and the read end of the script's output.
func planSpawn(t *testing.T, plan Plan, script string) (*PlanHandle, int, string, *os.File) {
	t.Helper()
	var sock string
	plan.Listener, sock = planListener(t)
	h, pid, out := planSpawnWith(t, plan, script, nil)
	return h, pid, sock, out
}

// planListener is a listening socket like exec.sock, and its path.
func planListener(t *testing.T) (int, string) {
	t.Helper()
	requireRoot(t)
	if !PlanSupported() {
		t.Skip("no plan mode on this architecture")
	}
	bbPath(t) // skips without busybox
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
	return lfd, sock
}

// planSpawnWith is planSpawn with plan.Listener given, born in into if not nil.
func planSpawnWith(t *testing.T, plan Plan, script string, into *os.File, edit ...func(*Config)) (*PlanHandle, int, *os.File) {
	t.Helper()
	bb := bbPath(t)
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	plan.Cwd = "/"
	if plan.Umask == 0 {
		plan.Umask = -1
	}
	cfg := &Config{
		Args: []string{bb, "sh", "-c", script}, Env: []string{"PATH=/bin:/usr/bin"},
		Files:    []int{int(w.Fd()), int(w.Fd()), int(w.Fd())},
		NewFlags: unix.CLONE_NEWNS | unix.CLONE_NEWPID, Plan: &plan, Timeout: 10 * time.Second,
		IntoCgroup: into,
	}
	for _, e := range edit {
		e(cfg)
	}
	res, err := SpawnResult(cfg)
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
	return res.Plan, res.Pid, r
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

// commitStartCollect commits, starts as `berth start` does (expecting no failure), waits
// for the process and returns what it wrote.
func commitStartCollect(t *testing.T, h *PlanHandle, pid int, sock string, out *os.File) string {
	t.Helper()
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
	return got.String()
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
	got := commitStartCollect(t, h, pid, sock, out)
	for _, want := range []string{"ids 1000:1000 groups 1000 20", "CapEff:\t0000000000000020", "NoNewPrivs:\t1", "0027", "pid 1"} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q in:\n%s", want, got)
		}
	}
	if strings.Contains(got, "CapBnd:\t000001ffffffffff") {
		t.Errorf("CAP_SYS_ADMIN still in the bounding set:\n%s", got)
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
	// The interpreter is the exec program itself, run again with none of the fds it
	// waits on: it cannot report and exits 1. Were the stage to execute the script, this
	// test binary would run as the container's process.
	var ws unix.WaitStatus
	if _, err := unix.Wait4(pid, &ws, 0, nil); err != nil {
		t.Fatal(err)
	}
	if ws.ExitStatus() != 1 {
		t.Fatalf("the entrypoint ended with %v, want exit 1 from the exec program run again", ws)
	}
}

// The parameter block's offsets are the ones dmz_amd64.s spells out.
func TestDMZParamsLayout(t *testing.T) {
	var p dmzParams
	for name, got := range map[string][2]uintptr{
		"sigact":       {unsafe.Offsetof(p.sigact), 0},
		"fprogLen":     {unsafe.Offsetof(p.fprogLen), 32},
		"fprogFilter":  {unsafe.Offsetof(p.fprogFilter), 40},
		"seccompFlags": {unsafe.Offsetof(p.seccompFlags), 48},
		"reportFd":     {unsafe.Offsetof(p.reportFd), 56},
		"goFd":         {unsafe.Offsetof(p.goFd), 60},
		"listenFd":     {unsafe.Offsetof(p.listenFd), 64},
		"nsigs":        {unsafe.Offsetof(p.nsigs), 68},
		"sigs":         {unsafe.Offsetof(p.sigs), 72},
		"waiting":      {unsafe.Offsetof(p.waiting), 104},
		"committed":    {unsafe.Offsetof(p.committed), 120},
		"connFd":       {unsafe.Offsetof(p.connFd), 136},
		"attrFd":       {unsafe.Offsetof(p.attrFd), 140},
		"attrLen":      {unsafe.Offsetof(p.attrLen), 144},
		"nnp":          {unsafe.Offsetof(p.nnp), 148},
	} {
		if got[0] != got[1] {
			t.Errorf("dmzParams.%s at %d, dmz_amd64.s reads it at %d", name, got[0], got[1])
		}
	}
	if dmzParamsOff+unsafe.Sizeof(p) > dmzCodeOff {
		t.Errorf("dmzParams (%d bytes) runs into the code at %#x", unsafe.Sizeof(p), dmzCodeOff)
	}
	if dmzBase+dmzAttrOff != 0x408400 || dmzAttrPath1 != 0x300 || dmzAttrPath2 != 0x380 {
		t.Errorf("the attribute at %#x, paths at +%#x, +%#x: dmz_amd64.s has 0x408400, +0x300, +0x380",
			dmzBase+dmzAttrOff, dmzAttrPath1, dmzAttrPath2)
	}
	if unsafe.Sizeof(unix.SockFprog{}) != 16 || unsafe.Offsetof(p.fprogFilter)-unsafe.Offsetof(p.fprogLen) != 8 {
		t.Error("fprogLen and fprogFilter are not a struct sock_fprog")
	}
}

// The image holds the stage's signal handler and the program where its headers say.
func TestDMZImage(t *testing.T) {
	if !PlanSupported() {
		t.Skip("no exec program on this architecture")
	}
	img, err := dmzImage()
	if err != nil {
		t.Fatal(err)
	}
	if len(img) != dmzFilterOff {
		t.Fatalf("image of %d bytes, want %d", len(img), dmzFilterOff)
	}
	f, err := elf.NewFile(bytes.NewReader(append(img, make([]byte, dmzSize-dmzFilterOff)...)))
	if err != nil {
		t.Fatal(err)
	}
	if f.Entry != dmzBase+dmzEntryOff || len(f.Progs) != 1 || f.Progs[0].Vaddr != dmzBase || f.Progs[0].Filesz != dmzSize {
		t.Fatalf("entry %#x, program headers %+v", f.Entry, f.Progs)
	}
	// The handler: add rdi, 128; mov eax, 231 (exit_group); syscall; int 3.
	handler := []byte{0x48, 0x81, 0xc7, 0x80, 0x00, 0x00, 0x00, 0xb8, 0xe7, 0x00, 0x00, 0x00, 0x0f, 0x05, 0xcd, 0x03}
	if !bytes.Equal(img[dmzCodeOff:dmzCodeOff+len(handler)], handler) {
		t.Errorf("handler % x, want % x", img[dmzCodeOff:dmzEntryOff], handler)
	}
	// The program starts by loading its parameters' address: mov r12, PARAMS.
	if want := []byte{0x49, 0xc7, 0xc4, 0x80, 0x00, 0x40, 0x00}; !bytes.Equal(img[dmzEntryOff:dmzEntryOff+7], want) {
		t.Errorf("program starts % x, want % x", img[dmzEntryOff:dmzEntryOff+7], want)
	}
	if bytes.Contains(img, codeMarker[:]) {
		t.Error("the end marker was copied")
	}
}

// While it waits for start, the container's process is the sealed exec program, not a
// copy of the runtime (CVE-2019-5736 class: a second container in its pid namespace
// could otherwise hold the host's binary), non-dumpable, and it shares no memory with
// its creator. A signal that would end init ends it.
func TestPlanWaitsAsTheSealedProgram(t *testing.T) {
	h, pid, _, _ := planSpawn(t, Plan{UID: 1000, GID: 1000}, "exit 0")
	if err := h.Release(bbPath(t), "", nil, 0); err != nil {
		t.Fatalf("Release: %v", err)
	}
	if err := h.Commit(); err != nil {
		t.Fatal(err)
	}
	proc := "/proc/" + strconv.Itoa(pid)
	exe, err := os.Readlink(proc + "/exe")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(exe, "memfd:berth-exec") {
		t.Fatalf("the waiting process runs %s, want the sealed exec program", exe)
	}
	fd, err := unix.Open(proc+"/exe", unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	seals, err := unix.FcntlInt(uintptr(fd), unix.F_GET_SEALS, 0)
	if err != nil {
		t.Fatal(err)
	}
	if want := unix.F_SEAL_SEAL | unix.F_SEAL_WRITE | unix.F_SEAL_SHRINK | unix.F_SEAL_GROW; seals&want != want {
		t.Errorf("seals %#x, want %#x", seals, want)
	}
	if _, err := unix.Pwrite(fd, []byte{0}, dmzEntryOff); err == nil {
		t.Error("the exec program's image could be written")
	}
	status, err := os.ReadFile(proc + "/status")
	if err != nil {
		t.Fatal(err)
	}
	// Owned by root although the process is uid 1000: not dumpable.
	var st unix.Stat_t
	if err := unix.Stat(proc+"/status", &st); err != nil {
		t.Fatal(err)
	}
	if st.Uid != 0 || !strings.Contains(string(status), "Uid:\t1000") {
		t.Errorf("/proc/<pid>/status owned by %d for:\n%s", st.Uid, status)
	}
	// Its fds once committed: stdio and exec.sock, nothing else of its creator's.
	var names []string
	for try := 0; try < 100; try++ {
		ents, err := os.ReadDir(proc + "/fd")
		if err != nil {
			t.Fatal(err)
		}
		names = names[:0]
		for _, e := range ents {
			target, _ := os.Readlink(proc + "/fd/" + e.Name())
			if e.Name() > "2" || len(e.Name()) > 1 {
				names = append(names, target)
			}
		}
		if len(names) == 1 {
			break
		}
		time.Sleep(20 * time.Millisecond) // the commit byte is read, the pipe closed
	}
	if len(names) != 1 || !strings.HasPrefix(names[0], "socket:") {
		t.Errorf("the waiting process holds %v besides stdio, want exec.sock alone", names)
	}
	unix.Kill(pid, unix.SIGTERM)
	var ws unix.WaitStatus
	if _, err := unix.Wait4(pid, &ws, 0, nil); err != nil {
		t.Fatal(err)
	}
	if ws.ExitStatus() != 128+int(unix.SIGTERM) {
		t.Errorf("after SIGTERM: %v, want exit %d", ws, 128+int(unix.SIGTERM))
	}
}

// With no_new_privs the exec program loads the filter last, after start connected: the
// process runs under it.
func TestPlanLoadsTheFilterLate(t *testing.T) {
	// Return EPERM (1) for getpid (39), allow everything else.
	filter := []unix.SockFilter{
		{Code: unix.BPF_LD | unix.BPF_W | unix.BPF_ABS, K: 0}, // seccomp_data.nr
		{Code: unix.BPF_JMP | unix.BPF_JEQ | unix.BPF_K, Jt: 0, Jf: 1, K: unix.SYS_GETPPID},
		{Code: unix.BPF_RET | unix.BPF_K, K: unix.SECCOMP_RET_ERRNO | 1},
		{Code: unix.BPF_RET | unix.BPF_K, K: unix.SECCOMP_RET_ALLOW},
	}
	h, pid, sock, out := planSpawn(t, Plan{NoNewPrivileges: true}, `grep -E "^(Seccomp|NoNewPrivs):" /proc/self/status`)
	if err := h.Release(bbPath(t), "", filter, 0); err != nil {
		t.Fatalf("Release: %v", err)
	}
	got := commitStartCollect(t, h, pid, sock, out)
	if !strings.Contains(got, "Seccomp:\t2") || !strings.Contains(got, "NoNewPrivs:\t1") {
		t.Errorf("the process is not filtered:\n%s", got)
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

// `berth exec`'s form: the connection is given (one end of a socket pair), nothing is
// accepted; the process runs once committed, and the connection ends with its exec.
func TestPlanGivenConnection(t *testing.T) {
	requireRoot(t)
	if !PlanSupported() {
		t.Skip("no plan mode on this architecture")
	}
	pair, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(pair[0])
	h, pid, out := planSpawnWith(t, Plan{Listener: pair[1], Connected: true}, `echo pid $$; ls /proc/self/fd | wc -l`, nil)
	unix.Close(pair[1])
	if err := h.Release(bbPath(t), "", nil, 0); err != nil {
		t.Fatalf("Release: %v", err)
	}
	if err := h.Commit(); err != nil {
		t.Fatal(err)
	}
	f := os.NewFile(uintptr(pair[0]), "exec")
	var said bytes.Buffer
	said.ReadFrom(f)
	if said.String() != "\x00" {
		t.Fatalf("the connection said %q, want the acknowledgement alone", said.String())
	}
	var ws unix.WaitStatus
	unix.Wait4(pid, &ws, 0, nil)
	var got bytes.Buffer
	got.ReadFrom(out)
	// ls sees 0-2 and the directory it lists: the connection did not reach the process.
	if want := "pid 1\n4\n"; got.String() != want {
		t.Errorf("process wrote %q, want %q", got.String(), want)
	}
}

// With Terminal, the pty on fd 0 becomes the process's controlling terminal (the last
// stage is a session leader without one, so /proc/self/stat's tty_nr would be 0): given
// in Files (exec) or with GiveTerminal once the stage waits (create).
func TestPlanTerminal(t *testing.T) {
	requireRoot(t)
	if !PlanSupported() {
		t.Skip("no plan mode on this architecture")
	}
	for _, given := range []bool{false, true} {
		t.Run(fmt.Sprintf("given=%v", given), func(t *testing.T) { planTerminal(t, given) })
	}
}

func planTerminal(t *testing.T, given bool) {
	bb := bbPath(t)
	master, err := unix.Open("/dev/ptmx", unix.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Skipf("no pty: %v", err)
	}
	m := os.NewFile(uintptr(master), "ptmx")
	defer m.Close()
	if err := unix.IoctlSetPointerInt(master, unix.TIOCSPTLCK, 0); err != nil {
		t.Fatal(err)
	}
	peer, _, errno := unix.Syscall(unix.SYS_IOCTL, uintptr(master), unix.TIOCGPTPEER, uintptr(unix.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC))
	if errno != 0 {
		t.Fatal(errno)
	}
	defer unix.Close(int(peer))
	var st unix.Stat_t
	if err := unix.Fstat(int(peer), &st); err != nil {
		t.Fatal(err)
	}
	major, minor := unix.Major(st.Rdev), unix.Minor(st.Rdev)
	want := fmt.Sprintf("tty %d\n", minor&0xff|major<<8|(minor&^0xff)<<12)
	pair, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(pair[0])
	files := []int{int(peer), int(peer), int(peer)}
	if given {
		files = []int{-1, -1, -1}
	}
	res, err := SpawnResult(&Config{
		Args: []string{bb, "sh", "-c", `echo tty $(cut -d" " -f7 /proc/self/stat)`}, Env: []string{"PATH=/bin:/usr/bin"},
		Files: files, NewFlags: unix.CLONE_NEWNS | unix.CLONE_NEWPID, Timeout: 10 * time.Second,
		Plan: &Plan{Listener: pair[1], Connected: true, Terminal: true, Cwd: "/", Umask: -1},
	})
	unix.Close(pair[1])
	if err != nil {
		t.Fatalf("Spawn: %v", err)
	}
	defer func() {
		res.Plan.Close()
		unix.Kill(res.Pid, unix.SIGKILL)
		unix.Wait4(res.Pid, nil, 0, nil)
	}()
	if given {
		res.Plan.GiveTerminal(int(peer))
	}
	if err := res.Plan.Release(bb, "", nil, 0); err != nil {
		t.Fatalf("Release: %v", err)
	}
	if err := res.Plan.Commit(); err != nil {
		t.Fatal(err)
	}
	var ws unix.WaitStatus
	unix.Wait4(res.Pid, &ws, 0, nil)
	buf := make([]byte, 256)
	n, _ := m.Read(buf)
	if got := strings.ReplaceAll(string(buf[:n]), "\r", ""); got != want {
		t.Errorf("process wrote %q, want %q (its controlling terminal)", got, want)
	}
}

// The container-wide settings a task can only give itself: the stage sets the persona
// and the memory policy, and the process keeps them across both execs.
func TestPlanPersonalityAndMemPolicy(t *testing.T) {
	persona := uint32(0x0008) // PER_LINUX32
	plan := Plan{Umask: -1, Personality: &persona}
	script := `cat /proc/self/personality`
	numa := false
	if _, err := os.Stat("/proc/self/numa_maps"); err == nil {
		numa = true
		plan.MemPolicy, plan.MemPolicyMode, plan.MemPolicyNodes = true, 2 /* MPOL_BIND */, []int{0}
		script += `; grep -c " bind:0 " /proc/self/numa_maps`
	}
	h, pid, sock, out := planSpawn(t, plan, script)
	if err := h.Release(bbPath(t), "", nil, 0); err != nil {
		t.Fatalf("Release: %v", err)
	}
	got := commitStartCollect(t, h, pid, sock, out)
	lines := strings.Fields(got)
	if len(lines) == 0 || lines[0] != "00000008" {
		t.Errorf("personality: %q, want 00000008", got)
	}
	if numa && (len(lines) < 2 || lines[1] == "0") {
		t.Errorf("no mapping with the bind policy: %q", got)
	}
}

// ExecAttr: the exec program writes the attribute to the file the stage opened in its
// proc instance (here its stdout, through self/fd/1, after a missing first choice), right
// before the execve; a write the kernel refuses is told to start as 0xfe and the errno.
func TestPlanExecAttr(t *testing.T) {
	h, pid, sock, out := planSpawn(t, Plan{Umask: -1, MountProc: true, ExecAttr: "exec some-profile",
		ExecAttrFiles: [2]string{"self/attr/no-such-lsm/exec", "self/fd/1"}}, `echo ran`)
	if err := h.Release(bbPath(t), "", nil, 0); err != nil {
		t.Fatalf("Release: %v", err)
	}
	if got := commitStartCollect(t, h, pid, sock, out); got != "exec some-profileran\n" {
		t.Errorf("output %q, want the attribute, then the process's", got)
	}

	// Without an LSM (or with one that refuses it), attr/current takes no write.
	h, pid, sock, _ = planSpawn(t, Plan{Umask: -1, MountProc: true, ExecAttr: "bogus",
		ExecAttrFiles: [2]string{"self/attr/current"}}, "unused")
	if err := h.Release(bbPath(t), "", nil, 0); err != nil {
		t.Fatalf("Release: %v", err)
	}
	if err := h.Commit(); err != nil {
		t.Fatal(err)
	}
	if ack, msg := start(t, sock); ack != 0 || len(msg) != 2 || msg[0] != 0xfe || msg[1] == 0 {
		t.Fatalf("start got ack %d and %q, want 0 and 0xfe with an errno", ack, msg)
	}
	var ws unix.WaitStatus
	unix.Wait4(pid, &ws, 0, nil)
	if ws.ExitStatus() != 127 {
		t.Errorf("exit %v, want 127", ws)
	}
}

// The last stage makes the filesystem instances the plan lists, in its own namespaces
// and with its own credentials: in a new user namespace a tmpfs's root belongs to the
// namespace's root (the host id it maps to), as when init mounts it. A refused option or
// type comes back as that instance's error, naming the call; an optional option the
// filesystem refuses is left out.
func TestPlanFilesystems(t *testing.T) {
	for _, userns := range []bool{false, true} {
		t.Run(fmt.Sprintf("userns=%v", userns), func(t *testing.T) {
			lfd, sock := planListener(t)
			plan := Plan{Listener: lfd, Filesystems: []PlanFS{
				{Type: "tmpfs", Source: "shm", Options: []FSOption{{Key: "mode", Value: "0710"}, {Key: "size", Value: "1m"}},
					Attrs: unix.MOUNT_ATTR_NOSUID | unix.MOUNT_ATTR_NODEV},
				{Type: "tmpfs", Options: []FSOption{{Key: "nosuchoption", Value: "1"}}},
				{Type: "devpts", Options: []FSOption{{Key: "newinstance"}, {Key: "bogus", Optional: true}, {Key: "ptmxmode", Value: "0666"}}},
				{Type: "nosuchfs"},
				{Type: "tmpfs", Late: true},
				{Type: "tmpfs", Options: []FSOption{{Key: "size", Value: "nonsense"}}, Late: true},
			}}
			h, pid, out := planSpawnWith(t, plan, "echo ok", nil, func(c *Config) {
				if userns {
					c.NewFlags |= unix.CLONE_NEWUSER
					c.UIDMappings = []IDMap{{ContainerID: 0, HostID: 100000, Size: 65536}}
					c.GIDMappings = []IDMap{{ContainerID: 0, HostID: 100000, Size: 65536}}
				}
			})
			fs, err := h.Filesystems()
			if err != nil {
				t.Fatal(err)
			}
			defer func() {
				for _, in := range fs {
					if in.Mount != nil {
						in.Mount.Close()
					}
				}
			}()
			if len(fs) != 6 {
				t.Fatalf("%d instances, want 6", len(fs))
			}
			if fs[4].Mount != nil || fs[4].Err != nil {
				t.Errorf("a late instance made before it was asked for: %+v", fs[4])
			}
			// Asked for, with a mode: the tmpfs's root has it.
			mode := uint32(0o751)
			late, err := h.LateFilesystem(4, &mode)
			if err != nil {
				t.Fatalf("late tmpfs: %v", err)
			}
			defer late.Close()
			var lst unix.Stat_t
			if err := unix.Fstat(int(late.Fd()), &lst); err != nil || lst.Mode&0o7777 != 0o751 {
				t.Errorf("late tmpfs: mode %o (%v), want 751", lst.Mode&0o7777, err)
			}
			if _, err := h.LateFilesystem(5, nil); err == nil || !strings.Contains(err.Error(), "option size=nonsense: invalid argument") {
				t.Errorf("late tmpfs with a bad option: %v", err)
			}
			if _, err := h.LateFilesystem(0, nil); err == nil {
				t.Error("an early instance made again on request")
			}
			if fs[0].Err != nil {
				t.Fatalf("tmpfs: %v", fs[0].Err)
			}
			var st unix.Stat_t
			if err := unix.Fstat(int(fs[0].Mount.Fd()), &st); err != nil {
				t.Fatal(err)
			}
			owner := uint32(0)
			if userns {
				owner = 100000
			}
			if st.Mode&0o7777 != 0o710 || st.Uid != owner || st.Gid != owner {
				t.Errorf("tmpfs root: mode %o, owner %d:%d; want 710, %d:%d", st.Mode&0o7777, st.Uid, st.Gid, owner, owner)
			}
			var sfs unix.Statfs_t
			if err := unix.Fstatfs(int(fs[0].Mount.Fd()), &sfs); err != nil {
				t.Fatal(err)
			}
			if sfs.Type != unix.TMPFS_MAGIC || sfs.Flags&unix.ST_NOSUID == 0 || sfs.Flags&unix.ST_NODEV == 0 || sfs.Blocks*uint64(sfs.Bsize) != 1<<20 {
				t.Errorf("tmpfs: type %#x, flags %#x, %d bytes", sfs.Type, sfs.Flags, sfs.Blocks*uint64(sfs.Bsize))
			}
			if fs[1].Err == nil || !strings.Contains(fs[1].Err.Error(), "option nosuchoption=1: invalid argument") {
				t.Errorf("bad option: %v", fs[1].Err)
			}
			if fs[2].Err != nil {
				t.Errorf("devpts with an optional bad option: %v", fs[2].Err)
			}
			if fs[3].Err == nil || !strings.Contains(fs[3].Err.Error(), "fsopen nosuchfs: no such device") {
				t.Errorf("bad type: %v", fs[3].Err)
			}
			if err := h.Release(bbPath(t), "", nil, 0); err != nil {
				t.Fatalf("Release: %v", err)
			}
			if got := commitStartCollect(t, h, pid, sock, out); got != "ok\n" {
				t.Errorf("process said %q", got)
			}
		})
	}
}
