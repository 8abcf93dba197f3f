// Package refresh runs a replica's periodic refresh of what other replicas change in
// Redis — runtime accounts, taught examples, catalogue versions — in one loop.
package refresh

import (
	"context"
	"time"
)

// Every calls refresh every interval until ctx ends, each call bounded by the interval so
// a hung store cannot stall the next; failed hears each error (the caller logs it and
// keeps serving what it has). It returns when ctx ends.
func Every(ctx context.Context, every time.Duration, refresh func(context.Context) error, failed func(error)) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		rctx, cancel := context.WithTimeout(ctx, every)
		if err := refresh(rctx); err != nil && ctx.Err() == nil {
			failed(err)
		}
		cancel()
	}
}
