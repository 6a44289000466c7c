//go:build goexperiment.jsonv2

package specconv

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
)

// config.json as runc and engines write it is read by hand, and read the same as
// encoding/json reads it; what the hand reader does not take goes to encoding/json.
func TestReadSpecFast(t *testing.T) {
	example := Example()
	data, err := json.MarshalIndent(example, "", "\t")
	if err != nil {
		t.Fatal(err)
	}
	fast, ok := readSpecFast(data)
	if !ok {
		t.Fatal("the example config was not read by hand")
	}
	slow, err := decodeSpec("config.json", data)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(fast, slow) {
		t.Fatalf("read by hand\n%+v\nby encoding/json\n%+v", fast, slow)
	}
	for _, in := range []string{
		`{"ociVersion":"1.0.0"} {}`,
		`{"ociVersion":1}`,
		`{"process":{"args":"sh"}}`,
		`{"ociVersion":"1.0.0",}`,
		``,
		`{"ociVersion":"1.0.0","hostname":"a","hostname":"b"}`,
		`{"ociVersion":"1.0.0","hoſtname":"a"}`,
		"{\"ociVersion\":\"1.0.0\",\"hostname\":\"a\xff\"}",
	} {
		if _, ok := readSpecFast([]byte(in)); ok {
			t.Errorf("%q read by hand; encoding/json must read it for its error", in)
		}
	}
	// What the hand reader leaves to encoding/json reads as encoding/json reads it: a
	// member named twice, a name folding to a member's ("ſ" is "s"), invalid UTF-8.
	for _, in := range []string{
		`{"ociVersion":"1.0.0","process":{"cwd":"/a","args":["x"]},"process":{"cwd":"/b"}}`,
		`{"ociVersion":"1.0.0","hoſtname":"a"}`,
		"{\"ociVersion\":\"1.0.0\",\"hostname\":\"a\xff\"}",
	} {
		got, err := parseSpec("config.json", []byte(in))
		if err != nil {
			t.Fatalf("%q: %v", in, err)
		}
		want, err := decodeSpec("config.json", []byte(in))
		if err != nil {
			t.Fatalf("%q: %v", in, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%q: read\n%+v\nwant\n%+v", in, got, want)
		}
	}
	_, err = parseSpec("config.json", []byte(`{"ociVersion": "1.0.0",
  "process": {"args": "sh"}}`))
	if err == nil || !strings.Contains(err.Error(), "config.json:2:") || !strings.Contains(err.Error(), "process.args") {
		t.Fatalf("a wrong type still gets encoding/json's line, column and member path, got %v", err)
	}
}

// exec --process documents (containerd and podman send one for every exec) are read by
// hand, the same as encoding/json reads them; a bad one still gets encoding/json's error.
func TestParseProcess(t *testing.T) {
	data, err := json.Marshal(Example().Process)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := readProcessFast(data); !ok {
		t.Fatal("the example process was not read by hand")
	}
	got, err := ParseProcess(data)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, Example().Process) {
		t.Fatalf("read\n%+v\nwant\n%+v", got, Example().Process)
	}
	_, err = ParseProcess([]byte(`{"args":["sh"],"cwd":7}`))
	var typ *json.UnmarshalTypeError
	if !errors.As(err, &typ) || !strings.Contains(err.Error(), "cwd") {
		t.Fatalf("a wrong type gets encoding/json's error naming the member, got %v", err)
	}
}
