package incontainer

import (
	"bufio"
	"io"
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// withHome sets HOME, when env leaves it unset or empty, to the home directory of uid in
// the container's /etc/passwd, or "/" when the file has no such user, as runc does:
// shells and tools expect it. passwd is the file's content (nil: no readable file).
func withHome(env []string, uid uint32, passwd io.Reader) []string {
	if EnvValue(env, "HOME") != "" {
		return env
	}
	home := "/"
	if passwd != nil {
		if h := homeOf(passwd, uid); h != "" {
			home = h
		}
	}
	// Drop the empty entries: libc's getenv would find the first of several.
	out := make([]string, 0, len(env)+1)
	for _, e := range env {
		if !strings.HasPrefix(e, "HOME=") {
			out = append(out, e)
		}
	}
	return append(out, "HOME="+home)
}

// homeOf finds uid's home directory in passwd(5) lines (name:pw:uid:gid:gecos:home:shell);
// "" when no line has that uid. The first match wins, as with getpwuid.
func homeOf(passwd io.Reader, uid uint32) string {
	sc := bufio.NewScanner(passwd)
	want := strconv.FormatUint(uint64(uid), 10)
	for sc.Scan() {
		f := strings.Split(sc.Text(), ":")
		if len(f) >= 6 && f[2] == want {
			return f[5]
		}
	}
	return ""
}

// maxPasswdSize bounds how much of the container's /etc/passwd is read.
const maxPasswdSize = 1 << 20

// openContainerPasswd opens /etc/passwd of the root init now runs in. The file is the
// container's to shape: it is resolved with every step kept inside the root and no /proc
// magic link followed (a link to one of init's fds could reach the host, the
// CVE-2024-21626 class), must be a regular file (not a fifo that blocks or a device),
// and is read only up to maxPasswdSize. nil when there is none to read.
func openContainerPasswd() io.ReadCloser {
	root, err := unix.Open("/", unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil
	}
	defer unix.Close(root)
	fd, err := unix.Openat2(root, "etc/passwd", &unix.OpenHow{
		Flags:   unix.O_RDONLY | unix.O_CLOEXEC | unix.O_NONBLOCK | unix.O_NOCTTY,
		Resolve: unix.RESOLVE_IN_ROOT | unix.RESOLVE_NO_MAGICLINKS,
	})
	if err != nil {
		return nil
	}
	f := os.NewFile(uintptr(fd), "/etc/passwd")
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil || st.Mode&unix.S_IFMT != unix.S_IFREG {
		f.Close()
		return nil
	}
	return struct {
		io.Reader
		io.Closer
	}{io.LimitReader(f, maxPasswdSize), f}
}

// containerHome is withHome with the container's /etc/passwd.
func containerHome(env []string, uid uint32) []string {
	if EnvValue(env, "HOME") != "" {
		return env
	}
	passwd := openContainerPasswd()
	if passwd == nil {
		return withHome(env, uid, nil)
	}
	defer passwd.Close()
	return withHome(env, uid, passwd)
}
