package inmem

import (
	"context"
	"errors"
	"sync"

	"github.com/oabot/oabot/bot"
)

// Scans counts QR landing-page views in memory (demo mode), like redisstore.Scans: per
// account and procedure, and per poster-location label with a cap on distinct labels.
type Scans struct {
	maxLabels int

	mu     sync.Mutex
	procs  map[string]map[string]int64            // account → code → views
	labels map[string]map[string]map[string]int64 // account → code → label → views
	nlabel map[string]int                         // account → distinct code|label pairs
}

// OtherLabel collects views whose label was refused by the cap.
const OtherLabel = "~other"

// NewScans returns in-memory scan counters; maxLabels caps distinct code|label pairs per
// account (0 means 1000).
func NewScans(maxLabels int) *Scans {
	if maxLabels <= 0 {
		maxLabels = 1000
	}
	return &Scans{
		maxLabels: maxLabels,
		procs:     map[string]map[string]int64{},
		labels:    map[string]map[string]map[string]int64{},
		nlabel:    map[string]int{},
	}
}

// CountScan adds one landing view of procedure code for account, under label when not
// empty (label must already be sanitised).
func (s *Scans) CountScan(_ context.Context, account, code, label string) error {
	if account == "" || code == "" {
		return errors.New("inmem: count scan: empty account or code")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.procs[account] == nil {
		s.procs[account] = map[string]int64{}
		s.labels[account] = map[string]map[string]int64{}
	}
	s.procs[account][code]++
	if label == "" {
		return nil
	}
	byLabel := s.labels[account][code]
	if byLabel == nil {
		byLabel = map[string]int64{}
		s.labels[account][code] = byLabel
	}
	if _, ok := byLabel[label]; !ok {
		if s.nlabel[account] >= s.maxLabels {
			label = OtherLabel
		}
		if _, ok := byLabel[label]; !ok {
			s.nlabel[account]++
		}
	}
	byLabel[label]++
	return nil
}

var _ bot.ScanReader = (*Scans)(nil)

// ScanCounts returns copies of an account's counters: views by procedure code, and by
// code and label. It never fails.
func (s *Scans) ScanCounts(_ context.Context, account string) (bot.ScanCounts, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := bot.ScanCounts{ByProcedure: map[string]int64{}, BySource: map[string]map[string]int64{}}
	for code, n := range s.procs[account] {
		out.ByProcedure[code] = n
	}
	for code, m := range s.labels[account] {
		out.BySource[code] = map[string]int64{}
		for l, n := range m {
			out.BySource[code][l] = n
		}
	}
	return out, nil
}
