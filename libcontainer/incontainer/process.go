package incontainer

import (
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"github.com/berth-runtime/berth/libcontainer/caps"
	"github.com/berth-runtime/berth/libcontainer/configs"
	"github.com/berth-runtime/berth/libcontainer/seccomp"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// userProcess is the user process, prepared and waiting for exec.
type userProcess struct {
	path string
	args []string
	env  []string
	// preserve is --preserve-fds: fds 3..3+preserve-1 stay open across exec.
	preserve int
	// swept: every fd above the preserved ones is already close-on-exec.
	swept bool
	// filter is the seccomp filter still to load right before exec (nil: none, or
	// loaded already), sc what its notify agent is told.
	filter *seccomp.Filter
	sc     procSeccomp
}

// procSeccomp is the container's compiled seccomp filter for a process and, for a notify
// agent, the connection to it (nil: Load connects itself), the process's pid as the
// runtime sees it and the container's state (read when the filter loads, so it has
// the status of that moment).
type procSeccomp struct {
	program *seccomp.Program
	agent   *os.File
	pid     int
	state   *specs.State
}

// prepareProcess does everything before exec that can fail, so that failures are
// reported by `berth create`, not lost after `berth start`: rlimits, the binary
// lookup, the seccomp filter (compiled by the parent), cwd, user, capabilities, no_new_privs, umask.
func prepareProcess(p *configs.Process, extraEnv []string, preserve int, sc procSeccomp) (*userProcess, error) {
	env := append(append([]string(nil), p.Env...), extraEnv...)
	up := &userProcess{args: p.Args, env: containerHome(env, p.UID), preserve: preserve, sc: sc}
	for i, rl := range p.Rlimits {
		// syscall.Setrlimit, not unix's: it also stops the Go runtime from restoring its
		// saved RLIMIT_NOFILE at exec.
		if err := syscall.Setrlimit(rl.Type, &syscall.Rlimit{Cur: rl.Soft, Max: rl.Hard}); err != nil {
			return nil, fmt.Errorf("process.rlimits[%d]: %w", i, err)
		}
	}
	path, err := lookPath(p.Args[0], EnvValue(up.env, "PATH"), p.Cwd)
	if err != nil {
		return nil, err
	}
	up.path = path
	if up.filter, err = seccomp.FromProgram(sc.program); err != nil {
		return nil, err
	}
	if up.filter != nil && sc.agent != nil {
		up.filter.UseAgent(sc.agent)
	}
	// Try the cwd as root first (the user may lack search permission on a parent that
	// root has); again after the switch if that failed.
	cwdDone := unix.Chdir(p.Cwd) == nil
	if cwdDone {
		if err := checkCwdInRoot(); err != nil {
			return nil, err
		}
	}
	if p.Umask != nil {
		unix.Umask(int(*p.Umask))
	}
	if up.filter != nil && !p.NoNewPrivileges {
		// Without no_new_privs only a CAP_SYS_ADMIN holder may load a filter, and the
		// user switch drops it: load now, as runc does. The profile then also sees
		// the user switch, the start handshake and the startContainer hooks.
		if err := up.loadSeccomp(); err != nil {
			return nil, err
		}
	}
	if err := switchUser(p); err != nil {
		return nil, err
	}
	if !cwdDone {
		if err := unix.Chdir(p.Cwd); err != nil {
			return nil, fmt.Errorf("process.cwd %s: %w", p.Cwd, err)
		}
		if err := checkCwdInRoot(); err != nil {
			return nil, err
		}
	}
	if p.NoNewPrivileges {
		if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
			return nil, fmt.Errorf("process.noNewPrivileges: %w", err)
		}
	}
	return up, nil
}

// switchUser sets groups and ids, keeping the permitted capabilities across the uid
// change so that caps.Apply can then set exactly the configured sets.
func switchUser(p *configs.Process) error {
	if err := unix.Prctl(unix.PR_SET_KEEPCAPS, 1, 0, 0, 0); err != nil {
		return fmt.Errorf("keep capabilities: %w", err)
	}
	gids := make([]int, len(p.AdditionalGids))
	for i, g := range p.AdditionalGids {
		gids[i] = int(g)
	}
	// Host details class (docs/security.md): nothing of berth's own libc may reach the
	// process. The calling thread's credentials only, as runc does: init is locked to the
	// main thread (main.go), whose credentials exec passes on, and the other threads die
	// at exec. Not syscall.Setres*id: built with cgo those go through libc's all-threads
	// set*id, and musl's leaves its signal for that (34) ignored afterwards, which the
	// container's process would inherit across exec.
	// EPERM with no groups asked: a user namespace with setgroups denied, fine.
	if err := unix.Setgroups(gids); err != nil && !(errors.Is(err, unix.EPERM) && len(gids) == 0) {
		return fmt.Errorf("process.user.additionalGids: %w", err)
	}
	if err := threadSetres(unix.SYS_SETRESGID, p.GID); err != nil {
		return fmt.Errorf("process.user.gid %d: %w", p.GID, err)
	}
	if err := threadSetres(unix.SYS_SETRESUID, p.UID); err != nil {
		return fmt.Errorf("process.user.uid %d: %w", p.UID, err)
	}
	if err := caps.Apply(p.Capabilities); err != nil {
		return fmt.Errorf("process.capabilities: %w", err)
	}
	if err := unix.Prctl(unix.PR_SET_KEEPCAPS, 0, 0, 0, 0); err != nil {
		return fmt.Errorf("clear keep capabilities: %w", err)
	}
	return nil
}

// checkCwdInRoot refuses a working directory outside the container's root, e.g. one
// reached through a leaked host fd as /proc/self/fd/N (CVE-2024-21626): the kernel
// reports such a cwd as "(unreachable)/...".
func checkCwdInRoot() error {
	buf := make([]byte, unix.PathMax)
	n, err := unix.Getcwd(buf)
	if err != nil {
		return fmt.Errorf("process.cwd: current directory is outside the container: %w", err)
	}
	if n == 0 || buf[0] != '/' {
		return errors.New("process.cwd: current directory is outside the container")
	}
	return nil
}

// exec replaces init with the user process. Every fd above the preserved ones is
// marked close-on-exec first, so nothing of the runtime's reaches the container.
//
// The seccomp filter, unless already loaded, goes in last: after it berth only
// execs (syscall.Exec: execve, and prlimit64 when Go must restore RLIMIT_NOFILE),
// plus sendmsg and close when a rule notifies (see seccomp.Filter.Load). A profile
// that refuses execve refuses the process: the error is printed and init exits 127
// (or the kill action kills it), as with runc.
func (up *userProcess) exec() error {
	if EnvValue(up.env, "LISTEN_FDS") != "" {
		up.env = append(up.env, "LISTEN_PID="+strconv.Itoa(os.Getpid()))
	}
	if err := up.markCloseOnExec(); err != nil {
		return err
	}
	if up.filter != nil {
		if err := up.loadSeccomp(); err != nil {
			return err
		}
	}
	if err := syscall.Exec(up.path, up.args, up.env); err != nil {
		return fmt.Errorf("exec %s: %w", up.path, err)
	}
	return nil
}

// CVE-2024-21626 class: nothing of the runtime's reaches the user process.
func (up *userProcess) markCloseOnExec() error {
	if up.swept {
		return nil
	}
	if err := unix.CloseRange(uint(3+up.preserve), math.MaxUint32, unix.CLOSE_RANGE_CLOEXEC); err != nil {
		return fmt.Errorf("mark fds close-on-exec: %w", err)
	}
	up.swept = true
	return nil
}

// loadSeccomp sweeps the fds first, so that a profile refusing close_range cannot
// stop berth, then loads the filter on this (locked) thread.
func (up *userProcess) loadSeccomp() error {
	if err := up.markCloseOnExec(); err != nil {
		return err
	}
	if err := up.filter.Load(up.sc.pid, up.sc.state); err != nil {
		return err
	}
	up.filter = nil
	return nil
}

// lookPath finds the executable as a shell would, in the container's own PATH.
func lookPath(file, pathEnv, cwd string) (string, error) {
	if strings.Contains(file, "/") {
		// A relative path is the process's, from its working directory, as runc looks
		// it up after its chdir: from ours it could find another file, or none.
		check := file
		if !filepath.IsAbs(file) {
			check = filepath.Join(cwd, file)
		}
		if err := isExecutable(check); err != nil {
			return "", fmt.Errorf("process.args[0] %s: %w", file, err)
		}
		return file, nil
	}
	if pathEnv == "" {
		pathEnv = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
	}
	for _, dir := range filepath.SplitList(pathEnv) {
		if dir == "" {
			dir = "."
		}
		p := filepath.Join(dir, file)
		if isExecutable(p) == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("process.args[0]: exec: %q: executable file not found in $PATH", file)
}

func isExecutable(p string) error {
	fi, err := os.Stat(p)
	if err != nil {
		return err
	}
	if fi.IsDir() {
		return errors.New("is a directory")
	}
	if fi.Mode()&0o111 == 0 {
		return errors.New("permission denied")
	}
	return nil
}

// EnvValue is the value of key's last entry in env, "" when there is none (the runtime
// uses it too, for the one-runtime path).
func EnvValue(env []string, key string) string {
	for i := len(env) - 1; i >= 0; i-- {
		if k, v, ok := strings.Cut(env[i], "="); ok && k == key {
			return v
		}
	}
	return ""
}

// threadSetres sets the calling thread's real, effective and saved ids to id with
// setresuid(2) or setresgid(2) (trap).
func threadSetres(trap uintptr, id uint32) error {
	if _, _, errno := unix.RawSyscall(trap, uintptr(id), uintptr(id), uintptr(id)); errno != 0 {
		return errno
	}
	return nil
}
