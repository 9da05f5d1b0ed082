//go:build !unix

package tabular

import "time"

func cpuTime() (time.Duration, bool) { return 0, false }
