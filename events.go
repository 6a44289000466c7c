package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/berth-runtime/berth/cgroups"
	"github.com/berth-runtime/berth/libcontainer"
	"github.com/urfave/cli/v3"
)

// event is one line of `events` output, in runc's shape.
type event struct {
	Type string `json:"type"`
	ID   string `json:"id"`
	Data any    `json:"data,omitempty"`
}

// eventStats is the data of a "stats" event in runc's shape (runc's types.Stats): the
// cgroup's counters, the Intel RDT group's (berth reports none: an empty object, as runc
// without RDT) and the container's network interfaces (null without a network namespace
// of its own).
type eventStats struct {
	*cgroups.Stats
	IntelRdt          struct{}                    `json:"intel_rdt"`
	NetworkInterfaces []libcontainer.NetInterface `json:"network_interfaces"`
}

// oomPoll is how often the stream checks the OOM-kill counter and whether the container still runs.
const oomPoll = 100 * time.Millisecond

var eventsCommand = &cli.Command{
	Name:      "events",
	Usage:     "print the container's resource usage and OOM events as JSON lines",
	ArgsUsage: "<container-id>",
	Description: `Without --stats: a "stats" event every --interval and an "oom" event whenever the kernel's
OOM killer kills a process of the container, until the container stops.`,
	Flags: []cli.Flag{
		&cli.DurationFlag{Name: "interval", Value: 5 * time.Second, Usage: "time between stats events"},
		&cli.BoolFlag{Name: "stats", Usage: "print one stats event and exit"},
	},
	Action: func(_ context.Context, c *cli.Command) error {
		id, err := containerID(c)
		if err != nil {
			return err
		}
		interval := c.Duration("interval")
		if interval <= 0 {
			return errors.New("events: --interval must be positive")
		}
		mon, err := store(c).Monitor(id)
		if err != nil {
			return err
		}
		enc := json.NewEncoder(os.Stdout)
		emitStats := func() error {
			s, err := mon.Stats()
			if err != nil {
				return fmt.Errorf("events: %w", err)
			}
			ifaces, err := mon.NetInterfaces()
			if err != nil {
				return fmt.Errorf("events: %w", err)
			}
			return enc.Encode(event{Type: "stats", ID: id, Data: eventStats{Stats: s, NetworkInterfaces: ifaces}})
		}
		if c.Bool("stats") {
			return emitStats()
		}
		return streamEvents(id, mon, enc, emitStats, interval)
	},
}

// streamEvents polls the OOM-kill counter: one cheap read per tick, and it works the same on v1,
// v2 and systemd-managed cgroups, where event-fd and inotify notifications each differ.
func streamEvents(id string, mon *libcontainer.Monitor, enc *json.Encoder, emitStats func() error, interval time.Duration) error {
	seen, _ := mon.OOMKills()
	nextStats := time.Now()
	for {
		if n, err := mon.OOMKills(); err == nil && n > seen {
			for ; seen < n; seen++ {
				if err := enc.Encode(event{Type: "oom", ID: id}); err != nil {
					return err
				}
			}
		}
		if mon.Stopped() {
			return nil
		}
		if !time.Now().Before(nextStats) {
			if err := emitStats(); err != nil {
				warn(err)
			}
			nextStats = time.Now().Add(interval)
		}
		time.Sleep(min(oomPoll, time.Until(nextStats)+time.Millisecond))
	}
}
