package criu

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"strings"
)

// Parsed by hand rather than with regexp: these two patterns were the binary's last
// users of the regexp package (0.15 MB).
const blanks = " \t\n\v\f\r"

// cutErrorTag cuts CRIU's "Error (criu/x.c:42):" tag and the blanks after it from the
// start of s.
func cutErrorTag(s string) (string, bool) {
	rest, ok := strings.CutPrefix(s, "Error (")
	if !ok {
		return s, false
	}
	_, rest, ok = strings.Cut(rest, ")")
	if !ok {
		return s, false
	}
	if rest, ok = strings.CutPrefix(rest, ":"); !ok {
		return s, false
	}
	return strings.TrimLeft(rest, blanks), true
}

// logLineError is what an error line of CRIU's log says:
// "(00.012345) Error (criu/x.c:42): what", or "(00.012345) pie: 7: Error (...): what"
// for its restorer blob.
func logLineError(line string) (string, bool) {
	rest, ok := strings.CutPrefix(line, "(")
	if !ok {
		return "", false
	}
	stamp, rest, ok := strings.Cut(rest, ")")
	if !ok || stamp == "" || strings.Trim(stamp, "0123456789. ") != "" {
		return "", false
	}
	afterStamp := strings.TrimLeft(rest, blanks)
	if len(afterStamp) == len(rest) {
		return "", false
	}
	rest = afterStamp
	if pie, ok := strings.CutPrefix(rest, "pie: "); ok {
		num, after, ok := strings.Cut(pie, ": ")
		if !ok || num == "" || strings.Trim(num, "0123456789") != "" {
			return "", false
		}
		rest = after
	}
	msg, ok := cutErrorTag(rest)
	return strings.TrimSpace(msg), ok
}

// FirstLogError is the first error CRIU logged in file: usually the cause, where the
// later ones only say what gave up because of it. "" when there is none to read.
func FirstLogError(file string) string {
	f, err := os.Open(file)
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		if msg, ok := logLineError(sc.Text()); ok {
			return msg
		}
	}
	return ""
}

// Explain turns a failed CRIU request into one line: what CRIU said, the first error
// in its log, and where the log is.
func Explain(err error, logFile string) error {
	reason := err.Error()
	var f *Failure
	if errors.As(err, &f) && strings.TrimSpace(f.Msg) == "" {
		reason = ""
	}
	if first := FirstLogError(logFile); first != "" && !strings.Contains(reason, first) {
		if reason != "" {
			reason += ": "
		}
		reason += first
	}
	if reason == "" {
		reason = err.Error()
	}
	return fmt.Errorf("criu failed: %s (log: %s)", reason, logFile)
}
