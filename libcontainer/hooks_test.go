package libcontainer

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
	err := runHooks("prestart", hooks, specs.State{ID: "x"})
	if err == nil || !strings.Contains(err.Error(), "hooks.prestart[0]") {
		t.Fatalf("prestart: want the first hook's error, got %v", err)
	}
	if _, err := os.Stat(mark); err == nil {
		t.Fatal("prestart: hooks after a failure ran")
	}
	err = runHooks("poststop", hooks, specs.State{ID: "x"})
	if err == nil || !strings.Contains(err.Error(), "hooks.poststop[0]") || !strings.Contains(err.Error(), "hooks.poststop[2]") {
		t.Fatalf("poststop: want both failures reported, got %v", err)
	}
	if _, err := os.Stat(mark); err != nil {
		t.Fatal("poststop: the hook after a failure did not run")
	}
}

func TestRunHookTimeout(t *testing.T) {
	one := 1
	err := runHooks("createRuntime", []specs.Hook{{Path: "/bin/sleep", Args: []string{"sleep", "10"}, Timeout: &one}}, specs.State{})
	if err == nil || !strings.Contains(err.Error(), "timed out after 1s") {
		t.Fatalf("want a timeout error, got %v", err)
	}
}
