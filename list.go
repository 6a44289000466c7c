package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"text/tabwriter"
	"time"

	"github.com/urfave/cli/v3"
)

var listCommand = &cli.Command{
	Name:    "list",
	Aliases: []string{"ls"},
	Usage:   "list containers",
	Flags: []cli.Flag{
		&cli.StringFlag{Name: "format", Aliases: []string{"f"}, Value: "table", Usage: "table or json"},
		&cli.BoolFlag{Name: "quiet", Aliases: []string{"q"}, Usage: "print ids only"},
	},
	Action: func(_ context.Context, c *cli.Command) error {
		s := store(c)
		// A missing default root only means no container was made yet; a --root the
		// caller named and that does not exist is a mistake worth saying (runc ≥ 1.2).
		if _, err := os.Stat(s.Root); err != nil && (c.IsSet("root") || !errors.Is(err, os.ErrNotExist)) {
			return fmt.Errorf("list: %w", err)
		}
		ids, err := s.IDs()
		if err != nil {
			return err
		}
		states := []containerState{}
		for _, id := range ids {
			st, err := s.LoadSummary(id)
			if err != nil {
				continue // deleted meanwhile
			}
			states = append(states, describe(s, st))
		}
		if c.Bool("quiet") {
			for _, st := range states {
				fmt.Println(st.ID)
			}
			return nil
		}
		switch c.String("format") {
		case "json":
			return json.NewEncoder(os.Stdout).Encode(states)
		case "table":
			w := tabwriter.NewWriter(os.Stdout, 12, 1, 3, ' ', 0)
			fmt.Fprint(w, "ID\tPID\tSTATUS\tBUNDLE\tCREATED\tOWNER\n")
			for _, st := range states {
				fmt.Fprintf(w, "%s\t%d\t%s\t%s\t%s\t%s\n", st.ID, st.Pid, st.Status, st.Bundle,
					st.Created.Format(time.RFC3339Nano), st.Owner)
			}
			return w.Flush()
		default:
			return fmt.Errorf("--format: unknown format %q (table or json)", c.String("format"))
		}
	},
}
