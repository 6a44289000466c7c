package specconv

import (
	"strings"
	"testing"
)

// A type error names the element of an array it is in, not just the array.
func TestTypeErrorNamesArrayIndex(t *testing.T) {
	cases := []struct{ config, want string }{
		{`{"ociVersion":"1.0.0","mounts":[{"destination":"/a"},{"destination":"/b"},{"destination":"/c"},{"destination":"/d","type":3}]}`,
			"mounts[3].type: cannot use a JSON number"},
		{`{"ociVersion":"1.0.0","mounts":[{"destination":"/a","type":{"x":[1]}}]}`, "mounts[0].type: cannot use a JSON object"},
		{`{"ociVersion":"1.0.0","process":{"args":["sh", 5]}}`, "process.args[1]: cannot use a JSON number"},
		{`{"ociVersion":"1.0.0","process":{"user":{"additionalGids":[1,2,"x"]}}}`, "process.user.additionalGids[2]: cannot use a JSON string"},
		{`{"ociVersion":"1.0.0","linux":{"sysctl":{"a":"b","net.x":1}}}`, `linux.sysctl["net.x"]: cannot use a JSON number`},
		{`{"ociVersion":"1.0.0","linux":{"resources":{"devices":[{"allow":true},{"allow":"yes"}]}}}`, "linux.resources.devices[1].allow: cannot use a JSON string"},
		{`{"ociVersion":"1.0.0","process":5}`, "process: cannot use a JSON number"},
	}
	for _, c := range cases {
		_, err := parseSpec("config.json", []byte(c.config))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want %q", c.config, err, c.want)
		}
	}
}
