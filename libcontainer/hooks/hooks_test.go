package hooks

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func TestRunHooksStopsOrWarns(t *testing.T) {
	dir := t.TempDir()
	mark := filepath.Join(dir, "ran")
	hooks := []specs.Hook{
		{Path: "/bin/false"},
		{Path: "/bin/sh", Args: []string{"sh", "-c", "echo x >> " + mark}},
		{Path: "/bin/false"},
	}
	err := Run("prestart", hooks, specs.State{ID: "x"})
	if err == nil || !strings.Contains(err.Error(), "hooks.prestart[0]") {
		t.Fatalf("prestart: want the first hook's error, got %v", err)
	}
	if _, err := os.Stat(mark); err == nil {
		t.Fatal("prestart: hooks after a failure ran")
	}
	err = Run("poststop", hooks, specs.State{ID: "x"})
	if err == nil || !strings.Contains(err.Error(), "hooks.poststop[0]") || !strings.Contains(err.Error(), "hooks.poststop[2]") {
		t.Fatalf("poststop: want both failures reported, got %v", err)
	}
	if _, err := os.Stat(mark); err != nil {
		t.Fatal("poststop: the hook after a failure did not run")
	}
}

func TestRunHookTimeout(t *testing.T) {
	one := 1
	err := Run("createRuntime", []specs.Hook{{Path: "/bin/sleep", Args: []string{"sleep", "10"}, Timeout: &one}}, specs.State{})
	if err == nil || !strings.Contains(err.Error(), "timed out after 1s") {
		t.Fatalf("want a timeout error, got %v", err)
	}
}

// A hook without env gets the default environment given (the process's, for the hooks
// init runs); one with env gets exactly its own. Both run in the directory given.
func TestRunHooksInDirAndDefaultEnv(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "out")
	he := Env{Dir: dir, Env: []string{"FROM_PROCESS=yes"}}
	hooks := []specs.Hook{
		{Path: "/bin/sh", Args: []string{"sh", "-c", `echo "$(pwd) ${FROM_PROCESS:-unset}" >> ` + out}},
		{Path: "/bin/sh", Args: []string{"sh", "-c", `echo "${FROM_PROCESS:-unset} $OWN" >> ` + out}, Env: []string{"OWN=own"}},
	}
	if err := RunIn(he, "startContainer", hooks, specs.State{}); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(out)
	if want := dir + " yes\nunset own\n"; string(got) != want {
		t.Fatalf("hooks saw %q, want %q", got, want)
	}
}

// runtime-spec 1.3: a failed poststart hook is an error, and the ones after it do not run.
func TestPoststartFailureIsAnError(t *testing.T) {
	mark := filepath.Join(t.TempDir(), "ran")
	err := Run("poststart", []specs.Hook{{Path: "/bin/false"}, {Path: "/bin/touch", Args: []string{"touch", mark}}}, specs.State{})
	if err == nil || !strings.Contains(err.Error(), "hooks.poststart[0]") {
		t.Fatalf("want the poststart failure, got %v", err)
	}
	if _, err := os.Stat(mark); err == nil {
		t.Fatal("a poststart hook ran after a failed one")
	}
}
