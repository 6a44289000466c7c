package specconv

import (
	"reflect"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

func TestParseMountOptionsSingle(t *testing.T) {
	// Each option runc accepts, with the effect written out independently of the tables.
	set := map[string]uintptr{
		"ro": unix.MS_RDONLY, "nosuid": unix.MS_NOSUID, "nodev": unix.MS_NODEV, "noexec": unix.MS_NOEXEC,
		"sync": unix.MS_SYNCHRONOUS, "dirsync": unix.MS_DIRSYNC, "remount": unix.MS_REMOUNT,
		"mand": unix.MS_MANDLOCK, "noatime": unix.MS_NOATIME, "nodiratime": unix.MS_NODIRATIME,
		"relatime": unix.MS_RELATIME, "strictatime": unix.MS_STRICTATIME, "lazytime": unix.MS_LAZYTIME,
		"silent": unix.MS_SILENT, "iversion": unix.MS_I_VERSION, "nosymfollow": unix.MS_NOSYMFOLLOW,
		"bind": unix.MS_BIND, "rbind": unix.MS_BIND | unix.MS_REC,
	}
	cleared := map[string]uintptr{
		"rw": unix.MS_RDONLY, "suid": unix.MS_NOSUID, "dev": unix.MS_NODEV, "exec": unix.MS_NOEXEC,
		"async": unix.MS_SYNCHRONOUS, "nomand": unix.MS_MANDLOCK, "atime": unix.MS_NOATIME,
		"diratime": unix.MS_NODIRATIME, "norelatime": unix.MS_RELATIME, "nostrictatime": unix.MS_STRICTATIME,
		"nolazytime": unix.MS_LAZYTIME, "loud": unix.MS_SILENT, "noiversion": unix.MS_I_VERSION,
		"symfollow": unix.MS_NOSYMFOLLOW,
	}
	prop := map[string]uintptr{
		"private": unix.MS_PRIVATE, "rprivate": unix.MS_PRIVATE | unix.MS_REC,
		"shared": unix.MS_SHARED, "rshared": unix.MS_SHARED | unix.MS_REC,
		"slave": unix.MS_SLAVE, "rslave": unix.MS_SLAVE | unix.MS_REC,
		"unbindable": unix.MS_UNBINDABLE, "runbindable": unix.MS_UNBINDABLE | unix.MS_REC,
	}
	recSet := map[string]uint64{
		"rro": unix.MOUNT_ATTR_RDONLY, "rnosuid": unix.MOUNT_ATTR_NOSUID, "rnodev": unix.MOUNT_ATTR_NODEV,
		"rnoexec": unix.MOUNT_ATTR_NOEXEC, "rnodiratime": unix.MOUNT_ATTR_NODIRATIME, "rnosymfollow": unix.MOUNT_ATTR_NOSYMFOLLOW,
	}
	recClr := map[string]uint64{
		"rrw": unix.MOUNT_ATTR_RDONLY, "rsuid": unix.MOUNT_ATTR_NOSUID, "rdev": unix.MOUNT_ATTR_NODEV,
		"rexec": unix.MOUNT_ATTR_NOEXEC, "rdiratime": unix.MOUNT_ATTR_NODIRATIME, "rsymfollow": unix.MOUNT_ATTR_NOSYMFOLLOW,
	}
	atime := map[string]uint64{
		"rrelatime": unix.MOUNT_ATTR_RELATIME, "ratime": unix.MOUNT_ATTR_RELATIME, "rnostrictatime": unix.MOUNT_ATTR_RELATIME,
		"rnoatime": unix.MOUNT_ATTR_NOATIME, "rstrictatime": unix.MOUNT_ATTR_STRICTATIME, "rnorelatime": unix.MOUNT_ATTR_STRICTATIME,
	}
	check := func(opt string, want mountOptions) {
		t.Helper()
		got, err := parseMountOptions("o", []string{opt})
		if err != nil {
			t.Errorf("%q: %v", opt, err)
			return
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%q: got %+v, want %+v", opt, got, want)
		}
	}
	for o, f := range set {
		check(o, mountOptions{flags: f})
	}
	for o, f := range cleared {
		check(o, mountOptions{cleared: f})
	}
	for o, p := range prop {
		check(o, mountOptions{propagation: []uintptr{p}})
	}
	for o, a := range recSet {
		check(o, mountOptions{recSet: a})
	}
	for o, a := range recClr {
		check(o, mountOptions{recClr: a})
	}
	for o, mode := range atime {
		check(o, mountOptions{recSet: mode, recClr: unix.MOUNT_ATTR__ATIME})
	}
	check("defaults", mountOptions{})
	check("mode=755", mountOptions{data: []string{"mode=755"}})
	check("newinstance", mountOptions{data: []string{"newinstance"}})
}

func TestParseMountOptionsCombined(t *testing.T) {
	cases := []struct {
		opts []string
		want mountOptions
	}{
		{[]string{"ro", "rw"}, mountOptions{cleared: unix.MS_RDONLY}},
		{[]string{"rw", "ro"}, mountOptions{flags: unix.MS_RDONLY}},
		{[]string{"rbind", "rprivate", "nosuid", "size=1k", "mode=1777"}, mountOptions{
			flags: unix.MS_BIND | unix.MS_REC | unix.MS_NOSUID, propagation: []uintptr{unix.MS_PRIVATE | unix.MS_REC},
			data: []string{"size=1k", "mode=1777"}}},
		{[]string{"shared", "rslave"}, mountOptions{propagation: []uintptr{unix.MS_SHARED, unix.MS_SLAVE | unix.MS_REC}}},
		{[]string{"rro", "rrw"}, mountOptions{recClr: unix.MOUNT_ATTR_RDONLY}},
		{[]string{"rro", "rnosuid", "rnodev"}, mountOptions{recSet: unix.MOUNT_ATTR_RDONLY | unix.MOUNT_ATTR_NOSUID | unix.MOUNT_ATTR_NODEV}},
		{[]string{"rnoatime", "rstrictatime"}, mountOptions{recSet: unix.MOUNT_ATTR_STRICTATIME, recClr: unix.MOUNT_ATTR__ATIME}},
		{[]string{"rstrictatime", "rrelatime", "rro"}, mountOptions{recSet: unix.MOUNT_ATTR_RDONLY, recClr: unix.MOUNT_ATTR__ATIME}},
	}
	for _, tc := range cases {
		got, err := parseMountOptions("o", tc.opts)
		if err != nil {
			t.Errorf("%v: %v", tc.opts, err)
			continue
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%v: got %+v, want %+v", tc.opts, got, tc.want)
		}
	}
}

func TestParseMountOptionsErrors(t *testing.T) {
	cases := []struct {
		opts []string
		want string
	}{
		{[]string{"ro", ""}, "mounts[3].options[1]: empty option"},
		{[]string{"a\x00b"}, "mounts[3].options[0]: contains a NUL byte"},
	}
	for _, tc := range cases {
		_, err := parseMountOptions("mounts[3].options", tc.opts)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: error %v, want %q", tc.opts, err, tc.want)
		}
	}
}
