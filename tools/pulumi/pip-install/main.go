// Command pip-install runs, for the Pulumi project in the folder given as its argument, the same code that
// `pulumi install` runs through the Python language host: the SDK's python/toolchain, with the toolchain and
// virtualenv named in Pulumi.yaml. The language host itself (pulumi-language-python) cannot be obtained from
// the Go module proxy here (403 "This module version is not available"); this proves every other step.
package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/pulumi/pulumi/sdk/v3/go/common/workspace"
	"github.com/pulumi/pulumi/sdk/v3/python/toolchain"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: pip-install PROJECT_DIR")
		os.Exit(2)
	}
	if err := run(os.Args[1]); err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
}

func run(dir string) error {
	root, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	project, err := workspace.LoadProject(filepath.Join(root, "Pulumi.yaml"))
	if err != nil {
		return err
	}
	options := project.Runtime.Options()
	if name, _ := options["toolchain"].(string); name != "pip" {
		return fmt.Errorf("Pulumi.yaml: runtime.options.toolchain is %q, this helper handles pip", name)
	}
	virtualenv, _ := options["virtualenv"].(string)
	tc, err := toolchain.ResolveToolchain(toolchain.PythonOptions{
		Root: root, ProgramDir: root, Virtualenv: virtualenv, Toolchain: toolchain.Pip,
	})
	if err != nil {
		return err
	}
	return tc.InstallDependencies(context.Background(), root, false, true, os.Stdout, os.Stderr)
}
