package libcontainer

import "testing"

func TestValidateID(t *testing.T) {
	for _, ok := range []string{"a", "demo-1", "abc_DEF.9+x", "0123456789abcdef"} {
		if err := ValidateID(ok); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
	for _, bad := range []string{"", ".", "..", "a/b", "../x", "-a", ".hidden", "a b", "a\x00b", "é"} {
		if err := ValidateID(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
