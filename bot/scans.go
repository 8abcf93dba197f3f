package bot

import "context"

// ScanCounts are an account's QR landing-page views (scans of printed codes), as
// bot/redisstore.Scans and bot/inmem.Scans count them.
type ScanCounts struct {
	// ByProcedure maps procedure code to views.
	ByProcedure map[string]int64 `json:"by_procedure"`
	// BySource maps procedure code to poster-location label (the QR's ?src=) to views;
	// only views that carried a label.
	BySource map[string]map[string]int64 `json:"by_source"`
}

// ScanReader reads an account's scan counts (bot/redisstore.Scans, bot/inmem.Scans).
type ScanReader interface {
	ScanCounts(ctx context.Context, account string) (ScanCounts, error)
}
