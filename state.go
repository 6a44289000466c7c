package main

import (
	"context"
	"encoding/json"
	"os"
	"time"

	"github.com/berth-runtime/berth/libcontainer"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/urfave/cli/v3"
)

// containerState is runc's output of `state` and `list --format json`: runtime-spec's
// state plus rootfs, created and owner.
type containerState struct {
	OCIVersion  string            `json:"ociVersion"`
	ID          string            `json:"id"`
	Pid         int               `json:"pid"`
	Status      string            `json:"status"`
	Bundle      string            `json:"bundle"`
	Rootfs      string            `json:"rootfs"`
	Created     time.Time         `json:"created"`
	Annotations map[string]string `json:"annotations,omitempty"`
	Owner       string            `json:"owner"`
}

func describe(s libcontainer.Store, st *libcontainer.State) containerState {
	oci := s.OCIState(st)
	return containerState{
		OCIVersion: specs.Version, ID: st.ID, Pid: oci.Pid, Status: string(oci.Status),
		Bundle: st.Bundle, Rootfs: st.Rootfs, Created: st.Created, Annotations: oci.Annotations,
		Owner: st.Owner,
	}
}

var stateCommand = &cli.Command{
	Name:      "state",
	Usage:     "print the state of a container as JSON",
	ArgsUsage: "<container-id>",
	Action: func(_ context.Context, c *cli.Command) error {
		s := store(c)
		id, err := containerID(c)
		if err != nil {
			return err
		}
		st, err := s.LoadSummary(id)
		if err != nil {
			return err
		}
		out, err := json.MarshalIndent(describe(s, st), "", "  ")
		if err != nil {
			return err
		}
		os.Stdout.Write(append(out, '\n'))
		return nil
	},
}
