package cgroups

import (
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

// fakeFS is an in-memory cgroup tree that behaves like cgroupfs where it matters: mkdir needs the parent
// and adds control files, a cpuset dir with empty cpus/mems refuses tasks, rmdir of a dir holding
// tasks or child dirs is EBUSY.
type fakeFS struct {
	dirs   map[string]bool
	files  map[string]string
	fstype map[string]int64 // mountpoint => f_type; paths outside any are ext4
	cpuset string           // the cpuset hierarchy's mountpoint, if any
	busy   map[string]int   // rmdir returns EBUSY this many more times
	dying  map[string]bool  // a removed cgroup still open: its files read ENODEV, as v1's do
	writes []string         // "path=value", in order
	mkdirs int              // Mkdir calls, made or not
}

func newFakeFS() *fakeFS {
	return &fakeFS{dirs: map[string]bool{"/": true}, files: map[string]string{}, fstype: map[string]int64{}, busy: map[string]int{}, dying: map[string]bool{}}
}

// mount adds a hierarchy's mountpoint (and its parents) as an existing directory of the given type.
func (f *fakeFS) mount(mp string, t int64) {
	for p := mp; p != "/"; p = path.Dir(p) {
		f.dirs[p] = true
	}
	f.fstype[mp] = t
	f.files[mp+"/cgroup.procs"] = ""
}

// mkdirAll creates a pre-existing cgroup (as an admin would).
func (f *fakeFS) mkdirAll(t *testing.T, p string) {
	t.Helper()
	var todo []string
	for q := p; !f.dirs[q]; q = path.Dir(q) {
		todo = append(todo, q)
	}
	for i := len(todo) - 1; i >= 0; i-- {
		if err := f.Mkdir(todo[i]); err != nil {
			t.Fatal(err)
		}
	}
}

func perr(op, p string, e syscall.Errno) error { return &fs.PathError{Op: op, Path: p, Err: e} }

func (f *fakeFS) Mkdir(p string) error {
	f.mkdirs++
	if f.dirs[p] {
		return perr("mkdir", p, syscall.EEXIST)
	}
	if !f.dirs[path.Dir(p)] {
		return perr("mkdir", p, syscall.ENOENT)
	}
	f.dirs[p] = true
	f.files[p+"/cgroup.procs"] = ""
	if f.cpuset != "" && strings.HasPrefix(p, f.cpuset+"/") {
		f.files[p+"/cpuset.cpus"] = ""
		f.files[p+"/cpuset.mems"] = ""
	}
	return nil
}

func (f *fakeFS) Rmdir(p string) error {
	if !f.dirs[p] {
		return perr("rmdir", p, syscall.ENOENT)
	}
	if f.busy[p] > 0 {
		f.busy[p]--
		return perr("rmdir", p, syscall.EBUSY)
	}
	if strings.TrimSpace(f.files[p+"/cgroup.procs"]) != "" {
		return perr("rmdir", p, syscall.EBUSY)
	}
	for d := range f.dirs {
		if path.Dir(d) == p && d != p {
			return perr("rmdir", p, syscall.EBUSY)
		}
	}
	delete(f.dirs, p)
	for k := range f.files {
		if path.Dir(k) == p {
			delete(f.files, k)
		}
	}
	return nil
}

func (f *fakeFS) ReadFile(p string) ([]byte, error) {
	if f.dying[path.Dir(p)] {
		return nil, perr("read", p, syscall.ENODEV)
	}
	s, ok := f.files[p]
	if !ok {
		return nil, perr("open", p, syscall.ENOENT)
	}
	return []byte(s), nil
}

func (f *fakeFS) WriteFile(p string, data []byte) error {
	if _, ok := f.files[p]; !ok {
		return perr("open", p, syscall.ENOENT)
	}
	dir, base := path.Dir(p), path.Base(p)
	// The kernel refuses a weight for a cgroup whose cpu.idle is 1.
	if (base == "cpu.shares" || base == "cpu.weight") && strings.TrimSpace(f.files[dir+"/cpu.idle"]) == "1" {
		return perr("write", p, syscall.EINVAL)
	}
	if base == "cgroup.procs" {
		if f.cpuset != "" && strings.HasPrefix(dir, f.cpuset+"/") &&
			(f.files[dir+"/cpuset.cpus"] == "" || f.files[dir+"/cpuset.mems"] == "") {
			return perr("write", p, syscall.ENOSPC)
		}
		f.files[p] += string(data) + "\n"
	} else {
		f.files[p] = string(data)
	}
	f.writes = append(f.writes, p+"="+string(data))
	return nil
}

func (f *fakeFS) SubDirs(p string) ([]string, error) {
	if !f.dirs[p] {
		return nil, perr("open", p, syscall.ENOENT)
	}
	var out []string
	for d := range f.dirs {
		if d != p && path.Dir(d) == p {
			out = append(out, path.Base(d))
		}
	}
	sort.Strings(out)
	return out, nil
}

func (f *fakeFS) FSType(p string) (int64, error) {
	if !f.dirs[p] {
		return 0, perr("statfs", p, syscall.ENOENT)
	}
	best, t := "", int64(unix.EXT4_SUPER_MAGIC)
	for mp, mt := range f.fstype {
		if (p == mp || strings.HasPrefix(p, mp+"/")) && len(mp) > len(best) {
			best, t = mp, mt
		}
	}
	return t, nil
}

// hybridHost builds a fake like this project's dev VM: v1 controllers plus cgroup2 at .../unified, with
// our own memory cgroup at /process_api/h1.
func hybridHost() *fakeFS {
	f := newFakeFS()
	f.mount("/sys/fs/cgroup", unix.TMPFS_MAGIC)
	var mi strings.Builder
	mi.WriteString("31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n")
	ctrls := []string{"cpu", "cpuacct", "cpuset", "memory", "devices", "freezer", "blkio", "pids"}
	for i, c := range ctrls {
		f.mount("/sys/fs/cgroup/"+c, unix.CGROUP_SUPER_MAGIC)
		mi.WriteString(strings.Join([]string{strconv.Itoa(32 + i), "31", "0:" + strconv.Itoa(29+i), "/", "/sys/fs/cgroup/" + c, "rw,relatime", "-", "cgroup", "cgroup", "rw," + c}, " ") + "\n")
	}
	f.mount("/sys/fs/cgroup/systemd", unix.CGROUP_SUPER_MAGIC)
	mi.WriteString("40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd\n")
	f.mount("/sys/fs/cgroup/unified", unix.CGROUP2_SUPER_MAGIC)
	mi.WriteString("41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n")
	mi.WriteString("22 1 8:1 / / rw,relatime - ext4 /dev/sda1 rw\n")
	f.files["/proc/self/mountinfo"] = mi.String()
	f.files["/proc/self/cgroup"] = "9:name=systemd:/\n8:pids:/\n7:blkio:/\n6:freezer:/\n5:devices:/\n" +
		"4:memory:/process_api/h1\n3:cpuset:/\n2:cpuacct:/\n1:cpu:/\n0::/\n"
	f.cpuset = "/sys/fs/cgroup/cpuset"
	f.files["/sys/fs/cgroup/cpuset/cpuset.cpus"] = "0-1\n"
	f.files["/sys/fs/cgroup/cpuset/cpuset.mems"] = "0\n"
	f.dirs["/sys/fs/cgroup/memory/process_api"] = true
	f.dirs["/sys/fs/cgroup/memory/process_api/h1"] = true
	return f
}

// unifiedHost builds a pure-v2 fake whose own cgroup is /user/session.
func unifiedHost() *fakeFS {
	f := newFakeFS()
	f.mount("/sys/fs/cgroup", unix.CGROUP2_SUPER_MAGIC)
	f.files["/proc/self/mountinfo"] = "22 1 8:1 / / rw,relatime - ext4 /dev/sda1 rw\n" +
		"30 22 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime - cgroup2 cgroup2 rw,nsdelegate\n"
	f.files["/proc/self/cgroup"] = "0::/user/session\n"
	f.dirs["/sys/fs/cgroup/user"] = true
	f.dirs["/sys/fs/cgroup/user/session"] = true
	return f
}
