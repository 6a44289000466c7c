package specconv

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/berth-runtime/berth/internal/rawfile"
	"github.com/berth-runtime/berth/libcontainer/configs"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// LoadSpec reads and parses <bundle>/config.json. It checks only what parsing needs
// (JSON syntax, types, ociVersion); Convert does the rest.
func LoadSpec(bundle string) (*specs.Spec, error) {
	path := filepath.Join(bundle, "config.json")
	data, err := rawfile.Read(path)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			// Keep the errno wrapped so callers can still test errors.Is(err, fs.ErrNotExist).
			return nil, fmt.Errorf("config.json: %w (%s)", pe.Err, path)
		}
		return nil, fmt.Errorf("config.json: %w", err)
	}
	return parseSpec(path, data)
}

func parseSpec(path string, data []byte) (*specs.Spec, error) {
	// A document read by hand (readSpecFast) is the one encoding/json reads; anything it
	// does not take is read again by encoding/json, whose errors say where and why.
	spec, ok := readSpecFast(data)
	if !ok {
		var err error
		if spec, err = decodeSpec(path, data); err != nil {
			return nil, err
		}
	}
	if err := checkVersion(spec.Version); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return spec, nil
}

// ParseProcess reads exec's --process document (a config.json process object), by hand
// when it can (readProcessFast), else with encoding/json, whose error it returns.
func ParseProcess(data []byte) (*specs.Process, error) {
	if p, ok := readProcessFast(data); ok {
		return p, nil
	}
	var p specs.Process
	if err := json.Unmarshal(data, &p); err != nil {
		return nil, err
	}
	return &p, nil
}

func decodeSpec(path string, data []byte) (*specs.Spec, error) {
	var spec specs.Spec
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&spec); err != nil {
		return nil, jsonError(path, data, err)
	}
	// One document only: trailing garbage usually means a botched edit.
	off := dec.InputOffset()
	if rest := data[off:]; len(bytes.TrimSpace(rest)) != 0 {
		line, col := position(data, off+int64(len(rest)-len(bytes.TrimLeft(rest, " \t\r\n")))+1)
		return nil, fmt.Errorf("%s:%d:%d: unexpected data after the JSON object", path, line, col)
	}
	return &spec, nil
}

// jsonError turns encoding/json's byte offsets into line:column.
func jsonError(path string, data []byte, err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		line, col := position(data, syn.Offset+syntaxOffsetBias())
		return fmt.Errorf("%s:%d:%d: invalid JSON: %v", path, line, col, syn)
	case errors.As(err, &typ):
		line, col := position(data, typ.Offset)
		field := jsonPathAt(data, typ.Offset, typ.Field)
		if field == "" {
			field = "(top level)"
		}
		return fmt.Errorf("%s:%d:%d: %s: cannot use a JSON %s as %s", path, line, col, configs.Printable(field), typ.Value, typ.Type)
	case errors.Is(err, io.EOF):
		return fmt.Errorf("%s: empty file, expected a JSON object", path)
	case errors.Is(err, io.ErrUnexpectedEOF):
		line, col := position(data, int64(len(data)))
		return fmt.Errorf("%s:%d:%d: invalid JSON: unexpected end of file", path, line, col)
	}
	return fmt.Errorf("%s: %w", path, err)
}

// syntaxOffsetBias is what to add to a SyntaxError's Offset to point just past the offending
// byte. encoding/json's own implementation reports the offset after it; the v2 one (what the
// Makefile builds with, GOEXPERIMENT=jsonv2, and Go 1.27's default) the offset of the byte
// itself. Asked of the linked implementation on the error path, so either build is right.
func syntaxOffsetBias() int64 {
	var v any
	var syn *json.SyntaxError
	if err := json.Unmarshal([]byte("[,"), &v); errors.As(err, &syn) {
		return 2 - syn.Offset // the ',' is the second byte
	}
	return 0
}

// position returns the 1-based line and column of the last byte of data[:off]
// (encoding/json reports errors as "after reading off bytes").
func position(data []byte, off int64) (line, col int) {
	if off > int64(len(data)) {
		off = int64(len(data))
	}
	if off < 0 {
		off = 0
	}
	before := data[:off]
	line = bytes.Count(before, []byte("\n")) + 1
	col = int(off) - (bytes.LastIndexByte(before, '\n') + 1)
	if col == 0 {
		col = 1
	}
	return line, col
}

// checkVersion accepts any 1.x ociVersion: the spec keeps compatibility within a major.
func checkVersion(v string) error {
	if v == "" {
		return configs.FieldErrorf("ociVersion", "missing")
	}
	major, _, _ := strings.Cut(v, ".")
	n, err := strconv.Atoi(major)
	if err != nil {
		return configs.FieldErrorf("ociVersion", "%q is not a semantic version", v)
	}
	if n != specs.VersionMajor {
		return configs.FieldErrorf("ociVersion", "version %q is not supported (berth supports %d.x, up to %s)", v, specs.VersionMajor, specs.Version)
	}
	return nil
}
