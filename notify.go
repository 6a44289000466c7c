package main

import (
	"os"

	"github.com/berth-runtime/berth/libcontainer"
)

// notifyHost is the caller's NOTIFY_SOCKET: "" unless berth runs under a service manager
// that waits for the container's READY=1 (see libcontainer/notify.go).
func notifyHost() string { return os.Getenv("NOTIFY_SOCKET") }

// relayReady waits for the container's READY=1 and passes it on with MAINPID=mainPid. A
// manager that ignores BARRIER=1 only costs a warning.
func relayReady(l *libcontainer.NotifyListener, mainPid int, alive func() bool) error {
	err := l.RelayReady(notifyHost(), mainPid, alive)
	if libcontainer.IsNotifyBarrierTimeout(err) {
		warn(err)
		return nil
	}
	return err
}
