package oneproc

import (
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"testing"
)

// The test binary imports the package: it runs on one P unless the environment says
// otherwise, and then it keeps what the environment says.
func TestOneProc(t *testing.T) {
	if runtime.NumCPU() < 2 {
		t.Skip("one CPU: the default is one P already")
	}
	if want := os.Getenv("ONEPROC_WANT"); want != "" {
		if got := runtime.GOMAXPROCS(0); want != strconv.Itoa(got) {
			t.Fatalf("GOMAXPROCS %d, want %s", got, want)
		}
		return
	}
	for _, c := range []struct{ env, want string }{
		{"", "1"},
		{"GOMAXPROCS=3", "3"},
	} {
		cmd := exec.Command(os.Args[0], "-test.run=^TestOneProc$", "-test.v")
		cmd.Env = append(withoutGOMAXPROCS(os.Environ()), "ONEPROC_WANT="+c.want)
		if c.env != "" {
			cmd.Env = append(cmd.Env, c.env)
		}
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("env %q: %v\n%s", c.env, err, out)
		}
	}
}

func withoutGOMAXPROCS(env []string) []string {
	var out []string
	for _, e := range env {
		if !strings.HasPrefix(e, "GOMAXPROCS=") {
			out = append(out, e)
		}
	}
	return out
}
