package redisstore

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/redis/go-redis/v9"

	"github.com/oabot/oabot/bot"
)

// Scans counts QR landing-page views per account and procedure, and per poster location
// label (the QR's ?src=). Per account there are two hashes sharing the hash tag {account}:
// "scans:{a}" (field: procedure code) and "scans:{a}:src" (field: code|label).
type Scans struct {
	rdb       redis.UniversalClient
	keys      Keyspace
	maxLabels int
}

// ScansOptions configures Scans.
type ScansOptions struct {
	// Prefix starts every key (default "oabot:").
	Prefix string
	// MaxLabels caps the distinct code|label fields per account (default 1000); views with
	// a new label past the cap are counted under the label OtherLabel, so a flood of made-up
	// labels cannot grow the hash without bound.
	MaxLabels int
}

// OtherLabel collects views whose label was refused by the cap.
const OtherLabel = "~other"

// maxLabelBytes is a last guard on label length; callers sanitise labels first
// (qr.SanitizeLabel keeps 32 characters of [a-z0-9._-]).
const maxLabelBytes = 64

// NewScans returns scan counters on rdb. It does no I/O.
func NewScans(rdb redis.UniversalClient, opts ScansOptions) (*Scans, error) {
	if rdb == nil {
		return nil, errors.New("redisstore: nil redis client")
	}
	if opts.MaxLabels <= 0 {
		opts.MaxLabels = 1000
	}
	return &Scans{rdb: rdb, keys: keyspace(opts.Prefix), maxLabels: opts.MaxLabels}, nil
}

// countScanScript adds one view. KEYS[1]: per-procedure hash, KEYS[2]: per-label hash.
// ARGV[1]: code, ARGV[2]: code|label or "", ARGV[3]: label cap, ARGV[4]: code|OtherLabel.
var countScanScript = redis.NewScript(`
redis.call('HINCRBY', KEYS[1], ARGV[1], 1)
if ARGV[2] ~= '' then
  if redis.call('HEXISTS', KEYS[2], ARGV[2]) == 1 or redis.call('HLEN', KEYS[2]) < tonumber(ARGV[3]) then
    redis.call('HINCRBY', KEYS[2], ARGV[2], 1)
  else
    redis.call('HINCRBY', KEYS[2], ARGV[4], 1)
  end
end
return 1`)

// CountScan adds one landing view of procedure code for account, under label when not
// empty (label must already be sanitised).
func (s *Scans) CountScan(ctx context.Context, account, code, label string) error {
	if account == "" || code == "" {
		return errors.New("redisstore: count scan: empty account or code")
	}
	if len(label) > maxLabelBytes {
		label = label[:maxLabelBytes]
	}
	field := ""
	if label != "" {
		field = code + "|" + label
	}
	keys := []string{s.procKey(account), s.srcKey(account)}
	if err := countScanScript.Run(ctx, s.rdb, keys, code, field, s.maxLabels, code+"|"+OtherLabel).Err(); err != nil {
		return fmt.Errorf("count scan: %w", err)
	}
	return nil
}

var _ bot.ScanReader = (*Scans)(nil)

// ScanCounts reads an account's counters.
func (s *Scans) ScanCounts(ctx context.Context, account string) (bot.ScanCounts, error) {
	procs, err := s.rdb.HGetAll(ctx, s.procKey(account)).Result()
	if err != nil {
		return bot.ScanCounts{}, fmt.Errorf("read scans: %w", err)
	}
	srcs, err := s.rdb.HGetAll(ctx, s.srcKey(account)).Result()
	if err != nil {
		return bot.ScanCounts{}, fmt.Errorf("read scans: %w", err)
	}
	out := bot.ScanCounts{ByProcedure: map[string]int64{}, BySource: map[string]map[string]int64{}}
	for code, v := range procs {
		out.ByProcedure[code] = atoi64(v)
	}
	for field, v := range srcs {
		i := strings.LastIndexByte(field, '|')
		if i < 0 {
			continue
		}
		code, label := field[:i], field[i+1:]
		if out.BySource[code] == nil {
			out.BySource[code] = map[string]int64{}
		}
		out.BySource[code][label] = atoi64(v)
	}
	return out, nil
}

func (s *Scans) procKey(account string) string { return s.keys.Key("scans", "{"+account+"}") }
func (s *Scans) srcKey(account string) string {
	return s.keys.Key("scans", "{"+account+"}", "src")
}

// atoi64 reads a counter; HINCRBY only ever stores integers, so a parse error means 0.
func atoi64(s string) int64 {
	n, _ := strconv.ParseInt(s, 10, 64)
	return n
}
