package main

import "testing"

func TestFilterPsKeepsHeaderAndContainerLines(t *testing.T) {
	out := []byte("UID PID PPID C STIME TTY TIME CMD\n" +
		"root 1 0 0 10:00 ? 00:00:01 /sbin/init\n" +
		"root 4242 1 0 10:01 ? 00:00:00 sleep 1000\n" +
		"root 42 1 0 10:01 ? 00:00:00 other 4242\n")
	got, err := filterPs(out, []int{4242})
	if err != nil {
		t.Fatal(err)
	}
	want := "UID PID PPID C STIME TTY TIME CMD\nroot 4242 1 0 10:01 ? 00:00:00 sleep 1000\n"
	if string(got) != want {
		t.Errorf("got %q", got)
	}
	if _, err := filterPs([]byte("USER COMMAND\nroot x\n"), nil); err == nil {
		t.Error("no PID column: want an error")
	}
}
