package specconv

import (
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

func writeConfig(t *testing.T, content string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "config.json"), []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestLoadSpecMissingFile(t *testing.T) {
	dir := t.TempDir()
	_, err := LoadSpec(dir)
	wantErrContains(t, err, "config.json: no such file or directory", filepath.Join(dir, "config.json"))
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("error %v should match fs.ErrNotExist", err)
	}
}

func TestLoadSpecErrors(t *testing.T) {
	cases := []struct {
		name, content string
		want          []string
	}{
		{"syntax", "{\n  \"ociVersion\": \"1.0.2\",\n  \"process\": {,}\n}\n", []string{"config.json:3:15:", "invalid JSON"}},
		{"syntax first line", `{"ociVersion" "1.0.0"}`, []string{"config.json:1:15:"}},
		{"type", "{\n  \"ociVersion\": \"1.0.2\",\n  \"process\": {\"args\": 5}\n}", []string{"config.json:3:", "process.args", "cannot use a JSON number"}},
		{"truncated", "{\n  \"ociVersion\": \"1.0.2\",\n", []string{"config.json:3:", "unexpected end of file"}},
		{"empty", "", []string{"empty file"}},
		{"trailing", "{\"ociVersion\": \"1.0.2\"}\n  x", []string{"config.json:2:3:", "unexpected data"}},
		{"major 2", `{"ociVersion": "2.0.0"}`, []string{"ociVersion", `"2.0.0" is not supported`}},
		{"major 0", `{"ociVersion": "0.1.0"}`, []string{"ociVersion", "not supported"}},
		{"missing version", `{}`, []string{"ociVersion: missing"}},
		{"garbage version", `{"ociVersion": "latest"}`, []string{"ociVersion", "not a semantic version"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := LoadSpec(writeConfig(t, tc.content))
			wantErrContains(t, err, tc.want...)
		})
	}
}

func TestLoadSpecOK(t *testing.T) {
	for _, v := range []string{"1.0.0", "1.0.2-dev", "1.3.0", "1.9.0"} {
		s, err := LoadSpec(writeConfig(t, `{"ociVersion": "`+v+`", "process": {"args": ["sh"], "cwd": "/"}, "unknownField": 1}`))
		if err != nil {
			t.Fatalf("version %s: %v", v, err)
		}
		if s.Version != v || len(s.Process.Args) != 1 {
			t.Fatalf("version %s: parsed %+v", v, s)
		}
	}
}

func TestPosition(t *testing.T) {
	data := []byte("ab\ncd\nef")
	for _, tc := range []struct {
		off       int64
		line, col int
	}{{1, 1, 1}, {2, 1, 2}, {4, 2, 1}, {5, 2, 2}, {8, 3, 2}, {100, 3, 2}} {
		if l, c := position(data, tc.off); l != tc.line || c != tc.col {
			t.Errorf("position(%d) = %d:%d, want %d:%d", tc.off, l, c, tc.line, tc.col)
		}
	}
}

func TestExampleThroughConfigJSON(t *testing.T) {
	for _, rootless := range []bool{false, true} {
		s := validSpec()
		if rootless {
			ToRootless(s)
		}
		data, err := json.MarshalIndent(s, "", "\t")
		if err != nil {
			t.Fatal(err)
		}
		bundle := newBundle(t)
		if err := os.WriteFile(filepath.Join(bundle, "config.json"), data, 0o644); err != nil {
			t.Fatal(err)
		}
		loaded, err := LoadSpec(bundle)
		if err != nil {
			t.Fatalf("rootless=%v: LoadSpec: %v", rootless, err)
		}
		if _, err := Convert(loaded, Options{ID: "x", Bundle: bundle}); err != nil {
			t.Fatalf("rootless=%v: Convert: %v", rootless, err)
		}
	}
}
