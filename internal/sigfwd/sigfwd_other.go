//go:build !amd64

package sigfwd

import (
	"errors"

	"golang.org/x/sys/unix"
)

var writeFd int64

// Supported: no forwarding handler on this architecture; callers use os/signal.
func Supported() bool { return false }

func install(unix.Signal) error { return errors.New("sigfwd: unsupported architecture") }
