// Package specconv turns an OCI runtime-spec config.json into berth's validated
// configs.Config. It runs in the parent before anything exists on the host, so every
// mistake in config.json is reported here, naming the field at fault in JSON-path form
// (`mounts[2].options[1]`, `linux.sysctl["kernel.panic"]`).
package specconv

import (
	"fmt"
	"strconv"
	"unicode/utf8"
)

// FieldError is a config.json value berth cannot accept, with the JSON path of the field.
type FieldError struct {
	Field string // e.g. "process.capabilities.bounding[4]"
	Err   error
}

func (e *FieldError) Error() string { return printable(e.Field + ": " + e.Err.Error()) }

// printable quotes a message that carries control characters (a NUL or an escape
// sequence from config.json, often inside a path the kernel reported): it is printed on
// the caller's terminal and logs, where such bytes cut or rewrite the line.
func printable(s string) string {
	for _, r := range s {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == utf8.RuneError {
			return strconv.Quote(s)
		}
	}
	return s
}
func (e *FieldError) Unwrap() error { return e.Err }

// fieldErrorf builds a FieldError; %w in format wraps as with fmt.Errorf.
func fieldErrorf(field, format string, args ...any) error {
	return &FieldError{Field: field, Err: fmt.Errorf(format, args...)}
}

// index renders "<base>[i]".
func index(base string, i int) string { return base + "[" + strconv.Itoa(i) + "]" }

// key renders `<base>["k"]`, quoting k so odd keys stay readable.
func key(base, k string) string { return base + "[" + strconv.Quote(k) + "]" }
