package main

import (
	"bufio"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// The Makefile's tags keep text/template (and html/template) out of berth: one call of
// reflect's MethodByName with a name known only at run time, as theirs, makes the linker
// keep every exported method of the program.
func TestNoTemplatePackage(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go tool on PATH")
	}
	tags := makefileTags(t)
	out, err := exec.Command(goTool, "list", "-deps", "-tags", tags, ".").Output()
	if err != nil {
		t.Fatalf("go list -deps -tags %q: %v", tags, err)
	}
	for _, pkg := range strings.Fields(string(out)) {
		if pkg == "text/template" || pkg == "html/template" {
			t.Errorf("berth built with -tags %q links %s", tags, pkg)
		}
	}
}

// makefileTags is the value of the Makefile's GO_TAGS.
func makefileTags(t *testing.T) string {
	f, err := os.Open("Makefile")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "GO_TAGS :="); ok {
			return strings.TrimSpace(v)
		}
	}
	t.Fatal("no GO_TAGS in the Makefile")
	return ""
}
