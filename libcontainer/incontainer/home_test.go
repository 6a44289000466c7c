package incontainer

import (
	"strings"
	"testing"
)

const testPasswd = `root:x:0:0:root:/root:/bin/sh
# a comment line
broken
user:x:1000:1000:A User:/home/user:/bin/sh
again:x:1000:1000::/home/again:/bin/sh
`

func TestWithHome(t *testing.T) {
	cases := []struct {
		name   string
		env    []string
		uid    uint32
		passwd string
		noFile bool
		want   string
	}{
		{"root", []string{"PATH=/bin"}, 0, testPasswd, false, "/root"},
		{"first entry for the uid wins", nil, 1000, testPasswd, false, "/home/user"},
		{"unknown uid", nil, 4242, testPasswd, false, "/"},
		{"no passwd file", nil, 0, "", true, "/"},
		{"empty HOME is replaced", []string{"HOME="}, 0, testPasswd, false, "/root"},
		{"HOME is kept", []string{"HOME=/mine"}, 0, testPasswd, false, "/mine"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var env []string
			if c.noFile {
				env = withHome(c.env, c.uid, nil)
			} else {
				env = withHome(c.env, c.uid, strings.NewReader(c.passwd))
			}
			var homes []string
			for _, e := range env {
				if strings.HasPrefix(e, "HOME=") {
					homes = append(homes, e)
				}
			}
			if len(homes) != 1 || homes[0] != "HOME="+c.want {
				t.Fatalf("HOME entries %q, want exactly HOME=%s", homes, c.want)
			}
		})
	}
}
