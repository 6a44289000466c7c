package specconv

import (
	"strings"
	"testing"

	"github.com/berth-runtime/berth/libcontainer/caps"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// captureWarnings collects what Warn reports during the test.
func captureWarnings(t *testing.T) *[]string {
	t.Helper()
	var got []string
	old := Warn
	Warn = func(err error) { got = append(got, err.Error()) }
	t.Cleanup(func() { Warn = old })
	return &got
}

// runc >= 1.2: a capability name that is unknown (or that this kernel lacks) is skipped
// with a warning, so a profile written for a newer kernel still runs.
func TestUnknownCapabilitiesAreSkippedWithAWarning(t *testing.T) {
	warnings := captureWarnings(t)
	c, err := convertCapabilities(&specs.LinuxCapabilities{
		Bounding:  []string{"CAP_KILL", "CAP_FUTURE_THING", "CAP_CHOWN"},
		Effective: []string{"cap_kill", "CAP_KILL", "CAP_KILL"},
		Ambient:   []string{""},
	})
	if err != nil {
		t.Fatal(err)
	}
	kill, _ := caps.Parse("CAP_KILL")
	chown, _ := caps.Parse("CAP_CHOWN")
	if len(c.Bounding) != 2 || c.Bounding[0] != kill || c.Bounding[1] != chown {
		t.Errorf("bounding = %v, want [%d %d]", c.Bounding, kill, chown)
	}
	if len(c.Effective) != 1 || c.Effective[0] != kill {
		t.Errorf("effective = %v, want [%d] (lower case skipped, duplicates once)", c.Effective, kill)
	}
	if len(c.Ambient) != 0 {
		t.Errorf("ambient = %v, want none", c.Ambient)
	}
	if len(*warnings) != 1 {
		t.Fatalf("want one warning, got %q", *warnings)
	}
	for _, part := range []string{"process.capabilities", "CAP_FUTURE_THING (bounding[1])", "cap_kill (effective[0])", `(ambient[0])`} {
		if !strings.Contains((*warnings)[0], part) {
			t.Errorf("warning %q does not mention %q", (*warnings)[0], part)
		}
	}
}

func TestKnownCapabilitiesDoNotWarn(t *testing.T) {
	warnings := captureWarnings(t)
	if _, err := convertCapabilities(&specs.LinuxCapabilities{Bounding: []string{"CAP_CHOWN"}}); err != nil {
		t.Fatal(err)
	}
	if len(*warnings) != 0 {
		t.Fatalf("unexpected warnings %q", *warnings)
	}
}
