package libcontainer

import (
	"os"
	"testing"
)

func TestParseProcStat(t *testing.T) {
	line := []byte("1234 (we ird) name)) S 1 1234 1234 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 987654 1000 200 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0\n")
	st, err := parseProcStat(line)
	if err != nil {
		t.Fatal(err)
	}
	if st.State != 'S' || st.StartTime != 987654 {
		t.Fatalf("got %+v", st)
	}
	if _, err := parseProcStat([]byte("1 (x) S 1")); err == nil {
		t.Fatal("short line accepted")
	}
}

func TestProcessAliveSelf(t *testing.T) {
	st, err := readProcStat(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if !processAlive(os.Getpid(), st.StartTime) {
		t.Fatal("self not alive")
	}
	if processAlive(os.Getpid(), st.StartTime+1) {
		t.Fatal("a different start time must mean another process")
	}
}
