package libcontainer

import (
	"reflect"
	"testing"
)

func TestRelayedLines(t *testing.T) {
	cases := []struct {
		in, out string
		ready   bool
	}{
		{"READY=1", "READY=1\n", true},
		{"STATUS=starting\n", "STATUS=starting\n", false},
		// The container's own MAINPID means nothing on the host.
		{"READY=1\nMAINPID=1\nSTATUS=up", "READY=1\nSTATUS=up\n", true},
		{"MAINPID=7", "", false},
		{"", "", false},
	}
	for _, c := range cases {
		out, ready := relayedLines(c.in)
		if out != c.out || ready != c.ready {
			t.Errorf("%q: got %q %v, want %q %v", c.in, out, ready, c.out, c.ready)
		}
	}
}

func TestWithEnv(t *testing.T) {
	got := withEnv([]string{"A=1", "NOTIFY_SOCKET=/x", "B=2"}, "NOTIFY_SOCKET", "/run/notify/notify.sock")
	want := []string{"A=1", "B=2", "NOTIFY_SOCKET=/run/notify/notify.sock"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %v", got)
	}
}
