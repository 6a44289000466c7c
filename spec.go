package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"github.com/berth-runtime/berth/cgroups"
	"github.com/berth-runtime/berth/specconv"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"github.com/urfave/cli/v3"
)

var specCommand = &cli.Command{
	Name:  "spec",
	Usage: "write a template config.json into the bundle directory",
	Flags: []cli.Flag{
		&cli.StringFlag{Name: "bundle", Aliases: []string{"b"}, Value: ".", Usage: "bundle directory"},
		&cli.BoolFlag{Name: "rootless", Usage: "a template for a container run by an unprivileged user"},
	},
	Action: func(_ context.Context, c *cli.Command) error {
		s := specconv.Example()
		if cgroups.DetectMode() != cgroups.Unified {
			// As runc's template: a cgroup namespace only where it is rooted at the
			// container's own cgroup v2 directory. On v1 and hybrid hosts it hides which
			// cgroup a process is in (/proc/self/cgroup shows "/"), the common check that
			// an exec'd process joined the container's cgroup.
			s.Linux.Namespaces = slices.DeleteFunc(s.Linux.Namespaces, func(ns specs.LinuxNamespace) bool {
				return ns.Type == specs.CgroupNamespace
			})
		}
		if c.Bool("rootless") {
			specconv.ToRootless(s)
		}
		path := filepath.Join(c.String("bundle"), "config.json")
		if _, err := os.Stat(path); err == nil {
			return fmt.Errorf("%s exists: remove it first", path)
		} else if !errors.Is(err, os.ErrNotExist) {
			return err
		}
		data, err := json.MarshalIndent(s, "", "\t")
		if err != nil {
			return err
		}
		return os.WriteFile(path, append(data, '\n'), 0o666)
	},
}
