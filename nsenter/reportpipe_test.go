package nsenter

import (
	"errors"
	"io"
	"os"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

func TestReportPipe(t *testing.T) {
	var p [2]int
	if err := unix.Pipe2(p[:], unix.O_CLOEXEC|unix.O_NONBLOCK); err != nil {
		t.Fatal(err)
	}
	r := &reportPipe{fd: p[0]}
	defer r.close()

	// Nothing written: the deadline passes.
	start := time.Now()
	if _, err := r.read(50 * time.Millisecond); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("empty pipe: %v, want a deadline error", err)
	}
	if d := time.Since(start); d < 50*time.Millisecond || d > 5*time.Second {
		t.Errorf("deadline after %v", d)
	}

	// A record written in two pieces arrives whole.
	buf := [recordSize]byte{recordMagic, kindInitPid}
	buf[8] = 42
	go func() {
		unix.Write(p[1], buf[:5])
		time.Sleep(20 * time.Millisecond)
		unix.Write(p[1], buf[5:])
	}()
	rec, err := r.read(5 * time.Second)
	if err != nil || rec.Kind != kindInitPid || rec.Value != 42 {
		t.Fatalf("got %+v, %v", rec, err)
	}

	// Half a record and then the writer's end: unexpected EOF; nothing at all: EOF.
	unix.Write(p[1], buf[:3])
	unix.Close(p[1])
	if _, err := r.read(0); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("half a record: %v", err)
	}
	if _, err := r.read(0); !errors.Is(err, io.EOF) {
		t.Fatalf("closed pipe: %v", err)
	}
}
