//go:build goexperiment.jsonv2

package libcontainer

import (
	"testing"

	"github.com/berth-runtime/berth/internal/jsonw/jsonwtest"
)

type (
	plainState   State
	plainPartial partial
)

func TestStateJSONMatchesEncodingJSON(t *testing.T) {
	t.Run("State", func(t *testing.T) { jsonwtest.Check(t, func(v *State) any { return (*plainState)(v) }) })
	t.Run("partial", func(t *testing.T) { jsonwtest.Check(t, func(v *partial) any { return (*plainPartial)(v) }) })
}
