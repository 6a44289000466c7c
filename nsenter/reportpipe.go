package nsenter

import (
	"io"
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// reportPipe is the read end of the stages' report pipe, read with poll(2) and read(2)
// on the calling thread rather than through the Go netpoller. Spawn reads it from a
// locked thread (stage 1's parent-death signal is tied to that thread), and parking a
// locked goroutine in the netpoller hands it between threads with futex wake-ups at
// every record; a blocking poll keeps the thread in one system call instead.
type reportPipe struct{ fd int }

// read returns the next record, waiting at most timeout (0: no limit);
// os.ErrDeadlineExceeded when it passed, io.EOF when the write ends are all closed.
func (r *reportPipe) read(timeout time.Duration) (record, error) {
	var buf [recordSize]byte
	var deadline time.Time
	if timeout > 0 {
		deadline = time.Now().Add(timeout)
	}
	fds := []unix.PollFd{{Fd: int32(r.fd), Events: unix.POLLIN}}
	for got := 0; got < len(buf); {
		ms := -1
		if timeout > 0 {
			left := time.Until(deadline)
			if left <= 0 {
				return record{}, os.ErrDeadlineExceeded
			}
			ms = int((left + time.Millisecond - 1) / time.Millisecond)
		}
		ready, err := unix.Poll(fds, ms)
		if err == unix.EINTR || ready == 0 {
			continue
		}
		if err != nil {
			return record{}, err
		}
		n, err := unix.Read(r.fd, buf[got:])
		switch {
		case err == unix.EAGAIN || err == unix.EINTR:
			continue
		case err != nil:
			return record{}, err
		case n == 0 && got == 0:
			return record{}, io.EOF
		case n == 0:
			return record{}, io.ErrUnexpectedEOF
		}
		got += n
	}
	return parseRecord(buf)
}

func (r *reportPipe) close() {
	if r != nil && r.fd >= 0 {
		unix.Close(r.fd)
		r.fd = -1
	}
}
