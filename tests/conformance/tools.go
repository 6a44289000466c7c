//go:build tools

// Package conformance pins the OCI runtime-tools validation suite; run.sh builds its
// programs from this module so berth's own go.mod stays free of test-only dependencies.
package conformance

import (
	_ "github.com/opencontainers/runtime-tools/cmd/runtimetest"
	_ "github.com/opencontainers/runtime-tools/validation/util"
)
