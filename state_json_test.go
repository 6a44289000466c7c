//go:build goexperiment.jsonv2

package main

import (
	"encoding/json"
	"testing"

	"github.com/berth-runtime/berth/internal/jsonw/jsonwtest"
)

type plainContainerState containerState

func TestContainerStateJSONMatchesEncodingJSON(t *testing.T) {
	jsonwtest.Check(t, func(v *containerState) any { return (*plainContainerState)(v) })
	// `state` prints the value itself (MarshalIndent), not a pointer.
	v := containerState{ID: "c1", Pid: 7, Annotations: map[string]string{"b": "2", "a": "1"}}
	got, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	want, _ := json.MarshalIndent(plainContainerState(v), "", "  ")
	if string(got) != string(want) {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
}
