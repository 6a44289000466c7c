package main

import (
	"context"
	"os"
	"testing"

	"github.com/urfave/cli/v3"
)

// rootlessFlag runs rootlessMode on a command line that gives --rootless v.
func rootlessFlag(v string) (bool, error) {
	var got bool
	var err error
	cmd := &cli.Command{
		Flags: []cli.Flag{&cli.StringFlag{Name: "rootless", Value: "auto"}, &cli.BoolFlag{Name: "systemd-cgroup"}},
		Action: func(_ context.Context, c *cli.Command) error {
			got, err = rootlessMode(c)
			return nil
		},
	}
	if rerr := cmd.Run(context.Background(), []string{"t", "--rootless", v}); rerr != nil {
		return false, rerr
	}
	return got, err
}

func TestRootlessMode(t *testing.T) {
	for v, want := range map[string]bool{"true": true, "false": false, "auto": os.Geteuid() != 0} {
		got, err := rootlessFlag(v)
		if err != nil || got != want {
			t.Errorf("--rootless %s: got %v, %v; want %v", v, got, err, want)
		}
	}
	if _, err := rootlessFlag("maybe"); err == nil {
		t.Error("--rootless maybe accepted")
	}
}
