// Command mamori serves an organisation's information security programme:
// its assets, policies, audits and a tamper-evident trail of all of it.
package main

import (
	"os"

	"mamori/internal/cli"
)

func main() {
	os.Exit(cli.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
