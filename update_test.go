package main

import "testing"

func TestParseRAM(t *testing.T) {
	for in, want := range map[string]int64{
		"-1": -1, "1024": 1024, "1k": 1024, "1KB": 1024, "64m": 64 << 20, "1.5g": 3 << 29, "2G": 2 << 30, "0": 0,
	} {
		got, err := parseRAM(in)
		if err != nil || *got != want {
			t.Errorf("parseRAM(%q) = %v, %v; want %d", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "m", "12x", "-5", "one"} {
		if _, err := parseRAM(bad); err == nil {
			t.Errorf("parseRAM(%q) accepted", bad)
		}
	}
}
