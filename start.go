package main

import (
	"context"

	"github.com/berth-runtime/berth/libcontainer"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/urfave/cli/v3"
)

var startCommand = &cli.Command{
	Name:      "start",
	Usage:     "run the user process of a created container",
	ArgsUsage: "<container-id>",
	Action: func(_ context.Context, c *cli.Command) error {
		id, err := containerID(c)
		if err != nil {
			return err
		}
		s := store(c)
		// With NOTIFY_SOCKET, as runc: listen before the process runs, and return once
		// it said READY=1 (or its init exited).
		var notify *libcontainer.NotifyListener
		if notifyHost() != "" {
			if notify, err = s.ListenNotify(id); err != nil {
				return err
			}
			defer notify.Close()
		}
		warning, err := s.Start(id)
		warn(warning)
		if err != nil || notify == nil {
			return err
		}
		st, err := s.Load(id)
		if err != nil {
			return err
		}
		return relayReady(notify, st.InitPid, func() bool { return s.Status(st) != specs.StateStopped })
	},
}
