package nsenter

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

func requireRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
}

// spawnShell runs busybox sh -c script through Spawn and returns its output and status.
// cfg.Files, if any, become the shell's fds 3 on.
func spawnShell(t *testing.T, cfg Config, script string) (string, int) {
	t.Helper()
	out, status, _ := spawnShellResult(t, cfg, script)
	return out, status
}

// spawnShellResult is spawnShell, also returning what SpawnResult said.
func spawnShellResult(t *testing.T, cfg Config, script string) (string, int, Result) {
	t.Helper()
	bb, err := exec.LookPath("busybox")
	if err != nil {
		t.Skip("busybox not installed")
	}
	exe, err := unix.Open(bb, unix.O_PATH|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(exe)
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	cfg.ExecFD = exe
	cfg.Args = []string{"sh", "-c", script}
	cfg.Env = []string{"PATH=/bin:/usr/bin"}
	cfg.Files = append([]int{-1, int(w.Fd()), int(w.Fd())}, cfg.Files...) // cfg.Files: fds 3 on
	res, err := SpawnResult(&cfg)
	w.Close()
	if err != nil {
		t.Fatalf("Spawn: %v", err)
	}
	var out bytes.Buffer
	out.ReadFrom(r)
	var ws unix.WaitStatus
	if _, err := unix.Wait4(res.Pid, &ws, 0, nil); err != nil {
		t.Fatalf("wait: %v", err)
	}
	return out.String(), ws.ExitStatus(), res
}

func nsLink(t *testing.T, kind string) string {
	l, err := os.Readlink("/proc/self/ns/" + kind)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func TestSpawnNewNamespaces(t *testing.T) {
	requireRoot(t)
	flags := uintptr(unix.CLONE_NEWUTS | unix.CLONE_NEWPID | unix.CLONE_NEWNS | unix.CLONE_NEWIPC | unix.CLONE_NEWNET | unix.CLONE_NEWCGROUP)
	out, code := spawnShell(t, Config{NewFlags: flags},
		`echo pid=$$; for n in uts ipc net mnt cgroup pid_for_children; do echo $n=$(readlink /proc/self/ns/$n); done`)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, out)
	}
	if !strings.Contains(out, "pid=1\n") {
		t.Errorf("not pid 1 in the new pid namespace: %q", out)
	}
	for _, n := range []string{"uts", "ipc", "net", "mnt", "cgroup"} {
		if strings.Contains(out, n+"="+nsLink(t, n)+"\n") {
			t.Errorf("%s namespace not new: %q", n, out)
		}
	}
}

func TestSpawnUserNamespaceMaps(t *testing.T) {
	requireRoot(t)
	var readyPid int
	cfg := Config{
		NewFlags:    unix.CLONE_NEWUSER | unix.CLONE_NEWNS | unix.CLONE_NEWPID,
		UIDMappings: []IDMap{{0, 100000, 65536}},
		GIDMappings: []IDMap{{0, 200000, 65536}},
		OnReady:     func(pid int) error { readyPid = pid; return nil },
	}
	out, code := spawnShell(t, cfg, `cat /proc/self/uid_map /proc/self/gid_map; grep -E '^(Uid|Gid|CapEff)' /proc/self/status`)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, out)
	}
	fields := strings.Fields(out)
	want := []string{"0", "100000", "65536", "0", "200000", "65536", "Uid:", "0", "0", "0", "0", "Gid:", "0", "0", "0", "0"}
	for i, w := range want {
		if i >= len(fields) || fields[i] != w {
			t.Fatalf("want prefix %v, got %q", want, out)
		}
	}
	if strings.Contains(out, "CapEff:\t0000000000000000") {
		t.Errorf("root in the user namespace has no capabilities: %q", out)
	}
	if readyPid <= 0 {
		t.Errorf("OnReady not called")
	}
}

// The CNI case: a new user namespace plus an existing network namespace owned by the
// host's user namespace (it must be joined before entering the new user namespace).
func TestSpawnJoinNetNewUser(t *testing.T) {
	requireRoot(t)
	holder := exec.Command("sleep", "60")
	holder.SysProcAttr = &syscall.SysProcAttr{Cloneflags: unix.CLONE_NEWNET | unix.CLONE_NEWUTS}
	if err := holder.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { holder.Process.Kill(); holder.Wait() }()
	netPath := "/proc/" + itoa(holder.Process.Pid) + "/ns/net"
	want, _ := os.Readlink(netPath)
	utsWant, _ := os.Readlink("/proc/" + itoa(holder.Process.Pid) + "/ns/uts")
	cfg := Config{
		NewFlags:    unix.CLONE_NEWUSER | unix.CLONE_NEWNS,
		Join:        []Join{{unix.CLONE_NEWNET, netPath}, {unix.CLONE_NEWUTS, "/proc/" + itoa(holder.Process.Pid) + "/ns/uts"}},
		UIDMappings: []IDMap{{0, 0, 65536}},
		GIDMappings: []IDMap{{0, 0, 65536}},
	}
	out, code := spawnShell(t, cfg, `readlink /proc/self/ns/net; readlink /proc/self/ns/uts; readlink /proc/self/ns/user`)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, out)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3 || lines[0] != want || lines[1] != utsWant || lines[2] == nsLink(t, "user") {
		t.Fatalf("got %q, want net %s uts %s and a new user ns", out, want, utsWant)
	}
}

// Joining a user namespace and a pid namespace by path: both are refused to any
// multi-threaded process, so this is what the raw stage exists for.
func TestSpawnJoinUserAndPid(t *testing.T) {
	requireRoot(t)
	holder := exec.Command("sleep", "60")
	holder.SysProcAttr = &syscall.SysProcAttr{
		Cloneflags:  unix.CLONE_NEWUSER | unix.CLONE_NEWPID | unix.CLONE_NEWNS,
		UidMappings: []syscall.SysProcIDMap{{ContainerID: 0, HostID: 300000, Size: 1000}},
		GidMappings: []syscall.SysProcIDMap{{ContainerID: 0, HostID: 300000, Size: 1000}},
	}
	if err := holder.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { holder.Process.Kill(); holder.Wait() }()
	base := "/proc/" + itoa(holder.Process.Pid) + "/ns/"
	cfg := Config{Join: []Join{{unix.CLONE_NEWPID, base + "pid"}, {unix.CLONE_NEWUSER, base + "user"}, {unix.CLONE_NEWNS, base + "mnt"}}}
	out, code := spawnShell(t, cfg, `cat /proc/self/uid_map; echo pid=$$`)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, out)
	}
	if f := strings.Fields(out); len(f) < 4 || f[1] != "300000" || f[3] == "pid=1" {
		t.Fatalf("not in the joined user/pid namespaces: %q", out)
	}
}

func TestSpawnErrors(t *testing.T) {
	requireRoot(t)
	cfg := Config{Join: []Join{{unix.CLONE_NEWNET, "/nonexistent/ns"}}, Args: []string{"x"}}
	if _, err := Spawn(&cfg); err == nil || !strings.Contains(err.Error(), "/nonexistent/ns") {
		t.Fatalf("want error naming the path, got %v", err)
	}
	// A file that is not a namespace: the raw stage's setns fails and names it.
	cfg = Config{Join: []Join{{unix.CLONE_NEWNET, "/proc/self/status"}}}
	exe, _ := unix.Open("/bin/true", unix.O_PATH|unix.O_CLOEXEC, 0)
	defer unix.Close(exe)
	cfg.ExecFD, cfg.Args = exe, []string{"true"}
	_, err := Spawn(&cfg)
	if err == nil || !strings.Contains(err.Error(), "join network namespace /proc/self/status") {
		t.Fatalf("want a join error naming the path, got %v", err)
	}
	// A failing exec is reported, not silent.
	dir, _ := unix.Open("/", unix.O_PATH|unix.O_CLOEXEC, 0)
	defer unix.Close(dir)
	_, err = Spawn(&Config{ExecFD: dir, Args: []string{"x"}})
	if err == nil || !strings.Contains(err.Error(), "execute init") {
		t.Fatalf("want an exec error, got %v", err)
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

// Entering a running process's namespaces through its pidfd, user and pid included:
// the exec case.
func TestSpawnJoinPidfd(t *testing.T) {
	requireRoot(t)
	holder := exec.Command("sleep", "60")
	holder.SysProcAttr = &syscall.SysProcAttr{
		Cloneflags:  unix.CLONE_NEWUSER | unix.CLONE_NEWPID | unix.CLONE_NEWNS | unix.CLONE_NEWUTS | unix.CLONE_NEWNET,
		UidMappings: []syscall.SysProcIDMap{{ContainerID: 0, HostID: 400000, Size: 1000}},
		GidMappings: []syscall.SysProcIDMap{{ContainerID: 0, HostID: 400000, Size: 1000}},
	}
	if err := holder.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { holder.Process.Kill(); holder.Wait() }()
	pidfd, err := unix.PidfdOpen(holder.Process.Pid, 0)
	if err != nil {
		t.Skipf("pidfd_open: %v", err)
	}
	defer unix.Close(pidfd)
	base := "/proc/" + itoa(holder.Process.Pid) + "/ns/"
	flags := uintptr(unix.CLONE_NEWUSER | unix.CLONE_NEWPID | unix.CLONE_NEWNS | unix.CLONE_NEWUTS | unix.CLONE_NEWNET)
	out, code := spawnShell(t, Config{JoinPidFD: pidfd, JoinPidFlags: flags},
		`for n in user net uts pid; do readlink /proc/self/ns/$n; done; cat /proc/self/uid_map`)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, out)
	}
	for _, n := range []string{"user", "net", "uts", "pid"} {
		want, _ := os.Readlink(base + n)
		if !strings.Contains(out, want+"\n") {
			t.Errorf("not in the holder's %s namespace (%s): %q", n, want, out)
		}
	}
	if !strings.Contains(out, "400000") {
		t.Errorf("uid map not the holder's: %q", out)
	}
}

// A new time namespace with offsets: written by the parent before the last stage, the
// first process in the namespace, exists.
func TestSpawnTimeOffsets(t *testing.T) {
	requireRoot(t)
	if _, err := os.Stat("/proc/self/ns/time"); err != nil {
		t.Skip("kernel without time namespaces")
	}
	cfg := Config{NewFlags: unix.CLONE_NEWTIME | unix.CLONE_NEWNS, TimeOffsets: "monotonic 86400 0\nboottime 172800 0\n"}
	out, code := spawnShell(t, cfg, `cat /proc/self/timens_offsets; cut -d' ' -f1 /proc/uptime`)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, out)
	}
	if !strings.Contains(out, "86400") || !strings.Contains(out, "172800") {
		t.Fatalf("offsets not applied: %q", out)
	}
	var up float64
	fmt.Sscan(strings.Fields(out)[len(strings.Fields(out))-1], &up)
	if up < 172800 {
		t.Fatalf("boottime offset not visible in /proc/uptime: %q", out)
	}
}

// A process spawned with IntoCgroup is born in that cgroup2 directory, and so is the
// last stage it forks. Works on the hybrid unified hierarchy too.
func TestSpawnIntoCgroup(t *testing.T) {
	f, name := cgroup2Dir(t)
	out, _, res := spawnShellResult(t, Config{IntoCgroup: f}, "grep '^0::' /proc/self/cgroup")
	if !res.InCgroup {
		t.Skip("kernel without CLONE_INTO_CGROUP (before 5.7)")
	}
	if got := strings.TrimSpace(out); got != "0::/"+name {
		t.Errorf("the process is in %q, want 0::/%s", got, name)
	}
}

// cgroup2Dir makes a cgroup2 directory for the test (on the unified hierarchy of a
// hybrid host too) and returns it opened, and its name.
func cgroup2Dir(t *testing.T) (*os.File, string) {
	t.Helper()
	requireRoot(t)
	var mount string
	for _, m := range []string{"/sys/fs/cgroup", "/sys/fs/cgroup/unified"} {
		var st unix.Statfs_t
		if unix.Statfs(m, &st) == nil && st.Type == unix.CGROUP2_SUPER_MAGIC {
			mount = m
			break
		}
	}
	if mount == "" {
		t.Skip("no cgroup2 hierarchy")
	}
	name := fmt.Sprintf("berth-nsenter-test-%d", os.Getpid())
	dir := mount + "/" + name
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Remove(dir) })
	f, err := os.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f, name
}
