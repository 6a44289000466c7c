//go:build goexperiment.jsonv2

package cgroups

import (
	"testing"

	"github.com/berth-runtime/berth/internal/jsonw/jsonwtest"
)

type (
	plainState        State
	plainSystemdState SystemdState
)

func TestStateJSONMatchesEncodingJSON(t *testing.T) {
	t.Run("State", func(t *testing.T) { jsonwtest.Check(t, func(v *State) any { return (*plainState)(v) }) })
	t.Run("SystemdState", func(t *testing.T) {
		jsonwtest.Check(t, func(v *SystemdState) any { return (*plainSystemdState)(v) })
	})
}
