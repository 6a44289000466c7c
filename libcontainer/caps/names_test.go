package caps

import (
	"os"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

func TestNamesMatchKernelNumbers(t *testing.T) {
	want := map[string]int{
		"CAP_CHOWN": unix.CAP_CHOWN, "CAP_DAC_OVERRIDE": unix.CAP_DAC_OVERRIDE,
		"CAP_DAC_READ_SEARCH": unix.CAP_DAC_READ_SEARCH, "CAP_FOWNER": unix.CAP_FOWNER,
		"CAP_FSETID": unix.CAP_FSETID, "CAP_KILL": unix.CAP_KILL, "CAP_SETGID": unix.CAP_SETGID,
		"CAP_SETUID": unix.CAP_SETUID, "CAP_SETPCAP": unix.CAP_SETPCAP,
		"CAP_LINUX_IMMUTABLE": unix.CAP_LINUX_IMMUTABLE, "CAP_NET_BIND_SERVICE": unix.CAP_NET_BIND_SERVICE,
		"CAP_NET_BROADCAST": unix.CAP_NET_BROADCAST, "CAP_NET_ADMIN": unix.CAP_NET_ADMIN,
		"CAP_NET_RAW": unix.CAP_NET_RAW, "CAP_IPC_LOCK": unix.CAP_IPC_LOCK, "CAP_IPC_OWNER": unix.CAP_IPC_OWNER,
		"CAP_SYS_MODULE": unix.CAP_SYS_MODULE, "CAP_SYS_RAWIO": unix.CAP_SYS_RAWIO,
		"CAP_SYS_CHROOT": unix.CAP_SYS_CHROOT, "CAP_SYS_PTRACE": unix.CAP_SYS_PTRACE,
		"CAP_SYS_PACCT": unix.CAP_SYS_PACCT, "CAP_SYS_ADMIN": unix.CAP_SYS_ADMIN, "CAP_SYS_BOOT": unix.CAP_SYS_BOOT,
		"CAP_SYS_NICE": unix.CAP_SYS_NICE, "CAP_SYS_RESOURCE": unix.CAP_SYS_RESOURCE,
		"CAP_SYS_TIME": unix.CAP_SYS_TIME, "CAP_SYS_TTY_CONFIG": unix.CAP_SYS_TTY_CONFIG,
		"CAP_MKNOD": unix.CAP_MKNOD, "CAP_LEASE": unix.CAP_LEASE, "CAP_AUDIT_WRITE": unix.CAP_AUDIT_WRITE,
		"CAP_AUDIT_CONTROL": unix.CAP_AUDIT_CONTROL, "CAP_SETFCAP": unix.CAP_SETFCAP,
		"CAP_MAC_OVERRIDE": unix.CAP_MAC_OVERRIDE, "CAP_MAC_ADMIN": unix.CAP_MAC_ADMIN,
		"CAP_SYSLOG": unix.CAP_SYSLOG, "CAP_WAKE_ALARM": unix.CAP_WAKE_ALARM,
		"CAP_BLOCK_SUSPEND": unix.CAP_BLOCK_SUSPEND, "CAP_AUDIT_READ": unix.CAP_AUDIT_READ,
		"CAP_PERFMON": unix.CAP_PERFMON, "CAP_BPF": unix.CAP_BPF,
		"CAP_CHECKPOINT_RESTORE": unix.CAP_CHECKPOINT_RESTORE,
	}
	if len(want) != 41 || len(Names) != 41 {
		t.Fatalf("want 41 capabilities, table has %d, Names has %d", len(want), len(Names))
	}
	if MaxKnown != 40 {
		t.Fatalf("MaxKnown = %d, want 40", MaxKnown)
	}
	seen := map[int]bool{}
	for name, n := range want {
		got, err := Parse(name)
		if err != nil || got != n {
			t.Errorf("Parse(%q) = %d, %v; want %d", name, got, err, n)
		}
		if Name(n) != name {
			t.Errorf("Name(%d) = %q, want %q", n, Name(n), name)
		}
		seen[n] = true
	}
	for n := 0; n <= 40; n++ {
		if !seen[n] {
			t.Errorf("capability number %d has no name", n)
		}
	}
}

func TestParseRejects(t *testing.T) {
	for _, name := range []string{"", "CHOWN", "cap_chown", "CAP_CHOWN ", "CAP_FOO", "CAP_41", "chown"} {
		if n, err := Parse(name); err == nil {
			t.Errorf("Parse(%q) = %d, want an error", name, n)
		} else if !strings.Contains(err.Error(), strconv.Quote(name)) {
			t.Errorf("Parse(%q) error %q does not quote the name", name, err)
		}
	}
}

func TestNameOutOfRange(t *testing.T) {
	if got := Name(41); got != "CAP_41" {
		t.Errorf("Name(41) = %q", got)
	}
	if got := Name(-1); got != "CAP_-1" {
		t.Errorf("Name(-1) = %q", got)
	}
}

func TestLastMatchesKernel(t *testing.T) {
	b, err := os.ReadFile("/proc/sys/kernel/cap_last_cap")
	if err != nil {
		t.Skip("no /proc/sys/kernel/cap_last_cap:", err)
	}
	want, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	if got := Last(); got != want {
		t.Errorf("Last() = %d, want %d", got, want)
	}
	if got := probeLastCap(); got != want {
		t.Errorf("probeLastCap() = %d, want %d", got, want)
	}
}

func TestMaskOfSkipsUnknown(t *testing.T) {
	got := maskOf([]int{0, 5, 41, 63, 64, -1}, 40)
	if got != 1|1<<5 {
		t.Errorf("maskOf = %#x, want %#x", got, 1|1<<5)
	}
	if d := describe(1 | 1<<5); d != "[CAP_CHOWN CAP_KILL]" {
		t.Errorf("describe = %q", d)
	}
}
