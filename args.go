package main

import (
	"context"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/urfave/cli/v3"
)

// runc's command line takes a command's flags anywhere among its arguments:
// `runc update ID --memory 1g` and `runc update --memory 1g ID` are the same. urfave/cli
// v3 parses flags anywhere too, but not as runc: an unknown flag or a global one after the
// id would be a flag error instead of an argument too many, exec's and ps's arguments after
// the id would be parsed as berth's flags, and "-1" would end the flags. reorderArgs moves a
// command's flags in front of its positional arguments, which follow a "--", before cli
// sees them; checkArgs then refuses any positional argument the command does not take, so
// a flag that is not one is an error and never a silent no-op.

// argRule is how many positional arguments a command takes (max < 0: any number).
type argRule struct{ min, max int }

// commandArgs are runc's counts, checked with runc's wording.
var commandArgs = map[string]argRule{
	"create": {1, 1}, "run": {1, 1}, "start": {1, 1}, "delete": {1, 1},
	"pause": {1, 1}, "resume": {1, 1}, "state": {1, 1}, "events": {1, 1}, "update": {1, 1},
	"kill": {1, 2}, "checkpoint": {1, 1}, "restore": {1, 1},
	"exec": {1, -1}, "ps": {1, -1},
	"list": {0, 0}, "spec": {0, 0}, "features": {0, 0},
}

// passThrough commands hand everything after the container id to someone else: exec's
// process argv (`berth exec ID sh -c 'ls -l'`), ps's options for ps(1). Their own flags
// come before the id, as with runc.
var passThrough = map[string]bool{"exec": true, "ps": true}

// reorderArgs returns args (os.Args) with the command's flags that follow its positional
// arguments moved in front of them, and a "--" before the positional arguments so that
// one starting with "-" that is no flag of the command (an unknown flag, a negative
// signal number) stays an argument, to be refused by checkArgs where it is not expected.
// Everything after a "--" of the caller is an argument; an unknown flag before the first
// argument stays in front, for cli to refuse ("flag provided but not defined"). A flag
// taking a value takes the next argument whatever it looks like (`--cpu-quota -1`); a bool
// flag never does. With the help flag the arguments are dropped: `berth state ID --help`
// is state's help.
func reorderArgs(app *cli.Command, args []string) []string {
	i, cmd := findCommand(app, args)
	if cmd == nil {
		return args
	}
	var flags, pos []string
	help := false
	rest := args[i+1:]
	for j := 0; j < len(rest); j++ {
		a := rest[j]
		if passThrough[cmd.Name] && len(pos) > 0 {
			pos = append(pos, rest[j:]...)
			break
		}
		if a == "--" {
			pos = append(pos, rest[j+1:]...)
			break
		}
		f, ok := commandFlag(cmd.Flags, a)
		if !ok && isFlagLike(a) && len(pos) == 0 {
			// Unknown, before any argument: left for cli to refuse as a flag. cli takes
			// "-" and a non-letter (-9) for an argument: "--9" it refuses as "-9".
			if r, _ := utf8.DecodeRuneInString(a[1:]); !unicode.IsLetter(r) && r != '-' {
				a = "-" + a
			}
			flags = append(flags, a)
			continue
		}
		if !ok {
			pos = append(pos, a)
			continue
		}
		flags = append(flags, a)
		if f == nil {
			help = help || isHelp(a) && !strings.Contains(a, "=")
		} else if takesValue(f) && !strings.Contains(a, "=") && j+1 < len(rest) {
			flags = append(flags, rest[j+1])
			j++
		}
	}
	out := append(append([]string(nil), args[:i+1]...), flags...)
	if len(pos) > 0 && !help {
		out = append(append(out, "--"), pos...)
	}
	return out
}

// findCommand returns the index in args of the command name and the command, skipping
// the global flags (and their values) before it; nil when there is no command.
func findCommand(app *cli.Command, args []string) (int, *cli.Command) {
	for i := 1; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			return 0, nil
		}
		if isFlagLike(a) {
			if f, ok := lookupFlag(app.Flags, flagName(a)); ok && takesValue(f) && !strings.Contains(a, "=") {
				i++
			}
			continue
		}
		for _, c := range app.Commands {
			if c.HasName(a) {
				return i, c
			}
		}
		return 0, nil
	}
	return 0, nil
}

// keepOnlyInvoked leaves app only the command the command line names. cli sets up every
// command it holds before running one (a help command and flag checks each, ~2% of a
// `run`'s CPU); the others cannot run anyway. A help or version flag before the command
// keeps them all: the root's help lists them.
func keepOnlyInvoked(app *cli.Command, args []string) {
	i, cmd := findCommand(app, args)
	if cmd == nil {
		return
	}
	for _, a := range args[1:i] {
		if name := flagName(a); isHelp(a) || name == "version" || name == "v" {
			return
		}
	}
	app.Commands = []*cli.Command{cmd}
}

func isFlagLike(a string) bool { return len(a) > 1 && a[0] == '-' }

// flagName turns --name=value, -name and -n into the flag's name.
func flagName(a string) string {
	a = strings.TrimPrefix(strings.TrimPrefix(a, "-"), "-")
	name, _, _ := strings.Cut(a, "=")
	return name
}

// commandFlag reports whether a is one of the command's flags: its name or alias, the
// help flag every command has, or several one-letter flags given together (-dt, -dp FILE),
// all bool flags but the last. The flag is the one that may take a value: nil for the help
// flag and for combined bool flags.
func commandFlag(flags []cli.Flag, a string) (cli.Flag, bool) {
	if !isFlagLike(a) {
		return nil, false
	}
	name := flagName(a)
	if f, ok := lookupFlag(flags, name); ok {
		return f, true
	}
	if isHelp(a) {
		return nil, true
	}
	if strings.HasPrefix(a, "--") || strings.Contains(a, "=") || len(name) < 2 {
		return nil, false
	}
	var last cli.Flag
	for k, r := range name {
		f, ok := lookupFlag(flags, string(r))
		if !ok {
			return nil, false
		}
		if takesValue(f) {
			if k != len(name)-utf8.RuneLen(r) {
				return nil, false
			}
			last = f
		}
	}
	return last, true
}

func isHelp(a string) bool {
	name := flagName(a)
	return name == "help" || name == "h"
}

func lookupFlag(flags []cli.Flag, name string) (cli.Flag, bool) {
	if name == "" {
		return nil, false
	}
	for _, f := range flags {
		for _, n := range f.Names() {
			if n == name {
				return f, true
			}
		}
	}
	return nil, false
}

func takesValue(f cli.Flag) bool {
	v, ok := f.(interface{ TakesValue() bool })
	return ok && v.TakesValue()
}

// withArgCheck makes each command refuse a wrong number of positional arguments before
// it does anything, in runc's words, after runc's "Incorrect Usage." and the command's
// help on stdout.
func withArgCheck(cmds []*cli.Command) {
	for _, cmd := range cmds {
		rule, ok := commandArgs[cmd.Name]
		if !ok || cmd.Action == nil || argChecked[cmd] {
			continue
		}
		argChecked[cmd] = true
		action := cmd.Action
		cmd.Action = func(ctx context.Context, c *cli.Command) error {
			if err := checkArgs(c.Name, c.NArg(), rule); err != nil {
				fmt.Fprint(c.Root().Writer, "Incorrect Usage.\n\n")
				cli.HelpPrinter(c.Root().Writer, cli.CommandHelpTemplate, c)
				fmt.Fprintln(c.Root().Writer)
				return err
			}
			return action(ctx, c)
		}
	}
}

// argChecked: the commands are package variables; newApp may run more than once (tests).
var argChecked = map[*cli.Command]bool{}

func checkArgs(name string, n int, r argRule) error {
	switch {
	case r.min == r.max && n != r.min:
		return fmt.Errorf("%q requires exactly %d argument(s)", name, r.min)
	case n < r.min:
		return fmt.Errorf("%q requires a minimum of %d argument(s)", name, r.min)
	case r.max >= 0 && n > r.max:
		return fmt.Errorf("%q requires a maximum of %d argument(s)", name, r.max)
	}
	return nil
}
