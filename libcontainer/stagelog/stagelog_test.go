package stagelog

import (
	"errors"
	"testing"
)

func TestOffRecordsNothing(t *testing.T) {
	Enable("berth", 0, nil)
	sp := Begin("x", "y")
	if sp != (Span{}) {
		t.Errorf("Begin while off: %+v", sp)
	}
	if err := sp.End(errors.New("e")); err == nil || err.Error() != "e" {
		t.Errorf("End passes err through: %v", err)
	}
}

func TestSpans(t *testing.T) {
	var got []Record
	Enable("init", 42, func(r Record) { got = append(got, r) })
	defer Enable("berth", 0, nil)
	sp := Begin("mount", "/proc")
	sp.End(nil)
	Begin("hooks", "prestart").End(errors.New("boom"))
	Emit(Record{Proc: "other", Pid: 7, Stage: "s", Start: 1, Took: 2})
	if len(got) != 3 {
		t.Fatalf("got %+v", got)
	}
	if got[0].Stage != "mount" || got[0].Detail != "/proc" || got[0].Proc != "init" || got[0].Pid != 42 ||
		got[0].Start <= 0 || got[0].Took < 0 || got[0].Err != "" {
		t.Errorf("first: %+v", got[0])
	}
	if got[1].Err != "boom" {
		t.Errorf("second: %+v", got[1])
	}
	if got[2].Proc != "other" || got[2].Pid != 7 {
		t.Errorf("emitted as is: %+v", got[2])
	}
	if got[1].Start < got[0].Start {
		t.Error("monotonic clock went back")
	}
}

// BenchmarkOff is the cost of a stage when --debug is off (go test -bench . -benchmem).
func BenchmarkOff(b *testing.B) {
	Enable("berth", 0, nil)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		Begin("stage", "detail").End(nil)
	}
}
