package specconv

import (
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func TestUserIDsAbove2To31AreRefused(t *testing.T) {
	bundle := newBundle(t)
	cases := []struct {
		edit  func(*specs.User)
		field string
	}{
		{func(u *specs.User) { u.UID = 4294967295 }, "process.user.uid: 4294967295: uids and gids must be in range 0-2147483647"},
		{func(u *specs.User) { u.GID = 1 << 31 }, "process.user.gid: 2147483648:"},
		{func(u *specs.User) { u.AdditionalGids = []uint32{5, 4294967294} }, "process.user.additionalGids[1]: 4294967294:"},
	}
	for _, c := range cases {
		s := validSpec()
		c.edit(&s.Process.User)
		_, err := Convert(s, Options{ID: "x", Bundle: bundle})
		wantErrContains(t, err, c.field)
	}
	if err := CheckUser(maxID, maxID, []uint32{maxID}); err != nil {
		t.Errorf("2^31-1 refused: %v", err)
	}
}
