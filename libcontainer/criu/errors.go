package criu

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"regexp"
	"strings"
	"sync"
)

// errorLine matches CRIU's log lines for errors: "(00.012345) Error (criu/x.c:42): what".
// Compiled on first use: package-level regexps cost every start of berth, init included.
var errorLine = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^\([0-9. ]+\)\s+(?:pie: \d+: )?Error \([^)]*\):\s*(.*)$`)
})

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
		if m := errorLine().FindStringSubmatch(sc.Text()); m != nil {
			return strings.TrimSpace(m[1])
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
