package main

import (
	"context"
	"fmt"
	"io"
	"time"
)

// hold keeps idle connections open for the duration.
func hold(ctx context.Context, o options, users []*user, log io.Writer) (held time.Duration) {
	start := sendStart(ctx, o)
	defer func() { held = time.Since(start) }()
	end := time.NewTimer(time.Until(start.Add(o.duration)))
	defer end.Stop()
	progress := time.NewTicker(o.progress)
	defer progress.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-end.C:
			return
		case <-progress.C:
			alive := 0
			for _, us := range users {
				if !us.failed.Load() {
					alive++
				}
			}
			line := fmt.Sprintf("holding %6.1fs %d open", time.Since(start).Seconds(), alive)
			if o.pid > 0 {
				line += fmt.Sprintf(", server RSS %.1f MiB", rssMiB(o.pid))
			}
			fmt.Fprintln(log, line)
		}
	}
}
