package main

import (
	"context"

	"github.com/berth-runtime/berth/libcontainer"
	"github.com/berth-runtime/berth/libcontainer/criu"
	"github.com/urfave/cli/v3"
)

// Flags of checkpoint and restore, by name: each command lists the ones it has, in
// runc's order and with runc's help.
var criuFlags = map[string]cli.Flag{
	"image-path":          &cli.StringFlag{Name: "image-path", Usage: "path for saving criu image files"},
	"work-path":           &cli.StringFlag{Name: "work-path", Usage: "path for saving work files and logs"},
	"parent-path":         &cli.StringFlag{Name: "parent-path", Usage: "path for previous criu image files in pre-dump"},
	"leave-running":       &cli.BoolFlag{Name: "leave-running", Usage: "leave the process running after checkpointing"},
	"tcp-established":     &cli.BoolFlag{Name: "tcp-established", Usage: "allow open tcp connections"},
	"tcp-skip-in-flight":  &cli.BoolFlag{Name: "tcp-skip-in-flight", Usage: "skip in-flight tcp connections"},
	"link-remap":          &cli.BoolFlag{Name: "link-remap", Usage: "allow one to link unlinked files back when possible"},
	"ext-unix-sk":         &cli.BoolFlag{Name: "ext-unix-sk", Usage: "allow external unix sockets"},
	"shell-job":           &cli.BoolFlag{Name: "shell-job", Usage: "allow shell jobs"},
	"lazy-pages":          &cli.BoolFlag{Name: "lazy-pages", Usage: "use userfaultfd to lazily restore memory pages"},
	"status-fd":           &cli.IntFlag{Name: "status-fd", Value: -1, Usage: "criu writes \\0 to this FD once lazy-pages is ready"},
	"page-server":         &cli.StringFlag{Name: "page-server", Usage: "ADDRESS:PORT of the page server"},
	"file-locks":          &cli.BoolFlag{Name: "file-locks", Usage: "handle file locks, for safety"},
	"pre-dump":            &cli.BoolFlag{Name: "pre-dump", Usage: "dump container's memory information only, leave the container running after this"},
	"manage-cgroups-mode": &cli.StringFlag{Name: "manage-cgroups-mode", Usage: "cgroups mode: soft|full|strict|ignore (default: soft)"},
	"empty-ns":            &cli.StringSliceFlag{Name: "empty-ns", Usage: "create a namespace, but don't restore its properties"},
	"auto-dedup":          &cli.BoolFlag{Name: "auto-dedup", Usage: "enable auto deduplication of memory images"},
}

func pickFlags(names ...string) []cli.Flag {
	out := make([]cli.Flag, len(names))
	for i, n := range names {
		out[i] = criuFlags[n]
	}
	return out
}

var checkpointCommand = &cli.Command{
	Name:  "checkpoint",
	Usage: "checkpoint a running container",
	ArgsUsage: `<container-id>

Where "<container-id>" is the name for the instance of the container to be
checkpointed.`,
	Description: `The checkpoint command saves the state of the container instance with CRIU.
Unless --leave-running or --pre-dump is given, the container stops and is deleted
afterwards; "berth restore" brings it back.`,
	Flags: pickFlags("image-path", "work-path", "parent-path", "leave-running", "tcp-established",
		"tcp-skip-in-flight", "link-remap", "ext-unix-sk", "shell-job", "lazy-pages", "status-fd",
		"page-server", "file-locks", "pre-dump", "manage-cgroups-mode", "empty-ns", "auto-dedup"),
	Action: func(_ context.Context, c *cli.Command) error {
		id, err := containerID(c)
		if err != nil {
			return err
		}
		o, err := criuOptions(c, false)
		if err != nil {
			return err
		}
		return store(c).Checkpoint(libcontainer.CheckpointOpts{ID: id, CRIU: o})
	},
}

// criuOptions reads and checks the CRIU flags a command has, before anything runs.
func criuOptions(c *cli.Command, restore bool) (criu.Options, error) {
	var o criu.Options
	var err error
	if o.ImagePath, err = criu.CheckImagePath(c.String("image-path"), restore); err != nil {
		return o, err
	}
	if o.CgroupMode, err = criu.ParseCgroupMode(c.String("manage-cgroups-mode")); err != nil {
		return o, err
	}
	if restore {
		if err := criu.CheckRestoreCgroupMode(o.CgroupMode); err != nil {
			return o, err
		}
	}
	if o.EmptyNS, err = criu.ParseEmptyNS(c.StringSlice("empty-ns")); err != nil {
		return o, err
	}
	if o.PageServer, err = criu.ParsePageServer(c.String("page-server")); err != nil {
		return o, err
	}
	if w := c.String("work-path"); w != "" {
		if o.WorkPath, err = absPath("--work-path", w); err != nil {
			return o, err
		}
	}
	o.ParentPath = c.String("parent-path")
	if !restore {
		if err := criu.CheckParentPath(o.ImagePath, o.ParentPath); err != nil {
			return o, err
		}
	}
	o.StatusFD = -1
	if c.IsSet("status-fd") {
		o.StatusFD = c.Int("status-fd")
		if err := criu.CheckStatusFD(o.StatusFD); err != nil {
			return o, err
		}
	}
	o.LeaveRunning = c.Bool("leave-running")
	o.TCPEstablished = c.Bool("tcp-established")
	o.TCPSkipInFlight = c.Bool("tcp-skip-in-flight")
	o.LinkRemap = c.Bool("link-remap")
	o.ExtUnixSk = c.Bool("ext-unix-sk")
	o.ShellJob = c.Bool("shell-job")
	o.FileLocks = c.Bool("file-locks")
	o.PreDump = c.Bool("pre-dump")
	o.AutoDedup = c.Bool("auto-dedup")
	o.LazyPages = c.Bool("lazy-pages")
	o.LsmProfile = c.String("lsm-profile")
	o.LsmMountContext = c.String("lsm-mount-context")
	return o, nil
}
