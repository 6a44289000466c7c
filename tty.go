package main

import (
	"io"
	"os"
	"time"

	"github.com/containerd/console"
	"golang.org/x/sys/unix"
)

// terminal connects berth's own stdio to a container's pty master in the foreground:
// our terminal goes raw (the container's pty does the line discipline), bytes are
// copied both ways, and window size changes follow ours.
type terminal struct {
	master  *os.File
	current console.Console // nil when our stdin is not a terminal
	outDone chan struct{}
}

func attachTerminal(master *os.File) *terminal {
	t := &terminal{master: master, outDone: make(chan struct{})}
	if c, err := console.ConsoleFromFile(os.Stdin); err == nil {
		if err := c.SetRaw(); err == nil {
			t.current = c
		}
	}
	t.resize()
	go func() {
		io.Copy(master, os.Stdin)
	}()
	go func() {
		// Ends with EIO once the last process holding the pty's peer is gone.
		io.Copy(os.Stdout, master)
		close(t.outDone)
	}()
	return t
}

// callerSize is the size of the terminal on our stdin (rows, columns); zero when stdin is
// not a terminal or has no real window. It goes into the config, so the pty has it before
// the process runs: a resize after start would race with a process that reads it at once.
func callerSize() (rows, cols uint16) {
	c, err := console.ConsoleFromFile(os.Stdin)
	if err != nil {
		return 0, 0
	}
	return windowSize(c)
}

// windowSize is c's size; zero when it has no real window (0x0), which must not
// override process.consoleSize.
func windowSize(c console.Console) (rows, cols uint16) {
	ws, err := c.Size()
	if err != nil || ws.Height == 0 || ws.Width == 0 {
		return 0, 0
	}
	return ws.Height, ws.Width
}

// resize gives the pty our terminal's size.
func (t *terminal) resize() {
	if t.current == nil {
		return
	}
	if rows, cols := windowSize(t.current); rows > 0 {
		unix.IoctlSetWinsize(int(t.master.Fd()), unix.TIOCSWINSZ, &unix.Winsize{Row: rows, Col: cols})
	}
}

// detach waits briefly for the container's last output, then restores our terminal.
func (t *terminal) detach() {
	select {
	case <-t.outDone:
	case <-time.After(time.Second):
	}
	if t.current != nil {
		t.current.Reset()
	}
	t.master.Close()
}
