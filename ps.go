package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"

	"github.com/berth-runtime/berth/internal/timerslack"
	"github.com/urfave/cli/v3"
)

var psCommand = &cli.Command{
	Name:      "ps",
	Usage:     "list the container's processes",
	ArgsUsage: "<container-id> [ps options]",
	Description: `--format table (the default) runs ps with the given options (default -ef) and keeps the
header and the container's lines; --format json prints the container's pids as a JSON array.`,
	Flags: []cli.Flag{
		&cli.StringFlag{Name: "format", Aliases: []string{"f"}, Value: "table", Usage: "table or json"},
	},
	Action: func(_ context.Context, c *cli.Command) error {
		id, err := containerID(c)
		if err != nil {
			return err
		}
		// A stopped container lists what is left in its cgroup: usually nothing, so
		// just ps's header, as with runc.
		pids, err := store(c).Processes(id)
		if err != nil {
			return fmt.Errorf("ps: %w", err)
		}
		switch c.String("format") {
		case "json":
			if pids == nil {
				pids = []int{}
			}
			return json.NewEncoder(os.Stdout).Encode(pids)
		case "table":
			args := c.Args().Tail()
			if len(args) == 0 {
				args = []string{"-ef"}
			}
			var out []byte
			err := timerslack.Do(func() (err error) {
				out, err = exec.Command("ps", args...).Output()
				return err
			})
			if err != nil {
				return fmt.Errorf("ps %s: %w", strings.Join(args, " "), err)
			}
			table, err := filterPs(out, pids)
			if err != nil {
				return err
			}
			os.Stdout.Write(table)
			return nil
		default:
			return fmt.Errorf("ps: --format %q is not table or json", c.String("format"))
		}
	},
}

// filterPs keeps ps's header and the lines whose PID column is one of pids.
func filterPs(out []byte, pids []int) ([]byte, error) {
	want := map[string]bool{}
	for _, p := range pids {
		want[strconv.Itoa(p)] = true
	}
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	if !sc.Scan() {
		return nil, fmt.Errorf("ps printed nothing")
	}
	header := sc.Text()
	col := -1
	for i, f := range strings.Fields(header) {
		if f == "PID" {
			col = i
			break
		}
	}
	if col < 0 {
		return nil, fmt.Errorf("ps output has no PID column (give ps options that print one): %q", header)
	}
	var b bytes.Buffer
	b.WriteString(header + "\n")
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if col < len(f) && want[f[col]] {
			b.WriteString(sc.Text() + "\n")
		}
	}
	return b.Bytes(), sc.Err()
}
