package main

import (
	"flag"
	"os"
	"testing"

	"github.com/urfave/cli/v2"
)

func TestRootlessMode(t *testing.T) {
	for v, want := range map[string]bool{"true": true, "false": false, "auto": os.Geteuid() != 0} {
		set := flag.NewFlagSet("t", flag.ContinueOnError)
		set.String("rootless", v, "")
		got, err := rootlessMode(cli.NewContext(nil, set, nil))
		if err != nil || got != want {
			t.Errorf("--rootless %s: got %v, %v; want %v", v, got, err, want)
		}
	}
	set := flag.NewFlagSet("t", flag.ContinueOnError)
	set.String("rootless", "maybe", "")
	if _, err := rootlessMode(cli.NewContext(nil, set, nil)); err == nil {
		t.Error("--rootless maybe accepted")
	}
}
