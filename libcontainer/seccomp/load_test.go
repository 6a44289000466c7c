//go:build cgo

package seccomp

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/berth-runtime/berth/libcontainer/fdpass"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	libseccomp "github.com/seccomp/libseccomp-golang"
	"golang.org/x/sys/unix"
)

const dockerProfile = "../../tests/integration/testdata/seccomp/docker-default-amd64.json"

func loadProfile(t testing.TB, path string) *specs.LinuxSeccomp {
	t.Helper()
	if runtime.GOARCH != "amd64" {
		t.Skip("the Docker profile in testdata is rendered for amd64")
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var s specs.LinuxSeccomp
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatal(err)
	}
	return &s
}

func TestCompileDockerProfile(t *testing.T) {
	s := loadProfile(t, dockerProfile)
	if err := Validate(s); err != nil {
		t.Fatal(err)
	}
	f, err := Compile(s)
	if err != nil {
		t.Fatal(err)
	}
	// Three architectures and ~360 syscalls: hundreds of instructions, never empty.
	if n := f.Instructions(); n < 300 || n > 0xffff {
		t.Errorf("%d instructions", n)
	}
	if f.ListenerPath() != "" {
		t.Errorf("listener path %q without a notify rule", f.ListenerPath())
	}
}

func TestCompileSkipsUnknownNames(t *testing.T) {
	with := func(names ...string) int {
		f, err := Compile(&specs.LinuxSeccomp{DefaultAction: "SCMP_ACT_ALLOW",
			Syscalls: []specs.LinuxSyscall{{Names: names, Action: "SCMP_ACT_ERRNO"}}})
		if err != nil {
			t.Fatal(err)
		}
		return f.Instructions()
	}
	if a, b := with("mkdir"), with("mkdir", "no_such_syscall_at_all"); a != b {
		t.Errorf("an unknown name changed the program: %d vs %d instructions", a, b)
	}
}

func TestValidateArchitectures(t *testing.T) {
	s := &specs.LinuxSeccomp{DefaultAction: "SCMP_ACT_ALLOW", Architectures: []specs.Arch{"SCMP_ARCH_X86_64", "SCMP_ARCH_X86"}}
	if runtime.GOARCH == "amd64" {
		if err := Validate(s); err != nil {
			t.Errorf("x86 family on amd64: %v", err)
		}
		// Big-endian s390x cannot share a filter with x86_64.
		s.Architectures = []specs.Arch{"SCMP_ARCH_S390X"}
		err := Validate(s)
		if err == nil || !strings.HasPrefix(err.Error(), "linux.seccomp.architectures[0]: SCMP_ARCH_S390X cannot share") {
			t.Errorf("s390x on amd64: %v", err)
		}
	}
}

func TestFlagProbe(t *testing.T) {
	if !flagSupported(unix.SECCOMP_FILTER_FLAG_TSYNC) {
		t.Skip("the kernel has no seccomp(2) filter flags")
	}
	if flagSupported(1 << 30) {
		t.Error("an unknown flag probed as supported")
	}
	got := Features()
	if got.Enabled == nil || !*got.Enabled || len(got.Actions) != len(knownActions) || len(got.SupportedFlags) == 0 {
		t.Errorf("features %+v", got)
	}
}

// The loader is tested in a child process (the filter cannot be undone): the child
// confines itself and reports what the denied syscall returned.
const childEnv = "BERTH_SECCOMP_TEST_CHILD"

func TestMain(m *testing.M) {
	if mode := os.Getenv(childEnv); mode != "" {
		os.Exit(child(mode))
	}
	os.Exit(m.Run())
}

func child(mode string) int {
	runtime.LockOSThread()
	// Unprivileged callers may load a filter only with no_new_privs.
	if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
		return 90
	}
	s := &specs.LinuxSeccomp{DefaultAction: "SCMP_ACT_ALLOW"}
	switch mode {
	case "errno":
		s.Syscalls = []specs.LinuxSyscall{{Names: []string{"uname"}, Action: "SCMP_ACT_ERRNO", ErrnoRet: uintp(28)}}
	case "enosys":
		// Everything this libseccomp knows is allowed but uname: uname gets the default
		// errno, a syscall numbered above all of them ENOSYS (the stub).
		s.DefaultAction = "SCMP_ACT_ERRNO"
		s.Syscalls = []specs.LinuxSyscall{{Names: allKnownSyscallsBut("uname"), Action: "SCMP_ACT_ALLOW"}}
	case "notify":
		s.ListenerPath = os.Getenv("AGENT")
		s.ListenerMetadata = "test-meta"
		s.Syscalls = []specs.LinuxSyscall{{Names: []string{"uname"}, Action: "SCMP_ACT_NOTIFY"}}
	}
	f, err := Compile(s)
	if err != nil {
		os.Stderr.WriteString(err.Error() + "\n")
		return 91
	}
	state := &specs.State{ID: "child", Status: specs.StateRunning, Pid: os.Getpid()}
	if err := f.Load(os.Getpid(), state); err != nil {
		os.Stderr.WriteString(err.Error() + "\n")
		return 92
	}
	var u unix.Utsname
	err = unix.Uname(&u)
	if mode == "enosys" {
		_, _, unknown := unix.RawSyscall(1000, 0, 0, 0)
		os.Stdout.WriteString(fmt.Sprintf("uname=%d unknown=%d\n", errnoOf(err), unknown))
		return 0
	}
	var errno unix.Errno
	if errors.As(err, &errno) {
		return int(errno) // the errno the filter (or agent) chose
	}
	return 0
}

func errnoOf(err error) unix.Errno {
	var errno unix.Errno
	errors.As(err, &errno)
	return errno
}

// allKnownSyscallsBut lists every syscall name the linked libseccomp knows for the
// native architecture, except the given one.
func allKnownSyscallsBut(except string) []string {
	var names []string
	for nr := 0; nr < 1000; nr++ {
		name, err := libseccomp.ScmpSyscall(nr).GetName()
		if err == nil && name != except {
			names = append(names, name)
		}
	}
	return names
}

// A syscall the profile does not know returns ENOSYS, one it knows but does not allow
// the default errno (runc's behaviour, see enosysStub).
func TestLoadENOSYSForUnknownSyscalls(t *testing.T) {
	cmd := runChild(t, "enosys")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("child: %v", err)
	}
	want := fmt.Sprintf("uname=%d unknown=%d\n", unix.EPERM, unix.ENOSYS)
	if string(out) != want {
		t.Fatalf("child saw %q, want %q", out, want)
	}
}

// The stub and libseccomp's program together, run over seccomp_data as the kernel would.
func TestCompiledProgramWithStub(t *testing.T) {
	native, err := libseccomp.GetNativeArch()
	if err != nil || native != libseccomp.ArchAMD64 {
		t.Skip("checks x86_64 numbers")
	}
	f, err := Compile(&specs.LinuxSeccomp{DefaultAction: "SCMP_ACT_ERRNO",
		Syscalls: []specs.LinuxSyscall{{Names: []string{"read", "write", "openat", "no_such_syscall"}, Action: "SCMP_ACT_ALLOW"}}})
	if err != nil {
		t.Fatal(err)
	}
	for nr, want := range map[int32]uint32{
		0: retAllow, 1: retAllow, 257: retAllow, // read, write, openat
		2: retEPERM, 200: retEPERM, // open, tkill: known, not allowed
		258: retENOSYS, 435: retENOSYS, // above openat, the highest allowed: ENOSYS
	} {
		if got := runBPF(t, f.prog, nr, unix.AUDIT_ARCH_X86_64); got != want {
			t.Errorf("nr %d: %#x, want %#x", nr, got, want)
		}
	}
	// No stub when the default lets syscalls through.
	g, err := Compile(&specs.LinuxSeccomp{DefaultAction: "SCMP_ACT_ALLOW",
		Syscalls: []specs.LinuxSyscall{{Names: []string{"read"}, Action: "SCMP_ACT_ERRNO"}}})
	if err != nil {
		t.Fatal(err)
	}
	if got := runBPF(t, g.prog, 1000, unix.AUDIT_ARCH_X86_64); got != retAllow {
		t.Errorf("allow-by-default profile: nr 1000 got %#x", got)
	}
}

func runChild(t *testing.T, mode string, env ...string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), append(env, childEnv+"="+mode)...)
	cmd.Stderr = os.Stderr
	return cmd
}

func TestLoadErrno(t *testing.T) {
	err := runChild(t, "errno").Run()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 28 {
		t.Fatalf("child: %v, want exit 28 (uname failed with ENOSPC)", err)
	}
}

// The agent gets the container process state and the listener in one message, and
// answers the notified syscall.
func TestLoadNotify(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "agent.sock")
	lfd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(lfd)
	if err := unix.Bind(lfd, &unix.SockaddrUnix{Name: sock}); err != nil {
		t.Fatal(err)
	}
	if err := unix.Listen(lfd, 1); err != nil {
		t.Fatal(err)
	}
	cmd := runChild(t, "notify", "AGENT="+sock)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()

	cfd, _, err := unix.Accept4(lfd, unix.SOCK_CLOEXEC)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(cfd)
	buf := make([]byte, 1<<16)
	n, fds, err := fdpass.Recv(cfd, buf, 1, 0)
	if err != nil {
		t.Fatal(err)
	}
	var st specs.ContainerProcessState
	if err := json.Unmarshal(buf[:n], &st); err != nil {
		t.Fatalf("state %q: %v", buf[:n], err)
	}
	if st.Version != specs.Version || len(st.Fds) != 1 || st.Fds[0] != "seccompFd" || st.Pid != cmd.Process.Pid ||
		st.Metadata != "test-meta" || st.State.ID != "child" {
		t.Errorf("container process state %+v", st)
	}
	if len(fds) != 1 {
		t.Fatalf("got %d fds with the state, want the listener", len(fds))
	}
	listener := fds[0]
	defer unix.Close(listener)
	// One message per connection, then end of file.
	if n, err := unix.Read(cfd, buf); n != 0 || err != nil {
		t.Errorf("after the state: %d bytes, %v; want end of file", n, err)
	}

	var req struct {
		ID         uint64
		Pid, Flags uint32
		Nr         int32
		Arch       uint32
		IP         uint64
		Args       [6]uint64
	}
	if _, _, errno := unix.Syscall(unix.SYS_IOCTL, uintptr(listener), unix.SECCOMP_IOCTL_NOTIF_RECV, uintptr(unsafe.Pointer(&req))); errno != 0 {
		t.Fatalf("NOTIF_RECV: %v", errno)
	}
	if req.Nr != unix.SYS_UNAME || int(req.Pid) != cmd.Process.Pid {
		t.Errorf("notification for syscall %d of pid %d, want uname of %d", req.Nr, req.Pid, cmd.Process.Pid)
	}
	resp := struct {
		ID    uint64
		Val   int64
		Error int32
		Flags uint32
	}{ID: req.ID, Error: -int32(unix.EXDEV)}
	if _, _, errno := unix.Syscall(unix.SYS_IOCTL, uintptr(listener), unix.SECCOMP_IOCTL_NOTIF_SEND, uintptr(unsafe.Pointer(&resp))); errno != 0 {
		t.Fatalf("NOTIF_SEND: %v", errno)
	}
	select {
	case err := <-done:
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != int(unix.EXDEV) {
			t.Fatalf("child: %v, want exit %d (the agent's errno)", err, unix.EXDEV)
		}
	case <-time.After(10 * time.Second):
		cmd.Process.Kill()
		t.Fatal("child did not finish")
	}
}

// BenchmarkCompileDocker is the per-start cost of the Docker profile in init:
// validation and compilation (loading is one seccomp(2) call).
func BenchmarkCompileDocker(b *testing.B) {
	s := loadProfile(b, dockerProfile)
	for b.Loop() {
		if _, err := Compile(s); err != nil {
			b.Fatal(err)
		}
	}
}
