package libcontainer

import (
	"encoding/json"
	"testing"
)

func TestParseNetDev(t *testing.T) {
	text := `Inter-|   Receive                                                |  Transmit
 face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
    lo:     840      10    0    0    0     0          0         0      840      10    0    0    0     0       0          0
  eth0: 1234567    890    1    2    0     0          0         3   765432    456    4    5    0     0       0          0
`
	got, err := parseNetDev(text)
	if err != nil {
		t.Fatal(err)
	}
	want := []NetInterface{
		{Name: "lo", RxBytes: 840, RxPackets: 10, TxBytes: 840, TxPackets: 10},
		{Name: "eth0", RxBytes: 1234567, RxPackets: 890, RxErrors: 1, RxDropped: 2, TxBytes: 765432, TxPackets: 456, TxErrors: 4, TxDropped: 5},
	}
	if len(got) != len(want) {
		t.Fatalf("got %+v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("interface %d: got %+v, want %+v", i, got[i], want[i])
		}
	}
	// runc's keys are the Go field names.
	b, _ := json.Marshal(got[1])
	if string(b) != `{"Name":"eth0","RxBytes":1234567,"RxPackets":890,"RxErrors":1,"RxDropped":2,"TxBytes":765432,"TxPackets":456,"TxErrors":4,"TxDropped":5}` {
		t.Errorf("JSON: %s", b)
	}
	if _, err := parseNetDev("  eth0: 1 2 3\n"); err == nil {
		t.Error("a short line was accepted")
	}
}
