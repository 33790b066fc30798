// compose-check loads a Compose file as `docker compose config` does (compose-go: the schema,
// interpolation, merges, and references between services, secrets and volumes) and prints the
// resolved model as JSON, or every problem found, with exit status 1. The tests run it on
// deploy/compose.yaml, since no Docker engine runs where govmesh is built.
//
//	compose-check <compose file> [env file]
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"

	"github.com/compose-spec/compose-go/v2/cli"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: compose-check <compose file> [env file]")
		os.Exit(2)
	}
	opts := []cli.ProjectOptionsFn{cli.WithOsEnv, cli.WithInterpolation(true), cli.WithResolvedPaths(true)}
	if len(os.Args) > 2 {
		opts = append(opts, cli.WithEnvFiles(os.Args[2]), cli.WithDotEnv)
	}
	options, err := cli.NewProjectOptions([]string{os.Args[1]}, opts...)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	project, err := options.LoadProject(context.Background())
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	out, err := json.MarshalIndent(project, "", "  ")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Println(string(out))
}
