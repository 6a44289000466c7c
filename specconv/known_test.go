package specconv

import (
	"sort"
	"strings"
	"testing"
)

func TestMountOptionsListsEveryName(t *testing.T) {
	got := MountOptions()
	if !sort.StringsAreSorted(got) {
		t.Error("not sorted")
	}
	have := map[string]bool{}
	for _, n := range got {
		if have[n] {
			t.Errorf("%q listed twice", n)
		}
		have[n] = true
	}
	want := strings.Fields(`ro rw suid nosuid dev nodev exec noexec sync async dirsync remount mand nomand
		atime noatime diratime nodiratime relatime norelatime strictatime nostrictatime lazytime nolazytime
		silent loud iversion noiversion bind rbind private rprivate shared rshared slave rslave unbindable
		runbindable rro rrw rnosuid rsuid rnodev rdev rnoexec rexec rnodiratime rdiratime rrelatime
		rnorelatime ratime rnoatime rstrictatime rnostrictatime idmap ridmap tmpcopyup`)
	for _, n := range want {
		if !have[n] {
			t.Errorf("%q missing", n)
		}
	}
}
