package criu

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/berth-runtime/berth/libcontainer/configs"
	"github.com/checkpoint-restore/go-criu/v7/rpc"
	"golang.org/x/sys/unix"
)

// testConfig: a bind mount whose destination goes through a symlink in the image, a
// tmpfs, masked paths, one device, and the namespaces a caller may join.
func testConfig(ns ...configs.Namespace) *configs.Config {
	return &configs.Config{
		Rootfs: "/bundle/rootfs",
		Mounts: []configs.Mount{
			{Source: "proc", Destination: "/proc", Type: "proc"},
			{Source: "/host/data", Destination: "/var/data", Type: "bind", Flags: unix.MS_BIND | unix.MS_REC},
			{Source: "tmpfs", Destination: "/dev", Type: "tmpfs"},
			{Source: "/host/resolv.conf", Destination: "etc/resolv.conf", Type: "bind", Flags: unix.MS_BIND},
		},
		MaskedPaths: []string{"/proc/kcore", "/proc/acpi"},
		Devices:     []configs.Device{{Type: 'c', Path: "/dev/fuse", Major: 10, Minor: 229}},
		Namespaces:  ns,
	}
}

func testContainer(cfg *configs.Config) *Container {
	return &Container{
		Config: cfg, Pid: 4242, Root: "/bundle/rootfs", FreezeCgroup: "/sys/fs/cgroup/berth/x",
		MaskedFiles: []string{"/proc/kcore"},
		CgroupBinds: []Mount{{Dest: "/sys/fs/cgroup/cpu,cpuacct", Source: "/sys/fs/cgroup/cpu,cpuacct/berth/new"}},
		ResolveDest: func(dest string) string {
			if dest == "/var/data" {
				return "/data" // /var -> / in the image
			}
			return cleanPath(dest)
		},
		NSInode: func(path string) (uint64, error) {
			if path == "/run/netns/gone" {
				return 0, os.ErrNotExist
			}
			return uint64(len(path)), nil
		},
	}
}

func extMounts(opts *rpc.CriuOpts) map[string]string {
	out := map[string]string{}
	for _, m := range opts.GetExtMnt() {
		out[m.GetKey()] = m.GetVal()
	}
	return out
}

func TestDumpRequestDescribesExternalMounts(t *testing.T) {
	o := &Options{ImagePath: "/img", CgroupMode: rpc.CriuCgMode_SOFT, StatusFD: -1}
	req, err := DumpRequest(o, testContainer(testConfig(configs.Namespace{Type: configs.NEWNET})), 7, -1)
	if err != nil {
		t.Fatal(err)
	}
	if req.GetType() != rpc.CriuReqType_DUMP {
		t.Errorf("type %v, want DUMP", req.GetType())
	}
	opts := req.GetOpts()
	want := map[string]string{
		"/data":                      "/data",            // a bind, under its real mount point
		"/etc/resolv.conf":           "/etc/resolv.conf", // relative destination made absolute
		"/sys/fs/cgroup/cpu,cpuacct": "/sys/fs/cgroup/cpu,cpuacct",
		"/proc/kcore":                "/dev/null", // a masked file; /proc/acpi is a directory (tmpfs)
		"/dev/fuse":                  "/dev/fuse",
	}
	if got := extMounts(opts); !reflect.DeepEqual(got, want) {
		t.Errorf("ext mounts\n got %v\nwant %v", got, want)
	}
	if opts.GetImagesDirFd() != 7 || opts.WorkDirFd != nil {
		t.Errorf("dirs: images fd %d, work fd %v", opts.GetImagesDirFd(), opts.WorkDirFd)
	}
	if opts.GetPid() != 4242 || opts.GetRoot() != "/bundle/rootfs" || opts.GetLogFile() != DumpLog {
		t.Errorf("pid %d root %q log %q", opts.GetPid(), opts.GetRoot(), opts.GetLogFile())
	}
	if opts.GetFreezeCgroup() != "/sys/fs/cgroup/berth/x" || opts.GetManageCgroupsMode() != rpc.CriuCgMode_SOFT {
		t.Errorf("freeze %q cg mode %v", opts.GetFreezeCgroup(), opts.GetManageCgroupsMode())
	}
	if !opts.GetOrphanPtsMaster() || !opts.GetNotifyScripts() || opts.GetEmptyNs() != unix.CLONE_NEWNET {
		t.Errorf("orphan pts %v notify %v empty ns %#x", opts.GetOrphanPtsMaster(), opts.GetNotifyScripts(), opts.GetEmptyNs())
	}
	if opts.Ps != nil || opts.ParentImg != nil || opts.GetTrackMem() {
		t.Errorf("page server %v parent %v track mem %v without the flags", opts.Ps, opts.ParentImg, opts.GetTrackMem())
	}
	if opts.GetConfigFile() != DefaultConfigFile {
		t.Errorf("config file %q, want %q", opts.GetConfigFile(), DefaultConfigFile)
	}
}

func TestDumpRequestFlags(t *testing.T) {
	o := &Options{
		ImagePath: "/img", WorkPath: "/work", ParentPath: "../pre", LeaveRunning: true, TCPEstablished: true,
		TCPSkipInFlight: true, LinkRemap: true, ExtUnixSk: true, ShellJob: true, FileLocks: true, AutoDedup: true,
		LazyPages: true, PageServer: &PageServer{Address: "10.0.0.1", Port: 27277}, CgroupMode: rpc.CriuCgMode_IGNORE,
	}
	req, err := DumpRequest(o, testContainer(testConfig()), 7, 8)
	if err != nil {
		t.Fatal(err)
	}
	opts := req.GetOpts()
	bools := map[string]bool{
		"leave_running": opts.GetLeaveRunning(), "tcp_established": opts.GetTcpEstablished(),
		"tcp_skip_in_flight": opts.GetTcpSkipInFlight(), "link_remap": opts.GetLinkRemap(),
		"ext_unix_sk": opts.GetExtUnixSk(), "shell_job": opts.GetShellJob(), "file_locks": opts.GetFileLocks(),
		"auto_dedup": opts.GetAutoDedup(), "lazy_pages": opts.GetLazyPages(), "track_mem": opts.GetTrackMem(),
	}
	for name, v := range bools {
		if !v {
			t.Errorf("%s not set", name)
		}
	}
	if opts.GetWorkDirFd() != 8 || opts.GetParentImg() != "../pre" || opts.GetManageCgroupsMode() != rpc.CriuCgMode_IGNORE {
		t.Errorf("work fd %d parent %q cg mode %v", opts.GetWorkDirFd(), opts.GetParentImg(), opts.GetManageCgroupsMode())
	}
	if ps := opts.GetPs(); ps.GetAddress() != "10.0.0.1" || ps.GetPort() != 27277 {
		t.Errorf("page server %v", ps)
	}
}

func TestPreDumpSavesMemoryOnly(t *testing.T) {
	req, err := DumpRequest(&Options{ImagePath: "/img", PreDump: true}, testContainer(testConfig()), 7, -1)
	if err != nil {
		t.Fatal(err)
	}
	opts := req.GetOpts()
	if req.GetType() != rpc.CriuReqType_PRE_DUMP || opts.GetLogFile() != PreDumpLog || !opts.GetTrackMem() {
		t.Errorf("type %v log %q track mem %v", req.GetType(), opts.GetLogFile(), opts.GetTrackMem())
	}
	if len(opts.GetExtMnt()) != 0 {
		t.Errorf("a pre-dump described mounts: %v", extMounts(opts))
	}
}

func TestDumpRequestExternalNamespaces(t *testing.T) {
	cfg := testConfig(
		configs.Namespace{Type: configs.NEWNET, Path: "/run/netns/a"},
		configs.Namespace{Type: configs.NEWPID, Path: "/proc/1/ns/pid"},
		configs.Namespace{Type: configs.NEWIPC, Path: "/proc/1/ns/ipc"}, // joined, but not external to CRIU
		configs.Namespace{Type: configs.NEWNS},
	)
	req, err := DumpRequest(&Options{ImagePath: "/img"}, testContainer(cfg), 7, -1)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"net[12]:extRootNetNS", "pid[14]:extRootPidNS"} // the fake inode is the path's length
	if got := req.GetOpts().GetExternal(); !reflect.DeepEqual(got, want) {
		t.Errorf("external %v, want %v", got, want)
	}
	cfg.Namespaces[0].Path = "/run/netns/gone"
	if _, err := DumpRequest(&Options{ImagePath: "/img"}, testContainer(cfg), 7, -1); err == nil || !strings.Contains(err.Error(), "/run/netns/gone") {
		t.Errorf("a namespace file that is gone: %v", err)
	}
}

// A container's own network namespace is left empty, as runc does; a joined one is
// CRIU's to leave alone, unless --empty-ns says otherwise.
func TestEmptyNetworkNamespace(t *testing.T) {
	for _, tc := range []struct {
		ns       []configs.Namespace
		explicit uint32
		want     uint32
	}{
		{[]configs.Namespace{{Type: configs.NEWNET}}, 0, unix.CLONE_NEWNET},
		{[]configs.Namespace{{Type: configs.NEWNET, Path: "/run/netns/a"}}, 0, 0},
		{[]configs.Namespace{{Type: configs.NEWNET, Path: "/run/netns/a"}}, unix.CLONE_NEWNET, unix.CLONE_NEWNET},
		{nil, 0, 0},
	} {
		req, err := DumpRequest(&Options{ImagePath: "/img", EmptyNS: tc.explicit}, testContainer(testConfig(tc.ns...)), 7, -1)
		if err != nil {
			t.Fatal(err)
		}
		if got := req.GetOpts().GetEmptyNs(); got != tc.want {
			t.Errorf("namespaces %v, --empty-ns %#x: empty ns %#x, want %#x", tc.ns, tc.explicit, got, tc.want)
		}
	}
}

func TestCriuConfigAnnotation(t *testing.T) {
	for _, tc := range []struct {
		ann  map[string]string
		want *string
	}{
		{nil, strPtr(DefaultConfigFile)},
		{map[string]string{"org.criu.config": "/etc/criu/mine.conf"}, strPtr("/etc/criu/mine.conf")},
		{map[string]string{"org.criu.config": ""}, nil}, // set but empty: no file at all
	} {
		cfg := testConfig()
		cfg.Annotations = tc.ann
		req, err := DumpRequest(&Options{ImagePath: "/img"}, testContainer(cfg), 7, -1)
		if err != nil {
			t.Fatal(err)
		}
		if got := req.GetOpts().ConfigFile; !reflect.DeepEqual(got, tc.want) {
			t.Errorf("annotations %v: config file %v, want %v", tc.ann, deref(got), deref(tc.want))
		}
	}
}

func strPtr(s string) *string { return &s }

func deref(s *string) string {
	if s == nil {
		return "<unset>"
	}
	return *s
}

func TestRestoreRequest(t *testing.T) {
	cfg := testConfig(
		configs.Namespace{Type: configs.NEWNET, Path: "/run/netns/a"},
		configs.Namespace{Type: configs.NEWPID, Path: "/proc/1/ns/pid"},
		configs.Namespace{Type: configs.NEWUTS, Path: "/proc/1/ns/uts"},
		configs.Namespace{Type: configs.NEWNS},
	)
	c := testContainer(cfg)
	c.Root = "/run/berth/x/criu-root"
	c.ResolveSource = func(src string) string {
		if src == "/host/data" {
			return "/srv/data" // a symlink on the host
		}
		return src
	}
	o := &Options{ImagePath: "/img", LsmProfile: "apparmor:p", LsmMountContext: "ctx", TCPEstablished: true}
	req, nsFiles, err := RestoreRequest(o, c, 7, 8, []string{"pipe:[11]", "/dev/null", "pipe:[13]"})
	if err != nil {
		t.Fatal(err)
	}
	opts := req.GetOpts()
	if req.GetType() != rpc.CriuReqType_RESTORE || opts.GetLogFile() != RestoreLog || !opts.GetRstSibling() {
		t.Errorf("type %v log %q sibling %v", req.GetType(), opts.GetLogFile(), opts.GetRstSibling())
	}
	if opts.GetRoot() != "/run/berth/x/criu-root" || opts.GetImagesDirFd() != 7 || opts.GetWorkDirFd() != 8 {
		t.Errorf("root %q images %d work %d", opts.GetRoot(), opts.GetImagesDirFd(), opts.GetWorkDirFd())
	}
	want := map[string]string{
		"/data":                      "/srv/data", // binds come from their source now, symlinks resolved
		"/etc/resolv.conf":           "/host/resolv.conf",
		"/sys/fs/cgroup/cpu,cpuacct": "/sys/fs/cgroup/cpu,cpuacct/berth/new",
		"/dev/null":                  "/dev/null", // what masked files were stored as
		"/dev/fuse":                  "/dev/fuse",
	}
	if got := extMounts(opts); !reflect.DeepEqual(got, want) {
		t.Errorf("ext mounts\n got %v\nwant %v", got, want)
	}
	if !reflect.DeepEqual(nsFiles, []string{"/run/netns/a", "/proc/1/ns/pid"}) {
		t.Errorf("namespace files %v", nsFiles)
	}
	inherit := map[string]int32{}
	for _, f := range opts.GetInheritFd() {
		inherit[f.GetKey()] = f.GetFd()
	}
	wantFDs := map[string]int32{"extRootNetNS": 4, "extRootPidNS": 5, "pipe:[11]": 0, "pipe:[13]": 2}
	if !reflect.DeepEqual(inherit, wantFDs) {
		t.Errorf("inherit fds %v, want %v", inherit, wantFDs)
	}
	if j := opts.GetJoinNs(); len(j) != 1 || j[0].GetNs() != "uts" || j[0].GetNsFile() != "/proc/1/ns/uts" {
		t.Errorf("join ns %v", j)
	}
	if opts.GetLsmProfile() != "apparmor:p" || opts.GetLsmMountContext() != "ctx" || !opts.GetTcpEstablished() {
		t.Errorf("lsm %q %q tcp %v", opts.GetLsmProfile(), opts.GetLsmMountContext(), opts.GetTcpEstablished())
	}
}

func TestRestoreRefusesAJoinedCgroupNamespace(t *testing.T) {
	cfg := testConfig(configs.Namespace{Type: configs.NEWCGROUP, Path: "/proc/1/ns/cgroup"})
	_, _, err := RestoreRequest(&Options{ImagePath: "/img"}, testContainer(cfg), 7, -1, nil)
	if err == nil || !strings.Contains(err.Error(), "cgroup") {
		t.Errorf("joined cgroup namespace: %v", err)
	}
}

func TestParseFlags(t *testing.T) {
	modes := map[string]rpc.CriuCgMode{"": rpc.CriuCgMode_DEFAULT, "soft": rpc.CriuCgMode_SOFT,
		"full": rpc.CriuCgMode_FULL, "strict": rpc.CriuCgMode_STRICT, "ignore": rpc.CriuCgMode_IGNORE}
	for s, want := range modes {
		if got, err := ParseCgroupMode(s); err != nil || got != want {
			t.Errorf("ParseCgroupMode(%q) = %v, %v", s, got, err)
		}
	}
	if _, err := ParseCgroupMode("props"); err == nil || !strings.Contains(err.Error(), "props") {
		t.Errorf("ParseCgroupMode(props): %v", err)
	}
	if err := CheckRestoreCgroupMode(rpc.CriuCgMode_STRICT); err == nil || !strings.Contains(err.Error(), "strict") {
		t.Errorf("restore with strict: %v", err)
	}
	for _, m := range []rpc.CriuCgMode{rpc.CriuCgMode_DEFAULT, rpc.CriuCgMode_SOFT, rpc.CriuCgMode_FULL, rpc.CriuCgMode_IGNORE} {
		if err := CheckRestoreCgroupMode(m); err != nil {
			t.Errorf("restore with %v: %v", m, err)
		}
	}
	for s, want := range map[string]*PageServer{
		"":               nil,
		"127.0.0.1:2727": {Address: "127.0.0.1", Port: 2727},
		"[::1]:80":       {Address: "::1", Port: 80},
	} {
		if got, err := ParsePageServer(s); err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("ParsePageServer(%q) = %v, %v", s, got, err)
		}
	}
	for _, s := range []string{"host", ":80", "host:", "host:http", "host:0", "host:70000"} {
		if _, err := ParsePageServer(s); err == nil {
			t.Errorf("ParsePageServer(%q) accepted", s)
		}
	}
	if m, err := ParseEmptyNS(nil); err != nil || m != 0 {
		t.Errorf("ParseEmptyNS() = %#x, %v", m, err)
	}
	if m, err := ParseEmptyNS([]string{"network"}); err != nil || m != unix.CLONE_NEWNET {
		t.Errorf("ParseEmptyNS(network) = %#x, %v", m, err)
	}
	if _, err := ParseEmptyNS([]string{"pid"}); err == nil {
		t.Error("ParseEmptyNS(pid) accepted")
	}
}

func TestCheckPaths(t *testing.T) {
	dir := t.TempDir()
	if _, err := CheckImagePath("", false); err == nil || !strings.Contains(err.Error(), "--image-path") {
		t.Errorf("no --image-path: %v", err)
	}
	if p, err := CheckImagePath(filepath.Join(dir, "new"), false); err != nil || p != filepath.Join(dir, "new") {
		t.Errorf("checkpoint into a new directory: %q, %v", p, err)
	}
	if _, err := CheckImagePath(dir, true); err == nil || !strings.Contains(err.Error(), "inventory.img") {
		t.Errorf("restore from a directory without a checkpoint: %v", err)
	}
	os.WriteFile(filepath.Join(dir, "inventory.img"), nil, 0o600)
	if _, err := CheckImagePath(dir, true); err != nil {
		t.Errorf("restore from a checkpoint: %v", err)
	}
	os.Mkdir(filepath.Join(dir, "pre"), 0o700)
	if err := CheckParentPath(dir, "pre"); err != nil {
		t.Errorf("--parent-path pre: %v", err)
	}
	for _, bad := range []string{"/abs", "missing", "inventory.img"} {
		if err := CheckParentPath(dir, bad); err == nil || !strings.Contains(err.Error(), "--parent-path") {
			t.Errorf("--parent-path %s: %v", bad, err)
		}
	}
}

func TestCheckStatusFD(t *testing.T) {
	var p [2]int
	if err := unix.Pipe2(p[:], unix.O_CLOEXEC); err != nil {
		t.Fatal(err)
	}
	defer unix.Close(p[1])
	if err := CheckStatusFD(p[1]); err != nil {
		t.Errorf("write end: %v", err)
	}
	if err := CheckStatusFD(p[0]); err == nil {
		t.Error("read end accepted")
	}
	unix.Close(p[0])
	if err := CheckStatusFD(p[0]); err == nil {
		t.Error("closed fd accepted")
	}
}

func TestExplainNamesTheLogAndItsFirstError(t *testing.T) {
	log := filepath.Join(t.TempDir(), DumpLog)
	os.WriteFile(log, []byte(`(00.000010) Version: 3.17.1
(00.182997) Error (criu/vdso.c:613): vdso: Failed to fill self vdso symtable
(00.183000) Error (criu/kerndat.c:1615): kerndat_vdso_fill_symtable failed
`), 0o600)
	err := Explain(&Failure{Type: rpc.CriuReqType_DUMP, Errno: 56}, log)
	want := "criu failed: vdso: Failed to fill self vdso symtable (log: " + log + ")"
	if err.Error() != want {
		t.Errorf("got  %q\nwant %q", err, want)
	}
	err = Explain(&Failure{Type: rpc.CriuReqType_RESTORE, Msg: "some message"}, log)
	if !strings.HasPrefix(err.Error(), "criu failed: some message: vdso:") {
		t.Errorf("CRIU's own message first: %q", err)
	}
	// CRIU's message is its last log error, with the log's prefix and newline.
	err = Explain(&Failure{Type: rpc.CriuReqType_DUMP, Msg: "Error (criu/files-reg.c:1710): Can't lookup mount=24\n"}, log)
	want = "criu failed: Can't lookup mount=24: vdso: Failed to fill self vdso symtable (log: " + log + ")"
	if err.Error() != want {
		t.Errorf("got  %q\nwant %q", err, want)
	}
	err = Explain(errors.New("criu exited without a reply"), filepath.Join(t.TempDir(), "none.log"))
	if !strings.Contains(err.Error(), "criu exited without a reply") || !strings.Contains(err.Error(), "none.log") {
		t.Errorf("no log to read: %q", err)
	}
}

func TestLogLineError(t *testing.T) {
	for line, want := range map[string]string{
		"(00.182997) Error (criu/vdso.c:613): vdso: Failed (x)":    "vdso: Failed (x)",
		"(00.000123) pie: 7: Error (criu/pie/restorer.c:1): boom ": "boom",
		"(00.1)\tError (a.c:1):\tspaced":                           "spaced",
	} {
		if got, ok := logLineError(line); !ok || got != want {
			t.Errorf("%q: got %q, %v; want %q", line, got, ok, want)
		}
	}
	for _, line := range []string{
		"(00.000010) Version: 3.17.1",
		"(00.1)Error (a.c:1): no blank after the time",
		"(x) Error (a.c:1): not a time",
		"() Error (a.c:1): no time",
		"(00.1) pie: x: Error (a.c:1): not a pie number",
		"(00.1) Error (a.c:1) no colon",
		"Error (a.c:1): no time at all",
	} {
		if got, ok := logLineError(line); ok {
			t.Errorf("%q taken for an error line: %q", line, got)
		}
	}
	if got := (&Failure{Type: rpc.CriuReqType_DUMP, Msg: "  Error (x.c:1):  why\n"}).Error(); got != "why" {
		t.Errorf("CRIU's message with its tag: %q", got)
	}
}
