package nsenter

import "testing"

func TestSelfOnly(t *testing.T) {
	cases := []struct {
		m    []IDMap
		id   int
		want bool
	}{
		{nil, 1000, true},
		{[]IDMap{{0, 1000, 1}}, 1000, true},
		{[]IDMap{{0, 1000, 2}}, 1000, false},
		{[]IDMap{{0, 1001, 1}}, 1000, false},
		{[]IDMap{{0, 1000, 1}, {1, 100000, 65536}}, 1000, false},
	}
	for _, c := range cases {
		if got := selfOnly(c.m, c.id); got != c.want {
			t.Errorf("selfOnly(%v, %d) = %v", c.m, c.id, got)
		}
	}
}

func TestFormatIDMap(t *testing.T) {
	got := FormatIDMap([]IDMap{{0, 100000, 65536}, {65536, 1000, 1}})
	if got != "0 100000 65536\n65536 1000 1\n" {
		t.Fatalf("got %q", got)
	}
}
