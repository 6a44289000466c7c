//go:build goexperiment.jsonv2

package seccomp

import (
	"testing"

	"github.com/berth-runtime/berth/internal/jsonw/jsonwtest"
)

type plainProgram Program

func TestProgramJSONMatchesEncodingJSON(t *testing.T) {
	jsonwtest.Check(t, func(v *Program) any { return (*plainProgram)(v) })
}
