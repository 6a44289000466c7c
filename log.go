package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/berth-runtime/berth/libcontainer/stagelog"
	"github.com/urfave/cli/v3"
)

// The log goes to --log in --log-format: JSON lines with level, msg and time are
// what containerd's shim reads back to report a runtime failure.
var logger = struct {
	out   io.Writer
	json  bool
	debug bool
}{out: os.Stderr}

func setupLogging(c *cli.Command) error {
	switch f := c.String("log-format"); f {
	case "text":
	case "json":
		logger.json = true
	default:
		return fmt.Errorf("--log-format: unknown format %q (text or json)", f)
	}
	logger.debug = c.Bool("debug")
	if p := c.String("log"); p != "" {
		f, err := os.OpenFile(p, os.O_CREATE|os.O_WRONLY|os.O_APPEND|os.O_SYNC, 0o644)
		if err != nil {
			return fmt.Errorf("--log %s: %w", p, err)
		}
		logger.out = f
	}
	if logger.debug {
		stagelog.Enable("berth", os.Getpid(), logStage)
	}
	return nil
}

// logStage writes one stage record (--debug): the message says it for people, the
// fields for tools (start: CLOCK_MONOTONIC in ns, shared by every process; took: ns).
func logStage(r stagelog.Record) {
	msg := r.Stage
	if r.Detail != "" {
		msg += " " + r.Detail
	}
	msg += fmt.Sprintf(" (%s, took %s)", r.Proc, time.Duration(r.Took))
	if r.Err != "" {
		msg += ": " + r.Err
	}
	// When the stage ended (a record from init is logged a little later).
	ended := time.Now().Add(-time.Duration(stagelog.Now() - r.Start - r.Took))
	now := ended.UTC().Format(time.RFC3339Nano)
	if logger.json {
		line, _ := json.Marshal(struct {
			Level string `json:"level"`
			Msg   string `json:"msg"`
			Time  string `json:"time"`
			stagelog.Record
		}{"debug", msg, now, r})
		fmt.Fprintf(logger.out, "%s\n", line)
		return
	}
	fmt.Fprintf(logger.out, "time=%q level=debug msg=%q proc=%s pid=%d stage=%q detail=%q start=%d took=%d\n",
		now, msg, r.Proc, r.Pid, r.Stage, r.Detail, r.Start, r.Took)
}

func logf(level, format string, args ...any) {
	if level == "debug" && !logger.debug {
		return
	}
	msg := fmt.Sprintf(format, args...)
	now := time.Now().UTC().Format(time.RFC3339Nano)
	if logger.json {
		line, _ := json.Marshal(map[string]string{"level": level, "msg": msg, "time": now})
		fmt.Fprintf(logger.out, "%s\n", line)
		return
	}
	fmt.Fprintf(logger.out, "time=%q level=%s msg=%q\n", now, level, msg)
}

func warn(err error) {
	if err != nil {
		logf("warning", "%v", err)
		if logger.out != os.Stderr {
			fmt.Fprintf(os.Stderr, "berth: warning: %v\n", err)
		}
	}
}

// fatal reports err on one line and exits non-zero.
func fatal(err error) {
	var ee exitError
	if errors.As(err, &ee) {
		os.Exit(ee.code)
	}
	if logger.out != os.Stderr {
		logf("error", "%v", err)
	}
	fmt.Fprintf(os.Stderr, "berth: %v\n", err)
	code := 1
	var ce codedError
	if errors.As(err, &ce) {
		code = ce.code
	}
	os.Exit(code)
}
