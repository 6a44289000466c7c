package main

import (
	"slices"
	"strings"
	"testing"
)

func TestReorderArgs(t *testing.T) {
	app := newApp()
	cases := []struct{ in, want string }{
		// Flags after the id move in front of it; the id follows a "--".
		{"berth update ID --cpuset-cpus 1", "berth update --cpuset-cpus 1 -- ID"},
		{"berth update ID --memory=1g", "berth update --memory=1g -- ID"},
		{"berth --root /r update ID --cpu-quota -1", "berth --root /r update --cpu-quota -1 -- ID"},
		{"berth --root=/r --debug kill ID KILL --all", "berth --root=/r --debug kill --all -- ID KILL"},
		{"berth delete ID -f", "berth delete -f -- ID"},
		{"berth run -d ID --bundle b --keep", "berth run -d --bundle b --keep -- ID"},
		// A bool flag takes no value: what follows stays an argument.
		{"berth delete --force ID", "berth delete --force -- ID"},
		// Not a flag of the command: an argument (checkArgs refuses it).
		{"berth update ID --bogus 1", "berth update -- ID --bogus 1"},
		{"berth state ID --root /x", "berth state -- ID --root /x"},
		{"berth state --bogus ID", "berth state --bogus -- ID"},
		// The caller's "--" ends the flags.
		{"berth update -- ID --memory 1", "berth update -- ID --memory 1"},
		// Everything after exec's container id is the process's argv.
		{"berth exec ID sh -c ls -l", "berth exec -- ID sh -c ls -l"},
		{"berth exec ID --env X=1 sh", "berth exec -- ID --env X=1 sh"},
		{"berth exec --env X=1 -t ID sh --tty", "berth exec --env X=1 -t -- ID sh --tty"},
		{"berth exec -dt ID sh", "berth exec -dt -- ID sh"},
		{"berth exec -- ID -- x", "berth exec -- ID -- x"},
		// ps: options after the id are ps(1)'s.
		{"berth ps ID -f json", "berth ps -- ID -f json"},
		{"berth ps -f json ID", "berth ps -f json -- ID"},
		// Help anywhere, for the command whatever its arguments.
		{"berth state ID --help", "berth state --help"},
		{"berth exec --help ID sh", "berth exec --help"},
		{"berth exec ID sh --help", "berth exec -- ID sh --help"},
		// Combined one-letter flags; the last may take a value.
		{"berth exec -dp f ID", "berth exec -dp f -- ID"},
		{"berth list -qf json", "berth list -qf json"},
		// cli takes -9 for an argument; doubled, it is refused as the unknown flag it is.
		{"berth kill -9 ID", "berth kill --9 -- ID"},
		{"berth kill ID -9", "berth kill -- ID -9"},
		// Aliases name the command.
		{"berth ls -q", "berth ls -q"},
		// No command: untouched.
		{"berth --version", "berth --version"},
		{"berth", "berth"},
		{"berth nosuch ID --x", "berth nosuch ID --x"},
	}
	for _, c := range cases {
		got := strings.Join(reorderArgs(app, strings.Fields(c.in)), " ")
		if got != c.want {
			t.Errorf("%s\n got  %s\n want %s", c.in, got, c.want)
		}
	}
}

func TestCheckArgs(t *testing.T) {
	cases := []struct {
		name string
		n    int
		want string // "" for no error
	}{
		{"update", 1, ""},
		{"update", 2, `"update" requires exactly 1 argument(s)`},
		{"update", 0, `"update" requires exactly 1 argument(s)`},
		{"kill", 2, ""},
		{"kill", 0, `"kill" requires a minimum of 1 argument(s)`},
		{"kill", 3, `"kill" requires a maximum of 2 argument(s)`},
		{"exec", 9, ""},
		{"exec", 0, `"exec" requires a minimum of 1 argument(s)`},
		{"list", 1, `"list" requires exactly 0 argument(s)`},
	}
	for _, c := range cases {
		err := checkArgs(c.name, c.n, commandArgs[c.name])
		got := ""
		if err != nil {
			got = err.Error()
		}
		if got != c.want {
			t.Errorf("%s with %d: got %q, want %q", c.name, c.n, got, c.want)
		}
	}
}

// Every command has a rule: a new command without one would skip the check.
func TestEveryCommandHasArgRule(t *testing.T) {
	for _, c := range newApp().Commands {
		if _, ok := commandArgs[c.Name]; !ok {
			t.Errorf("command %s has no entry in commandArgs", c.Name)
		}
	}
	if !slices.Contains(newApp().Commands, execCommand) {
		t.Fatal("exec is not a command")
	}
}

func TestKeepOnlyInvoked(t *testing.T) {
	cases := []struct{ in, want string }{
		{"berth run -b B ID", "run"},
		{"berth --root /r --debug kill ID", "kill"},
		{"berth ls -q", "list"},
		// The root's help and version, or no command: every command stays.
		{"berth --help run", "all"},
		{"berth -h kill", "all"},
		{"berth -v state", "all"},
		{"berth --version", "all"},
		{"berth help run", "all"},
		{"berth nosuch ID", "all"},
		{"berth", "all"},
	}
	all := len(newApp().Commands)
	for _, c := range cases {
		app := newApp()
		keepOnlyInvoked(app, strings.Fields(c.in))
		var names []string
		for _, cmd := range app.Commands {
			names = append(names, cmd.Name)
		}
		got := strings.Join(names, " ")
		if len(names) == all {
			got = "all"
		}
		if got != c.want {
			t.Errorf("%s: left %q, want %q", c.in, got, c.want)
		}
	}
}
