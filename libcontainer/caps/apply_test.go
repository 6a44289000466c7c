package caps

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/berth-runtime/berth/libcontainer/configs"
)

// Apply changes the capabilities of the thread that runs it, for good, so each scenario
// runs in a fresh copy of the test binary selected by this variable.
const childEnv = "BERTH_CAPS_APPLY_CHILD"

const (
	capChown   = unix.CAP_CHOWN
	capKill    = unix.CAP_KILL
	capSetuid  = unix.CAP_SETUID
	capNetBind = unix.CAP_NET_BIND_SERVICE
)

// scenarios are run by the child; each returns the caps to apply and whether to switch to
// uid/gid 65534 first (as `berth init` does, with PR_SET_KEEPCAPS).
var scenarios = map[string]struct {
	caps      *configs.Capabilities
	switchUID bool
	dropFirst int // if > 0, this capability is dropped from the permitted set first
}{
	"not-held": {dropFirst: capKill, caps: &configs.Capabilities{Permitted: []int{capKill}}},
	"root": {caps: &configs.Capabilities{
		// 63 is past any kernel's last capability: it must be skipped, not fail.
		Bounding:    []int{capChown, capKill, capNetBind, 63},
		Effective:   []int{capKill},
		Permitted:   []int{capKill, capChown},
		Inheritable: []int{capChown},
		Ambient:     []int{capChown},
	}},
	"after-setuid": {switchUID: true, caps: &configs.Capabilities{
		Bounding:  []int{capKill, capSetuid},
		Effective: []int{capKill, capSetuid},
		Permitted: []int{capKill, capSetuid},
	}},
	// runc's spec template lists ambient capabilities without inheritable ones: the
	// kernel cannot raise them, and berth skips them instead of failing (as runc does).
	"ambient-not-inheritable": {caps: &configs.Capabilities{
		Bounding: []int{capKill, capNetBind}, Effective: []int{capKill, capNetBind},
		Permitted: []int{capKill, capNetBind}, Inheritable: []int{capNetBind},
		Ambient: []int{capKill, capNetBind},
	}},
	"nil":             {caps: nil},
	"effective-extra": {caps: &configs.Capabilities{Effective: []int{capKill}}},
}

func TestApplyChild(t *testing.T) {
	name := os.Getenv(childEnv)
	if name == "" {
		t.Skip("only runs re-executed by TestApply")
	}
	sc := scenarios[name]
	if sc.dropFirst > 0 {
		runtime.LockOSThread()
		cur, err := getSets()
		if err == nil {
			bit := uint64(1) << uint(sc.dropFirst)
			err = setSets(sets{effective: cur.effective &^ bit, permitted: cur.permitted &^ bit, inheritable: cur.inheritable &^ bit})
		}
		if err != nil {
			fmt.Println("RESULT error setup:", err)
			return
		}
	}
	if sc.switchUID {
		// Per-thread switch, as a raw syscall: Go's own Setresuid would change all threads.
		unix.Prctl(unix.PR_SET_KEEPCAPS, 1, 0, 0, 0)
		if _, _, e := unix.RawSyscall(unix.SYS_SETRESGID, 65534, 65534, 65534); e != 0 {
			fmt.Println("RESULT error setresgid:", e)
			return
		}
		if _, _, e := unix.RawSyscall(unix.SYS_SETRESUID, 65534, 65534, 65534); e != 0 {
			fmt.Println("RESULT error setresuid:", e)
			return
		}
	}
	// Apply locks this goroutine to its thread, so thread-self is the thread it changed.
	if err := Apply(sc.caps); err != nil {
		fmt.Println("RESULT error", err)
		return
	}
	f, err := os.Open("/proc/thread-self/status")
	if err != nil {
		fmt.Println("RESULT error", err)
		return
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if strings.HasPrefix(s.Text(), "Cap") {
			fmt.Println("RESULT", s.Text())
		}
	}
}

// runScenario re-executes the test binary for one scenario and returns its RESULT lines
// as a map from status field (CapEff, ...) to mask, or the error it reported.
func runScenario(t *testing.T, name string) (map[string]uint64, string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestApplyChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), childEnv+"="+name)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child %s: %v\n%s", name, err, out)
	}
	masks := map[string]uint64{}
	for _, line := range strings.Split(string(out), "\n") {
		rest, ok := strings.CutPrefix(line, "RESULT ")
		if !ok {
			continue
		}
		if msg, isErr := strings.CutPrefix(rest, "error"); isErr {
			return nil, strings.TrimSpace(msg)
		}
		field, hex, _ := strings.Cut(rest, ":")
		v, err := strconv.ParseUint(strings.TrimSpace(hex), 16, 64)
		if err != nil {
			t.Fatalf("child %s: bad line %q", name, line)
		}
		masks[field] = v
	}
	if len(masks) != 5 {
		t.Fatalf("child %s: want 5 Cap lines, got %v\n%s", name, masks, out)
	}
	return masks, ""
}

func bits(caps ...int) uint64 {
	var m uint64
	for _, c := range caps {
		m |= 1 << uint(c)
	}
	return m
}

func TestApply(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
	for _, need := range []int{capChown, capKill, capSetuid, capNetBind, unix.CAP_SETPCAP} {
		if in, _ := unix.PrctlRetInt(unix.PR_CAPBSET_READ, uintptr(need), 0, 0, 0); in != 1 {
			t.Skipf("%s is not in this process's bounding set", Name(need))
		}
	}
	cases := []struct {
		name    string
		want    map[string]uint64
		wantErr string
	}{
		{name: "root", want: map[string]uint64{
			"CapBnd": bits(capChown, capKill, capNetBind),
			"CapEff": bits(capKill),
			"CapPrm": bits(capKill, capChown),
			"CapInh": bits(capChown),
			"CapAmb": bits(capChown),
		}},
		{name: "after-setuid", want: map[string]uint64{
			"CapBnd": bits(capKill, capSetuid),
			"CapEff": bits(capKill, capSetuid),
			"CapPrm": bits(capKill, capSetuid),
			"CapInh": 0,
			"CapAmb": 0,
		}},
		{name: "ambient-not-inheritable", want: map[string]uint64{
			"CapBnd": bits(capKill, capNetBind),
			"CapEff": bits(capKill, capNetBind),
			"CapPrm": bits(capKill, capNetBind),
			"CapInh": bits(capNetBind),
			"CapAmb": bits(capNetBind),
		}},
		{name: "nil", want: map[string]uint64{"CapBnd": 0, "CapEff": 0, "CapPrm": 0, "CapInh": 0, "CapAmb": 0}},
		// Effective must be a subset of permitted: the kernel refuses, Apply must say so.
		{name: "not-held", wantErr: "permitted [CAP_KILL] not held by berth itself"},
		{name: "effective-extra", wantErr: "set capabilities: effective [CAP_KILL] not in the permitted set"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, errMsg := runScenario(t, tc.name)
			if tc.wantErr != "" {
				if !strings.Contains(errMsg, tc.wantErr) {
					t.Fatalf("want error containing %q, got %q (masks %v)", tc.wantErr, errMsg, got)
				}
				return
			}
			if errMsg != "" {
				t.Fatalf("Apply failed: %s", errMsg)
			}
			for field, want := range tc.want {
				if got[field] != want {
					t.Errorf("%s = %#x, want %#x", field, got[field], want)
				}
			}
		})
	}
}
