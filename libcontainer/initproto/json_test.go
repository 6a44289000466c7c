//go:build goexperiment.jsonv2

package initproto

import (
	"testing"

	"github.com/berth-runtime/berth/internal/jsonw/jsonwtest"
)

type (
	plainMessage     Message
	plainInitConfig  InitConfig
	plainExecSeccomp ExecSeccomp
)

func TestJSONMatchesEncodingJSON(t *testing.T) {
	t.Run("Message", func(t *testing.T) { jsonwtest.Check(t, func(v *Message) any { return (*plainMessage)(v) }) })
	t.Run("InitConfig", func(t *testing.T) {
		jsonwtest.Check(t, func(v *InitConfig) any { return (*plainInitConfig)(v) })
	})
	t.Run("ExecSeccomp", func(t *testing.T) {
		jsonwtest.Check(t, func(v *ExecSeccomp) any { return (*plainExecSeccomp)(v) })
	})
}
