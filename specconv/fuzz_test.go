package specconv

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzConvert feeds config.json bytes through parsing and conversion, the path every
// bundle takes before anything exists on the host. Whatever the input: no panic, and an
// error is one line of printable text (a NUL or an escape sequence from config.json
// must be quoted, never printed raw to the caller's terminal or log). Plain `go test`
// runs the seeds below and those in testdata/fuzz/FuzzConvert; `go test -fuzz
// FuzzConvert ./specconv` explores further.
func FuzzConvert(f *testing.F) {
	example, err := json.Marshal(validSpec())
	if err != nil {
		f.Fatal(err)
	}
	f.Add(example)
	for _, edit := range []func(string) string{
		func(s string) string { return strings.Replace(s, `"args":["sh"]`, `"args":["sh\u0000x"]`, 1) },
		func(s string) string { return strings.Replace(s, `"cwd":"/"`, `"cwd":"/a\u0000\u001b[31m"`, 1) },
		func(s string) string { return strings.Replace(s, `"uid":0`, `"uid":4294967295`, 1) },
		func(s string) string { return strings.Replace(s, `"gid":0`, `"gid":2147483648`, 1) },
		func(s string) string { return strings.Replace(s, `"path":"rootfs"`, `"path":"root\u0000fs"`, 1) },
		func(s string) string { return strings.Replace(s, `"hostname":"berth"`, `"hostname":"a\u0000b"`, 1) },
		func(s string) string {
			return strings.Replace(s, `"destination":"/proc"`, `"destination":"/pr\u0000oc"`, 1)
		},
		func(s string) string { return strings.Replace(s, `"type":"proc"`, `"type":3`, 1) },
		func(s string) string { return strings.Replace(s, `"sysctl"`, `"sysctl":{"k\u0000":"v"},"x"`, 1) },
	} {
		f.Add([]byte(edit(string(example))))
	}
	f.Add([]byte(`{"ociVersion":"1.0.0","process":{"args":["sh"],"cwd":"/","user":{"uid":0,"gid":0,"additionalGids":[4294967295]}},"root":{"path":"rootfs"}}`))
	f.Add([]byte(`{"ociVersion":"1.0.0","mounts":[{"destination":"/a"},{"destination":"/b","type":{}}]}`))
	f.Add([]byte(`{"ociVersion":"1.0.0\u0000"}`))
	f.Add([]byte("{\"ociVersion\":\"1.0.0\"}\n\x00"))
	bundle := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		spec, err := parseSpec("/bundle/config.json", data)
		if err == nil {
			_, err = Convert(spec, Options{ID: "fuzz", Bundle: bundle})
		}
		if err != nil {
			checkErrorText(t, err.Error())
		}
	})
}

// checkErrorText: one line, valid UTF-8, no control characters.
func checkErrorText(t *testing.T, msg string) {
	t.Helper()
	if !utf8.ValidString(msg) {
		t.Fatalf("error is not valid UTF-8: %q", msg)
	}
	for _, r := range msg {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			t.Fatalf("error carries the control character %U: %q", r, msg)
		}
	}
}
