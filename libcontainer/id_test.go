package libcontainer

import (
	"strings"
	"testing"
)

func TestValidateID(t *testing.T) {
	for _, ok := range []string{"a", "demo-1", "abc_DEF.9+x", "0123456789abcdef"} {
		if err := ValidateID(ok); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
	if err := ValidateID(strings.Repeat("a", 255)); err != nil {
		t.Errorf("255 bytes: %v", err)
	}
	for _, bad := range []string{"", ".", "..", "a/b", "../x", "-a", ".hidden", "a b", "a\x00b", "é", strings.Repeat("a", 256), strings.Repeat("b", 1024)} {
		if err := ValidateID(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
