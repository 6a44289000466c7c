package configs

import (
	"fmt"
	"strconv"
	"unicode/utf8"
)

// FieldError is a config.json value berth cannot accept, with the JSON path of the
// field at fault: specconv and the seccomp profile checker both report through it, so
// a caller sees one shape (errors.As) whichever of them refused the field.
type FieldError struct {
	Field string // e.g. "process.capabilities.bounding[4]", "linux.seccomp.syscalls[3].names[1]"
	Err   error
}

func (e *FieldError) Error() string { return Printable(e.Field + ": " + e.Err.Error()) }

func (e *FieldError) Unwrap() error { return e.Err }

// FieldErrorf builds a FieldError; %w in format wraps as with fmt.Errorf.
func FieldErrorf(field, format string, args ...any) error {
	return &FieldError{Field: field, Err: fmt.Errorf(format, args...)}
}

// Index renders "<base>[i]".
func Index(base string, i int) string { return base + "[" + strconv.Itoa(i) + "]" }

// Key renders `<base>["k"]`, quoting k so odd keys stay readable.
func Key(base, k string) string { return base + "[" + strconv.Quote(k) + "]" }

// Printable quotes a message that carries control characters (a NUL or an escape
// sequence from config.json, often inside a path the kernel reported): it is printed on
// the caller's terminal and logs, where such bytes cut or rewrite the line.
func Printable(s string) string {
	for _, r := range s {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == utf8.RuneError {
			return strconv.Quote(s)
		}
	}
	return s
}
