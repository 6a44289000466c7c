package cgroups

import (
	"errors"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// cgroup2Dir makes a cgroup in this host's cgroup2 mount (also the hybrid one, where device
// programs attach as well), removed in Cleanup.
func cgroup2Dir(t *testing.T) string {
	t.Helper()
	needRoot(t)
	for _, root := range []string{"/sys/fs/cgroup", hybridUnified} {
		var st unix.Statfs_t
		if unix.Statfs(root, &st) == nil && st.Type == unix.CGROUP2_SUPER_MAGIC {
			dir, err := os.MkdirTemp(root, "berth-bpf-test-")
			if err != nil {
				t.Skipf("cannot make a cgroup: %v", err)
			}
			t.Cleanup(func() { os.Remove(dir) })
			return dir
		}
	}
	t.Skip("no cgroup2 mount")
	return ""
}

// The filter loaded and attached with our bpf(2) calls is the kernel's verdict on opens in
// the cgroup: /dev/null (c 1:3) allowed, /dev/zero (c 1:5) refused.
func TestDeviceFilterEnforced(t *testing.T) {
	dir := cgroup2Dir(t)
	major, minor := int64(1), int64(3)
	err := attachDeviceFilter(dir, []specs.LinuxDeviceCgroup{
		{Allow: true, Type: "c", Major: &major, Minor: &minor, Access: "rw"},
	})
	if err != nil {
		t.Fatal(err)
	}
	cg, err := os.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer cg.Close()
	open := func(dev string) error {
		cmd := exec.Command("head", "-c1", dev)
		cmd.SysProcAttr = &syscall.SysProcAttr{UseCgroupFD: true, CgroupFD: int(cg.Fd())}
		out, err := cmd.CombinedOutput()
		if err != nil {
			return errors.New(strings.TrimSpace(string(out)))
		}
		return nil
	}
	if err := open("/dev/null"); err != nil {
		t.Errorf("/dev/null refused: %v", err)
	}
	if err := open("/dev/zero"); err == nil || !strings.Contains(err.Error(), "not permitted") {
		t.Errorf("/dev/zero: %v, want refused", err)
	}
}

// A program the verifier rejects fails with the verifier's own words.
func TestDeviceProgramRejectedWithVerifierLog(t *testing.T) {
	needRoot(t)
	code, err := assemble([]bpfInsn{movImm32(bpfR0, 1)}) // no exit
	if err != nil {
		t.Fatal(err)
	}
	fd, err := loadCgroupDeviceProgram(code, "Apache-2.0")
	if err == nil {
		unix.Close(fd)
		t.Fatal("a program without exit loaded")
	}
	if !strings.Contains(err.Error(), "verifier: ") {
		t.Errorf("error without the verifier log: %v", err)
	}
}

// A program load the verifier gave up on because a signal was pending (EAGAIN: the Go
// runtime preempts its threads with SIGURG) is tried again; other errors are not, and
// EAGAIN for good ends after the tries.
func TestRetryEAGAIN(t *testing.T) {
	for _, tc := range []struct {
		name    string
		answers []error
		wantErr error
		calls   int
	}{
		{"loaded at once", []error{nil}, nil, 1},
		{"interrupted twice", []error{unix.EAGAIN, unix.EAGAIN, nil}, nil, 3},
		{"refused", []error{unix.EACCES, nil}, unix.EACCES, 1},
		{"always interrupted", []error{unix.EAGAIN, unix.EAGAIN, unix.EAGAIN, unix.EAGAIN, nil}, unix.EAGAIN, 3},
	} {
		calls := 0
		fd, err := retryEAGAIN(3, func() (uintptr, error) {
			err := tc.answers[calls]
			calls++
			if err != nil {
				return 0, err
			}
			return 7, nil
		})
		if !errors.Is(err, tc.wantErr) || (err == nil) != (tc.wantErr == nil) || calls != tc.calls || (err == nil && fd != 7) {
			t.Errorf("%s: fd %d, err %v after %d calls; want err %v after %d", tc.name, fd, err, calls, tc.wantErr, tc.calls)
		}
	}
}
